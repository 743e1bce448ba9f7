//! The run config: `[data]`, `[model]`, `[optimizer]`, `[schedule]`, `[train]`, each our own
//! serde type rejecting unknown keys, validated with errors naming the file, line and key.

use std::path::{Path, PathBuf};

use data::spec::DataSpec;
use models::ModelConfig;
use schedules::ScheduleConfig;
use schedules::file::{FileError, from_toml, line_of_field, validate_in};
use serde::{Deserialize, Serialize};

use crate::optimizer::OptimizerSpec;

/// A whole run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    pub data: DataSpec,
    pub model: ModelConfig,
    pub optimizer: OptimizerSpec,
    /// The LR of every step (`kind = "constant"` for a fixed LR).
    pub schedule: ScheduleConfig,
    #[serde(default)]
    pub train: TrainSpec,
}

impl RunConfig {
    /// A run of `model` on `data` with `optimizer` at the LR of `schedule`, `[train]` at its
    /// defaults.
    pub fn new(
        data: DataSpec,
        model: ModelConfig,
        optimizer: OptimizerSpec,
        schedule: impl Into<ScheduleConfig>,
    ) -> Self {
        Self {
            data,
            model,
            optimizer,
            schedule: schedule.into(),
            train: TrainSpec::default(),
        }
    }

    #[must_use]
    pub fn with_train(mut self, train: TrainSpec) -> Self {
        self.train = train;
        self
    }
}

/// Which loss a loss-driven schedule observes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observed {
    /// The training loss: of each step, or the mean over the epoch.
    Train,
    /// The validation loss, measured at each evaluation.
    Validation,
}

/// How often a loss-driven schedule observes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Every {
    Step,
    Epoch,
}

/// `[train]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    #[serde(default = "default_epochs")]
    pub epochs: u64,
    /// Evaluate on the held-out part every N epochs (and always after the last).
    #[serde(default = "one")]
    pub eval_every: u64,
    /// Stop when the validation loss has not improved for this many evaluations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<u64>,
    /// Seed of the model's initial weights and of the order of the batches.
    #[serde(default)]
    pub seed: u64,
    /// For loss-driven schedules: which loss they observe ...
    #[serde(default = "default_observed")]
    pub observe: Observed,
    /// ... and how often (`step` needs `observe = "train"`).
    #[serde(default = "default_every")]
    pub observe_every: Every,
}

fn default_epochs() -> u64 {
    5
}
fn one() -> u64 {
    1
}
fn default_observed() -> Observed {
    Observed::Train
}
fn default_every() -> Every {
    Every::Epoch
}

/// The defaults of `[train]` (serde fills the file with the same functions).
impl Default for TrainSpec {
    fn default() -> Self {
        Self {
            epochs: default_epochs(),
            eval_every: one(),
            patience: None,
            seed: 0,
            observe: default_observed(),
            observe_every: default_every(),
        }
    }
}

impl TrainSpec {
    #[must_use]
    pub fn with_epochs(mut self, epochs: u64) -> Self {
        self.epochs = epochs;
        self
    }

    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Evaluates every `eval_every` epochs (and after the last).
    #[must_use]
    pub fn with_eval_every(mut self, eval_every: u64) -> Self {
        self.eval_every = eval_every;
        self
    }

    /// Stops early after `patience` evaluations without a better validation loss.
    #[must_use]
    pub fn with_patience(mut self, patience: u64) -> Self {
        self.patience = Some(patience);
        self
    }

    /// What a loss-driven schedule observes, and how often.
    #[must_use]
    pub fn with_observe(mut self, observe: Observed, every: Every) -> Self {
        (self.observe, self.observe_every) = (observe, every);
        self
    }
}

/// The most epochs a run may have: a run keeps a record of every optimizer step in memory (48
/// bytes), and 100000 epochs of MNIST at batch 128 are 47 million steps (2.2 GB); the longest
/// study here runs 1000 epochs.
pub const MAX_EPOCHS: u64 = 100_000;

/// A run config that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{}:{line}: {field} = {value}: {rule}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        field: String,
        value: String,
        rule: String,
    },
    /// An override that cannot be applied to the file's table.
    #[error("{}: {source}", path.display())]
    Override {
        path: PathBuf,
        source: crate::overrides::OverrideError,
    },
    /// `[model]` breaks a rule; the message names the key (`model.hidden = [0]: ...`).
    #[error("{}:{line}: model.{source}", path.display())]
    Model {
        path: PathBuf,
        line: usize,
        source: models::ModelError,
    },
}

