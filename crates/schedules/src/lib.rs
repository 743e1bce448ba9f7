//! Learning-rate schedules with PyTorch parity, for burn 0.22.
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
//! - [`kinds`]: one file per family, holding its config, rules and pure maths; each config
//!   has `new(required values)` and `with_*` setters with the TOML's defaults, and converts
//!   into [`ScheduleConfig`], [`Schedule`] and [`StepDriven`].
//! - [`error`]: [`ScheduleError`], one variant per rule, naming field, value and rule.
//! - [`scheduler`]: [`Scheduler`], which runs any schedule and takes the loss through
//!   [`Observe`]; [`StepDriven`], the burn [`LrScheduler`] for burn-train's `Learner`, which
//!   refuses loss-driven kinds (nothing there would feed them the loss).
//! - [`file`](mod@file): reading a schedule from a schedule file or a run config's `[schedule]` table.
//! - [`preview`]: LRs for N steps, lints and phase markers, as `harness schedule` shows them.
//!
//! # Example
//! ```
//! use burn::lr_scheduler::LrScheduler;
//! use schedules::StepDriven;
//! use schedules::kinds::step::StepConfig;
//!
//! // Built in Rust; `toml::from_str("kind = 'step'\nlr = 1.0\nstep_size = 2")` is the same.
//! let mut scheduler = StepDriven::try_from(StepConfig::new(1.0, 2))?;
//! let lrs: Vec<f64> = (0..5).map(|_| scheduler.step()).collect();
//! assert_eq!(lrs, [1.0, 1.0, 0.1, 0.1, 0.010000000000000002]);
//! // burn-train: Learner::new(model, optimizer, scheduler)
//! # Ok::<(), schedules::ScheduleError>(())
//! ```
//!
//! [`LrScheduler`]: burn::lr_scheduler::LrScheduler

pub mod config;
mod constructors;
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
pub use scheduler::{Observe, Scheduler, StepDriven};
