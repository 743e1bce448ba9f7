//! The update rules, one function per `torch.optim` class, each a pure function of the
//! parameter, its gradient, its state and the step's hyper-parameters. Every operation is
//! PyTorch's in float32, in PyTorch's order (`a.add(b, alpha=s)` is `a + s·b`,
//! `a.addcmul(b, c, value=s)` is `a + (s·b)·c`, `a.addcdiv(b, c, value=s)` is `a + (s·b) / c`,
//! `a.lerp(b, w)` is `a + w·(b − a)` for `w < 0.5`, else `b − (b − a)·(1 − w)`); scalars are
//! computed in f64, as Python does, and rounded to f32 where they meet a tensor.

use burn::tensor::Tensor;

use super::state::ParamState;
use crate::optimizer::OptimizerSpec;

/// One step of `spec` on one parameter; `cycled` is a schedule's momentum (SGD, RMSprop) or
/// `beta1` (Adam, AdamW) for this step.
pub(super) fn step<const D: usize>(
    spec: &OptimizerSpec,
    cycled: Option<f64>,
    lr: f64,
    param: Tensor<D>,
    grad: Tensor<D>,
    mut state: ParamState<D>,
) -> (Tensor<D>, ParamState<D>) {
    state.step += 1;
    let param = match *spec {
        OptimizerSpec::Sgd { weight_decay, .. } => {
            let sgd = Sgd {
                momentum: cycled.unwrap_or(0.0),
                dampening: 0.0,
                nesterov: false,
                weight_decay,
            };
            sgd.step(lr, param, grad, &mut state)
        }
        OptimizerSpec::Momentum {
            momentum,
            dampening,
            nesterov,
            weight_decay,
            ..
        } => {
            let sgd = Sgd {
                momentum: cycled.unwrap_or(momentum),
                dampening,
                nesterov,
                weight_decay,
            };
            sgd.step(lr, param, grad, &mut state)
        }
        OptimizerSpec::Adam {
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
            ..
        } => {
            let grad = add_decay(grad, &param, weight_decay);
            let adam = Adam {
                beta1: cycled.unwrap_or(beta1),
                beta2,
                eps,
                amsgrad,
            };
            adam.step(lr, param, grad, &mut state)
        }
        OptimizerSpec::Adamw {
            beta1,
            beta2,
            eps,
            weight_decay,
            ..
        } => {
            // Decoupled: p ← p·(1 − lr·wd), before the moments.
            let param = param.mul_scalar(1.0 - lr * weight_decay);
            let adam = Adam {
                beta1: cycled.unwrap_or(beta1),
                beta2,
                eps,
                amsgrad: false,
            };
            adam.step(lr, param, grad, &mut state)
        }
        OptimizerSpec::Rmsprop {
            alpha,
            eps,
            momentum,
            centered,
            weight_decay,
            ..
        } => {
            let grad = add_decay(grad, &param, weight_decay);
            let rms = Rmsprop {
                alpha,
                eps,
                momentum: cycled.unwrap_or(momentum),
                centered,
            };
            rms.step(lr, param, grad, &mut state)
        }
        OptimizerSpec::Adagrad {
            lr_decay,
            initial_accumulator_value,
            eps,
            weight_decay,
            ..
        } => {
            let grad = add_decay(grad, &param, weight_decay);
            let adagrad = Adagrad {
                lr_decay,
                initial_accumulator_value,
                eps,
            };
            adagrad.step(lr, param, grad, &mut state)
        }
    };
    (param, state)
}

/// `grad.add(param, alpha=weight_decay)` (L2), when the decay is not 0.
fn add_decay<const D: usize>(grad: Tensor<D>, param: &Tensor<D>, weight_decay: f64) -> Tensor<D> {
    if weight_decay == 0.0 {
        return grad;
    }
    grad + param.clone().mul_scalar(weight_decay)
}

/// `a.lerp(b, w)` as PyTorch computes it.
fn lerp<const D: usize>(a: Tensor<D>, b: Tensor<D>, w: f64) -> Tensor<D> {
    let w = w as f32;
    if w < 0.5 {
        a.clone() + (b - a).mul_scalar(w)
    } else {
        b.clone() - (b - a).mul_scalar(1.0 - w)
    }
}

/// `torch.optim.SGD`.
struct Sgd {
    momentum: f64,
    dampening: f64,
    nesterov: bool,
    weight_decay: f64,
}

impl Sgd {
    fn step<const D: usize>(
        &self,
        lr: f64,
        param: Tensor<D>,
        grad: Tensor<D>,
        state: &mut ParamState<D>,
    ) -> Tensor<D> {
        let mut grad = add_decay(grad, &param, self.weight_decay);
        if self.momentum != 0.0 {
            let buf = match state.momentum_buffer.take() {
                None => grad.clone(),
                Some(buf) => {
                    buf.mul_scalar(self.momentum) + grad.clone().mul_scalar(1.0 - self.dampening)
                }
            };
            grad = if self.nesterov {
                grad + buf.clone().mul_scalar(self.momentum)
            } else {
                buf.clone()
            };
            state.momentum_buffer = Some(buf);
        }
        param - grad.mul_scalar(lr)
    }
}

/// `torch.optim.Adam` (AdamW's decay is applied by the caller).
struct Adam {
    beta1: f64,
    beta2: f64,
    eps: f64,
    amsgrad: bool,
}

