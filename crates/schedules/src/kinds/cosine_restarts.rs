//! `cosine_restarts`: PyTorch's CosineAnnealingWarmRestarts (SGDR, Loshchilov & Hutter 2017).
//! Cycle `i` lasts `t_0 · t_mult^i` steps; within a cycle the LR is a cosine from `lr` down
//! towards `eta_min`, and it jumps back to `lr` at each restart.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use super::Closed;
use crate::error::{Check, ScheduleError};

/// `kind = "cosine_restarts"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosineRestartsConfig {
    pub lr: f64,
    pub t_0: u64,
    #[serde(default = "default_t_mult")]
    pub t_mult: u64,
    #[serde(default)]
    pub eta_min: f64,
}

pub(crate) fn default_t_mult() -> u64 {
    1
}

impl CosineRestartsConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("lr", self.lr)?;
        check.at_least("t_0", self.t_0, 1)?;
        check.at_least("t_mult", self.t_mult, 1)?;
        check.non_negative("eta_min", self.eta_min)
    }

    /// `(t_cur, t_i)` at step `k`: steps since the last restart and the current cycle length.
    pub fn position(&self, k: u64) -> (u64, u64) {
        if self.t_mult == 1 {
            return (k % self.t_0, self.t_0);
        }
        let (mut t_cur, mut t_i) = (k, self.t_0);
        while t_cur >= t_i {
            t_cur -= t_i;
            t_i = t_i.saturating_mul(self.t_mult);
        }
        (t_cur, t_i)
    }

    /// Steps at which a new cycle starts, below `end`.
    pub fn restarts_before(&self, end: u64) -> Vec<u64> {
        let (mut at, mut len) = (self.t_0, self.t_0);
        let mut out = Vec::new();
        while at < end {
            out.push(at);
            len = len.saturating_mul(self.t_mult);
            at = at.saturating_add(len);
        }
        out
    }
}

impl Closed for CosineRestartsConfig {
    fn lr_at(&self, k: u64) -> f64 {
        let (t_cur, t_i) = self.position(k);
        self.eta_min
            + (self.lr - self.eta_min) * (1.0 + (PI * t_cur as f64 / t_i as f64).cos()) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_double_with_t_mult_2() {
        let cfg = CosineRestartsConfig {
            lr: 1.0,
            t_0: 2,
            t_mult: 2,
            eta_min: 0.0,
        };
        // Cycles of 2, 4, 8 steps start at 0, 2, 6, 14.
        let positions: Vec<_> = [0, 1, 2, 5, 6, 13, 14]
            .iter()
            .map(|&k| cfg.position(k))
            .collect();
        assert_eq!(
            positions,
            [(0, 2), (1, 2), (0, 4), (3, 4), (0, 8), (7, 8), (0, 16)]
        );
        assert_eq!(cfg.restarts_before(15), [2, 6, 14]);
        // Halfway through the first cycle: cos(π/2) = 0 → 0.5.
        assert!((cfg.lr_at(1) - 0.5).abs() < 1e-15);
        assert_eq!(cfg.lr_at(6), 1.0);
    }
}
