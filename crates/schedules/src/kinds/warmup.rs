//! `warmup`: a linear warm-up in front of any schedule. Step `k < warmup_steps` uses the first
//! LR of `then` times `start_factor + (1 − start_factor) · k / warmup_steps`; step
//! `k >= warmup_steps` is step `k − warmup_steps` of `then`, whose clock (and whose view of
//! the loss, for loss-driven schedules) starts when the warm-up ends.

use serde::{Deserialize, Serialize};

use crate::config::ScheduleConfig;
use crate::error::{Check, ScheduleError};

/// `kind = "warmup"`, with the schedule that follows in a `[then]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarmupConfig {
    pub warmup_steps: u64,
    /// Factor of the first step; 0 starts from an LR of zero.
    #[serde(default)]
    pub start_factor: f64,
    pub then: Box<ScheduleConfig>,
}

impl WarmupConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.unit("start_factor", self.start_factor)?;
        self.then.validate_at(&check.field("then"))
    }

    /// The warm-up factor at step `k < warmup_steps`.
    pub fn factor(&self, k: u64) -> f64 {
        self.start_factor + (1.0 - self.start_factor) * k as f64 / self.warmup_steps as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_is_linear_from_start_factor() {
        let cfg: WarmupConfig = toml::from_str(
            "warmup_steps = 4\nstart_factor = 0.2\n[then]\nkind = \"constant\"\nlr = 1.0",
        )
        .unwrap();
        let f: Vec<f64> = (0..4).map(|k| cfg.factor(k)).collect();
        assert_eq!(f, [0.2, 0.4, 0.6000000000000001, 0.8]);
    }
}
