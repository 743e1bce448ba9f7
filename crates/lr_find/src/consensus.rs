//! From a sweep to one number a user can act on.
//!
//! The recommendation is read off the zero-lag curve of the raw losses
//! ([`centered`], half-window [`HALF_WINDOW`]): the LR of its lowest
//! point. The moving average the classic rules read (fastai's β = 0.98) trails the losses by
//! about 50 points, two decades of a default sweep, so its lowest point and its steepest fall
//! land well past where the loss really turned; on the finder benchmark (docs/lr-find.md) the
//! zero-lag lowest point lies within a factor of 2 of the best constant LR of a grid on most
//! MNIST set-ups, where the previous rule, `√(steepest × lowest)` on the moving average, was
//! 4–8× too high with momentum and adaptive optimizers.
//!
//! The confidence is the lower of two levels: how sharp the descent is (how far its steepest
//! fall lies below its lowest point, in decades) and how far the descent stands out of the
//! step-to-step noise (its depth in noise σ). A curve without a clear descent gets no number at
//! all: a confident-looking LR read off a flat or noisy curve is worse than none.
//! `spread_decades` reports how far apart the three classic rules ([`SPREAD_METHODS`]) are,
//! for the record: they do not vote.
//!
//! [`recommendation_rule`] says all this in words; `harness lr-find --help` prints it, so the
//! help cannot describe another rule than the one [`consensus`] applies.

use serde::{Deserialize, Serialize};

use crate::smooth::centered;
use crate::suggest::{Method, Suggestions, steepest};

/// The three classic rules whose spread [`Consensus::spread_decades`] reports. They do not
/// decide the recommendation. `steepest_first_half` is left out: it never looks past the first
/// half of the points, which on the default 8-decade sweep ends near 3e-4, usually before the
/// descent.
pub const SPREAD_METHODS: [Method; 3] = [Method::Steepest, Method::Minimum, Method::Valley];

/// How far, in decades, the descent's ends may lie from its middle (or, across seeds, the
/// recommendations spread) for a high confidence, and for a medium one; beyond, low.
pub const HIGH_WITHIN_DECADES: f64 = 0.5;
pub const MEDIUM_WITHIN_DECADES: f64 = 1.0;

/// Points on either side in the zero-lag curve's windows (7 points in all).
pub const HALF_WINDOW: usize = 3;

/// How deep the descent must be, in noise σ, for a high confidence, and for a medium one;
/// below, low. On the benchmark, every MNIST set-up's descent was 5 to 110 σ deep and those of
/// the regressions whose sweeps overshoot the long-run edge 3 to 5 σ (docs/lr-find.md).
pub const HIGH_DEPTH_IN_NOISE: f64 = 10.0;
pub const MEDIUM_DEPTH_IN_NOISE: f64 = 5.0;

/// The smoothed loss must fall by at least this fraction of where it started ...
pub const MIN_RELATIVE_DROP: f64 = 0.1;
/// ... and by at least this many standard deviations of the step-to-step noise ...
pub const MIN_DROP_IN_NOISE: f64 = 3.0;
/// ... over a sweep of at least this many points.
pub const MIN_POINTS: usize = 10;

