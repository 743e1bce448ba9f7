//! Every TOML file shipped in `configs/` parses and validates: run configs at the top level,
//! schedule files under `configs/schedules/`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("configs/ is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn configs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs")
}

#[test]
fn every_schedule_file_is_valid_and_every_kind_is_shown() {
    let files = toml_files(&configs().join("schedules"));
    let mut kinds = BTreeSet::new();
    for file in &files {
        match schedules::file::load(file) {
            Ok((schedule, _)) => kinds.insert(schedule.config().kind()),
            Err(e) => panic!("{e}"),
        };
    }
    let all: BTreeSet<&str> = schedules::KINDS.into_iter().collect();
    assert_eq!(
        kinds, all,
        "configs/schedules/ should show every schedule kind"
    );
}

#[test]
fn every_run_config_is_valid() {
    let files = toml_files(&configs());
    assert!(!files.is_empty());
    for file in &files {
        if let Err(e) = train::config::RunConfig::load(file) {
            panic!("{e}");
        }
    }
}

#[test]
fn every_shipped_experiment_plans_valid_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let mut found = 0;
    for entry in std::fs::read_dir(&root).expect("experiments/ is readable") {
        let path = entry
            .expect("directory entry")
            .path()
            .join("experiment.toml");
        if !path.is_file() {
            continue;
        }
        found += 1;
        let experiment = train::studies::experiment::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!experiment.runs.is_empty(), "{}", path.display());
        for run in &experiment.runs {
            if let Err(e) = &run.config {
                panic!("{}: run `{}`: {e}", path.display(), run.name);
            }
        }
    }
    assert!(found >= 3, "the adaptive, sweep and schedules studies");
}
