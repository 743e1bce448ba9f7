//! The harness: glue between the command line and the library crates.
//!
//! # Crate map
//! - [`cli`]: the clap definitions; doc comments are the `--help` text.
//! - [`commands`]: one module per subcommand; each reads its inputs, calls library code and
//!   writes what it produced.
//! - [`finding`]: an LR range test's result as a table, JSON, CSV and a plot.
//! - [`hints`]: the command line's words (flags, commands) added to library errors.
//! - [`report`]: the report of `harness compare`: table, JSON and charts of several runs.
//! - [`slurm`]: the sbatch scripts of `harness compare --submit slurm`.
//! - [`plot_landscape`]: the figure of `harness landscape`: trajectories over a contour plot
//!   (the other charts are the `plot` crate's).

// The doc comments of cli.rs are `--help` text, written for a terminal: `<config>` and
// `[model]` there are words, not HTML or links.
#[allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]
pub mod cli;
pub mod commands;
pub mod finding;
pub mod hints;
pub mod plot_landscape;
pub mod report;
pub mod slurm;

/// Runs one parsed command line.
///
/// # Errors
/// Any failure, with the file, field or value at fault in its message; `main` prints it (with
/// the flags that fix it, from [`hints`]) and exits with code 2 (1 for `compare`'s failed runs).
pub fn run(cli: cli::Cli) -> anyhow::Result<()> {
    let threads = match &cli.command {
        cli::Command::Train(a) => a.threads.threads,
        cli::Command::LrFind(a) => a.threads.threads,
        cli::Command::Bench(a) => a.threads.threads,
        cli::Command::Compare(a) => a.threads.threads,
        _ => None,
    };
    set_threads(threads.map(|n| n as usize))?;
    check_flex_team(std::env::var(FLEX_TEAM).ok().as_deref())?;
    // On a rayon worker: a product split over the pool then runs one half here and the other on
    // a spinning sibling, instead of waking the pool and sleeping until it is done.
    rayon::scope(move |_| dispatch(cli))
}

/// The switch of the vendored burn-flex's helper team (vendor/burn-flex/PATCH.md, parts 2
/// and 3): `HARNESS_FLEX_TEAM=off` turns it off.
pub const FLEX_TEAM: &str = "HARNESS_FLEX_TEAM";

/// Refuses a value of [`FLEX_TEAM`] that burn-flex would not read as on or off.
///
/// # Errors
/// Another value, named with the variable and the values it takes.
pub fn check_flex_team(value: Option<&str>) -> anyhow::Result<()> {
    let known = ["0", "off", "false", "no", "1", "on", "true", "yes"];
    match value {
        Some(v) if !known.contains(&v.trim().to_ascii_lowercase().as_str()) => anyhow::bail!(
            "{FLEX_TEAM} = {v:?}: expected off (0, false, no) to turn burn-flex's helper team \
             off, or on (1, true, yes)"
        ),
        _ => Ok(()),
    }
}

fn dispatch(cli: cli::Cli) -> anyhow::Result<()> {
    match cli.command {
        cli::Command::Train(args) => commands::train::run(&args),
        cli::Command::Schedule(args) => commands::schedule::run(&args),
        cli::Command::LrFind(args) => commands::lr_find::run(&args),
        cli::Command::Compare(args) => commands::compare::run(&args),
        cli::Command::Bench(args) => commands::bench::run(&args),
        cli::Command::Landscape(args) => commands::landscape::run(&args),
        cli::Command::Data(command) => commands::data::run(&command),
    }
}

/// Builds the global rayon pool the CPU backends split large products over: `n` threads, or
/// one per core (rayon's default, `RAYON_NUM_THREADS` honoured) when `None`. Its threads get the
/// main thread's 8 MiB stack, since the command itself runs on one of them.
///
/// # Errors
/// `n` threads were asked for but the pool was already built (it cannot be resized).
pub fn set_threads(n: Option<usize>) -> anyhow::Result<()> {
    let built = rayon::ThreadPoolBuilder::new()
        .num_threads(n.unwrap_or(0))
        .stack_size(8 << 20)
        .build_global();
    match (built, n) {
        (Err(e), Some(n)) => Err(anyhow::anyhow!("--threads {n}: {e}")),
        // No size asked for: a pool already built serves as well.
        _ => Ok(()),
    }
}
