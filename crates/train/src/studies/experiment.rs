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
//! with dots (`"schedule.lr"`) is a path ([`crate::overrides`], as `harness train --set`).
//!
//! Each run gets a folder named after it ([`folder_name`]); the folders are checked when the
//! file is read: none empty, none `.` or `..`, none longer than [`MAX_FOLDER_BYTES`], no two
//! the same (ignoring case, as macOS and Windows do).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::{Table, Value};

use crate::config::{ConfigError, RunConfig};

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

/// A run as written, or as a grid makes it.
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
#[derive(Debug)]
pub struct PlannedRun {
    pub name: String,
    /// The run's folder name, [`folder_name`] of its name: a single path component, unique
    /// among the experiment's runs (ignoring case).
    pub folder: String,
    /// The effective config, or the error that keeps this run from starting.
    pub config: Result<RunConfig, RunConfigError>,
}

/// An experiment ready to run.
#[derive(Debug)]
pub struct Experiment {
    pub name: String,
    pub description: String,
    /// Epochs over which the report measures the loss reduction (convergence speed).
    pub first_epochs: u64,
    pub runs: Vec<PlannedRun>,
}

/// An experiment file that cannot be used at all (a single bad run is not one: it is reported
/// in its [`PlannedRun::config`]).
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// The file cannot be read, is not TOML, or has an unknown key (file and line named).
    #[error(transparent)]
    File(#[from] schedules::file::FileError),
    /// Everything else, about the experiment file at `path`.
    #[error("{}: {problem}", path.display())]
    Plan {
        path: PathBuf,
        problem: Box<PlanError>,
    },
}

/// Why an experiment's runs cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A base or a run's own config that cannot be read.
    #[error("{}: {source}", path.display())]
    ReadConfig {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A base or a run's own config that is not TOML.
    #[error("{}: {source}", path.display())]
    ParseConfig {
        path: PathBuf,
        source: toml::de::Error,
    },
    /// The run's own config cannot be used.
    #[error("run {run:?}: {source}")]
    RunConfig { run: String, source: Box<PlanError> },
    #[error("run {run:?} has no `config` and the experiment no `base`")]
    NoStart { run: String },
    #[error("no runs: add [[runs]] entries or a [grid]")]
    NoRuns,
    #[error(
        "`[grid]` has no keys, so it makes no runs: add a key with a list of values, or remove it"
    )]
    EmptyGrid,
    #[error("grid key `{key}` must be a list of values")]
    GridNotList { key: String },
    #[error("grid key `{key}` has an empty list of values, so the grid makes no runs")]
    GridNoValues { key: String },
    #[error(transparent)]
    Folder(#[from] FolderError),
    #[error("no run is valid, and no run's overrides mend the base: {source}")]
    BaseInvalid { source: RunConfigError },
    #[error("no run is valid with `[set]`: run {run:?} is valid without it, and with it: {source}")]
    SetBreaks { run: String, source: RunConfigError },
}

/// A run name that cannot name the run's folder ([`folder_name`], [`distinct_folders`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FolderError {
    #[error("run {name:?} has an empty name, which cannot name its folder")]
    Empty { name: String },
    /// `.` or `..`: the runs' folder itself, or the one above.
    #[error(
        "run {name:?} would become the folder {folder:?}, which is not a folder of its own: it \
         is the folder {}that holds the runs' folders",
        if folder == "." { "" } else { "above the one " }
    )]
    NotOwn { name: String, folder: String },
    #[error(
        "run {name:?} would become a folder name of {bytes} bytes, more than the \
         {MAX_FOLDER_BYTES} allowed"
    )]
    TooLong { name: String, bytes: usize },
    #[error("two runs are named {name:?}")]
    SameName { name: String },
    #[error("runs {first:?} and {second:?} both become the folder {folder:?}")]
    SameFolder {
        first: String,
        second: String,
        folder: String,
    },
    #[error(
        "runs {first:?} and {second:?} become the folders {first_folder:?} and {folder:?}, \
         which are one folder where case is ignored (macOS, Windows)"
    )]
    SameIgnoringCase {
        first: String,
        second: String,
        first_folder: String,
        folder: String,
    },
}

