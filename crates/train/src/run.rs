//! The training loop. burn's `Learner` cannot feed the loss to a schedule, so the loop is ours:
//! each optimizer step takes its LR from the schedule, steps the optimizer with it, and reports
//! the loss to loss-driven schedules.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Tensor;
use data::spec::{HostPart, prepare};
use models::batch::{DeviceData, Targets};
use models::{Model, Task, loss, metrics};
use schedules::{Schedule, Scheduler};

use crate::backend::{Backend, BackendError};
use crate::checkpoint::{self, LoopState};
use crate::config::RunConfig;
use crate::records::{
    BURN_VERSION, EpochRecord, Evaluation, MetricsWriter, StepRecord, Summary, read_history,
};
use crate::reference;
use crate::trainer::{Decision, Diverged, Trainer};
use data::files::write_atomically;

/// How a run reports progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// An indicatif bar per epoch (loss, LR, samples/s, ETA).
    Bar,
    /// A plain line per epoch.
    Lines,
    Quiet,
}

impl Progress {
    /// A bar on a terminal, lines otherwise.
    pub fn auto() -> Self {
        if std::io::stdout().is_terminal() {
            Progress::Bar
        } else {
            Progress::Lines
        }
    }
}

/// Where and how to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub backend: Backend,
    pub out_dir: PathBuf,
    /// `--data-dir` or `HARNESS_DATA`; overrides `[data] dir`.
    pub data_dir: Option<PathBuf>,
    pub progress: Progress,
    /// Set (by a Ctrl-C handler) to stop after the current step with a checkpoint.
    pub stop: Option<Arc<AtomicBool>>,
    /// Appended to each warning about a schedule sized for another number of steps: how the
    /// caller gets one of the right length.
    pub schedule_hint: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Data(#[from] data::DataError),
    #[error(transparent)]
    Model(#[from] models::ModelError),
    #[error(transparent)]
    Weights(#[from] models::weights::WeightsError),
    #[error(transparent)]
    Schedule(#[from] schedules::ScheduleError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    RangeTest(#[from] lr_find::RangeTestError),
    #[error(transparent)]
    Records(#[from] crate::records::RecordsError),
    #[error("{}: {cause}", path.display())]
    Output {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{0}")]
    Checkpoint(String),
    #[error("{} already holds a run", path.display())]
    OutputExists { path: PathBuf },
    #[error("{} has no checkpoint to resume from", path.display())]
    NoCheckpoint { path: PathBuf },
    #[error(
        "the loss became {loss} at step {step} (epoch {epoch}, lr {lr}); the run stopped, its last \
         checkpoint kept"
    )]
    Diverged {
        step: u64,
        epoch: u64,
        lr: f64,
        loss: f64,
    },
    #[error("interrupted after step {step}: checkpoint saved in {}", checkpoint.display())]
    Interrupted {
        step: u64,
        checkpoint: PathBuf,
        run: PathBuf,
    },
}

/// What a finished run produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub steps: Vec<StepRecord>,
    pub epochs: Vec<EpochRecord>,
    /// `summary.json`.
    pub summary: Summary,
}

fn output(path: &Path) -> impl Fn(std::io::Error) -> RunError + '_ {
    move |cause| RunError::Output {
        path: path.to_path_buf(),
        cause,
    }
}

/// Trains `config` into a new run folder: `config.toml` (the effective config), `metrics.csv`,
/// `metrics.jsonl`, `checkpoints/`, `summary.json`.
///
/// # Errors
/// Bad data, a missing backend, an unwritable or already used folder, a loss that became NaN
/// or infinite, an interruption.
pub fn run(config: &RunConfig, options: &RunOptions) -> Result<Outcome, RunError> {
    let out = &options.out_dir;
    if out.join("config.toml").exists()
        || out.join("metrics.csv").exists()
        || out.join("summary.json").exists()
    {
        return Err(RunError::OutputExists { path: out.clone() });
    }
    execute(config, options, None)
}

/// The final weights in a run folder, in PyTorch's names and layout ([`models::weights`]).
pub const WEIGHTS: &str = "weights.safetensors";

/// Makes the folder of a new run, once everything it needs exists: `config.toml` and empty
/// metrics files. Nothing is written before, so a run that cannot start leaves no folder.
fn start_folder(out: &Path, config: &RunConfig) -> Result<MetricsWriter, RunError> {
    std::fs::create_dir_all(out).map_err(output(out))?;
    let config_path = out.join("config.toml");
    write_atomically(&config_path, config.to_toml().as_bytes()).map_err(output(&config_path))?;
    MetricsWriter::create(out).map_err(output(out))
}

/// The line saying that the schedule sets the optimizer's momentum (or Adam's `beta1`) each
/// step, with its range over the run's `steps` (the first million), when it cycles one; `None`
/// otherwise.
pub fn cycled_momentum_line(config: &RunConfig, steps: u64) -> Option<String> {
    let schedule = Schedule::new(config.schedule.clone()).ok()?;
    let preview = schedules::preview::preview(&schedule, steps.min(1_000_000), &[]);
    let momentums: Vec<f64> = preview.momentums?.into_iter().flatten().collect();
    let (lo, hi) = momentums
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &m| {
            (lo.min(m), hi.max(m))
        });
    let name = match config.optimizer {
        crate::optimizer::OptimizerSpec::Adam { .. }
        | crate::optimizer::OptimizerSpec::Adamw { .. } => "beta1",
        _ => "momentum",
    };
    let own = config
        .optimizer
        .momentum()
        .map_or_else(|| "none".to_string(), |m| m.to_string());
    Some(format!(
        "{name} set by the {} schedule every step, from {} (range {lo} to {hi}), instead of the \
         optimizer's own ({own}), as PyTorch's scheduler does",
        config.schedule.kind(),
        momentums.first()?,
    ))
}

