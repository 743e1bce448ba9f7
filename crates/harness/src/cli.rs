//! Command-line interface. Every flag's doc comment is its `--help` text.
//!
//! Numbers on the command line follow two rules, so that bad input is told the rule it breaks
//! (with the flag and the value, exit code 2) instead of failing somewhere else:
//! - every count has a stated limit ([`limits`]), checked by its value parser ([`Count`]) and
//!   named in its `--help`, so that no count can ask for more memory than a run could use;
//! - a value may start with `-`: counts set `allow_negative_numbers` and real numbers
//!   `allow_hyphen_values` (which also lets `-1e-3`, `-.5` and `-inf` through), so that
//!   `--steps -1` or `--smooth -0.1` reach the check that names the flag, not clap's
//!   "unexpected argument '-1' found".

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// The most each count flag accepts, with the reason for the bound. A count past its bound is
/// refused when the command line is parsed, before anything is allocated or loaded.
pub mod limits {
    /// `harness schedule --steps`: the preview holds each step's LR and momentum (24 bytes)
    /// and prints a line per step (about 40 bytes). Ten million steps, longer than any run
    /// this harness trains (MNIST: 469 a epoch), peak at 640 MB (1 GB with `--plot`, whose SVG
    /// is then 160 MB), measured.
    pub const PREVIEW_STEPS: u64 = 10_000_000;
    /// `harness lr-find --num-iters`, and `--num-iters × --seeds`: each point of a sweep keeps
    /// its LR, loss and smoothed loss (24 bytes), and lr_find.csv and the JSON print them
    /// (about 100 bytes); each is also one training step. Fastai's default is 100.
    pub const SWEEP_POINTS: u64 = 1_000_000;
    /// `harness lr-find --seeds`: each seed is a whole sweep, kept for the report.
    pub const SEEDS: u64 = 1_000;
    /// `harness lr-find --batch-size`: a batch is cut to the training rows anyway (MNIST has
    /// 60000); the bound keeps batch × `--accumulate`, the written config's batch, far from
    /// overflowing.
    pub const BATCH_SIZE: u64 = 1_000_000;
    /// `harness lr-find --accumulate`: each optimizer step trains this many batches.
    pub const ACCUMULATE: u64 = 1_000;
    /// `--epochs` of `train`, `compare` and `lr-find --write-config`: as many as a run
    /// config's `[train] epochs` may be ([`train::config::MAX_EPOCHS`]).
    pub const EPOCHS: u64 = train::config::MAX_EPOCHS;
    /// `--threads`: each thread of the pool reserves an 8 MiB stack ([`crate::set_threads`]),
    /// and threads past the cores only slow the products down.
    pub const THREADS: u64 = 1_024;
    /// `harness compare --jobs`: each job is a `harness train` process of its own (an MNIST
    /// run peaks at about 260 MB).
    pub const JOBS: u64 = 64;
    /// `harness compare --run-index`: an index into a plan of at most a million runs (a grid
    /// larger than that is more runs than any array engine takes in one job).
    pub const RUN_INDEX: u64 = 999_999;
    /// `harness bench --steps` and `--warmup`: every timed step's duration is kept (8 bytes),
    /// and a step of the MNIST MLP takes about a millisecond.
    pub const BENCH_STEPS: u64 = 1_000_000;
    /// `harness bench --hidden`: as wide as a run config's hidden layer may be
    /// ([`models::config::MAX_WIDTH`]). The MLP then holds 784 × 65536 f32 weights (205 MB, and
    /// as much again for their gradients) and, at batch 2048, 537 MB per activation.
    pub const HIDDEN: u64 = models::config::MAX_WIDTH as u64;
    /// `harness bench --batch-sizes`: the training rows of MNIST. A larger batch would be cut
    /// to them, and the figures would count rows that were never there.
    pub const BENCH_BATCH: u64 = 60_000;
    /// `harness landscape --steps`: eight runs keep every point and loss (24 bytes) and the
    /// JSON and CSV print each (about 80 bytes): at most about 830 MB.
    pub const LANDSCAPE_STEPS: u64 = 1_000_000;
}

