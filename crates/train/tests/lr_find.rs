//! The LR range test on real (small, synthetic) models: what the sweep leaves untouched, what
//! it repeats exactly, and that its options mean what they say.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use burn::tensor::{Tensor, TensorData};
use data::spec::prepare;
use lr_find::{Confidence, ConstantCheck, FinderConfig, HorizonPlan, StopReason};
use models::batch::DeviceData;
use models::{Model, Task};
use schedules::kinds::lr_range::{LrRangeConfig, RampMode};
use train::backend::Backend;
use train::config::RunConfig;
use train::lr_find::{
    FindSpec, Plan, SweepInput, apply_probe, check_horizon, config_with, find, probe_model,
    sweep_model,
};

/// Linear regression on 400 synthetic rows, plain SGD, batch 64 (the file says more).
const RUN: &str = include_str!("fixtures/sweep.toml");

fn config() -> RunConfig {
    RunConfig::parse(RUN, Path::new("run.toml")).unwrap()
}

fn finder(num_iters: u64) -> FinderConfig {
    FinderConfig {
        ramp: LrRangeConfig {
            start_lr: 1e-5,
            end_lr: 10.0,
            num_iters,
            mode: RampMode::Exp,
        },
        smooth: 0.9,
        diverge: 4.0,
    }
}

/// The fixture's training rows as a sweep steps through them: batch 64, the batch loss, seed 0.
fn regression_input(train: &DeviceData) -> SweepInput<'_> {
    SweepInput {
        train,
        validation: None,
        task: Task::Regression,
        batch_size: 64,
        accumulate: 1,
        seed: 0,
    }
}

fn spec(num_iters: u64) -> FindSpec {
    FindSpec {
        base: config(),
        finder: finder(num_iters),
        accumulate: 1,
        validation: false,
        seeds: 1,
        probe: false,
        horizon: false,
    }
}

/// burn's seeded random numbers come from one generator per process: tests that draw initial
/// weights must not run at the same time, or they take each other's numbers.
fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn run(spec: &FindSpec) -> train::lr_find::Finding {
    let _guard = exclusive();
    find(spec, Backend::Flex, None, |_, _, _, _| {}).unwrap()
}

#[test]
fn the_model_and_optimizer_the_sweep_starts_from_are_not_changed() {
    let _guard = exclusive();
    let config = config();
    let device = Backend::Flex.device().unwrap().autodiff();
    let prepared = prepare(&config.data, None).unwrap();
    let train = DeviceData::from_host(&prepared.train, false, &device);
    let model = Model::init(&config.model, 3, Task::Regression, 1, &device).unwrap();
    // Momentum: an optimizer with state the sweep could leak into.
    let optimizer = train::optimizer::OptimizerSpec::with_defaults("momentum")
        .unwrap()
        .build();
    let probe = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, -2.0, 0.5], [1, 3]), &device);
    let before = model.forward(probe.clone()).into_data();
    let input = regression_input(&train);
    let sweep = sweep_model(&model, &optimizer, &input, &finder(40), |_, _, _| {}).unwrap();
    assert!(
        sweep.points.len() > 10,
        "the sweep trained: {:?}",
        sweep.stop
    );
    // The loss moved, so the sweep's copy changed ...
    let losses = sweep.losses();
    assert!(losses.iter().any(|&l| (l - losses[0]).abs() > 1e-3));
    // ... and the original did not, bit for bit; the optimizer still has no state.
    assert_eq!(model.forward(probe).into_data(), before);
    assert_eq!(optimizer.states(), 0);
}

#[test]
fn a_seeded_sweep_repeats_bit_for_bit() {
    let s = spec(50);
    let (a, b) = (run(&s), run(&s));
    assert_eq!(a.runs[0].sweep, b.runs[0].sweep);
    let mut other = s.clone();
    other.base.train.seed += 1;
    assert_ne!(run(&other).runs[0].sweep.losses(), a.runs[0].sweep.losses());
}

