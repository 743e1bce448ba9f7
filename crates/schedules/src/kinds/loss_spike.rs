//! `loss_spike`: the adaptive rule of our learning-rate study (no PyTorch counterpart). After
//! each observed loss, if `loss / previous loss > spike_threshold` the LR is halved
//! (`decay = "divide"`) or multiplied by √0.5 (`decay = "sqrt"`), never below `min_lr`.

use serde::{Deserialize, Serialize};

use crate::error::{Check, ScheduleError};

/// How much a spike cuts the LR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpikeDecay {
    /// `lr / 2`.
    Divide,
    /// `lr · √0.5`: two spikes halve it.
    Sqrt,
}

/// `kind = "loss_spike"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossSpikeConfig {
    pub lr: f64,
    #[serde(default = "default_spike_threshold")]
    pub spike_threshold: f64,
    #[serde(default = "default_decay")]
    pub decay: SpikeDecay,
    #[serde(default = "default_min_lr")]
    pub min_lr: f64,
}

pub(crate) fn default_spike_threshold() -> f64 {
    1.1
}
pub(crate) fn default_decay() -> SpikeDecay {
    SpikeDecay::Divide
}
pub(crate) fn default_min_lr() -> f64 {
    1e-6
}

/// What the rule remembers: the LR and the last finite loss it saw.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpikeState {
    pub lr: f64,
    pub prev_loss: Option<f64>,
}

impl LossSpikeConfig {
    pub(crate) fn validate(&self, check: &Check) -> Result<(), ScheduleError> {
        check.positive("lr", self.lr)?;
        check.range(
            "spike_threshold",
            self.spike_threshold,
            "[1, ∞)",
            self.spike_threshold.is_finite() && self.spike_threshold >= 1.0,
        )?;
        check.non_negative("min_lr", self.min_lr)?;
        check.ordered(("min_lr", self.min_lr), ("lr", self.lr))
    }

    pub fn start(&self) -> SpikeState {
        SpikeState {
            lr: self.lr,
            prev_loss: None,
        }
    }

    /// The state after observing `loss`. A spike is `loss / prev > spike_threshold` with a
    /// positive previous loss; a non-finite loss counts as a spike but is not remembered.
    pub fn observe(&self, state: SpikeState, loss: f64) -> SpikeState {
        let spiked = match state.prev_loss {
            // A NaN ratio (a NaN loss) counts as a spike.
            Some(prev) if prev > 0.0 => (loss / prev)
                .partial_cmp(&self.spike_threshold)
                .is_none_or(|order| order.is_gt()),
            _ => false,
        };
        let lr = if spiked {
            let cut = match self.decay {
                SpikeDecay::Divide => state.lr / 2.0,
                SpikeDecay::Sqrt => state.lr * 0.5f64.sqrt(),
            };
            cut.max(self.min_lr)
        } else {
            state.lr
        };
        let prev_loss = if loss.is_finite() {
            Some(loss)
        } else {
            state.prev_loss
        };
        SpikeState { lr, prev_loss }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cfg: &LossSpikeConfig, losses: &[f64]) -> Vec<f64> {
        let mut s = cfg.start();
        losses
            .iter()
            .map(|&l| {
                s = cfg.observe(s, l);
                s.lr
            })
            .collect()
    }

    #[test]
    fn halves_on_spikes_down_to_min_lr() {
        let cfg: LossSpikeConfig = toml::from_str("lr = 0.4\nmin_lr = 0.15").unwrap();
        // 1.0 → 1.05 is within 1.1; 1.05 → 1.2 spikes (0.2); 1.2 → 0.9 calm; 0.9 → 2.0 spikes,
        // floored at 0.15; NaN counts as a spike but is not remembered.
        assert_eq!(
            run(&cfg, &[1.0, 1.05, 1.2, 0.9, 2.0, f64::NAN]),
            [0.4, 0.4, 0.2, 0.2, 0.15, 0.15]
        );
    }

    #[test]
    fn sqrt_decay_halves_in_two_spikes() {
        let cfg: LossSpikeConfig = toml::from_str("lr = 1.0\ndecay = \"sqrt\"").unwrap();
        let lrs = run(&cfg, &[1.0, 2.0, 4.0]);
        assert!((lrs[2] - 0.5).abs() < 1e-15);
    }
}
