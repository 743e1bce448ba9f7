//! The training loop on any model: [`Fit`] trains a [`Trainable`] model with a
//! [`ScheduledOptimizer`] at the LR of a [`Scheduler`], on batches from an [`EpochBatches`],
//! into a run folder (`metrics.csv`, `metrics.jsonl`, a TensorBoard event file,
//! `checkpoints/`, `summary.json`), and
//! continues an interrupted run from its latest checkpoint exactly. burn's `Learner` cannot
//! feed the loss to a schedule, so the loop is ours: each step takes its LR from the schedule
//! and a loss-driven schedule observes the loss. `harness train` is [`crate::run`], which
//! builds the model, data and optimizer of a run config and calls this.
//!
//! ```no_run
//! # fn main() -> Result<(), train::run::RunError> {
//! use models::batch::DeviceData;
//! use schedules::Scheduler;
//! use schedules::kinds::cosine::CosineConfig;
//! use train::config::TrainSpec;
//! use train::fit::{Fit, OnDevice};
//! use train::optimizer::OptimizerSpec;
//! use train::records::Evaluation;
//! # let (model, data, test): (models::Model, DeviceData, DeviceData) = todo!();
//!
//! let scheduler = Scheduler::try_from(CosineConfig::new(0.1, 2345))?;
//! let fitted = Fit::new(TrainSpec::default().with_epochs(5), "runs/mine").run(
//!     model,
//!     OptimizerSpec::sgd_momentum(0.9).build(),
//!     scheduler,
//!     &OnDevice::new(&data, 128, 0),
//!     |model| Ok(Evaluation::of_loss(my_validation_loss(model, &test))),
//! )?;
//! println!("final train loss {:?}", fitted.outcome.summary.final_train_loss);
//! # Ok(()) }
//! # fn my_validation_loss(_: &models::Model, _: &models::batch::DeviceData) -> f64 { 0.0 }
//! ```

mod batches;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use burn::module::Module;
use data::files::write_atomically;
use models::Trainable;
use schedules::Scheduler;

#[cfg(feature = "dataloader")]
pub use batches::Loader;
pub use batches::{BatchError, EpochBatches, OnDevice};

use crate::checkpoint::{self, LoopState};
use crate::config::TrainSpec;
use crate::error::{RunError, output};
use crate::events::{EventsSpec, event_files};
use crate::records::{
    BURN_VERSION, EpochRecord, Evaluation, MetricsWriter, StepRecord, Summary, read_history,
};
use crate::torch_optim::ScheduledOptimizer;
use crate::trainer::{Decision, Diverged, Trainer};

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

/// What a finished run produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub steps: Vec<StepRecord>,
    pub epochs: Vec<EpochRecord>,
    /// `summary.json`.
    pub summary: Summary,
}

/// A finished run: the trained model and the run's records.
#[derive(Debug)]
pub struct Fitted<M> {
    pub model: M,
    pub outcome: Outcome,
}

/// Writes a finished run's own files (its weights in another format, say) before
/// `summary.json` marks the run finished.
type Finish<'a, M> = Box<dyn FnOnce(&M, &Path) -> Result<(), RunError> + 'a>;

/// Sees each epoch's record.
type OnEpoch<'a> = Box<dyn FnMut(&EpochRecord) + 'a>;

/// A training run into the folder `out`: how long and what a loss-driven schedule observes
/// ([`TrainSpec`]), how it reports, and whether it continues an interrupted run.
pub struct Fit<'a, M> {
    train: TrainSpec,
    out: PathBuf,
    progress: Progress,
    stop: Option<Arc<AtomicBool>>,
    resume: bool,
    files: Vec<(String, Vec<u8>)>,
    backend: Option<String>,
    device: Option<String>,
    reference_test_rmse: Option<f64>,
    finish: Option<Finish<'a, M>>,
    on_epoch: Option<OnEpoch<'a>>,
    /// `None`: the run folder.
    events_dir: Option<PathBuf>,
    events: bool,
    hparams: Option<String>,
}

/// Refuses a folder that already holds a run (its config, metrics or summary).
///
/// # Errors
/// [`RunError::OutputExists`].
pub fn check_new_folder(out: &Path) -> Result<(), RunError> {
    let used = ["config.toml", "metrics.csv", "summary.json"];
    if used.iter().any(|name| out.join(name).exists()) {
        return Err(RunError::OutputExists {
            path: out.to_path_buf(),
        });
    }
    Ok(())
}

/// The latest checkpoint of the run folder `out`, if any.
pub fn latest_checkpoint(out: &Path) -> Option<PathBuf> {
    let latest = *checkpoint::present(out).last()?;
    Some(checkpoint::folder(out, latest))
}

