//! [`DataError`]: what can be wrong with a data file, naming the file, the position and what
//! was expected.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DataError {
    #[error("cannot read {}: {cause}", path.display())]
    Io {
        path: PathBuf,
        /// Shown in the message rather than chained as a source, so it is printed once.
        cause: std::io::Error,
    },
    /// The bytes do not have the layout the format requires.
    #[error("{}: at byte {offset}: expected {expected}, found {found}", path.display())]
    Format {
        path: PathBuf,
        offset: u64,
        expected: String,
        found: String,
    },
    /// A text row that does not parse.
    #[error("{}:{line}: {message}", path.display())]
    Row {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A known file whose content is not the published one.
    #[error(
        "{}: SHA-256 is {actual}, expected {expected} ({source_of_truth}); the file is damaged \
         or not the published one",
        path.display()
    )]
    Checksum {
        path: PathBuf,
        expected: String,
        actual: String,
        source_of_truth: String,
    },
    /// Two files of a dataset that do not belong together.
    #[error("{}: {message}", path.display())]
    Mismatch { path: PathBuf, message: String },
    /// A dataset's file that is nowhere to be found. `dataset` is the dataset's folder name
    /// ([`crate::locate::Dataset::folder`]): a program can say from it how to get the files.
    #[error("{dataset}: no {file} in {searched}")]
    NotFound {
        dataset: String,
        file: String,
        searched: String,
    },
    /// Parameters that cannot make a dataset.
    #[error("{0}")]
    Invalid(String),
}

impl DataError {
    pub(crate) fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            cause,
        }
    }
}

pub type Result<T> = std::result::Result<T, DataError>;