/// Why one run of an experiment cannot start: its overrides, or the config they make.
#[derive(Debug, thiserror::Error)]
pub enum RunConfigError {
    #[error(transparent)]
    Override(#[from] crate::overrides::OverrideError),
    #[error("the merged config cannot be written as TOML: {0}")]
    Toml(#[from] toml::ser::Error),
    #[error(transparent)]
    Config(Box<ConfigError>),
}

impl From<ConfigError> for RunConfigError {
    fn from(e: ConfigError) -> Self {
        RunConfigError::Config(Box::new(e))
    }
}

/// The longest folder name a run may have, in bytes: file systems allow 255, and a folder
/// name may get a suffix (`NAME.toml`).
pub const MAX_FOLDER_BYTES: usize = 200;

/// Reads the experiment at `path` and plans its runs.
///
/// # Errors
/// A mistake no run can survive: the file, its base or a run's own config cannot be read or
/// parsed; it names no runs, has an empty `[grid]` or a grid key without values; a run has
/// neither `config` nor a `base`; two runs have the same folder name, or one has none
/// ([`folder_name`]); or every run is invalid because of the base or `[set]`. A run whose
/// own overrides are invalid is not an error: its [`PlannedRun::config`] holds the reason.
pub fn load(path: &Path) -> Result<Experiment, ExperimentError> {
    let fail = |problem: PlanError| ExperimentError::Plan {
        path: path.to_path_buf(),
        problem: Box::new(problem),
    };
    let text = schedules::file::read_config(path)?;
    let file: ExperimentFile = schedules::file::from_toml(&text, path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let base = match &file.base {
        Some(p) => Some(read_table(dir, p).map_err(fail)?),
        None => None,
    };
    let entries = entries(&file).map_err(fail)?;
    let folders = folders(&entries).map_err(|e| fail(e.into()))?;
    let starts = entries
        .iter()
        .map(|e| start_table(e, base.as_ref(), dir))
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let runs: Vec<PlannedRun> = entries
        .iter()
        .zip(starts.iter().zip(folders))
        .map(|(entry, (start, folder))| PlannedRun {
            name: entry.name.clone(),
            folder,
            config: build(
                start,
                &[&file.set, &entry.set],
                &format!("run `{}`", entry.name),
            ),
        })
        .collect();
    if let Some(problem) = no_run_survives(&file, base.as_ref(), &entries, &starts, &runs) {
        return Err(fail(problem));
    }
    Ok(Experiment {
        name: experiment_name(&file, path),
        description: file.description,
        first_epochs: file.first_epochs.unwrap_or(10),
        runs,
    })
}

/// The TOML table in `dir/path` (a base or a run's own config), naming the file in errors.
fn read_table(dir: &Path, path: &Path) -> Result<Table, PlanError> {
    let full = dir.join(path);
    let text = bounded::read_to_string(&full, schedules::file::CONFIG_LIMIT).map_err(|source| {
        PlanError::ReadConfig {
            path: full.clone(),
            source,
        }
    })?;
    toml::from_str(&text).map_err(|source| PlanError::ParseConfig { path: full, source })
}

/// The listed runs, then the grid's.
fn entries(file: &ExperimentFile) -> Result<Vec<RunEntry>, PlanError> {
    let mut entries = file.runs.clone();
    if let Some(grid) = &file.grid {
        entries.extend(grid_runs(grid)?);
    }
    if entries.is_empty() {
        return Err(PlanError::NoRuns);
    }
    Ok(entries)
}

/// What a run starts from: its own config file, else the base.
fn start_table(entry: &RunEntry, base: Option<&Table>, dir: &Path) -> Result<Table, PlanError> {
    let run = entry.name.clone();
    match (&entry.config, base) {
        (Some(p), _) => read_table(dir, p).map_err(|source| PlanError::RunConfig {
            run,
            source: Box::new(source),
        }),
        (None, Some(b)) => Ok(b.clone()),
        (None, None) => Err(PlanError::NoStart { run }),
    }
}

/// `start` with the overrides `sets` applied in order, as a checked run config; `label`
/// names it in errors.
fn build(start: &Table, sets: &[&Table], label: &str) -> Result<RunConfig, RunConfigError> {
    let mut table = start.clone();
    for set in sets {
        crate::overrides::apply_table(&mut table, set)?;
    }
    let text = toml::to_string(&table)?;
    Ok(RunConfig::parse(&text, Path::new(label))?)
}

/// Why no run can start because of the file's shared part, when none can: the base with
/// `[set]` is invalid and no run's overrides mend it, or `[set]` breaks a run that is valid
/// without it. `None` when some run is valid, or every run fails by its own overrides.
fn no_run_survives(
    file: &ExperimentFile,
    base: Option<&Table>,
    entries: &[RunEntry],
    starts: &[Table],
    runs: &[PlannedRun],
) -> Option<PlanError> {
    if runs.iter().any(|r| r.config.is_ok()) {
        return None;
    }
    let with_set = if file.set.is_empty() {
        ""
    } else {
        " with `[set]`"
    };
    let uses_base = entries.iter().any(|e| e.config.is_none());
    if let (Some(base), Some(base_path), true) = (base, &file.base, uses_base) {
        let label = format!("{}{with_set}", base_path.display());
        if let Err(source) = build(base, &[&file.set], &label) {
            return Some(PlanError::BaseInvalid { source });
        }
    }
    if file.set.is_empty() {
        return None;
    }
    let i = (0..entries.len()).find(|&i| build(&starts[i], &[&entries[i].set], "").is_ok())?;
    // The run's error again (as `load` built it), owned.
    let label = format!("run `{}`", entries[i].name);
    let source = build(&starts[i], &[&file.set, &entries[i].set], &label).err()?;
    Some(PlanError::SetBreaks {
        run: entries[i].name.clone(),
        source,
    })
}

/// The file's `name`, else the folder's name for `NAME/experiment.toml`, else the file stem.
fn experiment_name(file: &ExperimentFile, path: &Path) -> String {
    file.name.clone().unwrap_or_else(|| {
        let stem = path.file_stem().unwrap_or_default().to_string_lossy();
        let folder = path.parent().and_then(Path::file_name);
        match (stem.as_ref(), folder) {
            ("experiment", Some(folder)) => folder.to_string_lossy().into_owned(),
            _ => stem.into_owned(),
        }
    })
}

/// The folder name of a run called `name`: the name with anything but ASCII letters, digits,
/// `.`, `-`, `=` and `_` replaced by `_`, so a single path component.
///
/// # Errors
/// The folder name would be empty, `.` or `..` (the runs folder itself or its parent, not a
/// folder of the run's own), or longer than [`MAX_FOLDER_BYTES`].
pub fn folder_name(name: &str) -> Result<String, FolderError> {
    let folder: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = name.to_string();
    match folder.as_str() {
        "" => Err(FolderError::Empty { name }),
        "." | ".." => Err(FolderError::NotOwn { name, folder }),
        _ if folder.len() > MAX_FOLDER_BYTES => Err(FolderError::TooLong {
            name,
            bytes: folder.len(),
        }),
        _ => Ok(folder),
    }
}

/// The folder name of every entry, checked ([`folder_name`], [`distinct_folders`]).
fn folders(entries: &[RunEntry]) -> Result<Vec<String>, FolderError> {
    let named: Vec<(&str, String)> = entries
        .iter()
        .map(|e| Ok((e.name.as_str(), folder_name(&e.name)?)))
        .collect::<Result<_, FolderError>>()?;
    distinct_folders(&named)?;
    Ok(named.into_iter().map(|(_, folder)| folder).collect())
}

/// Checks that no two runs of `(name, folder)` share a folder, ignoring case (macOS and
/// Windows file systems do).
///
/// # Errors
/// The first pair that does, naming both runs and the folder.
pub fn distinct_folders(named: &[(&str, String)]) -> Result<(), FolderError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, (name, folder)) in named.iter().enumerate() {
        let Some(&j) = seen.get(&folder.to_ascii_lowercase()) else {
            seen.insert(folder.to_ascii_lowercase(), i);
            continue;
        };
        let (other, other_folder) = &named[j];
        let (first, second) = (other.to_string(), name.to_string());
        return Err(if other == name {
            FolderError::SameName { name: second }
        } else if other_folder == folder {
            FolderError::SameFolder {
                first,
                second,
                folder: folder.clone(),
            }
        } else {
            FolderError::SameIgnoringCase {
                first,
                second,
                first_folder: other_folder.clone(),
                folder: folder.clone(),
            }
        });
    }
    Ok(())
}

/// Every combination of the grid's values, in the order of its keys (sorted), named
/// `key=value,...` with the last part of each key.
fn grid_runs(grid: &Table) -> Result<Vec<RunEntry>, PlanError> {
    if grid.is_empty() {
        return Err(PlanError::EmptyGrid);
    }
    let mut combos: Vec<(Vec<String>, Table)> = vec![(Vec::new(), Table::new())];
    for (key, values) in grid {
        let Value::Array(values) = values else {
            return Err(PlanError::GridNotList { key: key.clone() });
        };
        if values.is_empty() {
            return Err(PlanError::GridNoValues { key: key.clone() });
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
        .map(|(names, set)| RunEntry {
            name: names.join(","),
            config: None,
            set,
        })
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
        std::fs::write(dir.path().join("own.toml"), BASE).unwrap();
        std::fs::write(dir.path().join("broken.toml"), "[data\n").unwrap();
        let path = dir.path().join("exp.toml");
        std::fs::write(&path, text).unwrap();
        load(&path)
    }

    fn error(text: &str) -> String {
        experiment(text).unwrap_err().to_string()
    }

    /// An experiment on the base with runs named `names` and, if given, a `[grid]` of the TOML
    /// lines `grid`.
    fn named(names: &[&str], grid: Option<&str>) -> String {
        let mut text = String::from("base = \"base.toml\"\n");
        for name in names {
            text += &format!("[[runs]]\nname = {}\n", Value::String((*name).into()));
        }
        if let Some(grid) = grid {
            text += &format!("[grid]\n{grid}\n");
        }
        text
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
        let err = e.runs[1].config.as_ref().unwrap_err().to_string();
        assert!(err.contains("schedule.lr = -1"), "{err}");
    }

    #[test]
    fn file_level_errors() {
        let e = experiment("[[runs]]\nname = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("run \"x\" has no `config` and the experiment no `base`"),
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
        assert!(e.contains("two runs are named \"a\""), "{e}");
        let e = experiment("bsae = \"base.toml\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `bsae`"), "{e}");
        let e = experiment("base = \"missing.toml\"\n[[runs]]\nname = \"a\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.toml"), "{e}");
    }

