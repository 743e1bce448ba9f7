//! `harness compare` as array tasks run it: a plan, cells trained by index (given, or from the
//! index variables of Slurm, Kubernetes and AWS Batch), idempotent and resumable cells (a cell
//! killed mid-run and run again ends bit for bit as one never stopped), a report collected
//! while runs are missing; and `harness train --set` / `--json` as sweep agents drive it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{failure, harness, ok, str_of};

/// A linear regressor on synthetic rows: 640 training rows, 40 steps an epoch.
const BASE: &str = r#"
[data]
dataset = "synthetic"
batch_size = 16
seed = 3

[data.synthetic]
n_samples = 800
n_features = 4
n_informative = 4
noise = 1.0

[model]
kind = "linear"

[optimizer]
kind = "momentum"

[schedule]
kind = "cosine"
lr = 0.01
t_max = 2000

[train]
epochs = 4
"#;

/// Runs 0 and 1 have the same config (so one is the other's uninterrupted twin); run 2 another
/// LR, run 3 a bad one.
fn experiment(dir: &Path, epochs: u64) -> PathBuf {
    std::fs::write(dir.join("base.toml"), BASE).unwrap();
    let text = format!(
        r#"
name = "cells"
base = "base.toml"
set = {{ train = {{ epochs = {epochs} }} }}

[[runs]]
name = "twin-a"

[[runs]]
name = "twin-b"

[[runs]]
name = "faster"
set = {{ "schedule.lr" = 0.02 }}

[[runs]]
name = "bad"
set = {{ "schedule.lr" = -1.0 }}
"#
    );
    let path = dir.join("experiment.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn compare_with(env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_harness"));
    command
        .arg("compare")
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env_remove("HARNESS_DATA");
    for name in [
        "SLURM_ARRAY_TASK_ID",
        "SLURM_ARRAY_TASK_MIN",
        "JOB_COMPLETION_INDEX",
        "AWS_BATCH_JOB_ARRAY_INDEX",
    ] {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("the harness binary runs")
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `(lr, train_loss, val_loss)` of every row of a run's `metrics.csv`, timings left out.
fn rows(dir: &Path) -> Vec<(String, String, String)> {
    let mut reader = csv::Reader::from_path(dir.join("metrics.csv")).unwrap();
    reader
        .deserialize::<std::collections::HashMap<String, String>>()
        .map(|r| {
            let r = r.unwrap();
            (
                r["lr"].clone(),
                r["train_loss"].clone(),
                r["val_loss"].clone(),
            )
        })
        .collect()
}

#[test]
fn cells_train_by_index_from_the_engines_variables_and_are_collected() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), 2);
    let out = dir.path().join("grid");
    let out_s = str_of(&out);
    let planned = ok(&[
        "compare",
        "--config",
        str_of(&exp),
        "--out",
        out_s,
        "--plan",
    ]);
    assert!(planned.contains("planned 4 runs"), "{planned}");
    let plan = json(&out.join("plan.json"));
    let names: Vec<&str> = plan["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["twin-a", "twin-b", "faster", "bad"]);
    assert!(out.join("configs/twin-a.toml").is_file());
    assert!(
        !out.join("configs/bad.toml").exists(),
        "a bad run has no config"
    );
    // Planning again is harmless; nothing has trained.
    ok(&[
        "compare",
        "--config",
        str_of(&exp),
        "--out",
        out_s,
        "--plan",
    ]);
    assert!(!out.join("runs/twin-a").exists());

    // Slurm's index is relative to the array's first: task 5 of an array 4-7 is run 1.
    let slurm = [("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "4")];
    let cell = compare_with(&slurm, &["--out", out_s, "--run-index"]);
    assert!(
        cell.status.success(),
        "{}",
        String::from_utf8_lossy(&cell.stderr)
    );
    assert!(out.join("runs/twin-b/summary.json").is_file());
    assert!(!out.join("runs/twin-a").exists());
    // Its TensorBoard events are in its folder by default: `tensorboard --logdir grid/runs`.
    assert_eq!(
        train::events::event_files(&out.join("runs/twin-b")).len(),
        1
    );

    // Collected now: one finished, two not yet, one failed (exit 1, the report written).
    let collected = compare_with(&[], &["--out", out_s, "--collect"]);
    assert_eq!(collected.status.code(), Some(1));
    let report = json(&out.join("report.json"));
    let status: Vec<&str> = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["missing", "ok", "missing", "failed"]);
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(markdown.contains("## Runs not finished"), "{markdown}");

    let k8s = compare_with(
        &[("JOB_COMPLETION_INDEX", "0")],
        &["--out", out_s, "--run-index"],
    );
    assert!(k8s.status.success());
    let aws = [("AWS_BATCH_JOB_ARRAY_INDEX", "2")];
    assert!(
        compare_with(&aws, &["--out", out_s, "--run-index"])
            .status
            .success()
    );
    // A finished cell run again is left as it is.
    let before = std::fs::read(out.join("runs/twin-a/summary.json")).unwrap();
    let again = ok(&["compare", "--out", out_s, "--run-index", "0"]);
    assert!(again.contains("has finished"), "{again}");
    assert_eq!(
        std::fs::read(out.join("runs/twin-a/summary.json")).unwrap(),
        before
    );
    // The bad run cannot train; no index, or one past the plan, is an error.
    let bad = failure(&["compare", "--out", out_s, "--run-index", "3"]);
    assert!(bad.contains("has no valid config"), "{bad}");
    let none = compare_with(&[], &["--out", out_s, "--run-index"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("SLURM_ARRAY_TASK_ID"));
    let past = failure(&["compare", "--out", out_s, "--run-index", "4"]);
    assert!(past.contains("run index 4 is not in the plan"), "{past}");

    let collected = compare_with(&[], &["--out", out_s, "--collect"]);
    assert_eq!(collected.status.code(), Some(1), "the bad run failed");
    let report = json(&out.join("report.json"));
    let status: Vec<&str> = report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["ok", "ok", "ok", "failed"]);
    assert_eq!(
        rows(&out.join("runs/twin-a")),
        rows(&out.join("runs/twin-b"))
    );
}

#[test]
fn a_cell_killed_mid_run_and_run_again_ends_as_one_never_stopped() {
    let dir = tempfile::tempdir().unwrap();
    // 100 epochs of 40 steps: long enough (seconds) to be killed after a few checkpoints.
    let exp = experiment(dir.path(), 100);
    let out = dir.path().join("grid");
    let out_s = str_of(&out);
    ok(&[
        "compare",
        "--config",
        str_of(&exp),
        "--out",
        out_s,
        "--plan",
        "--tensorboard",
        str_of(&dir.path().join("board")),
    ]);
    ok(&["compare", "--out", out_s, "--run-index", "0"]);

    let mut child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["compare", "--out", out_s, "--run-index", "1"])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env_remove("HARNESS_DATA")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let run = out.join("runs/twin-b");
    let started = Instant::now();
    // Killed (SIGKILL: no chance to save anything) once its third checkpoint exists.
    while train::checkpoint::present(&run)
        .last()
        .copied()
        .unwrap_or(0)
        < 3 * 40
    {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint came"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !run.join("summary.json").exists(),
        "killed before it finished"
    );

    let resumed = ok(&["compare", "--out", out_s, "--run-index", "1"]);
    assert!(
        resumed.contains("resuming"),
        "it continued from a checkpoint: {resumed}"
    );
    assert!(resumed.contains("finished"), "{resumed}");
    assert_eq!(rows(&run), rows(&out.join("runs/twin-a")));
    assert_eq!(
        std::fs::read(run.join("weights.safetensors"))
            .unwrap()
            .len(),
        std::fs::read(out.join("runs/twin-a/weights.safetensors"))
            .unwrap()
            .len()
    );
    let summary = |dir: &Path| {
        let mut s = json(&dir.join("summary.json"));
        let o = s.as_object_mut().unwrap();
        o.remove("wall_seconds");
        s
    };
    assert_eq!(summary(&run), summary(&out.join("runs/twin-a")));
    // Their events, in the plan's --tensorboard folder: the resumed run's history rewritten
    // into one file, every step equal to the twin's.
    let events = |name: &str| {
        let files = train::events::event_files(&dir.path().join("board").join(name));
        assert_eq!(files.len(), 1, "{files:?}");
        tfevents::read(&files[0]).unwrap()
    };
    let (resumed, twin) = (events("twin-b"), events("twin-a"));
    for tag in ["train/loss", "lr", "momentum", "val/loss", "val/rmse"] {
        assert_eq!(resumed.scalars(tag), twin.scalars(tag), "{tag}");
    }
    assert_eq!(resumed.scalars("train/loss").len(), 4000);
    assert!(
        train::events::event_files(&run).is_empty(),
        "not in the run folder"
    );
    // The folder is the plan's: a cell is not told another.
    let e = failure(&[
        "compare",
        "--out",
        out_s,
        "--run-index",
        "0",
        "--no-tensorboard",
    ]);
    assert!(e.contains("planning flags"), "{e}");
}

