//! The training side of the harness: run configs, optimizers with PyTorch's defaults, the
//! choice of backend, and the training loop with its metrics and checkpoints.
//!
//! # Crate map
//! - [`optimizer`]: `[optimizer]`, built into burn optimizers with PyTorch's defaults.

pub mod optimizer;