/// The value parser of a count flag: a whole number from `min` to `max`. Its error names the
/// flag, the value and the rule, as the config checks do: `--steps = -1: must be at least 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    pub min: u64,
    pub max: u64,
}

impl Count {
    pub const fn new(min: u64, max: u64) -> Count {
        Count { min, max }
    }

    /// `text` as a count, or the rule it breaks.
    ///
    /// # Errors
    /// `text` is not a whole number, or lies outside `min..=max`.
    pub fn check(self, text: &str) -> Result<u64, String> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(digits) => (true, digits),
            None => (false, text),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "must be a whole number from {} to {}",
                self.min, self.max
            ));
        }
        let too_small = format!("must be at least {}", self.min);
        match digits.parse::<u64>() {
            _ if negative && digits.bytes().any(|b| b != b'0') => Err(too_small),
            Ok(n) if n < self.min => Err(too_small),
            Ok(n) if n <= self.max => Ok(n),
            // Past `max`, or all digits but past u64 itself.
            _ => Err(format!("must be at most {}", self.max)),
        }
    }
}

impl TypedValueParser for Count {
    type Value = u64;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<u64, clap::Error> {
        let text = value.to_string_lossy();
        self.check(&text)
            .map_err(|rule| invalid(cmd, arg, &text, &rule))
    }
}

/// A value parser from a check that gives the value or the rule it breaks; its error names the
/// flag and the value as [`Count`]'s does: `--lr = -1: must be a finite number greater than 0`.
#[derive(Clone, Copy)]
pub struct Checked<T>(pub fn(&str) -> Result<T, String>);

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Checked<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        (self.0)(&text).map_err(|rule| invalid(cmd, arg, &text, &rule))
    }
}

/// `--flag = value: rule`, a usage error (exit code 2). A flag that an environment variable
/// can set names it too (`--threads (HARNESS_THREADS) = x: ...`), and an empty value is `""`.
fn invalid(cmd: &clap::Command, arg: Option<&clap::Arg>, text: &str, rule: &str) -> clap::Error {
    let mut flag = arg
        .and_then(clap::Arg::get_long)
        .map_or_else(|| "the value".to_string(), |long| format!("--{long}"));
    if let Some(env) = arg.and_then(clap::Arg::get_env) {
        flag = format!("{flag} ({})", env.to_string_lossy());
    }
    let text = if text.is_empty() { "\"\"" } else { text };
    clap::Error::raw(
        ErrorKind::ValueValidation,
        format!("{flag} = {text}: {rule}\n"),
    )
    .with_cmd(cmd)
}

/// [`Count`] for the flags whose field is a `usize`; every limit fits one.
fn count_usize(min: u64, max: u64) -> impl TypedValueParser<Value = usize> {
    Count::new(min, max).map(|n| usize::try_from(n).expect("every count limit fits a usize"))
}

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
    // The long help states the recommendation's rule in the words of the code that applies it.
    #[command(long_about = lr_find_long_about())]
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

