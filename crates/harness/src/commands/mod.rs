//! One module per subcommand.

pub mod bench;
pub mod compare;
pub mod data;
pub mod landscape;
pub mod lr_find;
pub mod lr_find_benchmark;
pub mod schedule;
pub mod train;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path` atomically (temporary file, then rename), naming `path` in the
/// error: every output file the commands write goes through here.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    ::data::files::write_atomically(path, bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// Creates the output folder `dir` (and its parents), naming it in the error.
pub(crate) fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))
}

/// `value` as indented JSON with a final newline: what the commands print and write.
pub(crate) fn pretty_json(value: &impl serde::Serialize) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

/// Writes `text` to stdout. A closed pipe stays an `io::Error` in the chain, which `main`
/// treats as success.
pub(crate) fn print(text: &str) -> Result<()> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing to stdout")
}
