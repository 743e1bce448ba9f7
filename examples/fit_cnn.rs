//! The harness's trainer on a model of one's own: the small CNN of `mnist_cnn.rs`, fed by a
//! burn `DataLoader` over a burn-dataset `Dataset`, trained with PyTorch's Adam under a
//! one-cycle schedule into a run folder (`metrics.csv`, `metrics.jsonl`, checkpoints,
//! `summary.json`): the folder `harness train` writes, read back by `train::records`.
//! The training is the lines under "Training"; the model only adds `impl Trainable`.
//!
//! ```text
//! cargo run --release --example fit_cnn [-- OUT_DIR [TRAIN_IMAGES]]
//! ```
//!
//! Run from the repository root: MNIST is read from `datasets/mnist` (vendored). It trains on
//! the first 12,000 training images (or `TRAIN_IMAGES`) for 2 epochs and validates on the first
//! 2,000 test images (a sixth of `TRAIN_IMAGES`); the run folder is a new temporary folder
//! unless `OUT_DIR` is given.

mod mnist_cnn;

use std::sync::Arc;

use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Device, Int, Tensor};
use data::locate::{Dataset as Folder, dataset_dir};
use data::mnist::{Variant, load};
use mnist_cnn::{Cnn, MnistBatch, MnistBatcher, MnistDataset};
use models::Trainable;
use schedules::Scheduler;
use schedules::kinds::one_cycle::OneCycleConfig;
use train::config::TrainSpec;
use train::fit::{BatchError, EpochBatches, Fit, Loader};
use train::optimizer::OptimizerSpec;
use train::records::Evaluation;

/// What the trainer needs of the model: the loss of a batch.
impl Trainable<MnistBatch> for Cnn {
    fn loss(&self, batch: MnistBatch) -> Tensor<1> {
        Cnn::loss(self, batch)
    }
}

/// Loss and accuracy over `loader`'s batches (a plain device: no gradients).
fn evaluate(cnn: &Cnn, loader: &dyn DataLoader<MnistBatch>) -> Result<Evaluation, BatchError> {
    let cnn = cnn.valid();
    let (mut loss_sum, mut correct, mut rows) = (0.0, 0, 0);
    for batch in loader.iter() {
        let MnistBatch { images, labels } = batch?;
        let n = labels.dims()[0];
        let logits = cnn.forward(images);
        let predicted: Tensor<1, Int> = logits.clone().argmax(1).squeeze_dim(1);
        correct += predicted
            .equal(labels.clone())
            .int()
            .sum()
            .into_scalar::<i64>();
        let loss = CrossEntropyLossConfig::new()
            .init(&logits.device())
            .forward(logits, labels);
        loss_sum += f64::from(loss.into_scalar::<f32>()) * n as f64;
        rows += n;
    }
    Ok(Evaluation {
        loss: loss_sum / rows as f64,
        accuracy: Some(correct as f64 / rows as f64),
        ..Evaluation::default()
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| {
        let dir = std::env::temp_dir().join(format!("fit_cnn-{}", std::process::id()));
        dir.display().to_string()
    });
    let images: usize = match args.next() {
        Some(n) => n
            .parse()
            .map_err(|e| format!("TRAIN_IMAGES = {n:?}: {e}: expected a count of images"))?,
        None => 12_000,
    };
    let device = Device::flex().autodiff();
    device.seed(0);
    let mnist = load(&dataset_dir(Folder::Mnist, None)?, Variant::Mnist)?;
    let batch_size = 64;
    let train_loader: Arc<dyn DataLoader<MnistBatch>> = DataLoaderBuilder::new(MnistBatcher)
        .batch_size(batch_size)
        .shuffle(0)
        .set_device(device.clone())
        .build(MnistDataset::new(mnist.train).first(images));
    let test_loader: Arc<dyn DataLoader<MnistBatch>> = DataLoaderBuilder::new(MnistBatcher)
        .batch_size(500)
        .set_device(Device::flex())
        .build(MnistDataset::new(mnist.test).first(images / 6));
    let cnn = Cnn::new(&device);

    // Training: 2 epochs of one-cycle up to 3e-3 with PyTorch's Adam (beta1 cycled too).
    let batches = Loader::new(train_loader, batch_size);
    let epochs = 2;
    let steps = epochs * batches.steps_per_epoch();
    let fitted = Fit::new(TrainSpec::default().with_epochs(epochs), &out).run(
        cnn,
        OptimizerSpec::adam().build(),
        Scheduler::try_from(OneCycleConfig::new(3e-3, steps))?,
        &batches,
        |cnn| evaluate(cnn, test_loader.as_ref()),
    )?;

    let summary = &fitted.outcome.summary;
    println!(
        "{} steps, test loss {:.4}, accuracy {:.2}%, in {:.1} s; the run is in {out}",
        summary.steps,
        summary.test_loss,
        100.0 * summary.test_accuracy.unwrap_or(f64::NAN),
        summary.wall_seconds
    );
    Ok(())
}
