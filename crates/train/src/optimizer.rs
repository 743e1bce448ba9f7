//! `[optimizer]`: the optimizers PyTorch users know, with PyTorch's defaults (burn's own
//! optimizers differ: eps 1e-5 instead of 1e-8, RMSprop momentum 0.9 instead of 0,
//! SGD-momentum dampening 0.1 instead of 0, AdamW weight decay 1e-4 instead of 0.01), built into
//! [`crate::torch_optim`]'s optimizers, which step as `torch.optim` does.

use crate::torch_optim::ScheduledOptimizer;
use crate::torch_optim::clip::Clip;
use serde::{Deserialize, Serialize};

/// Which optimizer, with its hyper-parameters (the LR comes from the schedule).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OptimizerSpec {
    /// `torch.optim.SGD` without momentum.
    Sgd {
        #[serde(default)]
        weight_decay: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_norm: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_value: Option<f64>,
    },
    /// `torch.optim.SGD` with momentum (0.9 by default), dampening 0, optionally Nesterov.
    Momentum {
        #[serde(default = "momentum")]
        momentum: f64,
        #[serde(default)]
        dampening: f64,
        #[serde(default)]
        nesterov: bool,
        #[serde(default)]
        weight_decay: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_norm: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_value: Option<f64>,
    },
    /// `torch.optim.Adam`.
    Adam {
        #[serde(default = "beta1")]
        beta1: f64,
        #[serde(default = "beta2")]
        beta2: f64,
        #[serde(default = "eps")]
        eps: f64,
        #[serde(default)]
        weight_decay: f64,
        #[serde(default)]
        amsgrad: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_norm: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_value: Option<f64>,
    },
    /// `torch.optim.AdamW` (decoupled weight decay, 0.01 by default).
    Adamw {
        #[serde(default = "beta1")]
        beta1: f64,
        #[serde(default = "beta2")]
        beta2: f64,
        #[serde(default = "eps")]
        eps: f64,
        #[serde(default = "adamw_decay")]
        weight_decay: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_norm: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_value: Option<f64>,
    },
    /// `torch.optim.RMSprop`.
    Rmsprop {
        #[serde(default = "alpha")]
        alpha: f64,
        #[serde(default = "eps")]
        eps: f64,
        #[serde(default)]
        momentum: f64,
        #[serde(default)]
        centered: bool,
        #[serde(default)]
        weight_decay: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_norm: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_value: Option<f64>,
    },
    /// `torch.optim.Adagrad`.
    Adagrad {
        #[serde(default)]
        lr_decay: f64,
        /// The starting value of the sum of squared gradients.
        #[serde(default)]
        initial_accumulator_value: f64,
        #[serde(default = "adagrad_eps")]
        eps: f64,
        #[serde(default)]
        weight_decay: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_norm: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clip_grad_value: Option<f64>,
    },
}

fn momentum() -> f64 {
    OptimizerSpec::DEFAULT_MOMENTUM
}
fn beta1() -> f64 {
    0.9
}
fn beta2() -> f64 {
    0.999
}
fn eps() -> f64 {
    1e-8
}
fn adamw_decay() -> f64 {
    0.01
}
fn alpha() -> f64 {
    0.99
}
fn adagrad_eps() -> f64 {
    1e-10
}

/// A hyper-parameter that breaks its rule: `beta1 = 1.5: must be in [0, 1)`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{key} = {value}: {rule}")]
pub struct OptimizerRule {
    /// The key in `[optimizer]`.
    pub key: &'static str,
    pub value: String,
    pub rule: &'static str,
}

/// The range a hyper-parameter must lie in (every one must be finite too).
#[derive(Clone, Copy, Debug)]
enum Range {
    /// [0, ∞): PyTorch's rule for weight decay, eps, momentum, lr_decay.
    AtLeastZero,
    /// (0, ∞): a clipping threshold.
    AboveZero,
    /// [0, 1]: a fraction (dampening, RMSprop's alpha, SGD's momentum).
    Fraction,
    /// [0, 1): PyTorch's rule for Adam's betas.
    BelowOne,
}

impl Range {
    fn holds(self, x: f64) -> bool {
        x.is_finite()
            && match self {
                Range::AtLeastZero => x >= 0.0,
                Range::AboveZero => x > 0.0,
                Range::Fraction => (0.0..=1.0).contains(&x),
                Range::BelowOne => (0.0..1.0).contains(&x),
            }
    }

