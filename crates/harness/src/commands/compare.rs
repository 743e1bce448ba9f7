//! `harness compare`: plan the runs of an experiment, train each in its own `harness train`
//! process (`--jobs` at a time), and write the report.
//!
//! A process per run keeps seeded runs exact when they run side by side: burn draws seeded
//! random numbers from one generator per process, which runs on threads would share.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};
use train::studies::experiment::{self, Experiment, PlannedRun};

use crate::cli::CompareArgs;
use crate::report::{self, RunResult, Status};

/// The report was written, but some runs failed: `main` exits with code 1.
#[derive(Debug, thiserror::Error)]
#[error(
    "{} of {total} runs failed ({}); the report is in {}",
    failed.len(),
    quoted(failed),
    report.display()
)]
pub struct RunsFailed {
    /// The names of the runs that failed, in the experiment's order.
    pub failed: Vec<String>,
    pub total: usize,
    /// `report.md`.
    pub report: PathBuf,
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plans the runs, trains them, writes the report.
///
/// # Errors
/// The experiment cannot be used (nothing is written), the output folder already holds a
/// report or cannot be written, or — after the report is written — [`RunsFailed`].
pub fn run(args: &CompareArgs) -> Result<()> {
    let experiment = plan(args)?;
    let out = output_folder(args, &experiment)?;
    eprintln!(
        "experiment {}: {} runs, {} at a time, on {}",
        experiment.name,
        experiment.runs.len(),
        args.jobs,
        args.backend
    );
    let runs = train_all(&experiment, &out, args);
    write_report(&experiment, &runs, &out)?;
    println!("wrote {}", out.display());
    let failed: Vec<String> = runs
        .iter()
        .filter(|r| matches!(r.status, Status::Failed(_)))
        .map(|r| r.name.clone())
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    Err(RunsFailed {
        failed,
        total: runs.len(),
        report: out.join("report.md"),
    }
    .into())
}

/// The experiment, with `--epochs` applied to every run.
fn plan(args: &CompareArgs) -> Result<Experiment> {
    let mut experiment = experiment::load(&args.config)?;
    if let Some(epochs) = args.epochs {
        for run in &mut experiment.runs {
            if let Ok(config) = &mut run.config {
                config.train.epochs = epochs;
            }
        }
    }
    Ok(experiment)
}

/// `--out`, or `runs/compare-NAME-STAMP`, created with its `runs/` and `configs/` folders.
fn output_folder(args: &CompareArgs, experiment: &Experiment) -> Result<PathBuf> {
    let out = args.out.clone().unwrap_or_else(|| {
        Path::new("runs").join(format!(
            "compare-{}-{}",
            experiment.name,
            super::train::utc_stamp()
        ))
    });
    if out.join("report.json").exists() {
        bail!(
            "{} already holds a report: choose another --out, or remove it",
            out.display()
        );
    }
    for sub in ["runs", "configs"] {
        std::fs::create_dir_all(out.join(sub))
            .with_context(|| format!("creating {}", out.display()))?;
    }
    Ok(out)
}

/// Trains every run, `--jobs` at a time, with a progress bar; the results in the
/// experiment's order.
fn train_all(experiment: &Experiment, out: &Path, args: &CompareArgs) -> Vec<RunResult> {
    let total = experiment.runs.len();
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("compare {bar:30} {pos}/{len} runs {msg}")
            .expect("the progress template is valid"),
    );
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<RunResult>>> = Mutex::new(vec![None; total]);
    std::thread::scope(|scope| {
        for _ in 0..(args.jobs as usize).min(total) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(planned) = experiment.runs.get(i) else {
                        break;
                    };
                    bar.set_message(planned.name.clone());
                    let result = execute(planned, out, args);
                    bar.println(progress_line(&result));
                    bar.inc(1);
                    results.lock().expect("no worker panics")[i] = Some(result);
                }
            });
        }
    });
    bar.finish_and_clear();
    results
        .into_inner()
        .expect("no worker panics")
        .into_iter()
        .map(|r| r.expect("every run was executed"))
        .collect()
}

