//! The training losses, as PyTorch defines them: mean squared error and mean cross-entropy of
//! logits.

use burn::nn::loss::{CrossEntropyLossConfig, MseLoss, Reduction};
use burn::tensor::{Int, Tensor};

/// `mean((pred − target)²)`, PyTorch's `nn.MSELoss()`.
///
/// # Shapes
/// `pred`, `target`: `[batch, 1]`; output `[1]`.
pub fn mse(pred: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
    MseLoss::new().forward(pred, target, Reduction::Mean)
}

/// `mean(−log softmax(logits)[label])`, PyTorch's `nn.CrossEntropyLoss()`.
///
/// # Shapes
/// `logits`: `[batch, classes]`, `labels`: `[batch]`; output `[1]`.
pub fn cross_entropy(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    CrossEntropyLossConfig::new()
        .init(&logits.device())
        .forward(logits, labels)
}