    fn rule(self) -> &'static str {
        match self {
            Range::AtLeastZero => "must be a finite number of at least 0",
            Range::AboveZero => "must be a finite number greater than 0",
            Range::Fraction => "must be in [0, 1]",
            Range::BelowOne => "must be in [0, 1)",
        }
    }
}

impl OptimizerSpec {
    /// Checks every hyper-parameter against its rule: PyTorch's where `torch.optim` has one
    /// (it rejects a negative momentum, a beta outside [0, 1), a negative eps or weight decay,
    /// Nesterov without momentum or with dampening), and finite values throughout.
    ///
    /// # Errors
    /// The first key that breaks its rule.
    pub fn validate(&self) -> Result<(), OptimizerRule> {
        for (key, value, range) in self.ranges() {
            if !range.holds(value) {
                return Err(OptimizerRule {
                    key,
                    value: value.to_string(),
                    rule: range.rule(),
                });
            }
        }
        if let OptimizerSpec::Momentum {
            momentum,
            dampening,
            nesterov: true,
            ..
        } = self
            && (*momentum == 0.0 || *dampening != 0.0)
        {
            return Err(OptimizerRule {
                key: "nesterov",
                value: "true".into(),
                rule: "Nesterov momentum needs momentum > 0 and dampening = 0 (as in PyTorch)",
            });
        }
        if let (Some(_), Some(value)) = self.clipping() {
            return Err(OptimizerRule {
                key: "clip_grad_value",
                value: value.to_string(),
                rule: "set clip_grad_norm or clip_grad_value, not both",
            });
        }
        Ok(())
    }

    /// `(clip_grad_norm, clip_grad_value)`.
    fn clipping(&self) -> (Option<f64>, Option<f64>) {
        match self {
            OptimizerSpec::Sgd {
                clip_grad_norm,
                clip_grad_value,
                ..
            }
            | OptimizerSpec::Momentum {
                clip_grad_norm,
                clip_grad_value,
                ..
            }
            | OptimizerSpec::Adam {
                clip_grad_norm,
                clip_grad_value,
                ..
            }
            | OptimizerSpec::Adamw {
                clip_grad_norm,
                clip_grad_value,
                ..
            }
            | OptimizerSpec::Rmsprop {
                clip_grad_norm,
                clip_grad_value,
                ..
            }
            | OptimizerSpec::Adagrad {
                clip_grad_norm,
                clip_grad_value,
                ..
            } => (*clip_grad_norm, *clip_grad_value),
        }
    }

    /// Every number of the spec with the range it must lie in.
    fn ranges(&self) -> Vec<(&'static str, f64, Range)> {
        use Range::*;
        let mut out = match *self {
            OptimizerSpec::Sgd { weight_decay, .. } => {
                vec![("weight_decay", weight_decay, AtLeastZero)]
            }
            OptimizerSpec::Momentum {
                momentum,
                dampening,
                weight_decay,
                ..
            } => vec![
                ("momentum", momentum, Fraction),
                ("dampening", dampening, Fraction),
                ("weight_decay", weight_decay, AtLeastZero),
            ],
            OptimizerSpec::Adam {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            }
            | OptimizerSpec::Adamw {
                beta1,
                beta2,
                eps,
                weight_decay,
                ..
            } => vec![
                ("beta1", beta1, BelowOne),
                ("beta2", beta2, BelowOne),
                ("eps", eps, AtLeastZero),
                ("weight_decay", weight_decay, AtLeastZero),
            ],
            OptimizerSpec::Rmsprop {
                alpha,
                eps,
                momentum,
                weight_decay,
                ..
            } => vec![
                ("alpha", alpha, Fraction),
                ("eps", eps, AtLeastZero),
                ("momentum", momentum, Fraction),
                ("weight_decay", weight_decay, AtLeastZero),
            ],
            OptimizerSpec::Adagrad {
                lr_decay,
                initial_accumulator_value,
                eps,
                weight_decay,
                ..
            } => vec![
                ("lr_decay", lr_decay, AtLeastZero),
                (
                    "initial_accumulator_value",
                    initial_accumulator_value,
                    AtLeastZero,
                ),
                ("eps", eps, AtLeastZero),
                ("weight_decay", weight_decay, AtLeastZero),
            ],
        };
        let (norm, value) = self.clipping();
        out.extend(norm.map(|v| ("clip_grad_norm", v, AboveZero)));
        out.extend(value.map(|v| ("clip_grad_value", v, AboveZero)));
        out
    }