/// Warnings about a schedule that does not fit the run's real number of optimizer steps
/// (`steps_per_epoch` × epochs): a cosine `t_max` or one-cycle `total_steps` sized for another
/// length, a warm-up longer than the run, a milestone past its end. As `harness schedule`'s.
///
/// # Errors
/// The schedule is invalid.
pub fn schedule_warnings(
    config: &RunConfig,
    steps_per_epoch: u64,
) -> Result<Vec<String>, schedules::ScheduleError> {
    let steps = steps_per_epoch.saturating_mul(config.train.epochs);
    let schedule = Schedule::new(config.schedule.clone())?;
    // A loss-driven schedule is fed by the loop: no warning about missing metrics.
    let metrics = if config.schedule.is_loss_driven() {
        usize::try_from(steps).unwrap_or(usize::MAX)
    } else {
        0
    };
    Ok(schedules::preview::lint(&schedule, steps, metrics))
}

/// Continues the run in `options.out_dir` from its latest checkpoint, with its saved config
/// (`epochs` may extend it). The result is the run that never stopped, bit for bit on the CPU
/// backends.
///
/// # Errors
/// As [`run`], and a folder without a checkpoint.
pub fn resume(options: &RunOptions, epochs: Option<u64>) -> Result<Outcome, RunError> {
    let out = &options.out_dir;
    let mut config = RunConfig::load(&out.join("config.toml"))?;
    let Some(&latest) = checkpoint::present(out).last() else {
        return Err(RunError::NoCheckpoint { path: out.clone() });
    };
    if let Some(epochs) = epochs {
        config.train.epochs = epochs;
        let config_path = out.join("config.toml");
        write_atomically(&config_path, config.to_toml().as_bytes())
            .map_err(output(&config_path))?;
    }
    execute(&config, options, Some(checkpoint::folder(out, latest)))
}

