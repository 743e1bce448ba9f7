//! How often the LR finder is right: the finder-quality benchmark.
//!
//! For each set-up (a run config: data, model, optimizer, batch size, epochs) the finder sweeps
//! as `harness lr-find --config` does, and a grid of training runs around its recommendation
//! (factors of 2) gives the ground truth under the two protocols users apply a recommendation
//! with: the LR held constant, and the one-cycle schedule `--write-config` writes from it
//! (`max_lr` at the LR × [`crate::lr_find::one_cycle_factor`]). The grid grows until its best result has at least [`GRID_MARGIN`]
//! tried LRs on each side. The recommendation is *within tolerance* when its result is within
//! [`Goal::tolerance`] of the grid's best, and *wrong* when it diverges or falls further than
//! [`Goal::wrong_beyond`]; a "no usable descent" is *false* when some LR of the grid trains
//! well ([`Goal::trains_well`]).
//!
//! The grid's rule ([`next_exponent`]) and the scoring ([`Verdict`], [`Summary`]) are pure
//! functions; [`run_setup`] is the thin adapter that trains.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use data::spec::DatasetName;

use crate::backend::Backend;
use crate::config::RunConfig;
use crate::events::EventsAt;
use crate::lr_find::{FindSpec, Plan, config_with, find};
use crate::run::{Progress, RunError, RunOptions, run};
use lr_find::{Confidence, FinderConfig};

/// Tried LRs the grid's best needs on each side before the grid stops growing.
pub const GRID_MARGIN: i32 = 2;
/// The grid never reaches further than this many factors of 2 from its centre.
pub const MAX_EXPONENT: i32 = 20;
/// The centre of the grid when the finder recommends nothing.
pub const FALLBACK_CENTRE: f64 = 0.01;

/// What a set-up is judged by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    /// Test accuracy (a fraction), higher is better.
    Accuracy,
    /// Test RMSE, lower is better.
    Rmse,
}

impl Goal {
    /// Whether `a` is a better result than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Goal::Accuracy => a > b,
            Goal::Rmse => a < b,
        }
    }

    /// How much worse than the best a result may be and still count as right: half a point of
    /// accuracy, or 2% of RMSE.
    pub fn tolerance(self) -> &'static str {
        match self {
            Goal::Accuracy => "within 0.5 points of accuracy",
            Goal::Rmse => "within 2% of RMSE",
        }
    }

    /// `value` is within tolerance of `best`.
    pub fn within(self, value: f64, best: f64) -> bool {
        match self {
            Goal::Accuracy => value >= best - 0.005,
            Goal::Rmse => value <= best * 1.02,
        }
    }

    /// A "high" confidence must never be this far off: more than 2 points, or 5% of RMSE.
    pub fn wrong_beyond(self, value: f64, best: f64) -> bool {
        match self {
            Goal::Accuracy => value < best - 0.02,
            Goal::Rmse => value > best * 1.05,
        }
    }

    /// A result that shows the model learned: half the test rows right, or R² at least 0.5.
    pub fn trains_well(self, result: &Trial) -> bool {
        match self {
            Goal::Accuracy => result.value.is_some_and(|a| a >= 0.5),
            Goal::Rmse => result.r2.is_some_and(|r2| r2 >= 0.5),
        }
    }
}

/// How a recommendation is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// The LR held constant for the whole run.
    Constant,
    /// One-cycle with `max_lr` at the LR over the whole run (`lr-find --write-config`).
    OneCycle,
}

impl Protocol {
    pub const ALL: [Protocol; 2] = [Protocol::Constant, Protocol::OneCycle];

    pub fn name(self) -> &'static str {
        match self {
            Protocol::Constant => "constant",
            Protocol::OneCycle => "one_cycle",
        }
    }

    fn plan(self) -> Plan {
        match self {
            Protocol::Constant => Plan::Constant,
            Protocol::OneCycle => Plan::OneCycle,
        }
    }
}

/// One training run of a grid.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trial {
    /// The LR is `centre × 2^exponent`: the recommendation's scale (a constant LR, or the LR
    /// `--write-config` turns into one-cycle's `max_lr`).
    pub exponent: i32,
    pub lr: f64,
    /// The LR of the schedule trained: `lr`, or one-cycle's `max_lr`.
    pub schedule_lr: f64,
    /// Test accuracy or RMSE; `None` when the loss became NaN or infinite.
    pub value: Option<f64>,
    /// Test R² (regression).
    pub r2: Option<f64>,
    pub seconds: f64,
}

