//! Overrides of a config's TOML table: `--set schedule.lr=0.01` on the command line, the way
//! sweep agents (Optuna's CLI, W&B) pass parameters, and an experiment's `set` tables. A key
//! with dots is a path into the table; the value is TOML (`0.01`, `[64, 64]`, `true`,
//! `"adam"`), and a value that is not TOML is taken as a string (`optimizer.kind=adam`).
//!
//! Tables merge key by key, except where a new `kind` arrives: a table naming a `kind`
//! replaces the table it lands on whole, and a `kind` set by a path (`optimizer.kind=adam`)
//! empties its table first when the kind changes, so the new kind does not inherit the old
//! one's keys (`momentum` is no key of Adam's). Setting `optimizer.kind=momentum` and then
//! `optimizer.momentum=0.5` gives momentum 0.5.

use toml::{Table, Value};

/// One `KEY=VALUE`, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The dotted key, as written.
    pub key: String,
    pub value: Value,
}

/// An override that cannot be read or applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OverrideError {
    #[error("{text:?}: expected KEY=VALUE, a dotted key such as schedule.lr and a TOML value")]
    Syntax { text: String },
    #[error("{key:?}: an empty part in the dotted key")]
    EmptyPart { key: String },
    #[error("`{first}` is not a table, so `{path}` cannot be set")]
    NotATable { first: String, path: String },
}

impl std::str::FromStr for Override {
    type Err = OverrideError;

    fn from_str(text: &str) -> Result<Self, OverrideError> {
        let syntax = || OverrideError::Syntax {
            text: text.to_string(),
        };
        let (key, raw) = text.split_once('=').ok_or_else(syntax)?;
        let key = key.trim();
        if key.is_empty() {
            return Err(syntax());
        }
        if key.split('.').any(str::is_empty) {
            return Err(OverrideError::EmptyPart {
                key: key.to_string(),
            });
        }
        let raw = raw.trim();
        let value = raw
            .parse::<Value>()
            .unwrap_or_else(|_| Value::String(raw.to_string()));
        Ok(Override {
            key: key.to_string(),
            value,
        })
    }
}

/// Applies `overrides` to `table`, in order.
///
/// # Errors
/// A path that runs through a value that is not a table.
pub fn apply(table: &mut Table, overrides: &[Override]) -> Result<(), OverrideError> {
    for o in overrides {
        let path: Vec<&str> = o.key.split('.').collect();
        put(table, &path, &o.key, o.value.clone())?;
    }
    Ok(())
}

/// Applies every key of the table `set` (dotted keys are paths) to `table`.
///
/// # Errors
/// As [`apply`].
pub fn apply_table(table: &mut Table, set: &Table) -> Result<(), OverrideError> {
    for (key, value) in set {
        let path: Vec<&str> = key.split('.').collect();
        put(table, &path, key, value.clone())?;
    }
    Ok(())
}

/// Puts `value` at `path`: tables merge key by key, unless the new table has a `kind`, which
/// replaces the old table whole; a new `kind` empties its table first. `key` is the whole
/// dotted key, for the error.
fn put(table: &mut Table, path: &[&str], key: &str, value: Value) -> Result<(), OverrideError> {
    let (first, rest) = path.split_first().expect("paths have a key");
    if rest.is_empty() {
        match (table.get_mut(*first), value) {
            (Some(Value::Table(old)), Value::Table(new)) if !new.contains_key("kind") => {
                for (k, v) in new {
                    put(old, &[k.as_str()], key, v)?;
                }
            }
            (_, value) => {
                if *first == "kind" && table.get("kind") != Some(&value) {
                    table.clear();
                }
                table.insert((*first).to_string(), value);
            }
        }
        return Ok(());
    }
    let child = table
        .entry((*first).to_string())
        .or_insert_with(|| Value::Table(Table::new()));
    match child {
        Value::Table(child) => put(child, rest, key, value),
        _ => Err(OverrideError::NotATable {
            first: (*first).to_string(),
            path: key.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        toml::from_str(text).unwrap()
    }

    fn set(base: &str, args: &[&str]) -> Result<Table, OverrideError> {
        let mut t = table(base);
        let overrides: Vec<Override> = args.iter().map(|a| a.parse()).collect::<Result<_, _>>()?;
        apply(&mut t, &overrides)?;
        Ok(t)
    }

    const BASE: &str = "[optimizer]\nkind = \"momentum\"\nmomentum = 0.9\n\n\
                        [schedule]\nkind = \"cosine\"\nlr = 0.1\nt_max = 100\n";

    #[test]
    fn values_are_toml_and_bare_words_strings() {
        let o: Override = "schedule.lr=0.01".parse().unwrap();
        assert_eq!(
            (o.key.as_str(), o.value),
            ("schedule.lr", Value::Float(0.01))
        );
        let o: Override = "model.hidden = [64, 32]".parse().unwrap();
        let hidden = Value::Array(vec![Value::Integer(64), Value::Integer(32)]);
        assert_eq!(o.value, hidden);
        let o: Override = "optimizer.kind=adam".parse().unwrap();
        assert_eq!(o.value, Value::String("adam".into()));
        let o: Override = "data.normalize=true".parse().unwrap();
        assert_eq!(o.value, Value::Boolean(true));
    }

    #[test]
    fn malformed_overrides_say_what_is_expected() {
        let e = "schedule.lr".parse::<Override>().unwrap_err();
        assert!(e.to_string().contains("expected KEY=VALUE"), "{e}");
        assert!("=1".parse::<Override>().is_err());
        let e = "schedule..lr=1".parse::<Override>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"schedule..lr\": an empty part in the dotted key"
        );
        let e = set(BASE, &["schedule.lr.x=1"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`lr` is not a table, so `schedule.lr.x` cannot be set"
        );
    }

    #[test]
    fn a_new_kind_starts_its_table_afresh() {
        let t = set(BASE, &["schedule.lr=0.01"]).unwrap();
        assert_eq!(t["schedule"]["lr"], Value::Float(0.01));
        assert_eq!(
            t["schedule"]["t_max"],
            Value::Integer(100),
            "other keys stay"
        );
        let t = set(BASE, &["optimizer.kind=adam"]).unwrap();
        assert_eq!(t["optimizer"], Value::Table(table("kind = \"adam\"")));
        // The same kind again keeps the table; a key after a new kind lands in the new table.
        let t = set(BASE, &["optimizer.kind=momentum"]).unwrap();
        assert_eq!(t["optimizer"]["momentum"], Value::Float(0.9));
        let t = set(BASE, &["optimizer.kind=rmsprop", "optimizer.alpha=0.9"]).unwrap();
        assert_eq!(
            t["optimizer"],
            Value::Table(table("kind = \"rmsprop\"\nalpha = 0.9"))
        );
    }
}
