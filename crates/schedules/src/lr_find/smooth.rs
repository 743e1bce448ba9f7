//! The debiased exponential moving average of the loss (fastai's `AvgSmoothLoss`): `avg ←
//! β·avg + (1 − β)·loss`, reported as `avg / (1 − β^n)` after `n` losses, so that the first
//! values are not pulled towards the zero the average starts from. β = 0 turns it off.

/// The running average. `beta` is in `[0, 1)`.
#[derive(Clone, Debug, PartialEq)]
pub struct SmoothedLoss {
    beta: f64,
    avg: f64,
    count: i32,
}

impl SmoothedLoss {
    pub fn new(beta: f64) -> Self {
        Self {
            beta,
            avg: 0.0,
            count: 0,
        }
    }

    /// Adds one loss and returns the debiased average of all so far.
    pub fn update(&mut self, loss: f64) -> f64 {
        self.count = self.count.saturating_add(1);
        self.avg = self.beta * self.avg + (1.0 - self.beta) * loss;
        self.value()
    }

    /// The debiased average (NaN before the first loss).
    pub fn value(&self) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        self.avg / (1.0 - self.beta.powi(self.count))
    }
}

/// The smoothed sequence of `losses`.
pub fn smooth(losses: &[f64], beta: f64) -> Vec<f64> {
    let mut s = SmoothedLoss::new(beta);
    losses.iter().map(|&l| s.update(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_smooths_to_itself_from_the_first_value() {
        // Without the bias correction the first value would be (1 − 0.98)·3 = 0.06.
        for (i, v) in smooth(&[3.0; 50], 0.98).into_iter().enumerate() {
            assert!((v - 3.0).abs() < 1e-12, "value {i}: {v}");
        }
    }

    #[test]
    fn values_match_the_closed_form() {
        // β = 0.5, losses 4, 2: avg = 2, then 0.5·2 + 0.5·2 = 2; debiased: 2/0.5 = 4, 2/0.75.
        let s = smooth(&[4.0, 2.0], 0.5);
        assert_eq!(s[0], 4.0);
        assert!((s[1] - 2.0 / 0.75).abs() < 1e-15);
    }

    #[test]
    fn beta_zero_is_the_identity() {
        let losses = [1.0, 5.0, -2.0, 0.25];
        assert_eq!(smooth(&losses, 0.0), losses);
    }

    #[test]
    fn nothing_seen_is_nan() {
        assert!(SmoothedLoss::new(0.9).value().is_nan());
    }
}
