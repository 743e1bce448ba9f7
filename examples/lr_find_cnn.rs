//! The LR range test on a model of one's own: a small CNN defined here, MNIST through a
//! burn-dataset `Dataset` and a burn `DataLoader`, Adam from burn-optim. The range test itself
//! is the few lines under "The range test"; everything else is what any burn program has.
//!
//! ```text
//! cargo run --release --example lr_find_cnn
//! ```
//!
//! Run from the repository root: MNIST is read from `datasets/mnist` (vendored).

use std::sync::Arc;

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::data::dataset::{Dataset, DatasetError};
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, Relu};
use burn::optim::AdamConfig;
use burn::tensor::{Device, Int, Tensor, TensorData};
use data::locate::{Dataset as Folder, dataset_dir};
use data::mnist::{Part, Variant, load};
use lr_find::{FinderConfig, RangeTest};

/// conv 3×3 (8) → max-pool 2 → conv 3×3 (16) → max-pool 2 → linear 10.
#[derive(Module, Debug)]
struct Cnn {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    head: Linear,
    relu: Relu,
}

impl Cnn {
    fn new(device: &Device) -> Self {
        Self {
            conv1: Conv2dConfig::new([1, 8], [3, 3]).init(device),
            conv2: Conv2dConfig::new([8, 16], [3, 3]).init(device),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            // 28 → 26 → 13 → 11 → 5: 16 channels of 5 × 5.
            head: LinearConfig::new(16 * 5 * 5, 10).init(device),
            relu: Relu::new(),
        }
    }

    fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x = self
            .pool
            .forward(self.relu.forward(self.conv1.forward(images)));
        let x = self.pool.forward(self.relu.forward(self.conv2.forward(x)));
        self.head.forward(x.flatten(1, 3))
    }

    fn loss(&self, batch: MnistBatch) -> Tensor<1> {
        let logits = self.forward(batch.images);
        CrossEntropyLossConfig::new()
            .init(&logits.device())
            .forward(logits, batch.labels)
    }
}

/// One image: 784 pixels in [0, 1] and its digit.
#[derive(Clone, Debug)]
struct MnistItem {
    pixels: Vec<f32>,
    label: i64,
}

/// MNIST's training part as a burn-dataset `Dataset`.
struct MnistDataset(Part);

impl Dataset<MnistItem> for MnistDataset {
    /// Panics past the end, as the trait allows.
    fn get(&self, index: usize) -> Result<MnistItem, DatasetError> {
        let n = self.0.pixels();
        let image = &self.0.images[index * n..(index + 1) * n];
        Ok(MnistItem {
            pixels: image.iter().map(|&p| f32::from(p) / 255.0).collect(),
            label: i64::from(self.0.labels[index]),
        })
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

#[derive(Clone, Debug)]
struct MnistBatch {
    images: Tensor<4>,
    labels: Tensor<1, Int>,
}

struct MnistBatcher;

impl Batcher<MnistItem, MnistBatch> for MnistBatcher {
    fn batch(&self, items: Vec<MnistItem>, device: &Device) -> MnistBatch {
        let n = items.len();
        let pixels: Vec<f32> = items
            .iter()
            .flat_map(|i| i.pixels.iter().copied())
            .collect();
        let labels: Vec<i64> = items.iter().map(|i| i.label).collect();
        MnistBatch {
            images: Tensor::<1>::from_data(TensorData::new(pixels, [n * 784]), device)
                .reshape([n, 1, 28, 28]),
            labels: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::flex().autodiff();
    device.seed(0);
    let mnist = load(&dataset_dir(Folder::Mnist, None)?, Variant::Mnist)?;
    let loader: Arc<dyn DataLoader<MnistBatch>> = DataLoaderBuilder::new(MnistBatcher)
        .batch_size(64)
        .shuffle(0)
        .set_device(device.clone())
        .build(MnistDataset(mnist.train));
    let model = Cnn::new(&device);

    let optimizer = AdamConfig::new().init();
    let batches = || {
        let epochs = std::iter::repeat_with(|| loader.iter()).flatten();
        epochs.map(|batch| batch.expect("every MNIST item is present"))
    };

    // The range test: sweep, read, and check the answer with a short run from the same start.
    let mut test = RangeTest::new(FinderConfig::default());
    let sweep = test.sweep(&model, &optimizer, batches(), Cnn::loss)?;
    let analysis = sweep.analyze();
    let check = match analysis.recommended_lr() {
        Some(lr) => Some(test.probe(&model, &optimizer, lr, batches, Cnn::loss)?),
        None => None,
    };

    println!("{} sweep points, {}", sweep.points.len(), sweep.stop);
    println!(
        "the sweep recommends {:?} ({} confidence): {}",
        analysis.recommended_lr(),
        analysis.confidence().name(),
        analysis.consensus.reason
    );
    if let Some(check) = check {
        for probe in &check.probes {
            let verdict = probe.failure.as_deref().unwrap_or("falls: confirmed");
            println!(
                "probe at {:.3e}: loss {:.4} → {:.4}, {verdict}",
                probe.lr, probe.first_loss, probe.last_loss
            );
        }
        let confidence = check.confidence_after(analysis.confidence());
        println!(
            "recommended lr {:?} ({} confidence)",
            check.confirmed_lr,
            confidence.name()
        );
    }
    Ok(())
}