    /// The momentum of `kind = "momentum"` when the file gives none (PyTorch has no default:
    /// 0.9 is the value every recipe uses).
    pub const DEFAULT_MOMENTUM: f64 = 0.9;

    /// The kinds, as `kind = "..."` names them.
    pub const KINDS: [&'static str; 6] = ["sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad"];

    /// `torch.optim.SGD` with PyTorch's defaults: no momentum, no weight decay.
    pub fn sgd() -> Self {
        OptimizerSpec::Sgd {
            weight_decay: 0.0,
            clip_grad_norm: None,
            clip_grad_value: None,
        }
    }

    /// `torch.optim.SGD` with `momentum`, dampening 0, not Nesterov.
    pub fn sgd_momentum(momentum: f64) -> Self {
        OptimizerSpec::Momentum {
            momentum,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
            clip_grad_norm: None,
            clip_grad_value: None,
        }
    }

    /// `torch.optim.Adam` with PyTorch's defaults (betas 0.9, 0.999, eps 1e-8).
    pub fn adam() -> Self {
        OptimizerSpec::Adam {
            beta1: beta1(),
            beta2: beta2(),
            eps: eps(),
            weight_decay: 0.0,
            amsgrad: false,
            clip_grad_norm: None,
            clip_grad_value: None,
        }
    }

    /// `torch.optim.AdamW` with PyTorch's defaults (weight decay 0.01).
    pub fn adamw() -> Self {
        OptimizerSpec::Adamw {
            beta1: beta1(),
            beta2: beta2(),
            eps: eps(),
            weight_decay: adamw_decay(),
            clip_grad_norm: None,
            clip_grad_value: None,
        }
    }

    /// `torch.optim.RMSprop` with PyTorch's defaults (alpha 0.99, no momentum).
    pub fn rmsprop() -> Self {
        OptimizerSpec::Rmsprop {
            alpha: alpha(),
            eps: eps(),
            momentum: 0.0,
            centered: false,
            weight_decay: 0.0,
            clip_grad_norm: None,
            clip_grad_value: None,
        }
    }

    /// `torch.optim.Adagrad` with PyTorch's defaults (eps 1e-10).
    pub fn adagrad() -> Self {
        OptimizerSpec::Adagrad {
            lr_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: adagrad_eps(),
            weight_decay: 0.0,
            clip_grad_norm: None,
            clip_grad_value: None,
        }
    }

    /// The optimizer of `kind` (one of [`KINDS`](Self::KINDS)) with every setting at
    /// PyTorch's default; `None` for another name.
    pub fn with_defaults(kind: &str) -> Option<Self> {
        Some(match kind {
            "sgd" => Self::sgd(),
            "momentum" => Self::sgd_momentum(momentum()),
            "adam" => Self::adam(),
            "adamw" => Self::adamw(),
            "rmsprop" => Self::rmsprop(),
            "adagrad" => Self::adagrad(),
            _ => return None,
        })
    }

    /// The kind, as `kind = "..."` names it.
    pub fn kind(&self) -> &'static str {
        match self {
            OptimizerSpec::Sgd { .. } => "sgd",
            OptimizerSpec::Momentum { .. } => "momentum",
            OptimizerSpec::Adam { .. } => "adam",
            OptimizerSpec::Adamw { .. } => "adamw",
            OptimizerSpec::Rmsprop { .. } => "rmsprop",
            OptimizerSpec::Adagrad { .. } => "adagrad",
        }
    }