/// The rule of [`consensus`] and [`agree_across_seeds`] in words, the thresholds filled in from
/// the constants the code uses: what `harness lr-find --help` says of the recommendation.
pub fn recommendation_rule() -> String {
    format!(
        "The recommended LR is the lowest point of the zero-lag curve of the losses (a running \
         median, then a running mean, over {} points centred on each; the moving average the \
         classic rules read lags by decades). The confidence is the lower of two levels: the \
         descent's width, from the steepest fall of that curve to its lowest point, high when \
         its ends lie within {HIGH_WITHIN_DECADES} decades of the middle, medium within \
         {MEDIUM_WITHIN_DECADES}, low beyond; and its depth, high at {HIGH_DEPTH_IN_NOISE} \
         standard deviations of the step-to-step noise or more, medium at \
         {MEDIUM_DEPTH_IN_NOISE}, low below. With several seeds the recommendation is the \
         seeds' median in log space, its confidence the lower of the seeds' median confidence \
         and the level the seeds' spread earns on the width scale (none when fewer than half \
         the seeds found a descent). A curve without a clear descent gets \"no usable \
         descent\" and no number: the sweep stopped before {MIN_POINTS} points, or the curve, \
         from the end of the first tenth of the points to its lowest, falls by less than {:.0}% \
         or by less than {MIN_DROP_IN_NOISE} standard deviations of the step-to-step noise, or \
         it is lowest within its first tenth.",
        2 * HALF_WINDOW + 1,
        100.0 * MIN_RELATIVE_DROP
    )
}

/// How far to trust the recommendation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// No usable descent: no recommendation.
    None,
    /// The descent's ends lie more than [`MEDIUM_WITHIN_DECADES`] from its middle (or the
    /// seeds' recommendations spread over more).
    Low,
    /// Within [`MEDIUM_WITHIN_DECADES`].
    Medium,
    /// Within [`HIGH_WITHIN_DECADES`].
    High,
}

impl Confidence {
    /// The level a distance in decades earns: the half-width of a descent (how far its ends lie
    /// from the middle), or the spread of the seeds' recommendations.
    pub fn within(decades: f64) -> Confidence {
        if decades <= HIGH_WITHIN_DECADES {
            Confidence::High
        } else if decades <= MEDIUM_WITHIN_DECADES {
            Confidence::Medium
        } else {
            Confidence::Low
        }
    }

    /// The level a descent `depth` noise σ deep earns.
    pub fn deep(depth: f64) -> Confidence {
        if depth >= HIGH_DEPTH_IN_NOISE {
            Confidence::High
        } else if depth >= MEDIUM_DEPTH_IN_NOISE {
            Confidence::Medium
        } else {
            Confidence::Low
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Confidence::None => "none",
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// The recommendation of one sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Consensus {
    pub recommended_lr: Option<f64>,
    /// `log10(lowest / steepest)` on the zero-lag curve: the width of the final descent, in
    /// decades.
    pub descent_decades: Option<f64>,
    /// How deep the descent is, in standard deviations of the step-to-step noise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth_in_noise: Option<f64>,
    /// `log10(max / min)` over the suggestions of [`SPREAD_METHODS`], for the record.
    pub spread_decades: Option<f64>,
    pub confidence: Confidence,
    /// Why, in a sentence.
    pub reason: String,
    /// With no usable descent: what would give a curve that can be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<Remedy>,
}

/// What would give a readable curve when a sweep shows no usable descent, in the finder's
/// terms; a program maps it to its own settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// The sweep stopped too early: start the ramp lower, or allow a larger rise before
    /// stopping.
    StartLowerOrStopLater,
    /// The curve is flat: a wider LR range (or a model that learns at all).
    WidenRange,
    /// The descent is within the noise: larger or accumulated batches, or the held-out loss.
    MeasureBetter,
}

impl Remedy {
    /// The remedy in words.
    pub fn describe(self) -> &'static str {
        match self {
            Remedy::StartLowerOrStopLater => {
                "start the ramp at a lower LR, or allow a larger rise of the loss before stopping"
            }
            Remedy::WidenRange => "widen the LR range, or check that the model learns at all",
            Remedy::MeasureBetter => {
                "measure the loss better: larger or accumulated batches, or the held-out loss"
            }
        }
    }
}

/// Median of `values` (mean of the middle two for an even count); `None` if empty.
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// The median in log space and the spread `log10(max / min)` of positive `lrs`.
fn log_median_and_spread(lrs: &[f64]) -> Option<(f64, f64)> {
    let logs: Vec<f64> = lrs.iter().map(|lr| lr.log10()).collect();
    let mid = median(logs.clone())?;
    let (lo, hi) = logs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &l| {
            (lo.min(l), hi.max(l))
        });
    Some((10f64.powf(mid), hi - lo))
}

