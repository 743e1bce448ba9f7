//! Learning-rate schedules with PyTorch parity, as burn 0.22 [`LrScheduler`]s.
//!
//! Every schedule users know from `torch.optim.lr_scheduler` (step, multi-step, exponential,
//! cosine, SGDR, cyclic, one-cycle, linear, polynomial, constant, sequential, plateau), plus a
//! linear warm-up in front of any of them, the loss-spike rule of our study and the LR range
//! test ramp. Each gives, for every optimizer step, the same LR as PyTorch, bit for bit where
//! PyTorch is recursive (we replay its recurrence), and resumes exactly from a record.
//!
//! # Crate map
//! - [`config`]: [`ScheduleConfig`] (TOML, `kind = "..."`, unknown keys rejected) and
//!   [`Schedule`], a config that passed validation.
//! - [`error`]: [`ScheduleError`], one variant per rule, naming field, value and rule.
//! - [`kinds`]: one file per family, holding its config, rules and pure maths.
//! - [`scheduler`]: [`Scheduler`], the burn `LrScheduler`, and [`Observe`], the extension
//!   through which a training loop feeds the loss to loss-driven schedules.
//! - [`file`]: reading a schedule from a schedule file or a run config's `[schedule]` table.
//! - [`preview`]: LRs for N steps, lints and phase markers, as `harness schedule` shows them.
//!
//! # Example
//! ```
//! use burn::lr_scheduler::LrScheduler;
//! use schedules::{Schedule, ScheduleConfig, Scheduler};
//!
//! let config: ScheduleConfig = toml::from_str("kind = \"step\"\nlr = 1.0\nstep_size = 2").unwrap();
//! let mut scheduler = Scheduler::new(Schedule::new(config).unwrap());
//! let lrs: Vec<f64> = (0..5).map(|_| scheduler.step()).collect();
//! assert_eq!(lrs, [1.0, 1.0, 0.1, 0.1, 0.010000000000000002]);
//! ```
//!
//! [`LrScheduler`]: burn::lr_scheduler::LrScheduler

pub mod config;
pub mod error;
pub mod file;
pub mod kinds;
pub mod preview;
pub mod scheduler;
mod state;
#[cfg(test)]
mod test_utils;

pub use config::{KINDS, Schedule, ScheduleConfig};
pub use error::ScheduleError;
pub use scheduler::{Builtin, DynamicLr, Observe, Scheduler};