/// The long `--help` of `harness lr-find`. The recommendation's rule is
/// [`lr_find::consensus::recommendation_rule`], the words of the code that applies
/// it, so the help cannot describe another rule (tests/help_text.rs).
pub fn lr_find_long_about() -> String {
    format!(
        "Find a learning rate: the LR range test (Smith 2015), with suggestions you can trust.\n\n\
         Raises the LR every optimizer step from --start-lr to --end-lr, smooths the loss, stops \
         when it diverges, and reads four suggestions off the curve (steepest, minimum, valley, \
         steepest_first_half). {} With heavy-ball momentum (SGD momentum without Nesterov, Adam's \
         and AdamW's beta1, RMSprop's momentum) of at least {}, the LR is multiplied by {}: the \
         oscillation a too large LR starts builds up after the ramp has moved on. Before \
         reporting, the finder checks its answer: {} steps from \
         the starting weights at the recommended LR must show the loss falling and finite, or the \
         LR is halved, up to {} times (--no-probe skips it). When the run of --config (or \
         --epochs) is known, it also checks the LR at the run's own length, from the starting \
         weights, halving it while the loss on held-out rows at the end falls (up to {} times): \
         on a run at most {} sweeps long, a constant LR over the whole run. On a run at least {} \
         sweeps long, one-cycle over a horizon of 1/{} of the run (at most {} epochs), its best \
         LR going into a written one-cycle or cosine config; on one over {} sweeps, then, from \
         that run's weights, the LR held constant: kept while the model still learns, else \
         halved while its half holds the loss more than {}% lower. The constant LR checked is \
         the recommendation (--no-horizon skips the check). The model you start from is never \
         trained: the sweep works on a copy. --write-config turns the finding into a run config \
         for `harness train`; its one-cycle schedule peaks at the recommended LR scaled for the \
         optimizer's momentum ({:.1}× for plain SGD, {:.1}× for momentum 0.9, {:.1}× for Adam).",
        lr_find::consensus::recommendation_rule(),
        lr_find::momentum::HEAVY_BALL_FROM,
        lr_find::momentum::HEAVY_BALL_FACTOR,
        lr_find::probe::PROBE_STEPS,
        lr_find::probe::MAX_BACK_OFFS,
        lr_find::horizon::MAX_HALVINGS,
        lr_find::horizon::WHOLE_RUN_SWEEPS,
        lr_find::horizon::RUNS_PER_SWEEP,
        lr_find::horizon::HORIZON_FRACTION,
        lr_find::horizon::HORIZON_EPOCHS,
        lr_find::horizon::WHOLE_RUN_SWEEPS,
        100.0 * lr_find::horizon::HOLD_MARGIN,
        peak_factor("sgd"),
        peak_factor("momentum"),
        peak_factor("adam"),
    )
}

/// One-cycle's `max_lr` over the recommended LR for an optimizer kind with its defaults.
fn peak_factor(kind: &str) -> f64 {
    train::lr_find::one_cycle_factor(
        &train::optimizer::OptimizerSpec::with_defaults(kind)
            .expect("the help names optimizer kinds"),
    )
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
    /// CPU threads for the CPU backends' large matrix products (default: every core), at most
    /// 1024 (each reserves an 8 MiB stack). On small batches one thread can be faster:
    /// splitting a 128-row product costs more than it saves on two cores (docs/benchmarks.md).
    #[arg(long, value_name = "N", env = "HARNESS_THREADS", allow_negative_numbers = true,
          value_parser = Count::new(1, limits::THREADS))]
    pub threads: Option<u64>,
}

/// `--tensorboard` and `--no-tensorboard`, shared by the commands that train or sweep.
#[derive(Debug, Args)]
pub struct TensorBoardArg {
    /// Write the TensorBoard events (train/loss, lr, momentum, val/*, samples_per_sec at each
    /// optimizer step, the config as text) into DIR/<run folder name> instead of the run's own
    /// folder, so that `tensorboard --logdir DIR` overlays runs. With --resume, give the DIR
    /// the run started with.
    #[arg(long, value_name = "DIR")]
    pub tensorboard: Option<PathBuf>,

    /// Write no TensorBoard events.
    #[arg(long, conflicts_with = "tensorboard")]
    pub no_tensorboard: bool,
}

impl TensorBoardArg {
    /// Where the flags put a run's events.
    pub fn events_at(&self) -> train::events::EventsAt {
        match (&self.tensorboard, self.no_tensorboard) {
            (_, true) => train::events::EventsAt::Off,
            (Some(dir), false) => train::events::EventsAt::Under(dir.clone()),
            (None, false) => train::events::EventsAt::RunFolder,
        }
    }

    /// Whether either flag was given.
    pub fn given(&self) -> bool {
        self.tensorboard.is_some() || self.no_tensorboard
    }
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

    /// Tensor backend: flex (pure-Rust CPU, default), ndarray (CPU), cpu (CubeCL's LLVM JIT on
    /// the CPU), wgpu (any GPU), cuda (NVIDIA); it must be compiled in (cargo features of the
    /// same names).
    #[arg(long, default_value = "flex", value_parser = parse_backend)]
    pub backend: train::backend::Backend,