/// The standard deviation of the step-to-step noise of `losses`, robustly: the median
/// absolute first difference, scaled to a normal σ (`/ 0.6745`) and for the difference of two
/// draws (`/ √2`). A smooth trend adds little to it; outliers do not move it.
pub fn noise_sigma(losses: &[f64]) -> f64 {
    let diffs: Vec<f64> = losses.windows(2).map(|w| (w[1] - w[0]).abs()).collect();
    median(diffs).map_or(0.0, |m| m / 0.6745 / std::f64::consts::SQRT_2)
}

/// Whether the curve descends clearly enough to read LRs off it: `Err` says why not.
///
/// The curve `smoothed`, from the end of the first 10% of the points to its minimum, must fall
/// by [`MIN_RELATIVE_DROP`] of its value and by [`MIN_DROP_IN_NOISE`] noise σ of the raw
/// losses. Returns the drop in noise σ.
pub fn check_descent(losses: &[f64], smoothed: &[f64]) -> Result<f64, (String, Remedy)> {
    let n = smoothed.len();
    if n < MIN_POINTS {
        return Err((
            format!("only {n} points: the sweep stopped before it could show a descent"),
            Remedy::StartLowerOrStopLater,
        ));
    }
    let start = smoothed[n / 10];
    let lowest = smoothed[n / 10..]
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    let drop = start - lowest;
    let sigma = noise_sigma(losses);
    if drop < MIN_RELATIVE_DROP * start.abs() {
        return Err((
            format!(
                "the smoothed loss falls only from {start:.4} to {lowest:.4} ({:.1}%): the curve \
                 is flat over this range",
                100.0 * drop / start.abs()
            ),
            Remedy::WidenRange,
        ));
    }
    if drop < MIN_DROP_IN_NOISE * sigma {
        return Err((
            format!(
                "the smoothed loss falls by {drop:.4}, within {MIN_DROP_IN_NOISE} times the \
                 step-to-step noise ({sigma:.4}): too noisy to read"
            ),
            Remedy::MeasureBetter,
        ));
    }
    Ok(if sigma > 0.0 {
        drop / sigma
    } else {
        f64::INFINITY
    })
}

/// The recommendation for one sweep of `lrs` and raw `losses`; `suggestions` (the classic
/// rules, read off the moving average) only for their spread.
pub fn consensus(lrs: &[f64], losses: &[f64], suggestions: &Suggestions) -> Consensus {
    let none = |reason: String, remedy: Option<Remedy>| Consensus {
        recommended_lr: None,
        descent_decades: None,
        depth_in_noise: None,
        spread_decades: None,
        confidence: Confidence::None,
        reason: format!("no usable descent: {reason}"),
        remedy,
    };
    let curve = centered(losses, HALF_WINDOW);
    let depth = match check_descent(losses, &curve) {
        Ok(depth) => depth,
        Err((reason, remedy)) => return none(reason, Some(remedy)),
    };
    let found = |method: Method| {
        suggestions
            .iter()
            .find(|(m, _)| *m == method)
            .and_then(|(_, s)| *s)
            .filter(|s| s.lr.is_finite() && s.lr > 0.0)
    };
    let classic: Vec<f64> = SPREAD_METHODS
        .iter()
        .filter_map(|&m| found(m))
        .map(|s| s.lr)
        .collect();
    let spread = (classic.len() >= 2)
        .then(|| log_median_and_spread(&classic).map(|(_, spread)| spread))
        .flatten();
    // The lowest point from the end of the first tenth on, as the descent check reads it.
    let start = curve.len() / 10;
    let lowest_index = (start..curve.len())
        .min_by(|&a, &b| curve[a].total_cmp(&curve[b]))
        .expect("the descent check needs points");
    let lowest = lrs[lowest_index];
    let Some(fall) = steepest(&lrs[..=lowest_index], &curve[..=lowest_index]) else {
        return none(
            "the curve is lowest within its first tenth: it never falls after the noisy start"
                .into(),
            None,
        );
    };
    // The steepest pair lies before the lowest point, so the width is positive.
    let width = (lowest / fall.lr).log10();
    Consensus {
        recommended_lr: Some(lowest),
        descent_decades: Some(width),
        depth_in_noise: Some(depth),
        spread_decades: spread,
        confidence: Confidence::within(width / 2.0).min(Confidence::deep(depth)),
        reason: format!(
            "lowest point of the zero-lag curve ({lowest:.2e}), after a descent from its steepest \
             fall ({:.2e}) {width:.2} decades wide and {depth:.1} noise σ deep",
            fall.lr
        ),
        remedy: None,
    }
}

