//! What a run records: one row per optimizer step, one per epoch, written as `metrics.csv` and
//! `metrics.jsonl` (and TensorBoard events, [`crate::events`]) as the run goes, and
//! `summary.json` at the end.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::events::{EventsSpec, RunEvents, event_files};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub step: u64,
    pub epoch: u64,
    pub lr: f64,
    pub momentum: Option<f64>,
    pub train_loss: f64,
    pub samples_per_sec: f64,
}

/// Validation figures, classification or regression.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub loss: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rmse: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mae: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r2: Option<f64>,
}

impl Evaluation {
    /// A validation loss without further metrics.
    pub fn of_loss(loss: f64) -> Self {
        Self {
            loss,
            ..Self::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: u64,
    /// Mean training loss over the epoch's steps.
    pub train_loss: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<Evaluation>,
    pub elapsed_seconds: f64,
}

/// One row of `metrics.csv`: a step, with its epoch's figures on the epoch's last step. The
/// column names are the field names; the file is written and read through this type.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CsvRow {
    pub step: u64,
    pub epoch: u64,
    pub lr: f64,
    pub momentum: Option<f64>,
    pub train_loss: f64,
    pub samples_per_sec: f64,
    pub val_loss: Option<f64>,
    pub val_accuracy: Option<f64>,
    pub val_rmse: Option<f64>,
    pub val_mae: Option<f64>,
    pub val_r2: Option<f64>,
    pub elapsed_seconds: Option<f64>,
}

impl CsvRow {
    fn new(r: &StepRecord, epoch_end: Option<&EpochRecord>) -> Self {
        let v = epoch_end.and_then(|e| e.validation.as_ref());
        Self {
            step: r.step,
            epoch: r.epoch,
            lr: r.lr,
            momentum: r.momentum,
            train_loss: r.train_loss,
            samples_per_sec: r.samples_per_sec,
            val_loss: v.map(|v| v.loss),
            val_accuracy: v.and_then(|v| v.accuracy),
            val_rmse: v.and_then(|v| v.rmse),
            val_mae: v.and_then(|v| v.mae),
            val_r2: v.and_then(|v| v.r2),
            elapsed_seconds: epoch_end.map(|e| e.elapsed_seconds),
        }
    }
}

/// Appends records to `metrics.csv` and `metrics.jsonl` in the run folder, and to the run's
/// TensorBoard event file when it has one.
pub struct MetricsWriter {
    csv: csv::Writer<BufWriter<File>>,
    jsonl: BufWriter<File>,
    events: Option<RunEvents>,
}

fn csv_error(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

impl MetricsWriter {
    /// Creates both files (the CSV header goes in with the first row), and a new event file
    /// where `events` says.
    ///
    /// # Errors
    /// A folder cannot be written.
    pub fn create(dir: &Path, events: Option<&EventsSpec>) -> std::io::Result<Self> {
        let csv = csv::Writer::from_writer(BufWriter::new(File::create(dir.join("metrics.csv"))?));
        let jsonl = BufWriter::new(File::create(dir.join("metrics.jsonl"))?);
        let events = events.map(RunEvents::create).transpose()?;
        Ok(Self { csv, jsonl, events })
    }

    /// One step; the epoch columns are filled on the epoch's last step by [`Self::epoch`].
    ///
    /// # Errors
    /// A write fails.
    pub fn step(&mut self, r: &StepRecord, epoch_end: Option<&EpochRecord>) -> std::io::Result<()> {
        self.csv
            .serialize(CsvRow::new(r, epoch_end))
            .map_err(csv_error)?;
        if let Some(events) = &mut self.events {
            events.step(r, epoch_end)?;
        }
        let mut line = serde_json::to_value(r).expect("records serialize");
        line["type"] = "step".into();
        writeln!(self.jsonl, "{line}")
    }

    /// Flushes every file.
    ///
    /// # Errors
    /// A write fails.
    pub fn flush(&mut self) -> std::io::Result<()> {
        if let Some(events) = &mut self.events {
            events.flush()?;
        }
        self.csv.flush()?;
        self.jsonl.flush()
    }

    /// One epoch, in `metrics.jsonl`; every file is flushed.
    ///
    /// # Errors
    /// A write fails.
    pub fn epoch(&mut self, r: &EpochRecord) -> std::io::Result<()> {
        let mut line = serde_json::to_value(r).expect("records serialize");
        line["type"] = "epoch".into();
        writeln!(self.jsonl, "{line}")?;
        self.flush()
    }
}

/// A run folder's file that cannot be read back.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordsError {
    /// Missing, too large, not a regular file or not UTF-8.
    #[error("{}: {source}", path.display())]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// A whole line of `metrics.jsonl` that is not a record.
    #[error("{}:{line}: {source}", path.display())]
    Line {
        path: std::path::PathBuf,
        line: usize,
        source: serde_json::Error,
    },
    /// A `summary.json` that is not a [`Summary`].
    #[error("{}: {source}", path.display())]
    Summary {
        path: std::path::PathBuf,
        source: serde_json::Error,
    },
    /// A row of `metrics.csv` that is not a [`CsvRow`].
    #[error("{}: {source}", path.display())]
    Csv {
        path: std::path::PathBuf,
        source: csv::Error,
    },
}

fn read_text(path: &Path, limit: bounded::Limit) -> Result<String, RecordsError> {
    bounded::read_to_string(path, limit).map_err(|source| RecordsError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The most a `metrics.jsonl` may hold: about 200 bytes a step, so 5 million steps.
const METRICS_LIMIT: bounded::Limit = bounded::Limit::new(1 << 30, "a metrics.jsonl");

/// The lines of `text` that were written whole: every record ends with a newline, so a last
/// line without one is what a killed run left half-written.
fn complete_lines(text: &str) -> impl Iterator<Item = &str> {
    let whole = text.rfind('\n').map_or("", |end| &text[..end]);
    whole.lines()
}

/// The records of `metrics.jsonl` in `dir`: steps below `before_step` and epochs below
/// `before_epoch`, what a resumed run keeps of the run it continues. A half-written last line
/// (a run killed while writing it) is dropped, as are the records past the checkpoint.
///
/// # Errors
/// The file cannot be read or holds a whole line that is not a record.
pub fn read_history(
    dir: &Path,
    before_step: u64,
    before_epoch: u64,
) -> Result<(Vec<StepRecord>, Vec<EpochRecord>), RecordsError> {
    let path = dir.join("metrics.jsonl");
    let text = read_text(&path, METRICS_LIMIT)?;
    let (mut steps, mut epochs) = (Vec::new(), Vec::new());
    for (i, line) in complete_lines(&text).enumerate() {
        let bad = |source| RecordsError::Line {
            path: path.clone(),
            line: i + 1,
            source,
        };
        let value: serde_json::Value = serde_json::from_str(line).map_err(bad)?;
        if value["type"] == "step" {
            let r: StepRecord = serde_json::from_value(value).map_err(bad)?;
            if r.step < before_step {
                steps.push(r);
            }
        } else {
            let r: EpochRecord = serde_json::from_value(value).map_err(bad)?;
            if r.epoch < before_epoch {
                epochs.push(r);
            }
        }
    }
    Ok((steps, epochs))
}

impl MetricsWriter {
    /// Recreates both files holding `steps` and `epochs` (a resumed run's history), and the
    /// run's events: a new event file holding the same history replaces those in `events.dir`,
    /// so that no event of the steps past the checkpoint stays behind.
    ///
    /// # Errors
    /// A folder cannot be written.
    pub fn rewrite(
        dir: &Path,
        events: Option<&EventsSpec>,
        steps: &[StepRecord],
        epochs: &[EpochRecord],
    ) -> std::io::Result<Self> {
        let older = events.map(|e| event_files(&e.dir)).unwrap_or_default();
        let mut writer = Self::create(dir, events)?;
        for (i, step) in steps.iter().enumerate() {
            let epoch_ends = steps.get(i + 1).is_none_or(|next| next.epoch != step.epoch);
            let end = epochs.iter().find(|e| epoch_ends && e.epoch == step.epoch);
            writer.step(step, end)?;
            if let Some(end) = end {
                writer.epoch(end)?;
            }
        }
        writer.flush()?;
        for file in older {
            std::fs::remove_file(file)?;
        }
        Ok(writer)
    }
}

/// `summary.json`: what a finished run reports. The fields are in the file's key order
/// (alphabetical); a figure that does not apply to the task is left out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub backend: String,
    /// The epoch of the lowest validation loss (0 without validation).
    pub best_epoch: u64,
    pub burn_version: String,
    pub device: String,
    pub epochs_completed: usize,
    pub final_train_loss: Option<f64>,
    pub harness_version: String,
    /// For a linear regressor: the least-squares fit's test RMSE on the same split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_test_rmse: Option<f64>,
    pub seed: u64,
    pub steps: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_accuracy: Option<f64>,
    pub test_loss: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_mae: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_r2: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_rmse: Option<f64>,
    pub wall_seconds: f64,
}

/// The burn this harness is built on, for the record.
pub const BURN_VERSION: &str = "0.22.1";

/// The most a `summary.json` may hold.
const SUMMARY_LIMIT: bounded::Limit = bounded::Limit::new(1 << 20, "a summary.json");

impl Summary {
    /// The name and value of the test metric: `test_accuracy` for classification, `test_rmse`
    /// for regression.
    pub fn test_metric(&self) -> Option<(&'static str, f64)> {
        match (self.test_accuracy, self.test_rmse) {
            (Some(accuracy), _) => Some(("test_accuracy", accuracy)),
            (None, Some(rmse)) => Some(("test_rmse", rmse)),
            (None, None) => None,
        }
    }

    /// `summary.json` as written: pretty JSON and a newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("summaries serialize") + "\n"
    }

    /// Reads the `summary.json` of the run folder `dir`.
    ///
    /// # Errors
    /// The file is missing, too large or not a summary.
    pub fn read(dir: &Path) -> Result<Self, RecordsError> {
        let path = dir.join("summary.json");
        let text = read_text(&path, SUMMARY_LIMIT)?;
        serde_json::from_str(&text).map_err(|source| RecordsError::Summary { path, source })
    }
}

/// What a run folder holds, read back by the code that wrote it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunRecords {
    pub steps: Vec<StepRecord>,
    pub epochs: Vec<EpochRecord>,
    /// `None` when the run did not finish (or its summary cannot be read).
    pub summary: Option<Summary>,
}

