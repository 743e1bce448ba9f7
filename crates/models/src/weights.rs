//! PyTorch's weights in and out of a [`Model`], as safetensors files, through burn-store.
//!
//! The file holds the `state_dict` of the equivalent `torch.nn.Sequential`, with PyTorch's
//! names and layouts, so that in Python
//!
//! ```python
//! net.load_state_dict(safetensors.torch.load_file("weights.safetensors"))
//! ```
//!
//! works on
//!
//! - the MLP: `nn.Sequential(nn.Linear(d, h1), act, nn.Linear(h1, h2), act, ..., nn.Linear(hn, k))`,
//!   with an `nn.Dropout(p)` after each activation when the model's dropout is above 0. Linear
//!   layer `k` is at the Sequential index [`sequential_index`]`(k, dropout)`: `0`, `2`, `4`, …
//!   without dropout, `0`, `3`, `6`, … with it; its tensors are `{index}.weight` and
//!   `{index}.bias`.
//! - the linear regressor: `nn.Sequential(nn.Linear(d, 1))`, tensors `0.weight` `[1, d]` and
//!   `0.bias` `[1]`.
//!
//! PyTorch stores a Linear weight as `[out, in]`, burn as `[in, out]`: burn-store's
//! [`PyTorchToBurnAdapter`] transposes on loading and [`BurnToPyTorchAdapter`] on saving. Names
//! are translated by key remapping between burn's module paths ([`Model`] is an enum, so its
//! variant comes first: `Mlp.layers.{k}.weight`, `Linear.linear.weight`) and the Sequential's.
//!
//! Every tensor must be float32, and file and model must match exactly: a tensor missing, one
//! too many, or a shape that differs is an error naming the file and the tensor (in PyTorch's
//! names and layout), never a partial load.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use burn::nn::Linear;
use burn::tensor::DType;
use burn_store::{
    ApplyError, BurnToPyTorchAdapter, KeyRemapper, ModuleSnapshot, ModuleStore,
    PyTorchToBurnAdapter, SafetensorsStore, SafetensorsStoreError,
};
use thiserror::Error;

use crate::model::Model;

/// The largest weights file [`load_pytorch`] reads: 4 GiB (a billion float32 parameters).
pub const WEIGHTS_LIMIT: bounded::Limit = bounded::Limit::new(4 << 30, "a weights file");

/// How many names a message lists before it says "and N more".
const LISTED: usize = 8;

/// A weights file that cannot be read into the model, or written.
#[derive(Debug, Error)]
pub enum WeightsError {
    /// Missing, unreadable, not a regular file, or larger than [`WEIGHTS_LIMIT`].
    #[error("cannot read weights file {}: {cause}", path.display())]
    Unreadable {
        path: PathBuf,
        /// Shown in the message rather than chained as a source, so it is printed once.
        cause: io::Error,
    },
    /// The bytes are not a safetensors container (header, offsets) burn-store can read.
    #[error("{}: not a safetensors file: {reason}", path.display())]
    NotSafetensors { path: PathBuf, reason: String },
    /// A parameter of the model has no tensor in the file.
    #[error(
        "{}: tensor {name} is missing: the model needs {name} of shape {shape:?} (the file holds {held})",
        path.display()
    )]
    Missing {
        path: PathBuf,
        /// PyTorch's name, e.g. `0.bias`.
        name: String,
        /// PyTorch's layout.
        shape: Vec<usize>,
        /// The names in the file, for the message.
        held: String,
    },
    /// A tensor of the file that is no parameter of the model.
    #[error(
        "{}: tensor {name} is in the file but the model has no such parameter (it has {wanted})",
        path.display()
    )]
    Unexpected {
        path: PathBuf,
        name: String,
        /// The names the model has, for the message.
        wanted: String,
    },
    /// A tensor whose shape is not the parameter's, both in PyTorch's layout (`[out, in]`).
    #[error("{}: {name}: {found:?} in the file, the model needs {expected:?}", path.display())]
    Shape {
        path: PathBuf,
        name: String,
        found: Vec<usize>,
        expected: Vec<usize>,
    },
    /// A tensor stored in another dtype than float32.
    #[error("{}: {name} is {dtype} in the file, the model needs f32", path.display())]
    DType {
        path: PathBuf,
        name: String,
        dtype: String,
    },
    /// A tensor of a dtype burn has no tensor of (uint16, float8, …): burn-store refuses the
    /// file as a whole, before giving any name back.
    #[error("{}: {reason} (the model needs f32 tensors)", path.display())]
    Unsupported { path: PathBuf, reason: String },
    /// A tensor that passed the checks but could not be put into the model.
    #[error("{}: {name}: {reason}", path.display())]
    Load {
        path: PathBuf,
        name: String,
        reason: String,
    },
    /// The file could not be written.
    #[error("cannot write weights file {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
}

