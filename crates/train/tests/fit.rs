//! The training loop in-process, on a model and a batch source defined here (not the
//! harness's): what a run folder holds, that an interrupted run resumes to the bits of one that
//! never stopped, early stopping, and the errors of a batch source that breaks its word.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor, TensorData};
use models::Trainable;
use schedules::Scheduler;
use schedules::kinds::cosine::CosineConfig;
use train::config::TrainSpec;
use train::fit::{BatchError, EpochBatches, Fit, Progress};
use train::optimizer::OptimizerSpec;
use train::records::{Evaluation, Summary, read_csv};
use train::run::RunError;

/// y = x·w, three features: what the line below learns.
#[derive(Module, Debug)]
struct Line {
    linear: Linear,
}

type Rows = (Tensor<2>, Tensor<2>);

impl Trainable<Rows> for Line {
    fn loss(&self, (x, y): Rows) -> Tensor<1> {
        (self.linear.forward(x) - y).square().mean()
    }
}

const ROWS: usize = 48;
const BATCH: usize = 8;

/// `ROWS` rows of `x` in [-1, 1) from a fixed linear congruence, `y = 2·x0 − x1 + 0.5·x2`.
fn table() -> (Vec<f32>, Vec<f32>) {
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    };
    let x: Vec<f32> = (0..ROWS * 3).map(|_| next()).collect();
    let y = x
        .chunks(3)
        .map(|r| 2.0 * r[0] - r[1] + 0.5 * r[2])
        .collect();
    (x, y)
}

/// The rows in batches of `BATCH`, rotated by one batch each epoch (the same every time an
/// epoch is asked for). `stop_at`: sets the flag when it gives that (epoch, batch).
struct Batches {
    x: Vec<f32>,
    y: Vec<f32>,
    device: Device,
    announce: u64,
    stop_at: Option<(u64, u64, Arc<AtomicBool>)>,
}

impl Batches {
    fn new(device: &Device) -> Self {
        let (x, y) = table();
        Self {
            x,
            y,
            device: device.clone(),
            announce: (ROWS / BATCH) as u64,
            stop_at: None,
        }
    }

    fn batch(&self, index: usize) -> Rows {
        let rows = index * BATCH..(index + 1) * BATCH;
        let x = self.x[rows.start * 3..rows.end * 3].to_vec();
        let y = self.y[rows].to_vec();
        (
            Tensor::from_data(TensorData::new(x, [BATCH, 3]), &self.device),
            Tensor::from_data(TensorData::new(y, [BATCH, 1]), &self.device),
        )
    }
}

impl EpochBatches<Rows> for Batches {
    fn steps_per_epoch(&self) -> u64 {
        self.announce
    }

    fn samples_per_epoch(&self) -> u64 {
        ROWS as u64
    }

    fn epoch(
        &self,
        epoch: u64,
        first: u64,
    ) -> Box<dyn Iterator<Item = Result<(Rows, usize), BatchError>> + '_> {
        let n = ROWS / BATCH;
        Box::new((first as usize..n).map(move |i| {
            if let Some((e, b, flag)) = &self.stop_at
                && (*e, *b) == (epoch, i as u64)
            {
                flag.store(true, Ordering::SeqCst);
            }
            Ok((self.batch((i + epoch as usize) % n), BATCH))
        }))
    }
}

/// burn's seeded random numbers come from one generator per process: tests that draw initial
/// weights must not run at the same time.
fn exclusive() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn device() -> Device {
    Device::flex().autodiff()
}

/// The same start every time: weights from seed 7, SGD with momentum, a cosine over the run.
fn start(
    device: &Device,
    epochs: u64,
) -> (Line, train::torch_optim::ScheduledOptimizer, Scheduler) {
    device.seed(7);
    let line = Line {
        linear: LinearConfig::new(3, 1).init(device),
    };
    let steps = epochs * (ROWS / BATCH) as u64;
    let scheduler = Scheduler::try_from(CosineConfig::new(0.1, steps)).unwrap();
    (line, OptimizerSpec::sgd_momentum(0.9).build(), scheduler)
}

/// The mean squared error over all rows, as the validation loss.
fn evaluate(batches: &Batches) -> impl FnMut(&Line) -> Result<Evaluation, BatchError> + '_ {
    move |line| {
        let n = ROWS / BATCH;
        let total: f32 = (0..n)
            .map(|i| line.loss(batches.batch(i)).into_scalar::<f32>())
            .sum();
        Ok(Evaluation::of_loss(f64::from(total) / n as f64))
    }
}

