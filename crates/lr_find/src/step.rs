//! One optimizer step's worth of gradients on any burn module: the mean loss of one or more
//! mini-batches and its gradients. The range test takes its steps through it, and so does the
//! harness's trainer, so a sweep point is the step a training run takes.

use burn::module::Module;
use burn::optim::{GradientsAccumulator, GradientsParams, ModuleOptimizer};
use burn::tensor::Tensor;

/// What applies an optimizer step to a module: burn's [`ModuleOptimizer`] (any burn optimizer's
/// `init()`), or an optimizer of one's own with the same step.
pub trait OptimizerStep<M>: Clone {
    /// `module` after one step at `lr` with `grads`.
    fn step(&mut self, lr: f64, module: M, grads: GradientsParams) -> M;
}

impl<M: Module> OptimizerStep<M> for ModuleOptimizer {
    fn step(&mut self, lr: f64, module: M, grads: GradientsParams) -> M {
        ModuleOptimizer::step(self, lr, module, grads)
    }
}

/// A mini-batch whose loss was NaN or infinite: no gradients were taken.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NonFiniteLoss {
    pub loss: f64,
}

/// The mean loss over `batches` and its gradients for `model`. One batch's gradients are
/// returned as they are; several are each scaled by `1 / count` and summed through burn's
/// [`GradientsAccumulator`], so the step is that of one batch as many times larger (for
/// batches of equal size).
///
/// # Errors
/// [`NonFiniteLoss`] at the first mini-batch whose loss is NaN or infinite.
///
/// # Panics
/// If `batches` is empty.
pub fn mean_gradients<M: Module, B>(
    model: &M,
    batches: impl ExactSizeIterator<Item = B>,
    loss_of: &mut impl FnMut(&M, B) -> Tensor<1>,
) -> Result<(f64, GradientsParams), NonFiniteLoss> {
    let count = batches.len();
    assert!(count > 0, "an optimizer step needs at least one batch");
    let mut single = None;
    let mut accumulator = GradientsAccumulator::<M>::new();
    let mut sum = 0.0;
    for batch in batches {
        let loss = loss_of(model, batch);
        let value = f64::from(loss.clone().into_scalar::<f32>());
        if !value.is_finite() {
            return Err(NonFiniteLoss { loss: value });
        }
        sum += value;
        if count == 1 {
            single = Some(GradientsParams::from_grads(loss.backward(), model));
        } else {
            let loss = loss.div_scalar(count as f32);
            accumulator.accumulate(model, GradientsParams::from_grads(loss.backward(), model));
        }
    }
    let grads = single.unwrap_or_else(|| accumulator.grads());
    Ok((sum / count as f64, grads))
}
