//! Model configs as read from a run config's `[model]` table (our serde types: unknown keys
//! are rejected, defaults are filled), validated into [`ModelError`]. The input and output
//! sizes come from the data, not the file.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The non-linearity between hidden layers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    #[default]
    Relu,
    Gelu,
    Tanh,
}

/// `kind = "linear"` or `kind = "mlp"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelConfig {
    /// One linear layer, inputs → 1 (a linear regressor).
    Linear(LinearSpec),
    /// A multi-layer perceptron.
    Mlp(MlpSpec),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearSpec {
    /// Start from these weights instead of the seed's: a safetensors file in PyTorch's names
    /// and layout ([`crate::weights`]); relative to the config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<PathBuf>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpSpec {
    /// Width of each hidden layer, input side first; `[128]` is the classic 784-128-10 MLP.
    #[serde(default = "default_hidden")]
    pub hidden: Vec<usize>,
    #[serde(default)]
    pub activation: Activation,
    /// Probability of zeroing a hidden activation during training; 0 turns dropout off.
    #[serde(default)]
    pub dropout: f64,
    /// Start from these weights instead of the seed's, as for [`LinearSpec::init`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<PathBuf>,
}

fn default_hidden() -> Vec<usize> {
    vec![128]
}

/// The defaults of an MLP's `[model]` (serde fills the file with the same functions).
impl Default for MlpSpec {
    fn default() -> Self {
        Self {
            hidden: default_hidden(),
            activation: Activation::default(),
            dropout: 0.0,
            init: None,
        }
    }
}

impl ModelConfig {
    /// `kind = "linear"`, from the seed's weights.
    pub fn linear() -> Self {
        ModelConfig::Linear(LinearSpec::default())
    }

    /// `kind = "mlp"` with these hidden layers, ReLU, no dropout.
    pub fn mlp(hidden: Vec<usize>) -> Self {
        ModelConfig::Mlp(MlpSpec {
            hidden,
            ..MlpSpec::default()
        })
    }
}

/// A model config that breaks a rule.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum ModelError {
    #[error("hidden = {0:?}: every hidden layer needs at least 1 unit")]
    EmptyLayer(Vec<usize>),
    #[error("dropout = {0}: must be in [0, 1)")]
    Dropout(f64),
    #[error("a linear model predicts one value: use kind = \"mlp\" for classification")]
    LinearClassifier,
    #[error("{what} = {value}: must be at least 1")]
    Size { what: &'static str, value: usize },
    #[error("hidden = {0:?}: a hidden layer may have at most {MAX_WIDTH} units")]
    TooWide(Vec<usize>),
}

/// The widest hidden layer a config may ask for: 65 536 units (a 784 × 65 536 first layer is
/// 51 million weights); wider is a typo that would exhaust memory when the model is built.
pub const MAX_WIDTH: usize = 1 << 16;

impl ModelConfig {
    /// The weights file to start from, if any (`init`).
    pub fn init(&self) -> Option<&std::path::Path> {
        match self {
            ModelConfig::Linear(s) => s.init.as_deref(),
            ModelConfig::Mlp(s) => s.init.as_deref(),
        }
    }

    /// Makes a relative `init` relative to `dir` (the folder of the config file), and absolute,
    /// so that the config can be saved elsewhere and read again.
    pub fn resolve_init(&mut self, dir: &std::path::Path) {
        let init = match self {
            ModelConfig::Linear(s) => &mut s.init,
            ModelConfig::Mlp(s) => &mut s.init,
        };
        if let Some(path) = init.as_mut().filter(|p| p.is_relative()) {
            let joined = dir.join(&*path);
            *path = std::path::absolute(&joined).unwrap_or(joined);
        }
    }
}

impl ModelError {
    /// The key at fault, as a path in a run config (`model.hidden`).
    pub fn key(&self) -> &'static str {
        match self {
            ModelError::EmptyLayer(_) | ModelError::TooWide(_) => "model.hidden",
            ModelError::Dropout(_) => "model.dropout",
            ModelError::LinearClassifier | ModelError::Size { .. } => "model.kind",
        }
    }
}

impl ModelConfig {
    /// # Errors
    /// A hidden layer of width 0 or wider than [`MAX_WIDTH`], or a dropout outside [0, 1).
    pub fn validate(&self) -> Result<(), ModelError> {
        if let ModelConfig::Mlp(spec) = self {
            if spec.hidden.contains(&0) {
                return Err(ModelError::EmptyLayer(spec.hidden.clone()));
            }
            if spec.hidden.iter().any(|&w| w > MAX_WIDTH) {
                return Err(ModelError::TooWide(spec.hidden.clone()));
            }
            if !(0.0..1.0).contains(&spec.dropout) {
                return Err(ModelError::Dropout(spec.dropout));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_defaults_and_rejects_unknown_keys() {
        let mlp: ModelConfig = toml::from_str("kind = \"mlp\"").unwrap();
        assert_eq!(mlp, ModelConfig::Mlp(MlpSpec::default()));
        let tanh: ModelConfig = toml::from_str(
            "kind = \"mlp\"\nhidden = [64, 32]\nactivation = \"tanh\"\ndropout = 0.2",
        )
        .unwrap();
        assert_eq!(
            tanh,
            ModelConfig::Mlp(MlpSpec {
                hidden: vec![64, 32],
                activation: Activation::Tanh,
                dropout: 0.2,
                init: None,
            })
        );
        let err = toml::from_str::<ModelConfig>("kind = \"mlp\"\nhiden = [3]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `hiden`"), "{err}");
        assert!(toml::from_str::<ModelConfig>("kind = \"linear\"\nbias = true").is_err());
    }

    #[test]
    fn rules() {
        let bad = |spec| ModelConfig::Mlp(spec).validate().unwrap_err().to_string();
        assert_eq!(
            bad(MlpSpec {
                hidden: vec![8, 0],
                ..MlpSpec::default()
            }),
            "hidden = [8, 0]: every hidden layer needs at least 1 unit"
        );
        assert_eq!(
            bad(MlpSpec {
                dropout: 1.0,
                ..MlpSpec::default()
            }),
            "dropout = 1: must be in [0, 1)"
        );
    }
}
