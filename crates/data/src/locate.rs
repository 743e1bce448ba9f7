//! Where a dataset's files are: an explicit folder (`--data-dir` or `HARNESS_DATA`), the
//! project's `datasets/`, or the download cache. See `datasets/README.md`.

use std::path::{Path, PathBuf};

use crate::california;
use crate::error::{DataError, Result};

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

    /// Whether `dir` holds this dataset's files itself.
    fn is_in(self, dir: &Path) -> bool {
        let names: &[&str] = match self {
            Dataset::Mnist | Dataset::FashionMnist => &[
                "train-images-idx3-ubyte.gz",
                "train-images-idx3-ubyte",
                "train-images.idx3-ubyte.gz",
                "train-images.idx3-ubyte",
            ],
            Dataset::CaliforniaHousing => &california::FILE_NAMES,
        };
        names.iter().any(|n| dir.join(n).is_file())
    }
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
    let hint = match dataset {
        Dataset::CaliforniaHousing => {
            "run `harness data fetch california-housing`, or point --data-dir (or HARNESS_DATA) at a folder with cal_housing.data[.gz]"
        }
        _ => {
            "point --data-dir (or HARNESS_DATA) at the folder with the four IDX files, or at a parent with a subfolder named after the dataset"
        }
    };
    Err(DataError::NotFound {
        dataset: dataset.folder().into(),
        file: "data files".into(),
        searched: candidates
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        hint: hint.into(),
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
            err.starts_with("mnist: no data files in ") && err.contains("--data-dir"),
            "{err}"
        );
    }
}
