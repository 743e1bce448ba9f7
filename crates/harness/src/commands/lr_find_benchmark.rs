//! `harness lr-find --benchmark FILE --out DIR`: the finder-quality benchmark of
//! [`train::studies::finder_bench`] over the set-ups of an experiment file, with a progress bar, the
//! table on stdout and its files in DIR.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use lr_find::FinderConfig;
use serde_json::json;
use train::studies::finder_bench::{
    BenchOptions, Event, Goal, Protocol, SetupResult, Summary, Verdict, run_setup, summarize,
};

use crate::cli::LrFindArgs;
use plot::scatter::{self as plot_scatter, Group};

pub fn run(args: &LrFindArgs, file: &Path, out: &Path, finder: FinderConfig) -> Result<()> {
    let started = Instant::now();
    let experiment = train::studies::experiment::load(file)?;
    let mut setups = Vec::new();
    for planned in &experiment.runs {
        match &planned.config {
            Ok(config) => setups.push((planned.name.clone(), config.clone())),
            Err(message) => bail!("{}: set-up {:?}: {message}", file.display(), planned.name),
        }
    }
    if setups.is_empty() {
        bail!("{}: no set-ups ([[runs]] or [grid])", file.display());
    }
    super::create_dir(out)?;
    let options = BenchOptions {
        finder,
        backend: args.backend,
        data_dir: args.data_dir.data_dir.clone(),
        probe: !args.no_probe,
        horizon: !args.no_horizon,
        work_dir: out.join("scratch"),
    };
    let bar = indicatif::ProgressBar::new(setups.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "finder benchmark {bar:30} {pos}/{len} set-ups {elapsed} {msg}",
        )
        .expect("the progress template is valid"),
    );
    let results = run_all(&setups, &options, &bar);
    // The scratch runs go, whether the benchmark finished or not.
    let _ = std::fs::remove_dir_all(&options.work_dir);
    let results = results?;
    bar.finish_and_clear();
    let summaries: Vec<Summary> = Protocol::ALL
        .iter()
        .map(|&p| summarize(&results, p))
        .collect();
    let seconds = started.elapsed().as_secs_f64();

    let report = json!({
        "benchmark": file.display().to_string(),
        "backend": args.backend.name(),
        "finder": options.finder,
        "tolerance": { "accuracy_points": 0.5, "rmse_relative": 0.02 },
        "wrong_beyond": { "accuracy_points": 2.0, "rmse_relative": 0.05 },
        "setups": results,
        "summary": summaries,
        "elapsed_seconds": seconds,
    });
    super::write_file(
        &out.join("benchmark.json"),
        super::pretty_json(&report)?.as_bytes(),
    )?;
    super::write_file(&out.join("benchmark.csv"), &setups_csv(&results)?)?;
    super::write_file(&out.join("trials.csv"), &trials_csv(&results)?)?;
    plot_scatter::render(
        "LR finder: recommended vs best LR of the grid",
        &groups(&results),
        &out.join("recommended-vs-best.png"),
    )?;
    super::print(&table(&results, &summaries, seconds))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

/// Every set-up in turn, a line each above the bar.
fn run_all(
    setups: &[(String, train::config::RunConfig)],
    options: &BenchOptions,
    bar: &indicatif::ProgressBar,
) -> Result<Vec<SetupResult>> {
    let mut results = Vec::new();
    for (name, config) in setups {
        bar.set_message(format!("{name}: sweeping"));
        let result = run_setup(name, config, options, |event| match event {
            Event::Swept { setup, lr } => {
                let lr = lr.map_or("none".to_string(), |lr| format!("{lr:.2e}"));
                bar.set_message(format!("{setup}: recommended {lr}"));
            }
            Event::Trained {
                setup,
                protocol,
                trial,
            } => bar.set_message(format!(
                "{setup}: {} lr {:.2e} → {}",
                protocol.name(),
                trial.lr,
                trial.value.map_or("diverged".into(), |v| format!("{v:.4}"))
            )),
        })
        .with_context(|| format!("set-up {name:?}"))?;
        // A line per set-up above the bar, and in a log where the bar is hidden.
        bar.suspend(|| eprintln!("{}", setup_line(&result)));
        results.push(result);
        bar.inc(1);
    }
    Ok(results)
}

/// One set-up in a line: the recommendation and, per protocol, the best LR and the verdict.
fn setup_line(r: &SetupResult) -> String {
    let grids: Vec<String> = r
        .grids
        .iter()
        .map(|g| {
            format!(
                "{} at {} best {} at {} ({})",
                g.protocol.name(),
                lr(g.recommended_lr),
                shown(r.goal, g.best),
                lr(g.best_lr),
                verdict_name(g.verdict)
            )
        })
        .collect();
    format!(
        "{}: recommended {} ({}); {}",
        r.name,
        lr(r.recommended_lr),
        r.confidence.name(),
        grids.join("; ")
    )
}

/// The result as printed: a fraction of accuracy in percent, an RMSE as it is.
fn shown(goal: Goal, value: Option<f64>) -> String {
    match (goal, value) {
        (_, None) => "diverged".into(),
        (Goal::Accuracy, Some(v)) => format!("{:.2}%", 100.0 * v),
        (Goal::Rmse, Some(v)) => format!("{v:.4}"),
    }
}

