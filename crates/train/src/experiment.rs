//! Experiment files for `harness compare`: several run configs made from one base by overrides,
//! listed or as a grid, checked into runs a report can compare.
//!
//! ```toml
//! name = "adaptive"
//! base = "../../configs/housing-fixed.toml"   # relative to this file
//! first_epochs = 200                          # loss reduction over the first 200 epochs
//! [set]                                       # overrides for every run
//! train = { epochs = 1000 }
//!
//! [[runs]]
//! name = "fixed"                              # the base as it is
//!
//! [[runs]]
//! name = "step"
//! set = { schedule = { kind = "step", lr = 0.01, step_size = 129000, gamma = 0.5 } }
//!
//! [grid]                                      # or: every combination of these values
//! "schedule.lr" = [0.001, 0.01, 0.1]
//! ```
//!
//! An override is merged into the base table by table; a table that names a `kind` replaces
//! the table it lands on instead (a new schedule does not inherit the old one's keys). A key
//! with dots (`"schedule.lr"`) is a path.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::{Table, Value};

use crate::config::RunConfig;

/// The file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    name: Option<String>,
    #[serde(default)]
    description: String,
    base: Option<PathBuf>,
    #[serde(default)]
    set: Table,
    #[serde(default)]
    runs: Vec<RunEntry>,
    grid: Option<Table>,
    first_epochs: Option<u64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunEntry {
    name: String,
    /// A run config of its own instead of the base (relative to the experiment file).
    config: Option<PathBuf>,
    #[serde(default)]
    set: Table,
}

/// One run of an experiment: its config, or why there is none.
#[derive(Clone, Debug)]
pub struct PlannedRun {
    pub name: String,
    /// The effective config, or the error that keeps this run from starting.
    pub config: Result<RunConfig, String>,
}

/// An experiment ready to run.
#[derive(Clone, Debug)]
pub struct Experiment {
    pub name: String,
    pub description: String,
    /// Epochs over which the report measures the loss reduction (convergence speed).
    pub first_epochs: u64,
    pub runs: Vec<PlannedRun>,
}

/// An experiment file that cannot be used at all (a single bad run is not one: it is reported).
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct ExperimentError {
    pub path: PathBuf,
    pub message: String,
}

