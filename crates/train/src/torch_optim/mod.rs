//! Optimizers with `torch.optim`'s update rules, operation for operation in float32, driven by
//! the schedule: the LR of every step, and the momentum (SGD, RMSprop) or `beta1` (Adam,
//! AdamW) that a one-cycle or cyclic schedule writes into the optimizer before each step, as
//! PyTorch's `OneCycleLR` and `CyclicLR` do.
//!
//! Each is a burn [`Optimizer`] wrapped in a [`ModuleOptimizer`] (so burn walks the module,
//! and burn's records hold the state for checkpoints), plus a [`Cycled`] handle that sets the
//! scheduled momentum. Clipping is PyTorch's too ([`clip`]): the global norm over every
//! parameter (`clip_grad_norm_`), or each element (`clip_grad_value_`).
//!
//! The rules are those of PyTorch's single-tensor code paths, which it takes on the CPU:
//! - SGD: `g += wd·p`; `buf = g` on the first step, else `buf = momentum·buf + (1 − dampening)·g`;
//!   `g = g + momentum·buf` (Nesterov) or `buf`; `p −= lr·g`. A momentum of 0 keeps no buffer;
//!   a cycled momentum applies whenever it is not 0, also on plain SGD.
//! - Adam / AdamW: `g += wd·p` (Adam) or `p *= 1 − lr·wd` (AdamW); `m = lerp(m, g, 1 − β1)`;
//!   `v = β2·v + (1 − β2)·g·g`; AMSGrad keeps `max(v)`; `p −= (lr / (1 − β1ᵗ))·m /
//!   (√v / √(1 − β2ᵗ) + eps)`.
//! - RMSprop: `g += wd·p`; `v = α·v + (1 − α)·g·g`; centered: `ḡ = lerp(ḡ, g, 1 − α)`,
//!   `avg = √(v − ḡ·ḡ)`, else `√v`; `avg += eps`; with momentum `buf = momentum·buf + g / avg`,
//!   `p −= lr·buf`, else `p −= lr·g / avg`.
//! - Adagrad: `g += wd·p`; `clr = lr / (1 + (t − 1)·lr_decay)`; `sum += g·g`;
//!   `p −= clr·g / (√sum + eps)`.

pub mod clip;
mod rules;
mod state;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use burn::module::Module;
use burn::optim::{GradientsParams, LearningRate, ModuleOptimizer, Optimizer};
use burn::store::RecordError;
use burn::tensor::{Device, Tensor};

use crate::optimizer::OptimizerSpec;
use clip::Clip;
pub use state::ParamState;

/// What a training loop steps: the optimizer of a spec, its clipping, and the momentum a
/// schedule sets. The loop of `harness train`, the LR finder and the parity test with PyTorch
/// all step through this. A clone has its own state but shares the momentum handle, which each
/// step sets before it runs.
#[derive(Clone)]
pub struct ScheduledOptimizer {
    optimizer: ModuleOptimizer,
    cycled: Cycled,
    clip: Option<Clip>,
    /// The optimizer's own momentum or `beta1`, for the record.
    own_momentum: Option<f64>,
}

impl ScheduledOptimizer {
    /// The optimizer of `spec` (with its clipping), no state yet.
    pub fn new(spec: &OptimizerSpec) -> Self {
        let (optimizer, cycled) = TorchOptimizer::module_optimizer(spec);
        Self {
            optimizer,
            cycled,
            clip: spec.clip(),
            own_momentum: spec.momentum(),
        }
    }

    /// One step of `module` at `lr` with `grads`, clipped first; `momentum` is a schedule's
    /// cycled momentum (or `beta1`) for this step, `None` for the optimizer's own.
    pub fn step<M: Module>(
        &mut self,
        lr: LearningRate,
        momentum: Option<f64>,
        module: M,
        mut grads: GradientsParams,
    ) -> M {
        if let Some(c) = self.clip {
            clip::clip(&module, &mut grads, c);
        }
        self.cycled.set(momentum);
        self.optimizer.step(lr, module, grads)
    }

