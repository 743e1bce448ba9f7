//! [`Table`]: a regression dataset in memory, row-major `f32` features and targets.

/// `len()` rows of `names.len()` features each, and one target per row.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub names: Vec<String>,
    /// Row-major, `len() × names.len()`.
    pub features: Vec<f32>,
    pub targets: Vec<f32>,
}

impl Table {
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    pub fn width(&self) -> usize {
        self.names.len()
    }

    pub fn row(&self, i: usize) -> &[f32] {
        let d = self.width();
        &self.features[i * d..(i + 1) * d]
    }

    /// The rows at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Table {
        Table {
            names: self.names.clone(),
            features: indices
                .iter()
                .flat_map(|&i| self.row(i).iter().copied())
                .collect(),
            targets: indices.iter().map(|&i| self.targets[i]).collect(),
        }
    }

    /// Mean of each feature column, accumulated in f64.
    pub fn feature_means(&self) -> Vec<f64> {
        let d = self.width();
        let mut sums = vec![0.0f64; d];
        for row in self.features.chunks_exact(d.max(1)) {
            for (s, &v) in sums.iter_mut().zip(row) {
                *s += f64::from(v);
            }
        }
        sums.iter().map(|s| s / self.len().max(1) as f64).collect()
    }
}
