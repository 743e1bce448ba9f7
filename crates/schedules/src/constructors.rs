//! Every schedule kind built in Rust: `new` with the values the kind requires, `with_*` for
//! the rest, and conversions into [`ScheduleConfig`], [`Schedule`] and [`Scheduler`]
//! (validated) and [`StepDriven`] (validated, and refused for loss-driven kinds). The defaults are the
//! functions serde fills the TOML with, so a config built here equals the TOML with the same
//! keys.
//!
//! ```
//! use schedules::kinds::one_cycle::OneCycleConfig;
//! use schedules::StepDriven;
//!
//! let scheduler = StepDriven::try_from(OneCycleConfig::new(0.1, 2345).with_pct_start(0.25))?;
//! # Ok::<(), schedules::ScheduleError>(())
//! ```

use crate::config::{Schedule, ScheduleConfig};
use crate::error::ScheduleError;
use crate::kinds::constant::ConstantConfig;
use crate::kinds::cosine::CosineConfig;
use crate::kinds::cosine_restarts::{self, CosineRestartsConfig};
use crate::kinds::cyclic::{self, CyclicConfig, CyclicMode};
use crate::kinds::exponential::ExponentialConfig;
use crate::kinds::linear::{self, LinearConfig};
use crate::kinds::loss_spike::{self, LossSpikeConfig, SpikeDecay};
use crate::kinds::lr_range::{self, LrRangeConfig, RampMode};
use crate::kinds::multistep::MultiStepConfig;
use crate::kinds::one_cycle::{self, Anneal, OneCycleConfig};
use crate::kinds::plateau::{self, PlateauConfig, PlateauMode, ThresholdMode};
use crate::kinds::polynomial::{self, PolynomialConfig};
use crate::kinds::sequential::SequentialConfig;
use crate::kinds::step::StepConfig;
use crate::kinds::warmup::WarmupConfig;
use crate::kinds::{default_gamma, one};
use crate::scheduler::{Scheduler, StepDriven};

/// `with_*` setters and the conversions of one kind.
macro_rules! kind {
    ($config:ident => $variant:ident { $($setter:ident => $field:ident: $ty:ty),* $(,)? }) => {
        impl $config {
            $(
                #[doc = concat!("Sets `", stringify!($field), "`.")]
                #[must_use]
                pub fn $setter(mut self, $field: $ty) -> Self {
                    self.$field = $field;
                    self
                }
            )*
        }

        impl From<$config> for ScheduleConfig {
            fn from(config: $config) -> Self {
                ScheduleConfig::$variant(config)
            }
        }

        impl TryFrom<$config> for Schedule {
            type Error = ScheduleError;
            /// Validates the config.
            fn try_from(config: $config) -> Result<Self, ScheduleError> {
                Schedule::new(config.into())
            }
        }

        impl TryFrom<$config> for Scheduler {
            type Error = ScheduleError;
            /// Validates the config.
            fn try_from(config: $config) -> Result<Self, ScheduleError> {
                Ok(Scheduler::new(Schedule::new(config.into())?))
            }
        }

        impl TryFrom<$config> for StepDriven {
            type Error = ScheduleError;
            /// Validates the config; a loss-driven one is refused.
            fn try_from(config: $config) -> Result<Self, ScheduleError> {
                StepDriven::try_from(Schedule::new(config.into())?)
            }
        }
    };
}

impl ConstantConfig {
    /// PyTorch's ConstantLR at `lr`, with no scaled start (`factor = 1`).
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            factor: one(),
            total_iters: Default::default(),
        }
    }
}
kind!(ConstantConfig => Constant { with_factor => factor: f64, with_total_iters => total_iters: u64 });

impl StepConfig {
    pub fn new(lr: f64, step_size: u64) -> Self {
        Self {
            lr,
            step_size,
            gamma: default_gamma(),
        }
    }
}
kind!(StepConfig => Step { with_gamma => gamma: f64 });

impl MultiStepConfig {
    pub fn new(lr: f64, milestones: Vec<u64>) -> Self {
        Self {
            lr,
            milestones,
            gamma: default_gamma(),
        }
    }
}
kind!(MultiStepConfig => Multistep { with_gamma => gamma: f64 });

impl ExponentialConfig {
    pub fn new(lr: f64, gamma: f64) -> Self {
        Self { lr, gamma }
    }
}
kind!(ExponentialConfig => Exponential {});

impl CosineConfig {
    pub fn new(lr: f64, t_max: u64) -> Self {
        Self {
            lr,
            t_max,
            eta_min: Default::default(),
        }
    }
}
kind!(CosineConfig => Cosine { with_eta_min => eta_min: f64 });

impl CosineRestartsConfig {
    pub fn new(lr: f64, t_0: u64) -> Self {
        Self {
            lr,
            t_0,
            t_mult: cosine_restarts::default_t_mult(),
            eta_min: Default::default(),
        }
    }
}
kind!(CosineRestartsConfig => CosineRestarts { with_t_mult => t_mult: u64, with_eta_min => eta_min: f64 });

