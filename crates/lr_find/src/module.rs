//! The range test on any burn module: [`RangeTest::sweep`] raises the LR step by step on a
//! copy of a model and its optimizer, and [`RangeTest::probe`] checks an answer with short runs
//! from the same start. The model, the optimizer, the batches and the loss are the caller's:
//! any [`Module`], burn's [`ModuleOptimizer`](burn::optim::ModuleOptimizer) (or an
//! [`OptimizerStep`] of one's own), any iterator of batches (a burn `DataLoader`'s, say) and a
//! closure from model and batch to the loss. Neither the model nor the optimizer passed in is
//! changed.
//!
//! ```
//! use burn::module::Module;
//! use burn::nn::{Linear, LinearConfig};
//! use burn::optim::SgdConfig;
//! use burn::tensor::{Device, Distribution, Tensor};
//! use lr_find::{FinderConfig, RangeTest};
//!
//! let device = Device::flex().autodiff();
//! device.seed(0);
//! let model: Linear = LinearConfig::new(4, 1).init(&device);
//! // A noisy linear target: y = x · (1, 2, 3, 4) + noise.
//! let batches = (0..).map(|_| {
//!     let x = Tensor::<2>::random([32, 4], Distribution::Normal(0.0, 1.0), &device);
//!     let w = Tensor::<1>::from_floats([1.0, 2.0, 3.0, 4.0], &device).reshape([4, 1]);
//!     let y = x.clone().matmul(w) + Tensor::random([32, 1], Distribution::Normal(0.0, 0.1), &device);
//!     (x, y)
//! });
//!
//! let sweep = RangeTest::new(FinderConfig::default())
//!     .sweep(&model, &SgdConfig::new().init(), batches, |m: &Linear, (x, y)| {
//!         (m.forward(x) - y).powi_scalar(2).mean()
//!     })
//!     .unwrap();
//! let lr = sweep.analyze().recommended_lr().unwrap();
//! // The mean squared error's Hessian is 2·E[x xᵀ] = 2·I, so SGD diverges above 2 / 2 = 1.
//! assert!(lr > 0.01 && lr < 1.0, "{lr}");
//! ```

use burn::module::Module;
use burn::tensor::Tensor;

use crate::probe::{self, ProbeReport};
use crate::step::{OptimizerStep, mean_gradients};
use crate::sweep::{FinderConfig, Sweep, sweep};
use schedules::ScheduleError;

/// Why a range test could not run to its end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RangeTestError {
    /// A setting of the finder is out of range.
    #[error(transparent)]
    Config(#[from] ScheduleError),
    /// The batches ran out before the sweep or probe was done.
    #[error("the batches ran out at step {step}: the sweep or probe needs {needed} batches")]
    OutOfBatches { step: u64, needed: u64 },
}

/// The range test's settings beyond the ramp: accumulation, the held-out loss and a hook on
/// each step. [`RangeTest::new`] gives one batch per step and the training batch's loss.
pub struct RangeTest<'h, M> {
    pub finder: FinderConfig,
    accumulate: usize,
    held_out: Option<HeldOut<'h, M>>,
    on_step: Option<OnStep<'h>>,
    before_step: Option<Box<dyn FnMut(u64) + 'h>>,
}

/// The loss of a model after a step, on held-out data.
type HeldOut<'h, M> = Box<dyn FnMut(&M) -> f64 + 'h>;
/// Sees `(step, lr, loss)` after each sweep step.
type OnStep<'h> = Box<dyn FnMut(u64, f64, f64) + 'h>;

impl<'h, M: Module> RangeTest<'h, M> {
    pub fn new(finder: FinderConfig) -> Self {
        Self {
            finder,
            accumulate: 1,
            held_out: None,
            on_step: None,
            before_step: None,
        }
    }

    /// Each step averages the gradients of `batches` mini-batches (at least 1): a batch that
    /// many times larger, for a noisy curve.
    pub fn with_accumulation(mut self, batches: usize) -> Self {
        self.accumulate = batches.max(1);
        self
    }

    /// Reads the loss after each step from `loss` (on held-out data, say) instead of the
    /// training batch's loss before the step: a smoother curve that also shows overfitting.
    pub fn with_held_out(mut self, loss: impl FnMut(&M) -> f64 + 'h) -> Self {
        self.held_out = Some(Box::new(loss));
        self
    }

    /// Calls `hook(step, lr, loss)` after each step of the sweep, e.g. for a progress bar.
    pub fn with_on_step(mut self, hook: impl FnMut(u64, f64, f64) + 'h) -> Self {
        self.on_step = Some(Box::new(hook));
        self
    }

    /// Calls `hook(step)` before each step's batches, counting from 0 in a sweep and in each
    /// run of a probe: to seed the device's random numbers (dropout) as a training run's step
    /// would, say.
    pub fn with_before_step(mut self, hook: impl FnMut(u64) + 'h) -> Self {
        self.before_step = Some(Box::new(hook));
        self
    }

