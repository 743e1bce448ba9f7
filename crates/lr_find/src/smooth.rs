//! The debiased exponential moving average of the loss (fastai's `AvgSmoothLoss`): `avg ←
//! β·avg + (1 − β)·loss`, reported as `avg / (1 − β^n)` after `n` losses, so that the first
//! values are not pulled towards the zero the average starts from. β = 0 turns it off.
//!
//! [`centered`] is the zero-lag curve the recommendation is read from: the moving average
//! trails the losses by about `1 / (1 − β)` points (50 at β = 0.98, two decades of a default
//! sweep), a centred window does not.

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

/// The losses smoothed without lag: a running median over the `2 × half_window + 1` points
/// centred on each (fewer at the ends), which drops single spikes, then a running mean over
/// the same window. NaNs sort last in the median.
pub fn centered(losses: &[f64], half_window: usize) -> Vec<f64> {
    let window = |i: usize| i.saturating_sub(half_window)..(i + half_window + 1).min(losses.len());
    let medians: Vec<f64> = (0..losses.len())
        .map(|i| {
            let mut part = losses[window(i)].to_vec();
            part.sort_by(f64::total_cmp);
            part[part.len() / 2]
        })
        .collect();
    (0..medians.len())
        .map(|i| {
            let part = &medians[window(i)];
            part.iter().sum::<f64>() / part.len() as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_centred_curve_has_no_lag_and_drops_spikes() {
        // A straight line stays itself inside (symmetric windows average to the centre).
        let line: Vec<f64> = (0..20).map(|i| f64::from(i) * 0.5).collect();
        let c = centered(&line, 3);
        for i in 6..14 {
            assert!(
                (c[i] - line[i]).abs() < 1e-12,
                "{i}: {} vs {}",
                c[i],
                line[i]
            );
        }
        // A step from 2 to 1 at index 10 is still centred there: the curve crosses 1.5 between
        // 9 and 10, where the moving average would cross it points later.
        let step: Vec<f64> = (0..20).map(|i| if i < 10 { 2.0 } else { 1.0 }).collect();
        let c = centered(&step, 3);
        assert!(c[9] > 1.5 - 1e-12 && c[10] < 1.5 + 1e-12, "{c:?}");
        let ema = smooth(&step, 0.9);
        assert!(ema[12] > 1.5, "the moving average lags: {ema:?}");
        // One spike of any height leaves the curve untouched.
        let mut spiky = vec![1.0; 15];
        spiky[7] = 1e6;
        assert!(centered(&spiky, 2).iter().all(|&v| v == 1.0));
        assert!(centered(&[], 3).is_empty());
        assert_eq!(centered(&[4.0], 3), [4.0]);
    }

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
