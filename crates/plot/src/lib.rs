//! Charts for training reports, knowing nothing of what they show: line charts (schedules,
//! loss curves, LR-finder sweeps), bar charts, and log-log scatter plots ([`scatter`]).
//!
//! [`render`] draws one or more [`Chart`] panels stacked vertically into a PNG or
//! SVG file (chosen by the extension). Text uses DejaVu Sans, embedded in the
//! binary (see `assets/DejaVu-LICENSE.txt`), so no system fonts are looked up.
//! Plotting is defensive: NaN/infinite values, and non-positive values on log
//! axes, are skipped; empty series, single points and constant data all produce
//! a readable chart rather than an error or a panic.

pub mod scatter;

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One line on a chart.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// A vertical dashed line with a short label, e.g. a phase boundary "warm-up ends".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub label: String,
}

/// One panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_x: bool,
    pub log_y: bool,
    pub series: Vec<Series>,
    pub markers: Vec<Marker>,
}

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("cannot plot to {}: unsupported file extension (use .png or .svg)", path.display())]
    UnsupportedExtension { path: PathBuf },
    #[error("cannot write plot {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot draw plot {}: {message}", path.display())]
    Draw { path: PathBuf, message: String },
}

const WIDTH: u32 = 900;
const PANEL_HEIGHT: u32 = 420;
pub const FONT: &str = "sans-serif";
const FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
/// Tableau-10 colours: distinct, and readable on white.
const PALETTE: [u32; 10] = [
    0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22,
    0x17becf,
];
const MARKER_COLOR: RGBColor = RGBColor(80, 80, 80);

/// Registers the embedded font with plotters once; false if it could not be parsed.
pub fn font_ready() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok())
}

/// Renders the charts stacked vertically (one panel each, 900 px wide, ~420 px per panel) into `path`;
/// the format follows the extension (.png or .svg, case-insensitive). Written atomically: to a temporary file in the same directory, then renamed.
pub fn render(charts: &[Chart], path: &Path) -> Result<(), PlotError> {
    struct Panels<'a>(&'a [Chart]);
    impl Figure for Panels<'_> {
        fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
            draw_all(root, self.0)
        }
    }
    let size = (WIDTH, PANEL_HEIGHT * charts.len().max(1) as u32);
    write_figure(path, size, &Panels(charts))
}

/// Something drawn on any plotters backend: the part of a figure that differs between them.
pub trait Figure {
    fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Draws `figure` into `path`, PNG or SVG by the extension (case-insensitive), `size` pixels.
/// Written atomically: to a temporary file in the same directory, then renamed.
///
/// # Errors
/// An unsupported extension, an unwritable folder, a drawing failure.
pub fn write_figure(path: &Path, size: (u32, u32), figure: &impl Figure) -> Result<(), PlotError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let ext = match ext.as_deref() {
        Some(e @ ("png" | "svg")) => e.to_string(),
        _ => return Err(PlotError::UnsupportedExtension { path: path.into() }),
    };
    let draw_err = |message: String| PlotError::Draw {
        path: path.into(),
        message,
    };
    if !font_ready() {
        return Err(draw_err("embedded font could not be loaded".into()));
    }
    let io_err = |source| PlotError::Io {
        path: path.into(),
        source,
    };
    let tmp = temp_path(path, &ext);
    // Creating it up front turns a missing or read-only directory into an Io error.
    std::fs::File::create(&tmp).map_err(io_err)?;
    let result = if ext == "png" {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        figure.draw(root).map_err(draw_err)
    } else {
        let mut svg = String::new();
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let drawn = figure.draw(root).map_err(draw_err);
        drawn.and_then(|()| std::fs::write(&tmp, &svg).map_err(io_err))
    };
    let result = result.and_then(|()| std::fs::rename(&tmp, path).map_err(io_err));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A bar chart: one bar per `(label, value)`, the value written above it. PNG or SVG by the
/// extension, written atomically as [`render`] does. Non-finite values get no bar.
///
/// # Errors
/// As [`render`].
pub fn render_bars(
    title: &str,
    y_label: &str,
    bars: &[(String, f64)],
    path: &Path,
) -> Result<(), PlotError> {
    struct Bars<'a>(&'a str, &'a str, &'a [(String, f64)]);
    impl Figure for Bars<'_> {
        fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
            draw_bars(root, self.0, self.1, self.2)
        }
    }
    write_figure(
        path,
        (WIDTH, PANEL_HEIGHT + 60),
        &Bars(title, y_label, bars),
    )
}

