//! `cosine`: PyTorch's CosineAnnealingLR (Loshchilov & Hutter, SGDR, 2017, without restarts).
//!
//! PyTorch does not clamp at `t_max`: the LR follows
//! `eta_min + (lr − eta_min)(1 + cos(πk / t_max)) / 2` for every k, so it rises again after
//! `t_max` with period `2 · t_max`. PyTorch computes it recursively, and so do we.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use super::Chain;
use crate::error::{Check, ScheduleError};

/// `kind = "cosine"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosineConfig {
    pub lr: f64,
    pub t_max: u64,
    #[serde(default)]
    pub eta_min: f64,
}

impl CosineConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("lr", self.lr)?;
        check.at_least("t_max", self.t_max, 1)?;
        check.non_negative("eta_min", self.eta_min)
    }

    /// The closed form, `eta_min + (lr − eta_min)(1 + cos(πk / t_max)) / 2`.
    pub fn closed_form(&self, k: u64) -> f64 {
        self.eta_min
            + (self.lr - self.eta_min) * (1.0 + (PI * k as f64 / self.t_max as f64).cos()) / 2.0
    }
}

impl Chain for CosineConfig {
    fn first(&self) -> f64 {
        self.lr
    }

    fn next(&self, k: u64, prev: f64) -> f64 {
        let t_max = self.t_max as f64;
        // At k = t_max + 1 (mod 2·t_max) the ratio below would divide by 1 + cos(π) = 0, so
        // PyTorch adds the first step of the rising half explicitly.
        if (k as i128 - 1 - self.t_max as i128).rem_euclid(2 * self.t_max as i128) == 0 {
            return prev + (self.lr - self.eta_min) * (1.0 - (PI / t_max).cos()) / 2.0;
        }
        (1.0 + (PI * k as f64 / t_max).cos()) / (1.0 + (PI * (k - 1) as f64 / t_max).cos())
            * (prev - self.eta_min)
            + self.eta_min
    }

    fn restart(&self) -> f64 {
        self.closed_form(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_utils::{assert_close, chain_lrs};

    #[test]
    fn quarter_points_and_rise_past_t_max() {
        let cfg = CosineConfig {
            lr: 1.0,
            t_max: 2,
            eta_min: 0.0,
        };
        // cos(0) = 1 → 1; cos(π/2) = 0 → 0.5; cos(π) = −1 → 0; cos(3π/2) → 0.5; cos(2π) → 1.
        assert_close(&chain_lrs(&cfg, 5), &[1.0, 0.5, 0.0, 0.5, 1.0], 1e-15);
    }

    #[test]
    fn recurrence_tracks_closed_form() {
        let cfg = CosineConfig {
            lr: 0.1,
            t_max: 7,
            eta_min: 1e-3,
        };
        let closed: Vec<f64> = (0..40).map(|k| cfg.closed_form(k)).collect();
        assert_close(&chain_lrs(&cfg, 40), &closed, 1e-12);
    }
}
