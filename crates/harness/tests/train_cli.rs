//! `harness train` end to end on tiny synthetic data: the run folder, the overrides, the errors.

use std::path::{Path, PathBuf};
use std::process::Command;

// The data a test means is in its config: the runner unsets HARNESS_DATA, which would
// override `[data] dir`.
mod common;
use common::{harness, harness_with_env, str_of};

const TINY: &str = r#"
[data]
dataset = "synthetic"
batch_size = 16
seed = 3

[data.synthetic]
n_samples = 100
n_features = 2
n_informative = 2
noise = 1.0

[model]
kind = "linear"

[optimizer]
kind = "momentum"

[schedule]
kind = "cosine"
lr = 0.05
t_max = 35

[train]
epochs = 4
"#;

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("run.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_run_writes_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), TINY);
    let out = dir.path().join("out");
    train_into(&config, &out, &["--epochs", "5"]);
    for file in [
        "config.toml",
        "metrics.csv",
        "metrics.jsonl",
        "summary.json",
        "loss.png",
        "lr.png",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // 80 training rows in batches of 16: 5 steps per epoch, 5 epochs (the flag overrides the file).
    assert_eq!(summary["epochs_completed"], 5);
    assert_eq!(summary["steps"], 25);
    for key in [
        "test_rmse",
        "test_mae",
        "test_r2",
        "reference_test_rmse",
        "final_train_loss",
        "wall_seconds",
        "best_epoch",
    ] {
        assert!(summary[key].is_number(), "{key}: {}", summary[key]);
    }
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 26, "a header and one row per step");
    // The LR column is the schedule's: cosine from 0.05.
    let (schedule, _) = schedules::file::load(&config).unwrap();
    let expected = schedules::preview::preview(&schedule, 25, &[]).lrs;
    let lrs: Vec<f64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    assert_eq!(lrs, expected);
    // The effective config, defaults filled, trains the same way.
    let saved = train::config::RunConfig::load(&out.join("config.toml")).unwrap();
    assert_eq!(saved.train.epochs, 5);
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), TINY);
    let run = |name: &str| {
        let out = dir.path().join(name);
        train_into(&config, &out, &["--seed", "9"]);
        trace(&out)
    };
    assert_eq!(run("a"), run("b"), "bit for bit on flex");
}

/// With two or more threads, burn-flex splits products and batch gathers over helper threads
/// (the patch in vendor/burn-flex): each chunk sums over the same `k` in the same order, so
/// the run must not change by a bit. The first shape splits every large product (on two
/// threads, layer 1's forward product into 48 and 48 rows, its weight gradient
/// 300×96·96×200 into 160 and 140); the second has one that a split would move onto gemm's
/// other k-blocking (48-row chunks of 96×600·600×64), which must stay whole.
#[test]
fn the_thread_count_does_not_change_the_run() {
    let dir = tempfile::tempdir().unwrap();
    for (features, hidden) in [(300, 200), (600, 64)] {
        let text = TINY
            .replace("batch_size = 16", "batch_size = 96")
            .replace(
                "n_samples = 100\nn_features = 2\nn_informative = 2",
                &format!("n_samples = 500\nn_features = {features}\nn_informative = 10"),
            )
            .replace(
                "[model]\nkind = \"linear\"",
                &format!("[model]\nkind = \"mlp\"\nhidden = [{hidden}]"),
            )
            .replace("lr = 0.05", "lr = 0.001")
            .replace("epochs = 4", "epochs = 2");
        let config = write(dir.path(), &text);
        let run_with = |threads: &str, env: &[(&str, &str)]| {
            let out = dir
                .path()
                .join(format!("{features}-{threads}-{}", env.len()));
            let args = ["train", "--config", str_of(&config), "--out", str_of(&out)];
            let o = harness_with_env(&[&args[..], &["--threads", threads]].concat(), env);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            trace(&out)
        };
        let run = |threads: &str| run_with(threads, &[]);
        let one = run("1");
        assert_eq!(
            one.len(),
            1 + 2 * 5,
            "400 training rows: 4 batches of 96 and one of 16"
        );
        assert_eq!(run("2"), one, "{features} features: 2 threads, bit for bit");
        assert_eq!(run("3"), one, "{features} features: 3 threads, bit for bit");
        // burn-flex's helper team off (upstream's rayon paths): the same bits too.
        let off = [("HARNESS_FLEX_TEAM", "off")];
        assert_eq!(run_with("2", &off), one, "{features} features: no team");
    }
    let o = harness_with_env(
        &["train", "--config", "configs/cosine.toml"],
        &[("HARNESS_FLEX_TEAM", "maybe")],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("HARNESS_FLEX_TEAM = \"maybe\": expected off"),
        "{e}"
    );
}