impl CyclicConfig {
    pub fn new(base_lr: f64, max_lr: f64) -> Self {
        Self {
            base_lr,
            max_lr,
            step_size_up: cyclic::default_step_size_up(),
            step_size_down: None,
            mode: cyclic::default_mode(),
            gamma: one(),
            cycle_momentum: cyclic::default_true(),
            base_momentum: cyclic::default_base_momentum(),
            max_momentum: cyclic::default_max_momentum(),
        }
    }
}
kind!(CyclicConfig => Cyclic {
    with_step_size_up => step_size_up: u64,
    with_step_size_down => step_size_down: Option<u64>,
    with_mode => mode: CyclicMode,
    with_gamma => gamma: f64,
    with_cycle_momentum => cycle_momentum: bool,
    with_base_momentum => base_momentum: f64,
    with_max_momentum => max_momentum: f64,
});

impl OneCycleConfig {
    /// Over `total_steps` optimizer steps (PyTorch's other form, `epochs` × `steps_per_epoch`,
    /// through [`OneCycleConfig::with_epochs`]).
    pub fn new(max_lr: f64, total_steps: u64) -> Self {
        Self {
            max_lr,
            total_steps: Some(total_steps),
            epochs: None,
            steps_per_epoch: None,
            pct_start: one_cycle::default_pct_start(),
            anneal_strategy: one_cycle::default_anneal(),
            div_factor: one_cycle::default_div_factor(),
            final_div_factor: one_cycle::default_final_div_factor(),
            three_phase: Default::default(),
            cycle_momentum: cyclic::default_true(),
            base_momentum: one_cycle::default_base_momentum(),
            max_momentum: one_cycle::default_max_momentum(),
        }
    }

    /// Over `epochs` × `steps_per_epoch` steps instead of `total_steps`.
    #[must_use]
    pub fn with_epochs(mut self, epochs: u64, steps_per_epoch: u64) -> Self {
        self.total_steps = None;
        self.epochs = Some(epochs);
        self.steps_per_epoch = Some(steps_per_epoch);
        self
    }
}
kind!(OneCycleConfig => OneCycle {
    with_pct_start => pct_start: f64,
    with_anneal_strategy => anneal_strategy: Anneal,
    with_div_factor => div_factor: f64,
    with_final_div_factor => final_div_factor: f64,
    with_three_phase => three_phase: bool,
    with_cycle_momentum => cycle_momentum: bool,
    with_base_momentum => base_momentum: f64,
    with_max_momentum => max_momentum: f64,
});

impl LinearConfig {
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            start_factor: linear::default_start_factor(),
            end_factor: one(),
            total_iters: linear::default_total_iters(),
        }
    }
}
kind!(LinearConfig => Linear {
    with_start_factor => start_factor: f64,
    with_end_factor => end_factor: f64,
    with_total_iters => total_iters: u64,
});

impl PolynomialConfig {
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            total_iters: polynomial::default_total_iters(),
            power: one(),
        }
    }
}
kind!(PolynomialConfig => Polynomial { with_total_iters => total_iters: u64, with_power => power: f64 });

impl WarmupConfig {
    /// `warmup_steps` of linear warm-up from 0 in front of `then`.
    pub fn new(warmup_steps: u64, then: impl Into<ScheduleConfig>) -> Self {
        Self {
            warmup_steps,
            start_factor: Default::default(),
            then: Box::new(then.into()),
        }
    }
}
kind!(WarmupConfig => Warmup { with_start_factor => start_factor: f64 });

impl SequentialConfig {
    /// `schedules[i + 1]` takes over at `milestones[i]`.
    pub fn new(schedules: Vec<ScheduleConfig>, milestones: Vec<u64>) -> Self {
        Self {
            schedules,
            milestones,
        }
    }
}
kind!(SequentialConfig => Sequential {});

impl PlateauConfig {
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            mode: plateau::default_mode(),
            factor: plateau::default_factor(),
            patience: plateau::default_patience(),
            threshold: plateau::default_threshold(),
            threshold_mode: plateau::default_threshold_mode(),
            cooldown: Default::default(),
            min_lr: Default::default(),
            eps: plateau::default_eps(),
        }
    }
}
kind!(PlateauConfig => ReduceOnPlateau {
    with_mode => mode: PlateauMode,
    with_factor => factor: f64,
    with_patience => patience: u64,
    with_threshold => threshold: f64,
    with_threshold_mode => threshold_mode: ThresholdMode,
    with_cooldown => cooldown: u64,
    with_min_lr => min_lr: f64,
    with_eps => eps: f64,
});

impl LossSpikeConfig {
    pub fn new(lr: f64) -> Self {
        Self {
            lr,
            spike_threshold: loss_spike::default_spike_threshold(),
            decay: loss_spike::default_decay(),
            min_lr: loss_spike::default_min_lr(),
        }
    }
}
kind!(LossSpikeConfig => LossSpike {
    with_spike_threshold => spike_threshold: f64,
    with_decay => decay: SpikeDecay,
    with_min_lr => min_lr: f64,
});

