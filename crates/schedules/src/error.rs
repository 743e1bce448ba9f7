//! The typed error a schedule config is validated into: one variant per rule, each carrying
//! the field (as a path such as `then.t_max` or `schedules[1].gamma`) and the offending value.

use thiserror::Error;

/// A rule broken by a schedule config.
#[derive(Clone, Debug, PartialEq, Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// A learning rate or scale that must be a finite number greater than zero.
    #[error("{field} = {value}: must be a finite number greater than 0")]
    NotPositive { field: String, value: f64 },
    /// A value that must be a finite number of at least zero.
    #[error("{field} = {value}: must be a finite number of at least 0")]
    Negative { field: String, value: f64 },
    /// A finite value outside a closed or half-open interval.
    #[error("{field} = {value}: must be in {range}")]
    OutOfRange {
        field: String,
        value: f64,
        /// The interval in mathematical notation, e.g. `(0, 1]`.
        range: &'static str,
    },
    /// A count of steps that must be at least some minimum.
    #[error("{field} = {value}: must be at least {min}")]
    TooSmall { field: String, value: u64, min: u64 },
    /// Two fields in the wrong order, e.g. `end_lr` not above `start_lr`.
    #[error("{field} = {value} must be greater than {other} = {other_value}")]
    NotAbove {
        field: String,
        value: f64,
        other: String,
        other_value: f64,
    },
    /// Two fields in the wrong order, e.g. `base_momentum` above `max_momentum`.
    #[error("{field} = {value} must not exceed {other} = {other_value}")]
    Exceeds {
        field: String,
        value: f64,
        other: String,
        other_value: f64,
    },
    /// Milestones that do not rise strictly.
    #[error("{field} = {value:?}: milestones must be at least 1 and strictly increasing")]
    MilestonesNotIncreasing { field: String, value: Vec<u64> },
    /// A `sequential` schedule whose milestones do not match its schedules.
    #[error(
        "{field}: {schedules} schedules need {} milestones (one where each later schedule takes over), got {milestones}",
        schedules.saturating_sub(1)
    )]
    MilestoneCount {
        field: String,
        schedules: usize,
        milestones: usize,
    },
    /// A `one_cycle` schedule with neither `total_steps` nor `epochs` × `steps_per_epoch`.
    #[error("{field}: set total_steps, or both epochs and steps_per_epoch")]
    MissingTotalSteps { field: String },
    /// A `one_cycle` phase that would span no steps, which PyTorch turns into a division by zero.
    #[error(
        "{field}: phase {phase} of the cycle would end at step {end} but starts at step {start}; \
         raise total_steps or move pct_start (= {pct_start}) away from 0 and 1"
    )]
    EmptyPhase {
        field: String,
        phase: usize,
        start: f64,
        end: f64,
        pct_start: f64,
    },
    /// A loss-driven schedule where only the step count can drive it (burn's `LrScheduler`,
    /// which burn-train's `Learner` steps, never sees the loss).
    #[error(
        "{kind} is loss-driven and burn's LrScheduler never sees the loss, so burn-train's Learner \
         would run it at a constant LR; step a schedules::Scheduler in a loop of your own and feed \
         it the loss with Observe::observe after each step or epoch"
    )]
    LossDriven { kind: &'static str },
}

/// Joins a field name onto the path of the table it sits in.
pub(crate) fn field(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Field checks shared by every schedule. Each returns the error naming `path.name`.
pub(crate) struct Check<'a> {
    pub path: &'a str,
}

impl Check<'_> {
    pub fn positive(&self, name: &str, value: f64) -> Result<(), ScheduleError> {
        if value.is_finite() && value > 0.0 {
            Ok(())
        } else {
            Err(ScheduleError::NotPositive {
                field: field(self.path, name),
                value,
            })
        }
    }

    pub fn non_negative(&self, name: &str, value: f64) -> Result<(), ScheduleError> {
        if value.is_finite() && value >= 0.0 {
            Ok(())
        } else {
            Err(ScheduleError::Negative {
                field: field(self.path, name),
                value,
            })
        }
    }

    /// `value` in `[0, 1]`.
    pub fn unit(&self, name: &str, value: f64) -> Result<(), ScheduleError> {
        self.range(name, value, "[0, 1]", (0.0..=1.0).contains(&value))
    }

    /// `value` in `(0, 1]`: a decay factor.
    pub fn decay(&self, name: &str, value: f64) -> Result<(), ScheduleError> {
        self.range(name, value, "(0, 1]", value > 0.0 && value <= 1.0)
    }

    pub fn range(
        &self,
        name: &str,
        value: f64,
        range: &'static str,
        inside: bool,
    ) -> Result<(), ScheduleError> {
        if inside {
            Ok(())
        } else {
            Err(ScheduleError::OutOfRange {
                field: field(self.path, name),
                value,
                range,
            })
        }
    }

    pub fn at_least(&self, name: &str, value: u64, min: u64) -> Result<(), ScheduleError> {
        if value >= min {
            Ok(())
        } else {
            Err(ScheduleError::TooSmall {
                field: field(self.path, name),
                value,
                min,
            })
        }
    }

    /// `low` must not exceed `high`.
    pub fn ordered(&self, low: (&str, f64), high: (&str, f64)) -> Result<(), ScheduleError> {
        if low.1 <= high.1 {
            Ok(())
        } else {
            Err(ScheduleError::Exceeds {
                field: field(self.path, low.0),
                value: low.1,
                other: field(self.path, high.0),
                other_value: high.1,
            })
        }
    }

    /// `base_momentum` and `max_momentum` in [0, 1], the first not above the second.
    pub fn momentum_pair(&self, base: f64, max: f64) -> Result<(), ScheduleError> {
        self.unit("base_momentum", base)?;
        self.unit("max_momentum", max)?;
        self.ordered(("base_momentum", base), ("max_momentum", max))
    }

    pub fn field(&self, name: &str) -> String {
        field(self.path, name)
    }
}