    /// Run folder to write; default runs/<config name>-<date>-<time>.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Number of epochs, overriding [train] epochs (with --resume: the new total); at most
    /// 100000 (the run keeps a record of every step in memory).
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = Count::new(1, limits::EPOCHS))]
    pub epochs: Option<u64>,

    /// Seed of the initial weights and of the batch order, overriding [train] seed: a whole
    /// number from 0 to 18446744073709551615.
    #[arg(long, value_name = "S", allow_negative_numbers = true,
          value_parser = Count::new(0, u64::MAX))]
    pub seed: Option<u64>,

    /// Override a key of the config, as sweep agents pass parameters: a dotted key and a TOML
    /// value (a bare word is a string), e.g. --set schedule.lr=0.01 --set optimizer.kind=adam.
    /// Repeatable, applied in order after the file and before --epochs and --seed, validated
    /// as the file is; a new kind starts its table afresh.
    #[arg(long = "set", value_name = "KEY=VALUE", conflicts_with = "resume",
          value_parser = parse_override)]
    pub set: Vec<train::overrides::Override>,

    /// Print only the final metrics on stdout, as one JSON line (summary.json's fields), for
    /// a sweep agent or Optuna's CLI to read; progress and warnings go to stderr.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub tensorboard: TensorBoardArg,

    #[command(flatten)]
    pub threads: ThreadsArg,

    #[command(flatten)]
    pub data_dir: DataDirArg,
}

