//! `harness schedule`: print (and plot) the LR of every optimizer step of a schedule.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use schedules::Schedule;
use schedules::preview::{self, Preview};

use crate::cli::{Format, ScheduleArgs};
use plot::{self, Chart, Marker, Series};

pub fn run(args: &ScheduleArgs) -> Result<()> {
    let (schedule, _) = schedules::file::load(&args.config)?;
    let metrics = match &args.metrics {
        Some(path) => read_metrics(path)?,
        None => Vec::new(),
    };
    for warning in preview::lint(&schedule, args.steps, metrics.len()) {
        eprintln!("warning: {warning}");
    }
    let preview = preview::preview(&schedule, args.steps, &metrics);
    // The plot first: a reader that closes stdout early (`| head`) must not cost the file.
    if let Some(out) = &args.plot {
        let name = args
            .config
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        plot::render(&charts(&schedule, &preview, args.steps, &name), out)?;
        eprintln!("wrote {}", out.display());
    }
    let text = match args.format {
        Format::Table => table(&preview),
        Format::Csv => csv(&preview),
        Format::Json => json(&preview)?,
    };
    super::print(&text)
}

/// One metric per line; blank lines and `#` comments are skipped.
///
/// # Errors
/// The file cannot be read, or a line is not a finite number (named by file and line).
pub fn read_metrics(path: &Path) -> Result<Vec<f64>> {
    // One number a line, for at most as many steps as a preview may have.
    let limit = bounded::Limit::new(256 << 20, "a metrics file");
    let text = bounded::read_to_string(path, limit)
        .with_context(|| format!("cannot read metrics file {}", path.display()))?;
    parse_metrics(&text, path)
}

fn parse_metrics(text: &str, path: &Path) -> Result<Vec<f64>> {
    let mut metrics = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.parse::<f64>() {
            Ok(value) if value.is_finite() => metrics.push(value),
            Ok(_) => bail!(
                "{}:{}: `{line}` is not a finite number (a loss-driven schedule compares the \
                 metrics it observes; NaN and infinities have no order)",
                path.display(),
                i + 1
            ),
            Err(_) => bail!(
                "{}:{}: `{line}` is not a number (expected one metric per line)",
                path.display(),
                i + 1
            ),
        }
    }
    Ok(metrics)
}

fn momentum_cell(preview: &Preview, k: usize) -> Option<String> {
    let momentums = preview.momentums.as_ref()?;
    Some(momentums[k].map_or_else(String::new, |m| m.to_string()))
}