#[test]
fn linear_regression_diverges_past_its_stable_lr_and_the_recommendation_lies_below() {
    // SGD on standardized features diverges once the LR passes 2 / λ_max of the Hessian (about
    // 1 here): the sweep must stop there, and recommend an LR that is lower.
    let f = run(&spec(80));
    let sweep = &f.runs[0].sweep;
    let StopReason::Diverged { step, .. } = sweep.stop else {
        panic!("expected divergence, got {:?}", sweep.stop)
    };
    let diverged_at = sweep.points[step as usize].lr;
    let recommended = f.agreement.recommended_lr.expect("a clear descent");
    assert!(recommended < diverged_at, "{recommended} vs {diverged_at}");
    assert_ne!(f.agreement.confidence, Confidence::None);
}

#[test]
fn accumulating_two_batches_of_16_is_one_batch_of_32() {
    // The first 32 rows of each permutation form either one batch of 32 or two of 16; the mean
    // loss and the gradient agree up to float rounding.
    let mut accumulated = spec(30);
    accumulated.accumulate = 2;
    accumulated.base.data.batch_size = 16;
    let mut single = spec(30);
    single.base.data.batch_size = 32;
    let (a, b) = (run(&accumulated), run(&single));
    let (a, b) = (a.runs[0].sweep.losses(), b.runs[0].sweep.losses());
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!(
            (x - y).abs() <= 1e-4 * y.abs().max(1.0),
            "step {i}: {x} vs {y}"
        );
    }
}

#[test]
fn the_validation_loss_is_read_on_held_out_rows() {
    let mut s = spec(30);
    s.validation = true;
    let with_val = run(&s);
    let without = run(&spec(30));
    // Held-out losses differ from batch losses, and do not jump around like them: the
    // validation curve is smoother (smaller mean absolute step on the plateau).
    let (v, t) = (
        with_val.runs[0].sweep.losses(),
        without.runs[0].sweep.losses(),
    );
    assert_ne!(v, t);
    let roughness = |l: &[f64]| l[..10].windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>();
    assert!(roughness(&v) < roughness(&t), "{v:?} vs {t:?}");
}

#[test]
fn several_seeds_are_reported_and_combined() {
    let mut s = spec(60);
    s.seeds = 3;
    let f = run(&s);
    assert_eq!(
        f.runs.iter().map(|r| r.seed).collect::<Vec<_>>(),
        [11, 12, 13]
    );
    assert_eq!((f.agreement.seeds, f.agreement.usable), (3, 3));
    let spread = f.agreement.spread_decades.unwrap();
    let lrs: Vec<f64> = f
        .runs
        .iter()
        .map(|r| r.consensus.recommended_lr.unwrap().log10())
        .collect();
    let want =
        lrs.iter().copied().fold(f64::MIN, f64::max) - lrs.iter().copied().fold(f64::MAX, f64::min);
    assert!((spread - want).abs() < 1e-12);
}

#[test]
fn the_written_config_spans_the_real_run() {
    let base = config();
    // Plain SGD: one-cycle adds momentum from 0.85 at its peak, so it peaks at 0.25 ×
    // 2 × (1 − 0.85) = 0.075.
    let c = config_with(&base, Plan::OneCycle, 0.25, 3, 20).unwrap();
    let text = c.to_toml();
    assert!(
        text.contains("kind = \"one_cycle\"") && text.contains("max_lr = 0.075"),
        "{text}"
    );
    assert!(text.contains("total_steps = 60"), "{text}");
    assert_eq!(c.train.epochs, 3);
    assert_eq!(c.data, base.data);
    let c = config_with(&base, Plan::Cosine, 0.25, 2, 20).unwrap();
    assert!(c.to_toml().contains("t_max = 40"));
    assert!(config_with(&base, Plan::Constant, f64::NAN, 2, 20).is_err());
}

