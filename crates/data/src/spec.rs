//! [`DataSpec`], the `[data]` table of a run config, and [`prepare`], which turns it into
//! train and test parts ready for a device: MNIST's own train/test files scaled to [0, 1]
//! (optionally normalized); tabular data split by seed and standardized with train statistics.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{DataError, Result};
use crate::files::Checks;
use crate::locate::{self, Dataset};
use crate::mnist::{self, Part, Variant};
use crate::split::split_standardized;
use crate::synthetic::Synthetic;
use crate::table::Table;
use crate::{california, download};

/// Which dataset a run trains on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatasetName {
    Mnist,
    FashionMnist,
    CaliforniaHousing,
    Synthetic,
}

impl DatasetName {
    pub const ALL: [DatasetName; 4] = [
        DatasetName::Mnist,
        DatasetName::FashionMnist,
        DatasetName::CaliforniaHousing,
        DatasetName::Synthetic,
    ];

    /// The name `dataset = "..."` gives it.
    pub fn name(self) -> &'static str {
        match self {
            DatasetName::Mnist => "mnist",
            DatasetName::FashionMnist => "fashion_mnist",
            DatasetName::CaliforniaHousing => "california_housing",
            DatasetName::Synthetic => "synthetic",
        }
    }
}

/// The `[data]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    pub dataset: DatasetName,
    /// Folder holding the dataset, or a parent of one subfolder per dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    #[serde(default = "default_batch_size")]
    pub batch_size: usize,
    /// Share of rows held out for testing (tabular data; MNIST has its own test files).
    #[serde(default = "default_test_fraction")]
    pub test_fraction: f64,
    /// MNIST: normalize pixels with mean 0.1307 and std 0.3081 after scaling to [0, 1].
    #[serde(default)]
    pub normalize: bool,
    /// Seed of the split and of the synthetic data.
    #[serde(default)]
    pub seed: u64,
    /// `dataset = "synthetic"`: its shape, the study's 500 × 1, noise 20 by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthetic: Option<SyntheticSpec>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticSpec {
    #[serde(default = "default_samples")]
    pub n_samples: usize,
    #[serde(default = "default_one")]
    pub n_features: usize,
    #[serde(default = "default_one")]
    pub n_informative: usize,
    #[serde(default = "default_noise")]
    pub noise: f64,
}

fn default_batch_size() -> usize {
    128
}
fn default_test_fraction() -> f64 {
    0.2
}
fn default_samples() -> usize {
    500
}
fn default_one() -> usize {
    1
}
fn default_noise() -> f64 {
    20.0
}

/// The defaults of `[data.synthetic]` (serde fills the file with the same functions).
impl Default for SyntheticSpec {
    fn default() -> Self {
        Self {
            n_samples: default_samples(),
            n_features: default_one(),
            n_informative: default_one(),
            noise: default_noise(),
        }
    }
}

/// The most values (rows × features) a synthetic table may have: 100 million, 800 MB as f64.
pub const MAX_SYNTHETIC_VALUES: usize = 100_000_000;

/// A `[data]` key that breaks its rule: `synthetic.n_features = 0: must be at least 1`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{key} = {value}: {rule}")]
pub struct DataRule {
    /// The key's path in `[data]`.
    pub key: &'static str,
    pub value: String,
    pub rule: String,
}

impl DataSpec {
    /// `dataset` with every other key at its default (the same as a `[data]` table naming only
    /// the dataset): batch 128, a fifth held out, raw inputs, seed 0.
    pub fn new(dataset: DatasetName) -> Self {
        Self {
            dataset,
            dir: None,
            batch_size: default_batch_size(),
            test_fraction: default_test_fraction(),
            normalize: false,
            seed: 0,
            synthetic: None,
        }
    }

    #[must_use]
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Normalizes MNIST's pixels (mean 0.1307, std 0.3081) when `normalize`.
    #[must_use]
    pub fn with_normalize(mut self, normalize: bool) -> Self {
        self.normalize = normalize;
        self
    }

