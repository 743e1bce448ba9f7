//! Command-line interface. Every flag's doc comment is its `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A deep-learning training harness that treats the learning rate as a first-class,
/// dynamic parameter.
#[derive(Debug, Parser)]
#[command(name = "harness", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a model from a TOML run config ([data], [model], [optimizer], [schedule], [train]).
    ///
    /// Writes a run folder: the effective config, metrics.csv and metrics.jsonl (one row per
    /// optimizer step, validation figures per epoch), summary.json, loss.png and lr.png.
    Train(TrainArgs),

    /// Preview a learning-rate schedule: the LR (and momentum) of every optimizer step.
    ///
    /// Prints the LR PyTorch's scheduler would give at optimizer steps 0..N-1, warns about
    /// settings that do not fit the run (a cosine t_max or one-cycle total_steps that differs
    /// from N, a warm-up longer than the run) and can plot the curve with its phases marked.
    Schedule(ScheduleArgs),

    /// Find a learning rate: the LR range test (Smith 2015), with suggestions you can trust.
    ///
    /// Raises the LR every optimizer step from --start-lr to --end-lr, smooths the loss, stops
    /// when it diverges, and reads four suggestions off the curve (steepest, minimum, valley,
    /// steepest_first_half). The recommended LR is the median of the first three, with a
    /// confidence from how far apart they are; a flat or noisy curve gets "no usable descent"
    /// instead of a number. The model you start from is never trained: the sweep works on a
    /// copy. --write-config turns the finding into a run config for `harness train`.
    LrFind(LrFindArgs),

    /// Run several configurations on the same data and seed, and write a report comparing them.
    ///
    /// An experiment file lists runs (a run config, or overrides on a base config) or a grid
    /// (e.g. schedules × optimizers × learning rates). The output folder holds report.md,
    /// report.json, each run's folder and overlaid plots. A run that fails (a NaN loss, a bad
    /// config) is reported with its reason; the others still run.
    Compare(CompareArgs),

    /// Benchmark training on MNIST: throughput, step latency, forward throughput, peak memory,
    /// start-up and one epoch, per backend and batch size.
    ///
    /// The workload is the training loop's own (data resident on the device, a gather per batch,
    /// SGD, the loss read every step). scripts/compare.sh runs the same in PyTorch and prints
    /// the ratios.
    Bench(BenchArgs),

    /// Optimizers on a 2-D landscape: trajectories over f(x, y) = (1 − x)² + 10 (y − x²)².
    Landscape(crate::commands::landscape::LandscapeArgs),

    /// Get and inspect datasets: download California housing, check what is where.
    #[command(subcommand)]
    Data(DataCommand),
}

/// `harness data ...`
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Download a dataset into the cache, verified against its published SHA-256.
    Fetch {
        /// The dataset to download (MNIST is vendored in datasets/mnist and needs no download).
        #[arg(value_enum)]
        dataset: FetchName,
        /// Folder to write into, instead of the cache (`$HARNESS_CACHE`, else
        /// `$XDG_CACHE_HOME/harness`, else ~/.cache/harness, under datasets/<name>/).
        #[arg(long, value_name = "DIR")]
        dest: Option<PathBuf>,
    },
    /// Load a dataset, check it, and print where it was found and what it holds.
    Info {
        #[arg(value_enum)]
        dataset: DatasetName,
        #[command(flatten)]
        data_dir: DataDirArg,
    },
}

/// Datasets that can be downloaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FetchName {
    CaliforniaHousing,
}

/// Datasets the harness reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DatasetName {
    Mnist,
    FashionMnist,
    CaliforniaHousing,
}

/// `--threads`, shared by the commands that train.
#[derive(Debug, Args)]
pub struct ThreadsArg {
    /// CPU threads for the CPU backends' large matrix products (default: every core). On small
    /// batches one thread can be faster: splitting a 128-row product costs more than it saves
    /// on two cores (docs/benchmarks.md).
    #[arg(long, value_name = "N", env = "HARNESS_THREADS", value_parser = clap::value_parser!(u64).range(1..))]
    pub threads: Option<u64>,
}

/// `--data-dir`, shared by every command that reads data.
#[derive(Debug, Args)]
pub struct DataDirArg {
    /// Folder holding the dataset's files, or a parent with one subfolder per dataset (mnist/,
    /// fashion-mnist/, california_housing/). Defaults to datasets/ here, then the download
    /// cache.
    #[arg(long, value_name = "DIR", env = "HARNESS_DATA")]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Run config, e.g. configs/cosine.toml.
    #[arg(long, value_name = "FILE", required_unless_present = "resume")]
    pub config: Option<PathBuf>,

