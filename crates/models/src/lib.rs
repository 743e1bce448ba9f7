//! The models the harness trains, built from TOML configs, with their losses and metrics, and
//! the on-device batching that feeds them.
//!
//! # Crate map
//! - [`config`]: [`ModelConfig`] (`kind = "linear"` or `"mlp"`), validated into [`ModelError`].
//! - [`linear`]: [`LinearRegressor`], inputs → 1.
//! - [`mlp`]: [`Mlp`], inputs → hidden layers → outputs, relu / gelu / tanh, optional dropout.
//! - [`model`]: [`Model`], either of the two, initialised from a seed.
//! - [`loss`]: MSE and cross-entropy; [`metrics`]: accuracy, RMSE, MAE, R² on host values.
//! - [`batch`]: a whole dataset as device tensors; an epoch is a seeded permutation and each
//!   batch a gather of its rows on the device.
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

pub use config::{Activation, ModelConfig, ModelError};
pub use linear::LinearRegressor;
pub use mlp::Mlp;
pub use model::{Model, Task};
