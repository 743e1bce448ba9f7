//! `harness compare`: plan the runs of an experiment into a folder, train each in its own
//! process (`--jobs` at a time here, or one per array task elsewhere: `--run-index`), and write
//! the report from what finished (`--collect`).
//!
//! A process per run keeps seeded runs exact when they run side by side: burn draws seeded
//! random numbers from one generator per process, which runs on threads would share.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use train::config::RunConfig;
use train::events::EventsAt;
use train::run::{Progress, RunError, RunOptions};
use train::studies::experiment::{self, Experiment};
use train::studies::plan::{self, CellState, Plan, PlannedCell};

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

/// The environment variables array engines give each task its index in: Slurm's (relative to
/// the array's first index), Kubernetes Indexed Jobs', AWS Batch array jobs'.
pub const INDEX_VARIABLES: [&str; 3] = [
    "SLURM_ARRAY_TASK_ID",
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
];

/// Plans, trains and reports, or one of the three alone (`--plan`, `--run-index`, `--collect`).
///
/// # Errors
/// The experiment cannot be used (nothing is written), the output folder already holds a
/// report or another plan or cannot be written, a run cannot train (`--run-index`), or — after
/// the report is written — [`RunsFailed`].
pub fn run(args: &CompareArgs) -> Result<()> {
    if (args.run_index.is_some() || args.collect) && args.tensorboard.given() {
        bail!(
            "--tensorboard and --no-tensorboard are planning flags: the plan in --out keeps \
             where its runs write their events; give them with --config"
        );
    }
    if let Some(index) = args.run_index {
        let out = args
            .out
            .as_deref()
            .expect("clap requires --out with --run-index");
        let index = match index {
            Some(i) => i,
            None => index_from(&|name| std::env::var(name).ok())?,
        };
        return run_cell(out, usize::try_from(index).unwrap_or(usize::MAX), args);
    }
    if args.collect {
        let out = args
            .out
            .as_deref()
            .expect("clap requires --out with --collect");
        return collect(out);
    }
    let experiment = plan_experiment(args)?;
    let out = output_folder(args, &experiment)?;
    let tensorboard = match args.tensorboard.events_at() {
        // Absolute: an array task may start in another folder.
        EventsAt::Under(dir) => EventsAt::Under(
            std::path::absolute(&dir).with_context(|| format!("resolving {}", dir.display()))?,
        ),
        at => at,
    };
    let plan = Plan::of(&experiment).with_tensorboard(tensorboard);
    plan.write(&experiment, &out)?;
    if let Some(crate::cli::Engine::Slurm) = args.submit {
        return submit_slurm(&plan, &out, args);
    }
    if args.plan {
        println!(
            "planned {} runs of experiment {} in {}: train run I with `harness compare --out {} \
             --run-index I` (I from 0 to {}), then `harness compare --out {} --collect`",
            plan.runs.len(),
            plan.experiment,
            out.display(),
            out.display(),
            plan.runs.len().saturating_sub(1),
            out.display()
        );
        return Ok(());
    }
    let threads = args
        .threads
        .threads
        .unwrap_or_else(|| threads_per_job(args.jobs));
    eprintln!(
        "experiment {}: {} runs, {} at a time ({threads} threads each), on {}",
        experiment.name,
        experiment.runs.len(),
        args.jobs,
        args.backend
    );
    train_all(&plan, &out, args, threads);
    collect(&out)
}

