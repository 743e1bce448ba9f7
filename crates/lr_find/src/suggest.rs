//! Suggestion functions. Each takes the LRs of a sweep and the (smoothed) losses at them, and
//! returns the suggested LR with the index of the point it was read at, or `None` when the
//! curve gives it nothing to go on (no descent, too few points).

use serde::{Deserialize, Serialize};

/// A suggestion rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The most negative slope of the loss over ln(lr) (fastai's `steep`), skipping the noisy
    /// first 10% of the points and the divergent end: everything past the lowest loss.
    Steepest,
    /// The LR of the lowest loss, divided by 10 (fastai's `minimum`).
    Minimum,
    /// fastai's `valley`: half-way through the middle third of the longest descent.
    Valley,
    /// The original recipe of our tutorial: `np.gradient(losses)` (central differences over the
    /// index), argmin over the first half of the points.
    SteepestFirstHalf,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::Steepest,
        Method::Minimum,
        Method::Valley,
        Method::SteepestFirstHalf,
    ];

    /// `steepest`, `minimum`, `valley`, `steepest_first_half`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Steepest => "steepest",
            Method::Minimum => "minimum",
            Method::Valley => "valley",
            Method::SteepestFirstHalf => "steepest_first_half",
        }
    }

    /// Applies the rule to `(lrs, losses)` (equal lengths).
    pub fn apply(self, lrs: &[f64], losses: &[f64]) -> Option<Suggestion> {
        match self {
            Method::Steepest => steepest(lrs, losses),
            Method::Minimum => minimum(lrs, losses),
            Method::Valley => valley(lrs, losses),
            Method::SteepestFirstHalf => steepest_first_half(lrs, losses),
        }
    }
}

/// A suggested LR and the index of the point it was read at.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub lr: f64,
    pub index: usize,
}

/// Every method's answer, in [`Method::ALL`] order.
pub type Suggestions = Vec<(Method, Option<Suggestion>)>;

/// All four methods on the same curve.
pub fn suggest_all(lrs: &[f64], losses: &[f64]) -> Suggestions {
    Method::ALL
        .iter()
        .map(|&m| (m, m.apply(lrs, losses)))
        .collect()
}

/// Index of the smallest value (the first of equals); `None` for an empty slice or NaNs only.
fn argmin(values: impl IntoIterator<Item = f64>) -> Option<(usize, f64)> {
    values
        .into_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_nan())
        .fold(None, |best, (i, v)| match best {
            Some((_, b)) if b <= v => best,
            _ => Some((i, v)),
        })
}

/// Most negative `Δloss / Δln(lr)` between neighbours from point `n/10` to the lowest loss,
/// read at the left point of the steepest pair. `None` if no pair descends.
///
/// Past the lowest loss the sweep is diverging, and a loss that spikes and recovers there can
/// fall steeply too: fastai and pytorch-lr-finder skip a fixed 5 points at the end, which
/// misses such a recovery 6 points from the end (seen on MNIST).
pub fn steepest(lrs: &[f64], losses: &[f64]) -> Option<Suggestion> {
    let n = lrs.len().min(losses.len());
    let skip_start = n / 10;
    let (lowest, _) = argmin(losses[..n].iter().copied())?;
    let end = lowest + 1;
    if end < skip_start + 2 {
        return None;
    }
    let slopes = (skip_start..end - 1).map(|i| {
        let dx = lrs[i + 1].ln() - lrs[i].ln();
        if dx > 0.0 {
            (losses[i + 1] - losses[i]) / dx
        } else {
            f64::NAN
        }
    });
    let (i, slope) = argmin(slopes)?;
    (slope < 0.0).then(|| Suggestion {
        lr: lrs[skip_start + i],
        index: skip_start + i,
    })
}

/// The LR at the lowest loss, divided by 10.
pub fn minimum(lrs: &[f64], losses: &[f64]) -> Option<Suggestion> {
    let n = lrs.len().min(losses.len());
    let (index, _) = argmin(losses[..n].iter().copied())?;
    Some(Suggestion {
        lr: lrs[index] / 10.0,
        index,
    })
}

