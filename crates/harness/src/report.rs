//! The report of `harness compare`: what each run's folder holds, read back and set side by
//! side as a Markdown table, one JSON object and three charts (loss curves, LR curves, the
//! final test metric). Everything but the wall times is determined by the configs and seeds.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Value, json};
use train::config::RunConfig;
use train::records::Summary;

use plot::{Chart, Series};

/// How a run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Ok,
    Failed(String),
    /// Not finished (yet): still to train, training, or interrupted; where it stands.
    Missing(String),
}

/// One run as the report sees it.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub name: String,
    pub config: Option<RunConfig>,
    pub status: Status,
    /// `summary.json`, when the run finished.
    pub summary: Option<Summary>,
    /// `(epoch, mean train loss)` of every finished epoch.
    pub epoch_losses: Vec<(u64, f64)>,
    /// `(step, lr)`, thinned to at most [`MAX_POINTS`] for plotting; the last step is kept.
    pub lrs: Vec<(u64, f64)>,
    pub final_lr: Option<f64>,
    /// The loss of the first step: the same for every run that shares model, seed and data.
    pub initial_loss: Option<f64>,
}

/// A linear model counts as converged when its test RMSE is within this fraction of the
/// closed-form least-squares fit on the same split.
pub const CONVERGED_WITHIN: f64 = 0.02;

/// Points kept per LR curve: enough for a 900-pixel-wide chart.
pub const MAX_POINTS: usize = 2000;

impl RunResult {
    /// Reads what the run in `dir` left ([`train::records::read_run`]): `summary.json` (absent
    /// if it failed) and the records of its steps and epochs.
    pub fn read(name: &str, config: Option<RunConfig>, status: Status, dir: &Path) -> Self {
        let records = train::records::read_run(dir);
        let all_lrs: Vec<(u64, f64)> = records.steps.iter().map(|s| (s.step, s.lr)).collect();
        Self {
            name: name.to_string(),
            config,
            status,
            summary: records.summary,
            epoch_losses: records
                .epochs
                .iter()
                .map(|e| (e.epoch, e.train_loss))
                .collect(),
            final_lr: all_lrs.last().map(|&(_, lr)| lr),
            lrs: thin(&all_lrs, MAX_POINTS),
            initial_loss: records.steps.first().map(|s| s.train_loss),
        }
    }

    /// `test_accuracy` for classification, `test_rmse` for regression.
    pub fn test_metric(&self) -> Option<(&'static str, f64)> {
        self.summary.as_ref()?.test_metric()
    }

    /// `1 − loss(epoch n) / loss(step 0)`: how much of the starting loss the first `n` epochs
    /// (or all, if fewer) removed, with `loss(epoch n)` the mean train loss of epoch `n`. Runs
    /// that share model, seed and data start from the same loss, so the figures compare.
    pub fn loss_reduction(&self, n: u64) -> Option<f64> {
        let first = self.initial_loss?;
        let upto = self
            .epoch_losses
            .iter()
            .take_while(|(e, _)| *e <= n)
            .last()?
            .1;
        (first > 0.0).then(|| 1.0 - upto / first)
    }

    /// Within [`CONVERGED_WITHIN`] of least squares; `None` without a reference (not linear).
    pub fn converged(&self) -> Option<bool> {
        let summary = self.summary.as_ref()?;
        let reference = summary.reference_test_rmse?;
        Some(
            self.status == Status::Ok
                && summary
                    .test_rmse
                    .is_some_and(|r| r <= reference * (1.0 + CONVERGED_WITHIN)),
        )
    }
}

/// At most `max` points, evenly spaced, the last always kept.
fn thin<T: Copy>(points: &[T], max: usize) -> Vec<T> {
    if points.len() <= max {
        return points.to_vec();
    }
    let stride = points.len().div_ceil(max);
    let mut kept: Vec<T> = points.iter().step_by(stride).copied().collect();
    if !(points.len() - 1).is_multiple_of(stride) {
        kept.push(points[points.len() - 1]);
    }
    kept
}

/// `step lr=0.01 step_size=129000 gamma=0.5`: the schedule's settings in one cell.
fn schedule_text(config: &RunConfig) -> String {
    let value = serde_json::to_value(&config.schedule).unwrap_or_default();
    let Some(fields) = value.as_object() else {
        return String::new();
    };
    let kind = fields.get("kind").and_then(Value::as_str).unwrap_or("?");
    let rest: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k.as_str() != "kind")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    std::iter::once(kind.to_string())
        .chain(rest)
        .collect::<Vec<_>>()
        .join(" ")
}

fn number_text(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.digits$}"))
}