#[test]
fn one_cycle_peaks_by_how_its_momentum_scales_the_step() {
    use train::lr_find::{ONE_CYCLE_HEADROOM, one_cycle_factor};
    use train::optimizer::OptimizerSpec;
    let factor = |text: &str| one_cycle_factor(&toml::from_str::<OptimizerSpec>(text).unwrap());
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    // A step of lr / (1 − m): from momentum m to one-cycle's 0.85 at the peak.
    assert!(close(factor("kind = 'sgd'"), ONE_CYCLE_HEADROOM * 0.15));
    assert!(close(
        factor("kind = 'momentum'"),
        ONE_CYCLE_HEADROOM * 0.15 / 0.1
    ));
    assert!(close(
        factor("kind = 'momentum'\nmomentum = 0.85"),
        ONE_CYCLE_HEADROOM
    ));
    assert!(close(factor("kind = 'rmsprop'"), ONE_CYCLE_HEADROOM * 0.15));
    // β₁ does not scale Adam's step; Adagrad has no momentum.
    for kind in ["adam", "adamw", "adagrad"] {
        assert_eq!(
            factor(&format!("kind = '{kind}'")),
            ONE_CYCLE_HEADROOM,
            "{kind}"
        );
    }
}

#[test]
fn the_probe_confirms_a_stable_recommendation_and_backs_off_from_a_divergent_one() {
    // The fixture's sweep recommends an LR below the divergence (about 1, see above): its probe
    // passes and the recommendation stands.
    let mut probed = spec(80);
    probed.probe = true;
    let f = run(&probed);
    let p = f.probe.as_ref().expect("a recommendation to probe");
    assert_eq!(p.report.probes.len(), 1, "{:?}", p.report.probes);
    assert_eq!(f.agreement.recommended_lr, Some(p.swept_lr));
    assert!(p.report.probes[0].last_loss < p.report.probes[0].first_loss);

    // From 8, well past 2 / λ_max, the probes blow up and halve down to a stable LR; the
    // agreement then carries the confirmed LR with a confidence of at most low.
    let _guard = exclusive();
    let config = config();
    let device = Backend::Flex.device().unwrap().autodiff();
    let prepared = prepare(&config.data, None).unwrap();
    let train = DeviceData::from_host(&prepared.train, true, &device);
    let model = Model::init(&config.model, 3, Task::Regression, 1, &device).unwrap();
    let optimizer = config.optimizer.build();
    let input = regression_input(&train);
    let report = probe_model(&model, &optimizer, &input, &finder(40), 8.0).unwrap();
    assert!(report.backed_off(), "{:?}", report.probes);
    let confirmed = report.confirmed_lr.expect("a halving below the divergence");
    assert!(confirmed < 2.0, "{confirmed}");
    let mut agreement = f.agreement.clone();
    agreement.confidence = Confidence::High;
    apply_probe(&mut agreement, &report);
    assert_eq!(agreement.recommended_lr, Some(confirmed));
    assert_eq!(agreement.confidence, Confidence::Low);
}

