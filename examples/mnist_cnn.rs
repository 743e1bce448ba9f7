//! What the examples share: a small CNN defined as any burn user would, and MNIST as a
//! burn-dataset `Dataset` batched by a burn `Batcher`. Nothing here is the harness's.

// Each example uses a part of it.
#![allow(dead_code)]

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::{Dataset, DatasetError};
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig, Relu};
use burn::tensor::{Device, Int, Tensor, TensorData};
use data::mnist::Part;

/// conv 3×3 (8) → max-pool 2 → conv 3×3 (16) → max-pool 2 → linear 10.
#[derive(Module, Debug)]
pub struct Cnn {
    conv1: Conv2d,
    conv2: Conv2d,
    pool: MaxPool2d,
    head: Linear,
    relu: Relu,
}

impl Cnn {
    pub fn new(device: &Device) -> Self {
        Self {
            conv1: Conv2dConfig::new([1, 8], [3, 3]).init(device),
            conv2: Conv2dConfig::new([8, 16], [3, 3]).init(device),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            // 28 → 26 → 13 → 11 → 5: 16 channels of 5 × 5.
            head: LinearConfig::new(16 * 5 * 5, 10).init(device),
            relu: Relu::new(),
        }
    }

    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let x = self
            .pool
            .forward(self.relu.forward(self.conv1.forward(images)));
        let x = self.pool.forward(self.relu.forward(self.conv2.forward(x)));
        self.head.forward(x.flatten(1, 3))
    }

    pub fn loss(&self, batch: MnistBatch) -> Tensor<1> {
        let logits = self.forward(batch.images);
        CrossEntropyLossConfig::new()
            .init(&logits.device())
            .forward(logits, batch.labels)
    }
}

/// One image: 784 pixels in [0, 1] and its digit.
#[derive(Clone, Debug)]
pub struct MnistItem {
    pixels: Vec<f32>,
    label: i64,
}

/// A part of MNIST (its first `len` images) as a burn-dataset `Dataset`.
pub struct MnistDataset {
    part: Part,
    len: usize,
}

impl MnistDataset {
    pub fn new(part: Part) -> Self {
        let len = part.len();
        Self { part, len }
    }

    /// The first `n` images only.
    pub fn first(self, n: usize) -> Self {
        Self {
            len: n.min(self.len),
            ..self
        }
    }
}

impl Dataset<MnistItem> for MnistDataset {
    /// Panics past the end, as the trait allows.
    fn get(&self, index: usize) -> Result<MnistItem, DatasetError> {
        let n = self.part.pixels();
        let image = &self.part.images[index * n..(index + 1) * n];
        Ok(MnistItem {
            pixels: image.iter().map(|&p| f32::from(p) / 255.0).collect(),
            label: i64::from(self.part.labels[index]),
        })
    }

    fn len(&self) -> usize {
        self.len
    }
}

#[derive(Clone, Debug)]
pub struct MnistBatch {
    pub images: Tensor<4>,
    pub labels: Tensor<1, Int>,
}

pub struct MnistBatcher;

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
