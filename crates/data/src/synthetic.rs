//! Synthetic linear regression in the spirit of scikit-learn's `make_regression`: standard
//! normal features, `n_informative` of them with a weight drawn from `100 · U(0, 1)`, the rest
//! zero, plus `noise · N(0, 1)`. Seeded, so the same seed gives the same data.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use crate::error::{DataError, Result};
use crate::table::Table;

#[derive(Clone, Debug, PartialEq)]
pub struct Synthetic {
    pub n_samples: usize,
    pub n_features: usize,
    pub n_informative: usize,
    pub noise: f64,
    pub bias: f64,
    pub seed: u64,
}

impl Synthetic {
    /// The dataset of our learning-rate sweep study: 500 samples, 1 feature, noise 20.
    pub fn sweep_study(seed: u64) -> Self {
        Self {
            n_samples: 500,
            n_features: 1,
            n_informative: 1,
            noise: 20.0,
            bias: 0.0,
            seed,
        }
    }

    /// The table and the true weights.
    ///
    /// # Errors
    /// No samples, no features, or more informative features than features.
    pub fn generate(&self) -> Result<(Table, Vec<f64>)> {
        let values = self.n_samples.checked_mul(self.n_features);
        if self.n_samples == 0
            || self.n_features == 0
            || self.n_informative > self.n_features
            || values.is_none_or(|n| n > crate::spec::MAX_SYNTHETIC_VALUES)
        {
            return Err(DataError::Invalid(format!(
                "synthetic regression needs n_samples ≥ 1, n_features ≥ 1, n_informative ≤ \
                 n_features and at most {} values; got {} samples, {} features, {} informative",
                crate::spec::MAX_SYNTHETIC_VALUES,
                self.n_samples,
                self.n_features,
                self.n_informative
            )));
        }
        if !(self.noise.is_finite() && self.noise >= 0.0) {
            return Err(DataError::Invalid(format!(
                "noise = {}: must be a finite number of at least 0",
                self.noise
            )));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let x: Vec<f64> = (0..self.n_samples * self.n_features)
            .map(|_| rng.sample(StandardNormal))
            .collect();
        let weights: Vec<f64> = (0..self.n_features)
            .map(|j| {
                if j < self.n_informative {
                    100.0 * rng.random::<f64>()
                } else {
                    0.0
                }
            })
            .collect();
        let targets = x
            .chunks_exact(self.n_features)
            .map(|row| {
                let clean: f64 =
                    row.iter().zip(&weights).map(|(a, w)| a * w).sum::<f64>() + self.bias;
                let noise: f64 = rng.sample(StandardNormal);
                (clean + self.noise * noise) as f32
            })
            .collect();
        let table = Table {
            names: (0..self.n_features).map(|j| format!("x{j}")).collect(),
            features: x.iter().map(|&v| v as f32).collect(),
            targets,
        };
        Ok((table, weights))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_noiseless_targets_are_exact() {
        let spec = Synthetic {
            n_samples: 50,
            n_features: 3,
            n_informative: 2,
            noise: 0.0,
            bias: 1.5,
            seed: 7,
        };
        let (a, w) = spec.generate().unwrap();
        assert_eq!(spec.generate().unwrap().0, a, "same seed, same data");
        assert_ne!(
            Synthetic {
                seed: 8,
                ..spec.clone()
            }
            .generate()
            .unwrap()
            .0,
            a
        );
        assert_eq!(w[2], 0.0);
        assert!(w[..2].iter().all(|&v| (0.0..100.0).contains(&v)));
        for i in 0..a.len() {
            let y: f64 = a
                .row(i)
                .iter()
                .zip(&w)
                .map(|(&x, w)| f64::from(x) * w)
                .sum::<f64>()
                + 1.5;
            assert!((f64::from(a.targets[i]) - y).abs() < 1e-3 * y.abs().max(1.0));
        }
    }

    #[test]
    fn sweep_study_shape_and_bad_specs() {
        let (t, _) = Synthetic::sweep_study(0).generate().unwrap();
        assert_eq!((t.len(), t.width()), (500, 1));
        let bad = Synthetic {
            n_informative: 4,
            ..Synthetic::sweep_study(0)
        };
        assert!(
            bad.generate()
                .unwrap_err()
                .to_string()
                .contains("n_informative ≤ n_features")
        );
    }
}
