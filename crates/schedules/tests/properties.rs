//! Property tests: every config that passes validation gives finite, non-negative LRs (and
//! momenta in [0, 1]) whatever the metrics; every broken rule gives its own typed error.

use proptest::prelude::*;
use schedules::ScheduleError;
use schedules::kinds::constant::ConstantConfig;
use schedules::kinds::cosine::CosineConfig;
use schedules::kinds::cosine_restarts::CosineRestartsConfig;
use schedules::kinds::cyclic::{CyclicConfig, CyclicMode};
use schedules::kinds::exponential::ExponentialConfig;
use schedules::kinds::linear::LinearConfig;
use schedules::kinds::loss_spike::{LossSpikeConfig, SpikeDecay};
use schedules::kinds::lr_range::{LrRangeConfig, RampMode};
use schedules::kinds::multistep::MultiStepConfig;
use schedules::kinds::one_cycle::{Anneal, OneCycleConfig};
use schedules::kinds::plateau::{PlateauConfig, PlateauMode, ThresholdMode};
use schedules::kinds::polynomial::PolynomialConfig;
use schedules::kinds::sequential::SequentialConfig;
use schedules::kinds::step::StepConfig;
use schedules::kinds::warmup::WarmupConfig;
use schedules::preview::preview;
use schedules::{Schedule, ScheduleConfig};

fn lr() -> impl Strategy<Value = f64> {
    1e-6..10.0f64
}

fn unit() -> impl Strategy<Value = f64> {
    0.0..=1.0f64
}

fn decay() -> impl Strategy<Value = f64> {
    0.01..=1.0f64
}

fn leaf() -> impl Strategy<Value = ScheduleConfig> {
    prop_oneof![
        (lr(), unit(), 0..50u64).prop_map(|(lr, factor, total_iters)| ScheduleConfig::Constant(
            ConstantConfig {
                lr,
                factor,
                total_iters
            }
        )),
        (lr(), 1..50u64, decay()).prop_map(|(lr, step_size, gamma)| ScheduleConfig::Step(
            StepConfig {
                lr,
                step_size,
                gamma
            }
        )),
        (lr(), prop::collection::vec(0..120u64, 0..5), decay()).prop_map(
            |(lr, milestones, gamma)| ScheduleConfig::Multistep(MultiStepConfig {
                lr,
                milestones,
                gamma
            })
        ),
        (lr(), decay())
            .prop_map(|(lr, gamma)| ScheduleConfig::Exponential(ExponentialConfig { lr, gamma })),
        (lr(), 1..200u64, 0.0..1.0f64).prop_map(|(lr, t_max, eta)| ScheduleConfig::Cosine(
            CosineConfig {
                lr,
                t_max,
                eta_min: eta * lr
            }
        )),
        (lr(), 1..50u64, 1..4u64, 0.0..1.0f64).prop_map(|(lr, t_0, t_mult, eta)| {
            ScheduleConfig::CosineRestarts(CosineRestartsConfig {
                lr,
                t_0,
                t_mult,
                eta_min: eta * lr,
            })
        }),
        (
            (
                0.0..1.0f64,
                0.0..1.0f64,
                1..50u64,
                prop::option::of(0..50u64)
            ),
            (
                prop_oneof![
                    Just(CyclicMode::Triangular),
                    Just(CyclicMode::Triangular2),
                    Just(CyclicMode::ExpRange)
                ],
                decay()
            ),
            (any::<bool>(), unit(), unit()),
        )
            .prop_map(
                |(
                    (base_lr, max_lr, step_size_up, step_size_down),
                    (mode, gamma),
                    (cycle_momentum, a, b),
                )| {
                    ScheduleConfig::Cyclic(CyclicConfig {
                        base_lr,
                        max_lr,
                        step_size_up,
                        step_size_down,
                        mode,
                        gamma,
                        cycle_momentum,
                        base_momentum: a.min(b),
                        max_momentum: a.max(b),
                    })
                }
            ),
        (
            (
                lr(),
                2..300u64,
                unit(),
                prop_oneof![Just(Anneal::Cos), Just(Anneal::Linear)]
            ),
            (
                0.5..100.0f64,
                0.5..1e5f64,
                any::<bool>(),
                any::<bool>(),
                unit(),
                unit()
            ),
        )
            .prop_map(
                |(
                    (max_lr, total, pct_start, anneal_strategy),
                    (div_factor, final_div_factor, three_phase, cycle_momentum, a, b),
                )| {
                    ScheduleConfig::OneCycle(OneCycleConfig {
                        max_lr,
                        total_steps: Some(total),
                        epochs: None,
                        steps_per_epoch: None,
                        pct_start,
                        anneal_strategy,
                        div_factor,
                        final_div_factor,
                        three_phase,
                        cycle_momentum,
                        base_momentum: a.min(b),
                        max_momentum: a.max(b),
                    })
                }
            ),
        (lr(), unit(), unit(), 1..100u64).prop_map(
            |(lr, start_factor, end_factor, total_iters)| {
                ScheduleConfig::Linear(LinearConfig {
                    lr,
                    start_factor,
                    end_factor,
                    total_iters,
                })
            }
        ),
        (lr(), 1..100u64, 0.1..5.0f64).prop_map(|(lr, total_iters, power)| {
            ScheduleConfig::Polynomial(PolynomialConfig {
                lr,
                total_iters,
                power,
            })
        }),
        (
            (lr(), any::<bool>(), 0.0..1.0f64, 0..10u64),
            (
                0.0..0.1f64,
                any::<bool>(),
                0..5u64,
                0.0..0.01f64,
                0.0..1e-6f64
            ),
        )
            .prop_map(
                |((lr, max, factor, patience), (threshold, abs, cooldown, min_lr, eps))| {
                    ScheduleConfig::ReduceOnPlateau(PlateauConfig {
                        lr,
                        factor,
                        patience,
                        threshold,
                        cooldown,
                        min_lr,
                        eps,
                        mode: if max {
                            PlateauMode::Max
                        } else {
                            PlateauMode::Min
                        },
                        threshold_mode: if abs {
                            ThresholdMode::Abs
                        } else {
                            ThresholdMode::Rel
                        },
                    })
                }
            ),
        (lr(), 1.0..3.0f64, any::<bool>(), 0.0..1.0f64).prop_map(
            |(lr, spike_threshold, sqrt, floor)| {
                let decay = if sqrt {
                    SpikeDecay::Sqrt
                } else {
                    SpikeDecay::Divide
                };
                ScheduleConfig::LossSpike(LossSpikeConfig {
                    lr,
                    spike_threshold,
                    decay,
                    min_lr: floor * lr,
                })
            }
        ),
        (1e-8..1e-2f64, 1.5..1e4f64, 2..200u64, any::<bool>()).prop_map(
            |(start_lr, ratio, num_iters, linear)| {
                let mode = if linear {
                    RampMode::Linear
                } else {
                    RampMode::Exp
                };
                ScheduleConfig::LrRange(LrRangeConfig {
                    start_lr,
                    end_lr: start_lr * ratio,
                    num_iters,
                    mode,
                })
            }
        ),
    ]
}

