//! What `--help` promises, checked against what the code does: every count flag states its
//! limit and is held to it, every numeric flag takes a value with a leading `-` to its check,
//! and `harness lr-find --help` describes the rule the consensus code applies.

use std::any::TypeId;

use clap::{CommandFactory, Parser};
use harness::cli::Cli;

mod common;
use common::{failure, ok};

/// Every flag of every subcommand (`["data", "fetch"]` for nested ones), with its path.
fn flags(cmd: &clap::Command, path: &[String], out: &mut Vec<(Vec<String>, clap::Arg)>) {
    for arg in cmd.get_arguments().filter(|a| a.get_long().is_some()) {
        out.push((path.to_vec(), arg.clone()));
    }
    for sub in cmd.get_subcommands() {
        let mut sub_path = path.to_vec();
        sub_path.push(sub.get_name().to_string());
        flags(sub, &sub_path, out);
    }
}

fn all_flags() -> Vec<(Vec<String>, clap::Arg)> {
    let mut out = Vec::new();
    flags(&Cli::command(), &[], &mut out);
    out
}

fn takes(arg: &clap::Arg, types: &[TypeId]) -> bool {
    let parsed = arg.get_value_parser().type_id();
    types.iter().any(|t| parsed == *t)
}

/// A count flag: one whose values are whole numbers.
fn is_count(arg: &clap::Arg) -> bool {
    takes(arg, &[TypeId::of::<u64>(), TypeId::of::<usize>()])
}

/// The error of parsing `path --long value` in process (no run starts). Values are parsed as
/// they are read, before required and conflicting flags are checked, so no other flag is given.
fn parse_error(path: &[String], long: &str, value: &str) -> String {
    let mut argv = vec!["harness".to_string()];
    argv.extend(path.iter().cloned());
    argv.extend([format!("--{long}"), value.to_string()]);
    match Cli::try_parse_from(&argv) {
        Ok(_) => panic!("{argv:?} parsed"),
        Err(e) => e.to_string(),
    }
}

/// `N` out of `error: --steps = ...: must be at most N`.
fn stated_max(error: &str) -> u64 {
    let tail = error.rsplit("must be at most ").next().unwrap();
    tail.trim_end()
        .parse()
        .unwrap_or_else(|_| panic!("no bound in {error:?}"))
}

#[test]
fn every_count_flag_states_its_limit_and_is_held_to_it() {
    let counts: Vec<_> = all_flags()
        .into_iter()
        .filter(|(_, a)| is_count(a))
        .collect();
    // schedule --steps; lr-find --num-iters, --batch-size, --accumulate, --seeds, --seed,
    // --epochs, --threads; train --epochs, --seed, --threads; compare --run-index,
    // --cpus-per-task, --max-parallel, --jobs, --epochs, --threads; bench --hidden,
    // --batch-sizes, --steps, --warmup, --threads; landscape --steps.
    assert_eq!(
        counts.len(),
        23,
        "a count flag came or went: update the list above"
    );
    for (path, arg) in counts {
        let long = arg.get_long().unwrap();
        let at = format!("{} --{long}", path.join(" "));
        // Past u64 itself: the parser must still name the rule, so it is ours, not clap's.
        let huge = "99999999999999999999999";
        let error = parse_error(&path, long, huge);
        let max = stated_max(&error);
        // `--threads` also names HARNESS_THREADS: `--threads (HARNESS_THREADS) = ...`.
        assert!(
            error.starts_with(&format!("error: --{long}")),
            "{at}: {error}"
        );
        let rule = format!(" = {huge}: must be at most {max}\n");
        assert!(error.ends_with(&rule), "{at}: {error}");
        let over = (u128::from(max) + 1).to_string();
        let error = parse_error(&path, long, &over);
        assert!(
            error.ends_with(&format!(": must be at most {max}\n")),
            "{at}: {error}"
        );
        let help = arg.get_long_help().or(arg.get_help());
        let help = help
            .map(|h| h.to_string().to_lowercase())
            .unwrap_or_default();
        assert!(
            help.contains(&format!("at most {max}")) || help.contains(&format!("to {max}")),
            "{at}: the help does not state the limit {max}: {help}"
        );
        // A leading '-' reaches the parser, which says what the least value is.
        let error = parse_error(&path, long, "-1");
        assert!(error.contains(&format!("--{long}")), "{at}: {error}");
        assert!(error.contains(" = -1: must be at least "), "{at}: {error}");
    }
}

#[test]
fn every_numeric_flag_takes_a_leading_minus() {
    let numeric = [
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<f64>(),
    ];
    let mut seen = 0;
    for (path, arg) in all_flags() {
        if takes(&arg, &numeric) {
            seen += 1;
            assert!(
                arg.is_allow_negative_numbers_set() || arg.is_allow_hyphen_values_set(),
                "{} --{}: `-1` would be clap's unexpected argument",
                path.join(" "),
                arg.get_long().unwrap()
            );
        }
    }
    // The 23 counts, lr-find's --start-lr, --end-lr, --smooth, --diverge and landscape's --lr.
    assert_eq!(seen, 28);
}

