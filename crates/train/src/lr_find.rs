//! The LR range test on the harness's models and data. [`find`] prepares the data once and
//! then, for each seed, builds the model and optimizer of the run config and runs
//! [`lr_find::RangeTest`] on them ([`sweep_model`], [`probe_model`]): the range test any burn
//! user runs on their own model, with the harness's batches, loss and dropout seeds. The sweep
//! works on clones: the model and optimizer it starts from are never changed, so a caller can
//! train from them right after. When the run the config describes is much longer than the
//! sweep, [`find`] checks the recommendation at a longer horizon ([`lr_find::horizon`]) with the
//! harness's own [`Trainer`], once under a constant LR and once under the one-cycle schedule
//! `--write-config` writes: [`Finding::lr_for`] gives each plan's LR.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::torch_optim::ScheduledOptimizer;
use burn::tensor::Tensor;
use data::spec::{DataSpec, DatasetName, prepare};
use lr_find::{
    Confidence, Consensus, ConstantCheck, FinderConfig, HorizonPlan, HorizonReport, ProbeReport,
    RangeTest, RangeTestError, SeedAgreement, Suggestions, Sweep, agree_across_seeds,
};
use models::batch::Batch;
use models::batch::DeviceData;
use models::{Model, ModelConfig, Task};
use schedules::kinds::constant::ConstantConfig;
use schedules::kinds::cosine::CosineConfig;
use schedules::kinds::one_cycle::OneCycleConfig;
use schedules::{Schedule, ScheduleConfig, Scheduler};

use crate::backend::Backend;
use crate::config::RunConfig;
use crate::optimizer::OptimizerSpec;
use crate::run::{RunError, device_name, evaluate};
use crate::trainer::{Trainer, step_seed};

/// What to sweep.
#[derive(Clone, Debug)]
pub struct FindSpec {
    /// Data, model, optimizer, batch size and seed; its schedule is ignored.
    pub base: RunConfig,
    pub finder: FinderConfig,
    /// Mini-batches whose gradients make one optimizer step (the loss is their mean).
    pub accumulate: usize,
    /// Read the loss on held-out rows after each step instead of the training batch's.
    pub validation: bool,
    /// Sweeps with seeds `base.train.seed`, `+1`, ...: each draws its own initial weights and
    /// batch order.
    pub seeds: usize,
    /// Check the recommendation with a short run from the first seed's starting weights
    /// ([`lr_find::probe`]), halving it until the loss falls.
    pub probe: bool,
    /// Check the recommendation at a longer horizon when the run of `base` (its epochs) is much
    /// longer than the sweep ([`lr_find::horizon`]).
    pub horizon: bool,
}

/// Writes the sweeps of `finding` as TensorBoard events into `dir` ([`crate::events`]): for one
/// seed into `dir` itself, for several into `dir/seed-<seed>` each. At each sweep step (an
/// optimizer step) the scalars `lr_find/loss`, `lr_find/smoothed` and `lr`; as text the sweep's
/// run config (`hparams`) and the seed's recommendation (`recommendation`). Event files an
/// earlier sweep left in those folders are replaced. The files written.
///
/// # Errors
/// A folder cannot be made or written.
pub fn write_events(
    finding: &Finding,
    spec: &FindSpec,
    dir: &Path,
) -> std::io::Result<Vec<PathBuf>> {
    let several = finding.runs.len() > 1;
    let hparams = crate::events::code_block(&spec.base.to_toml());
    let mut files = Vec::new();
    for run in &finding.runs {
        let folder = match several {
            true => dir.join(format!("seed-{}", run.seed)),
            false => dir.to_path_buf(),
        };
        let file = crate::events::replace_events(&folder, |events| {
            events.text(crate::events::HPARAMS_TAG, 0, &hparams)?;
            let mut recommendation = match run.consensus.recommended_lr {
                Some(lr) => format!(
                    "this seed's sweep: LR {lr:.4e} ({} confidence)",
                    run.consensus.confidence.name()
                ),
                None => format!("this seed's sweep: no LR: {}", run.consensus.reason),
            };
            if let Some(lr) = finding.agreement.recommended_lr {
                let agreement = &finding.agreement;
                let probed = if finding.probe.is_some() {
                    ", probed"
                } else {
                    ""
                };
                recommendation += &format!(
                    "\n\nrecommended (all seeds{probed}): LR {lr:.4e} ({} confidence)",
                    agreement.confidence.name()
                );
            }
            events.text("recommendation", 0, &recommendation)?;
            for (step, p) in run.sweep.points.iter().enumerate() {
                let values = [
                    ("lr_find/loss", p.loss),
                    ("lr_find/smoothed", p.smoothed),
                    ("lr", p.lr),
                ];
                events.scalars(step as u64, &values)?;
            }
            Ok(())
        })?;
        files.push(file);
    }
    Ok(files)
}

