//! The schedule config as read from TOML (`kind` names the family), and [`Schedule`], a config
//! that passed validation.

use serde::{Deserialize, Serialize};

use crate::error::{Check, ScheduleError};
use crate::kinds::constant::ConstantConfig;
use crate::kinds::cosine::CosineConfig;
use crate::kinds::cosine_restarts::CosineRestartsConfig;
use crate::kinds::cyclic::CyclicConfig;
use crate::kinds::exponential::ExponentialConfig;
use crate::kinds::linear::LinearConfig;
use crate::kinds::loss_spike::LossSpikeConfig;
use crate::kinds::lr_range::LrRangeConfig;
use crate::kinds::multistep::MultiStepConfig;
use crate::kinds::one_cycle::OneCycleConfig;
use crate::kinds::plateau::PlateauConfig;
use crate::kinds::polynomial::PolynomialConfig;
use crate::kinds::sequential::SequentialConfig;
use crate::kinds::step::StepConfig;
use crate::kinds::warmup::WarmupConfig;

/// Every schedule family, tagged by `kind`. Each variant's table rejects unknown keys and fills
/// PyTorch's defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScheduleConfig {
    Constant(ConstantConfig),
    Step(StepConfig),
    Multistep(MultiStepConfig),
    Exponential(ExponentialConfig),
    Cosine(CosineConfig),
    CosineRestarts(CosineRestartsConfig),
    Cyclic(CyclicConfig),
    OneCycle(OneCycleConfig),
    Linear(LinearConfig),
    Polynomial(PolynomialConfig),
    Warmup(WarmupConfig),
    Sequential(SequentialConfig),
    ReduceOnPlateau(PlateauConfig),
    LossSpike(LossSpikeConfig),
    LrRange(LrRangeConfig),
}

/// The `kind` names, in the order of the table in the README.
pub const KINDS: [&str; 15] = [
    "constant",
    "step",
    "multistep",
    "exponential",
    "cosine",
    "cosine_restarts",
    "cyclic",
    "one_cycle",
    "linear",
    "polynomial",
    "warmup",
    "sequential",
    "reduce_on_plateau",
    "loss_spike",
    "lr_range",
];

impl ScheduleConfig {
    /// The `kind` of this schedule, as written in TOML.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Constant(_) => "constant",
            Self::Step(_) => "step",
            Self::Multistep(_) => "multistep",
            Self::Exponential(_) => "exponential",
            Self::Cosine(_) => "cosine",
            Self::CosineRestarts(_) => "cosine_restarts",
            Self::Cyclic(_) => "cyclic",
            Self::OneCycle(_) => "one_cycle",
            Self::Linear(_) => "linear",
            Self::Polynomial(_) => "polynomial",
            Self::Warmup(_) => "warmup",
            Self::Sequential(_) => "sequential",
            Self::ReduceOnPlateau(_) => "reduce_on_plateau",
            Self::LossSpike(_) => "loss_spike",
            Self::LrRange(_) => "lr_range",
        }
    }

    /// Checks every rule; field names in the error are relative to this table.
    ///
    /// # Errors
    /// The first broken rule, naming the field, its value and the rule.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        self.validate_at("")
    }

    /// [`validate`](Self::validate) for a table nested at `path` (e.g. `then`).
    pub(crate) fn validate_at(&self, path: &str) -> Result<(), ScheduleError> {
        let check = Check { path };
        match self {
            Self::Constant(c) => c.validate(&check),
            Self::Step(c) => c.validate(&check),
            Self::Multistep(c) => c.validate(&check),
            Self::Exponential(c) => c.validate(&check),
            Self::Cosine(c) => c.validate(&check),
            Self::CosineRestarts(c) => c.validate(&check),
            Self::Cyclic(c) => c.validate(&check),
            Self::OneCycle(c) => c.validate(&check),
            Self::Linear(c) => c.validate(&check),
            Self::Polynomial(c) => c.validate(&check),
            Self::Warmup(c) => c.validate(&check),
            Self::Sequential(c) => c.validate(&check),
            Self::ReduceOnPlateau(c) => c.validate(&check),
            Self::LossSpike(c) => c.validate(&check),
            Self::LrRange(c) => c.validate(&check),
        }
    }

    /// Whether the schedule (or one nested in it) reacts to observed metrics.
    pub fn is_loss_driven(&self) -> bool {
        match self {
            Self::ReduceOnPlateau(_) | Self::LossSpike(_) => true,
            Self::Warmup(w) => w.then.is_loss_driven(),
            Self::Sequential(s) => s.schedules.iter().any(Self::is_loss_driven),
            _ => false,
        }
    }
}

/// A schedule config that passed [`ScheduleConfig::validate`]: only these are run.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule(ScheduleConfig);

impl Schedule {
    /// Validates `config`.
    ///
    /// # Errors
    /// The first rule `config` breaks.
    pub fn new(config: ScheduleConfig) -> Result<Self, ScheduleError> {
        config.validate()?;
        Ok(Self(config))
    }

    pub fn config(&self) -> &ScheduleConfig {
        &self.0
    }

    /// The LR of optimizer step `k`, for schedules that depend on the step alone (`None` for
    /// loss-driven ones). Recursive families replay PyTorch's recurrence, so this costs O(k);
    /// to walk a whole run, step a [`Scheduler`](crate::Scheduler) instead.
    pub fn lr_at(&self, k: u64) -> Option<f64> {
        if self.0.is_loss_driven() {
            return None;
        }
        let mut scheduler = crate::Scheduler::new(self.clone());
        let mut lr = 0.0;
        for _ in 0..=k {
            lr = scheduler.step();
        }
        Some(lr)
    }
}

impl TryFrom<ScheduleConfig> for Schedule {
    type Error = ScheduleError;

    fn try_from(config: ScheduleConfig) -> Result<Self, ScheduleError> {
        Self::new(config)
    }
}
