//! The horizon check: a sweep is short (100 steps by default), and the LR that makes the loss
//! fall fastest over a short horizon is larger than the one that trains best over a long run.
//! Over thousands of steps, rare rows with large gradients (the housing data's outlying
//! districts), the noise floor a constant LR leaves (noisy regression targets) and the slow
//! build-up of momentum show, and the sweep sees none of them. So the finder measures at the
//! run's own length ([`plan`]):
//!
//! - an annealed schedule (one-cycle), when the run is at least [`RUNS_PER_SWEEP`] sweeps long:
//!   from the sweep's starting weights, trained over a horizon of part of the run at the
//!   recommended LR, then its half, halving while the held-out loss at the horizon improves
//!   ([`race`]);
//! - a constant LR: when the run is at most [`WHOLE_RUN_SWEEPS`] sweeps long, the same race
//!   over the whole run; on longer runs, the LR held from the weights of the best annealed run
//!   ([`hold`]).
//!
//! The training comes in as a closure `lr -> held-out loss at the horizon`, so the rules are
//! tested on made-up curves.

use serde::{Deserialize, Serialize};

/// The annealed check runs when the training run has at least this many times the sweep's
/// steps. Within that, the sweep sees a fair share of the run: on the finder benchmark the
/// sweep's LR trains one-cycle on one-epoch MNIST runs (4.7 sweeps long at batch 128) within
/// tolerance on every set-up (docs/lr-find.md).
pub const RUNS_PER_SWEEP: u64 = 5;

/// A constant LR is raced over the whole run when the run has at most this many times the
/// sweep's steps (10 000 steps by default): the race then costs a few runs of the user's own
/// length, and no shorter horizon says what a constant LR does at the run's end. A constant LR
/// never anneals: a smaller one that is behind at an earlier step can still end ahead, and a
/// larger one whose loss still falls when the sweep ends can stall at its noise floor. Beyond
/// it, the constant LR is held from annealed weights ([`hold`]), which costs at most a few
/// horizons of [`HORIZON_EPOCHS`] epochs whatever the run's length. On the finder benchmark
/// the whole-run race put the constant LR within tolerance on every set-up it ran on but one,
/// which the held-out loss ranked within 1% (docs/lr-find.md).
pub const WHOLE_RUN_SWEEPS: u64 = 100;

/// The horizon is at most this fraction of the training run ...
pub const HORIZON_FRACTION: u64 = 4;
/// ... and at most this many epochs (or sweeps, when an epoch is shorter than the sweep).
pub const HORIZON_EPOCHS: u64 = 5;

/// Halvings tried at most: 2⁸ = 256 times below the sweep's LR.
pub const MAX_HALVINGS: u32 = 8;

/// The horizon of the annealed check, in optimizer steps, for a run of `run_steps` steps of
/// which an epoch is `epoch_steps`, after a sweep of `sweep_steps`: `None` when the run is
/// shorter than [`RUNS_PER_SWEEP`] sweeps; else a [`HORIZON_FRACTION`]th of the run, at most
/// [`HORIZON_EPOCHS`] epochs (of at least a sweep each).
pub fn horizon_steps(run_steps: u64, epoch_steps: u64, sweep_steps: u64) -> Option<u64> {
    if sweep_steps == 0 || run_steps < RUNS_PER_SWEEP.saturating_mul(sweep_steps) {
        return None;
    }
    let most = HORIZON_EPOCHS.saturating_mul(epoch_steps.max(sweep_steps));
    Some((run_steps / HORIZON_FRACTION).min(most).max(1))
}

/// How the constant LR is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConstantCheck {
    /// Raced over the whole run from the starting weights ([`race`]).
    WholeRun,
    /// Held for the annealed check's horizon from the weights of its best run ([`hold`]).
    Hold,
}

/// What a horizon check trains, in optimizer steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HorizonPlan {
    /// The run the LR is for.
    pub run_steps: u64,
    /// The sweep.
    pub sweep_steps: u64,
    /// Each one-cycle run of the annealed check ([`horizon_steps`]); `None`: the run is too
    /// short for it, and the sweep's LR stands for annealed schedules.
    pub annealed_steps: Option<u64>,
    pub constant: ConstantCheck,
}

impl HorizonPlan {
    /// Each run of the constant check: the whole run, or the annealed check's horizon.
    pub fn constant_steps(&self) -> u64 {
        match self.constant {
            ConstantCheck::WholeRun => self.run_steps,
            ConstantCheck::Hold => self.annealed_steps.unwrap_or(self.run_steps),
        }
    }
}