/// The next exponent the grid tries, or `None` when it is complete: first `-2..=2` around the
/// centre, then one step further on a side where the best has fewer than [`GRID_MARGIN`]
/// tried LRs (the low side first), never beyond ±[`MAX_EXPONENT`]. A diverged LR counts as
/// tried (and worst); past a diverged LR on the high side nothing is tried; while every LR
/// tried diverged, the grid goes lower.
pub fn next_exponent(goal: Goal, tried: &[Trial]) -> Option<i32> {
    for e in -GRID_MARGIN..=GRID_MARGIN {
        if !tried.iter().any(|t| t.exponent == e) {
            return Some(e);
        }
    }
    let (lo, hi) = tried.iter().fold((i32::MAX, i32::MIN), |(lo, hi), t| {
        (lo.min(t.exponent), hi.max(t.exponent))
    });
    // Everything tried diverged: the best lies lower.
    let Some(best) = best_trial(goal, tried).map(|t| t.exponent) else {
        return (lo > -MAX_EXPONENT).then_some(lo - 1);
    };
    let diverged_above = tried.iter().any(|t| t.exponent > best && t.value.is_none());
    if best - lo < GRID_MARGIN && lo > -MAX_EXPONENT {
        Some(lo - 1)
    } else if hi - best < GRID_MARGIN && hi < MAX_EXPONENT && !diverged_above {
        Some(hi + 1)
    } else {
        None
    }
}

/// The best trial (ties: the lower LR); `None` if every one diverged.
pub fn best_trial(goal: Goal, tried: &[Trial]) -> Option<&Trial> {
    let mut best: Option<&Trial> = None;
    for t in tried {
        let Some(v) = t.value else { continue };
        let replaces = match best.and_then(|b| b.value.map(|bv| (b, bv))) {
            None => true,
            Some((b, bv)) => goal.better(v, bv) || (v == bv && t.lr < b.lr),
        };
        if replaces {
            best = Some(t);
        }
    }
    best
}

/// A grid under one protocol and what it says of the recommendation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Grid {
    pub protocol: Protocol,
    /// The LR the finder gives for this protocol (the grid's centre); `None` without one.
    pub recommended_lr: Option<f64>,
    /// Sorted by LR.
    pub trials: Vec<Trial>,
    pub best_lr: Option<f64>,
    pub best: Option<f64>,
    /// The result at the recommended LR (exponent 0); `None` without a recommendation or when
    /// it diverged.
    pub at_recommendation: Option<f64>,
    pub verdict: Verdict,
}

/// What the grid says of the recommendation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Within tolerance of the grid's best.
    Right,
    /// Worse than tolerance, but not wrong.
    Short,
    /// Diverged, or worse than [`Goal::wrong_beyond`].
    Wrong,
    /// "No usable descent", and no LR of the grid trains well: true.
    TrueNone,
    /// "No usable descent", but some LR of the grid trains well.
    FalseNone,
    /// Every LR of the grid diverged.
    NothingTrains,
}

impl Verdict {
    /// Counts as within tolerance.
    pub fn is_right(self) -> bool {
        matches!(self, Verdict::Right | Verdict::TrueNone)
    }
}

/// Judges a complete grid; `recommended` says whether the finder gave an LR (the grid is then
/// centred on it).
pub fn judge(goal: Goal, protocol: Protocol, recommended: bool, mut trials: Vec<Trial>) -> Grid {
    trials.sort_by(|a, b| a.lr.total_cmp(&b.lr));
    let best = best_trial(goal, &trials).cloned();
    let at = trials
        .iter()
        .find(|t| t.exponent == 0)
        .and_then(|t| t.value)
        .filter(|_| recommended);
    let verdict = match (&best, recommended, at) {
        (None, _, _) => Verdict::NothingTrains,
        (Some(_), false, _) if trials.iter().any(|t| goal.trains_well(t)) => Verdict::FalseNone,
        (Some(_), false, _) => Verdict::TrueNone,
        (Some(_), true, None) => Verdict::Wrong,
        (Some(b), true, Some(v)) => {
            let best = b.value.expect("the best trial has a value");
            if goal.within(v, best) {
                Verdict::Right
            } else if goal.wrong_beyond(v, best) {
                Verdict::Wrong
            } else {
                Verdict::Short
            }
        }
    };
    Grid {
        protocol,
        recommended_lr: None,
        best_lr: best.as_ref().map(|b| b.lr),
        best: best.and_then(|b| b.value),
        at_recommendation: at,
        trials,
        verdict,
    }
}

