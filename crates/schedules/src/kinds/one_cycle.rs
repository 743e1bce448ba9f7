//! `one_cycle`: PyTorch's OneCycleLR (Smith & Topin, "Super-Convergence", 2018): up from
//! `max_lr / div_factor` to `max_lr` over `pct_start` of the run, then down to
//! `initial / final_div_factor` (or, with `three_phase`, back to the initial LR and then down).
//! Momentum moves inversely between `max_momentum` and `base_momentum`.
//!
//! PyTorch raises when stepped past `total_steps`; as a burn scheduler cannot fail, the LR
//! holds at its final value instead, and `harness schedule` warns about it.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use super::Closed;
use super::cyclic::default_true;
use crate::error::{Check, ScheduleError};

/// How each phase interpolates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anneal {
    Cos,
    Linear,
}

impl Anneal {
    /// PyTorch's `_annealing_cos` / `_annealing_linear` from `start` to `end` at `pct ∈ [0, 1]`.
    pub fn interpolate(self, start: f64, end: f64, pct: f64) -> f64 {
        match self {
            Anneal::Cos => {
                let cos_out = (PI * pct).cos() + 1.0;
                end + (start - end) / 2.0 * cos_out
            }
            Anneal::Linear => (end - start) * pct + start,
        }
    }
}

/// `kind = "one_cycle"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneCycleConfig {
    pub max_lr: f64,
    /// Or `epochs` × `steps_per_epoch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_steps: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps_per_epoch: Option<u64>,
    #[serde(default = "default_pct_start")]
    pub pct_start: f64,
    #[serde(default = "default_anneal")]
    pub anneal_strategy: Anneal,
    #[serde(default = "default_div_factor")]
    pub div_factor: f64,
    #[serde(default = "default_final_div_factor")]
    pub final_div_factor: f64,
    #[serde(default)]
    pub three_phase: bool,
    #[serde(default = "default_true")]
    pub cycle_momentum: bool,
    #[serde(default = "default_base_momentum")]
    pub base_momentum: f64,
    #[serde(default = "default_max_momentum")]
    pub max_momentum: f64,
}

pub(crate) fn default_pct_start() -> f64 {
    0.3
}
pub(crate) fn default_anneal() -> Anneal {
    Anneal::Cos
}
pub(crate) fn default_div_factor() -> f64 {
    25.0
}
pub(crate) fn default_final_div_factor() -> f64 {
    1e4
}
pub(crate) fn default_base_momentum() -> f64 {
    0.85
}
pub(crate) fn default_max_momentum() -> f64 {
    0.95
}

/// Which level a phase starts or ends at.
#[derive(Clone, Copy)]
enum Level {
    Initial,
    Max,
    Min,
}

/// One phase: it ends at step `end` (a float, as in PyTorch) and moves the LR from one level to
/// another; the momentum moves between `max_momentum` (`true`) and `base_momentum` (`false`).
struct Phase {
    end: f64,
    from: Level,
    to: Level,
    momentum_from_max: bool,
    momentum_to_max: bool,
}

