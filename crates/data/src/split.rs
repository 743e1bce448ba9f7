//! Seeded train/test split, seeded epoch order, and standardization fitted on the training part
//! only, so that nothing about the test part leaks into training.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::error::{DataError, Result};
use crate::table::Table;

/// A seeded permutation of `0..n`: the same seed gives the same order.
pub fn permutation(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    order
}

/// Indices of the train and test parts: a seeded shuffle, then `ceil(n · test_fraction)` rows
/// for the test part (as scikit-learn's `train_test_split`).
///
/// # Errors
/// A fraction outside (0, 1), or one that leaves a part empty.
pub fn train_test_indices(
    n: usize,
    test_fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(DataError::Invalid(format!(
            "test_fraction = {test_fraction}: must be in (0, 1)"
        )));
    }
    let n_test = (n as f64 * test_fraction).ceil() as usize;
    if n_test == 0 || n_test >= n {
        return Err(DataError::Invalid(format!(
            "test_fraction = {test_fraction} of {n} rows leaves {n_test} for testing and {} for training",
            n.saturating_sub(n_test)
        )));
    }
    let order = permutation(n, seed);
    let (test, train) = order.split_at(n_test);
    Ok((train.to_vec(), test.to_vec()))
}

/// Per-feature mean and standard deviation (population, as scikit-learn's `StandardScaler`).
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

impl Standardizer {
    /// Fits on `table`; a constant column gets a scale of 1.
    pub fn fit(table: &Table) -> Self {
        let mean = table.feature_means();
        let d = table.width();
        let mut var = vec![0.0f64; d];
        for row in table.features.chunks_exact(d.max(1)) {
            for ((v, &x), m) in var.iter_mut().zip(row).zip(&mean) {
                *v += (f64::from(x) - m).powi(2);
            }
        }
        let std = var
            .iter()
            .map(|v| (v / table.len().max(1) as f64).sqrt())
            .map(|s| if s > 0.0 { s } else { 1.0 })
            .collect();
        Self { mean, std }
    }

    /// `(x − mean) / std`, column by column.
    pub fn apply(&self, table: &Table) -> Table {
        let d = table.width();
        let features = table
            .features
            .iter()
            .enumerate()
            .map(|(i, &x)| ((f64::from(x) - self.mean[i % d]) / self.std[i % d]) as f32)
            .collect();
        Table {
            features,
            ..table.clone()
        }
    }
}

/// A table split into standardized train and test parts.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub train: Table,
    pub test: Table,
    pub scaler: Standardizer,
}

/// Splits `table` (seeded) and standardizes both parts with statistics of the train part.
///
/// # Errors
/// As [`train_test_indices`].
pub fn split_standardized(table: &Table, test_fraction: f64, seed: u64) -> Result<Split> {
    let (train_idx, test_idx) = train_test_indices(table.len(), test_fraction, seed)?;
    let (train, test) = (table.select(&train_idx), table.select(&test_idx));
    let scaler = Standardizer::fit(&train);
    Ok(Split {
        train: scaler.apply(&train),
        test: scaler.apply(&test),
        scaler,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(n: usize) -> Table {
        Table {
            names: vec!["a".into(), "b".into()],
            features: (0..n).flat_map(|i| [i as f32, 5.0]).collect(),
            targets: (0..n).map(|i| i as f32).collect(),
        }
    }

    #[test]
    fn split_is_seeded_disjoint_and_complete() {
        let (train, test) = train_test_indices(10, 0.2, 3).unwrap();
        assert_eq!((train.len(), test.len()), (8, 2));
        assert_eq!(
            train_test_indices(10, 0.2, 3).unwrap(),
            (train.clone(), test.clone())
        );
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_ne!(train_test_indices(10, 0.2, 4).unwrap().1, test);
        assert!(train_test_indices(10, 0.0, 3).is_err());
        assert!(train_test_indices(1, 0.5, 3).is_err());
    }

    #[test]
    fn scaling_uses_train_statistics_only() {
        let t = table(100);
        let s = split_standardized(&t, 0.25, 1).unwrap();
        // The train part is exactly centred and scaled ...
        let means = s.train.feature_means();
        assert!(means[0].abs() < 1e-6, "{means:?}");
        let fitted_on_train =
            Standardizer::fit(&t.select(&train_test_indices(100, 0.25, 1).unwrap().0));
        assert_eq!(s.scaler, fitted_on_train);
        // ... and the test part is scaled with the train statistics, not its own.
        assert_ne!(Standardizer::fit(&s.test).mean[0].abs(), 0.0);
        // A constant column maps to 0 instead of dividing by zero.
        assert!(
            s.train
                .features
                .iter()
                .skip(1)
                .step_by(2)
                .all(|&v| v == 0.0)
        );
    }
}
