//! `polynomial`: PyTorch's PolynomialLR, `lr × (1 − min(k, total_iters) / total_iters)^power`,
//! computed with PyTorch's recurrence.

use serde::{Deserialize, Serialize};

use super::{Chain, one};
use crate::error::{Check, ScheduleError};

/// `kind = "polynomial"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolynomialConfig {
    pub lr: f64,
    #[serde(default = "default_total_iters")]
    pub total_iters: u64,
    #[serde(default = "one")]
    pub power: f64,
}

pub(crate) fn default_total_iters() -> u64 {
    5
}

impl PolynomialConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("lr", self.lr)?;
        check.at_least("total_iters", self.total_iters, 1)?;
        check.positive("power", self.power)
    }
}

impl Chain for PolynomialConfig {
    fn first(&self) -> f64 {
        self.lr
    }

    fn next(&self, k: u64, prev: f64) -> f64 {
        if k > self.total_iters {
            return prev;
        }
        let total = self.total_iters as f64;
        let decay = ((1.0 - k as f64 / total) / (1.0 - (k - 1) as f64 / total)).powf(self.power);
        prev * decay
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::{assert_close, chain_lrs};

    #[test]
    fn quadratic_decay_to_zero() {
        let cfg = PolynomialConfig {
            lr: 1.0,
            total_iters: 4,
            power: 2.0,
        };
        // (1 − k/4)²: 1, 9/16, 1/4, 1/16, 0, then held at 0.
        assert_close(
            &chain_lrs(&cfg, 6),
            &[1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0],
            1e-15,
        );
    }
}
