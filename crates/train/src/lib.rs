//! The trainer of the harness: run configs, optimizers with PyTorch's exact rules, the choice
//! of backend, the training loop with its records and checkpoints, and the LR range test on the
//! harness's models; the studies that drive it are grouped in [`studies`].
//!
//! # Crate map
//! - [`backend`]: the backend chosen at run time among those compiled in.
//! - [`checkpoint`]: what a run saves to continue exactly, and which checkpoints it keeps.
//! - [`config`]: the run config (`[data]`, `[model]`, `[optimizer]`, `[schedule]`, `[train]`).
//! - [`lr_find`](mod@lr_find): the LR range test on the harness's models: sweeps, the probe,
//!   the config it writes.
//! - [`optimizer`]: `[optimizer]`, built into burn optimizers with PyTorch's defaults.
//! - [`overrides`]: `KEY=VALUE` overrides of a config's table (`harness train --set`, an
//!   experiment's `set`).
//! - [`torch_optim`]: optimizers with `torch.optim`'s exact update rules, a schedule's cycled
//!   momentum and PyTorch's global-norm clipping (checked against recorded PyTorch runs).
//! - [`trainer`]: a run's model, optimizer and schedule between steps, one step, the end of an
//!   epoch, checkpoints, and early stopping as a decision.
//! - [`fit`]: the training loop on any [`models::Trainable`] model and any
//!   [`fit::EpochBatches`] (our on-device batches, or a burn `DataLoader` with the feature
//!   `dataloader`), into a run folder that resumes exactly; [`error`]: why a run failed.
//! - [`run`]: `harness train` as a call, a run config built and handed to [`fit`];
//!   [`records`]: the run folder's files, written and read back as typed records;
//!   [`events`]: the same records as TensorBoard event files;
//!   [`reference`](mod@reference): the least-squares yardstick of linear models.
//! - [`studies`]: `harness compare`'s experiments, the landscape, the throughput benchmark and
//!   the finder benchmark.

pub mod backend;
pub mod checkpoint;
pub mod config;
pub mod error;
pub mod events;
pub mod fit;
pub mod lr_find;
pub mod optimizer;
pub mod overrides;
pub mod records;
pub mod reference;
pub mod run;
pub mod studies;
pub mod torch_optim;
pub mod trainer;
