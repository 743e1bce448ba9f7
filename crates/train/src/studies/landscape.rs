//! Optimizers on a 2-D landscape: f(x, y) = (1 − x)² + 10 (y − x²)², a Rosenbrock valley
//! (b = 10) with its minimum f = 0 at (1, 1), descended from (−1, 1) by burn's optimizers.
//!
//! The point (x, y) is a two-element parameter of a tiny burn module, so each run goes
//! through the same autodiff and optimizer step (`ScheduledOptimizer::step`) as training does. [`descend`] records
//! the trajectory and stops at the first step that leaves the sane region ([`diverged`]).

use burn::module::{Module, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};

use crate::optimizer::OptimizerSpec;

/// The function, as reports print it.
pub const FUNCTION: &str = "f(x, y) = (1 - x)^2 + 10 (y - x^2)^2";
/// Where every run starts.
pub const START: (f64, f64) = (-1.0, 1.0);
/// The global minimum, f = 0.
pub const MINIMUM: (f64, f64) = (1.0, 1.0);
/// The learning rates of plain gradient descent.
pub const GD_LRS: [f64; 4] = [0.001, 0.01, 0.03, 0.05];
/// The LR the four optimizers share unless told otherwise. PyTorch has defaults for two of
/// them only (Adam 1e-3, RMSprop 1e-2); one LR for all compares the update rules, not the LRs.
pub const SHARED_LR: f64 = 0.01;
/// A point with |x| or |y| beyond this has diverged.
pub const MAX_COORD: f64 = 1e3;
/// A loss beyond this has diverged (f is 4 at the start).
pub const MAX_LOSS: f64 = 1e6;
/// A run that ends within this distance of [`MINIMUM`] has converged.
pub const CONVERGED_WITHIN: f64 = 1e-2;

/// f(x, y).
pub fn value(x: f64, y: f64) -> f64 {
    (1.0 - x).powi(2) + 10.0 * (y - x * x).powi(2)
}

/// ∇f(x, y) in closed form: (−2 (1 − x) − 40 x (y − x²), 20 (y − x²)).
pub fn gradient(x: f64, y: f64) -> (f64, f64) {
    let valley = y - x * x;
    (-2.0 * (1.0 - x) - 40.0 * x * valley, 20.0 * valley)
}

/// Whether a point (and its loss) has left the region where a descent still means something:
/// anything not finite, a coordinate beyond [`MAX_COORD`] or a loss beyond [`MAX_LOSS`].
pub fn diverged(x: f64, y: f64, loss: f64) -> bool {
    let finite = x.is_finite() && y.is_finite() && loss.is_finite();
    !finite || x.abs() > MAX_COORD || y.abs() > MAX_COORD || loss > MAX_LOSS
}

/// One run of the study: an optimizer with PyTorch's defaults at one LR.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSpec {
    /// How reports name the method: `GD`, `SGD`, `momentum`, `RMSprop`, `Adam`.
    pub method: &'static str,
    /// The [`OptimizerSpec`] kind: `sgd`, `momentum`, `rmsprop`, `adam`.
    pub optimizer: &'static str,
    pub lr: f64,
}

impl RunSpec {
    /// `GD lr 0.001`: unique within the study.
    pub fn label(&self) -> String {
        format!("{} lr {}", self.method, self.lr)
    }

    /// The burn optimizer's settings: PyTorch's defaults for the kind.
    pub fn spec(&self) -> OptimizerSpec {
        OptimizerSpec::with_defaults(self.optimizer).expect("the study names known optimizers")
    }
}

/// The eight runs: gradient descent at each of [`GD_LRS`], then SGD, momentum (0.9), RMSprop
/// and Adam at `shared_lr`. GD is SGD, so "SGD" repeats the GD run at the same LR.
pub fn study(shared_lr: f64) -> Vec<RunSpec> {
    let gd = GD_LRS.iter().map(|&lr| RunSpec {
        method: "GD",
        optimizer: "sgd",
        lr,
    });
    let others = [
        ("SGD", "sgd"),
        ("momentum", "momentum"),
        ("RMSprop", "rmsprop"),
        ("Adam", "adam"),
    ];
    let others = others.into_iter().map(|(method, optimizer)| RunSpec {
        method,
        optimizer,
        lr: shared_lr,
    });
    gd.chain(others).collect()
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Status {
    /// Within [`CONVERGED_WITHIN`] of the minimum.
    Converged,
    /// Finite, but not (yet) at the minimum: too slow, or oscillating.
    StillMoving,
    /// Optimizer step `step` (1-based) left the sane region; see [`diverged`].
    Diverged { step: usize },
}

impl Status {
    /// `converged`, `still moving`, `diverged at step 7`.
    pub fn describe(self) -> String {
        match self {
            Status::Converged => "converged".into(),
            Status::StillMoving => "still moving".into(),
            Status::Diverged { step } => format!("diverged at step {step}"),
        }
    }
}

/// The points a run visited: the start, then one per optimizer step up to (not including) the
/// first one that diverged.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// `(x, y)` at the start and after each recorded step.
    pub points: Vec<(f64, f64)>,
    /// f at each point.
    pub losses: Vec<f64>,
    /// The 1-based optimizer step that diverged, if one did; recording stopped there.
    pub diverged_at: Option<usize>,
}