fn execute(
    config: &RunConfig,
    options: &RunOptions,
    from: Option<PathBuf>,
) -> Result<Outcome, RunError> {
    let started = Instant::now();
    let out = &options.out_dir;
    let device = options.backend.device()?;
    let train_device = device.clone().autodiff();
    let prepared = prepare(&config.data, options.data_dir.as_deref())?;
    let task = Task::of(prepared.classes);
    let train_data = DeviceData::from_host(&prepared.train, config.data.normalize, &train_device);
    let test_data = DeviceData::from_host(&prepared.test, config.data.normalize, &device);
    let seed = config.train.seed;
    let model = Model::init(
        &config.model,
        prepared.train.width(),
        task,
        seed,
        &train_device,
    )?;
    // A fresh run may start from PyTorch's weights; a resumed one takes its checkpoint's.
    let model = match (config.model.init(), &from) {
        (Some(path), None) => models::weights::load_pytorch(model, path)?,
        _ => model,
    };
    let scheduler = Scheduler::new(Schedule::new(config.schedule.clone())?);
    let mut trainer = Trainer::new(
        model,
        config.optimizer.build(),
        scheduler,
        &train_device,
        &config.train,
    );
    let (mut state, mut steps, mut epochs, mut writer) = match &from {
        None => (
            LoopState::start(),
            Vec::new(),
            Vec::new(),
            start_folder(out, config)?,
        ),
        Some(folder) => {
            let state = trainer.restore(folder).map_err(RunError::Checkpoint)?;
            let (steps, epochs) = read_history(out, state.step, state.epoch)?;
            let writer = MetricsWriter::rewrite(out, &steps, &epochs).map_err(output(out))?;
            (state, steps, epochs, writer)
        }
    };

    let batch_size = config.data.batch_size;
    let steps_per_epoch = train_data.num_batches(batch_size) as u64;
    if options.progress != Progress::Quiet {
        banner(
            config,
            options,
            &prepared,
            &device,
            steps_per_epoch,
            &state,
            from.is_some(),
        )?;
    }
    let interrupted = || {
        options
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::SeqCst))
    };

    while state.epoch <= config.train.epochs {
        let epoch = state.epoch;
        let bar = progress_bar(
            options.progress,
            steps_per_epoch,
            epoch,
            config.train.epochs,
        );
        if let Some(bar) = &bar {
            bar.set_position(state.batch);
        }
        let epoch_start = Instant::now();
        let steps_of = EpochSteps {
            data: &train_data,
            batch_size,
            steps_per_epoch,
            seed,
            out,
            stop: options.stop.as_deref(),
        };
        let pending = match steps_of.run(
            &mut trainer,
            &mut state,
            &mut steps,
            &mut writer,
            bar.as_ref(),
        )? {
            Ended::Complete(pending) => pending,
            Ended::Diverged(d) => {
                return Err(RunError::Diverged {
                    step: d.step,
                    epoch,
                    lr: d.lr,
                    loss: d.loss,
                });
            }
            Ended::Interrupted(checkpoint) => {
                if let Some(bar) = bar {
                    bar.abandon();
                }
                return Err(RunError::Interrupted {
                    step: state.step,
                    checkpoint,
                    run: out.clone(),
                });
            }
        };
        let train_loss = state.epoch_loss_sum / steps_per_epoch as f64;
        let last_epoch = epoch == config.train.epochs;
        let validation = (epoch % config.train.eval_every == 0 || last_epoch)
            .then(|| evaluate(trainer.model(), &test_data, task, batch_size));
        trainer.end_epoch(train_loss, validation.as_ref().map(|v| v.loss));
        let record = EpochRecord {
            epoch,
            train_loss,
            validation,
            elapsed_seconds: started.elapsed().as_secs_f64(),
        };
        if let Some(p) = pending {
            writer.step(&p, Some(&record)).map_err(output(out))?;
        }
        writer.epoch(&record).map_err(output(out))?;
        let samples_per_sec =
            prepared.train.len() as f64 / epoch_start.elapsed().as_secs_f64().max(1e-9);
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        if options.progress != Progress::Quiet {
            println!(
                "{}",
                epoch_line(&record, config.train.epochs, samples_per_sec, steps.last())
            );
        }
        let decision = record.validation.as_ref().map_or(Decision::Continue, |v| {
            state.early.update(epoch, v.loss, config.train.patience)
        });
        epochs.push(record);
        (state.epoch, state.batch, state.epoch_loss_sum) = (epoch + 1, 0, 0.0);
        trainer.save(out, &state).map_err(RunError::Checkpoint)?;
        drop_old_checkpoints(out, &state, steps_per_epoch);
        if decision == Decision::Stop {
            if options.progress != Progress::Quiet {
                println!(
                    "early stop: no better validation loss for {} evaluations",
                    state.early.since_best
                );
            }
            break;
        }
        if interrupted() && state.epoch <= config.train.epochs {
            return Err(RunError::Interrupted {
                step: state.step,
                checkpoint: checkpoint::folder(out, state.step),
                run: out.clone(),
            });
        }
    }

    let model = trainer.model();
    // The final weights in PyTorch's names and layout, for `load_state_dict`.
    models::weights::save_pytorch(model, &out.join(WEIGHTS))?;
    let test = evaluate(model, &test_data, task, batch_size);
    let summary = Summary {
        backend: options.backend.name().to_string(),
        best_epoch: state.early.best_epoch,
        burn_version: BURN_VERSION.to_string(),
        device: device_name(&device),
        epochs_completed: epochs.len(),
        final_train_loss: epochs.last().map(|e| e.train_loss),
        harness_version: env!("CARGO_PKG_VERSION").to_string(),
        reference_test_rmse: reference_test_rmse(config, &prepared, task),
        seed,
        steps: state.step,
        test_accuracy: test.accuracy,
        test_loss: test.loss,
        test_mae: test.mae,
        test_r2: test.r2,
        test_rmse: test.rmse,
        wall_seconds: started.elapsed().as_secs_f64(),
    };
    let path = out.join("summary.json");
    write_atomically(&path, summary.to_json().as_bytes()).map_err(output(&path))?;
    Ok(Outcome {
        steps,
        epochs,
        summary,
    })
}

