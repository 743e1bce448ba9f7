//! A whole (small) dataset as device tensors, and its batches. An epoch is a seeded permutation
//! uploaded once; each batch is a gather of its rows on the device. No per-sample allocation
//! and no per-batch host-to-device copy in the training loop.

use burn::prelude::s;
use burn::tensor::{Device, Int, Tensor, TensorData};
use data::mnist::Part;
use data::spec::HostPart;
use data::table::Table;

/// Targets on the device.
#[derive(Clone, Debug)]
pub enum Targets {
    /// Class labels, `[n]`.
    Classes(Tensor<1, Int>),
    /// Regression targets, `[n, 1]`.
    Values(Tensor<2>),
}

impl Targets {
    /// The training loss of `prediction` against these targets: cross-entropy of logits for
    /// classes, MSE for values.
    pub fn loss(self, prediction: Tensor<2>) -> Tensor<1> {
        match self {
            Targets::Classes(labels) => crate::loss::cross_entropy(prediction, labels),
            Targets::Values(values) => crate::loss::mse(prediction, values),
        }
    }

    fn select(&self, rows: Tensor<1, Int>) -> Targets {
        match self {
            Targets::Classes(t) => Targets::Classes(t.clone().select(0, rows)),
            Targets::Values(t) => Targets::Values(t.clone().select(0, rows)),
        }
    }

    fn slice(&self, start: usize, end: usize) -> Targets {
        match self {
            Targets::Classes(t) => Targets::Classes(t.clone().slice(s![start..end])),
            Targets::Values(t) => Targets::Values(t.clone().slice([start..end, 0..1])),
        }
    }
}

/// One batch: `x` is `[batch, features]`.
#[derive(Clone, Debug)]
pub struct Batch {
    pub x: Tensor<2>,
    pub y: Targets,
}

/// How MNIST pixels (0..=255) become inputs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PixelScaling {
    /// `p / 255`, in [0, 1].
    Unit,
    /// `(p / 255 − 0.1307) / 0.3081`, the mean and std of the MNIST training images.
    Normalized,
}

/// A dataset resident on one device.
#[derive(Clone, Debug)]
pub struct DeviceData {
    /// `[n, features]`.
    pub features: Tensor<2>,
    pub targets: Targets,
    len: usize,
}

impl DeviceData {
    /// A regression table: features `[n, width]`, targets `[n, 1]`.
    pub fn from_table(table: &Table, device: &Device) -> Self {
        let n = table.len();
        let features = Tensor::from_data(
            TensorData::new(table.features.clone(), [n, table.width()]),
            device,
        );
        let targets = Tensor::from_data(TensorData::new(table.targets.clone(), [n, 1]), device);
        Self {
            features,
            targets: Targets::Values(targets),
            len: n,
        }
    }

    /// Images flattened to `[n, rows × cols]` and scaled, with their labels.
    pub fn from_images(part: &Part, scaling: PixelScaling, device: &Device) -> Self {
        let scale = |p: u8| {
            let unit = f32::from(p) / 255.0;
            match scaling {
                PixelScaling::Unit => unit,
                PixelScaling::Normalized => (unit - 0.1307) / 0.3081,
            }
        };
        let pixels: Vec<f32> = part.images.iter().map(|&p| scale(p)).collect();
        let n = part.len();
        let features = Tensor::from_data(TensorData::new(pixels, [n, part.pixels()]), device);
        let labels: Vec<i64> = part.labels.iter().map(|&l| i64::from(l)).collect();
        let labels = Tensor::from_data(TensorData::new(labels, [n]), device);
        Self {
            features,
            targets: Targets::Classes(labels),
            len: n,
        }
    }