#[test]
fn train_takes_overrides_as_sweep_agents_pass_them_and_prints_one_json_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("base.toml");
    std::fs::write(&config, BASE).unwrap();
    let out = dir.path().join("run");
    let stdout = ok(&[
        "train",
        "--config",
        str_of(&config),
        "--out",
        str_of(&out),
        "--set",
        "train.epochs=1",
        "--set",
        "optimizer.kind=adam",
        "--set",
        "schedule.lr=0.003",
        "--json",
    ]);
    // One line, the summary; the saved config is the overridden one.
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let line: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(line["epochs_completed"], 1);
    assert!(line["test_rmse"].as_f64().unwrap() > 0.0);
    let saved = std::fs::read_to_string(out.join("config.toml")).unwrap();
    assert!(
        saved.contains("kind = \"adam\"") && !saved.contains("momentum"),
        "{saved}"
    );
    assert!(saved.contains("lr = 0.003"), "{saved}");

    // Validated as the file is: the key, the value and the rule.
    let e = failure(&[
        "train",
        "--config",
        str_of(&config),
        "--set",
        "schedule.lr=-1",
    ]);
    assert!(e.contains("with overrides") && e.contains("lr = -1"), "{e}");
    let e = failure(&[
        "train",
        "--config",
        str_of(&config),
        "--set",
        "optimizer.beta9=1",
    ]);
    assert!(e.contains("beta9"), "{e}");
    let e = failure(&["train", "--config", str_of(&config), "--set", "schedule.lr"]);
    assert!(e.contains("expected KEY=VALUE"), "{e}");
    assert!(
        !harness(&[
            "train",
            "--config",
            str_of(&config),
            "--set",
            "a=1",
            "--resume",
            "x"
        ])
        .status
        .success()
    );
}

