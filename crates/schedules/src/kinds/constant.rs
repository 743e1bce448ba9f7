//! `constant`: a fixed LR, or PyTorch's ConstantLR (`lr × factor` until `total_iters`, then `lr`).

use serde::{Deserialize, Serialize};

use super::{Chain, one};
use crate::error::{Check, ScheduleError};

/// `kind = "constant"`. With `factor` and `total_iters` left out it is a plain constant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstantConfig {
    pub lr: f64,
    #[serde(default = "one")]
    pub factor: f64,
    #[serde(default)]
    pub total_iters: u64,
}

impl ConstantConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("lr", self.lr)?;
        check.unit("factor", self.factor)
    }
}

impl Chain for ConstantConfig {
    fn first(&self) -> f64 {
        self.lr * self.factor
    }

    fn next(&self, k: u64, prev: f64) -> f64 {
        if k != self.total_iters {
            prev
        } else if self.factor == 0.0 {
            // PyTorch computes 0 × (1 / 0) = NaN here; the closed form gives the intended lr.
            self.lr
        } else {
            prev * (1.0 / self.factor)
        }
    }

    fn restart(&self) -> f64 {
        // PyTorch's closed form: base × (factor + [k >= total_iters] × (1 − factor)) at k = 0.
        let reached = if self.total_iters == 0 { 1.0 } else { 0.0 };
        self.lr * (self.factor + reached * (1.0 - self.factor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::chain_lrs;

    #[test]
    fn factor_applies_until_total_iters() {
        let cfg = ConstantConfig {
            lr: 0.1,
            factor: 0.5,
            total_iters: 3,
        };
        // 0.1 × 0.5 for k < 3, then × (1 / 0.5) = 0.1.
        assert_eq!(chain_lrs(&cfg, 5), [0.05, 0.05, 0.05, 0.1, 0.1]);
    }

    #[test]
    fn plain_constant_by_default() {
        let cfg: ConstantConfig = toml::from_str("lr = 0.3").unwrap();
        assert_eq!(chain_lrs(&cfg, 4), [0.3; 4]);
    }

    #[test]
    fn zero_factor_recovers_instead_of_nan() {
        let cfg = ConstantConfig {
            lr: 0.2,
            factor: 0.0,
            total_iters: 2,
        };
        assert_eq!(chain_lrs(&cfg, 4), [0.0, 0.0, 0.2, 0.2]);
    }
}