/// fastai's `valley` (fastai/callback/schedule.py), replayed as written: `lds[i]` is the length
/// of the longest decreasing subsequence ending at `i`; the longest one runs from `max_start`
/// to `max_end`, and the suggestion is at `max_start + ⌊s⌋ + ⌊s/2⌋` with `s = (max_end −
/// max_start) / 3`, half-way through its middle third. `None` if nothing descends.
pub fn valley(lrs: &[f64], losses: &[f64]) -> Option<Suggestion> {
    let n = lrs.len().min(losses.len());
    let mut lds = vec![1usize; n];
    let (mut max_start, mut max_end) = (0isize, 0usize);
    for i in 1..n {
        for j in 0..i {
            if losses[i] < losses[j] && lds[i] < lds[j] + 1 {
                lds[i] = lds[j] + 1;
            }
            if lds[max_end] < lds[i] {
                max_end = i;
                max_start = max_end as isize - lds[max_end] as isize;
            }
        }
    }
    if n == 0 || lds[max_end] < 2 {
        return None;
    }
    let sections = (max_end as isize - max_start) as f64 / 3.0;
    // fastai indexes with the Python int; a descent from the very first point gives
    // max_start = −1, which can only matter for tiny curves: clamp into range.
    let index = (max_start + sections as isize + (sections / 2.0) as isize).clamp(0, n as isize - 1)
        as usize;
    Some(Suggestion {
        lr: lrs[index],
        index,
    })
}

/// `np.gradient(losses)`: central differences inside, one-sided at the ends, over the index.
pub fn index_gradient(losses: &[f64]) -> Vec<f64> {
    let n = losses.len();
    match n {
        0 => Vec::new(),
        1 => vec![0.0],
        _ => (0..n)
            .map(|i| match i {
                0 => losses[1] - losses[0],
                i if i == n - 1 => losses[n - 1] - losses[n - 2],
                i => (losses[i + 1] - losses[i - 1]) / 2.0,
            })
            .collect(),
    }
}