impl Trajectory {
    /// The last recorded point (the start at least).
    pub fn last(&self) -> (f64, f64) {
        *self.points.last().expect("a trajectory holds its start")
    }

    /// f at the last recorded point.
    pub fn last_loss(&self) -> f64 {
        *self.losses.last().expect("a trajectory holds its start")
    }

    pub fn status(&self) -> Status {
        if let Some(step) = self.diverged_at {
            return Status::Diverged { step };
        }
        let (x, y) = self.last();
        if (x - MINIMUM.0).hypot(y - MINIMUM.1) <= CONVERGED_WITHIN {
            Status::Converged
        } else {
            Status::StillMoving
        }
    }
}

/// The point being optimized, as a burn module so that optimizers can step it.
#[derive(Module, Debug)]
struct Point {
    xy: Param<Tensor<1>>,
}

impl Point {
    fn at((x, y): (f64, f64), device: &Device) -> Self {
        let xy = Tensor::<1>::from_floats([x as f32, y as f32], device);
        Self {
            xy: Param::from_tensor(xy),
        }
    }

    /// f at the point, on the device (tracked for autodiff).
    ///
    /// # Shapes
    /// - output: `[1]`
    fn loss(&self) -> Tensor<1> {
        let xy = self.xy.val();
        let x = xy.clone().narrow(0, 0, 1);
        let y = xy.narrow(0, 1, 1);
        let one_minus_x = x.clone().neg().add_scalar(1.0);
        let valley = y - x.square();
        one_minus_x.square() + valley.square().mul_scalar(10.0)
    }

    fn read(&self) -> (f64, f64) {
        let xy = self
            .xy
            .val()
            .try_into_vec_as::<f32>()
            .expect("a float parameter");
        (f64::from(xy[0]), f64::from(xy[1]))
    }
}

/// ∇f at `(x, y)` as burn's autodiff computes it in f32 on `device`.
pub fn autodiff_gradient(x: f64, y: f64, device: &Device) -> (f64, f64) {
    let point = Point::at((x, y), &device.clone().autodiff());
    let grads = GradientsParams::from_grads(point.loss().backward(), &point);
    let grad = grads
        .get::<1>(point.xy.id)
        .expect("the point has a gradient")
        .try_into_vec_as::<f32>()
        .expect("a float gradient");
    (f64::from(grad[0]), f64::from(grad[1]))
}

