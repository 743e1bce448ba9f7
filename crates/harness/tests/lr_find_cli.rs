//! `harness lr-find` end to end: the default MNIST sweep on the vendored files, and the
//! options, outputs and errors on tiny synthetic data.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{failure, harness, ok, str_of};

/// Linear regression on 400 synthetic rows, plain SGD, batch 64: it descends, then diverges.
const SYNTHETIC: &str = include_str!("../../train/tests/fixtures/sweep.toml");

/// A sweep of the synthetic config in `dir` that finds its descent, plus `extra` flags.
fn sweep(dir: &Path, extra: &[&str]) -> String {
    let config = synthetic(dir);
    let mut args = vec!["lr-find", "--config", str_of(&config), "--start-lr", "1e-5"];
    args.extend(["--num-iters", "80", "--smooth", "0.9"]);
    args.extend(extra);
    ok(&args)
}

fn synthetic(dir: &Path) -> PathBuf {
    let path = dir.join("run.toml");
    std::fs::write(&path, SYNTHETIC).unwrap();
    path
}

#[test]
fn the_default_mnist_sweep_runs_on_a_fresh_clone() {
    // The vendored MNIST and the built-in 784-128-10 MLP; 20 steps keep the debug build quick.
    let json: Value = serde_json::from_str(&ok(&[
        "lr-find",
        "--dataset",
        "mnist",
        "--num-iters",
        "20",
        "--format",
        "json",
    ]))
    .unwrap();
    let lrs = json["lrs"].as_array().unwrap();
    assert!(!lrs.is_empty() && lrs.len() <= 20);
    // --dataset alone gives no run length, so no horizon check.
    assert!(json.get("horizon").is_none(), "{json}");
    assert_eq!(lrs[0].as_f64(), Some(1e-7));
    for key in ["losses", "smoothed"] {
        assert_eq!(json[key].as_array().unwrap().len(), lrs.len(), "{key}");
    }
    for method in ["steepest", "minimum", "valley", "steepest_first_half"] {
        assert!(json["suggestions"].get(method).is_some(), "{method}");
    }
    for key in [
        "recommended_lr",
        "confidence",
        "stop_reason",
        "elapsed_seconds",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert_eq!(json["settings"]["batch_size"], 128);
    assert_eq!(json["settings"]["model"]["hidden"][0], 128);
    assert_eq!(json["settings"]["optimizer"]["kind"], "sgd");
}

#[test]
fn the_table_names_every_method_and_the_recommendation() {
    let dir = tempfile::tempdir().unwrap();
    let table = sweep(dir.path(), &[]);
    for word in [
        "steepest",
        "minimum",
        "valley",
        "steepest_first_half",
        "recommended lr",
        "stopped: diverged",
        "elapsed",
    ] {
        assert!(table.contains(word), "{word} missing from:\n{table}");
    }
}

#[test]
fn seeds_are_reported_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let json: Value =
        serde_json::from_str(&sweep(dir.path(), &["--seeds", "3", "--format", "json"])).unwrap();
    let per_seed = json["per_seed"].as_array().unwrap();
    assert_eq!(per_seed.len(), 3);
    let seeds: Vec<u64> = per_seed
        .iter()
        .map(|s| s["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, [11, 12, 13]);
    for s in per_seed {
        assert!(s["recommended_lr"].is_number(), "{s}");
        assert!(s["suggestions"]["steepest"].is_number(), "{s}");
    }
    assert!(json["seed_spread_decades"].is_number());
}

#[test]
fn the_written_config_trains_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("found.toml");
    sweep(
        dir.path(),
        &["--write-config", str_of(&written), "--epochs", "3"],
    );
    let text = std::fs::read_to_string(&written).unwrap();
    // 320 training rows in batches of 64: 5 steps per epoch, 3 epochs.
    assert!(
        text.contains("kind = \"one_cycle\"") && text.contains("total_steps = 15"),
        "{text}"
    );
    // The file says how to get a schedule of another length.
    assert!(text.contains("write it again with --epochs N"), "{text}");
    let out = dir.path().join("run");
    ok(&["train", "--config", str_of(&written), "--out", str_of(&out)]);
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["steps"], 15);
}

