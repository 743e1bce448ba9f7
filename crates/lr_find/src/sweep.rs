//! The sweep: one training step per point at the ramp's LR, the loss smoothed, and a stop as
//! soon as the smoothed loss exceeds `diverge` times the best so far or a loss is NaN or
//! infinite. The training step comes in as a closure, so the sweep is tested without a model.

use serde::{Deserialize, Serialize};

use crate::smooth::SmoothedLoss;
use schedules::ScheduleError;
use schedules::kinds::lr_range::{LrRangeConfig, RampMode};

/// How to sweep: the ramp, the smoothing and the stop rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinderConfig {
    /// `start_lr`, `end_lr`, `num_iters` and `mode` of the ramp.
    pub ramp: LrRangeConfig,
    /// β of the loss's moving average, in `[0, 1)`; 0 turns smoothing off.
    pub smooth: f64,
    /// Stop once the smoothed loss exceeds this multiple of the best (> 1; `inf` never stops).
    pub diverge: f64,
}

impl Default for FinderConfig {
    /// fastai's and pytorch-lr-finder's defaults: 1e-7 to 10 in 100 exponential steps, β =
    /// 0.98, stop at 4× the best loss.
    fn default() -> Self {
        Self {
            ramp: LrRangeConfig {
                start_lr: 1e-7,
                end_lr: 10.0,
                num_iters: 100,
                mode: RampMode::Exp,
            },
            smooth: 0.98,
            diverge: 4.0,
        }
    }
}

impl FinderConfig {
    /// # Errors
    /// A [`ScheduleError`] naming the first setting out of range (`start_lr`, `end_lr`,
    /// `num_iters`, `smooth`, `diverge`).
    pub fn validate(&self) -> Result<(), ScheduleError> {
        self.ramp.check()?;
        let out_of_range =
            |field: &str, value: f64, range: &'static str| ScheduleError::OutOfRange {
                field: field.to_string(),
                value,
                range,
            };
        if !(0.0..1.0).contains(&self.smooth) {
            return Err(out_of_range("smooth", self.smooth, "[0, 1)"));
        }
        if self.diverge <= 1.0 || self.diverge.is_nan() {
            return Err(out_of_range("diverge", self.diverge, "(1, inf]"));
        }
        Ok(())
    }

    /// The LR of sweep step `step`.
    pub fn lr_at(&self, step: u64) -> f64 {
        self.ramp.lr(step)
    }
}

/// One step of the sweep.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub lr: f64,
    pub loss: f64,
    pub smoothed: f64,
}

/// Why the sweep ended.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StopReason {
    /// All `num_iters` steps ran.
    Completed,
    /// The smoothed loss at `step` exceeded `diverge` × `best`; that point is the last recorded.
    Diverged { step: u64, smoothed: f64, best: f64 },
    /// The loss at `step` (LR `lr`) was NaN or infinite; it is not among the points.
    NonFinite { step: u64, lr: f64, loss: f64 },
}

impl StopReason {
    /// `completed`, `diverged`, `non_finite`.
    pub fn name(&self) -> &'static str {
        match self {
            StopReason::Completed => "completed",
            StopReason::Diverged { .. } => "diverged",
            StopReason::NonFinite { .. } => "non_finite",
        }
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Completed => write!(f, "completed all steps"),
            StopReason::Diverged {
                step,
                smoothed,
                best,
            } => write!(
                f,
                "diverged at step {step}: smoothed loss {smoothed:.4} > {:.1}× the best {best:.4}",
                smoothed / best
            ),
            StopReason::NonFinite { step, lr, loss } => {
                write!(f, "loss became {loss} at step {step} (lr {lr:.3e})")
            }
        }
    }
}

/// What a sweep recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    pub points: Vec<Point>,
    pub stop: StopReason,
}

impl Sweep {
    pub fn lrs(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.lr).collect()
    }
    pub fn losses(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.loss).collect()
    }
    pub fn smoothed(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.smoothed).collect()
    }
}

/// fastai's stop rule: the smoothed loss has grown past `factor` times the best smoothed loss
/// before it. Never true before a best exists, or when the best is not positive (the rule is
/// about a loss bounded below by 0).
pub fn should_stop(smoothed: f64, best: f64, factor: f64) -> bool {
    best.is_finite() && best > 0.0 && smoothed > factor * best
}

