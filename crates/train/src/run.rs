//! `harness train` as a library call: a run config's data, model, optimizer and schedule
//! built on the chosen backend and trained by [`crate::fit`], with the start-of-run lines, the
//! final weights in PyTorch's layout and the least-squares yardstick of linear models.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use burn::module::Module;
use burn::tensor::Tensor;
use data::spec::{HostPart, prepare};
use models::batch::{DeviceData, Targets};
use models::{Model, Task, loss, metrics};
use schedules::{Schedule, Scheduler};

use crate::backend::Backend;
use crate::checkpoint::{self, LoopState};
use crate::config::RunConfig;
pub use crate::error::RunError;
use crate::error::output;
use crate::events::EventsAt;
use crate::fit::{Fit, OnDevice, check_new_folder, latest_checkpoint};
pub use crate::fit::{Outcome, Progress, device_name};
use crate::records::Evaluation;
use crate::reference;
use data::files::write_atomically;

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
    /// Where the run's TensorBoard events go (by default its folder).
    pub tensorboard: EventsAt,
}

/// Trains `config` into a new run folder: `config.toml` (the effective config), `metrics.csv`,
/// `metrics.jsonl`, TensorBoard events (or where `options.tensorboard` says), `checkpoints/`,
/// `summary.json`.
///
/// # Errors
/// Bad data, a missing backend, an unwritable or already used folder, a loss that became NaN
/// or infinite, an interruption.
pub fn run(config: &RunConfig, options: &RunOptions) -> Result<Outcome, RunError> {
    check_new_folder(&options.out_dir)?;
    execute(config, options, false)
}

/// The final weights in a run folder, in PyTorch's names and layout ([`models::weights`]).
pub const WEIGHTS: &str = "weights.safetensors";

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
    if latest_checkpoint(out).is_none() {
        return Err(RunError::NoCheckpoint { path: out.clone() });
    }
    if let Some(epochs) = epochs {
        config.train.epochs = epochs;
        let config_path = out.join("config.toml");
        write_atomically(&config_path, config.to_toml().as_bytes())
            .map_err(output(&config_path))?;
    }
    execute(&config, options, true)
}

fn execute(config: &RunConfig, options: &RunOptions, resume: bool) -> Result<Outcome, RunError> {
    let out = &options.out_dir;
    let device = options.backend.device()?;
    let train_device = device.clone().autodiff();
    let prepared = prepare(&config.data, options.data_dir.as_deref())?;
    let task = Task::of(prepared.classes);
    let train_data = DeviceData::from_host(&prepared.train, config.data.normalize, &train_device);
    let test_data = DeviceData::from_host(&prepared.test, config.data.normalize, &device);
    let (seed, batch_size) = (config.train.seed, config.data.batch_size);
    let model = Model::init(
        &config.model,
        prepared.train.width(),
        task,
        seed,
        &train_device,
    )?;
    // A fresh run may start from PyTorch's weights; a resumed one takes its checkpoint's.
    let model = match (config.model.init(), resume) {
        (Some(path), false) => models::weights::load_pytorch(model, path)?,
        _ => model,
    };
    let scheduler = Scheduler::new(Schedule::new(config.schedule.clone())?);
    let batches = OnDevice::new(&train_data, batch_size, seed);
    if options.progress != Progress::Quiet {
        let steps_per_epoch = train_data.num_batches(batch_size) as u64;
        banner(config, options, &prepared, &device, steps_per_epoch, resume)?;
    }
    let mut fit = Fit::new(config.train.clone(), out)
        .with_progress(options.progress)
        .with_labels(options.backend.name(), device_name(&device))
        .with_reference_test_rmse(reference_test_rmse(config, &prepared, task))
        .with_hparams(config.to_toml())
        // The final weights in PyTorch's names and layout, for `load_state_dict`.
        .with_finish(|model: &Model, out: &Path| {
            Ok(models::weights::save_pytorch(model, &out.join(WEIGHTS))?)
        });
    if let Some(stop) = &options.stop {
        fit = fit.with_stop(Arc::clone(stop));
    }
    fit = match options.tensorboard.dir(out) {
        Some(dir) => fit.with_tensorboard(dir),
        None => fit.without_tensorboard(),
    };
    fit = match resume {
        true => fit.resuming(),
        false => fit.with_file("config.toml", config.to_toml()),
    };
    let evaluate = |model: &Model| Ok(evaluate(model, &test_data, task, batch_size));
    let fitted = fit.run(
        model,
        config.optimizer.build(),
        scheduler,
        &batches,
        evaluate,
    )?;
    Ok(fitted.outcome)
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

/// The start-of-run lines: warnings about a schedule sized for another length, what trains on
/// what, and the momentum a schedule sets.
fn banner(
    config: &RunConfig,
    options: &RunOptions,
    prepared: &data::spec::Prepared,
    device: &burn::tensor::Device,
    steps_per_epoch: u64,
    resumed: bool,
) -> Result<(), RunError> {
    for warning in schedule_warnings(config, steps_per_epoch)? {
        let hint = options.schedule_hint.as_deref().unwrap_or("");
        eprintln!("warning: {warning}{hint}");
    }
    let from_state = match latest_checkpoint(&options.out_dir) {
        Some(folder) if resumed => Some(checkpoint::load_state(&folder)?.0),
        _ => None,
    };
    let (verb, from) = if let Some(LoopState { step, epoch, .. }) = from_state {
        ("resuming", format!(", from step {step} (epoch {epoch})"))
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
