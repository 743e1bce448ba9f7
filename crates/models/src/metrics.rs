//! Evaluation metrics as pure functions over host values: accuracy for classification, RMSE,
//! MAE and R² for regression. Sums are accumulated in f64.

/// Fraction of `predicted` labels equal to `labels`.
pub fn accuracy(predicted: &[i64], labels: &[i64]) -> f64 {
    assert_eq!(predicted.len(), labels.len(), "one prediction per label");
    if labels.is_empty() {
        return f64::NAN;
    }
    let hits = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
    hits as f64 / labels.len() as f64
}

/// Regression metrics of predictions against targets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Regression {
    pub rmse: f64,
    pub mae: f64,
    /// 1 − SS_res / SS_tot; 1 is perfect, 0 is as good as predicting the mean.
    pub r2: f64,
}

/// RMSE, MAE and R² of `predicted` against `targets`.
pub fn regression(predicted: &[f32], targets: &[f32]) -> Regression {
    assert_eq!(predicted.len(), targets.len(), "one prediction per target");
    let n = targets.len() as f64;
    let mean = targets.iter().map(|&t| f64::from(t)).sum::<f64>() / n;
    let (mut sq, mut abs, mut total) = (0.0, 0.0, 0.0);
    for (&p, &t) in predicted.iter().zip(targets) {
        let err = f64::from(p) - f64::from(t);
        sq += err * err;
        abs += err.abs();
        total += (f64::from(t) - mean).powi(2);
    }
    Regression {
        rmse: (sq / n).sqrt(),
        mae: abs / n,
        r2: 1.0 - sq / total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accuracy_counts_hits() {
        assert_eq!(accuracy(&[1, 2, 3, 4], &[1, 2, 0, 4]), 0.75);
        assert!(accuracy(&[], &[]).is_nan());
    }

    #[test]
    fn regression_by_hand() {
        // Errors 1, −1, 2, 0: MSE 6/4, MAE 4/4; targets 1..4 have SS_tot = 5.
        let m = regression(&[2.0, 1.0, 5.0, 4.0], &[1.0, 2.0, 3.0, 4.0]);
        assert!((m.rmse - 1.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(m.mae, 1.0);
        assert!((m.r2 - (1.0 - 6.0 / 5.0)).abs() < 1e-12);
        assert_eq!(regression(&[1.0, 2.0], &[1.0, 2.0]).r2, 1.0);
    }
}
