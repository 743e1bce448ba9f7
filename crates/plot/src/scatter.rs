//! A log-log scatter of recommended against best LRs (the finder benchmark's plot): one colour
//! per group, the diagonal where they are equal, and dashed lines a factor of 2 either side.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{FONT, Figure, PlotError, write_figure};

/// Points of one colour: `(best LR, recommended LR)`, each labelled.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

const COLOURS: [RGBColor; 4] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
];

/// Draws `groups` into `path` (.png or .svg), 720 × 640 pixels, atomically.
///
/// # Errors
/// As [`crate::render`].
pub fn render(title: &str, groups: &[Group], path: &Path) -> Result<(), PlotError> {
    struct Scatter<'a>(&'a str, &'a [Group]);
    impl Figure for Scatter<'_> {
        fn draw<DB: DrawingBackend>(&self, root: DrawingArea<DB, Shift>) -> Result<(), String> {
            draw(root, self.0, self.1)
        }
    }
    write_figure(path, (720, 640), &Scatter(title, groups))
}

/// A point a log-log chart can place: both coordinates finite and positive.
fn drawable((x, y): (f64, f64)) -> bool {
    x.is_finite() && y.is_finite() && x > 0.0 && y > 0.0
}

/// The range `[lo, hi]` covering every drawable point, padded by a factor of 3; 1e-4..1 if none.
fn range(groups: &[Group]) -> (f64, f64) {
    let values = groups
        .iter()
        .flat_map(|g| g.points.iter().copied().filter(|&p| drawable(p)))
        .flat_map(|(x, y)| [x, y]);
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo.is_finite() {
        (lo / 3.0, hi * 3.0)
    } else {
        (1e-4, 1.0)
    }
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    groups: &[Group],
) -> Result<(), String> {
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (lo, hi) = range(groups);
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .caption(title, (FONT, 18))
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d((lo..hi).log_scale(), (lo..hi).log_scale())
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("best LR of the grid")
        .y_desc("recommended LR")
        .x_label_formatter(&|v| format!("{v:.0e}"))
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 15))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .draw()
        .map_err(e)?;
    let grey = RGBColor(90, 90, 90);
    chart
        .draw_series(LineSeries::new([(lo, lo), (hi, hi)], grey.stroke_width(1)))
        .map_err(e)?
        .label("recommended = best")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 22, y)], grey.stroke_width(1)));
    for factor in [2.0, 0.5] {
        let line = [(lo, lo * factor), (hi, hi * factor)];
        chart
            .draw_series(DashedLineSeries::new(
                line,
                5,
                4,
                grey.mix(0.6).stroke_width(1),
            ))
            .map_err(e)?;
    }
    for (i, g) in groups.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        let points = g.points.iter().copied().filter(|&p| drawable(p));
        chart
            .draw_series(points.map(|p| Circle::new(p, 5, colour.filled())))
            .map_err(e)?
            .label(g.label.clone())
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(e)?;
    root.present().map_err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_covers_every_point_and_skips_unusable_ones() {
        let groups = [Group {
            label: "a".into(),
            points: vec![(0.01, 0.3), (f64::NAN, 5.0), (0.0, 1e-9)],
        }];
        let (lo, hi) = range(&groups);
        assert!(lo <= 0.01 / 3.0 + 1e-15 && hi >= 0.3 * 3.0 - 1e-12);
        assert!(hi < 5.0, "a point with a NaN coordinate is skipped");
        assert_eq!(range(&[]), (1e-4, 1.0));
    }

    #[test]
    fn writes_png_and_svg() {
        let dir = tempfile::tempdir().unwrap();
        let groups = [
            Group {
                label: "constant".into(),
                points: vec![(0.1, 0.2), (0.01, 0.01)],
            },
            Group {
                label: "one_cycle".into(),
                points: vec![],
            },
        ];
        for name in ["s.png", "s.svg"] {
            let path = dir.path().join(name);
            render("t", &groups, &path).unwrap();
            assert!(std::fs::metadata(&path).unwrap().len() > 1000);
        }
        assert!(render("t", &groups, &dir.path().join("s.gif")).is_err());
    }
}