fn draw_bars<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    y_label: &str,
    bars: &[(String, f64)],
) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let finite = bars.iter().map(|b| b.1).filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((0.0f64, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        let hi = if hi.is_finite() && hi > lo {
            hi
        } else {
            lo + 1.0
        };
        let n = bars.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(12)
            .x_label_area_size(70)
            .y_label_area_size(70)
            .build_cartesian_2d(0f64..n as f64, lo..hi * 1.12)
            .map_err(|e| e.to_string())?;
        let label_of = |x: &f64| {
            let i = x.floor() as usize;
            if (x - i as f64 - 0.5).abs() < 1e-6 {
                bars.get(i).map_or_else(String::new, |b| b.0.clone())
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(2 * n + 1)
            .x_label_formatter(&label_of)
            .x_label_style((FONT, 12))
            .y_desc(y_label)
            .label_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (_, v)) in bars.iter().enumerate().filter(|(_, b)| b.1.is_finite()) {
            let [_, r, g, b] = PALETTE[i % PALETTE.len()].to_be_bytes();
            let color = RGBColor(r, g, b);
            let (x0, x1) = (i as f64 + 0.15, i as f64 + 0.85);
            chart
                .draw_series([Rectangle::new([(x0, lo), (x1, *v)], color.filled())])
                .map_err(|e| e.to_string())?;
            let style =
                TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
            chart
                .draw_series([Text::new(format!("{v:.4}"), (i as f64 + 0.5, *v), style)])
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())
    }))
    .unwrap_or_else(|_| Err("the plotting library panicked".into()))
}

/// A unique hidden file next to `path`, keeping the real extension (the bitmap
/// encoder picks the format from it).
fn temp_path(path: &Path, ext: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let file = format!(".{name}.{}-{n}.tmp.{ext}", std::process::id());
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(file),
        _ => PathBuf::from(file),
    }
}

/// Draws every panel and flushes the backend (which consumes it).
fn draw_all<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    charts: &[Chart],
) -> Result<(), String> {
    let placeholder = [Chart {
        title: "(no charts)".into(),
        ..Chart::default()
    }];
    let charts = if charts.is_empty() {
        &placeholder[..]
    } else {
        charts
    };
    // Inputs are sanitised below, but a panic inside plotters must still not take
    // down a training run: report it as a drawing error instead.
    catch_unwind(AssertUnwindSafe(|| {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        for (area, chart) in root.split_evenly((charts.len(), 1)).iter().zip(charts) {
            draw_chart(area, chart)?;
        }
        root.present().map_err(|e| e.to_string())
    }))
    .unwrap_or_else(|_| Err("the plotting library panicked".into()))
}

fn usable(v: f64, log: bool) -> bool {
    v.is_finite() && (!log || v > 0.0)
}

/// Axis range over the usable values, with margins (fractions of the span,
/// below and above; in decades for log axes). Never empty or degenerate.
fn axis_range(values: impl Iterator<Item = f64>, log: bool, margin: (f64, f64)) -> Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|&v| usable(v, log)) {
        let v = if log { v.log10() } else { v };
        (lo, hi) = (lo.min(v), hi.max(v));
    }
    if lo > hi {
        (lo, hi) = (0.0, 1.0); // no data: 0..1, or 1..10 on a log axis
    } else if hi - lo <= 1e-9 * lo.abs().max(hi.abs()) {
        let w = if log {
            0.5
        } else if lo == 0.0 {
            1.0
        } else {
            0.1 * lo.abs()
        };
        (lo, hi) = (lo - w, hi + w);
    }
    let span = hi - lo;
    if (lo - span * margin.0).is_finite() && (hi + span * margin.1).is_finite() {
        (lo, hi) = (lo - span * margin.0, hi + span * margin.1);
    }
    if !log {
        return lo..hi;
    }
    // plotters only puts log ticks from a power of ten upwards: make sure the axis
    // contains one, stretching whichever end is closer to a decade.
    if lo.ceil() > hi {
        if lo - lo.floor() < hi.ceil() - hi {
            lo = lo.floor();
        } else {
            hi = hi.ceil();
        }
    }
    10f64.powf(lo.max(-300.0))..10f64.powf(hi.min(300.0))
}