    fn before(&mut self, step: u64) {
        if let Some(hook) = self.before_step.as_mut() {
            hook(step);
        }
    }

    /// Mini-batches per step.
    pub fn accumulation(&self) -> usize {
        self.accumulate
    }

    /// The sweep from `model` and `optimizer` (copies: neither is changed): step `k` takes the
    /// next [`RangeTest::with_accumulation`] batches, computes `loss_of(model, batch)` for each
    /// and one optimizer step at the ramp's LR `k`. It stops early where the finder's stop rule
    /// says, or at a loss that is not finite. Read it with [`Sweep::analyze`].
    ///
    /// # Errors
    /// A finder setting out of range; batches that run out first.
    pub fn sweep<O: OptimizerStep<M>, B>(
        &mut self,
        model: &M,
        optimizer: &O,
        batches: impl IntoIterator<Item = B>,
        mut loss_of: impl FnMut(&M, B) -> Tensor<1>,
    ) -> Result<Sweep, RangeTestError> {
        self.finder.validate()?;
        let needed = self.finder.ramp.num_iters * self.accumulate as u64;
        let mut batches = batches.into_iter();
        let mut model = Some(model.clone());
        let mut optimizer = optimizer.clone();
        let mut step = 0u64;
        sweep(&self.finder, |lr| {
            let micro = next_step(&mut batches, self.accumulate, step, needed)?;
            if let Some(hook) = self.before_step.as_mut() {
                hook(step);
            }
            let current = model
                .take()
                .expect("the sweep holds its model between steps");
            let loss = match mean_gradients(&current, micro.into_iter(), &mut loss_of) {
                Ok((loss, grads)) => {
                    let next = optimizer.step(lr, current, grads);
                    let loss = match self.held_out.as_mut() {
                        Some(held_out) => held_out(&next),
                        None => loss,
                    };
                    model = Some(next);
                    loss
                }
                // Not applied; the sweep stops at a loss that is not finite.
                Err(non_finite) => {
                    model = Some(current);
                    non_finite.loss
                }
            };
            if let Some(hook) = self.on_step.as_mut() {
                hook(step, lr, loss);
            }
            step += 1;
            Ok(loss)
        })
    }

    /// The training losses of `steps` optimizer steps at the constant `lr` from `model` and
    /// `optimizer` (copies), on `batches`; it ends at a loss that is not finite, which it
    /// includes.
    ///
    /// # Errors
    /// Batches that run out first.
    pub fn run_constant<O: OptimizerStep<M>, B>(
        &mut self,
        model: &M,
        optimizer: &O,
        lr: f64,
        steps: u64,
        batches: impl IntoIterator<Item = B>,
        loss_of: &mut impl FnMut(&M, B) -> Tensor<1>,
    ) -> Result<Vec<f64>, RangeTestError> {
        let needed = steps * self.accumulate as u64;
        let mut batches = batches.into_iter();
        let mut model = model.clone();
        let mut optimizer = optimizer.clone();
        let mut losses = Vec::with_capacity(steps as usize);
        for step in 0..steps {
            let micro = next_step(&mut batches, self.accumulate, step, needed)?;
            self.before(step);
            match mean_gradients(&model, micro.into_iter(), loss_of) {
                Ok((loss, grads)) => {
                    losses.push(loss);
                    model = optimizer.step(lr, model, grads);
                }
                Err(non_finite) => {
                    losses.push(non_finite.loss);
                    break;
                }
            }
        }
        Ok(losses)
    }

    /// Checks `lr` ([`probe::check`]): [`probe::PROBE_STEPS`] steps at `lr` from `model` and
    /// `optimizer` (copies) on the batches `batches()` gives (the same ones each time, for a
    /// fair comparison), halving the LR until the loss falls and stays finite.
    ///
    /// # Errors
    /// Batches that run out first.
    pub fn probe<O: OptimizerStep<M>, B, I: IntoIterator<Item = B>>(
        &mut self,
        model: &M,
        optimizer: &O,
        lr: f64,
        mut batches: impl FnMut() -> I,
        mut loss_of: impl FnMut(&M, B) -> Tensor<1>,
    ) -> Result<ProbeReport, RangeTestError> {
        probe::check(lr, |lr| {
            self.run_constant(
                model,
                optimizer,
                lr,
                probe::PROBE_STEPS,
                batches(),
                &mut loss_of,
            )
        })
    }
}

/// The `accumulate` mini-batches of step `step`, of a run that needs `needed` batches in all.
fn next_step<B>(
    batches: &mut impl Iterator<Item = B>,
    accumulate: usize,
    step: u64,
    needed: u64,
) -> Result<Vec<B>, RangeTestError> {
    let micro: Vec<B> = batches.by_ref().take(accumulate).collect();
    if micro.len() < accumulate {
        return Err(RangeTestError::OutOfBatches { step, needed });
    }
    Ok(micro)
}
