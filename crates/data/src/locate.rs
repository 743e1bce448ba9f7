//! Where a dataset's files are: an explicit folder (`--data-dir` or `HARNESS_DATA`), the
//! project's `datasets/`, or the download cache. See `datasets/README.md`.

use std::path::{Path, PathBuf};

use crate::error::{DataError, Result};
use crate::{california, mnist};

/// The datasets the harness knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dataset {
    Mnist,
    FashionMnist,
    CaliforniaHousing,
}

impl Dataset {
    /// The name of the dataset's subfolder.
    pub fn folder(self) -> &'static str {
        match self {
            Dataset::Mnist => "mnist",
            Dataset::FashionMnist => "fashion-mnist",
            Dataset::CaliforniaHousing => "california_housing",
        }
    }

    /// Whether `dir` holds any of this dataset's files itself: a folder with three of MNIST's
    /// four files is MNIST's, and loading it names the missing one.
    fn is_in(self, dir: &Path) -> bool {
        first_present(dir, &self.file_names()).is_some()
    }

    fn file_names(self) -> Vec<String> {
        match self {
            Dataset::Mnist | Dataset::FashionMnist => mnist::file_names(),
            Dataset::CaliforniaHousing => california::FILE_NAMES.map(String::from).to_vec(),
        }
    }

    /// What the folder of this dataset holds, as said in errors.
    pub(crate) fn files_wanted(self) -> &'static str {
        match self {
            Dataset::Mnist | Dataset::FashionMnist => {
                "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte or \
                 t10k-labels-idx1-ubyte (raw or .gz)"
            }
            Dataset::CaliforniaHousing => "cal_housing.data (raw or .gz)",
        }
    }
}

/// The first of `names` present in `dir`, whatever kind of file it is: reading it says when it
/// is not a regular file, rather than the file being reported missing.
pub fn first_present<S: AsRef<str>>(dir: &Path, names: &[S]) -> Option<PathBuf> {
    names
        .iter()
        .map(|n| dir.join(n.as_ref()))
        .find(|p| p.exists())
}

/// The download cache: `$HARNESS_CACHE`, else `$XDG_CACHE_HOME/harness`, else
/// `~/.cache/harness`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("HARNESS_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    base.join("harness")
}

/// Where downloads of `dataset` go: `<cache>/datasets/<name>`.
pub fn cache_dataset_dir(dataset: Dataset) -> PathBuf {
    cache_dir().join("datasets").join(dataset.folder())
}

/// The folder holding `dataset`: `explicit` (or its subfolder named after the dataset) when
/// given, else `datasets/<name>` under the working directory, else the download cache.
///
/// # Errors
/// [`DataError::NotFound`] listing the folders searched.
pub fn dataset_dir(dataset: Dataset, explicit: Option<&Path>) -> Result<PathBuf> {
    let candidates: Vec<PathBuf> = match explicit {
        Some(dir) => vec![dir.to_path_buf(), dir.join(dataset.folder())],
        None => vec![
            Path::new("datasets").join(dataset.folder()),
            cache_dataset_dir(dataset),
        ],
    };
    if let Some(found) = candidates.iter().find(|d| dataset.is_in(d)) {
        return Ok(found.clone());
    }
    Err(DataError::NotFound {
        dataset: dataset.folder().into(),
        file: dataset.files_wanted().into(),
        searched: candidates
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_folder_or_its_subfolder() {
        let root = tempfile::tempdir().unwrap();
        let sub = root.path().join("california_housing");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("cal_housing.data"), "").unwrap();
        assert_eq!(
            dataset_dir(Dataset::CaliforniaHousing, Some(root.path())).unwrap(),
            sub
        );
        assert_eq!(
            dataset_dir(Dataset::CaliforniaHousing, Some(&sub)).unwrap(),
            sub
        );
        let err = dataset_dir(Dataset::Mnist, Some(root.path()))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("mnist: no train-images-idx3-ubyte, train-labels-idx1-ubyte,")
                && err.contains(&root.path().display().to_string()),
            "{err}"
        );
        // Library errors speak the library's terms; the binary adds its flags.
        assert!(!err.contains("--"), "{err}");
    }
}