/// One set-up: what the finder said and both grids.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetupResult {
    pub name: String,
    pub goal: Goal,
    /// The set-up's optimizer, PyTorch's defaults filled in.
    pub optimizer: crate::optimizer::OptimizerSpec,
    pub batch_size: usize,
    pub recommended_lr: Option<f64>,
    pub confidence: Confidence,
    pub reason: String,
    pub sweep_seconds: f64,
    /// The (first seed's) sweep: LR, raw and smoothed loss per point.
    pub sweep: Vec<lr_find::Point>,
    /// The probes of the recommendation, when the finder ran them.
    pub probe: Option<lr_find::ProbeReport>,
    /// The check at a longer horizon, when the finder ran it.
    pub horizon: Option<crate::lr_find::HorizonCheck>,
    pub grids: Vec<Grid>,
}

/// Where and how the benchmark runs.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    pub finder: FinderConfig,
    pub backend: Backend,
    pub data_dir: Option<PathBuf>,
    /// Check each recommendation as `harness lr-find` does (its default).
    pub probe: bool,
    /// Check each recommendation at a longer horizon as `harness lr-find --config` does (its
    /// default).
    pub horizon: bool,
    /// Scratch folder for the grid's run folders (each is removed once read).
    pub work_dir: PathBuf,
}

/// What the benchmark reports while it works.
pub enum Event<'a> {
    Swept {
        setup: &'a str,
        lr: Option<f64>,
    },
    Trained {
        setup: &'a str,
        protocol: Protocol,
        trial: &'a Trial,
    },
}

