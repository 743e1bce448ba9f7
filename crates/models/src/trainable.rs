//! [`Trainable`]: what the trainer needs of a model, so that it trains a burn user's own model
//! as it trains ours: burn's [`Module`] (parameters, records, `valid()`) and the training loss
//! of one batch. burn-train's `TrainStep` plays the same part in its `Learner`.

use burn::module::Module;
use burn::tensor::Tensor;

use crate::batch::Batch;
use crate::model::Model;

/// A model the trainer (`train::fit`) and the LR range test can step on batches of type `B`.
///
/// ```
/// use burn::module::Module;
/// use burn::nn::{Linear, LinearConfig};
/// use burn::tensor::Tensor;
/// use models::Trainable;
///
/// #[derive(Module, Debug)]
/// struct Line {
///     linear: Linear,
/// }
///
/// /// Inputs `[n, 3]` and targets `[n, 1]`.
/// impl Trainable<(Tensor<2>, Tensor<2>)> for Line {
///     fn loss(&self, (x, y): (Tensor<2>, Tensor<2>)) -> Tensor<1> {
///         (self.linear.forward(x) - y).square().mean()
///     }
/// }
/// # let device = burn::tensor::Device::flex().autodiff();
/// # let line = Line { linear: LinearConfig::new(3, 1).init(&device) };
/// # let x = Tensor::<2>::ones([4, 3], &device);
/// # let loss = line.loss((x, Tensor::zeros([4, 1], &device)));
/// # assert_eq!(loss.dims(), [1]);
/// ```
pub trait Trainable<B>: Module {
    /// The loss of `batch` that one optimizer step differentiates: a one-element tensor, the
    /// mean over the batch's rows (so that accumulated batches average, as in PyTorch).
    fn loss(&self, batch: B) -> Tensor<1>;
}

/// Cross-entropy of the logits for classes, MSE for values ([`crate::batch::Targets::loss`]).
impl Trainable<Batch> for Model {
    fn loss(&self, batch: Batch) -> Tensor<1> {
        batch.y.loss(self.forward(batch.x))
    }
}
