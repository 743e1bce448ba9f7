//! `exponential`: PyTorch's ExponentialLR, the LR times `gamma` every step.

use serde::{Deserialize, Serialize};

use super::Chain;
use crate::error::{Check, ScheduleError};

/// `kind = "exponential"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExponentialConfig {
    pub lr: f64,
    pub gamma: f64,
}

impl ExponentialConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("lr", self.lr)?;
        check.decay("gamma", self.gamma)
    }
}

impl Chain for ExponentialConfig {
    fn first(&self) -> f64 {
        self.lr
    }

    fn next(&self, _k: u64, prev: f64) -> f64 {
        prev * self.gamma
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::chain_lrs;

    #[test]
    fn multiplies_every_step() {
        let cfg = ExponentialConfig {
            lr: 8.0,
            gamma: 0.5,
        };
        assert_eq!(chain_lrs(&cfg, 4), [8.0, 4.0, 2.0, 1.0]);
    }
}