/// Rows held out for `--val`: a tenth of the training rows, at most this many.
pub const VALIDATION_ROWS: usize = 2000;

/// One seed's sweep and what was read off it.
#[derive(Clone, Debug)]
pub struct SeedSweep {
    pub seed: u64,
    pub sweep: Sweep,
    /// Read off the smoothed loss.
    pub suggestions: Suggestions,
    pub consensus: Consensus,
    pub seconds: f64,
}

/// Everything a sweep found.
#[derive(Clone, Debug)]
pub struct Finding {
    pub runs: Vec<SeedSweep>,
    /// The recommendation across seeds (with one seed, that seed's).
    pub agreement: SeedAgreement,
    /// Optimizer steps per epoch of a training run on the same data and batch size.
    pub steps_per_epoch: u64,
    pub train_rows: usize,
    pub backend: String,
    pub device: String,
    /// The probes of the recommendation, when asked for and there was one to check. The
    /// agreement's LR is then the confirmed one.
    pub probe: Option<ProbedRecommendation>,
    /// The check at a longer horizon, when asked for and the run is long enough to need it.
    /// The agreement's LR is then the constant LR it chose.
    pub horizon: Option<HorizonCheck>,
    /// What the sweeps' LR was multiplied by for the optimizer's heavy-ball momentum
    /// ([`heavy_ball_factor`]): 1 for none.
    pub momentum_factor: f64,
    /// From the call to the end: data loading, the sweeps and the checks.
    pub elapsed_seconds: f64,
}

/// The check of the sweep's recommendation.
#[derive(Clone, Debug)]
pub struct ProbedRecommendation {
    /// What the sweeps recommended before the probe.
    pub swept_lr: f64,
    pub report: ProbeReport,
    pub seconds: f64,
}

/// The check of the recommendation at the run's horizon ([`lr_find::horizon::plan`]), from the
/// first seed's starting weights, on the training rows less the held-out ones.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HorizonCheck {
    /// The LR checked: the sweep's recommendation, after its probe.
    pub checked_lr: f64,
    /// What was trained, in optimizer steps.
    pub plan: HorizonPlan,
    /// The constant LR: raced over the whole run from the starting weights, or held for the
    /// horizon from the weights of the best annealed run ([`HorizonPlan::constant`]).
    pub constant: HorizonReport,
    /// The one-cycle schedule of [`Plan::OneCycle`] over the horizon from the starting weights,
    /// on the recommendation's scale (`max_lr` = LR × [`one_cycle_factor`]); `None` when the run
    /// is too short for it (the checked LR stands).
    pub annealed: Option<HorizonReport>,
    /// Rows the losses at the horizon were read on.
    pub held_out_rows: usize,
    pub seconds: f64,
}

impl HorizonCheck {
    /// The LR for annealed schedules (one-cycle, cosine): the annealed check's choice, or the
    /// LR checked when the run was too short for that check.
    pub fn annealed_lr(&self) -> Option<f64> {
        self.annealed
            .as_ref()
            .map_or(Some(self.checked_lr), |a| a.chosen_lr)
    }

