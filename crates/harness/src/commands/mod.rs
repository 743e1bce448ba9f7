//! One module per subcommand.

pub mod bench;
pub mod compare;
pub mod data;
pub mod landscape;
pub mod lr_find;
pub mod schedule;
pub mod train;

use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path` atomically (temporary file, then rename), naming `path` in the
/// error: every output file the commands write goes through here.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    ::data::files::write_atomically(path, bytes)
        .with_context(|| format!("writing {}", path.display()))
}