/// Runs the sweep: `loss_at(lr)` takes one training step at `lr` and returns its loss.
///
/// # Errors
/// The first error of `loss_at`, which ends the sweep.
pub fn sweep<E>(
    config: &FinderConfig,
    mut loss_at: impl FnMut(f64) -> Result<f64, E>,
) -> Result<Sweep, E> {
    let mut smoother = SmoothedLoss::new(config.smooth);
    let mut best = f64::INFINITY;
    let mut points = Vec::with_capacity(config.ramp.num_iters as usize);
    for step in 0..config.ramp.num_iters {
        let lr = config.lr_at(step);
        let loss = loss_at(lr)?;
        if !loss.is_finite() {
            let stop = StopReason::NonFinite { step, lr, loss };
            return Ok(Sweep { points, stop });
        }
        let smoothed = smoother.update(loss);
        points.push(Point { lr, loss, smoothed });
        if should_stop(smoothed, best, config.diverge) {
            let stop = StopReason::Diverged {
                step,
                smoothed,
                best,
            };
            return Ok(Sweep { points, stop });
        }
        best = best.min(smoothed);
    }
    Ok(Sweep {
        points,
        stop: StopReason::Completed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(num_iters: u64, smooth: f64, diverge: f64) -> FinderConfig {
        FinderConfig {
            ramp: LrRangeConfig {
                start_lr: 1e-6,
                end_lr: 1.0,
                num_iters,
                mode: RampMode::Exp,
            },
            smooth,
            diverge,
        }
    }

    fn run(c: &FinderConfig, f: impl Fn(f64) -> f64) -> Sweep {
        sweep(c, |lr| Ok::<_, ()>(f(lr))).unwrap()
    }

    #[test]
    fn a_well_behaved_curve_runs_every_step_along_the_ramp() {
        let c = config(61, 0.98, 4.0);
        let s = run(&c, |lr| 1.0 / (1.0 + lr));
        assert_eq!(s.stop, StopReason::Completed);
        assert_eq!(s.points.len(), 61);
        // Ten steps per decade from 1e-6: step 30 is 1e-3.
        assert!((s.points[30].lr / 1e-3 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_jump_past_a_threshold_stops_the_sweep_at_the_first_smoothed_excess() {
        // Unsmoothed, the loss 100 at lr > 1e-2 is 100× the best 1.0: the first such step stops.
        let c = config(61, 0.0, 4.0);
        let s = run(&c, |lr| if lr > 1e-2 { 100.0 } else { 1.0 });
        let first_above = (0..61).find(|&k| c.lr_at(k) > 1e-2).unwrap();
        assert_eq!(
            s.stop,
            StopReason::Diverged {
                step: first_above,
                smoothed: 100.0,
                best: 1.0
            }
        );
        assert_eq!(s.points.len() as u64, first_above + 1);
    }

    #[test]
    fn smoothing_delays_the_stop_until_the_average_passes_the_threshold() {
        // The loss steps from 1 to 5 (5× the best, over the factor 4). With β = 0.8 the
        // average after m steps at 5 is 5 − 4·0.8^m (the debiasing is negligible this late):
        // 3.95 for m = 6, 4.16 for m = 7, so the 7th step at 5 stops the sweep.
        let c = config(61, 0.8, 4.0);
        let s = run(&c, |lr| if lr > 1e-2 { 5.0 } else { 1.0 });
        let first_above = (0..61).find(|&k| c.lr_at(k) > 1e-2).unwrap();
        let StopReason::Diverged {
            step,
            smoothed,
            best,
        } = s.stop
        else {
            panic!("{:?}", s.stop)
        };
        assert_eq!(step, first_above + 6);
        assert!(
            (smoothed - (5.0 - 4.0 * 0.8f64.powi(7))).abs() < 1e-3,
            "{smoothed}"
        );
        assert!((best - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_nan_or_infinite_loss_ends_the_sweep_and_is_not_recorded() {
        let c = config(61, 0.98, f64::INFINITY);
        let s = run(&c, |lr| if lr > 0.1 { f64::NAN } else { 1.0 });
        let StopReason::NonFinite { step, lr, loss } = s.stop else {
            panic!("{:?}", s.stop)
        };
        assert!(loss.is_nan() && lr > 0.1 && c.lr_at(step - 1) <= 0.1);
        assert_eq!(s.points.len() as u64, step);
        let s = run(&c, |lr| if lr > 0.1 { f64::INFINITY } else { 1.0 });
        assert_eq!(s.stop.name(), "non_finite");
    }

    #[test]
    fn diverge_infinity_never_stops() {
        let s = run(&config(40, 0.0, f64::INFINITY), |lr| lr * 1e9);
        assert_eq!(s.stop, StopReason::Completed);
    }

    #[test]
    fn the_stop_rule() {
        assert!(should_stop(4.1, 1.0, 4.0));
        assert!(!should_stop(4.0, 1.0, 4.0));
        assert!(!should_stop(1e9, f64::INFINITY, 4.0), "no best yet");
        assert!(!should_stop(5.0, 0.0, 4.0), "a best of 0 gives no scale");
        assert!(!should_stop(5.0, -1.0, 4.0));
    }

    #[test]
    fn errors_of_the_step_end_the_sweep() {
        let mut calls = 0;
        let r = sweep(&config(10, 0.0, 4.0), |_| {
            calls += 1;
            if calls == 3 { Err("boom") } else { Ok(1.0) }
        });
        assert_eq!((r, calls), (Err("boom"), 3));
    }

    #[test]
    fn validation_names_the_setting() {
        let mut c = FinderConfig::default();
        c.validate().unwrap();
        c.smooth = 1.0;
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "smooth = 1: must be in [0, 1)"
        );
        c.smooth = 0.0;
        c.diverge = 1.0;
        assert_eq!(
            c.validate().unwrap_err().to_string(),
            "diverge = 1: must be in (1, inf]"
        );
        c.diverge = f64::INFINITY;
        c.validate().unwrap();
        c.ramp.end_lr = 1e-8;
        assert!(c.validate().unwrap_err().to_string().contains("end_lr"));
    }
}