/// Aligned columns; numbers in the shortest form that reads back exactly (as Python's repr).
pub fn table(preview: &Preview) -> String {
    let step_width = preview.lrs.len().saturating_sub(1).to_string().len().max(4);
    let mut out = format!("{:>step_width$}  {:<24}", "step", "lr");
    if preview.momentums.is_some() {
        out.push_str("  momentum");
    }
    out = out.trim_end().to_string() + "\n";
    for (k, lr) in preview.lrs.iter().enumerate() {
        let mut line = format!("{k:>step_width$}  {:<24}", lr.to_string());
        if let Some(m) = momentum_cell(preview, k) {
            let _ = write!(line, "  {m}");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `step,lr[,momentum]`.
pub fn csv(preview: &Preview) -> String {
    let mut out = String::from(if preview.momentums.is_some() {
        "step,lr,momentum\n"
    } else {
        "step,lr\n"
    });
    for (k, lr) in preview.lrs.iter().enumerate() {
        let _ = write!(out, "{k},{lr}");
        if let Some(m) = momentum_cell(preview, k) {
            let _ = write!(out, ",{m}");
        }
        out.push('\n');
    }
    out
}

/// `{"lrs": [...]}` plus `"momentums": [...]` (null where a step has none) when defined.
pub fn json(preview: &Preview) -> Result<String> {
    // Written from the slices, not through `serde_json::Value`s (32 bytes a number): a preview
    // of `cli::limits::PREVIEW_STEPS` steps would hold 640 MB of them.
    #[derive(serde::Serialize)]
    struct Lrs<'a> {
        lrs: &'a [f64],
        #[serde(skip_serializing_if = "Option::is_none")]
        momentums: Option<&'a [Option<f64>]>,
    }
    let lrs = Lrs {
        lrs: &preview.lrs,
        momentums: preview.momentums.as_deref(),
    };
    Ok(serde_json::to_string(&lrs)? + "\n")
}

/// The LR panel (log axis when the LR spans more than two decades) and, where the schedule
/// cycles it, the momentum panel; both mark the phases.
fn charts(schedule: &Schedule, preview: &Preview, steps: u64, name: &str) -> Vec<Chart> {
    let markers: Vec<Marker> = preview::phases(schedule, steps)
        .into_iter()
        .map(|m| Marker {
            x: m.step as f64,
            label: m.label,
        })
        .collect();
    let points = |values: &mut dyn Iterator<Item = Option<f64>>| -> Vec<(f64, f64)> {
        values
            .enumerate()
            .filter_map(|(k, v)| Some((k as f64, v?)))
            .collect()
    };
    let positive = preview.lrs.iter().copied().filter(|&lr| lr > 0.0);
    let (low, high) = positive.fold((f64::INFINITY, 0.0f64), |(lo, hi), lr| {
        (lo.min(lr), hi.max(lr))
    });
    let kind = schedule.config().kind();
    let mut charts = vec![Chart {
        title: format!("{kind} schedule ({name}), {steps} steps"),
        x_label: "optimizer step".into(),
        y_label: "learning rate".into(),
        log_y: high / low > 100.0,
        series: vec![Series {
            label: String::new(),
            points: points(&mut preview.lrs.iter().map(|&lr| Some(lr))),
        }],
        markers: markers.clone(),
        ..Chart::default()
    }];
    if let Some(momentums) = &preview.momentums {
        charts.push(Chart {
            title: "momentum".into(),
            x_label: "optimizer step".into(),
            y_label: "momentum".into(),
            series: vec![Series {
                label: String::new(),
                points: points(&mut momentums.iter().copied()),
            }],
            markers,
            ..Chart::default()
        });
    }
    charts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Preview {
        Preview {
            lrs: vec![0.1, 0.05],
            momentums: Some(vec![Some(0.9), None]),
        }
    }

    #[test]
    fn formats_agree_on_the_numbers() {
        assert_eq!(csv(&sample()), "step,lr,momentum\n0,0.1,0.9\n1,0.05,\n");
        assert_eq!(
            json(&sample()).unwrap(),
            "{\"lrs\":[0.1,0.05],\"momentums\":[0.9,null]}\n"
        );
        let t = table(&sample());
        assert_eq!(
            t.lines().nth(1).unwrap(),
            "   0  0.1                       0.9"
        );
        let plain = Preview {
            lrs: vec![1.0],
            momentums: None,
        };
        assert_eq!(json(&plain).unwrap(), "{\"lrs\":[1.0]}\n");
    }

    #[test]
    fn metrics_skip_comments_and_name_bad_lines() {
        let path = Path::new("m.txt");
        assert_eq!(
            parse_metrics("# loss\n1.5\n\n2\n", path).unwrap(),
            [1.5, 2.0]
        );
        let err = parse_metrics("1.0\nabc\n", path).unwrap_err().to_string();
        assert_eq!(
            err,
            "m.txt:2: `abc` is not a number (expected one metric per line)"
        );
    }

    #[test]
    fn metrics_that_are_not_finite_are_named() {
        let path = Path::new("m.txt");
        for bad in ["nan", "NaN", "inf", "-inf", "infinity"] {
            let err = parse_metrics(&format!("1.0\n{bad}\n"), path)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("m.txt:2: `{bad}` is not a finite number")),
                "{err}"
            );
        }
    }
}
