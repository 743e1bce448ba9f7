//! The landscape figure of `harness landscape`: log10 f of the study's function as filled
//! bands over x ∈ [−2, 2], y ∈ [−1, 3], the start and the minimum marked, and each run's
//! trajectory in its own colour, clipped to the plotted area, with a legend beside the plot
//! holding each run's final loss.
//!
//! [`render`] writes a PNG or an SVG (by extension) atomically, as [`plot::render`]
//! does, with the same embedded DejaVu Sans so that no system font is looked up.

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};
use train::studies::landscape::{MINIMUM, START, value};

use plot::{FONT, Figure, PlotError, write_figure};

/// One run's path over the landscape.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Track {
    /// The legend entry, e.g. `Adam lr 0.01: f = 0.0123`.
    pub label: String,
    /// The recorded points, start first.
    pub points: Vec<(f64, f64)>,
    /// The run diverged after its last point: that point gets a cross.
    pub diverged: bool,
    /// Drawn dashed, e.g. a run that repeats an earlier one's path exactly.
    pub dashed: bool,
}

/// The plotted area.
pub const X_RANGE: Range<f64> = -2.0..2.0;
pub const Y_RANGE: Range<f64> = -1.0..3.0;

const SIZE: (u32, u32) = (900, 620);
/// Width of the plot panel; the legend takes the rest.
const PLOT_WIDTH: u32 = 610;
/// Background cells per axis.
const CELLS: usize = 160;
/// log10 f is drawn in bands this wide, clamped to `LOG_RANGE`.
const BAND: f64 = 0.5;
const LOG_RANGE: Range<f64> = -2.0..2.5;
/// Tableau-10 colours without its grey, which would vanish into the background.
const PALETTE: [u32; 9] = [
    0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x17becf, 0xbcbd22,
];
const INK: RGBColor = RGBColor(40, 40, 40);

/// Draws `tracks` over the landscape into `path` (.png or .svg), titled `title`.
///
/// # Errors
/// An extension other than .png or .svg, a folder that cannot be written, a drawing failure.
pub fn render(title: &str, tracks: &[Track], path: &Path) -> Result<(), PlotError> {
    struct Landscape<'a>(&'a str, &'a [Track]);
    impl Figure for Landscape<'_> {
        fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
            draw(root, self.0, self.1)
        }
    }
    write_figure(path, SIZE, &Landscape(title, tracks))
}

fn colour(i: usize) -> RGBColor {
    let [_, r, g, b] = PALETTE[i % PALETTE.len()].to_be_bytes();
    RGBColor(r, g, b)
}

/// The band of log10 `f`, 0 for the lowest.
fn band(f: f64) -> usize {
    let log = f
        .max(1e-300)
        .log10()
        .clamp(LOG_RANGE.start, LOG_RANGE.end - 1e-9);
    ((log - LOG_RANGE.start) / BAND) as usize
}

fn bands() -> usize {
    ((LOG_RANGE.end - LOG_RANGE.start) / BAND).round() as usize
}

/// Band `k` of `n`: near-white on the valley floor to blue-grey on the walls.
fn band_colour(k: usize) -> RGBColor {
    let t = k as f64 / (bands() - 1) as f64;
    let mix = |low: f64, high: f64| (low + (high - low) * t).round() as u8;
    RGBColor(mix(255.0, 150.0), mix(254.0, 162.0), mix(246.0, 188.0))
}

/// The background as rectangles, neighbouring cells of one band merged along each row (a
/// few hundred rectangles instead of tens of thousands keep the SVG small).
fn background() -> Vec<([(f64, f64); 2], RGBColor)> {
    let w = (X_RANGE.end - X_RANGE.start) / CELLS as f64;
    let h = (Y_RANGE.end - Y_RANGE.start) / CELLS as f64;
    let mut rects = Vec::new();
    for j in 0..CELLS {
        let y0 = Y_RANGE.start + j as f64 * h;
        let at = |i: usize| band(value(X_RANGE.start + (i as f64 + 0.5) * w, y0 + h / 2.0));
        let mut i = 0;
        while i < CELLS {
            let k = at(i);
            let mut end = i + 1;
            while end < CELLS && at(end) == k {
                end += 1;
            }
            let x0 = X_RANGE.start + i as f64 * w;
            let x1 = X_RANGE.start + end as f64 * w;
            rects.push(([(x0, y0), (x1, y0 + h)], band_colour(k)));
            i = end;
        }
    }
    rects
}