impl LrRangeConfig {
    /// fastai's ramp: 1e-7 to 10 in 100 exponential steps.
    pub fn new() -> Self {
        Self {
            start_lr: lr_range::default_start_lr(),
            end_lr: lr_range::default_end_lr(),
            num_iters: lr_range::default_num_iters(),
            mode: lr_range::default_mode(),
        }
    }
}

impl Default for LrRangeConfig {
    fn default() -> Self {
        Self::new()
    }
}
kind!(LrRangeConfig => LrRange {
    with_start_lr => start_lr: f64,
    with_end_lr => end_lr: f64,
    with_num_iters => num_iters: u64,
    with_mode => mode: RampMode,
});

#[cfg(test)]
mod tests {
    use super::*;

    /// The TOML of a kind with only its required keys.
    fn toml(text: &str) -> ScheduleConfig {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn constructors_give_the_defaults_of_the_toml() {
        let cases: Vec<(ScheduleConfig, &str)> = vec![
            (
                ConstantConfig::new(0.1).into(),
                "kind = 'constant'\nlr = 0.1",
            ),
            (
                StepConfig::new(0.1, 3).into(),
                "kind = 'step'\nlr = 0.1\nstep_size = 3",
            ),
            (
                MultiStepConfig::new(0.1, vec![2, 5]).into(),
                "kind = 'multistep'\nlr = 0.1\nmilestones = [2, 5]",
            ),
            (
                ExponentialConfig::new(0.1, 0.9).into(),
                "kind = 'exponential'\nlr = 0.1\ngamma = 0.9",
            ),
            (
                CosineConfig::new(0.1, 10).into(),
                "kind = 'cosine'\nlr = 0.1\nt_max = 10",
            ),
            (
                CosineRestartsConfig::new(0.1, 10).into(),
                "kind = 'cosine_restarts'\nlr = 0.1\nt_0 = 10",
            ),
            (
                CyclicConfig::new(0.01, 0.1).into(),
                "kind = 'cyclic'\nbase_lr = 0.01\nmax_lr = 0.1",
            ),
            (
                OneCycleConfig::new(0.1, 100).into(),
                "kind = 'one_cycle'\nmax_lr = 0.1\ntotal_steps = 100",
            ),
            (
                OneCycleConfig::new(0.1, 100).with_epochs(4, 25).into(),
                "kind = 'one_cycle'\nmax_lr = 0.1\nepochs = 4\nsteps_per_epoch = 25",
            ),
            (LinearConfig::new(0.1).into(), "kind = 'linear'\nlr = 0.1"),
            (
                PolynomialConfig::new(0.1).into(),
                "kind = 'polynomial'\nlr = 0.1",
            ),
            (
                WarmupConfig::new(5, CosineConfig::new(0.1, 10)).into(),
                "kind = 'warmup'\nwarmup_steps = 5\n[then]\nkind = 'cosine'\nlr = 0.1\nt_max = 10",
            ),
            (
                SequentialConfig::new(
                    vec![
                        ConstantConfig::new(0.1).into(),
                        StepConfig::new(0.1, 3).into(),
                    ],
                    vec![4],
                )
                .into(),
                "kind = 'sequential'\nmilestones = [4]\n[[schedules]]\nkind = 'constant'\nlr = 0.1\n\
                 [[schedules]]\nkind = 'step'\nlr = 0.1\nstep_size = 3",
            ),
            (
                PlateauConfig::new(0.1).into(),
                "kind = 'reduce_on_plateau'\nlr = 0.1",
            ),
            (
                LossSpikeConfig::new(0.1).into(),
                "kind = 'loss_spike'\nlr = 0.1",
            ),
            (LrRangeConfig::new().into(), "kind = 'lr_range'"),
        ];
        let mut kinds: Vec<&str> = cases.iter().map(|(c, _)| c.kind()).collect();
        kinds.sort();
        kinds.dedup();
        assert_eq!(
            kinds.len(),
            crate::KINDS.len(),
            "every kind has a constructor case"
        );
        for (built, text) in cases {
            assert_eq!(built, toml(text), "{text}");
        }
    }

    #[test]
    fn setters_set_what_they_name() {
        let built: ScheduleConfig = OneCycleConfig::new(0.1, 100)
            .with_pct_start(0.25)
            .with_three_phase(true)
            .into();
        let text = "kind = 'one_cycle'\nmax_lr = 0.1\ntotal_steps = 100\npct_start = 0.25\nthree_phase = true";
        assert_eq!(built, toml(text));
    }

    #[test]
    fn a_schedule_built_in_rust_is_validated() {
        let err = Schedule::try_from(CosineConfig::new(-0.1, 10)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "lr = -0.1: must be a finite number greater than 0"
        );
    }
}
