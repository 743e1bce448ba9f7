//! Checkpoints: everything a run needs to continue exactly where it stopped, written atomically
//! (a temporary folder, then a rename) under `<run>/checkpoints/step-<N>/`.
//!
//! A checkpoint holds the model (`model.bpk`), the optimizer state (`optimizer.bpk`), the
//! schedule state (`schedule.bpk`) and the loop's counters (`state.json`). The data order needs
//! no state: epoch `e` is a permutation seeded by `(seed, e)`, and the random numbers of step `s`
//! (dropout) come from a generator reseeded by `(seed, s)`.

use std::path::{Path, PathBuf};

use burn::lr_scheduler::LrSchedulerRecord;
use burn::store::RecordError;
use serde::{Deserialize, Serialize};

use crate::trainer::EarlyStopping;

/// The loop's position and bookkeeping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoopState {
    /// Optimizer steps taken.
    pub step: u64,
    /// The epoch in progress (1-based); `batch` of its batches are done.
    pub epoch: u64,
    pub batch: u64,
    /// Sum of the training losses of the epoch's finished batches.
    pub epoch_loss_sum: f64,
    /// Best validation loss so far (none before the first evaluation), its epoch, and the
    /// evaluations since (flattened: `state.json` keeps its keys).
    #[serde(flatten)]
    pub early: EarlyStopping,
}

impl LoopState {
    pub fn start() -> Self {
        Self {
            step: 0,
            epoch: 1,
            batch: 0,
            epoch_loss_sum: 0.0,
            early: EarlyStopping::default(),
        }
    }
}

/// A checkpoint that cannot be written or read: the file named, and why.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// A folder or file that cannot be made, moved, read or is not a regular file within
    /// its size limit.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A burn record (model, optimizer, schedule) that cannot be saved or loaded.
    #[error("{}: {source}", path.display())]
    Record { path: PathBuf, source: RecordError },
    /// A `state.json` that is not a loop state.
    #[error("{}: {source}", path.display())]
    State {
        path: PathBuf,
        source: serde_json::Error,
    },
}

impl CheckpointError {
    /// `source` about `path`, for `map_err`.
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// `source` about the record `path`, for `map_err`.
    pub fn record(path: &Path) -> impl FnOnce(RecordError) -> Self + '_ {
        move |source| Self::Record {
            path: path.to_path_buf(),
            source,
        }
    }
}

pub const MODEL: &str = "model.bpk";
pub const OPTIMIZER: &str = "optimizer.bpk";
pub const SCHEDULE: &str = "schedule.bpk";
pub const STATE: &str = "state.json";

/// The folder of the checkpoint taken after `step` steps.
pub fn folder(run: &Path, step: u64) -> PathBuf {
    run.join("checkpoints").join(format!("step-{step:09}"))
}

/// Steps of the checkpoints present in `run`, oldest first.
pub fn present(run: &Path) -> Vec<u64> {
    let Ok(entries) = std::fs::read_dir(run.join("checkpoints")) else {
        return Vec::new();
    };
    let mut steps: Vec<u64> = entries
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_prefix("step-")?
                .parse()
                .ok()
        })
        .collect();
    steps.sort_unstable();
    steps
}

/// Which checkpoints to delete once `present` exist: all but the two latest and `best`.
/// A decision without effects, so it is tested with plain asserts.
pub fn to_delete(present: &[u64], best: Option<u64>) -> Vec<u64> {
    let keep_from = present.len().saturating_sub(2);
    present[..keep_from]
        .iter()
        .copied()
        .filter(|&s| Some(s) != best)
        .collect()
}

