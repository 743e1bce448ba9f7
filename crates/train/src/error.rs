//! [`RunError`]: why a training run could not start, continue or finish.

use std::path::{Path, PathBuf};

use crate::backend::BackendError;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Data(#[from] data::DataError),
    #[error(transparent)]
    Model(#[from] models::ModelError),
    #[error(transparent)]
    Weights(#[from] models::weights::WeightsError),
    #[error(transparent)]
    Schedule(#[from] schedules::ScheduleError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    RangeTest(#[from] lr_find::RangeTestError),
    #[error(transparent)]
    Records(#[from] crate::records::RecordsError),
    #[error(transparent)]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
    #[error("{}: {cause}", path.display())]
    Output {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{} already holds a run", path.display())]
    OutputExists { path: PathBuf },
    /// A new run's event folder that already holds another run's TensorBoard events.
    #[error(
        "{} already holds TensorBoard events of another run: write the events elsewhere or \
         remove them",
        path.display()
    )]
    EventsExist { path: PathBuf },
    #[error("{} has no checkpoint to resume from", path.display())]
    NoCheckpoint { path: PathBuf },
    /// A model without parameters: nothing to train, and no device to train on.
    #[error("the model has no parameters to train")]
    NoParameters,
    /// The batch source could not give a batch.
    #[error("batch {batch} of epoch {epoch}: {source}")]
    Batch {
        epoch: u64,
        batch: u64,
        source: crate::fit::BatchError,
    },
    /// The evaluation after an epoch (or of the final model) failed.
    #[error("evaluating after epoch {epoch}: {source}")]
    Evaluate {
        epoch: u64,
        source: crate::fit::BatchError,
    },
    /// The device could not run the work (out of memory, a buffer larger than it allows).
    #[error("the device failed: {message}")]
    Device { message: String },
    /// A batch source without a batch: an empty dataset, say.
    #[error("the training data has no batch to step on")]
    NoBatches,
    /// The batch source gave another number of batches than it announced.
    #[error("epoch {epoch} had {got} batches where {expected} were announced")]
    EpochLength { epoch: u64, expected: u64, got: u64 },
    #[error(
        "the loss became {loss} at step {step} (epoch {epoch}, lr {lr}); the run stopped, its last \
         checkpoint kept"
    )]
    Diverged {
        step: u64,
        epoch: u64,
        lr: f64,
        loss: f64,
    },
    #[error("interrupted after step {step}: checkpoint saved in {}", checkpoint.display())]
    Interrupted {
        step: u64,
        checkpoint: PathBuf,
        run: PathBuf,
    },
}

/// An I/O error about `path`, as a [`RunError::Output`], for `map_err`.
pub(crate) fn output(path: &Path) -> impl Fn(std::io::Error) -> RunError + '_ {
    move |cause| RunError::Output {
        path: path.to_path_buf(),
        cause,
    }
}
