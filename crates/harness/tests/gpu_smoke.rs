//! The GPU code path: two training steps on the wgpu backend. Built only with the `wgpu`
//! feature; CI runs it on a software Vulkan driver (Mesa's lavapipe, `mesa-vulkan-drivers`):
//!   cargo test -p harness --features wgpu --test gpu_smoke
#![cfg(feature = "wgpu")]

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

#[test]
fn two_training_steps_on_wgpu() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gpu.toml");
    std::fs::write(&config, TWO_STEPS).unwrap();
    let out = dir.path().join("run");
    let o = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "train",
            "--backend",
            "wgpu",
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
    assert_eq!(summary["backend"], "wgpu");
    assert_eq!(summary["steps"], 2, "32 training rows in batches of 16");
    assert!(
        summary["test_rmse"].as_f64().is_some_and(f64::is_finite),
        "{summary}"
    );
    println!("wgpu device: {}", summary["device"]);
}
