//! The plan of an experiment in its output folder, so that its runs can be trained one at a
//! time by any engine that runs a command N times with an index (Slurm job arrays, Kubernetes
//! Indexed Jobs, AWS Batch array jobs) and collected later:
//!
//! - `plan.json`: the experiment's name, description and report settings, and its runs in
//!   order, each with its index (its stable id), name, folder and config file, or the reason it
//!   has none;
//! - `configs/<folder>.toml`: each run's effective config;
//! - `runs/<folder>/`: each run's folder once it trains, with `status.json` when it failed.

use std::path::{Path, PathBuf};

use data::files::write_atomically;
use serde::{Deserialize, Serialize};

use crate::events::EventsAt;
use crate::studies::experiment::Experiment;

/// `plan.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub experiment: String,
    pub description: String,
    pub first_epochs: u64,
    pub runs: Vec<PlannedCell>,
    /// Where the runs write their TensorBoard events (left out: in each run's folder).
    #[serde(default, skip_serializing_if = "EventsAt::is_default")]
    pub tensorboard: EventsAt,
}

/// One run of the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedCell {
    /// Its position in the experiment: the index an array task trains.
    pub index: usize,
    pub name: String,
    /// Its folder under `runs/` (and the stem of its config under `configs/`).
    pub folder: String,
    /// Why the run has no config, if it has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<String>,
}

/// `status.json` of a run that failed: why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    pub reason: String,
}

/// Where a cell stands.
#[derive(Clone, Debug, PartialEq)]
pub enum CellState {
    /// `summary.json` is there.
    Finished,
    /// It failed; the reason from `status.json` (or the plan, for a run without a config).
    Failed(String),
    /// A checkpoint to continue from.
    Interrupted,
    /// Nothing yet, or a start without a checkpoint (nothing worth keeping).
    Missing,
}

/// A plan that cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{} already holds another plan (of experiment {existing:?})", path.display())]
    Other { path: PathBuf, existing: String },
    #[error("run index {index} is not in the plan, which has runs 0 to {}", runs.saturating_sub(1))]
    NoSuchRun { index: usize, runs: usize },
}

pub const PLAN: &str = "plan.json";
pub const STATUS: &str = "status.json";

impl Plan {
    /// The plan of `experiment`.
    pub fn of(experiment: &Experiment) -> Self {
        Self {
            experiment: experiment.name.clone(),
            description: experiment.description.clone(),
            first_epochs: experiment.first_epochs,
            runs: experiment
                .runs
                .iter()
                .enumerate()
                .map(|(index, run)| PlannedCell {
                    index,
                    name: run.name.clone(),
                    folder: run.folder.clone(),
                    invalid: run.config.as_ref().err().map(ToString::to_string),
                })
                .collect(),
            tensorboard: EventsAt::RunFolder,
        }
    }

    /// The plan with its runs' events written where `at` says.
    pub fn with_tensorboard(mut self, at: EventsAt) -> Self {
        self.tensorboard = at;
        self
    }

    /// Writes the plan and the runs' configs into `out`; a plan already there must be this
    /// one (planning again is harmless, planning another experiment into it is refused).
    ///
    /// # Errors
    /// A file that cannot be written, or another plan in `out`.
    pub fn write(&self, experiment: &Experiment, out: &Path) -> Result<(), PlanFileError> {
        let path = out.join(PLAN);
        if path.exists() {
            let existing = Self::read(out)?;
            if existing != *self {
                return Err(PlanFileError::Other {
                    path,
                    existing: existing.experiment,
                });
            }
        }
        for sub in ["runs", "configs"] {
            let dir = out.join(sub);
            std::fs::create_dir_all(&dir)
                .map_err(|source| PlanFileError::Io { path: dir, source })?;
        }
        for (cell, run) in self.runs.iter().zip(&experiment.runs) {
            if let Ok(config) = &run.config {
                let path = config_path(out, cell);
                write_atomically(&path, config.to_toml().as_bytes())
                    .map_err(|source| PlanFileError::Io { path, source })?;
            }
        }
        let json = serde_json::to_string_pretty(self).expect("plans serialize") + "\n";
        write_atomically(&path, json.as_bytes())
            .map_err(|source| PlanFileError::Io { path, source })
    }

    /// The plan in `out`.
    ///
    /// # Errors
    /// No plan there, or not one.
    pub fn read(out: &Path) -> Result<Self, PlanFileError> {
        let path = out.join(PLAN);
        let limit = bounded::Limit::new(64 << 20, "a plan");
        let text = bounded::read_to_string(&path, limit).map_err(|source| PlanFileError::Io {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| PlanFileError::Json { path, source })
    }

    /// Run `index` of the plan.
    ///
    /// # Errors
    /// [`PlanFileError::NoSuchRun`].
    pub fn cell(&self, index: usize) -> Result<&PlannedCell, PlanFileError> {
        self.runs.get(index).ok_or(PlanFileError::NoSuchRun {
            index,
            runs: self.runs.len(),
        })
    }
}

/// `configs/<folder>.toml`.
pub fn config_path(out: &Path, cell: &PlannedCell) -> PathBuf {
    out.join("configs").join(format!("{}.toml", cell.folder))
}

/// `runs/<folder>`.
pub fn run_dir(out: &Path, cell: &PlannedCell) -> PathBuf {
    out.join("runs").join(&cell.folder)
}

/// Where `cell` of the plan in `out` stands.
pub fn state(out: &Path, cell: &PlannedCell) -> CellState {
    if let Some(reason) = &cell.invalid {
        return CellState::Failed(format!("bad config: {reason}"));
    }
    let dir = run_dir(out, cell);
    if dir.join("summary.json").exists() {
        return CellState::Finished;
    }
    if let Some(reason) = failure(&dir) {
        return CellState::Failed(reason);
    }
    if crate::fit::latest_checkpoint(&dir).is_some() {
        CellState::Interrupted
    } else {
        CellState::Missing
    }
}

/// The reason in `status.json`, if the run failed.
fn failure(dir: &Path) -> Option<String> {
    let limit = bounded::Limit::new(1 << 20, "a run's status");
    let text = bounded::read_to_string(&dir.join(STATUS), limit).ok()?;
    let failure: Failure = serde_json::from_str(&text).ok()?;
    Some(failure.reason)
}

/// Records that the run in `dir` failed, and why.
///
/// # Errors
/// The file cannot be written.
pub fn record_failure(dir: &Path, reason: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let failure = Failure {
        reason: reason.to_string(),
    };
    let json = serde_json::to_string_pretty(&failure).expect("failures serialize") + "\n";
    write_atomically(&dir.join(STATUS), json.as_bytes())
}