    /// The confidence a recommendation of confidence `swept` keeps: none when no constant LR
    /// trains to the horizon; at most medium when either LR lies more than one halving below
    /// the one checked (the sweep was misleading for this run); else `swept`.
    pub fn confidence_after(&self, swept: Confidence) -> Confidence {
        let moved = |lr: Option<f64>| lr.is_some_and(|lr| self.checked_lr / lr > 2.5);
        if self.constant.chosen_lr.is_none() {
            Confidence::None
        } else if moved(self.constant.chosen_lr) || moved(self.annealed_lr()) {
            swept.min(Confidence::Medium)
        } else {
            swept
        }
    }
}

impl Finding {
    /// The LR to train `plan` with: after a horizon check, the one it chose for a constant
    /// LR, or for an annealed schedule (one-cycle, cosine); else the recommendation.
    pub fn lr_for(&self, plan: Plan) -> Option<f64> {
        match (&self.horizon, plan) {
            (Some(h), Plan::Constant) => h.constant.chosen_lr,
            (Some(h), Plan::OneCycle | Plan::Cosine) => h.annealed_lr(),
            (None, _) => self.agreement.recommended_lr,
        }
    }
}

/// The data and settings a sweep steps through.
pub struct SweepInput<'a> {
    /// Training rows on the autodiff device.
    pub train: &'a DeviceData,
    /// Held-out rows (plain device) for the validation loss, or `None` for the batch loss.
    pub validation: Option<&'a DeviceData>,
    pub task: Task,
    pub batch_size: usize,
    pub accumulate: usize,
    /// Batch order and dropout.
    pub seed: u64,
}

impl SweepInput<'_> {
    /// The range test of `finder` with the input's accumulation and a training run's random
    /// numbers (dropout: the device reseeded before each step, as the trainer does).
    fn range_test(&self, finder: &FinderConfig) -> RangeTest<'_, Model> {
        let device = self.train.features.device();
        RangeTest::new(finder.clone())
            .with_accumulation(self.accumulate)
            .with_before_step(move |step| device.seed(step_seed(self.seed, step)))
    }

    /// The training batches, epoch after shuffled epoch, without end.
    fn batches(&self) -> impl Iterator<Item = Batch> + '_ {
        (0u64..).flat_map(|epoch| self.train.epoch(self.batch_size, self.seed, epoch))
    }
}

/// Sweeps `finder`'s ramp from `model` and `optimizer` (neither is changed) through
/// [`lr_find::RangeTest::sweep`]: each point is the step a training run takes
/// ([`lr_find::mean_gradients`] over `--accumulate` batches, then the optimizer), at the ramp's
/// LR. `on_step(step, lr, loss)` sees each step, e.g. for a progress bar.
///
/// # Errors
/// A finder setting out of range.
pub fn sweep_model(
    model: &Model,
    optimizer: &ScheduledOptimizer,
    input: &SweepInput<'_>,
    finder: &FinderConfig,
    on_step: impl FnMut(u64, f64, f64),
) -> Result<Sweep, RangeTestError> {
    let mut test = input.range_test(finder).with_on_step(on_step);
    if let Some(held_out) = input.validation {
        test = test.with_held_out(move |model| evaluate(model, held_out, input.task, 1024).loss);
    }
    test.sweep(model, optimizer, input.batches(), loss_of)
}

/// Probes `lr` ([`lr_find::RangeTest::probe`]) from `model` and `optimizer` (neither is
/// changed) on the batches a sweep would take, with the training loss.
///
/// # Errors
/// Batches that run out (the input's never do).
pub fn probe_model(
    model: &Model,
    optimizer: &ScheduledOptimizer,
    input: &SweepInput<'_>,
    finder: &FinderConfig,
    lr: f64,
) -> Result<ProbeReport, RangeTestError> {
    let mut test = input.range_test(finder);
    test.probe(model, optimizer, lr, || input.batches(), loss_of)
}