#[test]
fn negative_numbers_reach_the_check_that_names_the_flag() {
    let cases: [(&[&str], &str); 9] = [
        (
            &[
                "schedule",
                "--config",
                "configs/schedules/step.toml",
                "--steps",
                "-1",
            ],
            "error: --steps = -1: must be at least 1\n",
        ),
        (
            &["train", "--config", "configs/cosine.toml", "--epochs", "-1"],
            "error: --epochs = -1: must be at least 1\n",
        ),
        (
            &["train", "--config", "configs/cosine.toml", "--seed", "-1"],
            "error: --seed = -1: must be at least 0\n",
        ),
        (
            &[
                "train",
                "--config",
                "configs/cosine.toml",
                "--threads",
                "-1",
            ],
            "error: --threads (HARNESS_THREADS) = -1: must be at least 1\n",
        ),
        // Real numbers reach lr-find's own checks, in the style of its other errors.
        (
            &["lr-find", "--dataset", "mnist", "--smooth", "-0.1"],
            "error: invalid option: --smooth = -0.1: must be in [0, 1)\n",
        ),
        (
            &["lr-find", "--dataset", "mnist", "--start-lr", "-1e-3"],
            "error: invalid option: --start-lr = -0.001: must be a finite number greater than 0\n",
        ),
        (
            &["lr-find", "--dataset", "mnist", "--diverge", "-inf"],
            "error: invalid option: --diverge = -inf: must be in (1, inf]\n",
        ),
        (
            &["landscape", "--lr", "-.5"],
            "error: --lr = -.5: must be a finite number greater than 0\n",
        ),
        (
            &["bench", "--batch-sizes", "-5,64"],
            "error: --batch-sizes = -5: must be at least 1\n",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(failure(args), want, "{args:?}");
    }
}

/// `text` with every run of whitespace made one space.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn lr_find_help_describes_the_rule_the_code_applies() {
    // One source: the consensus module words its rule from the constants it uses.
    let rule = words(&lr_find::consensus::recommendation_rule());
    for phrase in [
        "lowest point of the zero-lag curve",
        "within 0.5 decades of the middle",
        "standard deviations of the step-to-step noise",
        "no usable descent",
    ] {
        assert!(
            rule.contains(phrase),
            "{phrase} missing from the rule: {rule}"
        );
    }
    let help = words(&ok(&["lr-find", "--help"]));
    assert!(help.contains(&rule), "--help lacks the rule:\n{help}");
    // The checks after the sweep, in the numbers their modules use (the flag's own line too).
    let runs = format!("at least {} sweeps long", lr_find::horizon::RUNS_PER_SWEEP);
    let whole = format!("at most {} sweeps long", lr_find::horizon::WHOLE_RUN_SWEEPS);
    let margin = format!("more than {}% lower", 100.0 * lr_find::horizon::HOLD_MARGIN);
    let factor = format!("multiplied by {}", lr_find::momentum::HEAVY_BALL_FACTOR);
    for phrase in [&runs, &whole, &margin, &factor] {
        assert!(help.contains(phrase.as_str()), "{phrase} missing:\n{help}");
    }
    assert!(
        help.matches(runs.as_str()).count() >= 2,
        "--no-horizon's help: {help}"
    );
    assert!(
        help.matches(margin.as_str()).count() >= 2,
        "--no-horizon's help: {help}"
    );
    assert!(
        help.matches(whole.as_str()).count() >= 2,
        "--no-horizon's help: {help}"
    );
    // The rules this help described before: the median of the classic rules, then the middle
    // of the descent on the moving average.
    assert!(!help.contains("median of the first three"), "{help}");
    assert!(!help.contains("how far apart they are"), "{help}");
    assert!(!help.contains("√(steepest × lowest)"), "{help}");
}

/// `text` holds `flag` as a whole word: `--seed` in "--seed S" but not only in "--seeds".
fn names(text: &str, flag: &str) -> bool {
    text.match_indices(flag).any(|(i, _)| {
        !text[i + flag.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    })
}

#[test]
fn the_readme_names_every_flag_of_every_subcommand() {
    // The README documents the CLI: a flag added to the code and not to the README fails here.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("the README is in the repository");
    let missing: Vec<String> = all_flags()
        .into_iter()
        .filter_map(|(path, arg)| {
            let long = format!("--{}", arg.get_long()?);
            (!matches!(long.as_str(), "--help" | "--version") && !names(&readme, &long))
                .then(|| format!("harness {} {long}", path.join(" ")))
        })
        .collect();
    assert!(missing.is_empty(), "not in README.md: {missing:?}");
}
