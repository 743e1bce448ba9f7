//! What `harness bench` measures: for one backend and batch size, training throughput, step
//! latency, forward-only throughput, peak memory, the time to the first step and one MNIST
//! epoch end to end. The workload is the training loop's own: MNIST resident on the device, a
//! seeded permutation per epoch, a device gather per batch, SGD, the loss read every step (as
//! `harness train` does, and as a PyTorch loop calling `loss.item()` does).

use std::time::Instant;

use burn::module::Module;
use burn::optim::GradientsParams;
use burn::tensor::Tensor;
use data::spec::{DatasetName, prepare};
use models::batch::{Batch, DeviceData, Targets};
use models::{Model, ModelConfig, Task};
use serde::Serialize;

use crate::backend::Backend;
use crate::lr_find::default_config;
use crate::run::{RunError, device_name};

/// The model to time.
#[derive(Clone, Debug, PartialEq)]
pub enum BenchModel {
    /// 784-`hidden`-10, ReLU, cross-entropy.
    Mlp { hidden: usize },
    /// 784 → 1, MSE against the label as a number.
    Linear,
}

/// One configuration's figures. Times in seconds or milliseconds as named.
#[derive(Clone, Debug, Serialize)]
pub struct Measurement {
    pub backend: String,
    pub device: String,
    pub model: String,
    pub batch_size: usize,
    /// Training samples per second over the timed steps.
    pub samples_per_sec: f64,
    pub step_ms_median: f64,
    pub step_ms_p95: f64,
    /// Inference (no autodiff) samples per second.
    pub forward_samples_per_sec: f64,
    /// Peak resident memory of the process during this configuration (reset before it where
    /// Linux allows), MB.
    pub peak_rss_mb: Option<f64>,
    /// What the device's allocator holds after the timed steps (bytes reserved: live tensors
    /// and pages kept for reuse), MB, on the CubeCL backends (cpu, wgpu, cuda); `None` on
    /// flex and ndarray, whose memory `peak_rss_mb` counts.
    pub device_memory_mb: Option<f64>,
    /// Loading MNIST from disk, uploading it, building the model, and the first step.
    pub startup_seconds: f64,
    /// One epoch over the 60 000 training images (`None` when skipped).
    pub epoch_seconds: Option<f64>,
    pub steps: usize,
}

/// The `q`-quantile of `values` (nearest rank on the sorted values); NaN if empty.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Peak resident set size of this process so far (`VmHWM`), MB; `None` off Linux.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak RSS to the current RSS (Linux: `5` into `/proc/self/clear_refs`), so the
/// next reading is this configuration's peak. Best effort.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A read from the device that failed, as a [`RunError::Device`].
fn device_error(e: impl std::fmt::Display) -> RunError {
    RunError::Device {
        message: e.to_string(),
    }
}

/// One optimizer step; returns the loss, read back from the device.
///
/// # Errors
/// The device failed to run the step (a GPU that cannot hold the data, say).
fn step(
    model: Model,
    optimizer: &mut crate::torch_optim::ScheduledOptimizer,
    batch: Batch,
    lr: f64,
) -> Result<(Model, f32), RunError> {
    let loss = batch.y.loss(model.forward(batch.x));
    let value = loss
        .clone()
        .try_into_scalar::<f32>()
        .map_err(device_error)?;
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    Ok((optimizer.step(lr, None, model, grads), value))
}

/// For the linear model: the labels as numbers, `[n, 1]`.
fn as_values(data: DeviceData) -> DeviceData {
    match &data.targets {
        Targets::Classes(labels) => {
            let values: Tensor<2> = labels.clone().float().unsqueeze_dim(1);
            data.with_targets(Targets::Values(values))
        }
        Targets::Values(_) => data,
    }
}

