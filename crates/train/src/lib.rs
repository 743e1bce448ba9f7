//! The training side of the harness: run configs, optimizers with PyTorch's defaults, the
//! choice of backend, and the training loop with its metrics and checkpoints.
//!
//! # Crate map
//! - [`backend`]: the backend chosen at run time among those compiled in.
//! - [`bench`](mod@bench): what `harness bench` measures: throughput, latency, memory, start-up, an epoch.
//! - [`checkpoint`]: what a run saves to continue exactly, and which checkpoints it keeps.
//! - [`config`]: the run config (`[data]`, `[model]`, `[optimizer]`, `[schedule]`, `[train]`).
//! - [`experiment`]: experiment files of `harness compare`: runs made from a base by overrides.
//! - [`finder_bench`]: how often the LR finder is right: grids of runs around its answers.
//! - [`landscape`]: optimizers descending a 2-D Rosenbrock valley, with their trajectories.
//! - [`lr_find`]: the LR range test on a real model: sweeps, suggestions, the config it writes.
//! - [`optimizer`]: `[optimizer]`, built into burn optimizers with PyTorch's defaults.
//! - [`torch_optim`]: optimizers with `torch.optim`'s exact update rules, a schedule's cycled
//!   momentum and PyTorch's global-norm clipping (checked against recorded PyTorch runs).
//! - [`trainer`]: a run's model, optimizer and schedule between steps, one step, the end of an
//!   epoch, checkpoints, and early stopping as a decision.
//! - [`run`]: the training loop; [`records`]: metrics files; [`reference`](mod@reference): the least-squares
//!   yardstick of linear models.

pub mod backend;
pub mod bench;
pub mod checkpoint;
pub mod config;
pub mod experiment;
pub mod finder_bench;
pub mod landscape;
pub mod lr_find;
pub mod optimizer;
pub mod records;
pub mod reference;
pub mod run;
pub mod torch_optim;
pub mod trainer;