#[test]
fn the_horizon_check_runs_for_long_runs_and_halves_from_a_divergent_lr() {
    // 1000 epochs of the fixture's 5 steps are 5000 steps, over 100 sweeps of 40: the one-cycle
    // check runs with a horizon of 5 sweeps (the epoch is shorter than the sweep), and the
    // constant LR is held from the weights of its best run.
    let mut long = spec(40);
    long.horizon = true;
    long.base.train.epochs = 1000;
    let f = run(&long);
    let h = f.horizon.as_ref().expect("a run 5 sweeps long is checked");
    assert_eq!(h.plan.run_steps, 1000 * f.steps_per_epoch);
    assert_eq!(h.plan.annealed_steps, Some(200));
    assert_eq!(
        (h.plan.constant, h.constant.steps),
        (ConstantCheck::Hold, 200)
    );
    // The annealed LR is the attempt with the lowest held-out loss, after at least one halving.
    let a = h.annealed.as_ref().expect("the one-cycle check");
    assert_eq!(a.chosen_lr, lowest(a), "{:?}", a.attempts);
    assert!(a.attempts.len() >= 2, "at least one halving is tried");
    // The constant LR starts there and only goes down; the headline carries it.
    let c = &h.constant;
    assert_eq!(c.attempts[0].lr, a.chosen_lr.unwrap());
    assert!(c.chosen_lr.unwrap() <= a.chosen_lr.unwrap(), "{c:?}");
    assert_eq!(f.agreement.recommended_lr, h.constant.chosen_lr);
    assert_eq!(f.lr_for(Plan::Constant), h.constant.chosen_lr);
    assert_eq!(f.lr_for(Plan::OneCycle), a.chosen_lr);
    assert_eq!(f.lr_for(Plan::Cosine), a.chosen_lr);

    // 40 epochs (200 steps, 5 sweeps): one-cycle at a horizon of 50 steps; the constant LR
    // raced over all 200 from the starting weights, from the LR checked down, lowest loss wins.
    let mut medium = long.clone();
    medium.base.train.epochs = 40;
    let f = run(&medium);
    let h = f.horizon.as_ref().expect("a run 5 sweeps long is checked");
    assert_eq!(h.plan.annealed_steps, Some(50));
    assert_eq!(h.plan.constant, ConstantCheck::WholeRun);
    assert_eq!(h.constant.steps, 200);
    assert_eq!(h.constant.attempts[0].lr, h.checked_lr);
    assert_eq!(
        h.constant.chosen_lr,
        lowest(&h.constant),
        "{:?}",
        h.constant
    );
    assert_eq!(f.agreement.recommended_lr, h.constant.chosen_lr);

    // 20 epochs (100 steps, 2.5 sweeps): only the constant race; annealed schedules take the
    // LR checked.
    let mut short = long.clone();
    short.base.train.epochs = 20;
    let f = run(&short);
    let h = f
        .horizon
        .as_ref()
        .expect("a short run's constant LR is checked");
    assert_eq!((h.plan.annealed_steps, h.annealed.as_ref()), (None, None));
    assert_eq!(h.constant.steps, 100);
    assert_eq!(f.lr_for(Plan::OneCycle), Some(h.checked_lr));
    assert_eq!(f.lr_for(Plan::Constant), h.constant.chosen_lr);
    long.horizon = false;
    assert!(run(&long).horizon.is_none());

    // From 8, past 2 / λ_max, the runs blow up and the check halves down to an LR that trains.
    let _guard = exclusive();
    let config = config();
    let device = Backend::Flex.device().unwrap().autodiff();
    let prepared = prepare(&config.data, None).unwrap();
    let all = DeviceData::from_host(&prepared.train, true, &device);
    let (train, held_out) = (
        all.part(0, 280),
        all.part(280, all.len()).without_autodiff(),
    );
    let model = Model::init(&config.model, 3, Task::Regression, 1, &device).unwrap();
    let input = regression_input(&train);
    let plan = HorizonPlan {
        run_steps: 400,
        sweep_steps: 40,
        annealed_steps: Some(40),
        constant: ConstantCheck::Hold,
    };
    let check = check_horizon(&model, &config, 8.0, plan, &input, &held_out).unwrap();
    let a = check.annealed.as_ref().expect("the one-cycle check");
    assert!(a.attempts[0].loss.is_none_or(|l| l > 1e6), "{a:?}");
    let annealed = a.chosen_lr.expect("a halving that trains");
    assert!(annealed <= 2.0, "{a:?}");
    // The constant LR starts where the annealed one ended, from its weights, and goes no higher.
    assert_eq!(check.constant.attempts[0].lr, annealed);
    let chosen = check.constant.chosen_lr.expect("the annealed LR trains");
    assert!(chosen <= annealed, "{chosen}");
    assert_eq!(check.held_out_rows, all.len() - 280);
    // The sweep's confidence does not survive a move of more than one halving.
    assert_eq!(check.confidence_after(Confidence::High), Confidence::Medium);
}

/// The LR of a check's lowest held-out loss.
fn lowest(report: &lr_find::HorizonReport) -> Option<f64> {
    report
        .attempts
        .iter()
        .filter_map(|a| a.loss.map(|l| (a.lr, l)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(lr, _)| lr)
}