/// Writes the plan's Slurm scripts into `out/slurm/` and submits them (or, with `--dry-run`,
/// prints them).
///
/// # Errors
/// A script cannot be written, sbatch is missing or refuses a job.
fn submit_slurm(plan: &Plan, out: &Path, args: &CompareArgs) -> Result<()> {
    let absolute =
        |p: &Path| std::path::absolute(p).with_context(|| format!("resolving {}", p.display()));
    let mut harness_args = vec!["--backend".to_string(), args.backend.name().to_string()];
    if let Some(data_dir) = &args.data_dir.data_dir {
        harness_args.push("--data-dir".into());
        harness_args.push(absolute(data_dir)?.to_string_lossy().into_owned());
    }
    let job = crate::slurm::SlurmJob {
        name: plan.experiment.clone(),
        out: absolute(out)?,
        harness: std::env::current_exe().context("finding the harness binary")?,
        runs: plan.runs.len(),
        max_parallel: args.max_parallel,
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus_per_task: args.cpus_per_task.unwrap_or(1),
        sbatch_args: args.sbatch_arg.clone(),
        harness_args,
    };
    let dir = out.join("slurm");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let (array, collect) = (dir.join("array.sbatch"), dir.join("collect.sbatch"));
    super::write_file(&array, job.array_script().as_bytes())?;
    super::write_file(&collect, job.collect_script().as_bytes())?;
    if args.dry_run {
        println!("# {}\n{}", array.display(), job.array_script());
        println!("# {}\n{}", collect.display(), job.collect_script());
        println!(
            "# to submit: sbatch --parsable {}, then sbatch --parsable \
             --dependency=afterany:<its job id> {}",
            array.display(),
            collect.display()
        );
        return Ok(());
    }
    let array_id = sbatch(&[array.as_os_str()])?;
    let dependency = format!("--dependency=afterany:{array_id}");
    let collect_id = sbatch(&[dependency.as_ref(), collect.as_os_str()])?;
    println!(
        "submitted job array {array_id} ({} runs{}) and collect job {collect_id}: watch with \
         `squeue -j {array_id},{collect_id}`; each task logs to {}/run-<i>.out, and the report \
         is written to {} when the collect job runs",
        plan.runs.len(),
        args.max_parallel
            .map_or_else(String::new, |k| format!(", {k} at a time")),
        dir.display(),
        out.join("report.md").display()
    );
    Ok(())
}

/// Submits with `sbatch --parsable ARGS`; the job id.
fn sbatch(args: &[&std::ffi::OsStr]) -> Result<u64> {
    let output = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .output()
        .context("running sbatch: --submit slurm needs Slurm's sbatch on PATH")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!(
            "sbatch refused the job ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    crate::slurm::job_id(&stdout)
        .with_context(|| format!("sbatch answered {stdout:?}, not a job id"))
}

/// The cores shared among `jobs` runs at a time: at least 1 each.
fn threads_per_job(jobs: u64) -> u64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    (cores / jobs.max(1)).max(1)
}

/// The run index an array engine gave this task ([`INDEX_VARIABLES`]), read with `var`.
///
/// # Errors
/// None is set, or one is not a whole number (or Slurm's is below the array's first index).
pub fn index_from(var: &dyn Fn(&str) -> Option<String>) -> Result<u64> {
    let number = |name: &str, text: String| -> Result<u64> {
        text.trim()
            .parse()
            .with_context(|| format!("{name} = {text:?}: expected a whole number, a run index"))
    };
    if let Some(id) = var("SLURM_ARRAY_TASK_ID") {
        let id = number("SLURM_ARRAY_TASK_ID", id)?;
        let min = match var("SLURM_ARRAY_TASK_MIN") {
            Some(min) => number("SLURM_ARRAY_TASK_MIN", min)?,
            None => 0,
        };
        return id.checked_sub(min).with_context(|| {
            format!("SLURM_ARRAY_TASK_ID = {id} is below SLURM_ARRAY_TASK_MIN = {min}")
        });
    }
    for name in &INDEX_VARIABLES[1..] {
        if let Some(text) = var(name) {
            return number(name, text);
        }
    }
    bail!(
        "--run-index without a value needs the index in one of {}; none is set",
        INDEX_VARIABLES.join(", ")
    )
}

/// The experiment, with `--epochs` applied to every run.
fn plan_experiment(args: &CompareArgs) -> Result<Experiment> {
    let path = args.config.as_deref().expect("clap requires --config here");
    let mut experiment = experiment::load(path)?;
    if let Some(epochs) = args.epochs {
        for run in &mut experiment.runs {
            if let Ok(config) = &mut run.config {
                config.train.epochs = epochs;
            }
        }
    }
    Ok(experiment)
}