/// Reads the run folder `dir`: every step and epoch of `metrics.jsonl` and `summary.json`.
/// What is missing or unreadable is left empty: a failed run's folder reads as far as it got.
pub fn read_run(dir: &Path) -> RunRecords {
    let (steps, epochs) = read_history(dir, u64::MAX, u64::MAX).unwrap_or_default();
    RunRecords {
        steps,
        epochs,
        summary: Summary::read(dir).ok(),
    }
}

/// Reads the rows of `metrics.csv` in `dir`, by column name.
///
/// # Errors
/// The file cannot be read or a row is not a [`CsvRow`].
pub fn read_csv(dir: &Path) -> Result<Vec<CsvRow>, RecordsError> {
    let path = dir.join("metrics.csv");
    let text = read_text(&path, METRICS_LIMIT)?;
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|source| RecordsError::Csv { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(step: u64, epoch: u64) -> StepRecord {
        StepRecord {
            step,
            epoch,
            lr: 0.1 / (step + 1) as f64,
            momentum: step.is_multiple_of(2).then_some(0.9),
            train_loss: 2.5 - step as f64 * 0.1,
            samples_per_sec: 1000.0,
        }
    }

    #[test]
    fn what_the_writer_writes_the_readers_read() {
        let dir = tempfile::tempdir().unwrap();
        let steps: Vec<StepRecord> = (0..4).map(|s| step(s, s / 2)).collect();
        let epochs = vec![
            EpochRecord {
                epoch: 0,
                train_loss: 2.45,
                validation: Some(Evaluation {
                    loss: 2.4,
                    accuracy: Some(0.5),
                    ..Evaluation::default()
                }),
                elapsed_seconds: 1.5,
            },
            EpochRecord {
                epoch: 1,
                train_loss: 2.25,
                validation: None,
                elapsed_seconds: 3.0,
            },
        ];
        let mut writer = MetricsWriter::rewrite(dir.path(), None, &steps, &epochs).unwrap();
        writer.flush().unwrap();
        let records = read_run(dir.path());
        assert_eq!((records.steps, records.epochs), (steps.clone(), epochs));
        let rows = read_csv(dir.path()).unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows.iter().map(|r| r.lr).collect::<Vec<_>>(),
            steps.iter().map(|s| s.lr).collect::<Vec<_>>()
        );
        // The epoch's figures sit on its last step (1) only.
        assert_eq!((rows[0].val_loss, rows[1].val_loss), (None, Some(2.4)));
        assert_eq!(
            (rows[1].val_accuracy, rows[1].elapsed_seconds),
            (Some(0.5), Some(1.5))
        );
        assert_eq!(
            (rows[3].val_loss, rows[3].elapsed_seconds),
            (None, Some(3.0))
        );
        assert_eq!(rows[1].momentum, None);
    }

    #[test]
    fn a_summary_reads_back_and_names_its_metric() {
        let dir = tempfile::tempdir().unwrap();
        let summary = Summary {
            backend: "flex".into(),
            best_epoch: 0,
            burn_version: BURN_VERSION.into(),
            device: "cpu".into(),
            epochs_completed: 2,
            final_train_loss: Some(0.3),
            harness_version: "0.1.0".into(),
            reference_test_rmse: Some(0.7),
            seed: 0,
            steps: 20,
            test_accuracy: None,
            test_loss: 0.5,
            test_mae: Some(0.5),
            test_r2: Some(0.6),
            test_rmse: Some(0.71),
            wall_seconds: 1.0,
        };
        std::fs::write(dir.path().join("summary.json"), summary.to_json()).unwrap();
        assert_eq!(Summary::read(dir.path()).unwrap(), summary);
        assert_eq!(summary.test_metric(), Some(("test_rmse", 0.71)));
        assert!(
            !summary.to_json().contains("test_accuracy"),
            "no accuracy for a regression"
        );
        assert_eq!(read_run(dir.path()).summary, Some(summary));
        // A summary that is not one names its file.
        std::fs::write(dir.path().join("summary.json"), "{\"steps\": 3}").unwrap();
        let err = Summary::read(dir.path()).unwrap_err();
        assert!(matches!(err, RecordsError::Summary { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with(&dir.path().join("summary.json").display().to_string()),
            "{err}"
        );
    }
}
