//! [`Mlp`]: linear layers with an activation (and optional dropout) between them.

use burn::module::Module;
use burn::nn::activation::{Activation as Act, ActivationConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use crate::config::{Activation, MlpSpec};

#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    activation: Act,
    dropout: Dropout,
}

impl Mlp {
    /// `d_input` → `spec.hidden`… → `d_output`, each layer initialised as PyTorch's `nn.Linear`.
    pub fn new(spec: &MlpSpec, d_input: usize, d_output: usize, device: &Device) -> Self {
        let sizes: Vec<usize> = std::iter::once(d_input)
            .chain(spec.hidden.iter().copied())
            .chain(std::iter::once(d_output))
            .collect();
        let layers = sizes
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        let activation = match spec.activation {
            Activation::Relu => ActivationConfig::Relu,
            Activation::Gelu => ActivationConfig::Gelu,
            Activation::Tanh => ActivationConfig::Tanh,
        };
        Self {
            layers,
            activation: activation.init(device),
            dropout: DropoutConfig::new(spec.dropout).init(),
        }
    }

    /// # Shapes
    /// - `x`: `[batch, d_input]`
    /// - output: `[batch, d_output]` (logits for classification)
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        let mut x = x;
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x); // [batch, width of layer i]
            if i < last {
                x = self.dropout.forward(self.activation.forward(x));
            }
        }
        x
    }

    /// The linear layers, input side first.
    pub fn layers(&self) -> &[Linear] {
        &self.layers
    }

    /// The probability of zeroing a hidden activation during training (0: no dropout).
    pub fn dropout(&self) -> f64 {
        self.dropout.prob
    }

    /// Draws the lazily initialised parameters now, in layer order.
    pub(crate) fn draw_parameters(&self) {
        self.layers.iter().for_each(draw_parameters);
    }
}

/// burn initialises parameters on first use; touching them right after construction makes the
/// weights depend on the seed alone, not on whatever random numbers are drawn in between.
pub(crate) fn draw_parameters(layer: &Linear) {
    let _ = layer.weight.val();
    if let Some(bias) = &layer.bias {
        let _ = bias.val();
    }
}