    #[test]
    fn folder_names_stay_inside_the_runs_folder() {
        assert_eq!(
            folder_name("optimizer=sgd,lr=0.01").unwrap(),
            "optimizer=sgd_lr=0.01"
        );
        assert_eq!(folder_name("a/b c").unwrap(), "a_b_c");
        let runs = Path::new("out/runs");
        let names = [
            "",
            ".",
            "..",
            "...",
            "../x",
            "a/../../b",
            "/abs",
            "\\..",
            "x\0y",
            "C:",
            "~",
            "é",
        ];
        for name in names {
            match folder_name(name) {
                Ok(folder) => {
                    let dir = runs.join(&folder);
                    assert_eq!(dir.parent(), Some(runs), "{name:?} -> {folder:?}");
                    assert_eq!(dir.file_name(), Some(folder.as_ref()), "{name:?}");
                }
                Err(e) => assert!(e.to_string().contains(&format!("{name:?}")), "{e}"),
            }
        }
        for name in ["", ".", ".."] {
            assert!(folder_name(name).is_err(), "{name:?}");
        }
        assert!(folder_name(&"x".repeat(MAX_FOLDER_BYTES)).is_ok());
        let e = folder_name(&"x".repeat(MAX_FOLDER_BYTES + 1))
            .unwrap_err()
            .to_string();
        assert!(e.contains(&(MAX_FOLDER_BYTES + 1).to_string()), "{e}");
    }