fn parse_override(text: &str) -> Result<train::overrides::Override, String> {
    text.parse()
        .map_err(|e: train::overrides::OverrideError| e.to_string())
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
        required_unless_present_any = ["config", "benchmark"],
        conflicts_with_all = ["config", "benchmark"]
    )]
    pub dataset: Option<DatasetName>,

    /// Take data, model, optimizer, batch size and seed from this run config instead.
    #[arg(long, value_name = "FILE", conflicts_with = "benchmark")]
    pub config: Option<PathBuf>,

    /// Measure the finder instead: sweep every set-up of this file (an experiment file, each
    /// run a set-up) and train a grid of LRs around each recommendation, constant and
    /// one-cycle; needs --out, where benchmark.json, benchmark.csv, trials.csv and
    /// recommended-vs-best.png go. The sweep flags apply to every set-up.
    #[arg(long, value_name = "FILE", requires = "out",
          conflicts_with_all = ["optimizer", "batch_size", "accumulate", "val", "seeds", "seed",
                                "plot", "format", "write_config"])]
    pub benchmark: Option<PathBuf>,

    /// LR of the first step (a finite number greater than 0).
    #[arg(
        long,
        value_name = "LR",
        default_value_t = 1e-7,
        allow_hyphen_values = true
    )]
    pub start_lr: f64,

    /// LR of the last step (greater than --start-lr).
    #[arg(
        long,
        value_name = "LR",
        default_value_t = 10.0,
        allow_hyphen_values = true
    )]
    pub end_lr: f64,

    /// Number of steps, from 2 to 1000000 (each is a training step, and each point is kept).
    #[arg(long, value_name = "N", default_value_t = 100, allow_negative_numbers = true,
          value_parser = Count::new(2, limits::SWEEP_POINTS))]
    pub num_iters: u64,

    /// How the LR rises from --start-lr to --end-lr.
    #[arg(long, value_enum, default_value_t = RampMode::Exp)]
    pub mode: RampMode,

    /// β of the loss's moving average (debiased, as fastai's), in [0, 1); 0 turns smoothing
    /// off.
    #[arg(
        long,
        value_name = "BETA",
        default_value_t = 0.98,
        allow_hyphen_values = true
    )]
    pub smooth: f64,

    /// Stop once the smoothed loss exceeds this multiple of the best so far, in (1, inf] (inf:
    /// never).
    #[arg(
        long,
        value_name = "FACTOR",
        default_value_t = 4.0,
        allow_hyphen_values = true
    )]
    pub diverge: f64,

    /// Optimizer to sweep with (PyTorch's defaults), instead of the config's or plain SGD.
    #[arg(long, value_enum)]
    pub optimizer: Option<OptimizerName>,

    /// Rows per mini-batch (default 128, or the config's), at most 1000000 (a batch is cut to
    /// the training rows anyway).
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = Count::new(1, limits::BATCH_SIZE))]
    pub batch_size: Option<u64>,

    /// Mini-batches whose gradients make one optimizer step: a batch N times larger in memory
    /// of one. At most 1000.
    #[arg(long, value_name = "N", default_value_t = 1, allow_negative_numbers = true,
          value_parser = Count::new(1, limits::ACCUMULATE))]
    pub accumulate: u64,

    /// Read the loss on held-out rows after each step (a tenth of the training rows, at most
    /// 2000, never trained on) instead of the training batch's: slower, steadier.
    #[arg(long)]
    pub val: bool,

    /// Skip the check of the recommendation: by default a short run from the starting weights
    /// at the recommended LR must show the loss falling, or the LR is halved until it does.
    #[arg(long)]
    pub no_probe: bool,

    /// Skip the check at the run's horizon. By default, when the run of --config (its [train]
    /// epochs, or --epochs) is known, the finder trains from the starting weights, halving the
    /// LR while the loss on held-out rows improves: a constant LR over the whole run when it is
    /// at most 100 sweeps long; when it is at least 5 sweeps long, one-cycle over a quarter of
    /// the run (at most 5 epochs), and on runs over 100 sweeps the LR held constant from that
    /// run's weights, halved while its half holds the loss more than 1% lower.
    #[arg(long)]
    pub no_horizon: bool,

    /// Repeat the sweep with K seeds (initial weights and batch order) and report how far the
    /// recommendations spread. At most 1000, and --num-iters × --seeds at most 1000000 (every
    /// point of every seed is kept for lr_find.csv).
    #[arg(long, value_name = "K", default_value_t = 1, allow_negative_numbers = true,
          value_parser = Count::new(1, limits::SEEDS))]
    pub seeds: u64,

    /// First seed (default: the config's [train] seed, else 0), from 0 to
    /// 18446744073709551615.
    #[arg(long, value_name = "S", allow_negative_numbers = true,
          value_parser = Count::new(0, u64::MAX))]
    pub seed: Option<u64>,

    /// Tensor backend: flex (default), ndarray, cpu, wgpu, cuda (each must be compiled in).
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

    /// Epochs of the written config (default: the config's [train] epochs, else 5), at most
    /// 100000; also the length of the run the horizon check measures for.
    #[arg(long, value_name = "N", requires = "write_config", allow_negative_numbers = true,
          value_parser = Count::new(1, limits::EPOCHS))]
    pub epochs: Option<u64>,

    #[command(flatten)]
    pub tensorboard: TensorBoardArg,

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
    /// flex, ndarray, cpu, wgpu, cuda, or all (every backend compiled in whose device is
    /// present).
    #[arg(long, default_value = "flex", value_parser = parse_bench_backend)]
    pub backend: BenchBackends,

    /// Model to train.
    #[arg(long, value_enum, default_value_t = BenchModelName::Mlp)]
    pub model: BenchModelName,

    /// Hidden width of the MLP, from 1 to 65536.
    #[arg(long, value_name = "N", default_value_t = 128, allow_negative_numbers = true,
          value_parser = count_usize(1, limits::HIDDEN))]
    pub hidden: usize,

    /// Batch sizes to measure, comma-separated, each from 1 to 60000 (the MNIST training rows).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "64,128,512,2048",
        allow_hyphen_values = true,
        value_parser = count_usize(1, limits::BENCH_BATCH)
    )]
    pub batch_sizes: Vec<usize>,

    /// Timed steps per configuration (for throughput and latency), from 1 to 1000000.
    #[arg(long, value_name = "N", default_value_t = 200, allow_negative_numbers = true,
          value_parser = count_usize(1, limits::BENCH_STEPS))]
    pub steps: usize,

    /// Untimed steps first (caches, allocators, GPU kernels compiled), from 0 to 1000000.
    #[arg(long, value_name = "N", default_value_t = 20, allow_negative_numbers = true,
          value_parser = count_usize(0, limits::BENCH_STEPS))]
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
    #[arg(long, value_name = "FILE", required_unless_present_any = ["run_index", "collect"],
          conflicts_with_all = ["run_index", "collect"])]
    pub config: Option<PathBuf>,

    /// Output folder; default runs/compare-<experiment name>-<date>-<time>. With --plan,
    /// --run-index and --collect it is the plan's folder (required), on storage every node
    /// sees.
    #[arg(long, value_name = "DIR", required_if_eq_any = [("plan", "true"), ("collect", "true")])]
    pub out: Option<PathBuf>,

    /// Write the plan into --out (plan.json: the runs with their index, name and folder;
    /// configs/: each run's effective config) and train nothing.
    #[arg(long, requires = "config")]
    pub plan: bool,

    /// Train run I of the plan in --out into its folder, in this process: an array task's
    /// command. A finished run is left as it is, an interrupted one continues from its
    /// checkpoint, and a lock keeps two tasks off one run. Without I, the index comes from
    /// SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN), JOB_COMPLETION_INDEX (Kubernetes) or
    /// AWS_BATCH_JOB_ARRAY_INDEX. At most 999999.
    #[arg(long, value_name = "I", num_args = 0..=1, requires = "out",
          conflicts_with_all = ["plan", "collect"], allow_negative_numbers = true,
          value_parser = Count::new(0, limits::RUN_INDEX))]
    pub run_index: Option<Option<u64>>,

    /// Write the report of the plan in --out from the runs finished so far, listing those
    /// failed (with their reasons) and those not finished; it can run while the grid runs.
    #[arg(long, conflicts_with = "plan")]
    pub collect: bool,

    /// Submit the plan to a cluster instead of training here: `slurm` writes a job-array
    /// script (task i trains run i) and a collect script into DIR/slurm/ and submits both with
    /// sbatch, the collect job after the array whatever its tasks' ends (docs/scale.md).
    #[arg(long, value_enum, value_name = "ENGINE", requires_all = ["config", "out"],
          conflicts_with_all = ["plan", "run_index", "collect"])]
    pub submit: Option<Engine>,

    /// With --submit slurm: the partition both jobs run in.
    #[arg(long, value_name = "P", requires = "submit", value_parser = parse_slurm_word)]
    pub partition: Option<String>,

    /// With --submit slurm: each task's time limit, as Slurm writes it (30, 2:00:00,
    /// 1-00:00:00).
    #[arg(long, value_name = "T", requires = "submit", value_parser = parse_slurm_time)]
    pub time: Option<String>,

    /// With --submit slurm: CPUs of each task, which it trains with (its --threads); 1 by
    /// default, at most 1024.
    #[arg(long, value_name = "N", requires = "submit", allow_negative_numbers = true,
          value_parser = Count::new(1, limits::THREADS))]
    pub cpus_per_task: Option<u64>,

    /// With --submit slurm: tasks of the array at a time (its %K); all by default; at most
    /// 999999.
    #[arg(long, value_name = "K", requires = "submit", allow_negative_numbers = true,
          value_parser = Count::new(1, limits::RUN_INDEX))]
    pub max_parallel: Option<u64>,

    /// With --submit slurm: a further sbatch option for both jobs, repeatable, e.g.
    /// --sbatch-arg=--mem=4G or --sbatch-arg=--requeue.
    #[arg(long, value_name = "ARG", requires = "submit", allow_hyphen_values = true,
          value_parser = parse_slurm_word)]
    pub sbatch_arg: Vec<String>,

    /// With --submit: write the plan and the scripts and print them, submitting nothing.
    #[arg(long, requires = "submit")]
    pub dry_run: bool,

    /// Tensor backend of every run: flex (default), ndarray, cpu, wgpu, cuda.
    #[arg(long, default_value = "flex", value_parser = parse_backend)]
    pub backend: train::backend::Backend,

    /// Runs at a time, each in its own process (so seeded runs stay exact), at most 64. Each
    /// gets --threads, by default the cores divided among the jobs.
    #[arg(long, value_name = "N", default_value_t = 1, allow_negative_numbers = true,
          value_parser = Count::new(1, limits::JOBS))]
    pub jobs: u64,

    /// Number of epochs of every run, overriding the experiment (a quick look), at most 100000.
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = Count::new(1, limits::EPOCHS))]
    pub epochs: Option<u64>,

    #[command(flatten)]
    pub tensorboard: TensorBoardArg,

    #[command(flatten)]
    pub threads: ThreadsArg,

    #[command(flatten)]
    pub data_dir: DataDirArg,
}