fn train(
    out: &Path,
    spec: TrainSpec,
    batches: &Batches,
) -> Result<train::fit::Fitted<Line>, RunError> {
    let (line, optimizer, scheduler) = start(&batches.device, spec.epochs);
    Fit::new(spec, out).with_progress(Progress::Quiet).run(
        line,
        optimizer,
        scheduler,
        batches,
        evaluate(batches),
    )
}

fn weights(line: &Line) -> Vec<f32> {
    let w = line
        .linear
        .weight
        .val()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let b = line
        .linear
        .bias
        .as_ref()
        .unwrap()
        .val()
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    [w, b].concat()
}

#[test]
fn a_model_of_ones_own_trains_into_a_run_folder() {
    let _guard = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let batches = Batches::new(&device());
    let fitted = train(&out, TrainSpec::default().with_epochs(4), &batches).unwrap();
    let outcome = &fitted.outcome;
    // 4 epochs of 48 / 8 = 6 batches.
    assert_eq!(outcome.steps.len(), 24);
    assert_eq!(outcome.epochs.len(), 4);
    let first = outcome.epochs[0].train_loss;
    let last = outcome.epochs[3].train_loss;
    // 24 steps of SGD with momentum: measured 1.19 → 0.17 (seed 7).
    assert!(
        last < first / 4.0,
        "the line is being learnt: {first} → {last}"
    );
    // The cosine's LR of step 0 is its peak, 0.1; the record shows what the step used.
    assert_eq!(outcome.steps[0].lr, 0.1);
    assert_eq!(outcome.steps[0].momentum, Some(0.9));
    let summary = Summary::read(&out).unwrap();
    assert_eq!(summary.steps, 24);
    assert_eq!(summary.epochs_completed, 4);
    assert_eq!(
        Some(summary.test_loss),
        outcome.epochs[3].validation.as_ref().map(|v| v.loss)
    );
    assert_eq!(read_csv(&out).unwrap().len(), 24);
    assert!(out.join("checkpoints").is_dir());
    // The folder is a run now: a second start is refused.
    let again = train(&out, TrainSpec::default(), &batches).unwrap_err();
    assert!(matches!(again, RunError::OutputExists { .. }), "{again}");
}

#[test]
fn an_interrupted_run_resumes_to_the_bits_of_one_that_never_stopped() {
    let _guard = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let spec = TrainSpec::default().with_epochs(3);
    let whole = train(
        &dir.path().join("whole"),
        spec.clone(),
        &Batches::new(&device()),
    )
    .unwrap();

    let out = dir.path().join("stopped");
    let flag = Arc::new(AtomicBool::new(false));
    let mut batches = Batches::new(&device());
    // The flag is set as epoch 2's batch 3 is given: the run stops after that step (step 6 + 4).
    batches.stop_at = Some((2, 3, Arc::clone(&flag)));
    let (line, optimizer, scheduler) = start(&batches.device, spec.epochs);
    let stopped = Fit::new(spec.clone(), &out)
        .with_progress(Progress::Quiet)
        .with_stop(Arc::clone(&flag))
        .run(line, optimizer, scheduler, &batches, evaluate(&batches));
    match stopped {
        Err(RunError::Interrupted { step, .. }) => assert_eq!(step, 10),
        other => panic!(
            "not interrupted: {:?}",
            other.map(|f| f.outcome.steps.len())
        ),
    }

    // A fresh start, as a new process would build it, continued from the checkpoint.
    let batches = Batches::new(&device());
    let (line, optimizer, scheduler) = start(&batches.device, spec.epochs);
    let resumed = Fit::new(spec, &out)
        .with_progress(Progress::Quiet)
        .resuming()
        .run(line, optimizer, scheduler, &batches, evaluate(&batches))
        .unwrap();
    assert_eq!(weights(&resumed.model), weights(&whole.model));
    let losses = |steps: &[train::records::StepRecord]| -> Vec<(f64, f64)> {
        steps.iter().map(|s| (s.lr, s.train_loss)).collect()
    };
    assert_eq!(losses(&resumed.outcome.steps), losses(&whole.outcome.steps));
    let rows = |dir: &Path| -> Vec<(f64, f64, Option<f64>)> {
        let rows = read_csv(dir).unwrap();
        rows.iter()
            .map(|r| (r.lr, r.train_loss, r.val_loss))
            .collect()
    };
    assert_eq!(rows(&out), rows(&dir.path().join("whole")));
    // The resumed run's events: one file, its history rewritten, equal to the whole run's.
    let (resumed_events, whole_events) = (events(&out), events(&dir.path().join("whole")));
    for tag in [
        "train/loss",
        "lr",
        "momentum",
        "val/loss",
        "train/epoch_loss",
    ] {
        assert_eq!(
            resumed_events.scalars(tag),
            whole_events.scalars(tag),
            "{tag}"
        );
    }
    assert_eq!(resumed_events.scalars("train/loss").len(), 18);
}