/// Keeps the two latest checkpoints of the run folder `out` and the one that ended the best
/// epoch, as [`checkpoint::to_delete`] decides; a folder that cannot be removed stays.
fn drop_old_checkpoints(out: &Path, state: &LoopState, steps_per_epoch: u64) {
    let best_epoch = state.early.best_epoch;
    let best_step = (best_epoch > 0).then(|| best_epoch * steps_per_epoch);
    for old in checkpoint::to_delete(&checkpoint::present(out), best_step) {
        let _ = std::fs::remove_dir_all(checkpoint::folder(out, old));
    }
}

/// For a linear regressor: the test RMSE of the least-squares fit on the same split, the
/// yardstick of `summary.json`.
fn reference_test_rmse(
    config: &RunConfig,
    prepared: &data::spec::Prepared,
    task: Task,
) -> Option<f64> {
    match (task, &config.model, &prepared.train, &prepared.test) {
        (
            Task::Regression,
            models::ModelConfig::Linear(_),
            HostPart::Table(train),
            HostPart::Table(test),
        ) => {
            let (w, b) = reference::least_squares(train)?;
            Some(reference::rmse(test, &w, b))
        }
        _ => None,
    }
}

/// What the steps of one epoch need besides the trainer and the loop state.
struct EpochSteps<'a> {
    data: &'a DeviceData,
    batch_size: usize,
    steps_per_epoch: u64,
    seed: u64,
    out: &'a Path,
    /// Set by a Ctrl-C handler: stop after the current step.
    stop: Option<&'a AtomicBool>,
}

/// How the steps of an epoch ended.
enum Ended {
    /// Every batch was stepped; the last step's row, held back for the epoch's figures.
    Complete(Option<StepRecord>),
    /// A loss was not finite: the rows before it are written.
    Diverged(Diverged),
    /// Stopped mid-epoch on request, with a checkpoint saved there.
    Interrupted(PathBuf),
}

