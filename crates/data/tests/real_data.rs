//! The real datasets: the vendored MNIST of `datasets/mnist/`, and the California housing file
//! where the harness would find it (`HARNESS_DATA`, else `datasets/` and the download cache; it
//! is never committed). Without the housing file those tests pass saying what they skipped;
//! `california_file.rs` covers the same path on a small file of the same format.

use std::io::Write;
use std::path::{Path, PathBuf};

use data::locate::{Dataset, dataset_dir};
use data::mnist::{self, Variant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn vendored_mnist_has_the_canonical_counts() {
    let dir = dataset_dir(Dataset::Mnist, Some(&repo().join("datasets"))).unwrap();
    let m = mnist::load(&dir, Variant::Mnist).unwrap();
    assert_eq!((m.train.len(), m.test.len()), (60_000, 10_000));
    assert_eq!((m.train.rows, m.train.cols), (28, 28));
    assert_eq!(m.train.images.len(), 60_000 * 784);
    // The published label histograms (datasets/mnist/README.md).
    assert_eq!(
        m.train.label_counts(),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        m.test.label_counts(),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
}

/// The real California housing folder, found as the harness finds it; `None`, after one line on
/// stderr saying what `test` skipped and how to provide the file, when it is not there.
fn real_housing(test: &str) -> Option<PathBuf> {
    let explicit = std::env::var_os("HARNESS_DATA").map(PathBuf::from);
    match dataset_dir(Dataset::CaliforniaHousing, explicit.as_deref()) {
        Ok(dir) => Some(dir),
        Err(not_found) => {
            // Straight to stderr in one write, past the test harness's capture, so that the
            // skip shows as one line.
            let line = format!(
                "skipped {test}: {not_found}; set HARNESS_DATA to a folder holding \
                 california_housing/, or run `harness data fetch california-housing`\n"
            );
            let _ = std::io::stderr().write_all(line.as_bytes());
            None
        }
    }
}

#[test]
fn california_housing_matches_scikit_learn() {
    let Some(dir) = real_housing("california_housing_matches_scikit_learn") else {
        return;
    };
    let file = data::california::find(&dir).expect("dataset_dir found one of the names");
    let table = data::california::load(&file).unwrap();
    assert_eq!((table.len(), table.width()), (20_640, 8));
    // Column means of scikit-learn's fetch_california_housing().frame.mean().
    let expected = [
        3.870671,
        28.639486,
        5.429000,
        1.096675,
        1425.476744,
        3.070655,
        35.631861,
        -119.569704,
    ];
    for ((name, got), want) in table.names.iter().zip(table.feature_means()).zip(expected) {
        assert!(
            (got - want).abs() <= 1e-5 * want.abs(),
            "{name}: mean {got}, scikit-learn {want}"
        );
    }
    let target_mean = table.targets.iter().map(|&t| f64::from(t)).sum::<f64>() / 20_640.0;
    assert!(
        (target_mean - 2.068558).abs() < 1e-5,
        "MedHouseVal mean {target_mean}"
    );
}

#[test]
fn california_prepared_for_training() {
    let spec: data::spec::DataSpec =
        toml::from_str("dataset = \"california_housing\"\nseed = 42").unwrap();
    let Some(dir) = real_housing("california_prepared_for_training") else {
        return;
    };
    let p = data::spec::prepare(&spec, Some(&dir)).unwrap();
    assert_eq!(
        (p.train.len(), p.test.len(), p.classes),
        (16_512, 4_128, None)
    );
    let data::spec::HostPart::Table(train) = &p.train else {
        panic!("a table")
    };
    assert!(
        train.feature_means().iter().all(|m| m.abs() < 1e-4),
        "standardized on train"
    );
}