/// The checks for a run of `run_steps` optimizer steps, `epoch_steps` to an epoch, after a
/// sweep of `sweep_steps`: the constant LR over the whole run when it is at most
/// [`WHOLE_RUN_SWEEPS`] sweeps, else held at the horizon of [`horizon_steps`], which the
/// annealed check also trains when the run is at least [`RUNS_PER_SWEEP`] sweeps. `None` for
/// an empty run or sweep.
pub fn plan(run_steps: u64, epoch_steps: u64, sweep_steps: u64) -> Option<HorizonPlan> {
    if run_steps == 0 || sweep_steps == 0 {
        return None;
    }
    let annealed_steps = horizon_steps(run_steps, epoch_steps, sweep_steps);
    let constant = if run_steps <= WHOLE_RUN_SWEEPS.saturating_mul(sweep_steps) {
        ConstantCheck::WholeRun
    } else {
        ConstantCheck::Hold
    };
    Some(HorizonPlan {
        run_steps,
        sweep_steps,
        annealed_steps,
        constant,
    })
}

/// One LR trained for the horizon.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub lr: f64,
    /// The held-out loss at the horizon; `None` when the run's loss became NaN or infinite.
    pub loss: Option<f64>,
}

/// What the horizon check found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HorizonReport {
    /// Optimizer steps of each attempt.
    pub steps: u64,
    /// In the order tried: the LR checked, then each halving.
    pub attempts: Vec<Attempt>,
    /// The LR of the lowest held-out loss; `None` when every attempt diverged.
    pub chosen_lr: Option<f64>,
}

impl HorizonReport {
    /// How many times the chosen LR was halved from the one checked (0: it stood).
    pub fn halvings(&self) -> Option<u32> {
        let first = self.attempts.first()?.lr;
        let chosen = self.chosen_lr?;
        Some((first / chosen).log2().round() as u32)
    }
}

/// How much lower (a fraction of the loss) a halved LR must hold the annealed weights for the
/// constant LR to be halved again ([`hold`]): a floor within 1% of the loss is kept.
pub const HOLD_MARGIN: f64 = 0.01;

/// Trains `lr`, then its half, and so on while the held-out loss at the horizon falls, up to
/// [`MAX_HALVINGS`] times; a diverged run counts as the worst loss, so the halving goes on past
/// it. The lowest loss's LR is chosen. `train(lr)` runs the horizon from the same starting
/// weights and batches each time and returns the held-out loss at its end (`None` or a
/// non-finite value when it diverged).
///
/// # Errors
/// Whatever `train` returns.
pub fn race<E>(
    steps: u64,
    lr: f64,
    train: impl FnMut(f64) -> Result<Option<f64>, E>,
) -> Result<HorizonReport, E> {
    halve_while_better(steps, lr, 0.0, train)
}

/// The LR a constant run can hold: from weights an annealed schedule trained to the held-out
/// loss `settled` (its noise averaged away), `train(lr)` trains `lr` held constant for the
/// horizon and returns the held-out loss at its end.
///
/// - If `lr` itself ends below `settled`, the model is still learning at this horizon (a
///   short run: one epoch of MNIST): no floor shows, and `lr` is kept.
/// - Otherwise the run is bound by its floor: a constant LR leaves the weights hovering at a
///   distance that grows with it (SGD's noise; with adaptive optimizers, whose steps do not
///   shrink near a minimum, more), where an annealed schedule settles. The LR is halved while
///   its half holds the weights lower by more than [`HOLD_MARGIN`] of the loss, and the last
///   LR worth halving to is chosen.
///
/// # Errors
/// Whatever `train` returns.
pub fn hold<E>(
    steps: u64,
    lr: f64,
    settled: f64,
    mut train: impl FnMut(f64) -> Result<Option<f64>, E>,
) -> Result<HorizonReport, E> {
    let first = train(lr)?.filter(|l| l.is_finite());
    if let Some(loss) = first.filter(|&l| l < settled) {
        return Ok(HorizonReport {
            steps,
            attempts: vec![Attempt {
                lr,
                loss: Some(loss),
            }],
            chosen_lr: Some(lr),
        });
    }
    let mut replayed = Some(first);
    halve_while_better(steps, lr, HOLD_MARGIN, |at| match replayed.take() {
        Some(first) => Ok(first),
        None => train(at),
    })
}

