//! Gradient clipping as PyTorch does it, on all of a module's gradients at once:
//! `clip_grad_norm_` scales every gradient by `min(1, max_norm / (total_norm + 1e-6))`, where
//! `total_norm` is the 2-norm of the per-parameter 2-norms (the global norm over all
//! parameters); `clip_grad_value_` clamps each element to `[−clip_value, clip_value]`.

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::Tensor;

/// Which clipping, with its threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clip {
    /// `torch.nn.utils.clip_grad_norm_(max_norm)`.
    Norm(f64),
    /// `torch.nn.utils.clip_grad_value_(clip_value)`.
    Value(f64),
}

/// Clips the gradients of `module`'s parameters in `grads`; returns the total norm before
/// clipping for [`Clip::Norm`] (as `clip_grad_norm_` does), `None` for [`Clip::Value`].
pub fn clip<M: Module>(module: &M, grads: &mut GradientsParams, clip: Clip) -> Option<f32> {
    match clip {
        Clip::Norm(max_norm) => {
            let mut norms = Norms {
                grads,
                norms: Vec::new(),
            };
            module.visit(&mut norms);
            // torch.linalg.vector_norm(torch.stack(norms)), in f32.
            let total = norms.norms.iter().map(|n| n * n).sum::<f32>().sqrt();
            let coef = (max_norm as f32 / (total + 1e-6)).min(1.0);
            module.visit(&mut Scale { grads, coef });
            Some(total)
        }
        Clip::Value(value) => {
            module.visit(&mut Clamp {
                grads,
                value: value as f32,
            });
            None
        }
    }
}

/// The 2-norm of each parameter's gradient, in visiting order.
struct Norms<'a> {
    grads: &'a GradientsParams,
    norms: Vec<f32>,
}

impl ModuleVisitor for Norms<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.get::<D>(param.id) {
            let norm = grad.square().sum().sqrt().into_scalar::<f32>();
            self.norms.push(norm);
        }
    }
}

/// Multiplies every gradient by `coef` (PyTorch does so even when it is 1).
struct Scale<'a> {
    grads: &'a mut GradientsParams,
    coef: f32,
}

impl ModuleVisitor for Scale<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.remove::<D>(param.id) {
            self.grads.register(param.id, grad.mul_scalar(self.coef));
        }
    }
}

/// Clamps every gradient element to `[−value, value]`.
struct Clamp<'a> {
    grads: &'a mut GradientsParams,
    value: f32,
}

impl ModuleVisitor for Clamp<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.remove::<D>(param.id) {
            self.grads
                .register(param.id, grad.clamp(-self.value, self.value));
        }
    }
}