/// Sweeps `config` with the finder and trains both grids around its recommendation.
///
/// # Errors
/// A run that fails for another reason than a diverging loss (bad data, unwritable folder).
pub fn run_setup(
    name: &str,
    config: &RunConfig,
    options: &BenchOptions,
    mut on_event: impl FnMut(Event<'_>),
) -> Result<SetupResult, RunError> {
    let spec = FindSpec {
        base: config.clone(),
        finder: options.finder.clone(),
        accumulate: 1,
        validation: false,
        seeds: 1,
        probe: options.probe,
        horizon: options.horizon,
    };
    let finding = find(
        &spec,
        options.backend,
        options.data_dir.as_deref(),
        |_, _, _, _| {},
    )?;
    let recommended = finding.agreement.recommended_lr;
    on_event(Event::Swept {
        setup: name,
        lr: recommended,
    });
    let goal = match config.data.dataset {
        DatasetName::Mnist | DatasetName::FashionMnist => Goal::Accuracy,
        DatasetName::CaliforniaHousing | DatasetName::Synthetic => Goal::Rmse,
    };
    let mut grids = Vec::new();
    for protocol in Protocol::ALL {
        // Each protocol's grid is centred on the LR the finder gives for it.
        let recommended = finding.lr_for(protocol.plan());
        let centre = recommended.unwrap_or(FALLBACK_CENTRE);
        let mut trials: Vec<Trial> = Vec::new();
        while let Some(exponent) = next_exponent(goal, &trials) {
            let lr = centre * 2f64.powi(exponent);
            let trial = train_at(
                config,
                protocol,
                exponent,
                lr,
                finding.steps_per_epoch,
                options,
            )?;
            on_event(Event::Trained {
                setup: name,
                protocol,
                trial: &trial,
            });
            trials.push(trial);
        }
        let mut grid = judge(goal, protocol, recommended.is_some(), trials);
        grid.recommended_lr = recommended;
        grids.push(grid);
    }
    let first = finding.runs.first();
    Ok(SetupResult {
        name: name.to_string(),
        goal,
        optimizer: config.optimizer.clone(),
        batch_size: config.data.batch_size,
        recommended_lr: recommended,
        confidence: finding.agreement.confidence,
        reason: first.map_or(String::new(), |r| r.consensus.reason.clone()),
        sweep_seconds: finding.elapsed_seconds,
        sweep: first.map_or_else(Vec::new, |r| r.sweep.points.clone()),
        probe: finding.probe.as_ref().map(|p| p.report.clone()),
        horizon: finding.horizon.clone(),
        grids,
    })
}

/// One training run of the grid, in a scratch folder removed afterwards.
fn train_at(
    config: &RunConfig,
    protocol: Protocol,
    exponent: i32,
    lr: f64,
    steps_per_epoch: u64,
    options: &BenchOptions,
) -> Result<Trial, RunError> {
    let started = Instant::now();
    let run_config = config_with(
        config,
        protocol.plan(),
        lr,
        config.train.epochs,
        steps_per_epoch,
    )?;
    let folder = options
        .work_dir
        .join(format!("{}-{exponent}", protocol.name()));
    let _ = std::fs::remove_dir_all(&folder);
    let run_options = RunOptions {
        backend: options.backend,
        out_dir: folder.clone(),
        data_dir: options.data_dir.clone(),
        progress: Progress::Quiet,
        stop: None,
        schedule_hint: None,
        // The grid's runs are measured and thrown away.
        tensorboard: EventsAt::Off,
    };
    let outcome = run(&run_config, &run_options);
    remove_quietly(&folder);
    let (value, r2) = match outcome {
        Ok(o) => {
            let value = o.summary.test_metric().map(|(_, value)| value);
            (value.filter(|v| v.is_finite()), o.summary.test_r2)
        }
        Err(RunError::Diverged { .. }) => (None, None),
        Err(e) => return Err(e),
    };
    let schedule_lr = match protocol {
        Protocol::Constant => lr,
        Protocol::OneCycle => lr * crate::lr_find::one_cycle_factor(&config.optimizer),
    };
    Ok(Trial {
        exponent,
        lr,
        schedule_lr,
        value,
        r2,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn remove_quietly(folder: &Path) {
    let _ = std::fs::remove_dir_all(folder);
}

/// The benchmark's figures over all set-ups, per protocol.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub protocol: Protocol,
    pub setups: usize,
    /// Set-ups within tolerance (a true "no usable descent" counts).
    pub right: usize,
    /// "high" confidence on a wrong recommendation.
    pub high_but_wrong: usize,
    /// "no usable descent" where some LR of the grid trains well.
    pub false_none: usize,
    /// Per confidence level (none, low, medium, high): set-ups, and those within tolerance.
    pub calibration: Vec<Calibration>,
}

/// How often recommendations of one confidence level were right.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calibration {
    pub confidence: Confidence,
    pub setups: usize,
    pub right: usize,
    pub wrong: usize,
}

/// The figures of `results` under `protocol`.
pub fn summarize(results: &[SetupResult], protocol: Protocol) -> Summary {
    let graded: Vec<(Confidence, Verdict)> = results
        .iter()
        .filter_map(|r| {
            r.grids
                .iter()
                .find(|g| g.protocol == protocol)
                .map(|g| (r.confidence, g.verdict))
        })
        .collect();
    let levels = [
        Confidence::None,
        Confidence::Low,
        Confidence::Medium,
        Confidence::High,
    ];
    Summary {
        protocol,
        setups: graded.len(),
        right: graded.iter().filter(|(_, v)| v.is_right()).count(),
        high_but_wrong: graded
            .iter()
            .filter(|(c, v)| *c == Confidence::High && *v == Verdict::Wrong)
            .count(),
        false_none: graded
            .iter()
            .filter(|(_, v)| *v == Verdict::FalseNone)
            .count(),
        calibration: levels
            .iter()
            .map(|&level| {
                let of: Vec<Verdict> = graded
                    .iter()
                    .filter(|(c, _)| *c == level)
                    .map(|(_, v)| *v)
                    .collect();
                Calibration {
                    confidence: level,
                    setups: of.len(),
                    right: of.iter().filter(|v| v.is_right()).count(),
                    wrong: of
                        .iter()
                        .filter(|v| matches!(v, Verdict::Wrong | Verdict::FalseNone))
                        .count(),
                }
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(exponent: i32, value: Option<f64>) -> Trial {
        Trial {
            exponent,
            lr: 0.1 * 2f64.powi(exponent),
            schedule_lr: 0.1 * 2f64.powi(exponent),
            value,
            r2: value.map(|_| 0.6),
            seconds: 0.0,
        }
    }

    /// Runs the grid rule against a made-up response curve: the exponents it tries, in order.
    fn explore(goal: Goal, curve: impl Fn(i32) -> Option<f64>) -> Vec<i32> {
        let mut tried = Vec::new();
        while let Some(e) = next_exponent(goal, &tried) {
            tried.push(trial(e, curve(e)));
            assert!(tried.len() < 100, "the grid must end");
        }
        tried.iter().map(|t| t.exponent).collect()
    }

    #[test]
    fn the_grid_grows_until_the_best_has_two_tried_lrs_each_side() {
        // Accuracy peaks at exponent -4: the grid walks down to -6.
        let peak = |e: i32| Some(0.9 - 0.01 * f64::from((e + 4).abs()));
        assert_eq!(
            explore(Goal::Accuracy, peak),
            [-2, -1, 0, 1, 2, -3, -4, -5, -6]
        );
        // Best at +2, diverging from +4 up: +3 and the diverged +4 complete the right side.
        let rising = |e: i32| {
            (e < 4).then(|| 0.5 + 0.05 * f64::from(e.min(2)) - 0.01 * f64::from((e - 2).max(0)))
        };
        assert_eq!(explore(Goal::Accuracy, rising), [-2, -1, 0, 1, 2, 3, 4]);
        // RMSE: lower is better; best at the centre needs nothing more.
        let bowl = |e: i32| Some(1.0 + f64::from(e * e));
        assert_eq!(explore(Goal::Rmse, bowl), [-2, -1, 0, 1, 2]);
    }

    #[test]
    fn the_grid_stops_at_its_reach_and_goes_lower_while_everything_diverges() {
        let ever_better = |e: i32| Some(f64::from(e));
        let tried = explore(Goal::Accuracy, ever_better);
        assert_eq!(tried.last(), Some(&MAX_EXPONENT));
        // Everything from the centre down to 2^-4 diverges: the grid walks down past it until
        // its best (2^-6, the highest LR that trains) has two tried LRs below.
        let cliff = |e: i32| (e < -5).then(|| 0.9 + 0.01 * f64::from(e));
        assert_eq!(
            explore(Goal::Accuracy, cliff),
            [-2, -1, 0, 1, 2, -3, -4, -5, -6, -7, -8]
        );
        let never = explore(Goal::Accuracy, |_| None);
        assert_eq!(never.last(), Some(&-MAX_EXPONENT));
    }

    #[test]
    fn verdicts_follow_the_tolerances() {
        let grid = |at: Option<f64>, best: f64| {
            judge(
                Goal::Accuracy,
                Protocol::Constant,
                true,
                vec![trial(0, at), trial(1, Some(best))],
            )
            .verdict
        };
        assert_eq!(grid(Some(0.964), 0.968), Verdict::Right);
        assert_eq!(grid(Some(0.955), 0.968), Verdict::Short);
        assert_eq!(grid(Some(0.940), 0.968), Verdict::Wrong);
        assert_eq!(grid(None, 0.968), Verdict::Wrong);
        let rmse = |at: f64| {
            judge(
                Goal::Rmse,
                Protocol::OneCycle,
                true,
                vec![trial(0, Some(at)), trial(-1, Some(0.70))],
            )
            .verdict
        };
        assert_eq!(rmse(0.713), Verdict::Right);
        assert_eq!(rmse(0.72), Verdict::Short);
        assert_eq!(rmse(0.74), Verdict::Wrong);
        let none = |r2: f64| {
            let mut t = trial(0, Some(0.7));
            t.r2 = Some(r2);
            judge(Goal::Rmse, Protocol::Constant, false, vec![t]).verdict
        };
        assert_eq!(none(0.6), Verdict::FalseNone);
        assert_eq!(none(0.1), Verdict::TrueNone);
    }

    #[test]
    fn the_summary_counts_confident_mistakes_per_level() {
        let setup = |confidence: Confidence, verdict: Verdict| SetupResult {
            name: "s".into(),
            goal: Goal::Accuracy,
            optimizer: crate::optimizer::OptimizerSpec::with_defaults("sgd").unwrap(),
            batch_size: 128,
            recommended_lr: Some(0.1),
            confidence,
            reason: String::new(),
            sweep_seconds: 0.0,
            sweep: vec![],
            probe: None,
            horizon: None,
            grids: vec![Grid {
                protocol: Protocol::Constant,
                recommended_lr: Some(0.1),
                trials: vec![],
                best_lr: None,
                best: None,
                at_recommendation: None,
                verdict,
            }],
        };
        let results = [
            setup(Confidence::High, Verdict::Right),
            setup(Confidence::High, Verdict::Wrong),
            setup(Confidence::Low, Verdict::Short),
            setup(Confidence::None, Verdict::FalseNone),
        ];
        let s = summarize(&results, Protocol::Constant);
        assert_eq!(
            (s.setups, s.right, s.high_but_wrong, s.false_none),
            (4, 1, 1, 1)
        );
        let high = &s.calibration[3];
        assert_eq!((high.setups, high.right, high.wrong), (2, 1, 1));
        assert_eq!(summarize(&results, Protocol::OneCycle).setups, 0);
    }
}
