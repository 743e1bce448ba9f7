//! Reading a schedule from a TOML file: either a schedule file (the schedule's keys at the top
//! level, with `kind = "..."`) or a run config holding a `[schedule]` table. Errors name the
//! file and, where the text allows, the line.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use crate::config::{Schedule, ScheduleConfig};
use crate::error::ScheduleError;

/// Why a schedule could not be read from a file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {}: {cause}", path.display())]
    Read {
        path: PathBuf,
        /// Shown in the message rather than chained as a source, so it is printed once.
        cause: std::io::Error,
    },
    /// Malformed TOML, an unknown key or kind, a missing key or a value of the wrong type.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(
        "{}: no schedule found: expected `kind = \"...\"` at the top level (a schedule file) \
         or a [schedule] table (a run config)",
        path.display()
    )]
    NoSchedule { path: PathBuf },
    /// The schedule parsed but breaks a rule.
    #[error("{}:{line}: invalid schedule: {rule}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        /// Shown in the message rather than chained as a source, so it is printed once.
        rule: ScheduleError,
    },
}

/// Where the schedule sits in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The schedule's keys at the top level.
    ScheduleFile,
    /// A `[schedule]` table in a run config.
    RunConfig,
}

/// Reads and validates the schedule in the TOML file at `path`.
///
/// # Errors
/// [`FileError`] naming the file, the line, the key and what was expected.
pub fn load(path: &Path) -> Result<(Schedule, Layout), FileError> {
    parse(&read_config(path)?, path)
}

/// The most a config file (a schedule file, a run config, an experiment file) may hold: the
/// largest written by hand are a few kB.
pub const CONFIG_LIMIT: bounded::Limit = bounded::Limit::new(1 << 20, "a config file");

/// The text of the config file at `path`: a regular file of at most [`CONFIG_LIMIT`] bytes.
///
/// # Errors
/// [`FileError::Read`]: the file cannot be read, is not a regular file, is too large or is
/// not UTF-8.
pub fn read_config(path: &Path) -> Result<String, FileError> {
    bounded::read_to_string(path, CONFIG_LIMIT).map_err(|cause| FileError::Read {
        path: path.to_path_buf(),
        cause,
    })
}

#[derive(Deserialize)]
struct RunFile {
    schedule: ScheduleConfig,
}

/// Parses and validates the schedule in `text`; `path` only names the file in errors.
///
/// # Errors
/// As [`load`].
pub fn parse(text: &str, path: &Path) -> Result<(Schedule, Layout), FileError> {
    let doc = parse_doc(text, path)?;
    let (config, layout, table) = if doc.get_ref().contains_key("kind") {
        (
            from_toml::<ScheduleConfig>(text, path)?,
            Layout::ScheduleFile,
            "",
        )
    } else if doc.get_ref().contains_key("schedule") {
        let run = from_toml::<RunFile>(text, path)?;
        (run.schedule, Layout::RunConfig, "schedule")
    } else {
        return Err(FileError::NoSchedule {
            path: path.to_path_buf(),
        });
    };
    // Validated at the table's path, so a run config's errors read `schedule.then.t_max`.
    validate_in(&config, table, text, path)?;
    let schedule = Schedule::new(config).map_err(|rule| invalid(text, path, rule))?;
    Ok((schedule, layout))
}

fn parse_doc<'t>(text: &'t str, path: &Path) -> Result<toml::Spanned<DeTable<'t>>, FileError> {
    DeTable::parse(text).map_err(|e| FileError::Parse {
        path: path.to_path_buf(),
        line: line_of(text, e.span().map_or(0, |s| s.start)),
        message: e.message().trim_end().to_string(),
    })
}

/// Deserializes TOML `text` read from `path` as `T`. Errors name the file and the line of the
/// offending key, also inside tagged tables, where toml reports only the table.
///
/// # Errors
/// [`FileError::Parse`]: malformed TOML, an unknown key, a missing key, a wrong type.
pub fn from_toml<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T, FileError> {
    let doc = parse_doc(text, path)?;
    toml::from_str::<T>(text).map_err(|e| {
        let start = e.span().map_or(0, |s| s.start);
        let mut message = e.message().trim_end().to_string();
        let offset = match unknown_key(e.message())
            .and_then(|key| Some((key, find_key(doc.get_ref(), key, start)?)))
        {
            Some((key, (offset, table))) => {
                // Name the table, as in "unknown field `lrr` in [schedule], expected one of ...".
                if !table.is_empty() {
                    let quoted = format!("`{key}`");
                    message = message.replacen(&quoted, &format!("{quoted} in [{table}]"), 1);
                }
                offset
            }
            None => start,
        };
        FileError::Parse {
            path: path.to_path_buf(),
            line: line_of(text, offset),
            message,
        }
    })
}

/// Validates a schedule that sits at `table` (`""` for the top level, `"schedule"` in a run
/// config) of the file `text` read from `path`.
///
/// # Errors
/// [`FileError::Invalid`] naming the line and the field by its full path.
pub fn validate_in(
    config: &ScheduleConfig,
    table: &str,
    text: &str,
    path: &Path,
) -> Result<(), FileError> {
    config
        .validate_at(table)
        .map_err(|rule| invalid(text, path, rule))
}

fn invalid(text: &str, path: &Path, rule: ScheduleError) -> FileError {
    FileError::Invalid {
        path: path.to_path_buf(),
        line: line_of_field(text, field_of(&rule)).unwrap_or(1),
        rule,
    }
}

/// 1-based line of the key at `field` (`schedule.then.t_max`, `schedules[1].gamma`), or of the
/// deepest key on the way when it is missing; `None` when not even the first table exists.
pub fn line_of_field(text: &str, field: &str) -> Option<usize> {
    let doc = DeTable::parse(text).ok()?;
    span_of(doc.get_ref(), field).map(|offset| line_of(text, offset))
}