/// `--out`, or `runs/compare-NAME-STAMP`; it must not hold a report yet.
fn output_folder(args: &CompareArgs, experiment: &Experiment) -> Result<PathBuf> {
    let out = args.out.clone().unwrap_or_else(|| {
        Path::new("runs").join(format!(
            "compare-{}-{}",
            experiment.name,
            super::train::utc_stamp()
        ))
    });
    if !args.plan && out.join("report.json").exists() {
        bail!(
            "{} already holds a report: choose another --out, or remove it",
            out.display()
        );
    }
    Ok(out)
}

/// Trains every run of the plan in `out`, `--jobs` at a time, each in a child `harness
/// compare --run-index` with `threads` threads, with a progress bar.
fn train_all(plan: &Plan, out: &Path, args: &CompareArgs, threads: u64) {
    let total = plan.runs.len();
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("compare {bar:30} {pos}/{len} runs {msg}")
            .expect("the progress template is valid"),
    );
    let next = AtomicUsize::new(0);
    let lines: Mutex<()> = Mutex::new(());
    std::thread::scope(|scope| {
        for _ in 0..(args.jobs as usize).min(total) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(cell) = plan.runs.get(i) else {
                        break;
                    };
                    bar.set_message(cell.name.clone());
                    if cell.invalid.is_none() {
                        train_in_child(cell, out, args, threads);
                    }
                    let line = progress_line(&result_of(out, cell));
                    let _guard = lines.lock().expect("no worker panics");
                    bar.println(line);
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
}

/// What the report reads of `cell`: its config, where it stands, its records.
fn result_of(out: &Path, cell: &PlannedCell) -> RunResult {
    let config = RunConfig::load(&plan::config_path(out, cell)).ok();
    let status = match plan::state(out, cell) {
        CellState::Finished => Status::Ok,
        CellState::Failed(reason) => Status::Failed(reason),
        CellState::Interrupted => Status::Missing(format!(
            "interrupted, continues from its checkpoint with --run-index {}",
            cell.index
        )),
        CellState::Missing => Status::Missing("not trained yet".into()),
    };
    RunResult::read(&cell.name, config, status, &plan::run_dir(out, cell))
}

/// Writes the report of the plan in `out` from what finished.
///
/// # Errors
/// No plan there, the report cannot be written, or — after it is written — [`RunsFailed`].
fn collect(out: &Path) -> Result<()> {
    let plan = Plan::read(out)?;
    let runs: Vec<RunResult> = plan.runs.iter().map(|cell| result_of(out, cell)).collect();
    write_report(&plan, &runs, out)?;
    println!("wrote {}", out.display());
    let missing = runs
        .iter()
        .filter(|r| matches!(r.status, Status::Missing(_)))
        .count();
    if missing > 0 {
        eprintln!("{missing} of {} runs are not finished yet", runs.len());
    }
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

/// Trains run `index` of the plan in `out` in this process: leaves a finished run as it is,
/// continues an interrupted one, starts one with nothing worth keeping afresh. A lock on
/// `runs/<folder>.lock` keeps a second task off the run; a failure is recorded in its
/// `status.json` for the report.
///
/// # Errors
/// No plan or no such run, the lock is held, the run cannot train.
fn run_cell(out: &Path, index: usize, args: &CompareArgs) -> Result<()> {
    let plan = Plan::read(out)?;
    let cell = plan.cell(index)?;
    if let Some(reason) = &cell.invalid {
        bail!(
            "run {index} ({:?}) has no valid config: {reason}",
            cell.name
        );
    }
    let dir = plan::run_dir(out, cell);
    let lock_path = out.join("runs").join(format!("{}.lock", cell.folder));
    let lock =
        File::create(&lock_path).with_context(|| format!("creating {}", lock_path.display()))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => bail!(
            "run {index} ({:?}) is being trained by another task: {} is locked",
            cell.name,
            lock_path.display()
        ),
        Err(TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", lock_path.display()));
        }
    }
    let resume = match plan::state(out, cell) {
        CellState::Finished => {
            println!(
                "run {index} ({:?}) has finished: {}",
                cell.name,
                dir.display()
            );
            return Ok(());
        }
        CellState::Interrupted => true,
        // A failed run is tried again: from its checkpoint if it has one.
        CellState::Failed(_) => {
            let _ = std::fs::remove_file(dir.join(plan::STATUS));
            train::fit::latest_checkpoint(&dir).is_some()
        }
        CellState::Missing => false,
    };
    if !resume && dir.exists() {
        // Started but without a checkpoint: nothing in it is worth keeping, nor in its events.
        std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
        let events = plan.tensorboard.dir(&dir).unwrap_or_default();
        for file in train::events::event_files(&events) {
            std::fs::remove_file(&file).with_context(|| format!("clearing {}", file.display()))?;
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Ctrl-C, or the SIGTERM of a preempted or cancelled task: finish the step, checkpoint.
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
        .context("installing the signal handler")?;
    let options = RunOptions {
        backend: args.backend,
        out_dir: dir.clone(),
        data_dir: args.data_dir.data_dir.clone(),
        progress: Progress::auto(),
        stop: Some(stop),
        schedule_hint: None,
        tensorboard: plan.tensorboard.clone(),
    };
    let result = if resume {
        train::run::resume(&options, None)
    } else {
        let config = RunConfig::load(&plan::config_path(out, cell))?;
        train::run::run(&config, &options)
    };
    match result {
        Ok(outcome) => {
            super::train::plot_run(&outcome, &dir)?;
            println!("run {index} ({:?}) finished: {}", cell.name, dir.display());
            Ok(())
        }
        Err(e @ RunError::Interrupted { .. }) => Err(e.into()),
        Err(e) => {
            let error = anyhow::Error::from(e);
            let reason = crate::hints::message(&error);
            plan::record_failure(&dir, &reason)
                .with_context(|| format!("recording the failure in {}", dir.display()))?;
            Err(error)
        }
    }
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
        Status::Missing(state) => format!("{}: {state}", result.name),
    }
}

/// `report.md` (also printed), `report.json` and the plots, in `out`.
fn write_report(plan: &Plan, runs: &[RunResult], out: &Path) -> Result<()> {
    let markdown = report::markdown(&plan.experiment, &plan.description, plan.first_epochs, runs);
    let json = report::json(&plan.experiment, plan.first_epochs, runs);
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

/// Trains `cell` in a child `harness compare --run-index`; its output goes to the run's
/// `train.log`, its failure to its `status.json` (the child writes it).
fn train_in_child(cell: &PlannedCell, out: &Path, args: &CompareArgs, threads: u64) {
    let dir = plan::run_dir(out, cell);
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            let _ = plan::record_failure(&dir, &format!("cannot find the harness binary: {e}"));
            return;
        }
    };
    let mut command = Command::new(exe);
    command
        .arg("compare")
        .arg("--out")
        .arg(out)
        .arg("--run-index")
        .arg(cell.index.to_string())
        .arg("--backend")
        .arg(args.backend.name())
        .arg("--threads")
        .arg(threads.to_string());
    if let Some(data_dir) = &args.data_dir.data_dir {
        command.arg("--data-dir").arg(data_dir);
    }
    let output = match command.output() {
        Ok(output) => output,
        Err(e) => {
            let _ = plan::record_failure(&dir, &format!("cannot start harness: {e}"));
            return;
        }
    };
    let mut log = output.stdout.clone();
    log.extend_from_slice(&output.stderr);
    let _ = std::fs::create_dir_all(&dir);
    let _ = data::files::write_atomically(&dir.join("train.log"), &log);
    // A child that died before it could say why (killed, say); one interrupted (130) kept a
    // checkpoint and continues when its index runs again.
    let interrupted = output.status.code() == Some(130);
    if !output.status.success() && !interrupted && !dir.join(plan::STATUS).exists() {
        let reason = format!("harness compare --run-index exited with {}", output.status);
        let _ = plan::record_failure(&dir, &reason);
    }
}