    /// The momentum (or `beta1`) a step with a schedule's `scheduled` one uses.
    pub fn momentum_used(&self, scheduled: Option<f64>) -> Option<f64> {
        scheduled.or(self.own_momentum)
    }

    /// The number of parameters with a state (0 before the first step).
    pub fn states(&self) -> usize {
        self.optimizer.to_record().len()
    }

    /// Saves the state of every parameter (burn's record file).
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<(), RecordError> {
        self.optimizer.save(path)
    }

    /// Loads the state saved by [`save`](Self::save).
    ///
    /// # Errors
    /// The file cannot be read or holds another optimizer's state.
    pub fn load(mut self, path: impl AsRef<std::path::Path>) -> Result<Self, RecordError> {
        self.optimizer = self.optimizer.load(path)?;
        Ok(self)
    }
}

/// The momentum (or Adam's `beta1`) a schedule sets before each step; unset, the optimizer's
/// own. Shared between the caller and the optimizer inside its [`ModuleOptimizer`].
#[derive(Clone, Debug, Default)]
pub struct Cycled(Arc<AtomicU64>);

/// `f64::NAN`'s bits mean "not set".
const UNSET: u64 = 0x7ff8_0000_0000_0000;

impl Cycled {
    fn unset() -> Self {
        Self(Arc::new(AtomicU64::new(UNSET)))
    }

    /// Sets the momentum of the next steps; `None` returns to the optimizer's own.
    pub fn set(&self, momentum: Option<f64>) {
        let bits = momentum.map_or(UNSET, f64::to_bits);
        self.0.store(bits, Ordering::Relaxed);
    }

    /// The momentum set, if any.
    pub fn get(&self) -> Option<f64> {
        let value = f64::from_bits(self.0.load(Ordering::Relaxed));
        (!value.is_nan()).then_some(value)
    }
}

/// One of `torch.optim`'s optimizers with its hyper-parameters (the LR comes with each step).
#[derive(Clone, Debug)]
pub struct TorchOptimizer {
    spec: OptimizerSpec,
    cycled: Cycled,
}

impl TorchOptimizer {
    /// The optimizer of `spec`, and the handle a schedule sets its momentum through.
    pub fn new(spec: &OptimizerSpec) -> (Self, Cycled) {
        let cycled = Cycled::unset();
        let optimizer = Self {
            spec: spec.clone(),
            cycled: cycled.clone(),
        };
        (optimizer, cycled)
    }

    /// As [`new`](Self::new), wrapped for a whole module. Clipping is not burn's per-tensor
    /// kind: apply [`clip::clip`] to the gradients before the step.
    pub fn module_optimizer(spec: &OptimizerSpec) -> (ModuleOptimizer, Cycled) {
        let (optimizer, cycled) = Self::new(spec);
        (ModuleOptimizer::from(optimizer), cycled)
    }
}

impl Optimizer for TorchOptimizer {
    type State<const D: usize> = ParamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        param: Tensor<D>,
        grad: Tensor<D>,
        state: Option<ParamState<D>>,
    ) -> (Tensor<D>, Option<ParamState<D>>) {
        let state = state.unwrap_or_default();
        let (param, state) = rules::step(&self.spec, self.cycled.get(), lr, param, grad, state);
        // SGD counts no steps: without a momentum buffer it keeps no state, as PyTorch's.
        let sgd = matches!(
            self.spec,
            OptimizerSpec::Sgd { .. } | OptimizerSpec::Momentum { .. }
        );
        let keep = !sgd || state.momentum_buffer.is_some();
        (param, keep.then_some(state))
    }

    fn to_device<const D: usize>(state: ParamState<D>, device: &Device) -> ParamState<D> {
        state.to_device(device)
    }
}

/// A step with the optimizer's own momentum: what an LR range test takes
/// ([`lr_find::RangeTest`]).
impl<M: Module> lr_find::OptimizerStep<M> for ScheduledOptimizer {
    fn step(&mut self, lr: f64, module: M, grads: GradientsParams) -> M {
        ScheduledOptimizer::step(self, lr, None, module, grads)
    }
}
