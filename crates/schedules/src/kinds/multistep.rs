//! `multistep`: PyTorch's MultiStepLR, the LR times `gamma` at each milestone. A milestone
//! listed twice counts twice (PyTorch keeps a `Counter`), so `[20, 20]` multiplies by γ².

use serde::{Deserialize, Serialize};

use super::{Chain, default_gamma};
use crate::error::{Check, ScheduleError};

/// `kind = "multistep"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiStepConfig {
    pub lr: f64,
    pub milestones: Vec<u64>,
    #[serde(default = "default_gamma")]
    pub gamma: f64,
}

impl MultiStepConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("lr", self.lr)?;
        check.decay("gamma", self.gamma)
    }

    fn times_listed(&self, k: u64) -> usize {
        self.milestones.iter().filter(|&&m| m == k).count()
    }

    fn decayed(&self, prev: f64, k: u64) -> f64 {
        match self.times_listed(k) {
            0 => prev,
            n => prev * self.gamma.powf(n as f64),
        }
    }
}

impl Chain for MultiStepConfig {
    fn first(&self) -> f64 {
        // PyTorch's constructor already steps once at k = 0, so a milestone 0 applies at once.
        self.decayed(self.lr, 0)
    }

    fn next(&self, k: u64, prev: f64) -> f64 {
        self.decayed(prev, k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::chain_lrs;

    #[test]
    fn repeated_milestone_counts_twice() {
        let cfg = MultiStepConfig {
            lr: 1.0,
            milestones: vec![2, 2, 4],
            gamma: 0.5,
        };
        // 1, 1, then × 0.5² at 2, then × 0.5 at 4.
        assert_eq!(chain_lrs(&cfg, 6), [1.0, 1.0, 0.25, 0.25, 0.125, 0.125]);
    }
}
