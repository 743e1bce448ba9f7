//! The backends outside the default build, each through the binary: two training steps and
//! a short throughput benchmark. Each test is built with its backend's feature only:
//!   cargo test -p harness --features wgpu --test backend_smoke   (CI: Mesa's lavapipe, a
//!                                                                 software Vulkan driver)
//!   cargo test -p harness --features cpu --test backend_smoke    (CubeCL's LLVM JIT; the LLVM
//!                                                                 of scripts/offline-llvm.sh)
#![cfg(any(feature = "wgpu", feature = "cpu"))]

use std::process::Command;

const TWO_STEPS: &str = r#"
[data]
dataset = "synthetic"
batch_size = 16
seed = 3

[data.synthetic]
n_samples = 40
n_features = 2
n_informative = 2
noise = 1.0

[model]
kind = "mlp"
hidden = [8]

[optimizer]
kind = "momentum"

[schedule]
kind = "cosine"
lr = 0.001
t_max = 2

[train]
epochs = 1
"#;

/// Two training steps and a benchmark of a few steps on `backend`, from the binary.
fn two_steps_and_a_benchmark(backend: &str) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("smoke.toml");
    std::fs::write(&config, TWO_STEPS).unwrap();
    let out = dir.path().join("run");
    let o = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(["train", "--backend", backend])
        .args([
            "--config",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["backend"], backend);
    assert_eq!(summary["steps"], 2, "32 training rows in batches of 16");
    assert!(
        summary["test_rmse"].as_f64().is_some_and(f64::is_finite),
        "{summary}"
    );
    println!("{backend} device: {}", summary["device"]);

    // The throughput benchmark on the vendored MNIST: a few timed steps.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let o = Command::new(env!("CARGO_BIN_EXE_harness"))
        .current_dir(&root)
        .env_remove("HARNESS_DATA")
        .args([
            "bench",
            "--backend",
            backend,
            "--hidden",
            "16",
            "--batch-sizes",
            "32",
        ])
        .args([
            "--steps",
            "3",
            "--warmup",
            "1",
            "--no-epoch",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    if backend == "wgpu" && o.status.code() == Some(2) && stderr.contains("the device failed") {
        // Mesa's lavapipe binds at most 128 MiB per storage buffer, and MNIST resident on the
        // device is one 188 MB tensor: a clean error, not a panic (exit 101), is what is asked.
        println!("wgpu bench refused by this device: {stderr}");
        return;
    }
    assert!(o.status.success(), "{stderr}");
    let bench: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    println!("{backend} bench: {bench}");
    assert!(bench.to_string().contains("samples_per_sec"), "{bench}");
}

#[cfg(feature = "wgpu")]
#[test]
fn two_training_steps_and_a_benchmark_on_wgpu() {
    two_steps_and_a_benchmark("wgpu");
}

#[cfg(feature = "cpu")]
#[test]
fn two_training_steps_and_a_benchmark_on_the_cubecl_cpu_backend() {
    two_steps_and_a_benchmark("cpu");
}
