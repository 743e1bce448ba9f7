//! What a run records: one row per optimizer step, one per epoch, written as `metrics.csv` and
//! `metrics.jsonl` as the run goes, and `summary.json` at the end.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: u64,
    /// Mean training loss over the epoch's steps.
    pub train_loss: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<Evaluation>,
    pub elapsed_seconds: f64,
}

const CSV_HEADER: &str = "step,epoch,lr,momentum,train_loss,samples_per_sec,val_loss,val_accuracy,val_rmse,val_mae,val_r2,elapsed_seconds";

/// Appends records to `metrics.csv` and `metrics.jsonl` in the run folder.
pub struct MetricsWriter {
    csv: BufWriter<File>,
    jsonl: BufWriter<File>,
}

fn cell(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

impl MetricsWriter {
    /// Creates both files (with the CSV header).
    ///
    /// # Errors
    /// The folder cannot be written.
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        let mut csv = BufWriter::new(File::create(dir.join("metrics.csv"))?);
        writeln!(csv, "{CSV_HEADER}")?;
        let jsonl = BufWriter::new(File::create(dir.join("metrics.jsonl"))?);
        Ok(Self { csv, jsonl })
    }

    /// One step; the epoch columns are filled on the epoch's last step by [`Self::epoch`].
    ///
    /// # Errors
    /// A write fails.
    pub fn step(&mut self, r: &StepRecord, epoch_end: Option<&EpochRecord>) -> std::io::Result<()> {
        let v = epoch_end.and_then(|e| e.validation.as_ref());
        writeln!(
            self.csv,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            r.step,
            r.epoch,
            r.lr,
            cell(r.momentum),
            r.train_loss,
            r.samples_per_sec,
            cell(v.map(|v| v.loss)),
            cell(v.and_then(|v| v.accuracy)),
            cell(v.and_then(|v| v.rmse)),
            cell(v.and_then(|v| v.mae)),
            cell(v.and_then(|v| v.r2)),
            cell(epoch_end.map(|e| e.elapsed_seconds)),
        )?;
        let mut line = serde_json::to_value(r).expect("records serialize");
        line["type"] = "step".into();
        writeln!(self.jsonl, "{line}")
    }

    /// Flushes both files.
    ///
    /// # Errors
    /// A write fails.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.csv.flush()?;
        self.jsonl.flush()
    }

    /// One epoch, in `metrics.jsonl`; both files are flushed.
    ///
    /// # Errors
    /// A write fails.
    pub fn epoch(&mut self, r: &EpochRecord) -> std::io::Result<()> {
        let mut line = serde_json::to_value(r).expect("records serialize");
        line["type"] = "epoch".into();
        writeln!(self.jsonl, "{line}")?;
        self.csv.flush()?;
        self.jsonl.flush()
    }
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
) -> Result<(Vec<StepRecord>, Vec<EpochRecord>), String> {
    let path = dir.join("metrics.jsonl");
    let text = bounded::read_to_string(&path, METRICS_LIMIT)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let (mut steps, mut epochs) = (Vec::new(), Vec::new());
    for (i, line) in complete_lines(&text).enumerate() {
        let bad = |e: serde_json::Error| format!("{}:{}: {e}", path.display(), i + 1);
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
    /// Recreates both files holding `steps` and `epochs` (a resumed run's history).
    ///
    /// # Errors
    /// The folder cannot be written.
    pub fn rewrite(
        dir: &Path,
        steps: &[StepRecord],
        epochs: &[EpochRecord],
    ) -> std::io::Result<Self> {
        let mut writer = Self::create(dir)?;
        for (i, step) in steps.iter().enumerate() {
            let epoch_ends = steps.get(i + 1).is_none_or(|next| next.epoch != step.epoch);
            let end = epochs.iter().find(|e| epoch_ends && e.epoch == step.epoch);
            writer.step(step, end)?;
            if let Some(end) = end {
                writer.epoch(end)?;
            }
        }
        Ok(writer)
    }
}