/// Position of `v` inside `r` as a fraction (log-space for log axes).
fn frac(v: f64, r: &Range<f64>, log: bool) -> f64 {
    let f = |x: f64| if log { x.log10() } else { x };
    (f(v) - f(r.start)) / (f(r.end) - f(r.start))
}

fn draw_chart<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, c: &Chart) -> Result<(), String> {
    let xs = c.series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let xs = xs.chain(c.markers.iter().map(|m| m.x));
    let xr = axis_range(xs, c.log_x, (0.02, 0.02));
    let ys = c.series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let top = if c.markers.is_empty() { 0.06 } else { 0.15 }; // room for marker labels
    let yr = axis_range(ys, c.log_y, (0.06, top));
    let (x, y) = (xr.clone(), yr.clone());
    match (c.log_x, c.log_y) {
        (false, false) => draw_panel(area, c, x, y, &xr, &yr),
        (true, false) => draw_panel(area, c, x.log_scale(), y, &xr, &yr),
        (false, true) => draw_panel(area, c, x, y.log_scale(), &xr, &yr),
        (true, true) => draw_panel(area, c, x.log_scale(), y.log_scale(), &xr, &yr),
    }
}

/// Short tick labels: plain decimals for magnitudes in `plain`, otherwise like `2.5e-4`.
fn tick(v: f64, plain: Range<f64>) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if plain.contains(&a) {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        let s = format!("{v:.1e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// Runs of consecutive drawable points; unusable points break the line.
fn segments(points: &[(f64, f64)], lx: bool, ly: bool) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![Vec::new()];
    for &(x, y) in points {
        match out.last_mut() {
            Some(seg) if usable(x, lx) && usable(y, ly) => seg.push((x, y)),
            Some(seg) if !seg.is_empty() => out.push(Vec::new()),
            _ => {}
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Picks the legend corner covering the fewest cells (of a 20x20 grid over the
/// plot) that the lines or the marker labels pass through.
fn legend_corner(c: &Chart, xr: &Range<f64>, yr: &Range<f64>) -> SeriesLabelPosition {
    const N: f64 = 20.0;
    let mut cells = std::collections::HashSet::new();
    let mut mark = |x: f64, y: f64| {
        if (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y) {
            cells.insert(((x * N).min(N - 1.0) as u8, (y * N).min(N - 1.0) as u8));
        }
    };
    let pos = |p: &(f64, f64)| (frac(p.0, xr, c.log_x), frac(p.1, yr, c.log_y));
    let segs = c
        .series
        .iter()
        .flat_map(|s| segments(&s.points, c.log_x, c.log_y));
    for seg in segs {
        let pts: Vec<_> = seg.iter().map(pos).collect();
        for (i, &(x0, y0)) in pts.iter().enumerate() {
            let (x1, y1) = pts[(i + 1).min(pts.len() - 1)];
            let steps = ((x1 - x0).hypot(y1 - y0) * 2.0 * N).clamp(1.0, 1e4) as usize;
            for t in (0..=steps).map(|k| k as f64 / steps as f64) {
                mark(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
            }
        }
    }
    for m in c.markers.iter().filter(|m| usable(m.x, c.log_x)) {
        let x = frac(m.x, xr, c.log_x);
        let w = ((m.label.chars().count() as f64 * 7.5 + 10.0) / 800.0).min(1.0);
        let start = if x > 0.75 { x - w } else { x };
        for k in 0..=(w * N).ceil() as usize {
            mark((start + k as f64 / N).clamp(0.0, 1.0), 0.95);
        }
    }
    let longest = c.series.iter().map(|s| s.label.chars().count()).max();
    let bw = ((40.0 + 7.5 * longest.unwrap_or(0).max(8) as f64) / 800.0 * N)
        .ceil()
        .min(N) as u8;
    let bh = ((0.05 + 0.065 * c.series.len() as f64) * N).ceil().min(N) as u8;
    let count = |right: bool, upper: bool| {
        let in_x = |i: u8| if right { i + bw >= N as u8 } else { i < bw };
        let in_y = |j: u8| if upper { j + bh >= N as u8 } else { j < bh };
        cells.iter().filter(|&&(i, j)| in_x(i) && in_y(j)).count()
    };
    use SeriesLabelPosition::*;
    let corners = [
        (UpperRight, true, true),
        (UpperLeft, false, true),
        (LowerRight, true, false),
        (LowerLeft, false, false),
    ];
    let best = corners
        .into_iter()
        .min_by_key(|&(_, right, upper)| count(right, upper));
    best.map_or(UpperRight, |(pos, _, _)| pos)
}

fn draw_panel<DB, X, Y>(
    area: &DrawingArea<DB, Shift>,
    c: &Chart,
    x_spec: X,
    y_spec: Y,
    xr: &Range<f64>,
    yr: &Range<f64>,
) -> Result<(), String>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    // Log axes switch to exponents sooner, so decades read 1e-3, 1e-4, ... alike.
    let plain = |log: bool| if log { 1e-2..1e4 } else { 1e-3..1e5 };
    let x_tick = |v: &f64| tick(*v, plain(c.log_x));
    let y_tick = |v: &f64| tick(*v, plain(c.log_y));
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(10)
        .margin_right(28)
        .x_label_area_size(48)
        .y_label_area_size(72);
    if !c.title.is_empty() {
        builder.caption(&c.title, (FONT, 20));
    }
    let mut chart = builder.build_cartesian_2d(x_spec, y_spec).map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(&c.x_label)
        .y_desc(&c.y_label)
        .x_labels(10)
        .y_labels(8)
        .x_label_formatter(&x_tick)
        .y_label_formatter(&y_tick)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .draw()
        .map_err(e)?;

    for (i, s) in c.series.iter().enumerate() {
        let [_, r, g, b] = PALETTE[i % PALETTE.len()].to_be_bytes();
        let color = RGBColor(r, g, b);
        let segs = segments(&s.points, c.log_x, c.log_y);
        // A run that is a single point (or repeats one) would be invisible as a line.
        let (lines, dots): (Vec<_>, Vec<_>) =
            segs.into_iter().partition(|s| s.iter().any(|p| *p != s[0]));
        let paths = lines
            .into_iter()
            .map(|seg| PathElement::new(seg, color.stroke_width(2)));
        let anno = chart.draw_series(paths).map_err(e)?;
        let label = match s.label.as_str() {
            "" => format!("series {}", i + 1),
            l => l.to_string(),
        };
        anno.label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 22, y)], color.stroke_width(2)));
        let dots = dots
            .into_iter()
            .map(|s| Circle::new(s[0], 3, color.filled()));
        chart.draw_series(dots).map_err(e)?;
    }

    let markers = c.markers.iter().filter(|m| usable(m.x, c.log_x));
    for (i, m) in markers.enumerate() {
        let line = [(m.x, yr.start), (m.x, yr.end)];
        let dashed = DashedLineSeries::new(line, 6, 4, MARKER_COLOR.stroke_width(1));
        chart.draw_series(dashed).map_err(e)?;
        // Labels hang from the top edge, staggered so that neighbours don't collide,
        // and flip to the left of the line near the right edge.
        let right = frac(m.x, xr, c.log_x) > 0.75;
        let (dx, h) = if right {
            (-5, HPos::Right)
        } else {
            (5, HPos::Left)
        };
        let style = TextStyle::from((FONT, 13).into_font()).color(&MARKER_COLOR);
        let style = style.pos(Pos::new(h, VPos::Top));
        let text = Text::new(m.label.clone(), (dx, 6 + 16 * (i as i32 % 4)), style);
        let anchored = EmptyElement::at((m.x, yr.end)) + text;
        chart.draw_series([anchored]).map_err(e)?;
    }

    if c.series.len() > 1 || c.series.iter().any(|s| !s.label.is_empty()) {
        chart
            .configure_series_labels()
            .position(legend_corner(c, xr, yr))
            .label_font((FONT, 13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .draw()
            .map_err(e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch folder, removed when the test ends (failed or not).
    fn scratch() -> tempfile::TempDir {
        tempfile::tempdir().expect("create temp dir")
    }

    fn sample() -> Vec<Chart> {
        let lr: Vec<_> = (0..200)
            .map(|i| (i as f64, 1e-3 * (1.0 + (i as f64 / 30.0).sin())))
            .collect();
        vec![
            Chart {
                title: "learning rate".into(),
                x_label: "step".into(),
                y_label: "lr".into(),
                log_y: true,
                series: vec![Series {
                    label: "lr".into(),
                    points: lr,
                }],
                markers: vec![Marker {
                    x: 50.0,
                    label: "warm-up ends".into(),
                }],
                ..Chart::default()
            },
            Chart {
                title: "loss".into(),
                series: vec![
                    Series {
                        label: "train".into(),
                        points: vec![(0.0, 2.0), (1.0, 1.5), (2.0, 1.2)],
                    },
                    Series {
                        label: "eval".into(),
                        points: vec![(0.0, 2.1), (2.0, 1.4)],
                    },
                ],
                ..Chart::default()
            },
        ]
    }

    #[test]
    fn renders_png_and_svg() {
        let scratch = scratch();
        let dir = scratch.path();
        let png = dir.join("chart.PNG");
        render(&sample(), &png).expect("png");
        let bytes = std::fs::read(&png).expect("read png");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let svg = dir.join("chart.svg");
        render(&sample(), &svg).expect("svg");
        let text = std::fs::read_to_string(&svg).expect("read svg");
        assert!(text.contains("<svg"));
        // Only the two outputs: no temporary files left behind.
        assert_eq!(std::fs::read_dir(dir).expect("list").count(), 2);
    }

    #[test]
    fn edge_cases_do_not_panic() {
        let scratch = scratch();
        let dir = scratch.path();
        let nasty = Chart {
            title: "edge cases".into(),
            log_x: true,
            log_y: true,
            series: vec![
                Series {
                    label: "zeros".into(),
                    points: vec![(0.0, 0.0), (1.0, 0.0), (2.0, 1e-3), (3.0, f64::NAN)],
                },
                Series {
                    label: String::new(),
                    points: vec![],
                },
                Series {
                    label: "one".into(),
                    points: vec![(5.0, 0.5)],
                },
                Series {
                    label: "inf".into(),
                    points: vec![(f64::INFINITY, 1.0), (4.0, f64::NEG_INFINITY)],
                },
            ],
            markers: vec![
                Marker {
                    x: 0.0,
                    label: "at zero".into(),
                },
                Marker {
                    x: 3.0,
                    label: "m".into(),
                },
            ],
            ..Chart::default()
        };
        let flat = Chart {
            series: vec![Series {
                label: String::new(),
                points: vec![(1.0, 0.9), (1.0, 0.9)],
            }],
            ..Chart::default()
        };
        let empty = Chart {
            log_y: true,
            ..Chart::default()
        };
        let crowded = Chart {
            series: (0..25)
                .map(|i| Series {
                    label: "x".repeat(i * 40),
                    points: vec![(0.0, i as f64)],
                })
                .collect(),
            markers: vec![Marker {
                x: -1e300,
                label: "far".repeat(500),
            }],
            ..Chart::default()
        };
        for name in ["edges.png", "edges.svg"] {
            let charts = [nasty.clone(), flat.clone(), empty.clone(), crowded.clone()];
            render(&charts, &dir.join(name)).expect(name);
        }
        render(&[], &dir.join("none.png")).expect("no charts");
        let r = axis_range([0.9, 0.9].into_iter(), false, (0.0, 0.0));
        assert!(
            (r.start - 0.81).abs() < 1e-12 && (r.end - 0.99).abs() < 1e-12,
            "{r:?}"
        );
        let r = axis_range([0.85, 0.95, 0.0].into_iter(), true, (0.0, 0.0));
        assert!(
            (r.start - 0.85).abs() < 1e-12 && (r.end - 1.0).abs() < 1e-12,
            "{r:?}"
        );
    }

    #[test]
    fn unsupported_extension() {
        let scratch = scratch();
        let dir = scratch.path();
        for name in ["chart.jpg", "chart"] {
            let err = render(&sample(), &dir.join(name)).unwrap_err();
            assert!(
                matches!(err, PlotError::UnsupportedExtension { .. }),
                "{err}"
            );
            assert!(err.to_string().contains(".png or .svg"));
        }
        let err = render(&sample(), &dir.join("missing/sub/chart.png")).unwrap_err();
        assert!(matches!(err, PlotError::Io { .. }), "{err}");
    }

    #[test]
    fn tick_labels_are_short() {
        let lin = || 1e-3..1e5;
        assert_eq!(tick(0.0, lin()), "0");
        assert_eq!(tick(0.30000000000000004, lin()), "0.3");
        assert_eq!(tick(-0.001, lin()), "-0.001");
        assert_eq!(tick(2.5e-4, lin()), "2.5e-4");
        assert_eq!(tick(1e-5, lin()), "1e-5");
        assert_eq!(tick(20000.0, lin()), "20000");
        assert_eq!(tick(1e6, lin()), "1e6");
        assert_eq!(tick(1e-3, 1e-2..1e4), "1e-3");
    }
}