#[test]
fn bad_inputs_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        &TINY.replace("t_max = 35", "t_max = 35\nlrr = 1"),
    );
    let o = harness(&["train", "--config", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(err.contains("run.toml:23: unknown field `lrr`"), "{err}");

    let good = write(dir.path(), TINY);
    let o = harness(&[
        "train",
        "--config",
        good.to_str().unwrap(),
        "--backend",
        "tpu",
    ]);
    assert_eq!(o.status.code(), Some(2));

    let out = dir.path().join("taken");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("summary.json"), "{}").unwrap();
    let o = harness(&[
        "train",
        "--config",
        good.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already holds a run"));
}

#[test]
fn a_backend_not_compiled_in_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), TINY);
    for backend in ["wgpu", "cuda", "cpu", "ndarray"] {
        if train::backend::Backend::compiled_in(backend.parse().unwrap()) {
            continue;
        }
        let out = dir.path().join(backend);
        let o = harness(&[
            "train",
            "--config",
            config.to_str().unwrap(),
            "--backend",
            backend,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(err.contains(&format!("--features {backend}")), "{err}");
    }
}

#[test]
fn a_diverging_run_names_the_step_and_lr() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        &TINY.replace(
            "kind = \"cosine\"\nlr = 0.05\nt_max = 35",
            "kind = \"constant\"\nlr = 1e6",
        ),
    );
    let out = dir.path().join("out");
    let err = train_failure(&config, &out);
    assert!(
        err.contains("the loss became") && err.contains("lr 1000000"),
        "{err}"
    );
    assert!(
        out.join("metrics.csv").is_file(),
        "what was recorded before is kept"
    );
}

/// An MLP with dropout, so that resuming must also restore the random numbers.
fn tiny_mlp(epochs: u64) -> String {
    TINY.replace(
        "[model]\nkind = \"linear\"",
        "[model]\nkind = \"mlp\"\nhidden = [8]\ndropout = 0.2",
    )
    .replace("lr = 0.05", "lr = 0.001")
    .replace("epochs = 4", &format!("epochs = {epochs}"))
}

/// metrics.csv without its timing columns (samples/s, elapsed).
fn trace(run: &Path) -> Vec<String> {
    std::fs::read_to_string(run.join("metrics.csv"))
        .unwrap()
        .lines()
        .map(|l| {
            l.split(',')
                .enumerate()
                .filter(|(i, _)| ![5, 11].contains(i))
                .map(|(_, c)| c)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

fn train_ok(args: &[&str]) {
    let o = harness(args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Trains `config` into `out` for `stop` epochs (5 steps each), then resumes it to `total`.
fn stop_and_resume(config: &Path, out: &Path, stop: u64, total: u64) {
    train_into(config, out, &["--epochs", &stop.to_string()]);
    assert_eq!(trace(out).len() as u64, 1 + stop * 5);
    let total = total.to_string();
    train_ok(&[
        "train",
        "--resume",
        out.to_str().unwrap(),
        "--epochs",
        &total,
    ]);
}

/// `harness train --config CONFIG --out OUT`, which must exit 2; its stderr.
fn train_failure(config: &Path, out: &Path) -> String {
    let o = harness(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `harness train --config CONFIG --out OUT EXTRA...`, which must succeed.
fn train_into(config: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "train",
        "--config",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    train_ok(&args);
}

#[test]
fn a_run_resumed_after_epoch_k_is_the_run_that_never_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), &tiny_mlp(6));
    let (whole, split) = (dir.path().join("whole"), dir.path().join("split"));
    train_into(&config, &whole, &[]);
    stop_and_resume(&config, &split, 2, 6);
    assert_eq!(
        trace(&split),
        trace(&whole),
        "same LRs and losses, bit for bit"
    );
    let summary = |run: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap()
    };
    assert_eq!(summary(&split)["test_rmse"], summary(&whole)["test_rmse"]);
    // The two latest checkpoints and the best one are kept.
    let kept = std::fs::read_dir(whole.join("checkpoints"))
        .unwrap()
        .count();
    assert!((2..=3).contains(&kept), "{kept} checkpoints kept");
}

#[test]
fn ctrl_c_saves_a_checkpoint_and_the_run_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), &tiny_mlp(400));
    let (whole, cut) = (dir.path().join("whole"), dir.path().join("cut"));
    train_into(&config, &whole, &[]);

    let child = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "train",
            "--config",
            config.to_str().unwrap(),
            "--out",
            cut.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it is well under way, then interrupt it as a terminal's Ctrl-C would.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_to_string(cut.join("metrics.csv")).map_or(0, |t| t.lines().count()) < 40 {
        assert!(
            std::time::Instant::now() < deadline,
            "the run did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.contains("checkpoint saved") && err.contains("--resume"),
        "{err}"
    );
    train_ok(&["train", "--resume", cut.to_str().unwrap()]);
    assert_eq!(
        trace(&cut),
        trace(&whole),
        "same LRs and losses, bit for bit"
    );
}