impl EpochSteps<'_> {
    /// Steps the epoch `state.epoch` from its batch `state.batch` on: a row per step (each
    /// written once the next exists, so that the epoch's last row can carry its validation
    /// figures), the step records, the bar.
    fn run(
        &self,
        trainer: &mut Trainer,
        state: &mut LoopState,
        steps: &mut Vec<StepRecord>,
        writer: &mut MetricsWriter,
        bar: Option<&indicatif_bar::Bar>,
    ) -> Result<Ended, RunError> {
        let (out, epoch) = (self.out, state.epoch);
        let mut pending: Option<StepRecord> = None;
        let batches =
            self.data
                .epoch_from(self.batch_size, self.seed, epoch - 1, state.batch as usize);
        for batch in batches {
            let t0 = Instant::now();
            let rows = batch.x.dims()[0];
            let mut record = match trainer.step(batch, state.step, epoch) {
                Ok(record) => record,
                Err(d) => {
                    flush_pending(writer, &mut pending, out)?;
                    let _ = writer.flush();
                    return Ok(Ended::Diverged(d));
                }
            };
            record.samples_per_sec = rows as f64 / t0.elapsed().as_secs_f64().max(1e-9);
            if let Some(p) = pending.replace(record.clone()) {
                writer.step(&p, None).map_err(output(out))?;
            }
            if let Some(bar) = bar {
                let (value, lr, sps) = (record.train_loss, record.lr, record.samples_per_sec);
                bar.set_message(format!("loss {value:.4} lr {lr:.3e} {sps:.0} samples/s"));
                bar.inc(1);
            }
            state.epoch_loss_sum += record.train_loss;
            steps.push(record);
            state.step += 1;
            state.batch += 1;
            let stop = self.stop.is_some_and(|s| s.load(Ordering::SeqCst));
            if stop && state.batch < self.steps_per_epoch {
                flush_pending(writer, &mut pending, out)?;
                writer.flush().map_err(output(out))?;
                let checkpoint = trainer.save(out, state).map_err(RunError::Checkpoint)?;
                return Ok(Ended::Interrupted(checkpoint));
            }
        }
        Ok(Ended::Complete(pending))
    }
}

/// Writes the step row held back for the epoch's end, when the run stops before it.
fn flush_pending(
    writer: &mut MetricsWriter,
    pending: &mut Option<StepRecord>,
    out: &Path,
) -> Result<(), RunError> {
    match pending.take() {
        Some(p) => writer.step(&p, None).map_err(output(out)),
        None => Ok(()),
    }
}

/// The start-of-run lines: warnings about a schedule sized for another length, what trains on
/// what, and the momentum a schedule sets.
fn banner(
    config: &RunConfig,
    options: &RunOptions,
    prepared: &data::spec::Prepared,
    device: &burn::tensor::Device,
    steps_per_epoch: u64,
    state: &LoopState,
    resumed: bool,
) -> Result<(), RunError> {
    for warning in schedule_warnings(config, steps_per_epoch)? {
        let hint = options.schedule_hint.as_deref().unwrap_or("");
        eprintln!("warning: {warning}{hint}");
    }
    let (verb, from) = if resumed {
        (
            "resuming",
            format!(", from step {} (epoch {})", state.step, state.epoch),
        )
    } else {
        ("training", String::new())
    };
    println!(
        "{verb} {} on {} ({} train / {} test rows), {} on {}, optimizer {}, {} steps per epoch{from}",
        model_name(&config.model),
        config.data_name(),
        prepared.train.len(),
        prepared.test.len(),
        options.backend,
        device_name(device),
        config.optimizer.describe(),
        steps_per_epoch,
    );
    let steps = steps_per_epoch.saturating_mul(config.train.epochs);
    if let Some(line) = cycled_momentum_line(config, steps) {
        println!("{line}");
    }
    Ok(())
}

fn model_name(model: &models::ModelConfig) -> String {
    match model {
        models::ModelConfig::Linear(_) => "a linear regressor".into(),
        models::ModelConfig::Mlp(spec) => {
            format!("an MLP (hidden {:?}, {:?})", spec.hidden, spec.activation)
        }
    }
}