/// `name: test_rmse 0.1234`, or `name: failed: reason`.
fn progress_line(result: &RunResult) -> String {
    match &result.status {
        Status::Ok => format!(
            "{}: {}",
            result.name,
            result
                .test_metric()
                .map_or_else(String::new, |(k, v)| format!("{k} {v:.4}"))
        ),
        Status::Failed(reason) => format!("{}: failed: {reason}", result.name),
    }
}

/// `report.md` (also printed), `report.json` and the plots, in `out`.
fn write_report(experiment: &Experiment, runs: &[RunResult], out: &Path) -> Result<()> {
    let markdown = report::markdown(
        &experiment.name,
        &experiment.description,
        experiment.first_epochs,
        runs,
    );
    let json = report::json(&experiment.name, experiment.first_epochs, runs);
    let write = |name: &str, bytes: &[u8]| super::write_file(&out.join(name), bytes);
    write("report.md", markdown.as_bytes())?;
    write("report.json", super::pretty_json(&json)?.as_bytes())?;
    plot::render(&[report::loss_chart(runs)], &out.join("loss.png"))?;
    plot::render(&[report::lr_chart(runs)], &out.join("lr.png"))?;
    plot::render(&report::panels(runs, false), &out.join("loss_grid.png"))?;
    plot::render(&report::panels(runs, true), &out.join("lr_grid.png"))?;
    let bars: Vec<(String, f64)> = runs
        .iter()
        .map(|r| (r.name.clone(), r.test_metric().map_or(f64::NAN, |(_, v)| v)))
        .collect();
    let metric = runs
        .iter()
        .find_map(|r| r.test_metric().map(|(k, _)| k))
        .unwrap_or("test metric");
    plot::render_bars(
        &format!("{metric} by run"),
        metric,
        &bars,
        &out.join("metric.png"),
    )?;
    println!("{markdown}");
    Ok(())
}

/// Trains one run in a child `harness train` process; its output goes to `train.log`.
fn execute(planned: &PlannedRun, out: &Path, args: &CompareArgs) -> RunResult {
    let dir = out.join("runs").join(&planned.folder);
    let config_path = out.join("configs").join(format!("{}.toml", planned.folder));
    let config = match &planned.config {
        Ok(config) => config.clone(),
        Err(reason) => {
            return RunResult::read(
                &planned.name,
                None,
                Status::Failed(format!("bad config: {reason}")),
                &dir,
            );
        }
    };
    let status = train_in_child(&config, &config_path, &dir, args);
    RunResult::read(&planned.name, Some(config), status, &dir)
}

/// Writes `config` to `config_path` and trains it into `dir`.
fn train_in_child(
    config: &train::config::RunConfig,
    config_path: &Path,
    dir: &Path,
    args: &CompareArgs,
) -> Status {
    if let Err(e) = data::files::write_atomically(config_path, config.to_toml().as_bytes()) {
        return Status::Failed(format!("writing {}: {e}", config_path.display()));
    }
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return Status::Failed(format!("cannot find the harness binary: {e}")),
    };
    let mut command = Command::new(exe);
    command
        .arg("train")
        .arg("--config")
        .arg(config_path)
        .arg("--out")
        .arg(dir)
        .arg("--backend")
        .arg(args.backend.name());
    if let Some(data_dir) = &args.data_dir.data_dir {
        command.arg("--data-dir").arg(data_dir);
    }
    let output = match command.output() {
        Ok(output) => output,
        Err(e) => return Status::Failed(format!("cannot start harness train: {e}")),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut log = output.stdout.clone();
    log.extend_from_slice(&output.stderr);
    let _ = std::fs::create_dir_all(dir);
    let _ = data::files::write_atomically(&dir.join("train.log"), &log);
    if output.status.success() {
        return Status::Ok;
    }
    let reason = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .map_or_else(
            || format!("harness train exited with {}", output.status),
            str::to_string,
        );
    Status::Failed(reason)
}
