//! Parity with PyTorch: every case recorded from `torch.optim.lr_scheduler` in
//! `tests/golden/*.json` (the vendored recording; its README says how it was made), every step,
//! relative error ≤ 1e-12 in f64.
//!
//! Each case's PyTorch class and arguments are mapped to our TOML schedule config, which then
//! goes through the same code path as `harness schedule`: `schedules::file::parse`, then
//! `schedules::preview::preview` with the case's metrics. Set `HARNESS_GOLDEN` to a JSON file or
//! a folder of them to check other recordings.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

const TOLERANCE: f64 = 1e-12;

fn golden_files() -> Vec<PathBuf> {
    let root = match std::env::var_os("HARNESS_GOLDEN") {
        Some(path) => PathBuf::from(path),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden"),
    };
    if root.is_file() {
        return vec![root];
    }
    let entries = std::fs::read_dir(&root).unwrap_or_else(|e| {
        panic!(
            "the PyTorch golden files are expected in {} ({e}): the vendored folder, or the \
             file or folder HARNESS_GOLDEN names",
            root.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable golden folder").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no *.json golden file in {}",
        root.display()
    );
    files
}

/// PyTorch argument names are ours in snake_case: `T_max` → `t_max`.
fn our_key(torch_key: &str) -> String {
    torch_key.to_lowercase()
}

/// Copies PyTorch arguments into our table, leaving out what only restates a default.
fn copy_args(args: &Map<String, Value>, table: &mut toml::Table) -> Result<(), String> {
    for (key, value) in args {
        match (key.as_str(), value) {
            (_, Value::Null) => {}
            ("last_epoch", v) if v.as_i64() == Some(-1) => {}
            // Older torch versions record their deprecated `verbose` flag.
            ("verbose", _) => {}
            // CyclicLR: the built-in modes fix scale_mode; a custom scale_fn has no TOML form.
            ("scale_mode", _) => {}
            ("scale_fn", v) => return Err(format!("custom scale_fn {v} is not supported")),
            (key, value) => {
                let value: toml::Value = serde_json::from_value(value.clone())
                    .map_err(|e| format!("argument {key} = {value}: {e}"))?;
                table.insert(our_key(key), value);
            }
        }
    }
    Ok(())
}

/// Our schedule table for a PyTorch class with `args`, on an optimizer whose LR is `base_lr`.
fn schedule_table(
    class: &str,
    args: &Map<String, Value>,
    base_lr: f64,
) -> Result<toml::Table, String> {
    let mut table = toml::Table::new();
    let kind = match class {
        "StepLR" => "step",
        "MultiStepLR" => "multistep",
        "ExponentialLR" => "exponential",
        "CosineAnnealingLR" => "cosine",
        "CosineAnnealingWarmRestarts" => "cosine_restarts",
        "CyclicLR" => "cyclic",
        "OneCycleLR" => "one_cycle",
        "LinearLR" => "linear",
        "PolynomialLR" => "polynomial",
        "ReduceLROnPlateau" => "reduce_on_plateau",
        "ConstantLR" => {
            // Our `constant` defaults to a plain constant; torch's ConstantLR to 1/3 for 5 steps.
            table.insert("factor".into(), (1.0 / 3.0).into());
            table.insert("total_iters".into(), 5.into());
            "constant"
        }
        "LambdaLR" => return lambda_table(args, base_lr),
        "SequentialLR" => return sequential_table(args, base_lr),
        other => return Err(format!("no mapping for class {other}")),
    };
    table.insert("kind".into(), kind.into());
    // CyclicLR and OneCycleLR take their LRs from their own arguments, not the optimizer's.
    if !matches!(kind, "cyclic" | "one_cycle") {
        table.insert("lr".into(), base_lr.into());
    }
    copy_args(args, &mut table)?;
    Ok(table)
}

fn sequential_table(args: &Map<String, Value>, base_lr: f64) -> Result<toml::Table, String> {
    let children = args["schedulers"]
        .as_array()
        .ok_or("schedulers is not a list")?;
    let mut schedules = Vec::new();
    for child in children {
        let class = child["class"].as_str().ok_or("scheduler without class")?;
        let child_args = child["args"].as_object().ok_or("scheduler without args")?;
        schedules.push(toml::Value::Table(schedule_table(
            class, child_args, base_lr,
        )?));
    }
    let milestones: toml::Value = serde_json::from_value(args["milestones"].clone())
        .map_err(|e| format!("milestones: {e}"))?;
    let mut table = toml::Table::new();
    table.insert("kind".into(), "sequential".into());
    table.insert("milestones".into(), milestones);
    table.insert("schedules".into(), toml::Value::Array(schedules));
    Ok(table)
}

/// The recorded lambdas are linear warm-ups, described by kind and step counts.
fn lambda_table(args: &Map<String, Value>, base_lr: f64) -> Result<toml::Table, String> {
    let lambda = &args["lr_lambda"];
    let count = |name: &str| {
        lambda[name]
            .as_i64()
            .ok_or_else(|| format!("lr_lambda without integer {name}: {lambda}"))
    };
    let constant = |lr: f64| -> toml::Table {
        toml::toml! { kind = "constant" lr = lr }
    };
    let table = match lambda["kind"].as_str() {
        // min(1, (k + 1) / W): factor (k + 1) / W = 1/W + (1 − 1/W) · k / (W − 1) for k < W − 1.
        Some("linear_warmup") => {
            let w = count("warmup_steps")?;
            let then = constant(base_lr);
            toml::toml! { kind = "warmup" warmup_steps = (w - 1) start_factor = (1.0 / w as f64) then = then }
        }
        // min(1, k / W).
        Some("linear_warmup_from_zero") => {
            let w = count("warmup_steps")?;
            let then = constant(base_lr);
            toml::toml! { kind = "warmup" warmup_steps = w start_factor = 0.0 then = then }
        }
        // k / W for k < W, then max(0, (T − k) / (T − W)).
        Some("linear_warmup_then_linear_decay") => {
            let (w, t) = (count("warmup_steps")?, count("total_steps")?);
            let then: toml::Table = toml::toml! {
                kind = "linear" lr = base_lr start_factor = 1.0 end_factor = 0.0 total_iters = (t - w)
            };
            toml::toml! { kind = "warmup" warmup_steps = w start_factor = 0.0 then = then }
        }
        _ => return Err(format!("no mapping for lr_lambda {lambda}")),
    };
    Ok(table)
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .map(|a| a.iter().map(|v| v.as_f64().expect("a number")).collect())
        .unwrap_or_default()
}

/// Worst relative error of `got` against `want`, and the first step beyond the tolerance.
fn compare(got: &[f64], want: &[f64]) -> (f64, Option<usize>) {
    let mut worst: f64 = 0.0;
    let mut first_bad = None;
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let err = if g == w { 0.0 } else { (g - w).abs() / w.abs() };
        worst = worst.max(err);
        let within = err <= TOLERANCE; // false for NaN
        if !within && first_bad.is_none() {
            first_bad = Some(k);
        }
    }
    (worst, first_bad)
}

/// Checks one case; `Err` describes the mismatch.
fn check_case(case: &Value) -> Result<f64, String> {
    let class = case["class"].as_str().ok_or("no class")?;
    let args = case["args"].as_object().ok_or("no args")?;
    let base_lr = case["base_lr"].as_f64().ok_or("no base_lr")?;
    let table = schedule_table(class, args, base_lr)?;
    let text = toml::to_string(&table).map_err(|e| e.to_string())?;
    let (schedule, _) = schedules::file::parse(&text, Path::new("golden-case.toml"))
        .map_err(|e| format!("{e}\n--- config ---\n{text}"))?;

    let want = floats(&case["lrs"]);
    let steps = case["num_steps"].as_u64().ok_or("no num_steps")?;
    let preview = schedules::preview::preview(&schedule, steps, &floats(&case["metrics"]));
    if preview.lrs.len() != want.len() {
        return Err(format!(
            "{} LRs for {} recorded",
            preview.lrs.len(),
            want.len()
        ));
    }
    let (mut worst, bad) = compare(&preview.lrs, &want);
    if let Some(k) = bad {
        return Err(format!(
            "lr at step {k}: got {:e}, PyTorch {:e}\n--- config ---\n{text}",
            preview.lrs[k], want[k]
        ));
    }
    if let Some(recorded) = case.get("momentums").filter(|m| m.is_array()) {
        let got: Vec<f64> = preview
            .momentums
            .ok_or("PyTorch cycles momentum but we give none")?
            .into_iter()
            .map(|m| m.unwrap_or(f64::NAN))
            .collect();
        let want = floats(recorded);
        let (worst_m, bad) = compare(&got, &want);
        if let Some(k) = bad {
            return Err(format!(
                "momentum at step {k}: got {}, PyTorch {}",
                got[k], want[k]
            ));
        }
        worst = worst.max(worst_m);
    }
    Ok(worst)
}

#[test]
fn every_golden_case_matches_pytorch() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut worst: f64 = 0.0;
    let mut inexact = std::collections::BTreeMap::<String, f64>::new();
    for file in golden_files() {
        let text = std::fs::read_to_string(&file).expect("readable golden file");
        let doc: Value = serde_json::from_str(&text).expect("golden file is JSON");
        let cases = doc["cases"]
            .as_array()
            .expect("golden file has a cases list");
        for case in cases {
            let id = case["id"].as_str().unwrap_or("?");
            match check_case(case) {
                Ok(err) => {
                    worst = worst.max(err);
                    if err > 0.0 {
                        let class = case["class"].as_str().unwrap_or("?").to_string();
                        let entry = inexact.entry(class).or_default();
                        *entry = entry.max(err);
                    }
                }
                Err(why) => failures.push(format!("{}: {id}: {why}", file.display())),
            }
            checked += 1;
        }
    }
    eprintln!("{checked} PyTorch cases checked, worst relative error {worst:e}");
    eprintln!("classes not bit for bit (worst relative error): {inexact:?}");
    assert!(checked > 0, "no golden case found");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
