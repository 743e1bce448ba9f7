//! `harness schedule` end to end: the binary on real files, its outputs, its errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use schedules::preview::preview;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn harness(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the harness binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn json_output_is_the_library_preview() {
    let out = harness(&[
        "schedule",
        "--config",
        "configs/schedules/one-cycle.toml",
        "--steps",
        "5000",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (schedule, _) =
        schedules::file::load(&repo().join("configs/schedules/one-cycle.toml")).unwrap();
    let expected = preview(&schedule, 5000, &[]);
    let lrs: Vec<f64> = serde_json::from_value(json["lrs"].clone()).unwrap();
    let first_diff = lrs
        .iter()
        .zip(&expected.lrs)
        .position(|(a, b)| a.to_bits() != b.to_bits());
    assert_eq!(lrs.len(), expected.lrs.len());
    assert_eq!(first_diff, None, "JSON numbers must read back exactly");
    let momentums: Vec<Option<f64>> = serde_json::from_value(json["momentums"].clone()).unwrap();
    assert!(Some(momentums) == expected.momentums, "momentums differ");
    assert!(
        stderr(&out).is_empty(),
        "no warning expected: {}",
        stderr(&out)
    );
}

#[test]
fn metrics_drive_a_loss_driven_schedule() {
    let args = [
        "schedule",
        "--config",
        "configs/schedules/plateau.toml",
        "--steps",
        "80",
        "--format",
        "csv",
    ];
    let without = harness(&args);
    let mut with_args = args.to_vec();
    with_args.extend(["--metrics", "configs/schedules/plateau-metrics.txt"]);
    let with = harness(&with_args);
    assert!(with.status.success(), "{}", stderr(&with));
    let last_lr = |out: &Output| {
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .last()
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    assert_eq!(last_lr(&without), 0.1, "no metrics, no reduction");
    assert!(
        last_lr(&with) < 0.01,
        "the plateau in the metrics cuts the LR"
    );
    assert!(stderr(&without).contains("loss-driven but 0 metrics were given for 80 steps"));
}

#[test]
fn mismatched_t_max_warns_on_stderr_only() {
    let out = harness(&[
        "schedule",
        "--config",
        "configs/schedules/cosine.toml",
        "--steps",
        "100",
        "--format",
        "csv",
    ]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("warning: cosine: t_max = 5000 but it runs for 100 optimizer steps")
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 101);
    assert_eq!(stdout.lines().next(), Some("step,lr"));
}

#[test]
fn plots_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["s.png", "s.svg"] {
        let path = dir.path().join(name);
        let out = harness(&[
            "schedule",
            "--config",
            "configs/schedules/warmup-cosine.toml",
            "--steps",
            "5000",
            "--plot",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let bytes = std::fs::read(&path).unwrap();
        if name.ends_with("png") {
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        } else {
            assert!(String::from_utf8_lossy(&bytes).contains("<svg"));
        }
    }
}

/// Writes `text` to a schedule file in a temp dir and runs `harness schedule` on it.
fn run_on(text: &str, extra: &[&str]) -> (Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.toml");
    std::fs::write(&path, text).unwrap();
    let mut args = vec![
        "schedule",
        "--config",
        path.to_str().unwrap(),
        "--steps",
        "10",
    ];
    args.extend(extra);
    (harness(&args), dir)
}

#[test]
fn unknown_key_exits_2_naming_file_line_and_key() {
    let (out, _dir) = run_on("kind = \"cosine\"\nlr = 0.1\nlrr = 3\nt_max = 10\n", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ")
            && err.contains(
                "x.toml:3: unknown field `lrr`, expected one of `lr`, `t_max`, `eta_min`"
            ),
        "{err}"
    );
}

#[test]
fn broken_rule_exits_2_naming_field_value_and_rule() {
    let (out, _dir) = run_on(
        "[schedule]\nkind = \"step\"\nlr = 0.1\nstep_size = 0\n",
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    // Printed once: the rule is part of the message, not repeated as a cause.
    let err = stderr(&out);
    assert!(
        err.starts_with("error: /") && err.lines().count() == 1,
        "{err}"
    );
    assert!(
        err.ends_with("/x.toml:4: invalid schedule: schedule.step_size = 0: must be at least 1\n"),
        "{err}"
    );
}

#[test]
fn other_bad_inputs_exit_2() {
    let ok = "kind = \"constant\"\nlr = 0.1\n";
    let (out, _dir) = run_on(ok, &["--plot", "out.jpg"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(".png or .svg"), "{}", stderr(&out));

    let (out, _dir) = run_on(ok, &["--metrics", "/nonexistent/m.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read metrics file /nonexistent/m.txt"));

    let out = harness(&["schedule", "--config", "/nonexistent.toml", "--steps", "3"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read /nonexistent.toml"));

    let out = harness(&[
        "schedule",
        "--config",
        "configs/schedules/step.toml",
        "--steps",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(2), "clap rejects --steps 0");
}

#[test]
fn steps_past_the_stated_limit_exit_2_instead_of_aborting() {
    // The count: once an allocation failure (abort), now refused by the parser. The
    // limit is cli::limits::PREVIEW_STEPS, stated in --help.
    let steps = |n: &str| {
        let args = [
            "schedule",
            "--config",
            "configs/schedules/step.toml",
            "--steps",
            n,
        ];
        harness(&args)
    };
    for (n, rule) in [
        ("99999999999", "must be at most 10000000"),
        ("10000001", "must be at most 10000000"),
        ("-1", "must be at least 1"),
        ("0", "must be at least 1"),
        ("2.5", "must be a whole number from 1 to 10000000"),
    ] {
        let out = steps(n);
        assert_eq!(out.status.code(), Some(2), "--steps {n}");
        assert_eq!(stderr(&out), format!("error: --steps = {n}: {rule}\n"));
    }
    let help = String::from_utf8(harness(&["schedule", "--help"]).stdout).unwrap();
    assert!(help.contains("At most 10000000"), "{help}");
}

#[test]
fn help_explains_every_flag() {
    let out = harness(&["schedule", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in ["--config", "--steps", "--metrics", "--format", "--plot"] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}