impl RunConfig {
    /// Reads and validates the run config at `path`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file, the line, the key and what was expected.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::parse(&schedules::file::read_config(path)?, path)
    }

    /// The run config at `path` with `overrides` applied ([`crate::overrides`]), validated as
    /// the file is: the file alone first (so its own mistakes name its lines), then with the
    /// overrides, whose mistakes name the file as `PATH with overrides` and the key.
    ///
    /// # Errors
    /// As [`load`](Self::load), and an override that cannot be applied.
    pub fn load_with(
        path: &Path,
        overrides: &[crate::overrides::Override],
    ) -> Result<Self, ConfigError> {
        let text = schedules::file::read_config(path)?;
        let config = Self::parse(&text, path)?;
        if overrides.is_empty() {
            return Ok(config);
        }
        let mut table: toml::Table = from_toml(&text, path)?;
        crate::overrides::apply(&mut table, overrides).map_err(|source| ConfigError::Override {
            path: path.to_path_buf(),
            source,
        })?;
        let merged = toml::to_string(&table).expect("a TOML table serializes");
        let mut label = path.as_os_str().to_owned();
        label.push(" with overrides");
        Self::parse(&merged, Path::new(&label))
    }

    /// As [`load`](Self::load), from text; `path` names the file in errors, and a relative
    /// `[model] init` is taken relative to its folder (and made absolute).
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut config: RunConfig = from_toml(text, path)?;
        config
            .model
            .resolve_init(path.parent().unwrap_or(Path::new(".")));
        validate_in(&config.schedule, "schedule", text, path)?;
        let invalid = |field: &str, value: String, rule: &str| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: line_of_field(text, field).unwrap_or(1),
            field: field.to_string(),
            value,
            rule: rule.to_string(),
        };
        if let Err(source) = config.model.validate() {
            return Err(ConfigError::Model {
                path: path.to_path_buf(),
                line: line_of_field(text, source.key()).unwrap_or(1),
                source,
            });
        }
        if let Err(e) = config.optimizer.validate() {
            return Err(invalid(&format!("optimizer.{}", e.key), e.value, e.rule));
        }
        let t = &config.train;
        if t.epochs == 0 {
            return Err(invalid("train.epochs", "0".into(), "must be at least 1"));
        }
        if t.epochs > MAX_EPOCHS {
            return Err(invalid(
                "train.epochs",
                t.epochs.to_string(),
                &format!("must be at most {MAX_EPOCHS}"),
            ));
        }
        if t.eval_every == 0 {
            return Err(invalid(
                "train.eval_every",
                "0".into(),
                "must be at least 1",
            ));
        }
        if t.observe == Observed::Validation && t.observe_every == Every::Step {
            return Err(invalid(
                "train.observe_every",
                "\"step\"".into(),
                "the validation loss is measured once per evaluation: use observe_every = \"epoch\"",
            ));
        }
        if let Err(e) = config.data.validate() {
            return Err(invalid(&format!("data.{}", e.key), e.value, &e.rule));
        }
        Ok(config)
    }

    /// The dataset's name, as in `[data] dataset`.
    pub fn data_name(&self) -> String {
        self.data.dataset.name().to_string()
    }

    /// The config as TOML, defaults filled in: what a run saves beside its results.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("run configs serialize to TOML")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = r#"
[data]
dataset = "synthetic"

[model]
kind = "linear"

[optimizer]
kind = "sgd"

[schedule]
kind = "constant"
lr = 0.01

[train]
epochs = 3
"#;

    fn err(text: &str) -> String {
        RunConfig::parse(text, Path::new("run.toml"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parses_fills_defaults_and_round_trips() {
        let c = RunConfig::parse(RUN, Path::new("run.toml")).unwrap();
        assert_eq!(
            (c.train.epochs, c.train.eval_every, c.data.batch_size),
            (3, 1, 128)
        );
        assert_eq!(
            RunConfig::parse(&c.to_toml(), Path::new("copy.toml")).unwrap(),
            c
        );
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = err(&RUN.replace("lr = 0.01", "lr = 0.01\nlrr = 2"));
        assert!(
            e.starts_with("run.toml:14: unknown field `lrr` in [schedule], expected one of `lr`"),
            "{e}"
        );
        let e = err(&RUN.replace("epochs = 3", "epochs = 0"));
        assert_eq!(e, "run.toml:16: train.epochs = 0: must be at least 1");
        let e = err(&RUN.replace("epochs = 3", "epochs = 99999999999"));
        assert_eq!(
            e,
            "run.toml:16: train.epochs = 99999999999: must be at most 100000"
        );
        let e = err(&RUN.replace("lr = 0.01", "lr = -1.0"));
        assert_eq!(
            e,
            "run.toml:13: invalid schedule: schedule.lr = -1: must be a finite number greater than 0"
        );
        let e = err(&RUN.replace("kind = \"sgd\"", "kind = \"adam\"\nbeta1 = 1.5"));
        assert_eq!(e, "run.toml:10: optimizer.beta1 = 1.5: must be in [0, 1)");
        let e = err(&RUN.replace(
            "dataset = \"synthetic\"",
            "dataset = \"synthetic\"\n[data.synthetic]\nn_features = 0",
        ));
        assert_eq!(
            e,
            "run.toml:5: data.synthetic.n_features = 0: must be at least 1"
        );
        let e = err(&RUN.replace(
            "kind = \"linear\"",
            "kind = \"mlp\"\nhidden = [128, 99999999]",
        ));
        assert_eq!(
            e,
            "run.toml:7: model.hidden = [128, 99999999]: a hidden layer may have at most 65536 units"
        );
        let e = err(&RUN.replace("[train]", "[trian]"));
        assert!(e.contains("unknown field `trian`"), "{e}");
    }
}