    /// A prepared part: images scaled (and normalized when `normalize`), or a table.
    pub fn from_host(part: &HostPart, normalize: bool, device: &Device) -> Self {
        match part {
            HostPart::Images(images) => {
                let scaling = if normalize {
                    PixelScaling::Normalized
                } else {
                    PixelScaling::Unit
                };
                Self::from_images(images, scaling, device)
            }
            HostPart::Table(table) => Self::from_table(table, device),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The same rows on the plain device under the autodiff one (no gradients tracked): for
    /// evaluating on rows that were uploaded for training.
    pub fn without_autodiff(self) -> Self {
        let targets = match self.targets {
            Targets::Classes(t) => Targets::Classes(t.without_autodiff()),
            Targets::Values(t) => Targets::Values(t.without_autodiff()),
        };
        Self {
            features: self.features.without_autodiff(),
            targets,
            len: self.len,
        }
    }

    /// The same rows with other targets (one per row).
    pub fn with_targets(self, targets: Targets) -> Self {
        Self { targets, ..self }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The rows at `rows` (a device tensor of indices), gathered on the device.
    pub fn gather(&self, rows: Tensor<1, Int>) -> Batch {
        Batch {
            x: self.features.clone().select(0, rows.clone()),
            y: self.targets.select(rows),
        }
    }

    /// Rows `start..end`, as a view of the device tensors (no gather).
    pub fn rows(&self, start: usize, end: usize) -> Batch {
        let width = self.features.dims()[1];
        Batch {
            x: self.features.clone().slice([start..end, 0..width]),
            y: self.targets.slice(start, end),
        }
    }

    /// The first `n` rows as a dataset of their own.
    pub fn head(&self, n: usize) -> DeviceData {
        self.part(0, n)
    }

    /// Rows `start..end` (clamped to the data) as a dataset of their own, in tensors of their
    /// own: a view would do, but flex's gather copies a view that does not cover its whole
    /// buffer into a new one first, which for a part of MNIST is 170 MB per batch.
    pub fn part(&self, start: usize, end: usize) -> DeviceData {
        let end = end.min(self.len);
        let start = start.min(end);
        let Batch { x, y } = self.rows(start, end);
        let device = self.features.device();
        let targets = match y {
            Targets::Classes(t) => Targets::Classes(Tensor::from_data(t.into_data(), &device)),
            Targets::Values(t) => Targets::Values(Tensor::from_data(t.into_data(), &device)),
        };
        DeviceData {
            features: Tensor::from_data(x.into_data(), &device),
            targets,
            len: end - start,
        }
    }

    /// The batches of one training epoch: the rows in the order of a permutation seeded by
    /// `(seed, epoch)`, `batch_size` at a time, the last batch possibly smaller (PyTorch's
    /// `DataLoader(shuffle=True)`).
    pub fn epoch(&self, batch_size: usize, seed: u64, epoch: u64) -> Batches<'_> {
        let order: Vec<i64> = data::split::permutation(self.len, epoch_seed(seed, epoch))
            .into_iter()
            .map(|i| i as i64)
            .collect();
        let order = Tensor::from_data(TensorData::new(order, [self.len]), &self.features.device());
        Batches {
            data: self,
            order: Some(order),
            batch_size: batch_size.max(1),
            next: 0,
        }
    }

    /// [`epoch`](Self::epoch) from batch `first` on: where a resumed run picks up mid-epoch.
    pub fn epoch_from(
        &self,
        batch_size: usize,
        seed: u64,
        epoch: u64,
        first: usize,
    ) -> Batches<'_> {
        let mut batches = self.epoch(batch_size, seed, epoch);
        batches.next = (first * batches.batch_size).min(self.len);
        batches
    }

    /// The batches in storage order, for evaluation: slices, no gather.
    pub fn in_order(&self, batch_size: usize) -> Batches<'_> {
        Batches {
            data: self,
            order: None,
            batch_size: batch_size.max(1),
            next: 0,
        }
    }

    /// Number of batches of `batch_size` in one pass.
    pub fn num_batches(&self, batch_size: usize) -> usize {
        self.len.div_ceil(batch_size.max(1))
    }
}

/// The seed of epoch `epoch`'s permutation: distinct epochs give unrelated orders.
pub fn epoch_seed(seed: u64, epoch: u64) -> u64 {
    seed ^ epoch.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// An iterator over the batches of one pass.
pub struct Batches<'a> {
    data: &'a DeviceData,
    order: Option<Tensor<1, Int>>,
    batch_size: usize,
    next: usize,
}

impl Iterator for Batches<'_> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        if self.next >= self.data.len {
            return None;
        }
        let (start, end) = (self.next, (self.next + self.batch_size).min(self.data.len));
        self.next = end;
        Some(match &self.order {
            Some(order) => self.data.gather(order.clone().slice(s![start..end])),
            None => self.data.rows(start, end),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self
            .data
            .len
            .saturating_sub(self.next)
            .div_ceil(self.batch_size);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Batches<'_> {}
