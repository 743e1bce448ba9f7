//! Every TOML file shipped in `configs/` parses and validates.

use std::path::{Path, PathBuf};

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("configs/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

#[test]
fn every_shipped_config_is_valid() {
    let mut files = Vec::new();
    toml_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs"),
        &mut files,
    );
    assert!(
        files.len() >= 15,
        "expected a config per schedule kind, found {files:?}"
    );
    let mut kinds = std::collections::BTreeSet::new();
    for file in &files {
        match schedules::file::load(file) {
            Ok((schedule, _)) => kinds.insert(schedule.config().kind()),
            Err(e) => panic!("{e}"),
        };
    }
    let all: std::collections::BTreeSet<&str> = schedules::KINDS.into_iter().collect();
    assert_eq!(kinds, all, "configs/ should show every schedule kind");
}