impl<'a, M: Module> Fit<'a, M> {
    /// A new run of `train` into `out`, which must not hold a run yet; progress as
    /// [`Progress::auto`].
    pub fn new(train: TrainSpec, out: impl Into<PathBuf>) -> Self {
        Self {
            train,
            out: out.into(),
            progress: Progress::auto(),
            stop: None,
            resume: false,
            files: Vec::new(),
            backend: None,
            device: None,
            reference_test_rmse: None,
            finish: None,
            on_epoch: None,
            events_dir: None,
            events: true,
            hparams: None,
        }
    }

    /// Continues the run in `out` from its latest checkpoint instead (`train` may extend its
    /// epochs): the result is the run that never stopped, bit for bit on the CPU backends, when
    /// the model, optimizer, schedule and batches are built as for the first start.
    pub fn resuming(mut self) -> Self {
        self.resume = true;
        self
    }

    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = progress;
        self
    }

    /// Stops after the step in progress, with a checkpoint, once `stop` is set (by a Ctrl-C
    /// handler, say): [`RunError::Interrupted`].
    pub fn with_stop(mut self, stop: Arc<AtomicBool>) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Writes `contents` into a new run's folder as `name` (its config, say) when the folder
    /// is made, before the first step.
    pub fn with_file(mut self, name: impl Into<String>, contents: impl Into<Vec<u8>>) -> Self {
        self.files.push((name.into(), contents.into()));
        self
    }

    /// The backend and device `summary.json` names (by default, the device's name for both).
    pub fn with_labels(mut self, backend: impl Into<String>, device: impl Into<String>) -> Self {
        self.backend = Some(backend.into());
        self.device = Some(device.into());
        self
    }

    /// A yardstick `summary.json` records beside the test metrics (the least-squares RMSE of a
    /// linear model, say).
    pub fn with_reference_test_rmse(mut self, rmse: Option<f64>) -> Self {
        self.reference_test_rmse = rmse;
        self
    }

    /// Calls `on_epoch` with each epoch's record once it is written (for a plot or a log of
    /// one's own; [`Progress::Quiet`] then keeps the loop from printing).
    pub fn with_on_epoch(mut self, on_epoch: impl FnMut(&EpochRecord) + 'a) -> Self {
        self.on_epoch = Some(Box::new(on_epoch));
        self
    }

    /// Writes the run's TensorBoard events ([`crate::events`]) into `dir` instead of the run
    /// folder: a folder of this run's own (`tensorboard --logdir` shows each folder as a run).
    pub fn with_tensorboard(mut self, dir: impl Into<PathBuf>) -> Self {
        self.events_dir = Some(dir.into());
        self.events = true;
        self
    }

    /// Writes no TensorBoard events.
    pub fn without_tensorboard(mut self) -> Self {
        self.events = false;
        self
    }

    /// The hyper-parameters the events start with, as text (the run's config, say).
    pub fn with_hparams(mut self, text: impl Into<String>) -> Self {
        self.hparams = Some(text.into());
        self
    }

    /// Runs `finish` on the trained model and the run folder before `summary.json` is written.
    pub fn with_finish(
        mut self,
        finish: impl FnOnce(&M, &Path) -> Result<(), RunError> + 'a,
    ) -> Self {
        self.finish = Some(Box::new(finish));
        self
    }

    /// Trains `model` with `optimizer` at the LR of `scheduler` on `data`'s batches:
    /// `evaluate` gives the validation figures every `eval_every` epochs (and after the last,
    /// which early stopping and a schedule observing the validation loss read) and the test
    /// figures of `summary.json`; an error there (a validation batch that cannot be made)
    /// ends the run. The model trains on the device its parameters are on.
    ///
    /// # Errors
    /// An unwritable or already used folder, a missing or unreadable checkpoint, a batch that
    /// cannot be made, a loss that became NaN or infinite (the last checkpoint is kept), an
    /// interruption (a checkpoint is saved).
    pub fn run<B>(
        mut self,
        model: M,
        optimizer: ScheduledOptimizer,
        scheduler: Scheduler,
        data: &dyn EpochBatches<B>,
        mut evaluate: impl FnMut(&M) -> Result<Evaluation, BatchError>,
    ) -> Result<Fitted<M>, RunError>
    where
        M: Trainable<B>,
    {
        let started = Instant::now();
        let out = self.out.as_path();
        let device = model.devices().into_iter().next();
        let device = device.ok_or(RunError::NoParameters)?;
        let steps_per_epoch = data.steps_per_epoch();
        if steps_per_epoch == 0 {
            return Err(RunError::NoBatches);
        }
        let mut trainer = Trainer::new(model, optimizer, scheduler, &device, &self.train);
        let events = self.events.then(|| EventsSpec {
            dir: self.events_dir.clone().unwrap_or_else(|| out.to_path_buf()),
            hparams: self.hparams.clone(),
        });
        let mut run = match self.resume {
            false => {
                check_new_folder(out)?;
                if let Some(spec) = &events
                    && !event_files(&spec.dir).is_empty()
                {
                    return Err(RunError::EventsExist {
                        path: spec.dir.clone(),
                    });
                }
                Records::start(out, &self.files, events.as_ref())?
            }
            true => {
                let folder = latest_checkpoint(out).ok_or_else(|| RunError::NoCheckpoint {
                    path: out.to_path_buf(),
                })?;
                let state = trainer.restore(&folder)?;
                Records::resume(out, state, events.as_ref())?
            }
        };
        let epochs = self.train.epochs;
        while run.state.epoch <= epochs {
            let epoch = run.state.epoch;
            let bar = (self.progress == Progress::Bar)
                .then(|| indicatif_bar::new(steps_per_epoch, epoch, epochs));
            if let Some(bar) = &bar {
                bar.set_position(run.state.batch);
            }
            let epoch_start = Instant::now();
            let steps_of = EpochSteps {
                data,
                steps_per_epoch,
                out,
                stop: self.stop.as_deref(),
            };
            let pending = match steps_of.run(&mut trainer, &mut run, bar.as_ref())? {
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
                        step: run.state.step,
                        checkpoint,
                        run: out.to_path_buf(),
                    });
                }
            };
            let train_loss = run.state.epoch_loss_sum / steps_per_epoch as f64;
            let last_epoch = epoch == epochs;
            let validation = (epoch % self.train.eval_every.max(1) == 0 || last_epoch)
                .then(|| evaluate(trainer.model()))
                .transpose()
                .map_err(|source| RunError::Evaluate { epoch, source })?;
            trainer.end_epoch(train_loss, validation.as_ref().map(|v| v.loss));
            let record = EpochRecord {
                epoch,
                train_loss,
                validation,
                elapsed_seconds: started.elapsed().as_secs_f64(),
            };
            if let Some(p) = pending {
                run.writer.step(&p, Some(&record)).map_err(output(out))?;
            }
            run.writer.epoch(&record).map_err(output(out))?;
            if let Some(on_epoch) = &mut self.on_epoch {
                on_epoch(&record);
            }
            let samples_per_sec =
                data.samples_per_epoch() as f64 / epoch_start.elapsed().as_secs_f64().max(1e-9);
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            if self.progress != Progress::Quiet {
                let line = epoch_line(&record, epochs, samples_per_sec, run.steps.last());
                println!("{line}");
            }
            let decision = record.validation.as_ref().map_or(Decision::Continue, |v| {
                run.state.early.update(epoch, v.loss, self.train.patience)
            });
            run.epochs.push(record);
            (run.state.epoch, run.state.batch, run.state.epoch_loss_sum) = (epoch + 1, 0, 0.0);
            trainer.save(out, &run.state)?;
            drop_old_checkpoints(out, &run.state, steps_per_epoch);
            if decision == Decision::Stop {
                if self.progress != Progress::Quiet {
                    let since = run.state.early.since_best;
                    println!("early stop: no better validation loss for {since} evaluations");
                }
                break;
            }
            let interrupted = self.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst));
            if interrupted && run.state.epoch <= epochs {
                return Err(RunError::Interrupted {
                    step: run.state.step,
                    checkpoint: checkpoint::folder(out, run.state.step),
                    run: out.to_path_buf(),
                });
            }
        }

        let model = trainer.into_model();
        if let Some(finish) = self.finish {
            finish(&model, out)?;
        }
        let test = evaluate(&model).map_err(|source| RunError::Evaluate {
            epoch: run.state.epoch.saturating_sub(1),
            source,
        })?;
        let device_label = device_name(&device);
        let summary = Summary {
            backend: self.backend.unwrap_or_else(|| device_label.clone()),
            best_epoch: run.state.early.best_epoch,
            burn_version: BURN_VERSION.to_string(),
            device: self.device.unwrap_or(device_label),
            epochs_completed: run.epochs.len(),
            final_train_loss: run.epochs.last().map(|e| e.train_loss),
            harness_version: env!("CARGO_PKG_VERSION").to_string(),
            reference_test_rmse: self.reference_test_rmse,
            seed: self.train.seed,
            steps: run.state.step,
            test_accuracy: test.accuracy,
            test_loss: test.loss,
            test_mae: test.mae,
            test_r2: test.r2,
            test_rmse: test.rmse,
            wall_seconds: started.elapsed().as_secs_f64(),
        };
        let path = out.join("summary.json");
        write_atomically(&path, summary.to_json().as_bytes()).map_err(output(&path))?;
        let outcome = Outcome {
            steps: run.steps,
            epochs: run.epochs,
            summary,
        };
        Ok(Fitted { model, outcome })
    }
}

