//! The runner the command tests share: the `harness` binary, run from the repository root
//! (where `datasets/` is), with `HARNESS_DATA` unset so the vendored data is what is found.
//! Each test file uses a part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub fn harness(args: &[&str]) -> Output {
    harness_with_env(args, &[])
}

/// `harness args` with the variables `env` set besides.
pub fn harness_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_harness"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .env_remove("HARNESS_DATA")
        .envs(env.iter().copied())
        .output()
        .expect("the harness binary runs")
}

/// Runs `harness args`, which must succeed; its stdout.
pub fn ok(args: &[&str]) -> String {
    let out = harness(args);
    assert!(
        out.status.success(),
        "harness {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `harness args`, which must exit 2; its stderr.
pub fn failure(args: &[&str]) -> String {
    let out = harness(args);
    assert_eq!(out.status.code(), Some(2), "harness {args:?} should exit 2");
    String::from_utf8(out.stderr).unwrap()
}

pub fn str_of(p: &Path) -> &str {
    p.to_str().unwrap()
}
