//! `step`: PyTorch's StepLR, the LR times `gamma` every `step_size` steps.

use serde::{Deserialize, Serialize};

use super::{Chain, default_gamma};
use crate::error::{Check, ScheduleError};

/// `kind = "step"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    pub lr: f64,
    pub step_size: u64,
    #[serde(default = "default_gamma")]
    pub gamma: f64,
}

impl StepConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("lr", self.lr)?;
        check.at_least("step_size", self.step_size, 1)?;
        check.decay("gamma", self.gamma)
    }
}

impl Chain for StepConfig {
    fn first(&self) -> f64 {
        self.lr
    }

    fn next(&self, k: u64, prev: f64) -> f64 {
        if !k.is_multiple_of(self.step_size) {
            prev
        } else {
            prev * self.gamma
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::chain_lrs;

    #[test]
    fn decays_every_step_size() {
        let cfg = StepConfig {
            lr: 1.0,
            step_size: 2,
            gamma: 0.5,
        };
        assert_eq!(chain_lrs(&cfg, 6), [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]);
    }
}
