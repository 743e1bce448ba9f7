//! `lr_range`: the ramp of the LR range test (Smith 2015, popularised by fastai): step `i` of
//! `num_iters` goes from `start_lr` (i = 0) to `end_lr` (i = num_iters − 1), exponentially or
//! linearly, and holds `end_lr` afterwards.

use serde::{Deserialize, Serialize};

use super::Closed;
use crate::error::{Check, ScheduleError};

/// Exponential (even steps in log space) or linear ramp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RampMode {
    Exp,
    Linear,
}

/// `kind = "lr_range"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LrRangeConfig {
    #[serde(default = "default_start_lr")]
    pub start_lr: f64,
    #[serde(default = "default_end_lr")]
    pub end_lr: f64,
    #[serde(default = "default_num_iters")]
    pub num_iters: u64,
    #[serde(default = "default_mode")]
    pub mode: RampMode,
}

pub(crate) fn default_start_lr() -> f64 {
    1e-7
}
pub(crate) fn default_end_lr() -> f64 {
    10.0
}
pub(crate) fn default_num_iters() -> u64 {
    100
}
pub(crate) fn default_mode() -> RampMode {
    RampMode::Exp
}

impl LrRangeConfig {
    /// Checks the ramp on its own, its fields named without a path (`start_lr`, ...).
    ///
    /// # Errors
    /// The first field out of range.
    pub fn check(&self) -> Result<(), ScheduleError> {
        self.validate(&Check { path: "" })
    }

    /// The LR of ramp step `step` (0-based): the same value the schedule gives at that step.
    pub fn lr(&self, step: u64) -> f64 {
        self.lr_at(step)
    }

    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("start_lr", self.start_lr)?;
        check.positive("end_lr", self.end_lr)?;
        if self.end_lr <= self.start_lr {
            return Err(ScheduleError::NotAbove {
                field: check.field("end_lr"),
                value: self.end_lr,
                other: check.field("start_lr"),
                other_value: self.start_lr,
            });
        }
        check.at_least("num_iters", self.num_iters, 2)
    }
}

impl Closed for LrRangeConfig {
    fn lr_at(&self, k: u64) -> f64 {
        let last = self.num_iters - 1;
        if k >= last {
            return self.end_lr;
        }
        let pct = k as f64 / last as f64;
        match self.mode {
            RampMode::Exp => self.start_lr * (self.end_lr / self.start_lr).powf(pct),
            RampMode::Linear => self.start_lr + (self.end_lr - self.start_lr) * pct,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_ramp_hits_both_ends_and_decades_between() {
        let c = LrRangeConfig {
            start_lr: 1e-4,
            end_lr: 1.0,
            num_iters: 5,
            mode: RampMode::Exp,
        };
        let lrs: Vec<f64> = (0..6).map(|k| c.lr_at(k)).collect();
        // One decade per step: 1e-4, 1e-3, 1e-2, 1e-1, 1, then held.
        for (got, want) in lrs.iter().zip([1e-4, 1e-3, 1e-2, 1e-1, 1.0, 1.0]) {
            assert!((got / want - 1.0).abs() < 1e-12, "{got} vs {want}");
        }
    }

    #[test]
    fn linear_ramp() {
        let c = LrRangeConfig {
            start_lr: 1.0,
            end_lr: 3.0,
            num_iters: 3,
            mode: RampMode::Linear,
        };
        assert_eq!([c.lr_at(0), c.lr_at(1), c.lr_at(2)], [1.0, 2.0, 3.0]);
    }
}
