//! A run's TensorBoard events ([`tfevents`]): the scalars of its step and epoch records, at
//! the optimizer step, and its hyper-parameters as text. One folder per run, so that
//! `tensorboard --logdir` over a grid's folders overlays its runs.
//!
//! Tags: `train/loss`, `lr`, `momentum` (when the optimizer has one), `samples_per_sec` at every
//! step; at each epoch's last step `train/epoch_loss` and, when validated, `val/loss` and
//! `val/accuracy` (classification) or `val/rmse`, `val/mae`, `val/r2` (regression). The text
//! `hparams` holds the run's config.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tfevents::{EventWriter, FILE_PREFIX};

use crate::records::{EpochRecord, StepRecord};

/// Where a run writes its events and the text it starts with.
#[derive(Clone, Debug, PartialEq)]
pub struct EventsSpec {
    /// The run's own folder of event files.
    pub dir: PathBuf,
    /// The hyper-parameters (a run config's TOML, say), shown in TensorBoard's Text tab.
    pub hparams: Option<String>,
}

/// Where runs write their events, as `harness` offers it: in each run's folder (the default),
/// in a folder of its own under a common one, or not at all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventsAt {
    #[default]
    RunFolder,
    /// `<dir>/<run folder's name>`: `tensorboard --logdir <dir>` overlays the runs.
    Under(PathBuf),
    Off,
}

impl EventsAt {
    /// The events folder of the run in `run_dir`, or `None` for no events.
    pub fn dir(&self, run_dir: &Path) -> Option<PathBuf> {
        match self {
            EventsAt::RunFolder => Some(run_dir.to_path_buf()),
            EventsAt::Under(dir) => Some(match run_dir.file_name() {
                Some(name) => dir.join(name),
                None => dir.clone(),
            }),
            EventsAt::Off => None,
        }
    }

    /// Whether this is the default (plans leave it out then).
    pub fn is_default(&self) -> bool {
        *self == EventsAt::RunFolder
    }
}

/// The text tag of the hyper-parameters.
pub const HPARAMS_TAG: &str = "hparams";

/// The event files in `dir` (none when it does not exist).
pub fn event_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(FILE_PREFIX))
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

/// `text` as a Markdown code block (TensorBoard renders its text as Markdown).
pub(crate) fn code_block(text: &str) -> String {
    text.lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The scalars of a step record.
pub fn step_scalars(r: &StepRecord) -> Vec<(&'static str, f64)> {
    let mut values = vec![("train/loss", r.train_loss), ("lr", r.lr)];
    if let Some(m) = r.momentum {
        values.push(("momentum", m));
    }
    values.push(("samples_per_sec", r.samples_per_sec));
    values
}

/// The scalars of an epoch record.
pub fn epoch_scalars(r: &EpochRecord) -> Vec<(&'static str, f64)> {
    let mut values = vec![("train/epoch_loss", r.train_loss)];
    if let Some(v) = &r.validation {
        values.push(("val/loss", v.loss));
        let metrics = [
            ("val/accuracy", v.accuracy),
            ("val/rmse", v.rmse),
            ("val/mae", v.mae),
            ("val/r2", v.r2),
        ];
        values.extend(metrics.into_iter().filter_map(|(tag, v)| Some((tag, v?))));
    }
    values
}

/// The event file of a run, written as its records are.
#[derive(Debug)]
pub struct RunEvents {
    writer: EventWriter,
}

impl RunEvents {
    /// A new event file in `spec.dir`, starting with the hyper-parameters.
    ///
    /// # Errors
    /// The folder cannot be made or written.
    pub fn create(spec: &EventsSpec) -> std::io::Result<Self> {
        let mut writer = EventWriter::create(&spec.dir)?;
        if let Some(text) = &spec.hparams {
            writer.text(HPARAMS_TAG, 0, &code_block(text))?;
        }
        Ok(Self { writer })
    }

    /// The file written.
    pub fn path(&self) -> &Path {
        self.writer.path()
    }

    /// A step's scalars, and its epoch's when the step ends one.
    ///
    /// # Errors
    /// A write fails.
    pub fn step(&mut self, r: &StepRecord, epoch_end: Option<&EpochRecord>) -> std::io::Result<()> {
        self.writer.scalars(r.step, &step_scalars(r))?;
        if let Some(e) = epoch_end {
            self.writer.scalars(r.step, &epoch_scalars(e))?;
        }
        Ok(())
    }

    /// # Errors
    /// A write fails.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// Writes a new event file in `dir` with `write`, then removes the older event files there
/// (what the same output folder held from an earlier run); the new file's path.
///
/// # Errors
/// The folder cannot be made or written, or an older file removed.
pub fn replace_events(
    dir: &Path,
    write: impl FnOnce(&mut EventWriter) -> std::io::Result<()>,
) -> std::io::Result<PathBuf> {
    let older = event_files(dir);
    let mut writer = EventWriter::create(dir)?;
    write(&mut writer)?;
    writer.flush()?;
    for file in older {
        std::fs::remove_file(file)?;
    }
    Ok(writer.path().to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Evaluation;

    #[test]
    fn each_run_has_its_own_events_folder() {
        let run = Path::new("out/runs/lr-0.1");
        assert_eq!(EventsAt::RunFolder.dir(run), Some(run.to_path_buf()));
        let under = EventsAt::Under("tb".into());
        assert_eq!(under.dir(run), Some(PathBuf::from("tb/lr-0.1")));
        assert_eq!(EventsAt::Off.dir(run), None);
    }

    #[test]
    fn a_step_and_its_epoch_read_back_at_the_step() {
        let dir = tempfile::tempdir().unwrap();
        let spec = EventsSpec {
            dir: dir.path().join("run"),
            hparams: Some("[schedule]\nlr = 0.1".into()),
        };
        let mut events = RunEvents::create(&spec).unwrap();
        let step = StepRecord {
            step: 7,
            epoch: 1,
            lr: 0.05,
            momentum: None,
            train_loss: 0.5,
            samples_per_sec: 1e4,
        };
        let epoch = EpochRecord {
            epoch: 1,
            train_loss: 0.6,
            validation: Some(Evaluation {
                loss: 0.4,
                rmse: Some(0.63),
                ..Evaluation::default()
            }),
            elapsed_seconds: 2.0,
        };
        events.step(&step, Some(&epoch)).unwrap();
        events.flush().unwrap();
        assert_eq!(event_files(&spec.dir), vec![events.path().to_path_buf()]);
        let file = tfevents::read(events.path()).unwrap();
        assert_eq!(file.scalars("lr"), vec![(7, 0.05f64 as f32)]);
        assert_eq!(file.scalars("val/rmse"), vec![(7, 0.63f64 as f32)]);
        assert_eq!(file.scalars("train/epoch_loss"), vec![(7, 0.6f64 as f32)]);
        assert!(file.scalars("momentum").is_empty(), "plain SGD has none");
        assert!(file.scalars("val/accuracy").is_empty(), "a regression");
        let text = &file.texts(HPARAMS_TAG)[0].1;
        assert_eq!(text, "    [schedule]\n    lr = 0.1");
    }
}