    /// Continue the run in DIR from its latest checkpoint, with the config saved there; the
    /// result equals a run that never stopped (bit for bit on the CPU backends).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["config", "out", "seed"])]
    pub resume: Option<PathBuf>,

    /// Tensor backend: flex (pure-Rust CPU, default), ndarray (CPU), wgpu (any GPU), cuda
    /// (NVIDIA); it must be compiled in (cargo features of the same names).
    #[arg(long, default_value = "flex", value_parser = parse_backend)]
    pub backend: train::backend::Backend,

    /// Run folder to write; default runs/<config name>-<date>-<time>.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Number of epochs, overriding [train] epochs (with --resume: the new total).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub epochs: Option<u64>,

    /// Seed of the initial weights and of the batch order, overriding [train] seed.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    #[command(flatten)]
    pub threads: ThreadsArg,

    #[command(flatten)]
    pub data_dir: DataDirArg,
}

/// How the LR rises during the sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RampMode {
    /// Even steps in log space (the usual choice).
    Exp,
    /// Even steps in LR.
    Linear,
}

/// Optimizers `--optimizer` can pick, with PyTorch's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OptimizerName {
    /// Plain SGD.
    Sgd,
    /// SGD with momentum 0.9.
    Momentum,
    Adam,
    Adamw,
    Rmsprop,
    Adagrad,
}

/// The schedule of the config --write-config writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanName {
    /// One-cycle with max_lr at the recommended LR over the run's real number of steps.
    OneCycle,
    /// Cosine annealing from the recommended LR over the run's real number of steps.
    Cosine,
    /// The recommended LR throughout.
    Constant,
}

/// Output format of `harness lr-find`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FindFormat {
    /// A table of the suggestions and the consensus.
    Table,
    /// One JSON object: lrs, losses, smoothed, suggestions, recommended_lr, confidence, ...
    Json,
}

#[derive(Debug, Args)]
pub struct LrFindArgs {
    /// Dataset to sweep on, with the built-in model: for MNIST the classic 784-128-10 MLP
    /// (ReLU, normalized pixels) with plain SGD; a linear regressor for tabular data.
    #[arg(
        long,
        value_enum,
        required_unless_present = "config",
        conflicts_with = "config"
    )]
    pub dataset: Option<DatasetName>,

    /// Take data, model, optimizer, batch size and seed from this run config instead.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// LR of the first step.
    #[arg(long, value_name = "LR", default_value_t = 1e-7)]
    pub start_lr: f64,

    /// LR of the last step.
    #[arg(long, value_name = "LR", default_value_t = 10.0)]
    pub end_lr: f64,

    /// Number of steps (at least 2).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub num_iters: u64,

    /// How the LR rises from --start-lr to --end-lr.
    #[arg(long, value_enum, default_value_t = RampMode::Exp)]
    pub mode: RampMode,

    /// β of the loss's moving average (debiased, as fastai's); 0 turns smoothing off.
    #[arg(long, value_name = "BETA", default_value_t = 0.98)]
    pub smooth: f64,

    /// Stop once the smoothed loss exceeds this multiple of the best so far (inf: never).
    #[arg(long, value_name = "FACTOR", default_value_t = 4.0)]
    pub diverge: f64,

    /// Optimizer to sweep with (PyTorch's defaults), instead of the config's or plain SGD.
    #[arg(long, value_enum)]
    pub optimizer: Option<OptimizerName>,

    /// Rows per mini-batch (default 128, or the config's).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub batch_size: Option<u64>,

    /// Mini-batches whose gradients make one optimizer step: a batch N times larger in memory
    /// of one.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub accumulate: u64,

    /// Read the loss on held-out rows after each step (a tenth of the training rows, at most
    /// 2000, never trained on) instead of the training batch's: slower, steadier.
    #[arg(long)]
    pub val: bool,

    /// Repeat the sweep with K seeds (initial weights and batch order) and report how far the
    /// recommendations spread.
    #[arg(long, value_name = "K", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub seeds: u64,

    /// First seed (default: the config's [train] seed, else 0).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    /// Tensor backend: flex (default), ndarray, wgpu, cuda (each must be compiled in).
    #[arg(long, default_value = "flex", value_parser = parse_backend)]
    pub backend: train::backend::Backend,

    /// Draw loss against LR (log axis), raw and smoothed, suggestions marked (.png or .svg).
    #[arg(long, value_name = "OUT")]
    pub plot: Option<PathBuf>,

    /// Folder to write lr_find.json, lr_find.csv (every step of every seed) and lr_find.png.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// How to print the result on stdout.
    #[arg(long, value_enum, default_value_t = FindFormat::Table)]
    pub format: FindFormat,

    /// Write a run config that trains with the finding; `harness train --config OUT.toml` runs
    /// it unchanged.
    #[arg(long, value_name = "OUT.toml")]
    pub write_config: Option<PathBuf>,

    /// Schedule of the written config.
    #[arg(long, value_enum, default_value_t = PlanName::OneCycle, requires = "write_config")]
    pub schedule: PlanName,

    /// Epochs of the written config (default: the config's [train] epochs, else 5).
    #[arg(long, value_name = "N", requires = "write_config", value_parser = clap::value_parser!(u64).range(1..))]
    pub epochs: Option<u64>,

    #[command(flatten)]
    pub threads: ThreadsArg,

    #[command(flatten)]
    pub data_dir: DataDirArg,
}