/// The index in the equivalent `nn.Sequential` of the MLP's linear layer `layer` (0 the input
/// side): each linear layer but the last is followed by the activation, and by an
/// `nn.Dropout` when `dropout` is above 0, so the linear layers are every 2nd module (`0`, `2`,
/// `4`, …) without dropout and every 3rd (`0`, `3`, `6`, …) with it.
pub fn sequential_index(layer: usize, dropout: f64) -> usize {
    if dropout > 0.0 { 3 * layer } else { 2 * layer }
}

/// One parameter of a model, in both namings.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Parameter {
    /// burn's module path, as burn-store collects it: `Mlp.layers.1.weight`.
    burn: String,
    /// The Sequential's `state_dict` key: `2.weight`.
    torch: String,
    /// The shape in PyTorch's layout: `[out, in]` for a weight.
    shape: Vec<usize>,
}

/// Every parameter of `model`, in layer order, weight before bias.
fn parameters(model: &Model) -> Vec<Parameter> {
    match model {
        Model::Linear(m) => linear_parameters("Linear.linear", 0, m.linear()),
        Model::Mlp(m) => m
            .layers()
            .iter()
            .enumerate()
            .flat_map(|(k, layer)| {
                let index = sequential_index(k, m.dropout());
                linear_parameters(&format!("Mlp.layers.{k}"), index, layer)
            })
            .collect(),
    }
}

/// The parameters of one `Linear` at burn path `prefix` and Sequential index `index`.
fn linear_parameters(prefix: &str, index: usize, layer: &Linear) -> Vec<Parameter> {
    let [d_in, d_out] = layer.weight.lazy_shape().dims::<2>(); // burn's [in, out]
    let mut out = vec![Parameter {
        burn: format!("{prefix}.weight"),
        torch: format!("{index}.weight"),
        shape: vec![d_out, d_in],
    }];
    if let Some(bias) = &layer.bias {
        out.push(Parameter {
            burn: format!("{prefix}.bias"),
            torch: format!("{index}.bias"),
            shape: bias.lazy_shape().to_vec(),
        });
    }
    out
}

/// A regex matching exactly `name`.
fn exactly(name: &str) -> String {
    let mut out = String::from("^");
    for c in name.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('$');
    out
}

/// A remapper renaming each whole name `from` to its `to`: patterns anchored on whole names,
/// so that a name already renamed is matched by no later pattern (the two namings never meet:
/// burn's paths start with a letter, the Sequential's with a digit).
fn renaming<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> KeyRemapper {
    let patterns = pairs.into_iter().map(|(from, to)| (exactly(from), to));
    KeyRemapper::from_pattern_iter(patterns).expect("escaped names are valid regexes")
}

/// `names`, comma-separated, the first [`LISTED`] of them.
fn listing<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = names.len();
    if total == 0 {
        return "no tensors".into();
    }
    let mut text = names.take(LISTED).collect::<Vec<_>>().join(", ");
    if total > LISTED {
        text.push_str(&format!(" and {} more", total - LISTED));
    }
    text
}