/// Runs `run` for `steps` optimizer steps from [`START`] on `device` (autodiff is added here).
/// The points are read back after each step and f is evaluated on them in f64; recording
/// stops at the first step whose point [`diverged`].
pub fn descend(run: &RunSpec, steps: usize, device: &Device) -> Trajectory {
    let device = device.clone().autodiff();
    let mut optimizer = run.spec().build();
    let mut point = Point::at(START, &device);
    let mut trajectory = Trajectory {
        points: vec![START],
        losses: vec![value(START.0, START.1)],
        diverged_at: None,
    };
    for step in 1..=steps {
        let grads = GradientsParams::from_grads(point.loss().backward(), &point);
        point = optimizer.step(run.lr, None, point, grads);
        let (x, y) = point.read();
        let loss = value(x, y);
        if diverged(x, y, loss) {
            trajectory.diverged_at = Some(step);
            break;
        }
        trajectory.points.push((x, y));
        trajectory.losses.push(loss);
    }
    trajectory
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Backend;

    fn device() -> Device {
        Backend::Flex
            .device()
            .expect("flex is compiled into the tests")
    }

    fn gd(lr: f64) -> RunSpec {
        RunSpec {
            method: "GD",
            optimizer: "sgd",
            lr,
        }
    }

    #[test]
    fn the_closed_form_matches_the_function() {
        assert_eq!(value(1.0, 1.0), 0.0);
        assert_eq!(value(-1.0, 1.0), 4.0); // (1 + 1)² + 10 (1 − 1)²
        assert_eq!(gradient(1.0, 1.0), (0.0, 0.0));
        // Central differences of f agree with ∇f.
        let h = 1e-6;
        for (x, y) in [(-1.0, 1.0), (0.5, -0.3), (1.7, 2.2)] {
            let (gx, gy) = gradient(x, y);
            let dx = (value(x + h, y) - value(x - h, y)) / (2.0 * h);
            let dy = (value(x, y + h) - value(x, y - h)) / (2.0 * h);
            assert!((gx - dx).abs() < 1e-5 && (gy - dy).abs() < 1e-5, "{x}, {y}");
        }
    }

    #[test]
    fn autodiff_matches_the_closed_form_gradient() {
        let device = device();
        for (x, y) in [(-1.0, 1.0), (0.5, -0.25), (1.5, 2.0), (0.0, 0.0)] {
            let (ax, ay) = autodiff_gradient(x, y, &device);
            let (gx, gy) = gradient(x, y);
            // f32 arithmetic: relative error around 1e-6 of gradients up to ~50.
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-4 * b.abs().max(1.0);
            assert!(
                close(ax, gx) && close(ay, gy),
                "({x}, {y}): {ax}, {ay} vs {gx}, {gy}"
            );
        }
    }

    #[test]
    fn a_small_lr_descends_and_a_step_is_the_gradient_step() {
        let t = descend(&gd(0.001), 50, &device());
        assert_eq!(t.points.len(), 51);
        assert_eq!(t.diverged_at, None);
        assert!(t.losses.windows(2).all(|w| w[1] <= w[0]), "{:?}", t.losses);
        assert!(t.last_loss() < value(START.0, START.1));
        // The first step is x − lr ∇f: ∇f(−1, 1) = (−4, 0).
        let (x, y) = t.points[1];
        assert!((x - (-1.0 + 0.001 * 4.0)).abs() < 1e-6 && (y - 1.0).abs() < 1e-6);
        assert_eq!(t.status(), Status::StillMoving);
    }

    #[test]
    fn a_huge_lr_is_flagged_diverged() {
        let t = descend(&gd(1.0), 100, &device());
        let step = t.diverged_at.expect("lr 1 diverges");
        assert!(step <= 10, "diverged only at step {step}");
        assert_eq!(
            t.points.len(),
            step,
            "recording stops before the diverged step"
        );
        assert_eq!(t.status(), Status::Diverged { step });
        assert_eq!(t.status().describe(), format!("diverged at step {step}"));
        assert!(t.points.iter().all(|&(x, y)| !diverged(x, y, value(x, y))));
    }

    #[test]
    fn runs_are_deterministic() {
        let device = device();
        for run in study(SHARED_LR) {
            assert_eq!(
                descend(&run, 30, &device),
                descend(&run, 30, &device),
                "{run:?}"
            );
        }
    }

    #[test]
    fn the_study_has_eight_distinct_runs() {
        let runs = study(0.02);
        assert_eq!(runs.len(), 8);
        let labels: std::collections::BTreeSet<_> = runs.iter().map(RunSpec::label).collect();
        assert_eq!(labels.len(), 8);
        assert_eq!(runs[0].label(), "GD lr 0.001");
        assert_eq!(runs[7].label(), "Adam lr 0.02");
        assert!(
            runs.iter()
                .all(|r| r.spec().describe().starts_with(r.optimizer))
        );
    }

    #[test]
    fn the_verdicts() {
        assert!(diverged(f64::NAN, 0.0, 1.0));
        assert!(diverged(0.0, 0.0, f64::INFINITY));
        assert!(diverged(1001.0, 0.0, 1.0));
        assert!(diverged(0.0, 0.0, 2e6));
        assert!(!diverged(-2.0, 3.0, value(-2.0, 3.0)));
        let at = |points: Vec<(f64, f64)>| Trajectory {
            losses: points.iter().map(|&(x, y)| value(x, y)).collect(),
            points,
            diverged_at: None,
        };
        assert_eq!(at(vec![START, (0.995, 1.005)]).status(), Status::Converged);
        assert_eq!(at(vec![START, (0.9, 0.81)]).status(), Status::StillMoving);
    }
}