/// The tutorial's recipe: argmin of `np.gradient(losses)` over the first `n / 2` points.
/// `None` if that gradient never goes below 0.
pub fn steepest_first_half(lrs: &[f64], losses: &[f64]) -> Option<Suggestion> {
    let n = lrs.len().min(losses.len());
    let gradient = index_gradient(&losses[..n]);
    let (index, g) = argmin(gradient[..n / 2].iter().copied())?;
    (g < 0.0).then(|| Suggestion {
        lr: lrs[index],
        index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` LRs, ten per decade from 1e-7 (the default sweep's spacing, to within rounding).
    fn lrs(n: usize) -> Vec<f64> {
        (0..n).map(|i| 1e-7 * 10f64.powf(i as f64 / 10.0)).collect()
    }

    fn curve(n: usize, f: impl Fn(f64) -> f64) -> (Vec<f64>, Vec<f64>) {
        let lrs = lrs(n);
        let losses = lrs.iter().map(|&lr| f(lr)).collect();
        (lrs, losses)
    }

    fn close(a: f64, b: f64) -> bool {
        (a / b - 1.0).abs() < 1e-9
    }

    /// A bowl in log space with its bottom at 1e-3: `1 + (log10 lr + 3)²` (fastai's example).
    fn bowl(lr: f64) -> f64 {
        1.0 + (lr.log10() + 3.0).powi(2)
    }

    #[test]
    fn a_bowl() {
        let (lrs, losses) = curve(81, bowl);
        // The bottom is point 40 (1e-3): minimum gives 1e-4.
        let m = minimum(&lrs, &losses).unwrap();
        assert_eq!(m.index, 40);
        assert!(close(m.lr, 1e-4));
        // The slope of (x + 3)² over ln lr is steepest where x is lowest, at the first point
        // after the skipped 10%: index 8.
        assert_eq!(steepest(&lrs, &losses).unwrap().index, 8);
        // np.gradient is also steepest at the left end of the first half: index 0 is a
        // one-sided difference (−0.79), index 1 central (−0.78); 0 wins.
        assert_eq!(steepest_first_half(&lrs, &losses).unwrap().index, 0);
        // Valley: the descent is points 0..=40 (lds[40] = 41), so max_start = 40 − 41 = −1,
        // s = 41/3 = 13.67, index = −1 + 13 + 6 = 18.
        assert_eq!(valley(&lrs, &losses).unwrap().index, 18);
    }

    #[test]
    fn a_cliff() {
        // The shape of a real sweep: a plateau at 2.3, a logistic drop to 0.3 centred on 1e-3,
        // and a blow-up past 1e-1. Points at x = log10 lr = −7, −6.9, ..., 0.
        let f = |lr: f64| {
            let x = lr.log10();
            let blow_up = if x > -1.0 {
                5.0 * (x + 1.0).powi(2)
            } else {
                0.0
            };
            0.3 + 2.0 / (1.0 + (4.0 * (x + 3.0)).exp()) + blow_up
        };
        let (lrs, losses) = curve(71, f);
        let decade = |m: Method| m.apply(&lrs, &losses).unwrap().lr.log10();
        // The logistic is steepest at its centre; the forward pair straddling it starts at
        // x = −3.1 or −3.0.
        let steep = decade(Method::Steepest);
        assert!((-3.15..=-2.95).contains(&steep), "{steep}");
        // The loss is lowest at x ≈ −1 (the drop is spent, the blow-up not yet begun): 1e-2.
        let min = decade(Method::Minimum);
        assert!((min + 2.0).abs() < 0.15, "{min}");
        // The first half ends at x = −3.6, before the centre, so the tutorial's recipe picks
        // the last point of its half: its known bias to the left of the steepest slope.
        let half = decade(Method::SteepestFirstHalf);
        assert!((half + 3.6).abs() < 0.05, "{half}");
        // The plateau decreases strictly (the logistic's tail), so the longest descent runs
        // from the first point to the minimum near index 60: index −1 + 20 + 10 = 29, x = −4.1.
        let valley = decade(Method::Valley);
        assert!((valley + 4.1).abs() < 0.15, "{valley}");
    }

    #[test]
    fn a_flat_line_gives_nothing_but_minimum() {
        let (lrs, losses) = curve(100, |_| 1.0);
        assert_eq!(steepest(&lrs, &losses), None);
        assert_eq!(valley(&lrs, &losses), None);
        assert_eq!(steepest_first_half(&lrs, &losses), None);
        // The first of equal minima; the consensus is what rejects a flat line.
        assert_eq!(minimum(&lrs, &losses).unwrap().index, 0);
    }

    #[test]
    fn a_rising_line_gives_no_descent() {
        let (lrs, losses) = curve(50, |lr| 1.0 + lr);
        assert_eq!(steepest(&lrs, &losses), None);
        assert_eq!(valley(&lrs, &losses), None);
        assert_eq!(steepest_first_half(&lrs, &losses), None);
    }

    #[test]
    fn nans_are_skipped_not_chosen() {
        let (lrs, mut losses) = curve(81, bowl);
        losses[40] = f64::NAN;
        losses[10] = f64::NAN;
        let m = minimum(&lrs, &losses).unwrap();
        assert!(m.index == 39 || m.index == 41, "{}", m.index);
        let s = steepest(&lrs, &losses).unwrap();
        assert!(losses[s.index].is_finite());
    }

    #[test]
    fn noise_on_a_bowl_moves_suggestions_but_keeps_them_in_range() {
        // A deterministic ±0.05 zig-zag on the bowl.
        let (lrs, losses) = curve(81, bowl);
        let noisy: Vec<f64> = losses
            .iter()
            .enumerate()
            .map(|(i, l)| l + if i % 2 == 0 { 0.05 } else { -0.05 })
            .collect();
        // The bottom (index 40, even) is pushed up, its odd neighbours down: the lowest point
        // moves one step, a tenth of a decade, off the bottom.
        let m = minimum(&lrs, &noisy).unwrap();
        assert!(m.index == 39 || m.index == 41, "{}", m.index);
        for method in Method::ALL {
            let s = method.apply(&lrs, &noisy).unwrap();
            assert!(s.index < 41, "{method:?} past the bottom: {}", s.index);
        }
    }

    #[test]
    fn steepest_ignores_a_recovery_after_the_lowest_point() {
        // A descent to 1e-3, then divergence with a spike and a steep recovery at 1e-1: the
        // recovery falls faster than the descent, but lies past the lowest loss.
        let (lrs, mut losses) = curve(81, bowl);
        losses[60] = 50.0;
        let s = steepest(&lrs, &losses).unwrap();
        assert!(s.index < 40, "{}", s.index);
    }

    #[test]
    fn too_few_points() {
        assert_eq!(steepest(&[], &[]), None);
        assert_eq!(minimum(&[], &[]), None);
        assert_eq!(valley(&[], &[]), None);
        assert_eq!(steepest_first_half(&[], &[]), None);
        assert_eq!(valley(&[1.0], &[1.0]), None);
        // Two falling points: steepest has its pair, valley clamps max_start = −1 to 0.
        assert_eq!(steepest(&[1.0, 2.0], &[2.0, 1.0]).unwrap().index, 0);
        assert_eq!(valley(&[1.0, 2.0], &[2.0, 1.0]).unwrap().index, 0);
    }

    #[test]
    fn index_gradient_is_numpys() {
        // np.gradient([1, 2, 4, 7, 11]) == [1, 1.5, 2.5, 3.5, 4]
        assert_eq!(
            index_gradient(&[1.0, 2.0, 4.0, 7.0, 11.0]),
            [1.0, 1.5, 2.5, 3.5, 4.0]
        );
    }
}
