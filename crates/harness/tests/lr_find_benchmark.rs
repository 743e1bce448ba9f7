//! `harness lr-find --benchmark` end to end on two tiny synthetic set-ups: the files it writes,
//! grids that reach past their best on both sides, and verdicts that follow from the figures
//! written beside them.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{failure, ok, str_of};

/// Linear regression on 400 synthetic rows, plain SGD, batch 64: it descends, then diverges.
const SYNTHETIC: &str = include_str!("../../train/tests/fixtures/sweep.toml");

fn benchmark_file(dir: &Path) -> std::path::PathBuf {
    std::fs::write(dir.join("base.toml"), SYNTHETIC).unwrap();
    let file = dir.join("setups.toml");
    std::fs::write(
        &file,
        "name = \"tiny\"\nbase = \"base.toml\"\n\n[[runs]]\nname = \"linear-sgd\"\nset = { train = \
         { epochs = 2 } }\n\n[[runs]]\nname = \"linear-adam\"\nset = { train = { epochs = 2 }, \
         optimizer = { kind = \"adam\" } }\n",
    )
    .unwrap();
    file
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[test]
fn the_benchmark_writes_its_files_and_its_verdicts_follow_from_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let file = benchmark_file(dir.path());
    let out = dir.path().join("bench");
    let table = ok(&[
        "lr-find",
        "--benchmark",
        str_of(&file),
        "--out",
        str_of(&out),
        "--start-lr",
        "1e-5",
        "--num-iters",
        "60",
        "--smooth",
        "0.9",
    ]);
    for name in [
        "benchmark.json",
        "benchmark.csv",
        "trials.csv",
        "recommended-vs-best.png",
    ] {
        assert!(out.join(name).is_file(), "{name}");
    }
    assert!(
        !out.join("scratch").exists(),
        "the scratch runs are removed"
    );
    assert!(table.contains("set-ups within tolerance"), "{table}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("benchmark.json")).unwrap())
            .unwrap();
    let setups = json["setups"].as_array().unwrap();
    assert_eq!(setups.len(), 2);
    for s in setups {
        assert_eq!(s["goal"], "rmse");
        assert!(!s["sweep"].as_array().unwrap().is_empty());
        let recommended = num(&s["recommended_lr"]);
        for g in s["grids"].as_array().unwrap() {
            let trials = g["trials"].as_array().unwrap();
            let values: Vec<(i64, Option<f64>)> = trials
                .iter()
                .map(|t| (t["exponent"].as_i64().unwrap(), num(&t["value"])))
                .collect();
            // The best is the lowest RMSE, with at least two tried LRs on its low side and,
            // unless an LR above it diverged, on its high side.
            let best = values
                .iter()
                .filter_map(|&(e, v)| v.map(|v| (e, v)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            assert_eq!(num(&g["best"]), Some(best.1));
            let below = values.iter().filter(|(e, _)| *e < best.0).count();
            let above = values.iter().filter(|(e, _)| *e > best.0).count();
            let diverged_above = values.iter().any(|&(e, v)| e > best.0 && v.is_none());
            assert!(below >= 2, "{values:?}");
            assert!(above >= 2 || diverged_above, "{values:?}");
            // The verdict, from the figures: within 2% of the best RMSE is right.
            let verdict = g["verdict"].as_str().unwrap();
            match (recommended, num(&g["at_recommendation"])) {
                (Some(_), Some(at)) if at <= best.1 * 1.02 => assert_eq!(verdict, "right"),
                (Some(_), Some(at)) if at > best.1 * 1.05 => assert_eq!(verdict, "wrong"),
                (Some(_), Some(_)) => assert_eq!(verdict, "short"),
                (Some(_), None) => assert_eq!(verdict, "wrong"),
                (None, _) => assert!(verdict.ends_with("none"), "{verdict}"),
            }
        }
    }
    let summary = json["summary"].as_array().unwrap();
    assert_eq!(summary.len(), 2);
    let csv = std::fs::read_to_string(out.join("benchmark.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 2, "{csv}");
    assert!(csv.starts_with("setup,goal,protocol,recommended_lr"));
}

#[test]
fn the_benchmark_needs_out_and_takes_no_single_sweep_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = benchmark_file(dir.path());
    let needs_out = failure(&["lr-find", "--benchmark", str_of(&file)]);
    assert!(needs_out.contains("--out"), "{needs_out}");
    let conflict = failure(&[
        "lr-find",
        "--benchmark",
        str_of(&file),
        "--out",
        "x",
        "--dataset",
        "mnist",
    ]);
    assert!(conflict.contains("cannot be used with"), "{conflict}");
    std::fs::write(
        dir.path().join("bad.toml"),
        "name = \"x\"\nbase = \"nowhere.toml\"\n[[runs]]\nname = \"a\"\n",
    )
    .unwrap();
    let bad = failure(&[
        "lr-find",
        "--benchmark",
        str_of(&dir.path().join("bad.toml")),
        "--out",
        str_of(&dir.path().join("o")),
    ]);
    assert!(bad.contains("nowhere.toml"), "{bad}");
}