#[test]
fn submit_slurm_dry_run_writes_the_plan_and_both_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), 2);
    let out = dir.path().join("grid");
    let printed = ok(&[
        "compare",
        "--config",
        str_of(&exp),
        "--out",
        str_of(&out),
        "--submit",
        "slurm",
        "--max-parallel",
        "2",
        "--partition",
        "debug",
        "--time",
        "1-00:30:00",
        "--sbatch-arg=--mem=1G",
        "--dry-run",
    ]);
    let array = std::fs::read_to_string(out.join("slurm/array.sbatch")).unwrap();
    assert!(printed.contains(&array), "{printed}");
    for line in [
        "#SBATCH --array=0-3%2",
        "#SBATCH --partition=debug",
        "#SBATCH --time=1-00:30:00",
        "#SBATCH --mem=1G",
    ] {
        assert!(array.lines().any(|l| l == line), "{line}:\n{array}");
    }
    assert!(array.contains("--run-index --threads"), "{array}");
    let collect = std::fs::read_to_string(out.join("slurm/collect.sbatch")).unwrap();
    assert!(collect.trim_end().ends_with("--collect"), "{collect}");
    assert!(out.join("plan.json").is_file());
    // Slurm's words are checked: a time it would not read, a partition with a space.
    let e = failure(&[
        "compare",
        "--config",
        str_of(&exp),
        "--out",
        str_of(&out),
        "--submit",
        "slurm",
        "--time",
        "2h",
    ]);
    assert!(e.contains("expected Slurm's time"), "{e}");
    let e = failure(&[
        "compare",
        "--config",
        str_of(&exp),
        "--out",
        str_of(&out),
        "--submit",
        "slurm",
        "--partition",
        "a b",
    ]);
    assert!(e.contains("without spaces"), "{e}");
}