/// Reads the experiment at `path` and plans its runs.
///
/// # Errors
/// The file cannot be read or parsed, names no runs, repeats a run name, or a run has neither
/// `config` nor a `base` to start from.
pub fn load(path: &Path) -> Result<Experiment, ExperimentError> {
    let fail = |message: String| ExperimentError {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
    let file: ExperimentFile = schedules::file::from_toml(&text, path).map_err(|e| {
        let message = e.to_string();
        // from_toml names the file itself; keep the rest.
        let prefix = format!("{}:", path.display());
        fail(
            message
                .strip_prefix(&prefix)
                .unwrap_or(&message)
                .trim()
                .to_string(),
        )
    })?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let read_base = |p: &Path| -> Result<Table, String> {
        let full = dir.join(p);
        let text =
            std::fs::read_to_string(&full).map_err(|e| format!("{}: {e}", full.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", full.display()))
    };
    let base = match &file.base {
        Some(p) => Some(read_base(p).map_err(&fail)?),
        None => None,
    };

    let mut entries: Vec<(String, Option<PathBuf>, Table)> = file
        .runs
        .iter()
        .map(|r| (r.name.clone(), r.config.clone(), r.set.clone()))
        .collect();
    if let Some(grid) = &file.grid {
        entries.extend(grid_runs(grid).map_err(&fail)?);
    }
    if entries.is_empty() {
        return Err(fail("no runs: add [[runs]] entries or a [grid]".into()));
    }
    let mut seen = std::collections::HashSet::new();
    for (name, _, _) in &entries {
        if !seen.insert(name.clone()) {
            return Err(fail(format!("two runs are named `{name}`")));
        }
    }

    let mut runs = Vec::with_capacity(entries.len());
    for (name, config_path, set) in entries {
        let start = match (&config_path, &base) {
            (Some(p), _) => read_base(p),
            (None, Some(b)) => Ok(b.clone()),
            (None, None) => {
                return Err(fail(format!(
                    "run `{name}` has no `config` and the experiment no `base`"
                )));
            }
        };
        let config = start.and_then(|mut table| {
            apply(&mut table, &file.set)?;
            apply(&mut table, &set)?;
            let text = toml::to_string(&table).map_err(|e| e.to_string())?;
            RunConfig::parse(&text, Path::new(&format!("run `{name}`"))).map_err(|e| e.to_string())
        });
        runs.push(PlannedRun { name, config });
    }
    let name = file.name.clone().unwrap_or_else(|| {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        match (stem.as_ref(), dir.file_name()) {
            ("experiment", Some(folder)) => folder.to_string_lossy().into_owned(),
            _ => stem.into_owned(),
        }
    });
    Ok(Experiment {
        name,
        description: file.description,
        first_epochs: file.first_epochs.unwrap_or(10),
        runs,
    })
}

/// Every combination of the grid's values, in the order of its keys (sorted), named
/// `key=value,...` with the last part of each key.
fn grid_runs(grid: &Table) -> Result<Vec<(String, Option<PathBuf>, Table)>, String> {
    let mut combos: Vec<(Vec<String>, Table)> = vec![(Vec::new(), Table::new())];
    for (key, values) in grid {
        let Value::Array(values) = values else {
            return Err(format!("grid key `{key}` must be a list of values"));
        };
        if values.is_empty() {
            return Err(format!("grid key `{key}` has no values"));
        }
        let short = key.rsplit('.').next().unwrap_or(key);
        let mut next = Vec::with_capacity(combos.len() * values.len());
        for (names, table) in &combos {
            for value in values {
                let mut table = table.clone();
                table.insert(key.clone(), value.clone());
                let mut names = names.clone();
                names.push(format!("{short}={}", value_name(value)));
                next.push((names, table));
            }
        }
        combos = next;
    }
    Ok(combos
        .into_iter()
        .map(|(names, table)| (names.join(","), None, table))
        .collect())
}

/// A short name for a grid value: a table by its `kind`, a string bare, numbers as written.
fn value_name(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Table(t) => t
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("table")
            .to_string(),
        other => other.to_string(),
    }
}

/// Applies the overrides `set` to `table`.
fn apply(table: &mut Table, set: &Table) -> Result<(), String> {
    for (key, value) in set {
        let path: Vec<&str> = key.split('.').collect();
        put(table, &path, value.clone())?;
    }
    Ok(())
}

/// Puts `value` at `path`: tables merge key by key, unless the new table has a `kind`, which
/// replaces the old table whole.
fn put(table: &mut Table, path: &[&str], value: Value) -> Result<(), String> {
    let (first, rest) = path.split_first().expect("paths have a key");
    if rest.is_empty() {
        match (table.get_mut(*first), value) {
            (Some(Value::Table(old)), Value::Table(new)) if !new.contains_key("kind") => {
                for (k, v) in new {
                    put(old, &[k.as_str()], v)?;
                }
            }
            (_, value) => {
                table.insert((*first).to_string(), value);
            }
        }
        return Ok(());
    }
    let child = table
        .entry((*first).to_string())
        .or_insert_with(|| Value::Table(Table::new()));
    match child {
        Value::Table(child) => put(child, rest, value),
        _ => Err(format!(
            "`{first}` is not a table, so `{}` cannot be set",
            path.join(".")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[data]
dataset = "synthetic"
batch_size = 16

[model]
kind = "linear"

[optimizer]
kind = "sgd"

[schedule]
kind = "loss_spike"
lr = 0.1
spike_threshold = 1.1

[train]
epochs = 3
"#;

    fn experiment(text: &str) -> Result<Experiment, ExperimentError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
        let path = dir.path().join("exp.toml");
        std::fs::write(&path, text).unwrap();
        load(&path)
    }

    fn config(e: &Experiment, i: usize) -> &RunConfig {
        e.runs[i].config.as_ref().unwrap()
    }

    #[test]
    fn runs_override_the_base() {
        let e = experiment(
            r#"
base = "base.toml"
set = { train = { epochs = 7 } }
[[runs]]
name = "as-is"
[[runs]]
name = "constant"
set = { schedule = { kind = "constant", lr = 0.5 }, "data.batch_size" = 8 }
"#,
        )
        .unwrap();
        assert_eq!(e.name, "exp");
        assert_eq!(config(&e, 0).train.epochs, 7);
        assert_eq!(config(&e, 0).data.batch_size, 16);
        // A table with a kind replaces the old schedule (spike_threshold is gone, no error).
        let c = config(&e, 1);
        assert!(
            c.to_toml().contains("kind = \"constant\""),
            "{}",
            c.to_toml()
        );
        assert_eq!(c.data.batch_size, 8);
    }

    #[test]
    fn a_grid_is_every_combination() {
        let e = experiment(
            r#"
base = "base.toml"
[grid]
"schedule.lr" = [0.01, 0.1]
"optimizer" = [{ kind = "sgd" }, { kind = "adam" }]
"#,
        )
        .unwrap();
        let names: Vec<&str> = e.runs.iter().map(|r| r.name.as_str()).collect();
        // Keys in sorted order: optimizer, then schedule.lr.
        assert_eq!(
            names,
            [
                "optimizer=sgd,lr=0.01",
                "optimizer=sgd,lr=0.1",
                "optimizer=adam,lr=0.01",
                "optimizer=adam,lr=0.1"
            ]
        );
        assert!(config(&e, 3).to_toml().contains("kind = \"adam\""));
    }

    #[test]
    fn a_bad_run_is_kept_with_its_reason() {
        let e = experiment(
            r#"
base = "base.toml"
[[runs]]
name = "good"
[[runs]]
name = "bad"
set = { "schedule.lr" = -1.0 }
"#,
        )
        .unwrap();
        assert!(e.runs[0].config.is_ok());
        let err = e.runs[1].config.as_ref().unwrap_err();
        assert!(err.contains("schedule.lr = -1"), "{err}");
    }

    #[test]
    fn file_level_errors() {
        let e = experiment("[[runs]]\nname = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("has no `config` and the experiment no `base`"),
            "{e}"
        );
        let e = experiment("base = \"base.toml\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no runs"), "{e}");
        let e =
            experiment("base = \"base.toml\"\n[[runs]]\nname = \"a\"\n[[runs]]\nname = \"a\"\n")
                .unwrap_err()
                .to_string();
        assert!(e.contains("two runs are named `a`"), "{e}");
        let e = experiment("bsae = \"base.toml\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `bsae`"), "{e}");
        let e = experiment("base = \"missing.toml\"\n[[runs]]\nname = \"a\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.toml"), "{e}");
    }
}
