//! `harness compare` end to end on tiny synthetic runs: the report, failed runs beside good
//! ones (exit 1), determinism across --jobs, and the errors (exit 2, nothing written).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;
use common::harness;

const BASE: &str = r#"
[data]
dataset = "synthetic"
batch_size = 16
seed = 2

[data.synthetic]
n_samples = 120
n_features = 2
n_informative = 2
noise = 1.0

[model]
kind = "linear"

[optimizer]
kind = "sgd"

[schedule]
kind = "constant"
lr = 0.05

[train]
epochs = 3
"#;

/// Three good runs (two by a grid), one bad config, one that diverges.
const EXPERIMENT: &str = r#"
name = "tiny"
description = "A test."
base = "base.toml"
first_epochs = 2

[[runs]]
name = "fixed"

[[runs]]
name = "bad"
set = { "schedule.lr" = -1.0 }

[[runs]]
name = "diverges"
set = { "schedule.lr" = 1000.0 }

[grid]
"schedule" = [{ kind = "cosine", lr = 0.05, t_max = 18 }, { kind = "step", lr = 0.05, step_size = 6 }]
"#;

fn experiment(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("base.toml"), BASE).unwrap();
    let path = dir.join("experiment.toml");
    std::fs::write(&path, EXPERIMENT).unwrap();
    path
}

fn compare_output(config: &Path, out: &Path, jobs: &str) -> Output {
    harness(&[
        "compare",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--jobs",
        jobs,
    ])
}

/// Runs the experiment, which has failing runs: exit 1 after the report is written; the
/// report and the error line.
fn compare(config: &Path, out: &Path, jobs: &str) -> (Value, String) {
    let o = compare_output(config, out, jobs);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    (serde_json::from_str(&report).unwrap(), error_line(&stderr))
}

/// The one `error: ` line of `stderr`.
fn error_line(stderr: &str) -> String {
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    errors[0].to_string()
}

#[test]
fn a_report_with_good_and_failed_runs() {
    let dir = tempfile::tempdir().unwrap();
    let config = experiment(dir.path());
    let out = dir.path().join("out");
    let (report, error) = compare(&config, &out, "2");
    // The error names the failed runs, only them, and where the report is.
    for (name, failed) in [("fixed", false), ("bad", true), ("diverges", true)] {
        assert_eq!(error.contains(&format!("\"{name}\"")), failed, "{error}");
    }
    assert!(
        error.contains(&out.join("report.md").display().to_string()),
        "{error}"
    );
    let runs = report["runs"].as_array().unwrap();
    let names: Vec<&str> = runs.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "fixed",
            "bad",
            "diverges",
            "schedule=cosine",
            "schedule=step"
        ]
    );
    let by = |name: &str| runs.iter().find(|r| r["name"] == name).unwrap();
    for good in ["fixed", "schedule=cosine", "schedule=step"] {
        let r = by(good);
        assert_eq!(r["status"], "ok", "{r}");
        assert!(r["test_rmse"].is_number() && r["reference_test_rmse"].is_number());
        assert!(r["loss_reduction"].is_number() && r["final_lr"].is_number());
        assert_eq!(r["epoch_train_loss"].as_array().unwrap().len(), 3);
    }
    assert_eq!(by("bad")["status"], "failed");
    let reason = by("bad")["reason"].as_str().unwrap();
    assert!(reason.contains("schedule.lr = -1"), "{reason}");
    let reason = by("diverges")["reason"].as_str().unwrap();
    assert!(reason.contains("the loss became"), "{reason}");
    // The step schedule ends at 0.05 · 0.1^(17 // 6 = 2): its final LR is 5e-4.
    assert!((by("schedule=step")["final_lr"].as_f64().unwrap() - 5e-4).abs() < 1e-12);
    for file in [
        "report.md",
        "loss.png",
        "lr.png",
        "metric.png",
        "loss_grid.png",
        "lr_grid.png",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    assert!(out.join("runs/fixed/summary.json").is_file());
    assert!(out.join("configs/fixed.toml").is_file());
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("| bad | **failed** |") && md.contains("## Failed runs"),
        "{md}"
    );
}

