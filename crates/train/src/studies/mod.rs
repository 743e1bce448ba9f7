//! Studies over training runs, apart from the trainer they drive: `harness compare`'s
//! experiment files, the optimizers' landscape, the throughput benchmark and the finder-quality
//! benchmark.
//!
//! - [`experiment`]: experiment files of `harness compare`: runs made from a base by overrides.
//! - [`plan`]: an experiment planned into its folder, so that array tasks train its runs by
//!   index and a collect step reports them.
//! - [`landscape`]: optimizers descending a 2-D Rosenbrock valley, with their trajectories.
//! - [`bench`](mod@bench): what `harness bench` measures: throughput, latency, memory, start-up,
//!   an epoch.
//! - [`finder_bench`]: how often the LR finder is right: grids of runs around its answers.

pub mod bench;
pub mod experiment;
pub mod finder_bench;
pub mod landscape;
pub mod plan;
