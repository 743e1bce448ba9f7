//! The datasets of the harness, on the host: parsing, checks, splits and scaling. Nothing here
//! depends on a tensor backend; putting the data on a device is the `models` crate's job.
//!
//! # Crate map
//! - [`mnist`]: MNIST and Fashion-MNIST from IDX files ([`idx`]), gzip or raw, either naming,
//!   SHA-256 checked.
//! - [`california`]: California housing from StatLib's `cal_housing.data`, scikit-learn's
//!   8 features.
//! - [`synthetic`]: `make_regression`-style linear data, seeded.
//! - [`download`]: fetching a published archive into the cache, verified and atomic.
//! - [`spec`]: the `[data]` table of a run config, and `prepare`, which loads and preprocesses it.
//! - [`split`]: seeded train/test split and epoch order, standardization fitted on train only.
//! - [`table`]: [`Table`], a regression dataset in memory.
//! - [`locate`]: which folder holds a dataset (`--data-dir`, `HARNESS_DATA`, `datasets/`, cache).
//! - [`files`]: reading (gzip or not) and SHA-256 checks; [`error`]: [`DataError`].

pub mod california;
pub mod download;
pub mod error;
pub mod files;
pub mod idx;
pub mod locate;
pub mod mnist;
pub mod spec;
pub mod split;
pub mod synthetic;
pub mod table;

pub use error::{DataError, Result};
pub use table::Table;