/// Halves from `lr` while the loss falls by more than `margin` × the previous loss (a diverged
/// run is the worst, and the halving goes on past a first run of them), up to [`MAX_HALVINGS`]
/// times. The chosen LR is the last one that improved so on the one before it (the first finite
/// one to begin with); with margin 0 that is the lowest loss.
fn halve_while_better<E>(
    steps: u64,
    lr: f64,
    margin: f64,
    mut train: impl FnMut(f64) -> Result<Option<f64>, E>,
) -> Result<HorizonReport, E> {
    let mut attempts: Vec<Attempt> = Vec::new();
    let mut chosen_lr: Option<f64> = None;
    let mut chosen_loss = f64::INFINITY;
    let mut at = lr;
    for _ in 0..=MAX_HALVINGS {
        let loss = train(at)?.filter(|l| l.is_finite());
        attempts.push(Attempt { lr: at, loss });
        match loss {
            Some(now) if chosen_lr.is_none() || now < chosen_loss * (1.0 - margin) => {
                chosen_lr = Some(at);
                chosen_loss = now;
            }
            // A diverged run before any that trained: keep halving.
            None if chosen_lr.is_none() => {}
            _ => break,
        }
        at /= 2.0;
    }
    Ok(HorizonReport {
        steps,
        attempts,
        chosen_lr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A held-out loss over log₂ LR with its bottom at `best`: `1 + (log₂(lr / best))²`.
    fn bowl(best: f64) -> impl Fn(f64) -> Result<Option<f64>, ()> {
        move |lr: f64| Ok(Some(1.0 + (lr / best).log2().powi(2)))
    }

    #[test]
    fn the_horizon_is_a_quarter_of_the_run_and_at_most_five_epochs() {
        // One-epoch MNIST at batch 128 (469 steps): under 5 sweeps of 100, no check.
        assert_eq!(horizon_steps(469, 469, 100), None);
        // At batch 64 (938 steps) the run is 9 sweeps long: a quarter of it, 234 steps.
        assert_eq!(horizon_steps(938, 938, 100), Some(234));
        // Housing for 20 epochs of 516 steps: a quarter, 5 epochs.
        assert_eq!(horizon_steps(20 * 516, 516, 100), Some(2580));
        // 100 epochs of MNIST: 5 epochs, not 25.
        assert_eq!(horizon_steps(100 * 469, 469, 100), Some(5 * 469));
        // An epoch shorter than the sweep (25 steps, 20 epochs): a quarter of the run.
        assert_eq!(horizon_steps(500, 25, 100), Some(125));
        // ... at most 5 sweeps.
        assert_eq!(horizon_steps(4000, 25, 100), Some(500));
        assert_eq!(horizon_steps(500, 25, 0), None);
    }

    #[test]
    fn short_runs_race_the_constant_lr_over_the_whole_run() {
        // One epoch of MNIST at batch 512 (118 steps): no annealed check, the constant LR raced
        // over the 118 steps.
        let p = plan(118, 118, 100).unwrap();
        assert_eq!(p.annealed_steps, None);
        assert_eq!(p.constant, ConstantCheck::WholeRun);
        assert_eq!(p.constant_steps(), 118);
        // 20 epochs of 25 steps (500): both; the constant LR over all 500 steps.
        let p = plan(500, 25, 100).unwrap();
        assert_eq!(p.annealed_steps, Some(125));
        assert_eq!(
            (p.constant, p.constant_steps()),
            (ConstantCheck::WholeRun, 500)
        );
        // The longest run raced whole is 100 sweeps; one step more is held at the horizon.
        let p = plan(10_000, 500, 100).unwrap();
        assert_eq!(
            (p.constant, p.constant_steps()),
            (ConstantCheck::WholeRun, 10_000)
        );
        let p = plan(10_001, 10_001, 100).unwrap();
        assert_eq!(
            (p.constant, p.constant_steps()),
            (ConstantCheck::Hold, 2500)
        );
        // Housing for 20 epochs of 516 steps: held for 5 epochs.
        let p = plan(20 * 516, 516, 100).unwrap();
        assert_eq!(
            (p.constant, p.constant_steps()),
            (ConstantCheck::Hold, 2580)
        );
        assert_eq!(plan(0, 10, 100), None);
        assert_eq!(plan(500, 25, 0), None);
    }

    #[test]
    fn a_bowl_below_the_sweep_is_found_by_halving() {
        // The best long-run LR is 8 times below the sweep's 0.8: three halvings improve, the
        // fourth (0.05) does not.
        let report = race(100, 0.8, bowl(0.1)).unwrap();
        let lrs: Vec<f64> = report.attempts.iter().map(|a| a.lr).collect();
        assert_eq!(lrs, [0.8, 0.4, 0.2, 0.1, 0.05]);
        assert_eq!(report.chosen_lr, Some(0.1));
        assert_eq!(report.halvings(), Some(3));
    }

    #[test]
    fn a_right_sweep_costs_two_runs() {
        let report = race(100, 0.1, bowl(0.1)).unwrap();
        assert_eq!(report.attempts.len(), 2);
        assert_eq!(report.chosen_lr, Some(0.1));
        assert_eq!(report.halvings(), Some(0));
    }

    #[test]
    fn a_run_that_diverges_at_the_horizon_is_halved_past() {
        // The sweep's LR (and its half) blow up over the longer run; below 0.3 it trains, best
        // at 0.1.
        let train = |lr: f64| -> Result<Option<f64>, ()> {
            Ok(if lr > 0.3 {
                Some(f64::INFINITY)
            } else {
                Some(1.0 + (lr / 0.1).log2().powi(2))
            })
        };
        let report = race(100, 1.6, train).unwrap();
        assert_eq!(report.attempts[0].loss, None);
        assert_eq!(report.attempts[1].loss, None);
        assert_eq!(report.chosen_lr, Some(0.1));
    }

    #[test]
    fn the_halving_stops_after_its_limit() {
        // Lower is always better (a loss still falling at the horizon): MAX_HALVINGS halvings.
        let report = race(10, 1.0, |lr: f64| Ok::<_, ()>(Some(lr))).unwrap();
        assert_eq!(report.attempts.len() as u32, MAX_HALVINGS + 1);
        assert_eq!(report.chosen_lr, Some(1.0 / 256.0));
        // Everything diverges: no LR.
        let report = race(10, 1.0, |_| Ok::<_, ()>(None)).unwrap();
        assert_eq!(report.chosen_lr, None);
        assert_eq!(report.halvings(), None);
        // An error ends the check.
        assert_eq!(
            race(10, 1.0, |_| Err::<Option<f64>, _>("no data")),
            Err("no data")
        );
    }

    #[test]
    fn holding_halves_only_while_the_floor_falls_by_more_than_the_margin() {
        // Annealing settled at a loss of 1; a noise floor proportional to the LR: 1 + lr. From
        // 0.2: the half holds 8% lower, then 4.5%, 2.4%, 1.2%, then 0.6%, under the 1% margin:
        // 0.0125 is kept.
        let floor = |lr: f64| Ok::<_, ()>(Some(1.0 + lr));
        let report = hold(100, 0.2, 1.0, floor).unwrap();
        assert_eq!(report.chosen_lr, Some(0.0125));
        assert_eq!(report.attempts.len(), 6);
        // A model still learning ends below where annealing left it: kept, one run.
        let report = hold(100, 0.2, 1.0, |lr: f64| Ok::<_, ()>(Some(0.9 - lr))).unwrap();
        assert_eq!(report.chosen_lr, Some(0.2));
        assert_eq!(report.attempts.len(), 1);
        // One that diverges when held is halved past it.
        let report = hold(100, 0.2, 1.0, |lr: f64| {
            Ok::<_, ()>((lr < 0.1).then_some(1.0 + lr))
        })
        .unwrap();
        assert_eq!(report.attempts[0].loss, None);
        assert!(report.chosen_lr.unwrap() < 0.1);
        // The race, with no margin, walks the same floor down to its limit.
        let report = race(100, 0.4, |lr: f64| Ok::<_, ()>(Some(1.0 + lr))).unwrap();
        assert_eq!(report.attempts.len() as u32, MAX_HALVINGS + 1);
    }

    #[test]
    fn a_noisy_plateau_stops_at_the_first_rise() {
        // The loss at the horizon is flat up to ±0.001 noise: the check stops as soon as a
        // halving does not help, instead of walking down the plateau.
        let noise = [0.0, -0.001, 0.001, -0.0005, 0.0008];
        let mut i = 0;
        let report = race(50, 0.2, |_| {
            i += 1;
            Ok::<_, ()>(Some(1.0 + noise[(i - 1) % noise.len()]))
        })
        .unwrap();
        assert_eq!(report.attempts.len(), 3);
        assert_eq!(report.chosen_lr, Some(0.1));
    }
}