impl OneCycleConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("max_lr", self.max_lr)?;
        let total = self
            .total()
            .ok_or_else(|| ScheduleError::MissingTotalSteps {
                field: check.field("total_steps"),
            })?;
        if let Some(total_steps) = self.total_steps {
            check.at_least("total_steps", total_steps, 1)?;
        } else {
            check.at_least("epochs", self.epochs.unwrap_or(0), 1)?;
            check.at_least("steps_per_epoch", self.steps_per_epoch.unwrap_or(0), 1)?;
        }
        check.unit("pct_start", self.pct_start)?;
        check.positive("div_factor", self.div_factor)?;
        check.positive("final_div_factor", self.final_div_factor)?;
        check.momentum_pair(self.base_momentum, self.max_momentum)?;
        let mut start = 0.0;
        for (i, phase) in self.phases(total).iter().enumerate() {
            if phase.end <= start {
                return Err(ScheduleError::EmptyPhase {
                    field: check.field("pct_start"),
                    phase: i + 1,
                    start,
                    end: phase.end,
                    pct_start: self.pct_start,
                });
            }
            start = phase.end;
        }
        Ok(())
    }

    /// The number of steps in the cycle: `total_steps`, else `epochs × steps_per_epoch`.
    pub fn total(&self) -> Option<u64> {
        match (self.total_steps, self.epochs, self.steps_per_epoch) {
            (Some(total), _, _) => Some(total),
            (None, Some(epochs), Some(per_epoch)) => epochs.checked_mul(per_epoch),
            _ => None,
        }
    }

    fn phases(&self, total: u64) -> Vec<Phase> {
        let total = total as f64;
        let up_end = self.pct_start * total - 1.0;
        if self.three_phase {
            vec![
                Phase {
                    end: up_end,
                    from: Level::Initial,
                    to: Level::Max,
                    momentum_from_max: true,
                    momentum_to_max: false,
                },
                Phase {
                    end: 2.0 * self.pct_start * total - 2.0,
                    from: Level::Max,
                    to: Level::Initial,
                    momentum_from_max: false,
                    momentum_to_max: true,
                },
                Phase {
                    end: total - 1.0,
                    from: Level::Initial,
                    to: Level::Min,
                    momentum_from_max: true,
                    momentum_to_max: true,
                },
            ]
        } else {
            vec![
                Phase {
                    end: up_end,
                    from: Level::Initial,
                    to: Level::Max,
                    momentum_from_max: true,
                    momentum_to_max: false,
                },
                Phase {
                    end: total - 1.0,
                    from: Level::Max,
                    to: Level::Min,
                    momentum_from_max: false,
                    momentum_to_max: true,
                },
            ]
        }
    }

    /// Steps at which each phase after the first begins, for plots.
    pub fn phase_starts(&self) -> Vec<u64> {
        let total = self.total().unwrap_or(0);
        let phases = self.phases(total);
        phases[..phases.len() - 1]
            .iter()
            .map(|p| p.end.floor() as u64 + 1)
            .collect()
    }

    fn level(&self, level: Level) -> f64 {
        let initial = self.max_lr / self.div_factor;
        match level {
            Level::Initial => initial,
            Level::Max => self.max_lr,
            Level::Min => initial / self.final_div_factor,
        }
    }

    fn momentum_level(&self, max: bool) -> f64 {
        if max {
            self.max_momentum
        } else {
            self.base_momentum
        }
    }

    /// `(phase, pct)` at step `k`, held at the last step past the end of the cycle.
    fn locate(&self, k: u64) -> (Phase, f64) {
        let total = self.total().unwrap_or(1);
        let step = k.min(total - 1) as f64;
        let phases = self.phases(total);
        let last = phases.len() - 1;
        let mut start = 0.0;
        for (i, phase) in phases.into_iter().enumerate() {
            if step <= phase.end || i == last {
                let pct = (step - start) / (phase.end - start);
                return (phase, pct);
            }
            start = phase.end;
        }
        unreachable!("the last phase always matches")
    }
}

impl Closed for OneCycleConfig {
    fn lr_at(&self, k: u64) -> f64 {
        let (phase, pct) = self.locate(k);
        self.anneal_strategy
            .interpolate(self.level(phase.from), self.level(phase.to), pct)
    }

    fn momentum_at(&self, k: u64) -> Option<f64> {
        if !self.cycle_momentum {
            return None;
        }
        let (phase, pct) = self.locate(k);
        Some(self.anneal_strategy.interpolate(
            self.momentum_level(phase.momentum_from_max),
            self.momentum_level(phase.momentum_to_max),
            pct,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(extra: &str) -> OneCycleConfig {
        toml::from_str(&format!("max_lr = 1.0\ntotal_steps = 11\n{extra}")).unwrap()
    }

    #[test]
    fn linear_two_phases() {
        // pct_start 0.3 × 11 − 1 = 2.3: up from 1/25 over steps 0..=2.3, then down to 0.04 / 1e4.
        let c = cfg("anneal_strategy = \"linear\"\ndiv_factor = 10.0\nfinal_div_factor = 10.0");
        assert_eq!(c.lr_at(0), 0.1);
        assert!((c.lr_at(2) - (0.1 + 0.9 * 2.0 / 2.3)).abs() < 1e-15);
        assert!((c.lr_at(10) - 0.01).abs() < 1e-15);
        assert_eq!(c.lr_at(25), c.lr_at(10), "held past the end");
        assert_eq!(c.momentum_at(0), Some(0.95));
        assert_eq!(c.momentum_at(10), Some(0.95));
        assert_eq!(c.phase_starts(), [3]);
    }

    #[test]
    fn epochs_times_steps_per_epoch() {
        let c: OneCycleConfig =
            toml::from_str("max_lr = 1.0\nepochs = 3\nsteps_per_epoch = 7").unwrap();
        assert_eq!(c.total(), Some(21));
    }
}
