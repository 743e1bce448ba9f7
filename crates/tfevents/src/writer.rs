//! [`EventWriter`]: one event file, appended to as a run goes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::proto;
use crate::record::frame;

/// What every event file's name starts with (TensorBoard looks for it).
pub const FILE_PREFIX: &str = "events.out.tfevents.";

/// The version the first event of a file names.
pub const FILE_VERSION: &str = "brain.Event:2";

/// Files made by this process so far: part of each name, so two writers never share a file.
static MADE: AtomicU64 = AtomicU64::new(0);

/// Writes one event file: scalars and text, each event at an optimizer step.
#[derive(Debug)]
pub struct EventWriter {
    file: BufWriter<File>,
    path: PathBuf,
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The machine's name as it may stand in a file name (letters, digits, `-`, `_`).
fn hostname() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_default();
    let name: String = name
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(64)
        .collect();
    if name.is_empty() {
        "localhost".into()
    } else {
        name
    }
}

impl EventWriter {
    /// A new event file in `dir` (made if missing), named
    /// `events.out.tfevents.<unix seconds>.<host>.<process id>.<n>`, starting with the file
    /// version event.
    ///
    /// # Errors
    /// The folder cannot be made or the file written.
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let wall = now();
        let made = MADE.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "{FILE_PREFIX}{}.{}.{}.{made}",
            wall as u64,
            hostname(),
            std::process::id()
        );
        let path = dir.join(name);
        let file = File::options().write(true).create_new(true).open(&path)?;
        let mut writer = Self {
            file: BufWriter::new(file),
            path,
        };
        writer.record(&proto::file_version_event(wall, FILE_VERSION))?;
        Ok(writer)
    }

    /// The file written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn record(&mut self, payload: &[u8]) -> std::io::Result<()> {
        self.file.write_all(&frame(payload))
    }

    /// One event at `step` with the scalars `values` (tag, value), stored as float32 as
    /// TensorBoard's `simple_value` is; a step past `i64::MAX` is written as `i64::MAX`.
    ///
    /// # Errors
    /// A write fails.
    pub fn scalars(&mut self, step: u64, values: &[(&str, f64)]) -> std::io::Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        let values = values
            .iter()
            .map(|&(tag, value)| proto::scalar_value(tag, value as f32))
            .collect();
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        self.record(&proto::summary_event(now(), step, values))
    }

    /// One scalar at `step`.
    ///
    /// # Errors
    /// A write fails.
    pub fn scalar(&mut self, tag: &str, step: u64, value: f64) -> std::io::Result<()> {
        self.scalars(step, &[(tag, value)])
    }

    /// Text at `step`, shown by TensorBoard's Text tab as Markdown.
    ///
    /// # Errors
    /// A write fails.
    pub fn text(&mut self, tag: &str, step: u64, markdown: &str) -> std::io::Result<()> {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let value = proto::text_value(tag, markdown);
        self.record(&proto::summary_event(now(), step, vec![value]))
    }

    /// Writes what is buffered to the file (TensorBoard sees events once flushed).
    ///
    /// # Errors
    /// A write fails.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        let _ = self.file.flush();
    }
}
