//! The models the harness trains, built from TOML configs, with their losses and metrics, and
//! the on-device batching that feeds them.
//!
//! # Crate map
//! - [`config`]: [`ModelConfig`] (`kind = "linear"` or `"mlp"`), validated into [`ModelError`].
//! - [`linear`]: [`LinearRegressor`], inputs → 1.
//! - [`mlp`]: [`Mlp`], inputs → hidden layers → outputs, relu / gelu / tanh, optional dropout.
//! - [`model`]: [`Model`], either of the two, initialised from a seed.
//! - [`trainable`]: [`Trainable`], what the trainer needs of a model (burn's `Module` and the
//!   loss of a batch); [`Model`] implements it, and so can a burn user's own model.
//! - [`loss`]: MSE and cross-entropy; [`metrics`]: accuracy, RMSE, MAE, R² on host values.
//! - [`batch`]: a whole dataset as device tensors; an epoch is a seeded permutation and each
//!   batch a gather of its rows on the device.
//! - [`weights`]: PyTorch's weights in and out of a [`Model`] as safetensors files
//!   ([`weights::load_pytorch`], [`weights::save_pytorch`]), named and laid out as the
//!   `state_dict` of the equivalent `nn.Sequential`.
//!
//! Tensors carry no backend type (burn 0.22): the backend is the [`Device`](burn::tensor::Device)
//! the model and data are created on, `device.autodiff()` for training.

pub mod batch;
pub mod config;
pub mod linear;
pub mod loss;
pub mod metrics;
pub mod mlp;
pub mod model;
pub mod trainable;
pub mod weights;

pub use config::{Activation, ModelConfig, ModelError};
pub use linear::LinearRegressor;
pub use mlp::Mlp;
pub use model::{Model, Task};
pub use trainable::Trainable;