/// The one event file of the events folder `dir`.
fn events(dir: &Path) -> tfevents::EventFile {
    let files = train::events::event_files(dir);
    assert_eq!(files.len(), 1, "{files:?}");
    tfevents::read(&files[0]).unwrap()
}

#[test]
fn a_run_writes_its_records_as_tensorboard_events() {
    let _guard = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let batches = Batches::new(&device());
    let spec = TrainSpec::default().with_epochs(2);
    let (out, board) = (dir.path().join("run"), dir.path().join("board/run"));
    let fit = |out: &Path| {
        let (line, optimizer, scheduler) = start(&batches.device, spec.epochs);
        Fit::new(spec.clone(), out)
            .with_progress(Progress::Quiet)
            .with_tensorboard(&board)
            .with_hparams("lr = 0.1")
            .run(line, optimizer, scheduler, &batches, evaluate(&batches))
    };
    let fitted = fit(&out).unwrap();
    assert!(
        train::events::event_files(&out).is_empty(),
        "not in the run folder"
    );
    let file = events(&board);
    // Every step's loss, LR and momentum at its optimizer step, as float32.
    let of = |f: fn(&train::records::StepRecord) -> f64| -> Vec<(i64, f32)> {
        let steps = &fitted.outcome.steps;
        steps.iter().map(|s| (s.step as i64, f(s) as f32)).collect()
    };
    assert_eq!(file.scalars("train/loss"), of(|s| s.train_loss));
    assert_eq!(file.scalars("lr"), of(|s| s.lr));
    assert_eq!(file.scalars("momentum"), of(|s| s.momentum.unwrap()));
    assert_eq!(file.scalars("samples_per_sec").len(), 12);
    // The validation loss at each epoch's last step (6 batches an epoch).
    let val: Vec<(i64, f32)> = fitted
        .outcome
        .epochs
        .iter()
        .enumerate()
        .map(|(i, e)| (6 * i as i64 + 5, e.validation.as_ref().unwrap().loss as f32))
        .collect();
    assert_eq!(file.scalars("val/loss"), val);
    assert_eq!(file.texts("hparams"), vec![(0, "    lr = 0.1".to_string())]);
    // A new run into the same events folder would overlay another run's: refused, and no
    // run folder is left.
    let again = fit(&dir.path().join("again")).unwrap_err();
    assert!(matches!(again, RunError::EventsExist { .. }), "{again}");
    assert!(!dir.path().join("again").exists());

    let (line, optimizer, scheduler) = start(&batches.device, spec.epochs);
    let quiet = dir.path().join("quiet");
    Fit::new(spec.clone(), &quiet)
        .with_progress(Progress::Quiet)
        .without_tensorboard()
        .run(line, optimizer, scheduler, &batches, evaluate(&batches))
        .unwrap();
    assert!(train::events::event_files(&quiet).is_empty());
}

#[test]
fn early_stopping_ends_the_run_after_patience_evaluations() {
    let _guard = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let batches = Batches::new(&device());
    let (line, optimizer, scheduler) = start(&batches.device, 10);
    // A validation loss that only grows: epoch 1 is the best, epochs 2 and 3 are not.
    let mut calls = 0.0;
    let worse = |_: &Line| {
        calls += 1.0;
        Ok(Evaluation::of_loss(calls))
    };
    let spec = TrainSpec::default().with_epochs(10).with_patience(2);
    let mut seen = Vec::new();
    let fitted = Fit::new(spec, dir.path().join("run"))
        .with_progress(Progress::Quiet)
        .with_on_epoch(|record| seen.push(record.epoch))
        .run(line, optimizer, scheduler, &batches, worse)
        .unwrap();
    assert_eq!(fitted.outcome.epochs.len(), 3);
    assert_eq!(seen, [1, 2, 3]);
    assert_eq!(fitted.outcome.summary.best_epoch, 1);
}