    /// Checks the keys that need no file: batch size, test fraction, the synthetic shape.
    ///
    /// # Errors
    /// The first key that breaks its rule.
    pub fn validate(&self) -> std::result::Result<(), DataRule> {
        let rule = |key, value: &dyn std::fmt::Display, rule: &str| DataRule {
            key,
            value: value.to_string(),
            rule: rule.to_string(),
        };
        if self.batch_size == 0 {
            return Err(rule("batch_size", &0, "must be at least 1"));
        }
        let f = self.test_fraction;
        if !(f > 0.0 && f < 1.0) {
            return Err(rule("test_fraction", &f, "must be in (0, 1)"));
        }
        let Some(s) = &self.synthetic else {
            return Ok(());
        };
        if s.n_samples < 2 {
            return Err(rule(
                "synthetic.n_samples",
                &s.n_samples,
                "must be at least 2 (a training and a test row)",
            ));
        }
        if s.n_features == 0 {
            return Err(rule("synthetic.n_features", &0, "must be at least 1"));
        }
        if s.n_samples
            .checked_mul(s.n_features)
            .is_none_or(|n| n > MAX_SYNTHETIC_VALUES)
        {
            return Err(rule(
                "synthetic.n_features",
                &s.n_features,
                &format!(
                    "{} rows × {} features is more than {MAX_SYNTHETIC_VALUES} values",
                    s.n_samples, s.n_features
                ),
            ));
        }
        if s.n_informative > s.n_features {
            return Err(rule(
                "synthetic.n_informative",
                &s.n_informative,
                &format!("must be at most n_features = {}", s.n_features),
            ));
        }
        if !(s.noise.is_finite() && s.noise >= 0.0) {
            return Err(rule(
                "synthetic.noise",
                &s.noise,
                "must be a finite number of at least 0",
            ));
        }
        Ok(())
    }
}

/// One part of a prepared dataset, still on the host.
#[derive(Clone, Debug, PartialEq)]
pub enum HostPart {
    Images(Part),
    Table(Table),
}