fn any_schedule() -> impl Strategy<Value = ScheduleConfig> {
    prop_oneof![
        3 => leaf(),
        1 => (0..60u64, unit(), leaf()).prop_map(|(warmup_steps, start_factor, then)| {
            ScheduleConfig::Warmup(WarmupConfig { warmup_steps, start_factor, then: Box::new(then) })
        }),
        1 => prop::collection::vec((1..40u64, leaf()), 1..4).prop_map(|parts| {
            // Increasing milestones from positive gaps; the first part starts at 0.
            let mut at = 0;
            let mut milestones = Vec::new();
            for (gap, _) in &parts[1..] {
                at += gap;
                milestones.push(at);
            }
            let schedules = parts.into_iter().map(|(_, s)| s).collect();
            ScheduleConfig::Sequential(SequentialConfig { schedules, milestones })
        }),
    ]
}

fn metric() -> impl Strategy<Value = f64> {
    prop_oneof![20 => 0.0..10.0f64, 1 => Just(f64::NAN), 1 => Just(f64::INFINITY), 1 => Just(0.0)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn valid_configs_give_finite_non_negative_lrs(
        config in any_schedule(),
        metrics in prop::collection::vec(metric(), 0..400),
    ) {
        prop_assume!(config.validate().is_ok());
        let schedule = Schedule::new(config).unwrap();
        let p = preview(&schedule, 400, &metrics);
        for (k, lr) in p.lrs.iter().enumerate() {
            prop_assert!(lr.is_finite() && *lr >= 0.0, "step {k}: lr {lr}");
        }
        for (k, m) in p.momentums.iter().flatten().enumerate() {
            if let Some(m) = m {
                prop_assert!((0.0..=1.0).contains(m), "step {k}: momentum {m}");
            }
        }
    }

    #[test]
    fn a_non_positive_lr_is_not_positive(lr in prop_oneof![-10.0..=0.0f64, Just(f64::NAN), Just(f64::INFINITY)]) {
        let err = ScheduleConfig::Cosine(CosineConfig { lr, t_max: 10, eta_min: 0.0 }).validate().unwrap_err();
        prop_assert!(matches!(err, ScheduleError::NotPositive { ref field, .. } if field == "lr"), "{err}");
    }

    #[test]
    fn a_negative_eta_min_is_negative(eta_min in -10.0..-1e-12f64) {
        let err = ScheduleConfig::Cosine(CosineConfig { lr: 0.1, t_max: 10, eta_min }).validate().unwrap_err();
        prop_assert!(matches!(err, ScheduleError::Negative { ref field, .. } if field == "eta_min"), "{err}");
    }

    #[test]
    fn a_gamma_outside_0_1_is_out_of_range(gamma in prop_oneof![-1.0..=0.0f64, 1.0000001..10.0f64]) {
        let err = ScheduleConfig::Exponential(ExponentialConfig { lr: 0.1, gamma }).validate().unwrap_err();
        prop_assert!(matches!(err, ScheduleError::OutOfRange { ref field, range: "(0, 1]", .. } if field == "gamma"), "{err}");
    }
}

#[test]
fn a_zero_count_is_too_small() {
    let err = ScheduleConfig::Cosine(CosineConfig {
        lr: 0.1,
        t_max: 0,
        eta_min: 0.0,
    })
    .validate()
    .unwrap_err();
    assert_eq!(
        err,
        ScheduleError::TooSmall {
            field: "t_max".into(),
            value: 0,
            min: 1
        }
    );
    assert_eq!(err.to_string(), "t_max = 0: must be at least 1");
}

#[test]
fn an_end_lr_not_above_start_lr_is_not_above() {
    let config = LrRangeConfig {
        start_lr: 1e-3,
        end_lr: 1e-3,
        num_iters: 10,
        mode: RampMode::Exp,
    };
    let err = ScheduleConfig::LrRange(config).validate().unwrap_err();
    assert!(
        matches!(err, ScheduleError::NotAbove { ref field, ref other, .. } if field == "end_lr" && other == "start_lr")
    );
    assert_eq!(
        err.to_string(),
        "end_lr = 0.001 must be greater than start_lr = 0.001"
    );
}

#[test]
fn base_momentum_above_max_momentum_exceeds() {
    let text =
        "kind = 'cyclic'\nbase_lr = 0.1\nmax_lr = 1.0\nbase_momentum = 0.95\nmax_momentum = 0.9";
    let err = toml::from_str::<ScheduleConfig>(text)
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "base_momentum = 0.95 must not exceed max_momentum = 0.9"
    );
    assert!(matches!(err, ScheduleError::Exceeds { .. }));
}