/// `Device<Flex(Cpu)>` → `Flex(Cpu)`.
pub fn device_name(device: &burn::tensor::Device) -> String {
    let debug = format!("{device:?}");
    debug
        .strip_prefix("Device<")
        .and_then(|d| d.strip_suffix('>'))
        .unwrap_or(&debug)
        .to_string()
}

fn progress_bar(
    progress: Progress,
    len: u64,
    epoch: u64,
    epochs: u64,
) -> Option<indicatif_bar::Bar> {
    (progress == Progress::Bar).then(|| indicatif_bar::new(len, epoch, epochs))
}

/// The progress bar, kept in one place so the loop reads as the algorithm.
mod indicatif_bar {
    pub type Bar = indicatif::ProgressBar;

    pub fn new(len: u64, epoch: u64, epochs: u64) -> Bar {
        let bar = indicatif::ProgressBar::new(len);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "epoch {prefix} {bar:30} {pos}/{len} steps {msg} eta {eta}",
            )
            .expect("the progress template is valid"),
        );
        bar.set_prefix(format!("{epoch}/{epochs}"));
        bar
    }
}

fn epoch_line(
    r: &EpochRecord,
    epochs: u64,
    samples_per_sec: f64,
    last: Option<&StepRecord>,
) -> String {
    let mut line = format!("epoch {}/{epochs}: train loss {:.4}", r.epoch, r.train_loss);
    if let Some(v) = &r.validation {
        line += &format!(", val loss {:.4}", v.loss);
        if let Some(a) = v.accuracy {
            line += &format!(", accuracy {:.2}%", 100.0 * a);
        }
        if let (Some(rmse), Some(r2)) = (v.rmse, v.r2) {
            line += &format!(", RMSE {rmse:.4}, R² {r2:.4}");
        }
    }
    if let Some(s) = last {
        line += &format!(", lr {:.3e}", s.lr);
    }
    line + &format!(
        ", {samples_per_sec:.0} samples/s, {:.1} s",
        r.elapsed_seconds
    )
}

/// Loss and metrics of `model` on `data` (a plain, non-autodiff device), in batches.
pub fn evaluate(model: &Model, data: &DeviceData, task: Task, batch_size: usize) -> Evaluation {
    let model = model.valid();
    let n = data.len() as f64;
    match task {
        Task::Classification { .. } => {
            let (mut loss_sum, mut correct) = (0.0, 0i64);
            for batch in data.in_order(batch_size) {
                let rows = batch.x.dims()[0] as f64;
                let logits = model.forward(batch.x);
                let Targets::Classes(labels) = batch.y else {
                    unreachable!("classification data has labels")
                };
                let predicted: Tensor<1, burn::tensor::Int> =
                    logits.clone().argmax(1).squeeze_dim(1);
                correct += predicted
                    .equal(labels.clone())
                    .int()
                    .sum()
                    .into_scalar::<i64>();
                loss_sum +=
                    f64::from(loss::cross_entropy(logits, labels).into_scalar::<f32>()) * rows;
            }
            Evaluation {
                loss: loss_sum / n,
                accuracy: Some(correct as f64 / n),
                ..Evaluation::default()
            }
        }
        Task::Regression => {
            let (mut predicted, mut targets) = (Vec::new(), Vec::new());
            for batch in data.in_order(batch_size) {
                let out = model.forward(batch.x);
                let Targets::Values(values) = batch.y else {
                    unreachable!("regression data has values")
                };
                predicted.extend(
                    out.to_data()
                        .try_into_vec_as::<f32>()
                        .expect("float predictions"),
                );
                targets.extend(
                    values
                        .to_data()
                        .try_into_vec_as::<f32>()
                        .expect("float targets"),
                );
            }
            let m = metrics::regression(&predicted, &targets);
            Evaluation {
                loss: m.rmse * m.rmse,
                rmse: Some(m.rmse),
                mae: Some(m.mae),
                r2: Some(m.r2),
                accuracy: None,
            }
        }
    }
}