/// Measures `model` on `backend` at `batch_size`: `warmup` untimed steps, then `steps` timed
/// ones, the same for forward passes, then (if `epoch`) one full epoch.
///
/// # Errors
/// A missing backend or MNIST files.
pub fn measure(
    backend: Backend,
    model: &BenchModel,
    batch_size: usize,
    steps: usize,
    warmup: usize,
    epoch: bool,
    data_dir: Option<&std::path::Path>,
) -> Result<Measurement, RunError> {
    reset_peak_rss();
    let t0 = Instant::now();
    let device = backend.device()?;
    let train_device = device.clone().autodiff();
    let spec = default_config(DatasetName::Mnist).data;
    let prepared = prepare(&spec, data_dir)?;
    let mut train = DeviceData::from_host(&prepared.train, true, &train_device);
    let (config, task) = match model {
        BenchModel::Mlp { hidden } => (
            ModelConfig::Mlp(models::config::MlpSpec {
                hidden: vec![*hidden],
                ..Default::default()
            }),
            Task::Classification { classes: 10 },
        ),
        BenchModel::Linear => {
            train = as_values(train);
            (ModelConfig::Linear(Default::default()), Task::Regression)
        }
    };
    let mut net = Model::init(&config, prepared.train.width(), task, 0, &train_device)?;
    let mut optimizer = crate::optimizer::OptimizerSpec::with_defaults("sgd")
        .expect("sgd is an optimizer")
        .build();
    // A small LR: the figures must not depend on whether training diverges.
    let lr = 1e-3;
    let mut batches = (0u64..).flat_map(|epoch| train.epoch(batch_size, 0, epoch));
    let mut next = || batches.next().expect("the epochs never run out");
    (net, _) = step(net, &mut optimizer, next(), lr)?;
    let startup_seconds = t0.elapsed().as_secs_f64();

    for _ in 0..warmup {
        (net, _) = step(net, &mut optimizer, next(), lr)?;
    }
    let mut times = Vec::with_capacity(steps);
    let mut rows = 0;
    for _ in 0..steps {
        let batch = next();
        rows += batch.x.dims()[0];
        let t = Instant::now();
        (net, _) = step(net, &mut optimizer, batch, lr)?;
        times.push(t.elapsed().as_secs_f64());
    }
    let train_seconds: f64 = times.iter().sum();
    let device_memory_mb = device
        .memory_pool_usage()
        .map(|usage| usage.bytes_reserved as f64 / (1u64 << 20) as f64);

    let inference = net.valid();
    let eval_data = train.clone().without_autodiff();
    let mut eval_batches = (0u64..).flat_map(|e| eval_data.epoch(batch_size, 1, e));
    for _ in 0..warmup {
        let b = eval_batches.next().expect("endless");
        inference
            .forward(b.x)
            .try_into_data()
            .map_err(device_error)?;
    }
    let t = Instant::now();
    let mut eval_rows = 0;
    let mut last = None;
    for _ in 0..steps {
        let b = eval_batches.next().expect("endless");
        eval_rows += b.x.dims()[0];
        last = Some(inference.forward(b.x));
    }
    if let Some(out) = last {
        // Reading the last output waits for all the queued work.
        out.try_into_data().map_err(device_error)?;
    }
    let forward_seconds = t.elapsed().as_secs_f64();

    let mut epoch_seconds = None;
    if epoch {
        let t = Instant::now();
        for batch in train.epoch(batch_size, 0, 1000) {
            (net, _) = step(net, &mut optimizer, batch, lr)?;
        }
        epoch_seconds = Some(t.elapsed().as_secs_f64());
    }

    Ok(Measurement {
        backend: backend.name().to_string(),
        device: device_name(&device),
        model: match model {
            BenchModel::Mlp { hidden } => format!("mlp 784-{hidden}-10"),
            BenchModel::Linear => "linear 784-1".into(),
        },
        batch_size,
        samples_per_sec: rows as f64 / train_seconds.max(1e-12),
        step_ms_median: 1e3 * quantile(&times, 0.5),
        step_ms_p95: 1e3 * quantile(&times, 0.95),
        forward_samples_per_sec: eval_rows as f64 / forward_seconds.max(1e-12),
        peak_rss_mb: peak_rss_mb(),
        device_memory_mb,
        startup_seconds,
        epoch_seconds,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_by_nearest_rank() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 3.0);
        assert_eq!(quantile(&v, 0.95), 5.0);
        assert_eq!(quantile(&v, 0.0), 1.0);
        // 20 values: p95 is the 19th smallest.
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.95), 19.0);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn peak_rss_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let mb = peak_rss_mb().expect("VmHWM on Linux");
            assert!(mb > 1.0, "{mb}");
        }
    }
}