/// The gap to the best: accuracy points, or RMSE percent.
fn gap(goal: Goal, at: Option<f64>, best: Option<f64>) -> Option<f64> {
    let (at, best) = (at?, best?);
    Some(match goal {
        Goal::Accuracy => 100.0 * (best - at),
        Goal::Rmse => 100.0 * (at / best - 1.0),
    })
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Right => "right",
        Verdict::Short => "short",
        Verdict::Wrong => "wrong",
        Verdict::TrueNone => "true none",
        Verdict::FalseNone => "false none",
        Verdict::NothingTrains => "nothing trains",
    }
}

fn lr(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.2e}"))
}

/// The table on stdout: a row per set-up and protocol, then the figures.
fn table(results: &[SetupResult], summaries: &[Summary], seconds: f64) -> String {
    let mut t = format!(
        "{:<28} {:<9} {:>9} {:<6} {:>9} {:>9} {:>9} {:>7}  {}\n",
        "set-up", "protocol", "rec lr", "conf", "at rec", "best", "best lr", "gap", "verdict"
    );
    for r in results {
        for g in &r.grids {
            let gap =
                gap(r.goal, g.at_recommendation, g.best).map_or("-".into(), |d| format!("{d:.2}"));
            let _ = writeln!(
                t,
                "{:<28} {:<9} {:>9} {:<6} {:>9} {:>9} {:>9} {:>7}  {}",
                r.name,
                g.protocol.name(),
                lr(g.recommended_lr),
                r.confidence.name(),
                if g.recommended_lr.is_some() {
                    shown(r.goal, g.at_recommendation)
                } else {
                    "-".into()
                },
                shown(r.goal, g.best),
                lr(g.best_lr),
                gap,
                verdict_name(g.verdict)
            );
        }
    }
    t.push_str("\n(gap: accuracy points, or RMSE % above the best)\n");
    for s in summaries {
        let _ = writeln!(
            t,
            "{}: {}/{} set-ups within tolerance ({:.0}%), {} wrong with high confidence, {} false \
             \"no usable descent\"",
            s.protocol.name(),
            s.right,
            s.setups,
            100.0 * s.right as f64 / s.setups.max(1) as f64,
            s.high_but_wrong,
            s.false_none
        );
        let levels: Vec<String> = s
            .calibration
            .iter()
            .filter(|c| c.setups > 0)
            .map(|c| {
                format!(
                    "{} {}/{} right, {} wrong",
                    c.confidence.name(),
                    c.right,
                    c.setups,
                    c.wrong
                )
            })
            .collect();
        let _ = writeln!(t, "  calibration: {}", levels.join("; "));
    }
    let trials: usize = results
        .iter()
        .flat_map(|r| &r.grids)
        .map(|g| g.trials.len())
        .sum();
    let _ = writeln!(
        t,
        "{} set-ups, {trials} training runs, {seconds:.0} s",
        results.len()
    );
    t
}

fn csv_bytes(write: impl FnOnce(&mut csv::Writer<Vec<u8>>) -> csv::Result<()>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    write(&mut w)?;
    w.into_inner().context("flushing a CSV table")
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{v:?}"))
}

/// benchmark.csv: a row per set-up and protocol.
fn setups_csv(results: &[SetupResult]) -> Result<Vec<u8>> {
    csv_bytes(|w| {
        w.write_record([
            "setup",
            "goal",
            "protocol",
            "recommended_lr",
            "confidence",
            "at_recommendation",
            "best",
            "best_lr",
            "gap",
            "verdict",
            "sweep_seconds",
        ])?;
        for r in results {
            for g in &r.grids {
                w.write_record([
                    r.name.clone(),
                    format!("{:?}", r.goal).to_lowercase(),
                    g.protocol.name().into(),
                    opt(g.recommended_lr),
                    r.confidence.name().into(),
                    opt(g.at_recommendation),
                    opt(g.best),
                    opt(g.best_lr),
                    opt(gap(r.goal, g.at_recommendation, g.best)),
                    verdict_name(g.verdict).into(),
                    format!("{:.3}", r.sweep_seconds),
                ])?;
            }
        }
        Ok(())
    })
}

/// trials.csv: every training run of every grid.
fn trials_csv(results: &[SetupResult]) -> Result<Vec<u8>> {
    csv_bytes(|w| {
        w.write_record([
            "setup",
            "protocol",
            "exponent",
            "lr",
            "schedule_lr",
            "value",
            "r2",
            "seconds",
        ])?;
        for r in results {
            for g in &r.grids {
                for t in &g.trials {
                    w.write_record([
                        r.name.clone(),
                        g.protocol.name().into(),
                        t.exponent.to_string(),
                        format!("{:?}", t.lr),
                        format!("{:?}", t.schedule_lr),
                        opt(t.value),
                        opt(t.r2),
                        format!("{:.3}", t.seconds),
                    ])?;
                }
            }
        }
        Ok(())
    })
}

/// The plot's points: per protocol, (best LR, recommended LR) of the set-ups with both.
fn groups(results: &[SetupResult]) -> Vec<Group> {
    Protocol::ALL
        .iter()
        .map(|&p| Group {
            label: p.name().into(),
            points: results
                .iter()
                .filter_map(|r| {
                    let g = r.grids.iter().find(|g| g.protocol == p)?;
                    Some((g.best_lr?, g.recommended_lr?))
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_points_of_accuracy_or_percent_of_rmse() {
        let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-9;
        assert!(close(gap(Goal::Accuracy, Some(0.95), Some(0.97)), 2.0));
        assert!(close(gap(Goal::Rmse, Some(0.77), Some(0.70)), 10.0));
        assert_eq!(gap(Goal::Rmse, None, Some(0.7)), None);
        assert_eq!(shown(Goal::Accuracy, Some(0.9635)), "96.35%");
    }
}
