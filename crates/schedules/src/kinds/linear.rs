//! `linear`: PyTorch's LinearLR, the factor moving linearly from `start_factor` to
//! `end_factor` over `total_iters` steps, then held.
//!
//! PyTorch requires `start_factor > 0` because its recurrence divides by the previous factor.
//! We also allow 0 (a warm-up from zero) and use the closed form for it.

use serde::{Deserialize, Serialize};

use super::{Chain, one};
use crate::error::{Check, ScheduleError};

/// `kind = "linear"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearConfig {
    pub lr: f64,
    #[serde(default = "default_start_factor")]
    pub start_factor: f64,
    #[serde(default = "one")]
    pub end_factor: f64,
    #[serde(default = "default_total_iters")]
    pub total_iters: u64,
}

pub(crate) fn default_start_factor() -> f64 {
    1.0 / 3.0
}

pub(crate) fn default_total_iters() -> u64 {
    5
}

impl LinearConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("lr", self.lr)?;
        check.unit("start_factor", self.start_factor)?;
        check.unit("end_factor", self.end_factor)?;
        check.at_least("total_iters", self.total_iters, 1)
    }

    /// `lr × (start + (end − start) · min(k, total_iters) / total_iters)`.
    pub fn closed_form(&self, k: u64) -> f64 {
        let span = self.end_factor - self.start_factor;
        self.lr
            * (self.start_factor + span * k.min(self.total_iters) as f64 / self.total_iters as f64)
    }
}

impl Chain for LinearConfig {
    fn first(&self) -> f64 {
        self.lr * self.start_factor
    }

    fn next(&self, k: u64, prev: f64) -> f64 {
        if k > self.total_iters {
            return prev;
        }
        if self.start_factor == 0.0 {
            return self.closed_form(k);
        }
        let span = self.end_factor - self.start_factor;
        prev * (1.0 + span / (self.total_iters as f64 * self.start_factor + (k - 1) as f64 * span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::{assert_close, chain_lrs};

    #[test]
    fn ramps_then_holds() {
        let cfg = LinearConfig {
            lr: 1.0,
            start_factor: 0.5,
            end_factor: 1.0,
            total_iters: 2,
        };
        assert_close(&chain_lrs(&cfg, 4), &[0.5, 0.75, 1.0, 1.0], 1e-15);
    }

    #[test]
    fn from_zero_uses_closed_form() {
        let cfg = LinearConfig {
            lr: 2.0,
            start_factor: 0.0,
            end_factor: 1.0,
            total_iters: 4,
        };
        assert_eq!(chain_lrs(&cfg, 6), [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]);
    }

    #[test]
    fn defaults_are_pytorch() {
        let cfg: LinearConfig = toml::from_str("lr = 1.0").unwrap();
        assert_eq!(
            (cfg.start_factor, cfg.end_factor, cfg.total_iters),
            (1.0 / 3.0, 1.0, 5)
        );
    }
}
