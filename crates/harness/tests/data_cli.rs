//! `harness data` end to end, on the vendored MNIST and on ../shared's California housing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn harness(args: &[&str], data: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_harness"));
    cmd.args(args)
        .current_dir(repo())
        .env_remove("HARNESS_DATA");
    if let Some(dir) = data {
        cmd.env("HARNESS_DATA", dir);
    }
    cmd.output().expect("the harness binary runs")
}

#[test]
fn info_reads_the_vendored_mnist_offline() {
    let out = harness(&["data", "info", "mnist"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("mnist: datasets/mnist\n"), "{text}");
    assert!(text.contains("train: 60000 images of 28×28"), "{text}");
}

#[test]
fn harness_data_points_at_a_parent_folder() {
    let shared = repo().join("../shared/datasets");
    let out = harness(&["data", "info", "california-housing"], Some(&shared));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("20640 rows, 8 features")
    );
}

#[test]
fn a_missing_dataset_exits_2_and_says_how_to_get_it() {
    let empty = tempfile::tempdir().unwrap();
    let out = harness(
        &[
            "data",
            "info",
            "california-housing",
            "--data-dir",
            empty.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("harness data fetch california-housing"),
        "{err}"
    );
}