#[test]
fn out_writes_json_csv_and_a_plot() {
    let dir = tempfile::tempdir().unwrap();
    let config = synthetic(dir.path());
    let out = dir.path().join("found");
    let svg = dir.path().join("sweep.svg");
    ok(&[
        "lr-find",
        "--config",
        str_of(&config),
        "--num-iters",
        "30",
        "--out",
        str_of(&out),
    ]);
    for file in ["lr_find.json", "lr_find.csv", "lr_find.png"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let csv = std::fs::read_to_string(out.join("lr_find.csv")).unwrap();
    assert!(csv.starts_with("seed,step,lr,loss,smoothed\n"));
    // The sweep as TensorBoard events, one point per row of lr_find.csv, at its step.
    let column = |i: usize| -> Vec<(i64, f32)> {
        let rows = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>());
        rows.map(|r| (r[1].parse().unwrap(), r[i].parse::<f64>().unwrap() as f32))
            .collect()
    };
    let events = |dir: &std::path::Path| {
        let files = train::events::event_files(dir);
        assert_eq!(files.len(), 1, "{files:?}");
        tfevents::read(&files[0]).unwrap()
    };
    let file = events(&out);
    assert_eq!(file.scalars("lr"), column(2));
    assert_eq!(file.scalars("lr_find/loss"), column(3));
    assert_eq!(file.scalars("lr_find/smoothed"), column(4));
    assert!(file.texts("hparams")[0].1.contains("[optimizer]"));
    // Two seeds, into --tensorboard DIR: DIR/found/seed-<s>, one file each (the earlier
    // sweep's events in --out stay with it).
    let board = dir.path().join("board");
    ok(&[
        "lr-find",
        "--config",
        str_of(&config),
        "--num-iters",
        "30",
        "--seeds",
        "2",
        "--out",
        str_of(&out),
        "--tensorboard",
        str_of(&board),
    ]);
    let seeds = std::fs::read_dir(board.join("found")).unwrap().count();
    assert_eq!(seeds, 2);
    for entry in std::fs::read_dir(board.join("found")).unwrap() {
        assert!(!events(&entry.unwrap().path()).scalars("lr").is_empty());
    }
    ok(&[
        "lr-find",
        "--config",
        str_of(&config),
        "--num-iters",
        "30",
        "--plot",
        str_of(&svg),
    ]);
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
}

#[test]
fn bad_settings_exit_2_naming_the_flag() {
    let e = failure(&["lr-find", "--dataset", "mnist", "--start-lr", "0"]);
    assert!(
        e.contains("--start-lr = 0: must be a finite number greater than 0"),
        "{e}"
    );
    let e = failure(&["lr-find", "--dataset", "mnist", "--end-lr", "1e-9"]);
    assert!(
        e.contains("--end-lr = 0.000000001 must be greater than --start-lr"),
        "{e}"
    );
    let e = failure(&["lr-find", "--dataset", "mnist", "--smooth", "1"]);
    assert!(e.contains("--smooth = 1: must be in [0, 1)"), "{e}");
    let e = failure(&["lr-find", "--config", "no/such.toml"]);
    assert!(e.contains("no/such.toml"), "{e}");
    let e = failure(&["lr-find"]);
    assert!(e.contains("--dataset"), "{e}");
}

#[test]
fn counts_past_their_stated_limits_exit_2_before_any_data_loads() {
    // cli::limits: SWEEP_POINTS for --num-iters and for --num-iters × --seeds, SEEDS,
    // ACCUMULATE, BATCH_SIZE; `--config no/such.toml` shows that the flags are checked first.
    let cases: [(&[&str], &str); 6] = [
        (
            &["--num-iters", "99999999999"],
            "error: --num-iters = 99999999999: must be at most 1000000\n",
        ),
        (
            &["--num-iters", "1"],
            "error: --num-iters = 1: must be at least 2\n",
        ),
        (
            &["--seeds", "1001"],
            "error: --seeds = 1001: must be at most 1000\n",
        ),
        (
            &["--accumulate", "-2"],
            "error: --accumulate = -2: must be at least 1\n",
        ),
        (
            &["--batch-size", "1000001"],
            "error: --batch-size = 1000001: must be at most 1000000\n",
        ),
        (
            &["--num-iters", "1000000", "--seeds", "2"],
            "error: invalid option: --num-iters × --seeds = 1000000 × 2 = 2000000: must be at \
             most 1000000\n",
        ),
    ];
    for (flags, want) in cases {
        let args = [&["lr-find", "--config", "no/such.toml"], flags].concat();
        assert_eq!(failure(&args), want, "{flags:?}");
    }
    // The largest seed is a seed, but not with a second one after it (seeds are S, S + 1, ...).
    let args = [
        "lr-find",
        "--dataset",
        "mnist",
        "--seed",
        "18446744073709551615",
    ];
    let e = failure(&[&args[..], &["--seeds", "2"]].concat());
    assert_eq!(
        e,
        "error: invalid option: --seed = 18446744073709551615 with --seeds = 2: the last seed, \
         --seed + --seeds - 1, must be at most 18446744073709551615\n"
    );
}

#[test]
fn a_config_too_large_to_write_is_an_error_not_a_panic() {
    // A config's own batch size and epochs are not bounded as the flags are: 9e18 rows × 3
    // accumulated, or 9e18 epochs × 5 steps (320 training rows in batches of 64), overflow
    // 64 bits. Whichever check refuses them (the config's or --write-config's), the run must
    // exit 2 with a message, write nothing and not panic.
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("found.toml");
    let huge_batch = SYNTHETIC.replace("batch_size = 64", "batch_size = 9000000000000000000");
    let huge_epochs = SYNTHETIC.replace("seed = 11", "seed = 11\nepochs = 9000000000000000000");
    for (text, extra) in [
        (huge_batch, ["--accumulate", "3"]),
        (huge_epochs, ["--seeds", "1"]),
    ] {
        let config = dir.path().join("run.toml");
        std::fs::write(&config, text).unwrap();
        let mut args = vec!["lr-find", "--config", str_of(&config), "--start-lr", "1e-5"];
        args.extend(["--num-iters", "80", "--smooth", "0.9", "--write-config"]);
        args.push(str_of(&written));
        args.extend(extra);
        let out = harness(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && !stderr.contains("panicked"),
            "{stderr}"
        );
        assert!(!written.exists());
    }
}