#[test]
fn the_cpu_backends_agree() {
    // flex and ndarray share burn's CPU random generator: the same seed gives the same weights,
    // and a short run gives losses that agree to float rounding.
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), &tiny_mlp(1));
    let losses = |backend: &str| -> Vec<f64> {
        let out = dir.path().join(backend);
        train_into(&config, &out, &["--backend", backend]);
        trace(&out)
            .iter()
            .skip(1)
            .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
            .collect()
    };
    let (flex, ndarray) = (losses("flex"), losses("ndarray"));
    assert_eq!(flex.len(), 5);
    assert_eq!(flex[0], ndarray[0], "same initial weights, same first loss");
    for (a, b) in flex.iter().zip(&ndarray) {
        assert!(
            (a - b).abs() <= 1e-4 * a.abs(),
            "flex {flex:?} vs ndarray {ndarray:?}"
        );
    }
}

#[test]
fn a_run_that_cannot_start_leaves_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("no-data");
    std::fs::create_dir_all(&empty).unwrap();
    let mnist = write(
        dir.path(),
        &TINY
            .replace(
                "dataset = \"synthetic\"",
                &format!("dataset = \"mnist\"\ndir = \"{}\"", empty.display()),
            )
            .replace("kind = \"linear\"", "kind = \"mlp\""),
    );
    let out = dir.path().join("out");
    let err = train_failure(&mnist, &out);
    assert!(err.contains("mnist: no train-images-idx3-ubyte"), "{err}");
    assert!(
        !out.exists(),
        "a run that could not start left {}",
        out.display()
    );
    // With the cause fixed, the same command starts: nothing is "already holding a run".
    let fixed = write(dir.path(), TINY);
    train_into(&fixed, &out, &[]);
    assert!(out.join("summary.json").is_file());
}

#[test]
fn resume_drops_a_half_written_metrics_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), &tiny_mlp(4));
    let (whole, cut) = (dir.path().join("whole"), dir.path().join("cut"));
    train_into(&config, &whole, &[]);
    train_into(&config, &cut, &["--epochs", "2"]);
    // What a kill while writing leaves: a record past the checkpoint, then half of another.
    let jsonl = cut.join("metrics.jsonl");
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let last = text
        .lines()
        .rfind(|l| l.contains("\"step\""))
        .unwrap()
        .to_string();
    let past = last
        .replace("\"epoch\":1", "\"epoch\":2")
        .replace("\"step\":9", "\"step\":10");
    std::fs::write(&jsonl, format!("{text}{past}\n{}", &last[..last.len() / 2])).unwrap();
    train_ok(&["train", "--resume", cut.to_str().unwrap(), "--epochs", "4"]);
    assert_eq!(
        trace(&cut),
        trace(&whole),
        "the resumed run is the whole run"
    );
    let records = |run: &Path| {
        std::fs::read_to_string(run.join("metrics.jsonl"))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(records(&cut), records(&whole));
}

