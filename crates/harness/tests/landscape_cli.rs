//! `harness landscape` end to end: the eight runs of the study in a table and in JSON, the
//! files of `--out`, the plot formats, determinism and bad flags.

use serde_json::Value;

mod common;
use common::{failure, ok, str_of};

const RUNS: [&str; 8] = [
    "GD lr 0.001",
    "GD lr 0.01",
    "GD lr 0.03",
    "GD lr 0.05",
    "SGD lr 0.01",
    "momentum lr 0.01",
    "RMSprop lr 0.01",
    "Adam lr 0.01",
];

#[test]
fn the_table_names_every_run_and_flags_the_divergence() {
    let table = ok(&["landscape"]);
    for run in RUNS {
        assert!(table.contains(run), "{run} missing from:\n{table}");
    }
    for word in ["final f", "status", "still moving", "diverged at step"] {
        assert!(table.contains(word), "{word} missing from:\n{table}");
    }
    let gd_005 = table
        .lines()
        .find(|l| l.starts_with("GD lr 0.05 "))
        .unwrap();
    assert!(gd_005.contains("diverged at step"), "{gd_005}");
}

#[test]
fn json_has_eight_runs_with_their_trajectories() {
    let json: Value = serde_json::from_str(&ok(&["landscape", "--format", "json"])).unwrap();
    assert_eq!(json["steps"], 100);
    assert_eq!(json["start"], serde_json::json!([-1.0, 1.0]));
    let runs = json["runs"].as_array().unwrap();
    let names: Vec<&str> = runs.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, RUNS);
    for run in runs {
        let trajectory = run["trajectory"].as_array().unwrap();
        assert!(
            !trajectory.is_empty() && trajectory.len() <= 101,
            "{}",
            run["name"]
        );
        assert_eq!(trajectory[0], serde_json::json!([-1.0, 1.0]));
        assert_eq!(run["final"], *trajectory.last().unwrap());
        assert!(run["final_loss"].is_number());
        match run["diverged_at"].as_u64() {
            Some(k) => assert_eq!(trajectory.len() as u64, k, "{}", run["name"]),
            None => assert_eq!(trajectory.len(), 101, "{}", run["name"]),
        }
    }
    // The shared LR moves the four optimizers, not gradient descent.
    let json: Value = serde_json::from_str(&ok(&[
        "landscape",
        "--steps",
        "5",
        "--lr",
        "0.002",
        "--format",
        "json",
    ]))
    .unwrap();
    let lrs: Vec<f64> = json["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["lr"].as_f64().unwrap())
        .collect();
    assert_eq!(lrs, [0.001, 0.01, 0.03, 0.05, 0.002, 0.002, 0.002, 0.002]);
}

#[test]
fn out_writes_json_csv_and_the_plot_and_plot_writes_svg() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("landscape");
    let svg = dir.path().join("paths.svg");
    ok(&[
        "landscape",
        "--steps",
        "20",
        "--out",
        str_of(&out),
        "--plot",
        str_of(&svg),
    ]);
    for file in ["landscape.json", "landscape.csv", "landscape.png"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let png = std::fs::read(out.join("landscape.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    let csv = std::fs::read_to_string(out.join("landscape.csv")).unwrap();
    assert!(csv.starts_with("run,optimizer,lr,step,x,y,loss\n"));
    assert!(csv.contains("\nAdam lr 0.01,adam,0.01,20,"), "{csv}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("landscape.json")).unwrap())
            .unwrap();
    let points: usize = json["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["trajectory"].as_array().unwrap().len())
        .sum();
    assert_eq!(csv.lines().count(), points + 1);
}

#[test]
fn two_runs_print_the_same_json() {
    let args = ["landscape", "--format", "json"];
    assert_eq!(ok(&args), ok(&args));
}

#[test]
fn bad_flags_exit_2_with_a_reason() {
    let e = failure(&["landscape", "--steps", "0"]);
    assert_eq!(e, "error: --steps = 0: must be at least 1\n");
    // The stated limit (cli::limits::LANDSCAPE_STEPS), and the count past any limit.
    let e = failure(&["landscape", "--steps", "1000001"]);
    assert_eq!(e, "error: --steps = 1000001: must be at most 1000000\n");
    let e = failure(&["landscape", "--steps", "99999999999"]);
    assert_eq!(e, "error: --steps = 99999999999: must be at most 1000000\n");
    // Negative numbers in every spelling reach the check, which names the flag.
    for lr in ["-1", "-1e-3", "-.5", "-inf", "0", "nan", "x"] {
        let e = failure(&["landscape", "--lr", lr]);
        assert_eq!(
            e,
            format!("error: --lr = {lr}: must be a finite number greater than 0\n")
        );
    }
    let e = failure(&["landscape", "--backend", "tpu"]);
    assert!(e.contains("expected one of"), "{e}");
    let e = failure(&["landscape", "--plot", "paths.jpg", "--steps", "1"]);
    assert!(e.contains(".png or .svg"), "{e}");
    let e = failure(&["landscape", "--format", "yaml"]);
    assert!(e.contains("table") && e.contains("json"), "{e}");
}