/// Writes the parts with `write` into a temporary folder, then renames it into place.
///
/// # Errors
/// A part cannot be written.
pub fn save(
    run: &Path,
    state: &LoopState,
    schedule: LrSchedulerRecord,
    write: impl FnOnce(&Path) -> Result<(), CheckpointError>,
) -> Result<PathBuf, CheckpointError> {
    let dest = folder(run, state.step);
    let tmp = run.join("checkpoints").join(format!(
        ".tmp-step-{:09}-{}",
        state.step,
        std::process::id()
    ));
    let result = (|| {
        std::fs::create_dir_all(&tmp).map_err(CheckpointError::io(&tmp))?;
        write(&tmp)?;
        let path = tmp.join(SCHEDULE);
        schedule
            .save(&path)
            .map_err(CheckpointError::record(&path))?;
        let json = serde_json::to_string_pretty(state).expect("loop states serialize");
        let path = tmp.join(STATE);
        std::fs::write(&path, json).map_err(CheckpointError::io(&path))?;
        if dest.exists() {
            std::fs::remove_dir_all(&dest).map_err(CheckpointError::io(&dest))?;
        }
        std::fs::rename(&tmp, &dest).map_err(CheckpointError::io(&dest))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result.map(|()| dest)
}

/// The most a checkpoint's recorded file (model, optimizer, schedule) may hold: the largest
/// model a config allows is a few hundred MB, its optimizer state twice that.
const RECORD_LIMIT: bounded::Limit = bounded::Limit::new(4 << 30, "a checkpoint's record");

/// Checks that the checkpoint's recorded files, which burn reads by path, are regular files
/// within `RECORD_LIMIT` bytes.
///
/// # Errors
/// A missing, irregular or oversized file, named.
pub fn check_records(folder: &Path) -> Result<(), CheckpointError> {
    for name in [MODEL, OPTIMIZER, SCHEDULE] {
        let path = folder.join(name);
        bounded::check(&path, RECORD_LIMIT).map_err(CheckpointError::io(&path))?;
    }
    Ok(())
}

/// Reads the loop state and the schedule record of a checkpoint folder.
///
/// # Errors
/// A missing or unreadable part.
pub fn load_state(folder: &Path) -> Result<(LoopState, LrSchedulerRecord), CheckpointError> {
    let path = folder.join(STATE);
    // The loop state is a handful of numbers.
    let limit = bounded::Limit::new(1 << 20, "a checkpoint's loop state");
    let text = bounded::read_to_string(&path, limit).map_err(CheckpointError::io(&path))?;
    let state = serde_json::from_str(&text).map_err(|source| CheckpointError::State {
        path: path.clone(),
        source,
    })?;
    let path = folder.join(SCHEDULE);
    let schedule = LrSchedulerRecord::load(&path).map_err(CheckpointError::record(&path))?;
    Ok((state, schedule))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_two_latest_and_the_best() {
        assert_eq!(to_delete(&[10, 20, 30, 40], Some(20)), [10]);
        assert_eq!(to_delete(&[10, 20, 30, 40], Some(40)), [10, 20]);
        assert_eq!(to_delete(&[10, 20], None), Vec::<u64>::new());
        assert_eq!(to_delete(&[], None), Vec::<u64>::new());
    }

    #[test]
    fn save_is_atomic_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = LoopState::start();
        state.step = 7;
        let record = LrSchedulerRecord::new().with_scalar("steps", 7u64);
        save(dir.path(), &state, record.clone(), |_| Ok(())).unwrap();
        assert_eq!(present(dir.path()), [7]);
        let (loaded, schedule) = load_state(&folder(dir.path(), 7)).unwrap();
        assert_eq!(loaded, state);
        assert_eq!(schedule.scalar::<u64>("steps"), Some(7));
        let full = dir.path().join("model.bpk");
        let failed = save(dir.path(), &LoopState { step: 8, ..state }, record, |_| {
            Err(CheckpointError::io(&full)(std::io::Error::other(
                "disk full",
            )))
        });
        assert_eq!(
            failed.unwrap_err().to_string(),
            format!("{}: disk full", full.display())
        );
        assert_eq!(
            present(dir.path()),
            [7],
            "a failed save leaves nothing behind"
        );
        let leftovers = std::fs::read_dir(dir.path().join("checkpoints"))
            .unwrap()
            .count();
        assert_eq!(leftovers, 1);
    }
}