#[test]
fn the_printed_reason_uses_the_words_of_the_help() {
    let dir = tempfile::tempdir().unwrap();
    let json: Value = serde_json::from_str(&sweep(dir.path(), &["--format", "json"])).unwrap();
    let reason = json["reason"].as_str().unwrap();
    // The reason names the rule as the help does ("the lowest point of the zero-lag curve"),
    // then fills in the LRs, the width and the depth.
    let named = "lowest point of the zero-lag curve (";
    assert!(reason.starts_with(named), "{reason}");
    assert!(reason.contains("noise σ deep"), "{reason}");
    let help = ok(&["lr-find", "--help"]);
    assert!(
        help.contains("The recommended LR is the lowest point of the zero-lag curve"),
        "{help}"
    );
    assert_eq!(
        json["spread_methods"],
        serde_json::json!(["steepest", "minimum", "valley"])
    );
    assert!(json.get("voters").is_none());
}

#[test]
fn no_usable_descent_writes_no_config() {
    // Ten steps between 1e-7 and 1e-6: nothing moves.
    let dir = tempfile::tempdir().unwrap();
    let config = synthetic(dir.path());
    let written = dir.path().join("found.toml");
    let out = harness(&[
        "lr-find",
        "--config",
        str_of(&config),
        "--end-lr",
        "1e-6",
        "--num-iters",
        "10",
        "--write-config",
        str_of(&written),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("recommended lr: none (no usable descent"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no usable descent"));
    assert!(!written.exists());
}

#[test]
fn a_long_run_is_checked_at_its_horizon_and_the_written_config_takes_its_lr() {
    // 100 epochs of 5 steps are 500 steps, over 5 sweeps of 80: the one-cycle check runs at a
    // quarter of the run (125 steps); under 100 sweeps, the constant LR is raced over all 500.
    let dir = tempfile::tempdir().unwrap();
    let written = dir.path().join("found.toml");
    let args = ["--write-config", str_of(&written), "--epochs", "100"];
    let json: Value = serde_json::from_str(&sweep(
        dir.path(),
        &[&args[..], &["--format", "json"]].concat(),
    ))
    .unwrap();
    let h = &json["horizon"];
    assert_eq!(h["plan"]["annealed_steps"], 125, "{h}");
    assert_eq!(h["plan"]["run_steps"], 500);
    assert_eq!(h["plan"]["constant"], "whole-run");
    assert_eq!(h["one_cycle"]["steps"], 125);
    assert_eq!(h["constant"]["steps"], 500);
    // The recommendation is the constant LR the check chose; one-cycle's goes into the file.
    assert_eq!(json["recommended_lr"], h["constant"]["chosen_lr"]);
    let one_cycle = h["one_cycle_lr"].as_f64().expect("an LR for one-cycle");
    let text = std::fs::read_to_string(&written).unwrap();
    let config = train::config::RunConfig::parse(&text, &written).unwrap();
    let factor = train::lr_find::one_cycle_factor(&config.optimizer);
    let schedules::ScheduleConfig::OneCycle(c) = &config.schedule else {
        panic!("a one-cycle config: {text}")
    };
    assert!(
        (c.max_lr / (one_cycle * factor) - 1.0).abs() < 1e-12,
        "{text}"
    );
    assert!(text.contains("checked at a horizon of 125 steps"), "{text}");
    // The table shows every run of the check and its cost.
    let table = sweep(
        dir.path(),
        &["--epochs", "100", "--write-config", str_of(&written)],
    );
    assert!(
        table.contains("horizon check: the run is 500 steps"),
        "{table}"
    );
    assert!(table.contains("--no-horizon skips it"), "{table}");
    // --no-horizon: no check.
    let off = sweep(
        dir.path(),
        &[&args[..], &["--format", "json", "--no-horizon"]].concat(),
    );
    assert!(
        serde_json::from_str::<Value>(&off)
            .unwrap()
            .get("horizon")
            .is_none()
    );
    // The config's own run (its default epochs, a few steps, under 5 sweeps): only the constant
    // LR is checked, over the whole run; one-cycle keeps the LR checked.
    let short: Value = serde_json::from_str(&sweep(dir.path(), &["--format", "json"])).unwrap();
    let h = &short["horizon"];
    let run_steps = h["plan"]["run_steps"].as_u64().expect("the run's steps");
    assert!(run_steps < 5 * 80, "{h}");
    assert_eq!(h["constant"]["steps"], run_steps, "{h}");
    assert_eq!(h["plan"]["constant"], "whole-run");
    assert!(h["one_cycle"].is_null(), "{h}");
    assert_eq!(h["one_cycle_lr"], h["checked_lr"]);
    assert_eq!(short["recommended_lr"], h["constant"]["chosen_lr"]);
}