#[test]
fn a_batch_source_that_breaks_its_word_is_an_error() {
    let _guard = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let mut batches = Batches::new(&device());
    batches.announce = 7;
    let err = train(&dir.path().join("run"), TrainSpec::default(), &batches).unwrap_err();
    assert_eq!(
        err.to_string(),
        "epoch 1 had 6 batches where 7 were announced"
    );
}

/// A burn `DataLoader` (shuffled, one worker) as the batches: a run interrupted mid-epoch and
/// resumed with a fresh loader built the same way is the run that never stopped.
#[cfg(feature = "dataloader")]
mod dataloader {
    use std::sync::atomic::AtomicUsize;

    use burn::data::dataloader::batcher::Batcher;
    use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
    use burn::data::dataset::InMemDataset;
    use train::fit::Loader;

    use super::*;

    /// Rows into a batch; sets `stop` as it makes its `stop_after`-th batch.
    #[derive(Clone)]
    struct Rows3 {
        made: Arc<AtomicUsize>,
        stop_after: usize,
        stop: Arc<AtomicBool>,
    }

    impl Batcher<(Vec<f32>, f32), Rows> for Rows3 {
        fn batch(&self, items: Vec<(Vec<f32>, f32)>, device: &Device) -> Rows {
            if self.made.fetch_add(1, Ordering::SeqCst) + 1 == self.stop_after {
                self.stop.store(true, Ordering::SeqCst);
            }
            let n = items.len();
            let x: Vec<f32> = items.iter().flat_map(|(x, _)| x.iter().copied()).collect();
            let y: Vec<f32> = items.iter().map(|(_, y)| *y).collect();
            (
                Tensor::from_data(TensorData::new(x, [n, 3]), device),
                Tensor::from_data(TensorData::new(y, [n, 1]), device),
            )
        }
    }

    fn loader(device: &Device, stop_after: usize, stop: &Arc<AtomicBool>) -> Loader<Rows> {
        let (x, y) = table();
        let items: Vec<(Vec<f32>, f32)> = x.chunks(3).map(|r| r.to_vec()).zip(y).collect();
        let batcher = Rows3 {
            made: Arc::new(AtomicUsize::new(0)),
            stop_after,
            stop: Arc::clone(stop),
        };
        let loader: Arc<dyn DataLoader<Rows>> = DataLoaderBuilder::new(batcher)
            .batch_size(BATCH)
            .shuffle(3)
            .set_device(device.clone())
            .build(InMemDataset::new(items));
        Loader::new(loader, BATCH)
    }

    #[test]
    fn a_run_from_a_data_loader_resumes_exactly() {
        let _guard = exclusive();
        let dir = tempfile::tempdir().unwrap();
        let device = device();
        let spec = TrainSpec::default().with_epochs(3);
        let rows = Batches::new(&device);
        let never = Arc::new(AtomicBool::new(false));
        let run = |out: &Path, batches: &Loader<Rows>, resume: bool, stop: &Arc<AtomicBool>| {
            let (line, optimizer, scheduler) = start(&device, spec.epochs);
            let fit = Fit::new(spec.clone(), out)
                .with_progress(Progress::Quiet)
                .with_stop(Arc::clone(stop));
            let fit = if resume { fit.resuming() } else { fit };
            fit.run(line, optimizer, scheduler, batches, evaluate(&rows))
        };
        let whole = run(
            &dir.path().join("whole"),
            &loader(&device, 0, &never),
            false,
            &never,
        );
        let whole = whole.unwrap();
        assert_eq!(whole.outcome.steps.len(), 18);

        // The 9th batch made is epoch 2's third: the run stops after step 9.
        let out = dir.path().join("stopped");
        let stop = Arc::new(AtomicBool::new(false));
        match run(&out, &loader(&device, 9, &stop), false, &stop) {
            Err(RunError::Interrupted { step, .. }) => assert_eq!(step, 9),
            other => panic!(
                "not interrupted: {:?}",
                other.map(|f| f.outcome.steps.len())
            ),
        }
        let resumed = run(&out, &loader(&device, 0, &never), true, &never).unwrap();
        assert_eq!(weights(&resumed.model), weights(&whole.model));
        let losses = |steps: &[train::records::StepRecord]| -> Vec<(f64, f64)> {
            steps.iter().map(|s| (s.lr, s.train_loss)).collect()
        };
        assert_eq!(losses(&resumed.outcome.steps), losses(&whole.outcome.steps));
    }
}