/// Sets every parameter of `model` from the safetensors file `path`, which holds the
/// `state_dict` of the equivalent `nn.Sequential` (see the [module](self) docs): names
/// `0.weight`, `0.bias`, `2.weight`, …, Linear weights `[out, in]`, all float32. The model
/// keeps its device and its autodiff setting; only the values change.
///
/// ```no_run
/// # fn demo(config: &models::ModelConfig, device: &burn::tensor::Device) -> Result<(), Box<dyn std::error::Error>> {
/// use models::{Model, Task, weights};
/// let model = Model::init(config, 784, Task::Classification { classes: 10 }, 0, device)?;
/// let model = weights::load_pytorch(model, "weights.safetensors".as_ref())?;
/// # Ok(()) }
/// ```
///
/// # Errors
/// The file is not a regular file, cannot be read, is larger than [`WEIGHTS_LIMIT`] or is not
/// a safetensors file; a parameter has no tensor, a tensor is no parameter, or one has another
/// shape than its parameter, or is not float32 (or of a dtype burn has no tensor of). These
/// are all checked against the file's header before any value is read.
pub fn load_pytorch(mut model: Model, path: &Path) -> Result<Model, WeightsError> {
    bounded::check(path, WEIGHTS_LIMIT).map_err(|cause| WeightsError::Unreadable {
        path: path.to_path_buf(),
        cause,
    })?;
    let params = parameters(&model);
    let mut store = SafetensorsStore::from_file(path);

    // The file against the model, in PyTorch's names and layout, before anything is loaded.
    let held: BTreeMap<String, (DType, Vec<usize>)> = store
        .get_all_tensors()
        .map_err(|e| read_error(path, e))?
        .iter()
        .map(|(name, t)| (name.clone(), (t.dtype, t.shape.to_vec())))
        .collect();
    check(path, &params, &held)?;

    let mut store = store
        .remap(renaming(
            params.iter().map(|p| (p.torch.as_str(), p.burn.as_str())),
        ))
        .with_from_adapter(PyTorchToBurnAdapter)
        // Reported below with PyTorch's names rather than as burn-store's summary.
        .validate(false)
        .allow_partial(true);
    let result = model
        .load_from(&mut store)
        .map_err(|e| read_error(path, e))?;

    // What the checks above rule out, should burn-store still see it otherwise.
    let torch_name = |burn: &str| {
        params
            .iter()
            .find(|p| p.burn == burn)
            .map_or_else(|| burn.to_string(), |p| p.torch.clone())
    };
    if let Some(error) = result.errors.first() {
        let (burn, reason) = match error {
            ApplyError::ShapeMismatch {
                path,
                expected,
                found,
            } => (
                path,
                format!("{found:?} after conversion, the model needs {expected:?} (burn's layout)"),
            ),
            ApplyError::DTypeMismatch { path, found, .. } => (
                path,
                format!("{found:?} cannot be loaded into a float parameter"),
            ),
            ApplyError::AdapterError { path, message }
            | ApplyError::LoadError { path, message } => (path, message.clone()),
        };
        return Err(WeightsError::Load {
            path: path.to_path_buf(),
            name: torch_name(burn),
            reason,
        });
    }
    if let Some((burn, _)) = result.missing.first() {
        return Err(WeightsError::Load {
            path: path.to_path_buf(),
            name: torch_name(burn),
            reason: "was not loaded".into(),
        });
    }
    if let Some(name) = result.unused.first() {
        return Err(WeightsError::Unexpected {
            path: path.to_path_buf(),
            name: name.clone(),
            wanted: listing(params.iter().map(|p| p.torch.as_str())),
        });
    }
    Ok(model)
}

/// Each parameter has a float32 tensor of its shape in `held`, and `held` nothing else.
fn check(
    path: &Path,
    params: &[Parameter],
    held: &BTreeMap<String, (DType, Vec<usize>)>,
) -> Result<(), WeightsError> {
    for p in params {
        let Some((dtype, shape)) = held.get(&p.torch) else {
            return Err(WeightsError::Missing {
                path: path.to_path_buf(),
                name: p.torch.clone(),
                shape: p.shape.clone(),
                held: listing(held.keys().map(String::as_str)),
            });
        };
        if *dtype != DType::F32 {
            return Err(WeightsError::DType {
                path: path.to_path_buf(),
                name: p.torch.clone(),
                dtype: format!("{dtype:?}").to_lowercase(),
            });
        }
        if *shape != p.shape {
            return Err(WeightsError::Shape {
                path: path.to_path_buf(),
                name: p.torch.clone(),
                found: shape.clone(),
                expected: p.shape.clone(),
            });
        }
    }
    if let Some(extra) = held.keys().find(|n| !params.iter().any(|p| &p.torch == *n)) {
        return Err(WeightsError::Unexpected {
            path: path.to_path_buf(),
            name: extra.clone(),
            wanted: listing(params.iter().map(|p| p.torch.as_str())),
        });
    }
    Ok(())
}