/// The held-out loss after `steps` optimizer steps of `schedule` from `model` (a copy), trained
/// by the harness's [`Trainer`] exactly as a run trains (optimizer, momentum cycling, dropout
/// seeds) on the input's batches, with the trained model; `None` when the loss became NaN or
/// infinite.
///
/// # Errors
/// A schedule the settings reject.
pub fn horizon_run(
    model: &Model,
    base: &RunConfig,
    schedule: ScheduleConfig,
    steps: u64,
    input: &SweepInput<'_>,
    held_out: &DeviceData,
) -> Result<Option<(f64, Model)>, RunError> {
    let scheduler = Scheduler::new(Schedule::new(schedule)?);
    let device = input.train.features.device();
    let optimizer = base.optimizer.build();
    let mut trainer = Trainer::new(model.clone(), optimizer, scheduler, &device, &base.train);
    let epoch_steps = (input.train.num_batches(input.batch_size) as u64)
        .div_ceil(input.accumulate.max(1) as u64)
        .max(1);
    let mut batches = input.batches();
    for step in 0..steps {
        let micro: Vec<Batch> = batches.by_ref().take(input.accumulate.max(1)).collect();
        if trainer
            .step_accumulated(micro.into_iter(), step, step / epoch_steps)
            .is_err()
        {
            return Ok(None);
        }
    }
    let loss = evaluate(trainer.model(), held_out, input.task, 1024).loss;
    Ok(loss.is_finite().then(|| (loss, trainer.into_model())))
}