/// The cluster engines `harness compare --submit` submits to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// A Slurm job array and a dependent collect job, through sbatch.
    Slurm,
}

/// A word of an `#SBATCH` line: not empty, no white space (a line break would start another
/// line of the script).
fn parse_slurm_word(text: &str) -> Result<String, String> {
    if text.is_empty() || text.chars().any(char::is_whitespace) {
        return Err(format!("{text:?}: expected one word without spaces"));
    }
    Ok(text.to_string())
}

/// Slurm's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours,
/// days-hours:minutes, days-hours:minutes:seconds.
fn parse_slurm_time(text: &str) -> Result<String, String> {
    let (days, clock) = match text.split_once('-') {
        Some((days, clock)) => (Some(days), clock),
        None => (None, text),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let numbers = |ps: &[&str]| {
        ps.iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let valid = days.is_none_or(|d| numbers(&[d])) && numbers(&parts) && parts.len() <= 3;
    if valid {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?}: expected Slurm's time: minutes, minutes:seconds, hours:minutes:seconds, \
             days-hours, days-hours:minutes or days-hours:minutes:seconds"
        ))
    }
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

    /// Number of optimizer steps to show (steps 0..N-1); the length of the run. At most
    /// 10000000: the preview holds every step's LR and momentum and prints a line for each.
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = Count::new(1, limits::PREVIEW_STEPS))]
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

    #[test]
    fn a_count_takes_its_bounds_and_names_the_rule_past_them() {
        let steps = Count::new(1, 10);
        assert_eq!(steps.check("1"), Ok(1));
        assert_eq!(steps.check("10"), Ok(10));
        assert_eq!(steps.check("0"), Err("must be at least 1".into()));
        assert_eq!(steps.check("-1"), Err("must be at least 1".into()));
        assert_eq!(steps.check("-0"), Err("must be at least 1".into()));
        assert_eq!(steps.check("11"), Err("must be at most 10".into()));
        // Past u64 itself: still the rule, not "number too large to fit in target type".
        let huge = "99999999999999999999999";
        assert_eq!(steps.check(huge), Err("must be at most 10".into()));
        for text in ["", "-", "1.5", "-0.5", "1e3", "+3", " 3", "x"] {
            assert_eq!(
                steps.check(text),
                Err("must be a whole number from 1 to 10".into()),
                "{text:?}"
            );
        }
        let seed = Count::new(0, u64::MAX);
        assert_eq!(seed.check("-0"), Ok(0));
        assert_eq!(seed.check("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            seed.check("18446744073709551616"),
            Err("must be at most 18446744073709551615".into())
        );
    }

    fn parse(args: &[&str]) -> Command {
        let argv = [&["harness"], args].concat();
        Cli::try_parse_from(argv)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
            .command
    }

    #[test]
    fn counts_at_their_limits_parse() {
        // Only parsed: running a preview of ten million steps is no test.
        let max = limits::PREVIEW_STEPS.to_string();
        let Command::Schedule(a) = parse(&["schedule", "--config", "s.toml", "--steps", &max])
        else {
            unreachable!()
        };
        assert_eq!(a.steps, limits::PREVIEW_STEPS);
        let (iters, seeds) = (limits::SWEEP_POINTS.to_string(), limits::SEEDS.to_string());
        let args = [
            "lr-find",
            "--dataset",
            "mnist",
            "--num-iters",
            &iters,
            "--seeds",
            &seeds,
        ];
        let Command::LrFind(a) = parse(&args) else {
            unreachable!()
        };
        assert_eq!(
            (a.num_iters, a.seeds),
            (limits::SWEEP_POINTS, limits::SEEDS)
        );
        let batch = limits::BENCH_BATCH.to_string();
        let Command::Bench(a) = parse(&["bench", "--batch-sizes", &format!("1,{batch}")]) else {
            unreachable!()
        };
        assert_eq!(a.batch_sizes, [1, limits::BENCH_BATCH as usize]);
    }
}