/// The Markdown report: the experiment, a table of the runs, notes on failures.
pub fn markdown(name: &str, description: &str, first_epochs: u64, runs: &[RunResult]) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# Experiment `{name}`\n");
    if !description.trim().is_empty() {
        let _ = writeln!(t, "{}\n", description.trim());
    }
    let metric = runs
        .iter()
        .find_map(|r| r.test_metric().map(|(k, _)| k))
        .unwrap_or("test metric");
    let with_reference = runs.iter().any(|r| {
        r.summary
            .as_ref()
            .and_then(|s| s.reference_test_rmse)
            .is_some()
    });
    let _ = write!(
        t,
        "| run | status | {metric} |{} final train loss | final LR | loss reduction by epoch {first_epochs} | wall s | optimizer | schedule | batch | epochs |\n|---|---|---|{}---|---|---|---|---|---|---|---|\n",
        if with_reference {
            " vs least squares | converged |"
        } else {
            ""
        },
        if with_reference { "---|---|" } else { "" },
    );
    for r in runs {
        let status = match &r.status {
            Status::Ok => "ok".to_string(),
            Status::Failed(_) => "**failed**".to_string(),
            Status::Missing(_) => "not finished".to_string(),
        };
        let metric_value = r.test_metric().map(|(_, v)| v);
        let reference = if with_reference {
            let gap = match (
                metric_value,
                r.summary.as_ref().and_then(|s| s.reference_test_rmse),
            ) {
                (Some(v), Some(reference)) => format!("{:+.2}%", 100.0 * (v / reference - 1.0)),
                _ => "-".into(),
            };
            let converged = match r.converged() {
                Some(true) => "yes",
                _ => "no",
            };
            format!(" {gap} | {converged} |")
        } else {
            String::new()
        };
        let (optimizer, schedule, batch, epochs) = match &r.config {
            Some(c) => (
                c.optimizer.describe(),
                schedule_text(c),
                c.data.batch_size.to_string(),
                c.train.epochs.to_string(),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        let _ = writeln!(
            t,
            "| {} | {status} | {} |{reference} {} | {} | {} | {} | {optimizer} | {schedule} | {batch} | {epochs} |",
            r.name,
            number_text(metric_value, 4),
            number_text(r.summary.as_ref().and_then(|s| s.final_train_loss), 4),
            r.final_lr
                .map_or_else(|| "-".into(), |lr| format!("{lr:.3e}")),
            r.loss_reduction(first_epochs)
                .map_or_else(|| "-".into(), |x| format!("{:.1}%", 100.0 * x)),
            number_text(r.summary.as_ref().map(|s| s.wall_seconds), 1),
        );
    }
    let _ = writeln!(
        t,
        "\nLoss reduction: 1 − (mean train loss of epoch {first_epochs}) / (loss of the first step), \
         a convergence-speed figure; runs that share model, seed and data start from the same loss."
    );
    reasons(&mut t, "Failed runs", runs, |s| match s {
        Status::Failed(reason) => Some(reason),
        _ => None,
    });
    reasons(&mut t, "Runs not finished", runs, |s| match s {
        Status::Missing(state) => Some(state),
        _ => None,
    });
    if let Some(best) = best(runs) {
        let _ = writeln!(t, "\nBest {metric}: `{}`.", best.name);
    }
    let _ = writeln!(
        t,
        "\n![loss](loss.png)\n\n![learning rate](lr.png)\n\n![{metric}](metric.png)\n\n\
         One panel per run: [loss](loss_grid.png), [learning rate](lr_grid.png)."
    );
    t
}

/// A section `## heading` listing each run whose status `pick` gives a reason for, with it;
/// nothing when there is none.
fn reasons(
    t: &mut String,
    heading: &str,
    runs: &[RunResult],
    pick: fn(&Status) -> Option<&String>,
) {
    let listed: Vec<(&str, &String)> = runs
        .iter()
        .filter_map(|r| Some((r.name.as_str(), pick(&r.status)?)))
        .collect();
    if listed.is_empty() {
        return;
    }
    let _ = writeln!(t, "\n## {heading}\n");
    for (name, reason) in listed {
        let _ = writeln!(t, "- `{name}`: {reason}");
    }
}

/// The finished run with the best test metric (highest accuracy, lowest RMSE).
pub fn best(runs: &[RunResult]) -> Option<&RunResult> {
    runs.iter()
        .filter(|r| r.status == Status::Ok)
        .filter_map(|r| r.test_metric().map(|(k, v)| (r, k, v)))
        .min_by(|a, b| {
            let key =
                |(_, k, v): &(&RunResult, &str, f64)| if *k == "test_accuracy" { -v } else { *v };
            key(a).total_cmp(&key(b))
        })
        .map(|(r, _, _)| r)
}

/// `{"experiment", "first_epochs", "runs": [{"name", "config", "status", "reason",
/// "test_rmse" or "test_accuracy", ...}]}`.
pub fn json(name: &str, first_epochs: u64, runs: &[RunResult]) -> Value {
    let runs: Vec<Value> = runs
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("name".into(), json!(r.name));
            o.insert(
                "config".into(),
                r.config.as_ref().map_or(Value::Null, |c| {
                    serde_json::to_value(c).unwrap_or(Value::Null)
                }),
            );
            let (status, reason) = match &r.status {
                Status::Ok => ("ok", None),
                Status::Failed(reason) => ("failed", Some(reason.clone())),
                Status::Missing(state) => ("missing", Some(state.clone())),
            };
            o.insert("status".into(), json!(status));
            o.insert("reason".into(), json!(reason));
            let fields = r
                .summary
                .as_ref()
                .and_then(|s| serde_json::to_value(s).ok())
                .unwrap_or_default();
            for key in [
                "test_accuracy",
                "test_rmse",
                "test_mae",
                "test_r2",
                "test_loss",
                "reference_test_rmse",
                "final_train_loss",
                "epochs_completed",
                "steps",
                "wall_seconds",
            ] {
                if let Some(v) = fields.get(key) {
                    o.insert(key.into(), v.clone());
                }
            }
            o.insert("final_lr".into(), json!(r.final_lr));
            if let Some(converged) = r.converged() {
                o.insert("converged".into(), json!(converged));
            }
            o.insert(
                "loss_reduction".into(),
                json!(r.loss_reduction(first_epochs)),
            );
            o.insert(
                "epoch_train_loss".into(),
                json!(r.epoch_losses.iter().map(|&(_, l)| l).collect::<Vec<_>>()),
            );
            Value::Object(o)
        })
        .collect();
    json!({ "experiment": name, "first_epochs": first_epochs, "runs": runs })
}