impl Adam {
    fn step<const D: usize>(
        &self,
        lr: f64,
        param: Tensor<D>,
        grad: Tensor<D>,
        state: &mut ParamState<D>,
    ) -> Tensor<D> {
        let zeros = || grad.zeros_like();
        let exp_avg = lerp(
            state.exp_avg.take().unwrap_or_else(zeros),
            grad.clone(),
            1.0 - self.beta1,
        );
        let exp_avg_sq = state
            .exp_avg_sq
            .take()
            .unwrap_or_else(zeros)
            .mul_scalar(self.beta2)
            + grad.clone().mul_scalar(1.0 - self.beta2) * grad.clone();
        let t = state.step as f64;
        let bias_correction1 = 1.0 - self.beta1.powf(t);
        let bias_correction2_sqrt = (1.0 - self.beta2.powf(t)).powf(0.5);
        let step_size = lr / bias_correction1;
        let second = if self.amsgrad {
            let max = match state.max_exp_avg_sq.take() {
                Some(max) => max.max_pair(exp_avg_sq.clone()),
                None => zeros().max_pair(exp_avg_sq.clone()),
            };
            state.max_exp_avg_sq = Some(max.clone());
            max
        } else {
            exp_avg_sq.clone()
        };
        let denom = second
            .sqrt()
            .div_scalar(bias_correction2_sqrt)
            .add_scalar(self.eps);
        let param = param + exp_avg.clone().mul_scalar(-step_size) / denom;
        state.exp_avg = Some(exp_avg);
        state.exp_avg_sq = Some(exp_avg_sq);
        param
    }
}

/// `torch.optim.RMSprop`.
struct Rmsprop {
    alpha: f64,
    eps: f64,
    momentum: f64,
    centered: bool,
}

impl Rmsprop {
    fn step<const D: usize>(
        &self,
        lr: f64,
        param: Tensor<D>,
        grad: Tensor<D>,
        state: &mut ParamState<D>,
    ) -> Tensor<D> {
        let zeros = || grad.zeros_like();
        let square_avg = state
            .square_avg
            .take()
            .unwrap_or_else(zeros)
            .mul_scalar(self.alpha)
            + grad.clone().mul_scalar(1.0 - self.alpha) * grad.clone();
        let avg = if self.centered {
            let grad_avg = lerp(
                state.grad_avg.take().unwrap_or_else(zeros),
                grad.clone(),
                1.0 - self.alpha,
            );
            // square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt()
            let avg = (square_avg.clone() + grad_avg.clone().neg() * grad_avg.clone()).sqrt();
            state.grad_avg = Some(grad_avg);
            avg
        } else {
            square_avg.clone().sqrt()
        };
        let avg = avg.add_scalar(self.eps);
        state.square_avg = Some(square_avg);
        if self.momentum > 0.0 {
            let buf = state
                .momentum_buffer
                .take()
                .unwrap_or_else(zeros)
                .mul_scalar(self.momentum)
                + grad / avg;
            state.momentum_buffer = Some(buf.clone());
            param - buf.mul_scalar(lr)
        } else {
            param + grad.mul_scalar(-lr) / avg
        }
    }
}

/// `torch.optim.Adagrad`.
struct Adagrad {
    lr_decay: f64,
    initial_accumulator_value: f64,
    eps: f64,
}

impl Adagrad {
    fn step<const D: usize>(
        &self,
        lr: f64,
        param: Tensor<D>,
        grad: Tensor<D>,
        state: &mut ParamState<D>,
    ) -> Tensor<D> {
        let clr = lr / (1.0 + (state.step as f64 - 1.0) * self.lr_decay);
        // torch.full_like(p, initial_accumulator_value) on the first step.
        let start = || grad.zeros_like().add_scalar(self.initial_accumulator_value);
        let sum = state.sum.take().unwrap_or_else(start) + grad.clone() * grad.clone();
        let std = sum.clone().sqrt().add_scalar(self.eps);
        state.sum = Some(sum);
        param + grad.mul_scalar(-clr) / std
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, TensorData};

    use super::*;

    fn one(x: f32) -> Tensor<1> {
        Tensor::from_data(TensorData::new(vec![x], [1]), &Device::flex())
    }

    #[test]
    fn plain_sgd_applies_a_cycled_momentum_as_pytorch_does() {
        // PyTorch's SGD(momentum=0) under OneCycleLR: the scheduler writes momentum 0.9, and
        // SGD then keeps a buffer: buf = g, then 0.9·buf + g.
        let spec = OptimizerSpec::with_defaults("sgd").unwrap();
        let (lr, g) = (0.1f64, 0.5f32);
        let (p, state) = step(
            &spec,
            Some(0.9),
            lr,
            one(1.0),
            one(g),
            ParamState::default(),
        );
        let (p, state) = step(&spec, Some(0.9), lr, p, one(g), state);
        let g = f64::from(g);
        let want = 1.0 - lr * g - lr * (0.9 * g + g);
        let got = f64::from(p.into_scalar::<f32>());
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        assert!(state.momentum_buffer.is_some());
        // Without the schedule's momentum, plain SGD keeps no buffer.
        let (_, state) = step(&spec, None, lr, one(1.0), one(0.5), ParamState::default());
        assert!(state.momentum_buffer.is_none());
    }

    #[test]
    fn adagrad_starts_from_its_initial_accumulator() {
        let spec: OptimizerSpec =
            toml::from_str("kind = \"adagrad\"\ninitial_accumulator_value = 0.1").unwrap();
        let (p, state) = step(&spec, None, 0.1, one(1.0), one(0.5), ParamState::default());
        // sum = 0.1 + 0.5² = 0.35; p = 1 − 0.1 · 0.5 / (√0.35 + 1e-10), by hand in f64.
        let want = 1.0 - 0.1 * 0.5 / (0.35f64.sqrt() + 1e-10);
        let got = f64::from(p.into_scalar::<f32>());
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        assert_eq!(state.step, 1);
        let sum = f64::from(state.sum.unwrap().into_scalar::<f32>());
        assert!((sum - 0.35).abs() < 1e-7, "{sum}");
    }
}