impl HostPart {
    pub fn len(&self) -> usize {
        match self {
            HostPart::Images(p) => p.len(),
            HostPart::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Input features per row.
    pub fn width(&self) -> usize {
        match self {
            HostPart::Images(p) => p.pixels(),
            HostPart::Table(t) => t.width(),
        }
    }
}

/// Train and test parts, and where they came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub train: HostPart,
    pub test: HostPart,
    /// Number of classes, or `None` for regression.
    pub classes: Option<usize>,
    /// The folder the files were read from (`None` for synthetic data).
    pub source: Option<PathBuf>,
}

/// Loads and preprocesses the data of `spec`. `data_dir` (`--data-dir` or `HARNESS_DATA`)
/// overrides `spec.dir`. California housing is downloaded into the cache on first use.
///
/// # Errors
/// Missing or damaged files, a failed download, or settings that cannot split the data.
pub fn prepare(spec: &DataSpec, data_dir: Option<&Path>) -> Result<Prepared> {
    prepare_checked(spec, data_dir, Checks::Published)
}

/// As [`prepare`], with the content checks of `checks`: [`Checks::SumsOnly`] prepares files in
/// a dataset's format that are not the published ones.
///
/// # Errors
/// As [`prepare`].
pub fn prepare_checked(
    spec: &DataSpec,
    data_dir: Option<&Path>,
    checks: Checks,
) -> Result<Prepared> {
    spec.validate()
        .map_err(|e| DataError::Invalid(e.to_string()))?;
    let explicit = data_dir.or(spec.dir.as_deref());
    match spec.dataset {
        DatasetName::Mnist | DatasetName::FashionMnist => {
            let (dataset, variant) = if spec.dataset == DatasetName::Mnist {
                (Dataset::Mnist, Variant::Mnist)
            } else {
                (Dataset::FashionMnist, Variant::Fashion)
            };
            let dir = locate::dataset_dir(dataset, explicit)?;
            let m = mnist::load_checked(&dir, variant, checks)?;
            Ok(Prepared {
                train: HostPart::Images(m.train),
                test: HostPart::Images(m.test),
                classes: Some(10),
                source: Some(dir),
            })
        }
        DatasetName::CaliforniaHousing => {
            let dir = match locate::dataset_dir(Dataset::CaliforniaHousing, explicit) {
                Ok(dir) => dir,
                Err(not_found) if explicit.is_none() => {
                    let cache = locate::cache_dataset_dir(Dataset::CaliforniaHousing);
                    eprintln!(
                        "california_housing is not here yet: downloading it into {}",
                        cache.display()
                    );
                    download::fetch(&download::california_housing(), &cache).map_err(|e| {
                        DataError::Invalid(format!("{not_found}; the download failed too: {e}"))
                    })?;
                    cache
                }
                Err(e) => return Err(e),
            };
            let file = california::find(&dir)?;
            let table = california::load_checked(&file, checks)?;
            tabular(table, spec, Some(dir))
        }
        DatasetName::Synthetic => {
            let s = spec.synthetic.clone().unwrap_or_default();
            let generator = Synthetic {
                n_samples: s.n_samples,
                n_features: s.n_features,
                n_informative: s.n_informative,
                noise: s.noise,
                bias: 0.0,
                seed: spec.seed,
            };
            tabular(generator.generate()?.0, spec, None)
        }
    }
}

fn tabular(table: Table, spec: &DataSpec, source: Option<PathBuf>) -> Result<Prepared> {
    let split = split_standardized(&table, spec.test_fraction, spec.seed)?;
    Ok(Prepared {
        train: HostPart::Table(split.train),
        test: HostPart::Table(split.test),
        classes: None,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_unknown_keys() {
        for dataset in DatasetName::ALL {
            let text = format!("dataset = \"{}\"", dataset.name());
            let spec: DataSpec = toml::from_str(&text).unwrap();
            assert_eq!(
                spec,
                DataSpec::new(dataset),
                "{text}: the same as the constructor"
            );
        }
        let spec: DataSpec = toml::from_str("dataset = \"synthetic\"").unwrap();
        assert_eq!(
            (
                spec.batch_size,
                spec.test_fraction,
                spec.normalize,
                spec.seed
            ),
            (128, 0.2, false, 0)
        );
        let err = toml::from_str::<DataSpec>("dataset = \"mnist\"\nbatch = 3")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `batch`"), "{err}");
    }

    #[test]
    fn keys_are_validated_before_any_data_is_made() {
        let rule = |text: &str| {
            toml::from_str::<DataSpec>(text)
                .unwrap()
                .validate()
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            rule("dataset = \"synthetic\"\n[synthetic]\nn_samples = 1"),
            "synthetic.n_samples = 1: must be at least 2 (a training and a test row)"
        );
        // 10¹² values would be 8 TB: refused before anything is allocated.
        assert!(
            rule("dataset = \"synthetic\"\n[synthetic]\nn_samples = 1000000\nn_features = 1000000")
                .contains("is more than 100000000 values"),
        );
        assert_eq!(
            rule("dataset = \"synthetic\"\n[synthetic]\nn_features = 2\nn_informative = 3"),
            "synthetic.n_informative = 3: must be at most n_features = 2"
        );
        assert_eq!(
            rule("dataset = \"mnist\"\ntest_fraction = 1.0"),
            "test_fraction = 1: must be in (0, 1)"
        );
    }

    #[test]
    fn synthetic_is_split_and_standardized() {
        let spec: DataSpec = toml::from_str(
            "dataset = \"synthetic\"\nseed = 3\n[synthetic]\nn_samples = 100\nn_features = 2",
        )
        .unwrap();
        let p = prepare(&spec, None).unwrap();
        assert_eq!(
            (p.train.len(), p.test.len(), p.train.width(), p.classes),
            (80, 20, 2, None)
        );
        assert_eq!(prepare(&spec, None).unwrap(), p, "seeded");
        let bad = DataSpec {
            batch_size: 0,
            ..spec
        };
        assert!(prepare(&bad, None).is_err());
    }
}
