//! The finder checks its own answer: a short run at the recommended LR from the sweep's
//! starting weights must show the loss falling and staying finite; if it does not, the LR is
//! halved and tried again, a few times at most. The training comes in as a closure `lr ->
//! losses of the probe's steps`, so the rule is tested on made-up curves.

use serde::{Deserialize, Serialize};

use crate::consensus::{Confidence, noise_sigma};

/// Optimizer steps of one probe.
pub const PROBE_STEPS: u64 = 20;
/// Halvings tried after the recommended LR fails its probe.
pub const MAX_BACK_OFFS: u32 = 4;

/// The last quarter's mean must lie this many standard errors below the first quarter's.
pub const FALL_IN_NOISE: f64 = 2.0;

/// One probe: its LR, the mean loss of its first and last quarter of steps, and the verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub lr: f64,
    pub steps: usize,
    pub first_loss: f64,
    pub last_loss: f64,
    pub passed: bool,
    /// Why it failed, in a sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

/// What the probes found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    /// In the order tried: the recommendation, then each halving.
    pub probes: Vec<Probe>,
    /// The first LR that passed; `None` if none did.
    pub confirmed_lr: Option<f64>,
}

impl ProbeReport {
    /// The recommendation was lowered.
    pub fn backed_off(&self) -> bool {
        self.probes.first().is_some_and(|p| !p.passed)
    }

    /// The confidence a recommendation of confidence `swept` keeps after this check: none when
    /// no LR passed, at most low after a back-off (the sweep was wrong once), else `swept`.
    pub fn confidence_after(&self, swept: Confidence) -> Confidence {
        if self.confirmed_lr.is_none() {
            Confidence::None
        } else if self.backed_off() {
            swept.min(Confidence::Low)
        } else {
            swept
        }
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

/// Judges one probe's losses: every loss finite, and the last quarter's mean below the loss
/// it started from and below the first quarter's mean by more than [`FALL_IN_NOISE`] standard
/// errors of the difference (from the step-to-step noise, [`noise_sigma`]). A spike that the
/// run recovers from (Adagrad's large first steps) passes; a loss that ends higher fails.
pub fn judge(lr: f64, losses: &[f64]) -> Probe {
    let quarter = (losses.len() / 4).max(1);
    let first = mean(&losses[..quarter.min(losses.len())]);
    let last = mean(&losses[losses.len().saturating_sub(quarter)..]);
    let failure = if losses.is_empty() {
        Some("no steps".to_string())
    } else if let Some((i, l)) = losses.iter().enumerate().find(|(_, l)| !l.is_finite()) {
        Some(format!("the loss became {l} at step {i}"))
    } else if first - last <= FALL_IN_NOISE * noise_sigma(losses) * (2.0 / quarter as f64).sqrt()
        || last >= losses[0]
    {
        Some(format!(
            "the loss did not fall beyond its noise: {first:.4} over the first steps, {last:.4} \
             over the last"
        ))
    } else {
        None
    };
    Probe {
        lr,
        steps: losses.len(),
        first_loss: first,
        last_loss: last,
        passed: failure.is_none(),
        failure,
    }
}

/// Probes `lr`, then halves it up to [`MAX_BACK_OFFS`] times until a probe passes.
/// `train(lr)` runs the probe from the same starting weights and returns its step losses.
///
/// # Errors
/// Whatever `train` returns.
pub fn check<E>(
    lr: f64,
    mut train: impl FnMut(f64) -> Result<Vec<f64>, E>,
) -> Result<ProbeReport, E> {
    let mut probes = Vec::new();
    let mut at = lr;
    for _ in 0..=MAX_BACK_OFFS {
        let probe = judge(at, &train(at)?);
        let passed = probe.passed;
        probes.push(probe);
        if passed {
            return Ok(ProbeReport {
                probes,
                confirmed_lr: Some(at),
            });
        }
        at /= 2.0;
    }
    Ok(ProbeReport {
        probes,
        confirmed_lr: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_falling_loss_passes() {
        let losses: Vec<f64> = (0..30).map(|i| 2.3 * 0.97f64.powi(i)).collect();
        let p = judge(0.1, &losses);
        assert!(p.passed, "{:?}", p.failure);
        assert!(p.last_loss < p.first_loss);
    }

    #[test]
    fn a_cliff_a_plateau_and_a_nan_fail() {
        // Falls, then blows up past the minimum (an LR right at the cliff).
        let cliff: Vec<f64> = (0..20)
            .map(|i| {
                if i < 14 {
                    2.3 - 0.05 * f64::from(i)
                } else {
                    2.3 * 4.0
                }
            })
            .collect();
        assert!(judge(0.5, &cliff).failure.unwrap().contains("did not fall"));
        // A spike at the start that the run recovers from passes.
        let recovered: Vec<f64> = (0..20)
            .map(|i| if i == 1 { 7.5 } else { 2.3 * 0.9f64.powi(i) })
            .collect();
        assert!(judge(0.02, &recovered).passed);
        // A noisy plateau that does not fall.
        let flat: Vec<f64> = (0..30)
            .map(|i| 2.3 + if i % 2 == 0 { 0.01 } else { -0.01 })
            .collect();
        assert!(judge(0.5, &flat).failure.unwrap().contains("did not fall"));
        let nan = [2.3, 2.0, f64::NAN, 1.0];
        assert!(judge(0.5, &nan).failure.unwrap().contains("NaN"));
    }

    #[test]
    fn a_failed_probe_backs_off_by_halves() {
        // Stable below 0.2: 0.8 and 0.4 fail, 0.2 passes.
        let report = check(0.8, |lr| {
            Ok::<_, ()>(
                (0..30)
                    .map(|i| {
                        if lr > 0.25 {
                            f64::from(i) + 1.0
                        } else {
                            1.0 / f64::from(i + 1)
                        }
                    })
                    .collect(),
            )
        })
        .unwrap();
        let tried: Vec<f64> = report.probes.iter().map(|p| p.lr).collect();
        assert_eq!(tried, [0.8, 0.4, 0.2]);
        assert_eq!(report.confirmed_lr, Some(0.2));
        assert!(report.backed_off());
        let never = check(1.0, |_| Ok::<_, ()>(vec![f64::INFINITY])).unwrap();
        assert_eq!(never.probes.len(), MAX_BACK_OFFS as usize + 1);
        assert_eq!(never.confirmed_lr, None);
    }
}