/// burn-store's error while reading `path`, as ours.
fn read_error(path: &Path, e: SafetensorsStoreError) -> WeightsError {
    let path = path.to_path_buf();
    match e {
        SafetensorsStoreError::Io(cause) => WeightsError::Unreadable { path, cause },
        SafetensorsStoreError::Safetensors(e) => WeightsError::NotSafetensors {
            path,
            reason: e.to_string(),
        },
        // Reading a file, burn-store says `Other` only of a dtype burn cannot hold at all.
        SafetensorsStoreError::Other(reason)
        | SafetensorsStoreError::ValidationFailed(reason)
        | SafetensorsStoreError::TensorNotFound(reason) => {
            WeightsError::Unsupported { path, reason }
        }
    }
}

/// Writes every parameter of `model` to the safetensors file `path` in PyTorch's names and
/// layouts (see the [module](self) docs), so that
/// `net.load_state_dict(safetensors.torch.load_file(path))` loads them into the equivalent
/// `nn.Sequential`, and [`load_pytorch`] back into a model of the same config.
///
/// The write is atomic: the file is built under a scratch name beside `path`
/// (`<name>.<pid>-<n>.tmp`), synced, then renamed onto `path`, replacing a file already there;
/// on an error the scratch file is removed and `path` is left as it was. (burn-store's
/// safetensors store does this; a process killed mid-write can leave the scratch file.)
///
/// # Errors
/// The folder does not exist or cannot be written, or the disk is full.
pub fn save_pytorch(model: &Model, path: &Path) -> Result<(), WeightsError> {
    let params = parameters(model);
    let mut store = SafetensorsStore::from_file(path)
        .remap(renaming(
            params.iter().map(|p| (p.burn.as_str(), p.torch.as_str())),
        ))
        .with_to_adapter(BurnToPyTorchAdapter)
        .overwrite(true);
    model
        .save_into(&mut store)
        .map_err(|e| WeightsError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LinearSpec, MlpSpec};
    use crate::{ModelConfig, Task};
    use burn::tensor::Device;

    fn mlp(hidden: Vec<usize>, dropout: f64) -> Model {
        let spec = MlpSpec {
            hidden,
            dropout,
            ..MlpSpec::default()
        };
        let task = Task::Classification { classes: 3 };
        Model::init(&ModelConfig::Mlp(spec), 5, task, 0, &Device::flex()).unwrap()
    }

    /// The burn paths [`parameters`] names are the ones burn-store collects.
    fn assert_paths_are_burn_stores(model: &Model) {
        let collected: Vec<(String, Vec<usize>)> = model
            .collect(None, Some(Box::new(BurnToPyTorchAdapter)), false)
            .into_iter()
            .map(|t| (t.name.clone(), t.shape.to_vec()))
            .collect();
        let ours: Vec<(String, Vec<usize>)> = parameters(model)
            .into_iter()
            .map(|p| (p.burn, p.shape))
            .collect();
        assert_eq!(collected, ours);
    }

    #[test]
    fn sequential_indices_skip_activations_and_dropouts() {
        let plain: Vec<usize> = (0..4).map(|k| sequential_index(k, 0.0)).collect();
        let dropped: Vec<usize> = (0..4).map(|k| sequential_index(k, 0.5)).collect();
        assert_eq!(plain, [0, 2, 4, 6]);
        assert_eq!(dropped, [0, 3, 6, 9]);
    }

    #[test]
    fn names_match_the_paths_burn_store_collects() {
        let model = mlp(vec![8, 4], 0.0);
        assert_paths_are_burn_stores(&model);
        let torch: Vec<String> = parameters(&model).into_iter().map(|p| p.torch).collect();
        assert_eq!(
            torch,
            [
                "0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"
            ]
        );
        assert_paths_are_burn_stores(&mlp(vec![8], 0.25));

        let linear = Model::init(
            &ModelConfig::Linear(LinearSpec::default()),
            7,
            Task::Regression,
            0,
            &Device::flex(),
        )
        .unwrap();
        assert_paths_are_burn_stores(&linear);
        let params = parameters(&linear);
        assert_eq!(params[0].burn, "Linear.linear.weight");
        assert_eq!(params[0].torch, "0.weight");
        assert_eq!(params[0].shape, [1, 7]);
        assert_eq!(params[1].shape, [1]);
    }

    #[test]
    fn exactly_matches_one_whole_name() {
        let remapper = renaming([("0.weight", "layers.0.weight")]);
        assert!(remapper.patterns[0].0.is_match("0.weight"));
        assert!(!remapper.patterns[0].0.is_match("0xweight"));
        assert!(!remapper.patterns[0].0.is_match("10.weight"));
    }
}
