//! `cyclic`: PyTorch's CyclicLR (Smith, "Cyclical Learning Rates for Training Neural Networks",
//! 2017): the LR goes from `base_lr` up to `max_lr` in `step_size_up` steps and back down in
//! `step_size_down`; `triangular2` halves the amplitude every cycle and `exp_range` scales it
//! by `gamma^k` (per step, not per cycle). Momentum, when cycled, moves inversely.

use serde::{Deserialize, Serialize};

use super::{Closed, one};
use crate::error::{Check, ScheduleError};

/// The amplitude policy of a cyclic schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CyclicMode {
    Triangular,
    Triangular2,
    ExpRange,
}

/// `kind = "cyclic"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CyclicConfig {
    pub base_lr: f64,
    pub max_lr: f64,
    #[serde(default = "default_step_size_up")]
    pub step_size_up: u64,
    /// Defaults to `step_size_up`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_size_down: Option<u64>,
    #[serde(default = "default_mode")]
    pub mode: CyclicMode,
    #[serde(default = "one")]
    pub gamma: f64,
    #[serde(default = "default_true")]
    pub cycle_momentum: bool,
    #[serde(default = "default_base_momentum")]
    pub base_momentum: f64,
    #[serde(default = "default_max_momentum")]
    pub max_momentum: f64,
}

pub(crate) fn default_step_size_up() -> u64 {
    2000
}
pub(crate) fn default_mode() -> CyclicMode {
    CyclicMode::Triangular
}
pub(crate) fn default_true() -> bool {
    true
}
pub(crate) fn default_base_momentum() -> f64 {
    0.8
}
pub(crate) fn default_max_momentum() -> f64 {
    0.9
}

impl CyclicConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.non_negative("base_lr", self.base_lr)?;
        check.non_negative("max_lr", self.max_lr)?;
        check.at_least("step_size_up", self.step_size_up, 1)?;
        check.decay("gamma", self.gamma)?;
        check.momentum_pair(self.base_momentum, self.max_momentum)
    }

    fn step_size_down(&self) -> u64 {
        self.step_size_down.unwrap_or(self.step_size_up)
    }

    /// Number of steps in one cycle.
    pub fn cycle_len(&self) -> u64 {
        self.step_size_up + self.step_size_down()
    }

    /// `(scale_factor, amplitude scale)` at step `k`, as PyTorch's `get_lr` computes them.
    fn shape(&self, k: u64) -> (f64, f64) {
        let up = self.step_size_up as f64;
        let total = up + self.step_size_down() as f64;
        let step_ratio = up / total;
        let cycle = (1.0 + k as f64 / total).floor();
        let x = 1.0 + k as f64 / total - cycle;
        let scale_factor = if x <= step_ratio {
            x / step_ratio
        } else {
            (x - 1.0) / (step_ratio - 1.0)
        };
        let amplitude = match self.mode {
            CyclicMode::Triangular => 1.0,
            CyclicMode::Triangular2 => 1.0 / 2f64.powf(cycle - 1.0),
            CyclicMode::ExpRange => self.gamma.powf(k as f64),
        };
        (scale_factor, amplitude)
    }
}

impl Closed for CyclicConfig {
    fn lr_at(&self, k: u64) -> f64 {
        let (scale_factor, amplitude) = self.shape(k);
        let base_height = (self.max_lr - self.base_lr) * scale_factor;
        self.base_lr + base_height * amplitude
    }

    fn momentum_at(&self, k: u64) -> Option<f64> {
        if !self.cycle_momentum {
            return None;
        }
        let (scale_factor, amplitude) = self.shape(k);
        let base_height = (self.max_momentum - self.base_momentum) * scale_factor;
        Some(self.max_momentum - base_height * amplitude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(mode: &str) -> CyclicConfig {
        toml::from_str(&format!(
            "base_lr = 0.0\nmax_lr = 1.0\nstep_size_up = 2\nmode = \"{mode}\"\ngamma = 0.5"
        ))
        .unwrap()
    }

    #[test]
    fn triangular_goes_up_and_down() {
        let lrs: Vec<f64> = (0..6).map(|k| cfg("triangular").lr_at(k)).collect();
        assert_eq!(lrs, [0.0, 0.5, 1.0, 0.5, 0.0, 0.5]);
        // Momentum mirrors it between 0.9 and 0.8.
        assert_eq!(cfg("triangular").momentum_at(2), Some(0.8));
    }

    #[test]
    fn triangular2_halves_each_cycle() {
        let c = cfg("triangular2");
        assert_eq!((c.lr_at(2), c.lr_at(6), c.lr_at(10)), (1.0, 0.5, 0.25));
    }

    #[test]
    fn exp_range_scales_per_step() {
        // At k = 2 the triangle peaks (1.0) and the amplitude is 0.5² = 0.25.
        assert_eq!(cfg("exp_range").lr_at(2), 0.25);
    }
}
