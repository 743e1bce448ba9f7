//! [`ParamState`]: what `torch.optim` keeps per parameter, under PyTorch's own names, and its
//! burn record (tensors and the step count), so checkpoints hold it.

use burn::optim::{RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};
use burn_pack::Scalar;

/// The per-parameter state of every optimizer of [`super::TorchOptimizer`]; each uses the
/// buffers its PyTorch counterpart has, under the same names.
#[derive(Clone, Debug, Default)]
pub struct ParamState<const D: usize> {
    /// Steps taken (`state["step"]`).
    pub step: u64,
    /// SGD's and RMSprop's `momentum_buffer`.
    pub momentum_buffer: Option<Tensor<D>>,
    /// Adam's first moment.
    pub exp_avg: Option<Tensor<D>>,
    /// Adam's second moment.
    pub exp_avg_sq: Option<Tensor<D>>,
    /// AMSGrad's running maximum of the second moment.
    pub max_exp_avg_sq: Option<Tensor<D>>,
    /// RMSprop's running mean of the squared gradient.
    pub square_avg: Option<Tensor<D>>,
    /// Centered RMSprop's running mean of the gradient.
    pub grad_avg: Option<Tensor<D>>,
    /// Adagrad's sum of squared gradients.
    pub sum: Option<Tensor<D>>,
}

impl<const D: usize> ParamState<D> {
    /// The buffers by name, for the record and for moving them.
    fn buffers_mut(&mut self) -> [(&'static str, &mut Option<Tensor<D>>); 7] {
        [
            ("momentum_buffer", &mut self.momentum_buffer),
            ("exp_avg", &mut self.exp_avg),
            ("exp_avg_sq", &mut self.exp_avg_sq),
            ("max_exp_avg_sq", &mut self.max_exp_avg_sq),
            ("square_avg", &mut self.square_avg),
            ("grad_avg", &mut self.grad_avg),
            ("sum", &mut self.sum),
        ]
    }

    /// The state with every buffer on `device`.
    pub fn to_device(mut self, device: &Device) -> Self {
        for (_, buffer) in self.buffers_mut() {
            *buffer = buffer.take().map(|t| t.to_device(device));
        }
        self
    }
}

impl<const D: usize> RecordState for ParamState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_scalar(prefix, "step", Scalar::UInt(self.step));
        let mut copy = self.clone();
        for (name, buffer) in copy.buffers_mut() {
            if let Some(tensor) = buffer.take() {
                out.push_tensor(prefix, name, tensor.into_data());
            }
        }
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        let Scalar::UInt(step) = src.take_scalar(prefix, "step")? else {
            return None;
        };
        let mut state = Self {
            step,
            ..Self::default()
        };
        for (name, buffer) in state.buffers_mut() {
            *buffer = src
                .take_tensor(prefix, name)
                .map(|data| Tensor::from_data(data, device));
        }
        Some(state)
    }
}