    #[test]
    fn folders_differ_even_ignoring_case() {
        let named = |names: &[&'static str]| -> Vec<(&'static str, String)> {
            names
                .iter()
                .map(|n| (*n, folder_name(n).unwrap()))
                .collect()
        };
        assert!(distinct_folders(&named(&["a", "b", "a=1", "A=2"])).is_ok());
        let e = distinct_folders(&named(&["x", "a/b", "a_b"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"a/b\" and \"a_b\"") && e.contains(&format!("{:?}", "a_b")),
            "{e}"
        );
        let e = distinct_folders(&named(&["Lr", "x", "lr"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"Lr\" and \"lr\"") && e.contains("case"), "{e}");
        let e = distinct_folders(&named(&["a", "a"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("two runs are named \"a\""), "{e}");
    }

    #[test]
    fn run_names_are_checked_as_folders_when_read() {
        let cases: [(&[&str], Option<&str>, &[&str]); 5] = [
            (&["a/b", "a_b"], None, &["a/b", "a_b"]),
            (&["ok", ".."], None, &[".."]),
            (&[""], None, &["\"\""]),
            (
                &["LR=0.1"],
                Some("\"schedule.lr\" = [0.1]"),
                &["LR=0.1", "lr=0.1"],
            ),
            (
                &["dataset=x_y"],
                Some("\"data.dataset\" = [\"x/y\"]"),
                &["x/y", "x_y"],
            ),
        ];
        for (names, grid, culprits) in cases {
            let text = named(names, grid);
            let e = error(&text);
            assert!(e.contains("exp.toml: "), "{e}");
            for culprit in culprits {
                assert!(e.contains(culprit), "{text}\n{e}");
            }
        }
        let e = experiment(&named(&["a/b", "a.b"], Some("\"schedule.lr\" = [0.1]"))).unwrap();
        for run in &e.runs {
            assert_eq!(Ok(run.folder.clone()), folder_name(&run.name));
        }
    }

    /// Errors of the library name no command-line flags or commands: the binary adds those.
    fn no_cli_words(e: &str) {
        for word in ["--", "harness"] {
            assert!(!e.contains(word), "{e}");
        }
    }

    #[test]
    fn mistakes_no_run_survives_are_errors_when_read() {
        let set_kills = "set = { \"schedule.lr\" = -1.0 }\n";
        let cases: [(String, &[&str]); 8] = [
            (named(&[], Some("")), &["`[grid]`", "no keys"]),
            (named(&["a"], Some("")), &["`[grid]`", "no keys"]),
            (
                named(&[], Some("\"schedule.lr\" = []")),
                &["`schedule.lr`", "empty list"],
            ),
            (named(&[], None), &["no runs"]),
            (
                "base = \"base.toml\"\n[[runs]]\nname = \"a\"\nconfig = \"gone.toml\"\n".into(),
                &["run \"a\"", "gone.toml"],
            ),
            (
                "base = \"base.toml\"\n[[runs]]\nname = \"a\"\nconfig = \"broken.toml\"\n".into(),
                &["run \"a\"", "broken.toml"],
            ),
            (
                format!(
                    "{set_kills}{}",
                    named(&["a", "b"], Some("\"data.batch_size\" = [8, 16]"))
                ),
                &["`[set]`", "schedule.lr", "-1"],
            ),
            (
                format!("{set_kills}[[runs]]\nname = \"own\"\nconfig = \"own.toml\"\n"),
                &["`[set]`", "run \"own\"", "schedule.lr"],
            ),
        ];
        for (text, needles) in &cases {
            let e = error(text);
            assert!(e.contains("exp.toml: "), "{e}");
            for needle in *needles {
                assert!(e.contains(needle), "{text}\n{e}");
            }
            no_cli_words(&e);
        }
    }

    #[test]
    fn mistakes_of_single_runs_stay_with_them() {
        // One run mends what [set] breaks; every run breaks by its own override.
        let e = experiment(&format!(
            "set = {{ \"schedule.lr\" = -1.0 }}\n{}set = {{ \"schedule.lr\" = 0.5 }}\n",
            named(&["broken", "mended"], None)
        ))
        .unwrap();
        assert!(e.runs[0].config.is_err() && e.runs[1].config.is_ok());
        let e = experiment(&named(
            &[],
            Some("\"data.batch_size\" = [0]\n\"schedule.lr\" = [-1.0]"),
        ))
        .unwrap();
        assert_eq!(e.runs.len(), 1);
        let reason = e.runs[0].config.as_ref().unwrap_err();
        no_cli_words(&reason.to_string());
    }
}