/// The report without its timings.
fn timeless(mut report: Value) -> Value {
    for run in report["runs"].as_array_mut().unwrap() {
        run.as_object_mut().unwrap().remove("wall_seconds");
    }
    report
}

#[test]
fn reports_are_the_same_whatever_the_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let config = experiment(dir.path());
    let (one, _) = compare(&config, &dir.path().join("one"), "1");
    let (three, _) = compare(&config, &dir.path().join("three"), "3");
    assert_eq!(timeless(one), timeless(three));
}

#[test]
fn errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = experiment(dir.path());
    let out = dir.path().join("out");
    compare(&config, &out, "1");
    let o = harness(&[
        "compare",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already holds a report"));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "bsae = \"base.toml\"\n").unwrap();
    let o = harness(&["compare", "--config", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("unknown field `bsae`"),
        "{stderr}"
    );
}

/// An experiment file `name` beside the base in `dir`.
fn write_experiment(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::write(dir.join("base.toml"), BASE).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn every_run_failing_exits_1_with_the_whole_report() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_experiment(
        dir.path(),
        "all-fail.toml",
        "base = \"base.toml\"\nset = { \"schedule.lr\" = 1000.0 }\n\
         [[runs]]\nname = \"a\"\n[[runs]]\nname = \"b\"\nset = { \"data.batch_size\" = 8 }\n",
    );
    let out = dir.path().join("out");
    let (report, error) = compare(&config, &out, "2");
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for (run, name) in runs.iter().zip(["a", "b"]) {
        assert_eq!(run["name"], name);
        assert_eq!(run["status"], "failed", "{run}");
        assert!(
            run["reason"].as_str().is_some_and(|r| !r.is_empty()),
            "{run}"
        );
        assert!(error.contains(&format!("\"{name}\"")), "{error}");
    }
    assert!(error.contains("2 of 2"), "{error}");
    for file in ["report.md", "loss.png", "metric.png", "lr_grid.png"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
}

#[test]
fn all_runs_good_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_experiment(
        dir.path(),
        "good.toml",
        "base = \"base.toml\"\n[[runs]]\nname = \"fixed\"\n",
    );
    let out = dir.path().join("out");
    let o = compare_output(&config, &out, "1");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(out.join("report.json").is_file());
}

#[test]
fn mistakes_no_run_survives_exit_2_and_write_nothing() {
    let base = "base = \"base.toml\"\n";
    let cases: [(String, &[&str]); 6] = [
        (
            format!("{base}[[runs]]\nname = \"a/b\"\n[[runs]]\nname = \"a_b\"\n"),
            &["\"a/b\"", "\"a_b\""],
        ),
        (format!("{base}[[runs]]\nname = \"..\"\n"), &["\"..\""]),
        (
            format!("{base}[[runs]]\nname = \"fixed\"\n[grid]\n"),
            &["`[grid]`"],
        ),
        (
            format!("{base}[grid]\n\"schedule.lr\" = []\n"),
            &["`schedule.lr`"],
        ),
        (
            format!("{base}[[runs]]\nname = \"own\"\nconfig = \"gone.toml\"\n"),
            &["\"own\"", "gone.toml"],
        ),
        (
            format!("{base}set = {{ \"schedule.lr\" = -1.0 }}\n[[runs]]\nname = \"a\"\n"),
            &["`[set]`", "schedule.lr"],
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (text, needles)) in cases.iter().enumerate() {
        let config = write_experiment(dir.path(), &format!("case{i}.toml"), text);
        let out = dir.path().join(format!("out{i}"));
        let o = compare_output(&config, &out, "1");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{text}\n{stderr}");
        let error = error_line(&stderr);
        assert!(error.contains(&format!("case{i}.toml: ")), "{error}");
        for needle in *needles {
            assert!(error.contains(needle), "{text}\n{error}");
        }
        assert!(!out.exists(), "{text}: {} was created", out.display());
    }
}
