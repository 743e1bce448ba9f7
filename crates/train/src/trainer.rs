//! [`Trainer`]: the state of a training run between optimizer steps (model, optimizer,
//! schedule) and what one step and the end of an epoch do to it, for any [`Trainable`] model;
//! and [`EarlyStopping`], the early-stopping rule as a decision without side effects.
//! [`crate::fit`] drives them over the epochs with their records, progress and checkpoints;
//! the parity test with PyTorch and the resume tests drive the same code.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;
use models::Trainable;
use schedules::{Observe, Scheduler};

use crate::checkpoint::{self, CheckpointError, LoopState};
use crate::config::{Every, Observed, TrainSpec};
use crate::records::StepRecord;
use crate::torch_optim::ScheduledOptimizer;

/// A step whose loss was not finite: nothing was updated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diverged {
    pub step: u64,
    pub lr: f64,
    pub loss: f64,
}

/// Model, optimizer and schedule of a run, between steps.
pub struct Trainer<M> {
    /// `None` only while a step moves it through the optimizer.
    model: Option<M>,
    optimizer: ScheduledOptimizer,
    scheduler: Scheduler,
    /// The autodiff device the model trains on (its seed is set every step, for dropout).
    device: Device,
    /// Seed of the run: each step's random numbers are drawn from it and the step's index.
    seed: u64,
    observe: Observed,
    observe_every: Every,
}

impl<M: Module> Trainer<M> {
    /// `model` trained with `optimizer` at the LR (and momentum) of `scheduler`, on `device`
    /// (the autodiff device the model lives on); `train` gives the seed of each step's random
    /// numbers and what a loss-driven schedule observes.
    pub fn new(
        model: M,
        optimizer: ScheduledOptimizer,
        scheduler: Scheduler,
        device: &Device,
        train: &TrainSpec,
    ) -> Self {
        Self {
            model: Some(model),
            optimizer,
            scheduler,
            device: device.clone(),
            seed: train.seed,
            observe: train.observe,
            observe_every: train.observe_every,
        }
    }

    pub fn model(&self) -> &M {
        self.model
            .as_ref()
            .expect("the trainer holds its model between steps")
    }

    /// The model, for good (after the last step).
    pub fn into_model(mut self) -> M {
        self.model
            .take()
            .expect("the trainer holds its model between steps")
    }

    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// Optimizer step `step` of epoch `epoch` on `batch`: the schedule's LR (and momentum),
    /// the loss before the update, the update, and the loss fed to a schedule that observes
    /// every step. `samples_per_sec` of the record is left 0 for the caller.
    ///
    /// # Errors
    /// [`Diverged`] when the loss is NaN or infinite; the model is then left as it was.
    pub fn step<B>(&mut self, batch: B, step: u64, epoch: u64) -> Result<StepRecord, Diverged>
    where
        M: Trainable<B>,
    {
        self.step_accumulated(std::iter::once(batch), step, epoch)
    }

    /// [`Trainer::step`] over several mini-batches whose gradients are accumulated into one
    /// optimizer step: the loss is their mean, so the step is that of one batch as many times
    /// larger (for batches of equal size). With one batch it is exactly [`Trainer::step`].
    ///
    /// # Errors
    /// [`Diverged`] when a mini-batch's loss is NaN or infinite; the model is then left as it
    /// was.
    ///
    /// # Panics
    /// If `batches` is empty.
    pub fn step_accumulated<B>(
        &mut self,
        batches: impl ExactSizeIterator<Item = B>,
        step: u64,
        epoch: u64,
    ) -> Result<StepRecord, Diverged>
    where
        M: Trainable<B>,
    {
        let count = batches.len();
        assert!(count > 0, "an optimizer step needs at least one batch");
        let lr = self.scheduler.step();
        let momentum = self.scheduler.momentum();
        self.device.seed(step_seed(self.seed, step));
        let model = self
            .model
            .take()
            .expect("the trainer holds its model between steps");
        // The mean loss and its gradients, as a sweep point takes them (lr_find::step).
        let mut loss_of = |model: &M, batch: B| model.loss(batch);
        let (value, grads) = match lr_find::mean_gradients(&model, batches, &mut loss_of) {
            Ok(found) => found,
            Err(non_finite) => {
                self.model = Some(model);
                return Err(Diverged {
                    step,
                    lr,
                    loss: non_finite.loss,
                });
            }
        };
        self.model = Some(self.optimizer.step(lr, momentum, model, grads));
        if self.observe == Observed::Train && self.observe_every == Every::Step {
            self.scheduler.observe(value);
        }
        Ok(StepRecord {
            step,
            epoch,
            lr,
            momentum: self.optimizer.momentum_used(momentum),
            train_loss: value,
            samples_per_sec: 0.0,
        })
    }