fn sequential(milestones: &[u64], parts: usize) -> ScheduleConfig {
    let part = ScheduleConfig::Constant(ConstantConfig {
        lr: 0.1,
        factor: 1.0,
        total_iters: 0,
    });
    ScheduleConfig::Sequential(SequentialConfig {
        schedules: vec![part; parts],
        milestones: milestones.to_vec(),
    })
}

#[test]
fn repeated_or_zero_milestones_are_not_increasing() {
    for milestones in [&[5, 5][..], &[0, 5], &[7, 3]] {
        let err = sequential(milestones, 3).validate().unwrap_err();
        assert_eq!(
            err,
            ScheduleError::MilestonesNotIncreasing {
                field: "milestones".into(),
                value: milestones.to_vec()
            }
        );
    }
}

#[test]
fn milestones_must_be_one_fewer_than_schedules() {
    let err = sequential(&[5, 9], 2).validate().unwrap_err();
    assert_eq!(
        err,
        ScheduleError::MilestoneCount {
            field: "milestones".into(),
            schedules: 2,
            milestones: 2
        }
    );
    assert!(
        err.to_string().contains("2 schedules need 1 milestones"),
        "{err}"
    );
    assert!(matches!(
        sequential(&[], 0).validate(),
        Err(ScheduleError::MilestoneCount { .. })
    ));
}

#[test]
fn one_cycle_needs_its_length() {
    let text = "kind = 'one_cycle'\nmax_lr = 0.1\nepochs = 3";
    let err = toml::from_str::<ScheduleConfig>(text)
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(
        err,
        ScheduleError::MissingTotalSteps {
            field: "total_steps".into()
        }
    );
}

#[test]
fn one_cycle_phase_without_steps_is_empty() {
    // pct_start × total_steps − 1 = 0.1 × 10 − 1 = 0: PyTorch would divide by zero at step 0.
    let text = "kind = 'one_cycle'\nmax_lr = 0.1\ntotal_steps = 10\npct_start = 0.1";
    let err = toml::from_str::<ScheduleConfig>(text)
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(
        matches!(err, ScheduleError::EmptyPhase { phase: 1, .. }),
        "{err}"
    );
}

#[test]
fn nested_errors_carry_their_path() {
    let text = "kind = 'warmup'\nwarmup_steps = 3\n[then]\nkind = 'sequential'\nmilestones = [4]\n\
                [[then.schedules]]\nkind = 'constant'\nlr = 0.1\n\
                [[then.schedules]]\nkind = 'step'\nlr = 0.1\nstep_size = 0";
    let err = toml::from_str::<ScheduleConfig>(text)
        .unwrap()
        .validate()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "then.schedules[1].step_size = 0: must be at least 1"
    );
}
