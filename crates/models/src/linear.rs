//! [`LinearRegressor`]: `y = x·w + b`, one output.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

#[derive(Module, Debug)]
pub struct LinearRegressor {
    linear: Linear,
}

impl LinearRegressor {
    /// A regressor of `d_input` features, initialised as PyTorch's `nn.Linear`
    /// (U(±1/√d_input) for weights and bias).
    pub fn new(d_input: usize, device: &Device) -> Self {
        Self {
            linear: LinearConfig::new(d_input, 1).init(device),
        }
    }

    /// # Shapes
    /// - `x`: `[batch, d_input]`
    /// - output: `[batch, 1]`
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.linear.forward(x)
    }

    /// The layer itself: weight `[d_input, 1]` (burn's layout), bias `[1]`.
    pub fn linear(&self) -> &Linear {
        &self.linear
    }

    /// The weights `[d_input]` and the bias, read back to the host.
    pub fn coefficients(&self) -> (Vec<f32>, f32) {
        let weights = self
            .linear
            .weight
            .val()
            .to_data()
            .try_into_vec_as::<f32>()
            .expect("float weights");
        let bias = self.linear.bias.as_ref().map_or(0.0, |b| {
            b.val()
                .to_data()
                .try_into_vec_as::<f32>()
                .expect("float bias")[0]
        });
        (weights, bias)
    }

    /// Draws the lazily initialised parameters now, so they depend only on the seed set before.
    pub(crate) fn draw_parameters(&self) {
        crate::mlp::draw_parameters(&self.linear);
    }
}