/// 1-based line of byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn field_of(error: &ScheduleError) -> &str {
    match error {
        ScheduleError::NotPositive { field, .. }
        | ScheduleError::Negative { field, .. }
        | ScheduleError::OutOfRange { field, .. }
        | ScheduleError::TooSmall { field, .. }
        | ScheduleError::NotAbove { field, .. }
        | ScheduleError::Exceeds { field, .. }
        | ScheduleError::MilestonesNotIncreasing { field, .. }
        | ScheduleError::MilestoneCount { field, .. }
        | ScheduleError::MissingTotalSteps { field }
        | ScheduleError::EmptyPhase { field, .. } => field,
        // Not a rule of one field: the whole table (validation never gives it).
        ScheduleError::LossDriven { .. } => "kind",
    }
}

/// The key named by serde's "unknown field `key`" message.
fn unknown_key(message: &str) -> Option<&str> {
    let rest = message.split_once("unknown field `")?.1;
    Some(rest.split_once('`')?.0)
}

/// Byte offset of the first key named `name` at or after offset `from`, anywhere in the file,
/// and the path of the table holding it (`schedule.then`; empty at the top level).
fn find_key(table: &DeTable, name: &str, from: usize) -> Option<(usize, String)> {
    let mut best: Option<(usize, String)> = None;
    let mut consider = |found: (usize, String)| {
        if best.as_ref().is_none_or(|b| found.0 < b.0) {
            best = Some(found);
        }
    };
    for (key, value) in table {
        let at = key.span().start;
        if key.get_ref().as_ref() == name && at >= from {
            consider((at, String::new()));
        }
        let inner: Vec<&DeTable> = match value.get_ref() {
            DeValue::Table(inner) => vec![inner],
            DeValue::Array(items) => items
                .iter()
                .filter_map(|item| match item.get_ref() {
                    DeValue::Table(inner) => Some(inner),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for t in inner {
            if let Some((at, path)) = find_key(t, name, from) {
                let here = key.get_ref().as_ref();
                consider((
                    at,
                    if path.is_empty() {
                        here.to_string()
                    } else {
                        format!("{here}.{path}")
                    },
                ));
            }
        }
    }
    best
}

/// Byte offset of the key at `path` (`a.b`, `schedules[1].gamma`); where a key is missing
/// (a required key left out), the offset of the deepest key on the way that exists.
fn span_of(doc: &DeTable, path: &str) -> Option<usize> {
    let mut table = doc;
    let mut found = None;
    for segment in path.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let Some((key, mut value)) = table.get_key_value(name) else {
            break;
        };
        found = Some(key.span().start);
        if let (DeValue::Array(items), Some(i)) = (value.get_ref(), index) {
            match items.get(i) {
                Some(item) => value = item,
                None => break,
            }
        }
        match value.get_ref() {
            DeValue::Table(inner) => table = inner,
            _ => break,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, Path::new("x.toml")).unwrap_err().to_string()
    }

    #[test]
    fn schedule_file_and_run_config() {
        let (s, layout) = parse("kind = \"cosine\"\nlr = 0.1\nt_max = 10", Path::new("a")).unwrap();
        assert_eq!(
            (s.config().kind(), layout),
            ("cosine", Layout::ScheduleFile)
        );
        let run = "[data]\nbatch_size = 8\n\n[schedule]\nkind = \"step\"\nlr = 1.0\nstep_size = 3";
        let (s, layout) = parse(run, Path::new("a")).unwrap();
        assert_eq!((s.config().kind(), layout), ("step", Layout::RunConfig));
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let e = err("kind = \"cosine\"\nlr = 0.1\nt_max = 10\nlrr = 2");
        assert!(e.starts_with("x.toml:4: unknown field `lrr`"), "{e}");
        assert!(
            e.contains("unknown field `lrr`") && e.contains("`t_max`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_in_nested_table_of_run_config() {
        let text = "[train]\nlrr = 1\n\n[schedule]\nkind = \"warmup\"\nwarmup_steps = 3\n\
                    [schedule.then]\nkind = \"step\"\nlr = 0.1\nstep_size = 2\nlrr = 3\n";
        let e = err(text);
        assert!(
            e.starts_with("x.toml:11: unknown field `lrr` in [schedule.then], expected one of"),
            "{e}"
        );
    }

    #[test]
    fn unknown_kind_lists_the_kinds() {
        let e = err("kind = \"cosin\"\nlr = 0.1");
        assert!(
            e.contains("unknown variant `cosin`") && e.contains("`cosine_restarts`"),
            "{e}"
        );
    }

    #[test]
    fn invalid_value_names_file_line_field_and_rule() {
        let text = "[train]\nepochs = 2\n\n[schedule]\nkind = \"warmup\"\nwarmup_steps = 3\n\
                    [schedule.then]\nkind = \"cosine\"\nlr = 0.1\nt_max = 0\n";
        assert_eq!(
            err(text),
            "x.toml:10: invalid schedule: schedule.then.t_max = 0: must be at least 1"
        );
    }

    #[test]
    fn nested_array_field_is_located() {
        let text = "kind = \"sequential\"\nmilestones = [5]\n\
                    [[schedules]]\nkind = \"linear\"\nlr = 0.1\n\
                    [[schedules]]\nkind = \"exponential\"\nlr = 0.1\ngamma = 1.5\n";
        assert_eq!(
            err(text),
            "x.toml:9: invalid schedule: schedules[1].gamma = 1.5: must be in (0, 1]"
        );
    }

    #[test]
    fn neither_kind_nor_schedule_table() {
        assert!(err("[train]\nepochs = 1").contains("no schedule found"));
    }
}