/// Which backends `harness bench` measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchBackends {
    One(train::backend::Backend),
    /// Every backend compiled in whose device is present.
    All,
}

fn parse_bench_backend(name: &str) -> Result<BenchBackends, String> {
    if name == "all" {
        Ok(BenchBackends::All)
    } else {
        name.parse().map(BenchBackends::One)
    }
}

/// The model `harness bench` times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BenchModelName {
    /// 784-<hidden>-10, ReLU, cross-entropy.
    Mlp,
    /// 784 → 1, mean squared error.
    Linear,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// flex, ndarray, wgpu, cuda, or all (every backend compiled in whose device is present).
    #[arg(long, default_value = "flex", value_parser = parse_bench_backend)]
    pub backend: BenchBackends,

    /// Model to train.
    #[arg(long, value_enum, default_value_t = BenchModelName::Mlp)]
    pub model: BenchModelName,

    /// Hidden width of the MLP.
    #[arg(long, value_name = "N", default_value_t = 128)]
    pub hidden: usize,

    /// Batch sizes to measure, comma-separated.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "64,128,512,2048"
    )]
    pub batch_sizes: Vec<usize>,

    /// Timed steps per configuration (for throughput and latency).
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub steps: usize,

    /// Untimed steps first (caches, allocators, GPU kernels compiled).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub warmup: usize,

    /// How to print the figures: a table, or a JSON array with one object per configuration.
    #[arg(long, value_enum, default_value_t = FindFormat::Table)]
    pub format: FindFormat,

    /// Skip the one-epoch measurement (epoch_seconds is then null): a quick look.
    #[arg(long)]
    pub no_epoch: bool,

    #[command(flatten)]
    pub threads: ThreadsArg,

    #[command(flatten)]
    pub data_dir: DataDirArg,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Experiment file, e.g. experiments/adaptive/experiment.toml.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,

    /// Output folder; default runs/compare-<experiment name>-<date>-<time>.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Tensor backend of every run: flex (default), ndarray, wgpu, cuda.
    #[arg(long, default_value = "flex", value_parser = parse_backend)]
    pub backend: train::backend::Backend,

    /// Runs at a time, each in its own process (so seeded runs stay exact).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub jobs: u64,

    /// Number of epochs of every run, overriding the experiment (a quick look).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub epochs: Option<u64>,

    #[command(flatten)]
    pub data_dir: DataDirArg,
}

fn parse_backend(name: &str) -> Result<train::backend::Backend, String> {
    name.parse()
}

/// Output format of `harness schedule`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for reading.
    Table,
    /// `step,lr[,momentum]` with a header line.
    Csv,
    /// One JSON object: `{"lrs": [...]}`, plus `"momentums": [...]` when defined.
    Json,
}

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// Schedule file (the schedule's keys at the top level, with kind = "...") or run config
    /// with a [schedule] table, e.g. configs/schedules/cosine.toml.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,

    /// Number of optimizer steps to show (steps 0..N-1); the length of the run.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub steps: u64,

    /// Metrics for loss-driven schedules (reduce_on_plateau, loss_spike), one number per line;
    /// metric k is observed after step k, as PyTorch's scheduler.step(metric) after optimizer
    /// step k. Blank lines and lines starting with # are skipped.
    #[arg(long, value_name = "FILE")]
    pub metrics: Option<PathBuf>,

    /// How to print the sequence.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Also draw the schedule to this file (.png or .svg), phases marked.
    #[arg(long, value_name = "OUT")]
    pub plot: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
