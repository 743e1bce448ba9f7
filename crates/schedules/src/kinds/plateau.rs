//! `reduce_on_plateau`: PyTorch's ReduceLROnPlateau. It watches a metric (fed through
//! [`Observe::observe`](crate::Observe::observe)) and multiplies the LR by `factor` once the
//! metric has not improved for more than `patience` observations.

use serde::{Deserialize, Serialize};

use crate::error::{Check, ScheduleError};

/// Whether lower (`min`, a loss) or higher (`max`, an accuracy) is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlateauMode {
    Min,
    Max,
}

/// Whether `threshold` is relative to the best value or an absolute margin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdMode {
    Rel,
    Abs,
}

/// `kind = "reduce_on_plateau"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlateauConfig {
    pub lr: f64,
    #[serde(default = "default_mode")]
    pub mode: PlateauMode,
    #[serde(default = "default_factor")]
    pub factor: f64,
    #[serde(default = "default_patience")]
    pub patience: u64,
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    #[serde(default = "default_threshold_mode")]
    pub threshold_mode: ThresholdMode,
    #[serde(default)]
    pub cooldown: u64,
    #[serde(default)]
    pub min_lr: f64,
    #[serde(default = "default_eps")]
    pub eps: f64,
}

pub(crate) fn default_mode() -> PlateauMode {
    PlateauMode::Min
}
pub(crate) fn default_factor() -> f64 {
    0.1
}
pub(crate) fn default_patience() -> u64 {
    10
}
pub(crate) fn default_threshold() -> f64 {
    1e-4
}
pub(crate) fn default_threshold_mode() -> ThresholdMode {
    ThresholdMode::Rel
}
pub(crate) fn default_eps() -> f64 {
    1e-8
}

/// What the schedule remembers between observations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlateauState {
    pub lr: f64,
    pub best: f64,
    pub num_bad: u64,
    pub cooldown: u64,
}

impl PlateauConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("lr", self.lr)?;
        check.range(
            "factor",
            self.factor,
            "[0, 1)",
            (0.0..1.0).contains(&self.factor),
        )?;
        check.non_negative("threshold", self.threshold)?;
        check.non_negative("min_lr", self.min_lr)?;
        check.non_negative("eps", self.eps)
    }

    /// The state before any observation: the worst possible best.
    pub fn start(&self) -> PlateauState {
        let best = match self.mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        };
        PlateauState {
            lr: self.lr,
            best,
            num_bad: 0,
            cooldown: 0,
        }
    }

    fn is_better(&self, metric: f64, best: f64) -> bool {
        match (self.mode, self.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => metric < best * (1.0 - self.threshold),
            (PlateauMode::Min, ThresholdMode::Abs) => metric < best - self.threshold,
            (PlateauMode::Max, ThresholdMode::Rel) => metric > best * (self.threshold + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => metric > best + self.threshold,
        }
    }

    /// PyTorch's `step(metrics)`: the state after observing `metric`.
    pub fn observe(&self, state: PlateauState, metric: f64) -> PlateauState {
        let mut s = state;
        if self.is_better(metric, s.best) {
            s.best = metric;
            s.num_bad = 0;
        } else {
            s.num_bad += 1;
        }
        if s.cooldown > 0 {
            s.cooldown -= 1;
            s.num_bad = 0; // bad observations during cooldown are ignored
        }
        if s.num_bad > self.patience {
            let reduced = s.lr * self.factor;
            // Python's max(reduced, min_lr): the first argument unless the second is larger.
            let new_lr = if self.min_lr > reduced {
                self.min_lr
            } else {
                reduced
            };
            if s.lr - new_lr > self.eps {
                s.lr = new_lr;
            }
            s.cooldown = self.cooldown;
            s.num_bad = 0;
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cfg: &PlateauConfig, metrics: &[f64]) -> Vec<f64> {
        let mut s = cfg.start();
        metrics
            .iter()
            .map(|&m| {
                s = cfg.observe(s, m);
                s.lr
            })
            .collect()
    }

    #[test]
    fn reduces_after_patience_then_cools_down() {
        let cfg: PlateauConfig =
            toml::from_str("lr = 1.0\nfactor = 0.5\npatience = 1\ncooldown = 1").unwrap();
        // 1.0 sets the best; two flat observations exceed patience 1 → 0.5; the next one is
        // swallowed by the cooldown; two more flat ones reduce again.
        assert_eq!(
            run(&cfg, &[1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
            [1.0, 1.0, 0.5, 0.5, 0.5, 0.25]
        );
    }

    #[test]
    fn max_mode_and_min_lr_floor() {
        let cfg: PlateauConfig =
            toml::from_str("lr = 1.0\nmode = \"max\"\npatience = 0\nmin_lr = 0.05").unwrap();
        assert_eq!(
            run(&cfg, &[0.5, 0.6, 0.6, 0.4, 0.3]),
            [1.0, 1.0, 0.1, 0.05, 0.05]
        );
    }
}