/// Train loss per epoch of every run, overlaid (log axis).
pub fn loss_chart(runs: &[RunResult]) -> Chart {
    overlay(
        runs,
        "train loss per epoch",
        "epoch",
        "mean train loss",
        |r| r.epoch_losses.iter().map(|&(e, l)| (e as f64, l)).collect(),
    )
}

/// One chart per run: its train loss per epoch, or its LR per step (`lr`).
pub fn panels(runs: &[RunResult], lr: bool) -> Vec<Chart> {
    runs.iter()
        .map(|r| {
            let mut chart = if lr {
                lr_chart(std::slice::from_ref(r))
            } else {
                loss_chart(std::slice::from_ref(r))
            };
            chart.title = format!("{}: {}", r.name, chart.title);
            chart.series[0].label = String::new();
            chart
        })
        .collect()
}

/// The LR of every step of every run, overlaid (log axis).
pub fn lr_chart(runs: &[RunResult]) -> Chart {
    overlay(
        runs,
        "learning rate",
        "optimizer step",
        "learning rate",
        |r| r.lrs.iter().map(|&(s, lr)| (s as f64, lr)).collect(),
    )
}

/// One series per run, `points(run)`, on a log y axis.
fn overlay(
    runs: &[RunResult],
    title: &str,
    x_label: &str,
    y_label: &str,
    points: impl Fn(&RunResult) -> Vec<(f64, f64)>,
) -> Chart {
    Chart {
        title: title.into(),
        x_label: x_label.into(),
        y_label: y_label.into(),
        log_y: true,
        series: runs
            .iter()
            .map(|r| Series {
                label: r.name.clone(),
                points: points(r),
            })
            .collect(),
        ..Chart::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_the_ends() {
        let points: Vec<u32> = (0..10).collect();
        assert_eq!(thin(&points, 20), points);
        assert_eq!(thin(&points, 5), [0, 2, 4, 6, 8, 9]);
        assert_eq!(thin(&points, 4), [0, 3, 6, 9]);
    }

    #[test]
    fn loss_reduction_over_the_first_epochs() {
        let r = RunResult {
            name: "a".into(),
            config: None,
            status: Status::Ok,
            summary: None,
            epoch_losses: vec![(1, 4.0), (2, 2.0), (3, 1.0)],
            lrs: vec![],
            final_lr: None,
            initial_loss: Some(8.0),
        };
        // Epoch 2's mean loss is a quarter of the first step's: 75%; past the end, the last
        // epoch counts.
        assert_eq!(r.loss_reduction(2), Some(0.75));
        assert_eq!(r.loss_reduction(10), Some(0.875));
    }
}