/// The recommendation across repeated sweeps with different seeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedAgreement {
    /// Median, in log space, of the seeds that recommended an LR.
    pub recommended_lr: Option<f64>,
    /// `log10(max / min)` over those seeds.
    pub spread_decades: Option<f64>,
    /// The lower of the seeds' median confidence and the level their spread earns.
    pub confidence: Confidence,
    /// Seeds that recommended an LR, of all seeds.
    pub usable: usize,
    pub seeds: usize,
}

/// Combines the sweeps of several seeds. Fewer than half usable gives no recommendation.
pub fn agree_across_seeds(per_seed: &[Consensus]) -> SeedAgreement {
    let lrs: Vec<f64> = per_seed.iter().filter_map(|c| c.recommended_lr).collect();
    let (usable, seeds) = (lrs.len(), per_seed.len());
    let mut levels: Vec<Confidence> = per_seed.iter().map(|c| c.confidence).collect();
    levels.sort();
    let median_level = levels.get(levels.len() / 2).copied();
    match (log_median_and_spread(&lrs), median_level) {
        (Some((lr, spread)), Some(level)) if 2 * usable >= seeds => SeedAgreement {
            recommended_lr: Some(lr),
            spread_decades: Some(spread),
            confidence: level.min(Confidence::within(spread)),
            usable,
            seeds,
        },
        _ => SeedAgreement {
            recommended_lr: None,
            spread_decades: None,
            confidence: Confidence::None,
            usable,
            seeds,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smooth::smooth;
    use crate::suggest::suggest_all;

    fn lrs(n: usize) -> Vec<f64> {
        (0..n).map(|i| 1e-7 * 10f64.powf(i as f64 / 10.0)).collect()
    }

    /// A deterministic pseudo-random sequence in [−1, 1] (a 64-bit LCG), for noise.
    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
            })
            .collect()
    }

    /// A sweep-like curve: plateau 2.3, logistic drop to 0.3 centred at 10^centre, blow-up a
    /// decade and a half later, plus noise of amplitude `amp`.
    fn sweep_curve(centre: f64, amp: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
        let lrs = lrs(80);
        let losses = lrs
            .iter()
            .zip(noise(80, seed))
            .map(|(&lr, e)| {
                let x = lr.log10() - centre;
                let blow_up = if x > 1.5 {
                    5.0 * (x - 1.5).powi(2)
                } else {
                    0.0
                };
                0.3 + 2.0 / (1.0 + (4.0 * x).exp()) + blow_up + amp * e
            })
            .collect();
        (lrs, losses)
    }

    fn decide(lrs: &[f64], losses: &[f64]) -> Consensus {
        let smoothed = smooth(losses, 0.98);
        consensus(lrs, losses, &suggest_all(lrs, &smoothed))
    }

    #[test]
    fn a_noisy_cliff_gets_a_recommendation_on_the_descent() {
        let (lrs, losses) = sweep_curve(-2.0, 0.05, 7);
        let c = decide(&lrs, &losses);
        let lr = c.recommended_lr.expect("a clear descent");
        // The drop is centred at 1e-2 and has nearly flattened out by 10^-1.25; the blow-up
        // starts at 10^-0.5: the lowest point lies between.
        assert!((-1.5..=-0.4).contains(&lr.log10()), "{lr} ({c:?})");
        assert_ne!(c.confidence, Confidence::None);
    }

    #[test]
    fn a_flat_noisy_line_gets_no_number() {
        for seed in 0..20 {
            let losses: Vec<f64> = noise(100, seed).iter().map(|e| 1.0 + 0.5 * e).collect();
            let c = decide(&lrs(100), &losses);
            assert_eq!(c.confidence, Confidence::None, "seed {seed}: {c:?}");
            assert_eq!(c.recommended_lr, None);
            assert!(c.reason.starts_with("no usable descent"), "{}", c.reason);
        }
    }

    #[test]
    fn a_flat_quiet_line_gets_no_number() {
        let c = decide(&lrs(100), &[2.3; 100]);
        assert_eq!(c.confidence, Confidence::None);
        assert!(c.reason.contains("flat"), "{}", c.reason);
        assert_eq!(c.remedy, Some(Remedy::WidenRange));
    }

    #[test]
    fn a_descent_drowned_in_noise_gets_no_number() {
        // A 0.3 drop under noise of amplitude 1.5 (σ ≈ 0.87).
        let lrs = lrs(100);
        let losses: Vec<f64> = lrs
            .iter()
            .zip(noise(100, 3))
            .map(|(lr, e)| 3.0 - 0.3 * (lr.log10() + 7.0) / 10.0 + 1.5 * e)
            .collect();
        let c = decide(&lrs, &losses);
        assert_eq!(c.confidence, Confidence::None, "{c:?}");
    }

    #[test]
    fn a_sweep_that_stopped_at_once_gets_no_number() {
        let c = decide(&lrs(5), &[2.0, 1.0, 0.5, 9.0, 20.0]);
        assert!(c.reason.contains("only 5 points"), "{}", c.reason);
        assert_eq!(c.remedy, Some(Remedy::StartLowerOrStopLater));
    }

    /// A clean curve: plateau 2.3 up to 10^`drop_at`, a parabolic fall in log LR to 0.3 over
    /// `width` decades, then a blow-up over which the sweep stops (3 points); 10 points per
    /// decade from 1e-7, at most `n`.
    fn ramp_curve(drop_at: f64, width: f64, n: usize) -> (Vec<f64>, Vec<f64>) {
        let lrs: Vec<f64> = lrs(n)
            .into_iter()
            .filter(|lr| lr.log10() - drop_at <= width + 0.35)
            .collect();
        let losses = lrs
            .iter()
            .map(|lr| {
                let x = lr.log10() - drop_at;
                if x < 0.0 {
                    2.3
                } else if x <= width {
                    // Steepest where it starts, flat where it ends.
                    0.3 + 2.0 * (1.0 - x / width).powi(2)
                } else {
                    0.3 + 10.0 * (x - width)
                }
            })
            .collect();
        (lrs, losses)
    }

    #[test]
    fn the_lowest_point_of_the_zero_lag_curve() {
        // The fall ends at 10^-2.5 (point 45): the zero-lag curve bottoms out there, where the
        // moving average would still be falling.
        let (lrs, losses) = ramp_curve(-3.0, 0.5, 80);
        let c = decide(&lrs, &losses);
        let lr = c.recommended_lr.expect("a clear descent");
        // (The zero-lag window leans towards the gentler side of the V, two points at most.)
        assert!((lr.log10() + 2.5).abs() < 0.25, "{lr}");
        let smoothed = smooth(&losses, 0.98);
        let lagging = lrs[(0..lrs.len())
            .min_by(|&a, &b| smoothed[a].total_cmp(&smoothed[b]))
            .unwrap()];
        assert!(
            lagging > 1.5 * lr,
            "the moving average's lowest point {lagging} lags"
        );
        // A noiseless descent is infinitely deep: the width decides, 0.5 decades: high.
        assert_eq!(c.confidence, Confidence::High);
        // Four decades wide (ends 2 from the middle; the flat bottom takes some off): low.
        let (lrs, losses) = ramp_curve(-6.0, 4.0, 80);
        assert_eq!(decide(&lrs, &losses).confidence, Confidence::Low);
    }

    #[test]
    fn the_rule_in_words_is_the_rule_in_code() {
        // `recommendation_rule()` is what `harness lr-find --help` prints (tests/help_text.rs
        // checks that): each of its claims is held here against `consensus`, so that neither
        // the words nor the code can change alone.
        let rule = recommendation_rule();
        assert!(
            rule.contains("lowest point of the zero-lag curve"),
            "{rule}"
        );
        assert!(rule.contains(&format!("over {} points", 2 * HALF_WINDOW + 1)));
        let (lrs, losses) = ramp_curve(-3.0, 0.5, 80);
        let curve = centered(&losses, HALF_WINDOW);
        let c = consensus(&lrs, &losses, &vec![]);
        let lowest = (lrs.len() / 10..lrs.len())
            .min_by(|&a, &b| curve[a].total_cmp(&curve[b]))
            .unwrap();
        assert_eq!(c.recommended_lr, Some(lrs[lowest]));
        assert!(c.reason.starts_with("lowest point of the zero-lag curve ("));

        let width = format!(
            "high when its ends lie within {HIGH_WITHIN_DECADES} decades of the middle, medium \
             within {MEDIUM_WITHIN_DECADES}, low beyond"
        );
        assert!(rule.contains(&width), "{rule}");
        // Noiseless descents whose ends lie `half` decades either side of their middle.
        let ends = |half: f64| {
            let (lrs, losses) = ramp_curve(-5.0, 2.0 * half, 90);
            decide(&lrs, &losses)
        };
        // The level is the width's: a wider descent never earns more, the widest earns low.
        let levels: Vec<Confidence> = [0.3, 1.5, 3.0]
            .iter()
            .map(|&half| {
                let c = ends(half);
                let width = c.descent_decades.expect("a descent");
                assert_eq!(
                    c.confidence,
                    Confidence::within(width / 2.0),
                    "{half}: {c:?}"
                );
                c.confidence
            })
            .collect();
        assert_eq!(levels[0], Confidence::High);
        assert!(levels.windows(2).all(|w| w[1] <= w[0]), "{levels:?}");
        assert_eq!(levels[2], Confidence::Low);

        let depth = format!(
            "high at {HIGH_DEPTH_IN_NOISE} standard deviations of the step-to-step noise or more, \
             medium at {MEDIUM_DEPTH_IN_NOISE}, low below"
        );
        assert!(rule.contains(&depth), "{rule}");
        // The same sharp descent under more and more noise: its depth in σ sets the level.
        let (lrs, clean) = ramp_curve(-3.0, 0.5, 80);
        for (amp, seed) in [(0.05, 1), (0.2, 2), (0.4, 3)] {
            let noisy: Vec<f64> = clean
                .iter()
                .zip(noise(80, seed))
                .map(|(l, e)| l + amp * e)
                .collect();
            let c = decide(&lrs, &noisy);
            if let Some(depth) = c.depth_in_noise {
                assert_eq!(
                    c.confidence,
                    Confidence::deep(depth)
                        .min(Confidence::within(c.descent_decades.unwrap() / 2.0)),
                    "{amp}: {c:?}"
                );
            }
        }
        assert_eq!(Confidence::deep(HIGH_DEPTH_IN_NOISE), Confidence::High);
        assert_eq!(
            Confidence::deep(HIGH_DEPTH_IN_NOISE - 0.1),
            Confidence::Medium
        );
        assert_eq!(Confidence::deep(MEDIUM_DEPTH_IN_NOISE), Confidence::Medium);
        assert_eq!(
            Confidence::deep(MEDIUM_DEPTH_IN_NOISE - 0.1),
            Confidence::Low
        );

        assert!(rule.contains(&format!("stopped before {MIN_POINTS} points")));
        let c = decide(&lrs[..MIN_POINTS - 1], &clean[..MIN_POINTS - 1]);
        assert_eq!((c.recommended_lr, c.confidence), (None, Confidence::None));
        assert!(rule.contains("it is lowest within its first tenth"));
        // Low in the first tenth, then a plateau that falls, but not as low.
        let early: Vec<f64> = (0..lrs.len())
            .map(|i| match i {
                i if i < 4 => 0.5,
                i if i < 30 => 2.3,
                _ => 1.0,
            })
            .collect();
        let c = decide(&lrs, &early);
        assert!(
            c.reason.contains("lowest within its first tenth"),
            "{}",
            c.reason
        );
    }

    #[test]
    fn confidence_levels() {
        assert_eq!(Confidence::within(0.0), Confidence::High);
        assert_eq!(Confidence::within(0.5), Confidence::High);
        assert_eq!(Confidence::within(0.51), Confidence::Medium);
        assert_eq!(Confidence::within(1.0), Confidence::Medium);
        assert_eq!(Confidence::within(1.01), Confidence::Low);
    }

    #[test]
    fn noise_sigma_of_a_known_sequence() {
        // Alternating ±a has first differences of 2a: σ = 2a / 0.6745 / √2.
        let seq: Vec<f64> = (0..50)
            .map(|i| if i % 2 == 0 { 0.1 } else { -0.1 })
            .collect();
        let want = 0.2 / 0.6745 / std::f64::consts::SQRT_2;
        assert!((noise_sigma(&seq) - want).abs() < 1e-12);
        assert_eq!(noise_sigma(&[1.0; 10]), 0.0);
    }

    fn with(lr: Option<f64>, confidence: Confidence) -> Consensus {
        Consensus {
            recommended_lr: lr,
            descent_decades: lr.map(|_| 0.0),
            depth_in_noise: lr.map(|_| 20.0),
            spread_decades: lr.map(|_| 0.0),
            confidence,
            reason: String::new(),
            remedy: None,
        }
    }

    #[test]
    fn seeds_that_agree() {
        let per_seed = [
            with(Some(0.1), Confidence::High),
            with(Some(0.2), Confidence::High),
            with(Some(0.15), Confidence::Medium),
        ];
        let a = agree_across_seeds(&per_seed);
        assert!((a.recommended_lr.unwrap() - 0.15).abs() < 1e-12);
        assert!((a.spread_decades.unwrap() - 2f64.log10()).abs() < 1e-12);
        assert_eq!((a.confidence, a.usable, a.seeds), (Confidence::High, 3, 3));
    }

    #[test]
    fn seeds_that_disagree_lower_the_confidence() {
        let per_seed = [
            with(Some(0.01), Confidence::High),
            with(Some(1.0), Confidence::High),
        ];
        let a = agree_across_seeds(&per_seed);
        assert_eq!(a.confidence, Confidence::Low);
        assert!((a.recommended_lr.unwrap() - 0.1).abs() < 1e-12);
    }

    #[test]
    fn mostly_unusable_seeds_give_no_number() {
        let per_seed = [
            with(Some(0.1), Confidence::High),
            with(None, Confidence::None),
            with(None, Confidence::None),
        ];
        let a = agree_across_seeds(&per_seed);
        assert_eq!((a.recommended_lr, a.confidence), (None, Confidence::None));
        assert_eq!((a.usable, a.seeds), (1, 3));
    }
}
