//! `harness bench` end to end on the vendored MNIST, kept short: the figures it promises are
//! there and plausible, and bad settings exit 2.

use serde_json::Value;

mod common;
use common::harness;

#[test]
fn json_has_one_object_per_configuration() {
    let o = harness(&[
        "bench",
        "--batch-sizes",
        "32,64",
        "--steps",
        "5",
        "--warmup",
        "1",
        "--no-epoch",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let all: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(all.len(), 2);
    for (m, batch) in all.iter().zip([32, 64]) {
        assert_eq!(m["backend"], "flex");
        assert_eq!(m["batch_size"], batch);
        for key in [
            "samples_per_sec",
            "step_ms_median",
            "step_ms_p95",
            "forward_samples_per_sec",
            "startup_seconds",
        ] {
            assert!(m[key].as_f64().is_some_and(|v| v > 0.0), "{key}: {m}");
        }
        assert!(m["step_ms_p95"].as_f64() >= m["step_ms_median"].as_f64());
        assert!(m["epoch_seconds"].is_null());
        assert!(m["machine"]["cores"].as_u64().is_some_and(|c| c >= 1));
        assert_eq!(m["versions"]["burn"], "0.22.1");
        if cfg!(target_os = "linux") {
            assert!(m["peak_rss_mb"].as_f64().is_some_and(|r| r > 10.0), "{m}");
        }
    }
}

#[test]
fn the_linear_model_and_the_table() {
    let o = harness(&[
        "bench",
        "--model",
        "linear",
        "--batch-sizes",
        "64",
        "--steps",
        "3",
        "--warmup",
        "0",
        "--no-epoch",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(table.starts_with("linear 784-1 on "), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("flex") && l.contains(" 64 ")),
        "{table}"
    );
}

#[test]
fn bad_settings_exit_2() {
    for args in [
        &["bench", "--batch-sizes", "0"][..],
        &["bench", "--steps", "0"],
        &["bench", "--backend", "tpu"],
    ] {
        let o = harness(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn counts_past_their_stated_limits_are_refused_before_measuring() {
    // The limits of cli::limits (BENCH_STEPS, BENCH_BATCH: the 60000 MNIST training rows,
    // HIDDEN), each also stated in `harness bench --help`; a negative count names the flag too.
    let cases: [(&[&str], &str); 7] = [
        (
            &["--steps", "99999999999"],
            "--steps = 99999999999: must be at most 1000000",
        ),
        (&["--steps", "-1"], "--steps = -1: must be at least 1"),
        (
            &["--warmup", "1000001"],
            "--warmup = 1000001: must be at most 1000000",
        ),
        (&["--warmup", "-1"], "--warmup = -1: must be at least 0"),
        (
            &["--batch-sizes", "64,60001"],
            "--batch-sizes = 60001: must be at most 60000",
        ),
        (
            &["--hidden", "65537"],
            "--hidden = 65537: must be at most 65536",
        ),
        (&["--hidden", "0"], "--hidden = 0: must be at least 1"),
    ];
    for (flags, want) in cases {
        let o = harness(&[&["bench"], flags].concat());
        assert_eq!(o.status.code(), Some(2), "{flags:?}");
        assert_eq!(
            String::from_utf8_lossy(&o.stderr),
            format!("error: {want}\n")
        );
        assert!(o.stdout.is_empty(), "{flags:?} measured something");
    }
}