#[test]
fn a_schedule_sized_for_another_length_is_warned_about_at_start() {
    let dir = tempfile::tempdir().unwrap();
    // 80 training rows in batches of 16: 5 steps an epoch; t_max = 20 fits the 4 epochs.
    let config = write(dir.path(), &TINY.replace("t_max = 35", "t_max = 20"));
    let o = harness(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--out",
        dir.path().join("a").to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        !err.contains("warning"),
        "t_max = 20 is 4 epochs of 5 steps: {err}"
    );
    let o = harness(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--out",
        dir.path().join("b").to_str().unwrap(),
        "--epochs",
        "1",
    ]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        err.contains("warning: cosine: t_max = 20 but it runs for 5 optimizer steps")
            && err.contains("set t_max = 5")
            && err.contains("--write-config OUT.toml --epochs 1"),
        "{err}"
    );
}

#[test]
fn a_run_with_cycled_momentum_resumes_exactly_and_records_it() {
    let dir = tempfile::tempdir().unwrap();
    // One-cycle over the 6 epochs of 5 steps writes Adam's beta1 every step.
    let text = tiny_mlp(6)
        .replace("kind = \"momentum\"", "kind = \"adam\"")
        .replace(
            "kind = \"cosine\"\nlr = 0.001\nt_max = 35",
            "kind = \"one_cycle\"\nmax_lr = 0.01\ntotal_steps = 30",
        );
    let config = write(dir.path(), &text);
    let (whole, split) = (dir.path().join("whole"), dir.path().join("split"));
    let o = harness(&[
        "train",
        "--config",
        config.to_str().unwrap(),
        "--out",
        whole.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let banner = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        banner.contains("beta1 set by the one_cycle schedule every step, from 0.95"),
        "the effective beta1 is printed at start: {banner}"
    );
    stop_and_resume(&config, &split, 2, 6);
    assert_eq!(
        trace(&split),
        trace(&whole),
        "same LRs, momentums and losses"
    );
    // The momentum column holds what the optimizer used: the schedule's, cycling from 0.95.
    let momentums: Vec<f64> = trace(&whole)[1..]
        .iter()
        .map(|row| row.split(',').nth(3).unwrap().parse().unwrap())
        .collect();
    assert_eq!(momentums[0], 0.95);
    assert!(momentums.iter().any(|&m| m < 0.9), "{momentums:?}");
}

#[test]
fn a_run_starts_from_pytorch_weights_and_saves_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    train_into(&write(dir.path(), TINY), &first, &[]);
    let weights = first.join("weights.safetensors");
    assert!(weights.is_file(), "a run saves its final weights");
    // Started from them with an LR far below float32's resolution, plain SGD: the weights
    // come out as they went in, bit for bit, through [model] init and the final save.
    let from = TINY
        .replace(
            "[model]\nkind = \"linear\"",
            "[model]\nkind = \"linear\"\ninit = \"first/weights.safetensors\"",
        )
        .replace("kind = \"momentum\"", "kind = \"sgd\"")
        .replace(
            "kind = \"cosine\"\nlr = 0.05\nt_max = 35",
            "kind = \"constant\"\nlr = 1e-30",
        );
    let second = dir.path().join("second");
    train_into(&write(dir.path(), &from), &second, &["--epochs", "1"]);
    // The tensors' bytes: a safetensors file is an 8-byte header length, the JSON header (whose
    // metadata burn-store writes in no fixed order), then the data.
    let tensors = |run: &Path| {
        let bytes = std::fs::read(run.join("weights.safetensors")).unwrap();
        let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        bytes[8 + header..].to_vec()
    };
    assert_eq!(tensors(&second), tensors(&first));
    // A missing file is named, and no run folder is left.
    let missing = from.replace("first/weights", "nowhere/weights");
    let out = dir.path().join("third");
    let err = train_failure(&write(dir.path(), &missing), &out);
    assert!(err.contains("nowhere/weights.safetensors"), "{err}");
    assert!(!out.exists());
}
