//! The closed-form least-squares fit of a linear model, the yardstick for trained linear
//! regressors: solve the normal equations `(XᵀX) w = Xᵀy` (with a bias column) in f64.

use data::table::Table;

/// Weights (one per feature) and bias minimising the squared error on `table`, or `None` when
/// the normal equations are singular.
pub fn least_squares(table: &Table) -> Option<(Vec<f64>, f64)> {
    let d = table.width() + 1; // features and the bias
    let mut a = vec![0.0f64; d * d];
    let mut b = vec![0.0f64; d];
    for i in 0..table.len() {
        let row: Vec<f64> = table
            .row(i)
            .iter()
            .map(|&x| f64::from(x))
            .chain(std::iter::once(1.0))
            .collect();
        let y = f64::from(table.targets[i]);
        for r in 0..d {
            b[r] += row[r] * y;
            for c in 0..d {
                a[r * d + c] += row[r] * row[c];
            }
        }
    }
    let solution = solve(a, b, d)?;
    Some((solution[..d - 1].to_vec(), solution[d - 1]))
}

/// Gaussian elimination with partial pivoting on the `n × n` system `a x = b`.
fn solve(mut a: Vec<f64>, mut b: Vec<f64>, n: usize) -> Option<Vec<f64>> {
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))?;
        if a[pivot * n + col].abs() < 1e-12 {
            return None;
        }
        for k in 0..n {
            a.swap(col * n + k, pivot * n + k);
        }
        b.swap(col, pivot);
        for row in col + 1..n {
            let factor = a[row * n + col] / a[col * n + col];
            for k in col..n {
                a[row * n + k] -= factor * a[col * n + k];
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| a[row * n + k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row * n + row];
    }
    Some(x)
}

/// RMSE of the linear model `(weights, bias)` on `table`.
pub fn rmse(table: &Table, weights: &[f64], bias: f64) -> f64 {
    let sq: f64 = (0..table.len())
        .map(|i| {
            let pred: f64 = table
                .row(i)
                .iter()
                .zip(weights)
                .map(|(&x, w)| f64::from(x) * w)
                .sum::<f64>()
                + bias;
            (pred - f64::from(table.targets[i])).powi(2)
        })
        .sum();
    (sq / table.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_an_exact_plane() {
        // y = 2 a − 3 b + 0.5 on four points.
        let rows = [[0.0f32, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 2.0]];
        let table = Table {
            names: vec!["a".into(), "b".into()],
            features: rows.iter().flatten().copied().collect(),
            targets: rows.iter().map(|r| 2.0 * r[0] - 3.0 * r[1] + 0.5).collect(),
        };
        let (w, bias) = least_squares(&table).unwrap();
        assert!(
            (w[0] - 2.0).abs() < 1e-9 && (w[1] + 3.0).abs() < 1e-9 && (bias - 0.5).abs() < 1e-9
        );
        assert!(rmse(&table, &w, bias) < 1e-9);
        let constant = Table {
            names: vec!["a".into()],
            features: vec![1.0, 1.0],
            targets: vec![1.0, 2.0],
        };
        assert_eq!(
            least_squares(&constant),
            None,
            "a feature equal to the bias column is singular"
        );
    }
}
