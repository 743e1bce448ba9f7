//! One of our schedules driving burn-train's `Learner`: PyTorch's OneCycleLR built in Rust in
//! one line and handed to `Learner::new`, on a linear regressor fed by burn `DataLoader`s. A
//! loss-driven schedule would be refused at that line (see `loss_driven_loop.rs`).
//!
//! ```text
//! cargo run --release --example schedule_learner
//! ```

use burn::data::dataloader::DataLoaderBuilder;
use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::InMemDataset;
use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::SgdConfig;
use burn::tensor::{Device, Tensor, TensorData};
use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
use burn::train::metric::{LearningRateMetric, LossMetric, MetricDefinition};
use burn::train::renderer::{
    EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation,
    MetricsRendererTraining,
};
use burn::train::{
    InferenceStep, Learner, RegressionOutput, SupervisedTraining, TrainOutput, TrainStep,
};
use schedules::StepDriven;
use schedules::kinds::one_cycle::OneCycleConfig;

const BATCH: usize = 32;
const EPOCHS: usize = 4;

#[derive(Module, Debug)]
struct Regressor {
    linear: Linear,
}

impl Regressor {
    fn regress(&self, batch: Rows) -> RegressionOutput {
        let output = self.linear.forward(batch.x);
        let loss = (output.clone() - batch.y.clone()).powi_scalar(2).mean();
        RegressionOutput {
            loss,
            output,
            targets: batch.y,
        }
    }
}

impl TrainStep for Regressor {
    type Input = Rows;
    type Output = RegressionOutput;
    fn step(&self, batch: Rows) -> TrainOutput<RegressionOutput> {
        let item = self.regress(batch);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl InferenceStep for Regressor {
    type Input = Rows;
    type Output = RegressionOutput;
    fn step(&self, batch: Rows) -> RegressionOutput {
        self.regress(batch)
    }
}

/// One row: four features and a target y = x · (1, -2, 3, 0.5) + noise.
#[derive(Clone, Debug)]
struct Row {
    x: [f32; 4],
    y: f32,
}

#[derive(Clone, Debug)]
struct Rows {
    x: Tensor<2>,
    y: Tensor<2>,
}

#[derive(Clone)]
struct RowBatcher;

impl Batcher<Row, Rows> for RowBatcher {
    fn batch(&self, rows: Vec<Row>, device: &Device) -> Rows {
        let n = rows.len();
        let x: Vec<f32> = rows.iter().flat_map(|r| r.x).collect();
        let y: Vec<f32> = rows.iter().map(|r| r.y).collect();
        Rows {
            x: Tensor::from_data(TensorData::new(x, [n, 4]), device),
            y: Tensor::from_data(TensorData::new(y, [n, 1]), device),
        }
    }
}

/// `n` rows from a fixed pseudo-random sequence (a 64-bit LCG), so the example needs no RNG crate.
fn rows(n: usize, mut state: u64) -> Vec<Row> {
    let mut uniform = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    };
    (0..n)
        .map(|_| {
            let x = [uniform(), uniform(), uniform(), uniform()];
            let y = x[0] - 2.0 * x[1] + 3.0 * x[2] + 0.5 * x[3] + 0.1 * uniform();
            Row { x, y }
        })
        .collect()
}

/// A renderer that prints one line per epoch; at the end, burn-train prints its summary
/// (with the LR range the schedule gave) as every renderer does.
struct EpochLines;

impl TrainingProgressLogger for EpochLines {
    fn start(&mut self, epochs: usize, _: usize, _: Option<usize>, _: Option<&str>) {
        println!("training for {epochs} epochs");
    }
    fn update_epoch(&mut self, epoch: usize) {
        println!("epoch {epoch} done");
    }
    fn start_split(&mut self, _: &str, _: usize) {}
    fn update_split(&mut self, _: usize) {}
    fn end_split(&mut self) {}
    fn end(&mut self) {}
    fn log_event_training(&mut self, _: String) {}
}

impl EvaluationProgressLogger for EpochLines {
    fn start_global_progress(&mut self, _: usize) {}
    fn start_test(&mut self, _: &str, _: usize) {}
    fn update_test_progress(&mut self, _: usize) {}
    fn end_test(&mut self) {}
    fn end_global_progress(&mut self) {}
    fn log_event_evaluation(&mut self, _: String) {}
}

impl MetricsRendererTraining for EpochLines {
    fn update_train(&mut self, _: MetricState) {}
    fn update_valid(&mut self, _: MetricState) {}
}

impl MetricsRendererEvaluation for EpochLines {
    fn update_test(&mut self, _: EvaluationName, _: MetricState) {}
}

impl MetricsRenderer for EpochLines {
    fn manual_close(&mut self) {}
    fn register_metric(&mut self, _: MetricDefinition) {}
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::flex().autodiff();
    device.seed(0);
    let (train, valid) = (rows(2048, 1), rows(512, 2));
    let steps_per_epoch = train.len().div_ceil(BATCH) as u64;
    let loader = |rows: Vec<Row>| {
        DataLoaderBuilder::new(RowBatcher)
            .batch_size(BATCH)
            .shuffle(0)
            .set_device(device.clone())
            .build(InMemDataset::new(rows))
    };
    let artifacts = std::env::temp_dir().join(format!("schedule_learner-{}", std::process::id()));

    // The schedule: one line in Rust, the same defaults as the TOML `kind = "one_cycle"`.
    let scheduler =
        StepDriven::try_from(OneCycleConfig::new(0.5, EPOCHS as u64 * steps_per_epoch))?;

    let model = Regressor {
        linear: LinearConfig::new(4, 1).init(&device),
    };
    let result = SupervisedTraining::new(&artifacts, loader(train), loader(valid.clone()))
        .metric_train_numeric(LossMetric::new())
        .metric_valid_numeric(LossMetric::new())
        .metric_train_numeric(LearningRateMetric::new())
        .num_epochs(EPOCHS)
        .renderer(Box::new(EpochLines))
        .summary()
        .launch(Learner::new(model, SgdConfig::new().init(), scheduler));

    // The trained weights against the true (1, -2, 3, 0.5), and the held-out error.
    let weights = result
        .model
        .linear
        .weight
        .val()
        .into_data()
        .try_to_vec::<f32>()?;
    let held_out = RowBatcher.batch(valid, &device);
    let mse = result.model.regress(held_out).loss.into_scalar::<f32>();
    println!("weights {weights:.3?}, held-out MSE {mse:.5} (the noise alone gives 0.00333)");
    std::fs::remove_dir_all(&artifacts).ok();
    Ok(())
}