/// Runs the horizon checks of `lr` that `plan` asks for: the one-cycle schedule over the horizon
/// at `lr` × [`one_cycle_factor`] from the starting weights ([`lr_find::horizon::race`]); then
/// the constant LR, raced the same way over the whole run, or held from the weights of the best
/// one-cycle run ([`lr_find::horizon::hold`]) from the annealed LR down.
///
/// # Errors
/// A schedule the settings reject.
pub fn check_horizon(
    model: &Model,
    base: &RunConfig,
    lr: f64,
    plan: HorizonPlan,
    input: &SweepInput<'_>,
    held_out: &DeviceData,
) -> Result<HorizonCheck, RunError> {
    let started = Instant::now();
    let factor = one_cycle_factor(&base.optimizer);
    let mut settled: Option<(f64, Model)> = None;
    let annealed = match plan.annealed_steps {
        Some(steps) => Some(lr_find::horizon::race(steps, lr, |at| {
            let schedule = OneCycleConfig::new(at * factor, steps).into();
            let run = horizon_run(model, base, schedule, steps, input, held_out)?;
            Ok::<_, RunError>(run.map(|(loss, trained)| {
                if settled.as_ref().is_none_or(|(best, _)| loss < *best) {
                    settled = Some((loss, trained));
                }
                loss
            }))
        })?),
        None => None,
    };
    let steps = plan.constant_steps();
    let held = |from: &Model, at: f64| {
        let schedule = ConstantConfig::new(at).into();
        Ok::<_, RunError>(horizon_run(from, base, schedule, steps, input, held_out)?.map(|r| r.0))
    };
    // The hold starts from what the one-cycle race chose (no fallback to the LR checked: without
    // a one-cycle run that trained there are no weights to hold).
    let annealed_choice = annealed.as_ref().and_then(|a| a.chosen_lr);
    let constant = match (plan.constant, &settled, annealed_choice) {
        (ConstantCheck::WholeRun, _, _) => lr_find::horizon::race(steps, lr, |at| held(model, at))?,
        (ConstantCheck::Hold, Some((loss, weights)), Some(from)) => {
            lr_find::horizon::hold(steps, from, *loss, |at| held(weights, at))?
        }
        (ConstantCheck::Hold, ..) => HorizonReport {
            steps,
            attempts: Vec::new(),
            chosen_lr: None,
        },
    };
    Ok(HorizonCheck {
        checked_lr: lr,
        plan,
        constant,
        annealed,
        held_out_rows: held_out.len(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The loss of a batch, as a training run computes it.
fn loss_of(model: &Model, batch: Batch) -> Tensor<1> {
    batch.y.loss(model.forward(batch.x))
}

/// Puts the probe's verdict into the recommendation: the confirmed LR; after a back-off a
/// confidence of at most low; none when no probe passed.
pub fn apply_probe(agreement: &mut SeedAgreement, report: &ProbeReport) {
    agreement.recommended_lr = report.confirmed_lr;
    agreement.confidence = report.confidence_after(agreement.confidence);
}

/// Runs the LR range test of `spec` on `backend`, `spec.seeds` times. `on_step(seed index,
/// step, lr, loss)` sees every step.
///
/// # Errors
/// Bad settings, missing data or backend.
pub fn find(
    spec: &FindSpec,
    backend: Backend,
    data_dir: Option<&std::path::Path>,
    mut on_step: impl FnMut(usize, u64, f64, f64),
) -> Result<Finding, RunError> {
    let started = Instant::now();
    spec.finder.validate()?;
    let device = backend.device()?;
    let train_device = device.clone().autodiff();
    let config = &spec.base;
    let prepared = prepare(&config.data, data_dir)?;
    let task = Task::of(prepared.classes);
    let all_train = DeviceData::from_host(&prepared.train, config.data.normalize, &train_device);
    let batch_size = config.data.batch_size.max(1);
    let steps_per_epoch = all_train.num_batches(batch_size) as u64;
    // Optimizer steps of the run the config describes, and the horizon it is checked at.
    let epoch_steps = steps_per_epoch.div_ceil(spec.accumulate.max(1) as u64);
    let run_steps = config.train.epochs.saturating_mul(epoch_steps);
    let horizon_plan = spec
        .horizon
        .then(|| lr_find::horizon::plan(run_steps, epoch_steps, spec.finder.ramp.num_iters))
        .flatten();
    // The last rows of the training part (shuffled: the split of tabular data is seeded, and
    // MNIST's files are not in label order) are held out: with --val the sweep reads its loss
    // on them and never trains on them; the horizon check always does. The parts are copies of
    // the rows, made only when one of them reads them.
    let n = all_train.len();
    let held = (n / 10).clamp(1, VALIDATION_ROWS).min(n.saturating_sub(1));
    let split = (spec.validation || horizon_plan.is_some()).then(|| {
        (
            all_train.part(0, n - held),
            all_train.part(n - held, n).without_autodiff(),
        )
    });
    let (train, held_out) = match &split {
        Some((fit_rows, validation)) if spec.validation => {
            (fit_rows.clone(), Some(validation.clone()))
        }
        _ => (all_train, None),
    };
    let mut runs = Vec::with_capacity(spec.seeds);
    // The probe starts from the first seed's weights.
    let mut first_model = None;
    for i in 0..spec.seeds.max(1) {
        let t0 = Instant::now();
        let seed = config.train.seed + i as u64;
        let model = Model::init(
            &config.model,
            prepared.train.width(),
            task,
            seed,
            &train_device,
        )?;
        let optimizer = config.optimizer.build();
        let input = SweepInput {
            train: &train,
            validation: held_out.as_ref(),
            task,
            batch_size,
            accumulate: spec.accumulate,
            seed,
        };
        let sweep = sweep_model(
            &model,
            &optimizer,
            &input,
            &spec.finder,
            |step, lr, loss| on_step(i, step, lr, loss),
        )?;
        first_model.get_or_insert(model);
        let analysis = sweep.analyze();
        runs.push(SeedSweep {
            seed,
            sweep,
            suggestions: analysis.suggestions,
            consensus: analysis.consensus,
            seconds: t0.elapsed().as_secs_f64(),
        });
    }
    let per_seed: Vec<Consensus> = runs.iter().map(|r| r.consensus.clone()).collect();
    let mut agreement = agree_across_seeds(&per_seed);
    let momentum_factor = heavy_ball_factor(&config.optimizer);
    agreement.recommended_lr = agreement.recommended_lr.map(|lr| lr * momentum_factor);
    let probe = match (spec.probe, agreement.recommended_lr, first_model.as_ref()) {
        (true, Some(swept_lr), Some(model)) => {
            let t0 = Instant::now();
            let seed = config.train.seed;
            let optimizer = config.optimizer.build();
            let input = SweepInput {
                train: &train,
                validation: None,
                task,
                batch_size,
                accumulate: spec.accumulate,
                seed,
            };
            let report = probe_model(model, &optimizer, &input, &spec.finder, swept_lr)?;
            apply_probe(&mut agreement, &report);
            Some(ProbedRecommendation {
                swept_lr,
                report,
                seconds: t0.elapsed().as_secs_f64(),
            })
        }
        _ => None,
    };
    let horizon = match (agreement.recommended_lr, first_model, horizon_plan, &split) {
        (Some(lr), Some(model), Some(plan), Some((fit_rows, validation))) if held > 0 => {
            let input = SweepInput {
                train: fit_rows,
                validation: None,
                task,
                batch_size,
                accumulate: spec.accumulate,
                seed: config.train.seed,
            };
            let check = check_horizon(&model, config, lr, plan, &input, validation)?;
            agreement.recommended_lr = check.constant.chosen_lr;
            agreement.confidence = check.confidence_after(agreement.confidence);
            Some(check)
        }
        _ => None,
    };
    Ok(Finding {
        agreement,
        probe,
        horizon,
        momentum_factor,
        runs,
        steps_per_epoch,
        train_rows: prepared.train.len(),
        backend: backend.name().to_string(),
        device: device_name(&device),
        elapsed_seconds: started.elapsed().as_secs_f64(),
    })
}

/// The run config `harness lr-find` uses for `--dataset` alone: MNIST and Fashion-MNIST get the
/// classic 784-128-10 MLP (ReLU) on normalized pixels, tabular data a linear regressor; all
/// with plain SGD and batch 128.
pub fn default_config(dataset: DatasetName) -> RunConfig {
    let model = match dataset {
        DatasetName::Mnist | DatasetName::FashionMnist => ModelConfig::mlp(vec![128]),
        DatasetName::CaliforniaHousing | DatasetName::Synthetic => ModelConfig::linear(),
    };
    RunConfig::new(
        DataSpec::new(dataset).with_normalize(true),
        model,
        OptimizerSpec::sgd(),
        ConstantConfig::new(0.01),
    )
}

/// What the sweep's LR is multiplied by for `optimizer`
/// ([`lr_find::momentum::heavy_ball_factor`]): SGD's momentum without Nesterov, Adam's and
/// AdamW's β₁ and RMSprop's momentum are heavy-ball averages; plain SGD and Adagrad have none.
pub fn heavy_ball_factor(optimizer: &OptimizerSpec) -> f64 {
    let (beta, nesterov) = match *optimizer {
        OptimizerSpec::Momentum {
            momentum, nesterov, ..
        } => (momentum, nesterov),
        OptimizerSpec::Rmsprop { momentum, .. } => (momentum, false),
        OptimizerSpec::Adam { beta1, .. } | OptimizerSpec::Adamw { beta1, .. } => (beta1, false),
        OptimizerSpec::Sgd { .. } | OptimizerSpec::Adagrad { .. } => (0.0, false),
    };
    lr_find::momentum::heavy_ball_factor(beta, nesterov)
}

/// How far above a constant run's LR one-cycle's peak goes, before the momentum correction.
/// Measured on the finder benchmark (docs/lr-find.md): with Adam, AdamW and Adagrad, whose
/// steps one-cycle's momentum does not scale, the best `max_lr` was 2 to 4 times the best
/// constant LR.
pub const ONE_CYCLE_HEADROOM: f64 = 2.0;

/// `max_lr` of the one-cycle schedule a written config trains with, over the recommended
/// (constant) LR, for `optimizer`. One-cycle cycles the momentum of SGD and RMSprop (PyTorch's
/// `OneCycleLR`, which our optimizers follow), down to `base_momentum` (0.85) at the peak LR;
/// their step scales as `lr / (1 − momentum)`, so the peak is scaled by `(1 − 0.85) / (1 −
/// m)` for the optimizer's own momentum `m` (0 for plain SGD and RMSprop's default, which
/// one-cycle gives momentum): 0.3 for plain SGD, 3 for momentum 0.9. Adam's β₁ does not scale
/// its step and Adagrad has no momentum: [`ONE_CYCLE_HEADROOM`] alone.
pub fn one_cycle_factor(optimizer: &OptimizerSpec) -> f64 {
    let own = match *optimizer {
        OptimizerSpec::Sgd { .. } => 0.0,
        OptimizerSpec::Momentum { momentum, .. } | OptimizerSpec::Rmsprop { momentum, .. } => {
            momentum
        }
        OptimizerSpec::Adam { .. }
        | OptimizerSpec::Adamw { .. }
        | OptimizerSpec::Adagrad { .. } => {
            return ONE_CYCLE_HEADROOM;
        }
    };
    if own >= 1.0 {
        return ONE_CYCLE_HEADROOM;
    }
    ONE_CYCLE_HEADROOM * (1.0 - one_cycle_base_momentum()) / (1.0 - own)
}

/// The `base_momentum` a written one-cycle schedule gets: the schedule's own default.
fn one_cycle_base_momentum() -> f64 {
    OneCycleConfig::new(1.0, 1).base_momentum
}

/// The schedule a written config trains with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// One-cycle over the whole run, `max_lr` at the recommended LR × [`one_cycle_factor`].
    OneCycle,
    /// Cosine annealing from the recommended LR to 0 over the whole run.
    Cosine,
    /// The recommended LR throughout.
    Constant,
}

/// `base` with the schedule `plan` at `lr` over `epochs × steps_per_epoch` optimizer steps:
/// a config `harness train` runs unchanged.
///
/// # Errors
/// An LR the schedule rejects (not finite and positive).
pub fn config_with(
    base: &RunConfig,
    plan: Plan,
    lr: f64,
    epochs: u64,
    steps_per_epoch: u64,
) -> Result<RunConfig, schedules::ScheduleError> {
    if !(lr.is_finite() && lr > 0.0) {
        return Err(schedules::ScheduleError::NotPositive {
            field: "lr".into(),
            value: lr,
        });
    }
    let total = epochs * steps_per_epoch;
    let schedule: ScheduleConfig = match plan {
        Plan::OneCycle => OneCycleConfig::new(lr * one_cycle_factor(&base.optimizer), total).into(),
        Plan::Cosine => CosineConfig::new(lr, total).into(),
        Plan::Constant => ConstantConfig::new(lr).into(),
    };
    Schedule::new(schedule.clone())?;
    let mut config = base.clone();
    config.schedule = schedule;
    config.train.epochs = epochs;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_configs_are_the_toml_users_would_write() {
        let mlp = "kind = \"mlp\"\nhidden = [128]\nactivation = \"relu\"";
        for (dataset, name, model) in [
            (DatasetName::Mnist, "mnist", mlp),
            (DatasetName::FashionMnist, "fashion_mnist", mlp),
            (
                DatasetName::CaliforniaHousing,
                "california_housing",
                "kind = \"linear\"",
            ),
            (DatasetName::Synthetic, "synthetic", "kind = \"linear\""),
        ] {
            let text = format!(
                "[data]\ndataset = \"{name}\"\nbatch_size = 128\nnormalize = true\n\n[model]\n\
                 {model}\n\n[optimizer]\nkind = \"sgd\"\n\n[schedule]\nkind = \"constant\"\n\
                 lr = 0.01\n"
            );
            let parsed = RunConfig::parse(&text, std::path::Path::new("lr-find.toml")).unwrap();
            assert_eq!(default_config(dataset), parsed, "{name}");
        }
    }
}