    /// The settings every kind has: weight decay and the two clippings.
    fn common_mut(&mut self) -> (&mut f64, &mut Option<f64>, &mut Option<f64>) {
        match self {
            OptimizerSpec::Sgd {
                weight_decay,
                clip_grad_norm,
                clip_grad_value,
            }
            | OptimizerSpec::Momentum {
                weight_decay,
                clip_grad_norm,
                clip_grad_value,
                ..
            }
            | OptimizerSpec::Adam {
                weight_decay,
                clip_grad_norm,
                clip_grad_value,
                ..
            }
            | OptimizerSpec::Adamw {
                weight_decay,
                clip_grad_norm,
                clip_grad_value,
                ..
            }
            | OptimizerSpec::Rmsprop {
                weight_decay,
                clip_grad_norm,
                clip_grad_value,
                ..
            }
            | OptimizerSpec::Adagrad {
                weight_decay,
                clip_grad_norm,
                clip_grad_value,
                ..
            } => (weight_decay, clip_grad_norm, clip_grad_value),
        }
    }

    /// Sets `weight_decay` (AdamW's decoupled one, the others' L2 term).
    #[must_use]
    pub fn with_weight_decay(mut self, weight_decay: f64) -> Self {
        *self.common_mut().0 = weight_decay;
        self
    }

    /// Clips the gradients to a global norm of at most `norm` (`clip_grad_norm_`).
    #[must_use]
    pub fn with_clip_grad_norm(mut self, norm: f64) -> Self {
        *self.common_mut().1 = Some(norm);
        self
    }

    /// Clips each gradient element to `[-value, value]` (`clip_grad_value_`).
    #[must_use]
    pub fn with_clip_grad_value(mut self, value: f64) -> Self {
        *self.common_mut().2 = Some(value);
        self
    }

    /// The optimizer with exactly these hyper-parameters and `torch.optim`'s update rule
    /// ([`crate::torch_optim`]), clipping included.
    pub fn build(&self) -> ScheduledOptimizer {
        ScheduledOptimizer::new(self)
    }

    /// How gradients are clipped, if they are.
    pub fn clip(&self) -> Option<Clip> {
        match self.clipping() {
            (Some(norm), _) => Some(Clip::Norm(norm)),
            (None, Some(value)) => Some(Clip::Value(value)),
            (None, None) => None,
        }
    }

    /// The optimizer's own momentum (SGD with momentum, RMSprop) or `beta1` (Adam, AdamW),
    /// which a schedule that cycles momentum replaces; `None` for plain SGD and Adagrad.
    pub fn momentum(&self) -> Option<f64> {
        match *self {
            OptimizerSpec::Momentum { momentum, .. } | OptimizerSpec::Rmsprop { momentum, .. } => {
                Some(momentum)
            }
            OptimizerSpec::Adam { beta1, .. } | OptimizerSpec::Adamw { beta1, .. } => Some(beta1),
            OptimizerSpec::Sgd { .. } | OptimizerSpec::Adagrad { .. } => None,
        }
    }