/// A run's position and what it has recorded: the loop state, the step and epoch records so
/// far, and the writer of `metrics.csv` and `metrics.jsonl`.
struct Records {
    state: LoopState,
    steps: Vec<StepRecord>,
    epochs: Vec<EpochRecord>,
    writer: MetricsWriter,
}

impl Records {
    /// Makes the folder of a new run with `files` and empty metrics files. Nothing is written
    /// before, so a run that cannot start leaves no folder.
    fn start(
        out: &Path,
        files: &[(String, Vec<u8>)],
        events: Option<&EventsSpec>,
    ) -> Result<Self, RunError> {
        std::fs::create_dir_all(out).map_err(output(out))?;
        for (name, contents) in files {
            let path = out.join(name);
            write_atomically(&path, contents).map_err(output(&path))?;
        }
        Ok(Self {
            state: LoopState::start(),
            steps: Vec::new(),
            epochs: Vec::new(),
            writer: MetricsWriter::create(out, events).map_err(output(out))?,
        })
    }

    /// The records of the run in `out` up to its checkpoint at `state`, the metrics files cut
    /// and events cut back to them.
    fn resume(out: &Path, state: LoopState, events: Option<&EventsSpec>) -> Result<Self, RunError> {
        let (steps, epochs) = read_history(out, state.step, state.epoch)?;
        let writer = MetricsWriter::rewrite(out, events, &steps, &epochs).map_err(output(out))?;
        Ok(Self {
            state,
            steps,
            epochs,
            writer,
        })
    }
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

/// What the steps of one epoch need besides the trainer and the records.
struct EpochSteps<'a, B> {
    data: &'a dyn EpochBatches<B>,
    steps_per_epoch: u64,
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

impl<B> EpochSteps<'_, B> {
    /// Steps the epoch `run.state.epoch` from its batch `run.state.batch` on: a row per step
    /// (each written once the next exists, so that the epoch's last row can carry its
    /// validation figures), the step records, the bar.
    fn run<M: Trainable<B>>(
        &self,
        trainer: &mut Trainer<M>,
        run: &mut Records,
        bar: Option<&indicatif_bar::Bar>,
    ) -> Result<Ended, RunError> {
        let (out, epoch) = (self.out, run.state.epoch);
        let mut pending: Option<StepRecord> = None;
        let flush_pending =
            |writer: &mut MetricsWriter, pending: &mut Option<StepRecord>| match pending.take() {
                Some(p) => writer.step(&p, None).map_err(output(out)),
                None => Ok(()),
            };
        for batch in self.data.epoch(epoch, run.state.batch) {
            let t0 = Instant::now();
            let (batch, rows) = batch.map_err(|source| RunError::Batch {
                epoch,
                batch: run.state.batch,
                source,
            })?;
            let mut record = match trainer.step(batch, run.state.step, epoch) {
                Ok(record) => record,
                Err(d) => {
                    flush_pending(&mut run.writer, &mut pending)?;
                    let _ = run.writer.flush();
                    return Ok(Ended::Diverged(d));
                }
            };
            record.samples_per_sec = rows as f64 / t0.elapsed().as_secs_f64().max(1e-9);
            if let Some(p) = pending.replace(record.clone()) {
                run.writer.step(&p, None).map_err(output(out))?;
            }
            if let Some(bar) = bar {
                let (value, lr, sps) = (record.train_loss, record.lr, record.samples_per_sec);
                bar.set_message(format!("loss {value:.4} lr {lr:.3e} {sps:.0} samples/s"));
                bar.inc(1);
            }
            run.state.epoch_loss_sum += record.train_loss;
            run.steps.push(record);
            run.state.step += 1;
            run.state.batch += 1;
            let stop = self.stop.is_some_and(|s| s.load(Ordering::SeqCst));
            if stop && run.state.batch < self.steps_per_epoch {
                flush_pending(&mut run.writer, &mut pending)?;
                run.writer.flush().map_err(output(out))?;
                let checkpoint = trainer.save(out, &run.state)?;
                return Ok(Ended::Interrupted(checkpoint));
            }
        }
        if run.state.batch != self.steps_per_epoch {
            return Err(RunError::EpochLength {
                epoch,
                expected: self.steps_per_epoch,
                got: run.state.batch,
            });
        }
        Ok(Ended::Complete(pending))
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