    /// The end of an epoch: a schedule that observes the epoch's mean training loss or the
    /// validation loss sees it.
    pub fn end_epoch(&mut self, train_loss: f64, validation_loss: Option<f64>) {
        match (self.observe, self.observe_every, validation_loss) {
            (Observed::Train, Every::Epoch, _) => self.scheduler.observe(train_loss),
            (Observed::Validation, _, Some(loss)) => self.scheduler.observe(loss),
            _ => {}
        }
    }

    /// Saves a checkpoint of the trainer and `state` in the run folder `out`; its folder.
    ///
    /// # Errors
    /// A part cannot be written (nothing is left half-made).
    pub fn save(&self, out: &Path, state: &LoopState) -> Result<PathBuf, CheckpointError> {
        checkpoint::save(out, state, self.scheduler.to_record(), |dir| {
            let path = dir.join(checkpoint::MODEL);
            let saved = self.model().clone().save_file(&path);
            saved.map_err(CheckpointError::record(&path))?;
            let path = dir.join(checkpoint::OPTIMIZER);
            self.optimizer
                .save(&path)
                .map_err(CheckpointError::record(&path))
        })
    }

    /// Restores model, optimizer and schedule from the checkpoint `folder`; the loop state
    /// saved with them.
    ///
    /// # Errors
    /// A missing, irregular or unreadable part, named.
    pub fn restore(&mut self, folder: &Path) -> Result<LoopState, CheckpointError> {
        checkpoint::check_records(folder)?;
        // The model first: loading it restores the parameter ids the optimizer state is keyed by.
        let path = folder.join(checkpoint::MODEL);
        let model = self
            .model()
            .clone()
            .try_load_file(&path)
            .map_err(CheckpointError::record(&path))?;
        self.model = Some(model);
        let path = folder.join(checkpoint::OPTIMIZER);
        self.optimizer = self
            .optimizer
            .clone()
            .load(&path)
            .map_err(CheckpointError::record(&path))?;
        let (state, record) = checkpoint::load_state(folder)?;
        self.scheduler.load_record(record);
        Ok(state)
    }
}

/// The seed of the random numbers of `step` (dropout): reseeding every step makes them
/// independent of where a run was resumed.
pub(crate) fn step_seed(seed: u64, step: u64) -> u64 {
    models::batch::epoch_seed(seed.rotate_left(17), step)
}

/// What early stopping decides after an evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Continue,
    /// No better validation loss for `patience` evaluations.
    Stop,
}

/// Early stopping on the validation loss: the best loss so far, its epoch, and the evaluations
/// since. Part of the loop state, so a resumed run decides as one that never stopped.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EarlyStopping {
    pub best: Option<f64>,
    pub best_epoch: u64,
    pub since_best: u64,
}

impl EarlyStopping {
    /// Counts the evaluation of `epoch` with validation loss `loss`; with `patience`, stops
    /// after that many evaluations without a better loss.
    pub fn update(&mut self, epoch: u64, loss: f64, patience: Option<u64>) -> Decision {
        if self.best.is_none_or(|best| loss < best) {
            (self.best, self.best_epoch, self.since_best) = (Some(loss), epoch, 0);
            return Decision::Continue;
        }
        self.since_best += 1;
        if patience.is_some_and(|p| self.since_best >= p) {
            Decision::Stop
        } else {
            Decision::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn early_stopping_counts_evaluations_without_a_better_loss() {
        let mut e = EarlyStopping::default();
        let losses = [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.71];
        let decisions: Vec<Decision> = losses
            .iter()
            .enumerate()
            .map(|(i, &l)| e.update(i as u64 + 1, l, Some(2)))
            .collect();
        use Decision::*;
        // 0.9 and 0.85 do not beat 0.8: stop at the second; then 0.7 would have reset it.
        assert_eq!(decisions[..4], [Continue, Continue, Continue, Stop]);
        assert_eq!((e.best, e.best_epoch), (Some(0.7), 5));
        assert_eq!(decisions[6], Stop);
        let mut never = EarlyStopping::default();
        assert!(losses.iter().all(|&l| never.update(1, l, None) == Continue));
    }
}