/// The part of segment `a`–`b` inside the plotted area (Liang–Barsky), if any.
fn clip(a: (f64, f64), b: (f64, f64)) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    let edges = [
        (-dx, a.0 - X_RANGE.start),
        (dx, X_RANGE.end - a.0),
        (-dy, a.1 - Y_RANGE.start),
        (dy, Y_RANGE.end - a.1),
    ];
    for (p, q) in edges {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else if p < 0.0 {
            t0 = t0.max(q / p);
        } else {
            t1 = t1.min(q / p);
        }
    }
    let at = |t: f64| (a.0 + t * dx, a.1 + t * dy);
    (t0 <= t1).then(|| (at(t0), at(t1)))
}

/// The visible pieces of a polyline: it breaks where it leaves the plotted area.
fn clip_polyline(points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    for pair in points.windows(2) {
        let Some((a, b)) = clip(pair[0], pair[1]) else {
            continue;
        };
        match pieces.last_mut() {
            // An unclipped start is exactly the previous end: the line goes on.
            Some(piece) if piece.last() == Some(&a) => piece.push(b),
            _ => pieces.push(vec![a, b]),
        }
    }
    pieces
}

/// Long paths first, so that short ones stay visible on top; dashed ones (repeats) last.
fn drawing_order(tracks: &[Track]) -> Vec<usize> {
    let length = |t: &Track| -> f64 {
        let steps = t.points.windows(2);
        steps
            .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
            .sum()
    };
    let mut order: Vec<usize> = (0..tracks.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| (tracks[i].dashed, -length(&tracks[i]));
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    order
}

fn inside(&(x, y): &(f64, f64)) -> bool {
    X_RANGE.contains(&x) && Y_RANGE.contains(&y)
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    tracks: &[Track],
) -> Result<(), String> {
    // A panic inside plotters must not take the command down: report it as a drawing error.
    catch_unwind(AssertUnwindSafe(|| {
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (plot, side) = root.split_horizontally(PLOT_WIDTH);
        draw_plot(&plot, title, tracks)?;
        draw_legend(&side, tracks)?;
        root.present().map_err(|e| e.to_string())
    }))
    .unwrap_or_else(|_| Err("the plotting library panicked".into()))
}

fn draw_plot<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    tracks: &[Track],
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 17))
        .margin(10)
        .margin_right(16)
        .x_label_area_size(40)
        .y_label_area_size(44)
        .build_cartesian_2d(X_RANGE, Y_RANGE)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x")
        .y_desc("y")
        .x_labels(9)
        .y_labels(9)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .draw()
        .map_err(e)?;
    let cells = background()
        .into_iter()
        .map(|(corners, c)| Rectangle::new(corners, c.filled()));
    chart.draw_series(cells).map_err(e)?;

    for i in drawing_order(tracks) {
        let track = &tracks[i];
        let c = colour(i);
        let pieces = clip_polyline(&track.points);
        for piece in &pieces {
            if track.dashed {
                let dashed = DashedPathElement::new(piece.clone(), 7, 5, c.stroke_width(2));
                chart.draw_series([dashed]).map_err(e)?;
            } else {
                chart
                    .draw_series([PathElement::new(piece.clone(), c.stroke_width(2))])
                    .map_err(e)?;
            }
        }
        // A dot per step shows the step sizes (a dashed repeat keeps the dots of the run below).
        let dots = track.points.iter().filter(|p| inside(p) && !track.dashed);
        let dots = dots.map(|&p| Circle::new(p, 2, c.filled()));
        chart.draw_series(dots).map_err(e)?;
        // The end: a disc, or a cross for a run that diverged, at its last point or, when
        // that is off the plot, where its path last leaves the plot.
        let last = track.points.last().filter(|p| inside(p));
        if track.diverged {
            let exit = pieces.last().and_then(|piece| piece.last());
            if let Some(&at) = last.or(exit) {
                chart
                    .draw_series([Cross::new(at, 7, c.stroke_width(3))])
                    .map_err(e)?;
            }
        } else if let Some(&at) = last {
            chart
                .draw_series([Circle::new(at, 5, c.filled())])
                .map_err(e)?;
        }
    }

    // The start's label goes above-left, the minimum's to the right: the paths arrive from
    // below and leave to the lower right.
    let label = |text: &str, at: (f64, f64), right: bool| {
        let (h, dx, dy) = if right {
            (HPos::Left, 10, 0)
        } else {
            (HPos::Right, -6, -14)
        };
        let style = TextStyle::from((FONT, 13).into_font())
            .color(&INK)
            .pos(Pos::new(h, VPos::Center));
        EmptyElement::at(at)
            + Circle::new((0, 0), 5, INK.filled())
            + Text::new(text.to_string(), (dx, dy), style)
    };
    chart
        .draw_series([
            label("start (−1, 1)", START, false),
            label("minimum (1, 1)", MINIMUM, true),
        ])
        .map_err(e)?;
    Ok(())
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    tracks: &[Track],
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let text = |size: u32| TextStyle::from((FONT, size).into_font()).color(&INK);
    let x = 4;
    let mut y = 48;
    area.draw_text("runs (final loss)", &text(15), (x, y))
        .map_err(e)?;
    y += 28;
    for (i, track) in tracks.iter().enumerate() {
        let c = colour(i);
        let sample = [(x, y + 8), (x + 26, y + 8)];
        if track.dashed {
            let dashed = DashedPathElement::new(sample, 6, 4, c.stroke_width(2));
            area.draw(&dashed).map_err(e)?;
        } else {
            area.draw(&PathElement::new(sample, c.stroke_width(2)))
                .map_err(e)?;
        }
        if !track.dashed {
            area.draw(&Circle::new((x + 13, y + 8), 3, c.filled()))
                .map_err(e)?;
        }
        area.draw_text(&track.label, &text(13), (x + 34, y))
            .map_err(e)?;
        y += 24;
    }

    // The colour key of the background.
    y += 20;
    area.draw_text("background: log10 f", &text(13), (x, y))
        .map_err(e)?;
    y += 22;
    let n = bands();
    let w = 240 / n as i32;
    for k in 0..n {
        let x0 = x + k as i32 * w;
        let rect = Rectangle::new([(x0, y), (x0 + w, y + 14)], band_colour(k).filled());
        area.draw(&rect).map_err(e)?;
    }
    let outline = Rectangle::new([(x, y), (x + n as i32 * w, y + 14)], INK.mix(0.5));
    area.draw(&outline).map_err(e)?;
    let ticks = (LOG_RANGE.start as i32)..=(LOG_RANGE.end as i32);
    for v in ticks {
        let tx = x + ((f64::from(v) - LOG_RANGE.start) / BAND) as i32 * w;
        let style = text(12).pos(Pos::new(HPos::Center, VPos::Top));
        area.draw_text(&v.to_string(), &style, (tx, y + 18))
            .map_err(e)?;
    }
    y += 48;
    for line in [
        "● end of a run   × diverged (last point on the plot)",
        "dots: one per optimizer step",
    ] {
        area.draw_text(line, &text(12), (x, y)).map_err(e)?;
        y += 18;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_clipped_to_the_plot() {
        // Inside: unchanged.
        assert_eq!(clip((0.0, 0.0), (1.0, 1.0)), Some(((0.0, 0.0), (1.0, 1.0))));
        // Leaving through x = 2.
        assert_eq!(clip((0.0, 0.0), (4.0, 0.0)), Some(((0.0, 0.0), (2.0, 0.0))));
        // Crossing the whole area.
        assert_eq!(
            clip((-5.0, 1.0), (5.0, 1.0)),
            Some(((-2.0, 1.0), (2.0, 1.0)))
        );
        // Wholly outside.
        assert_eq!(clip((3.0, 0.0), (4.0, 5.0)), None);
        assert_eq!(clip((-3.0, 4.0), (3.0, 4.0)), None);
    }

    #[test]
    fn a_polyline_breaks_where_it_leaves() {
        let points = [
            (0.0, 0.0),
            (1.0, 0.0),
            (3.0, 0.0),
            (3.0, 1.0),
            (1.0, 1.0),
            (0.0, 1.0),
        ];
        let pieces = clip_polyline(&points);
        assert_eq!(
            pieces,
            vec![
                vec![(0.0, 0.0), (1.0, 0.0), (2.0, 0.0)],
                vec![(2.0, 1.0), (1.0, 1.0), (0.0, 1.0)],
            ]
        );
        assert!(clip_polyline(&[(0.0, 0.0)]).is_empty());
    }

    #[test]
    fn bands_cover_the_range() {
        assert_eq!(band(0.0), 0);
        assert_eq!(band(1e-9), 0);
        assert_eq!(band(1.0), 4); // log10 1 = 0 is 2 / 0.5 bands above −2
        assert_eq!(band(1e9), bands() - 1);
        assert!(background().len() < CELLS * CELLS / 4);
    }

    #[test]
    fn renders_png_and_svg_and_refuses_other_extensions() {
        let dir = tempfile::tempdir().unwrap();
        let tracks = [
            Track {
                label: "GD lr 0.01: f = 0.5".into(),
                points: vec![START, (-0.5, 0.4), (0.2, 0.1)],
                ..Track::default()
            },
            Track {
                label: "GD lr 0.05: diverged at step 3".into(),
                points: vec![START, (1.5, -0.5), (-40.0, 300.0)],
                diverged: true,
                dashed: true,
            },
            Track::default(),
        ];
        let png = dir.path().join("l.png");
        render("test", &tracks, &png).unwrap();
        assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
        let svg = dir.path().join("l.SVG");
        render("test", &tracks, &svg).unwrap();
        assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        let err = render("test", &tracks, &dir.path().join("l.jpg")).unwrap_err();
        assert!(err.to_string().contains(".png or .svg"), "{err}");
    }
}