    /// The hyper-parameters as one line, for the start-of-run banner.
    pub fn describe(&self) -> String {
        let value = serde_json::to_value(self).expect("optimizer specs serialize");
        let fields = value.as_object().expect("a table");
        let kind = fields.get("kind").and_then(|k| k.as_str()).unwrap_or("?");
        let rest: Vec<String> = fields
            .iter()
            .filter(|(k, _)| *k != "kind")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("{kind} ({})", rest.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytorch_defaults_are_filled() {
        let adam: OptimizerSpec = toml::from_str("kind = \"adam\"").unwrap();
        assert_eq!(
            adam,
            OptimizerSpec::Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.0,
                amsgrad: false,
                clip_grad_norm: None,
                clip_grad_value: None
            }
        );
        let m: OptimizerSpec = toml::from_str("kind = \"momentum\"\nnesterov = true").unwrap();
        assert_eq!(
            m.describe(),
            "momentum (dampening=0.0, momentum=0.9, nesterov=true, weight_decay=0.0)"
        );
        let r: OptimizerSpec = toml::from_str("kind = \"rmsprop\"").unwrap();
        assert!(matches!(
            r,
            OptimizerSpec::Rmsprop {
                momentum: 0.0,
                eps: 1e-8,
                ..
            }
        ));
        let w: OptimizerSpec = toml::from_str("kind = \"adamw\"").unwrap();
        assert!(matches!(
            w,
            OptimizerSpec::Adamw {
                weight_decay: 0.01,
                ..
            }
        ));
    }

    fn rule_of(text: &str) -> String {
        let spec: OptimizerSpec = toml::from_str(text).unwrap();
        spec.validate().unwrap_err().to_string()
    }

    #[test]
    fn hyper_parameters_are_validated_as_pytorch_does() {
        // torch.optim.SGD(momentum=-0.1): "Invalid momentum value: -0.1".
        assert_eq!(
            rule_of("kind = \"momentum\"\nmomentum = -0.1"),
            "momentum = -0.1: must be in [0, 1]"
        );
        // torch.optim.Adam(betas=(1.5, 0.999)): "Invalid beta parameter at index 0: 1.5".
        assert_eq!(
            rule_of("kind = \"adam\"\nbeta1 = 1.5"),
            "beta1 = 1.5: must be in [0, 1)"
        );
        assert_eq!(
            rule_of("kind = \"adamw\"\nbeta2 = 1.0"),
            "beta2 = 1: must be in [0, 1)"
        );
        // torch.optim.SGD(weight_decay=nan): "Invalid weight_decay value: nan".
        assert_eq!(
            rule_of("kind = \"sgd\"\nweight_decay = nan"),
            "weight_decay = NaN: must be a finite number of at least 0"
        );
        assert_eq!(
            rule_of("kind = \"rmsprop\"\neps = -1e-8"),
            "eps = -0.00000001: must be a finite number of at least 0"
        );
        assert_eq!(
            rule_of("kind = \"adagrad\"\nlr_decay = inf"),
            "lr_decay = inf: must be a finite number of at least 0"
        );
        assert_eq!(
            rule_of("kind = \"sgd\"\nclip_grad_norm = -1.0"),
            "clip_grad_norm = -1: must be a finite number greater than 0"
        );
        assert_eq!(
            rule_of("kind = \"adam\"\nclip_grad_value = 0.0"),
            "clip_grad_value = 0: must be a finite number greater than 0"
        );
        assert!(
            rule_of("kind = \"sgd\"\nclip_grad_norm = 1.0\nclip_grad_value = 1.0")
                .contains("not both")
        );
        // torch.optim.SGD(nesterov=True, dampening=0.1): "Nesterov momentum requires a momentum
        // and zero dampening".
        assert!(
            rule_of("kind = \"momentum\"\nnesterov = true\ndampening = 0.1")
                .starts_with("nesterov = true")
        );
        for kind in ["sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad"] {
            let defaults = OptimizerSpec::with_defaults(kind).unwrap();
            assert_eq!(
                defaults.validate(),
                Ok(()),
                "{kind}: PyTorch's defaults are valid"
            );
        }
    }

    #[test]
    fn constructors_equal_the_toml_with_the_same_keys() {
        for kind in OptimizerSpec::KINDS {
            let toml_spec: OptimizerSpec = toml::from_str(&format!("kind = \"{kind}\"")).unwrap();
            let built = OptimizerSpec::with_defaults(kind).unwrap();
            assert_eq!(built, toml_spec, "{kind}");
            assert_eq!(built.kind(), kind);
        }
        let toml_spec: OptimizerSpec = toml::from_str(
            "kind = \"momentum\"\nmomentum = 0.5\nweight_decay = 1e-4\nclip_grad_norm = 1.0",
        )
        .unwrap();
        let built = OptimizerSpec::sgd_momentum(0.5)
            .with_weight_decay(1e-4)
            .with_clip_grad_norm(1.0);
        assert_eq!(built, toml_spec);
        let toml_spec: OptimizerSpec =
            toml::from_str("kind = \"adagrad\"\nclip_grad_value = 0.5").unwrap();
        assert_eq!(
            OptimizerSpec::adagrad().with_clip_grad_value(0.5),
            toml_spec
        );
        assert_eq!(OptimizerSpec::with_defaults("lion"), None);
    }

    #[test]
    fn unknown_keys_and_kinds_are_rejected() {
        assert!(toml::from_str::<OptimizerSpec>("kind = \"adam\"\nbeta = 0.9").is_err());
        assert!(toml::from_str::<OptimizerSpec>("kind = \"lion\"").is_err());
        let clipped: OptimizerSpec =
            toml::from_str("kind = \"sgd\"\nclip_grad_norm = 1.0").unwrap();
        assert!(matches!(
            clipped,
            OptimizerSpec::Sgd {
                clip_grad_norm: Some(1.0),
                ..
            }
        ));
    }
}
