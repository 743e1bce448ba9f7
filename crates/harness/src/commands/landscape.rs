//! `harness landscape`: gradient descent at four LRs and SGD, momentum, RMSprop and Adam at one
//! shared LR descend f(x, y) = (1 − x)² + 10 (y − x²)² from (−1, 1); prints each run's end,
//! flags divergence, and draws the trajectories over the landscape.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use train::backend::Backend;
use train::studies::landscape::{
    CONVERGED_WITHIN, FUNCTION, GD_LRS, MAX_COORD, MAX_LOSS, MINIMUM, RunSpec, SHARED_LR, START,
    Status, Trajectory, descend, study,
};

use crate::cli::{Checked, Count, limits};
use crate::plot_landscape::{self, Track};

#[derive(Debug, Args)]
pub struct LandscapeArgs {
    /// Optimizer steps of every run, from 1 to 1000000 (every point of every run is kept).
    #[arg(long, value_name = "N", default_value_t = 100, allow_negative_numbers = true,
          value_parser = Count::new(1, limits::LANDSCAPE_STEPS))]
    pub steps: u64,

    /// The LR shared by SGD, momentum, RMSprop and Adam (each with PyTorch's other defaults), a
    /// finite number greater than 0; plain gradient descent always runs at 0.001, 0.01, 0.03
    /// and 0.05.
    // Hyphen values, not only negative numbers: `-1e-3` and `-inf` must reach `positive` too.
    #[arg(long, value_name = "LR", default_value_t = SHARED_LR, value_parser = Checked(positive),
          allow_hyphen_values = true)]
    pub lr: f64,

    /// Draw the trajectories over the contour plot into this file (.png or .svg).
    #[arg(long, value_name = "OUT")]
    pub plot: Option<PathBuf>,

    /// Write landscape.json, landscape.csv (every trajectory point) and landscape.png into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// What to print: a table of the runs' ends, or the JSON of landscape.json.
    #[arg(long, value_enum, default_value_t = LandscapeFormat::Table)]
    pub format: LandscapeFormat,

    /// Tensor backend: flex (pure-Rust CPU, default), ndarray, wgpu, cuda (each must be
    /// compiled in).
    #[arg(long, default_value = "flex", value_parser = parse_backend)]
    pub backend: Backend,
}

/// Output format of `harness landscape`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LandscapeFormat {
    /// One row per run: final point, final loss, steps, status.
    Table,
    /// One JSON object with every run's trajectory.
    Json,
}

fn parse_backend(name: &str) -> Result<Backend, String> {
    name.parse()
}

fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(lr) if lr.is_finite() && lr > 0.0 => Ok(lr),
        _ => Err("must be a finite number greater than 0".into()),
    }
}

/// One run and where it went.
struct Outcome {
    run: RunSpec,
    trajectory: Trajectory,
}

pub fn run(args: &LandscapeArgs) -> Result<()> {
    let device = args.backend.device()?;
    let steps = args.steps as usize;
    let outcomes: Vec<Outcome> = study(args.lr)
        .into_iter()
        .map(|run| Outcome {
            trajectory: descend(&run, steps, &device),
            run,
        })
        .collect();

    let json = to_json(&outcomes, args);
    if let Some(path) = &args.plot {
        draw(&outcomes, args, path)?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(dir) = &args.out {
        write_folder(dir, &outcomes, &json, args)?;
    }
    let text = match args.format {
        LandscapeFormat::Table => table(&outcomes, args),
        LandscapeFormat::Json => super::pretty_json(&json)?,
    };
    super::print(&text)
}

/// `0.0123`, `3.6011`, `3.210e-5`, `1.354e5`: plain between 0.001 and 10000.
fn loss_text(f: f64) -> String {
    if (1e-3..1e4).contains(&f) {
        format!("{f:.4}")
    } else {
        format!("{f:.3e}")
    }
}

/// The legend entry: `Adam lr 0.01: f = 0.0123` or `GD lr 0.05: diverged at step 7`.
fn legend(outcome: &Outcome) -> String {
    let label = outcome.run.label();
    match outcome.trajectory.status() {
        Status::Diverged { step } => format!("{label}: diverged at step {step}"),
        _ => format!("{label}: f = {}", loss_text(outcome.trajectory.last_loss())),
    }
}

fn title(args: &LandscapeArgs) -> String {
    format!("f(x, y) = (1 − x)² + 10 (y − x²)², {} steps", args.steps)
}

fn draw(outcomes: &[Outcome], args: &LandscapeArgs, path: &Path) -> Result<()> {
    let tracks: Vec<Track> = outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| Track {
            label: legend(o),
            points: o.trajectory.points.clone(),
            diverged: o.trajectory.diverged_at.is_some(),
            // SGD at a GD LR repeats that run exactly: dashed, so that both stay visible.
            dashed: outcomes[..i].iter().any(|e| e.trajectory == o.trajectory),
        })
        .collect();
    plot_landscape::render(&title(args), &tracks, path)?;
    Ok(())
}

/// The JSON object of `--format json` and `landscape.json`. Nothing in it depends on the
/// clock, so two runs print the same bytes.
fn to_json(outcomes: &[Outcome], args: &LandscapeArgs) -> Value {
    let runs: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let t = &o.trajectory;
            let (x, y) = t.last();
            json!({
                "name": o.run.label(),
                "optimizer": o.run.optimizer,
                "settings": o.run.spec(),
                "lr": o.run.lr,
                "final": [x, y],
                "final_loss": t.last_loss(),
                "steps": t.points.len() - 1,
                "status": t.status().describe(),
                "diverged_at": t.diverged_at,
                "trajectory": t.points.iter().map(|&(x, y)| [x, y]).collect::<Vec<_>>(),
                "losses": t.losses,
            })
        })
        .collect();
    json!({
        "function": FUNCTION,
        "start": [START.0, START.1],
        "minimum": [MINIMUM.0, MINIMUM.1],
        "steps": args.steps,
        "gd_lrs": GD_LRS,
        "shared_lr": args.lr,
        "converged_within": CONVERGED_WITHIN,
        "diverged_beyond": { "coordinate": MAX_COORD, "loss": MAX_LOSS },
        "backend": args.backend.name(),
        "runs": runs,
        "harness_version": env!("CARGO_PKG_VERSION"),
    })
}

/// Every recorded point: `run,optimizer,lr,step,x,y,loss`.
fn csv(outcomes: &[Outcome]) -> String {
    let mut out = String::from("run,optimizer,lr,step,x,y,loss\n");
    for o in outcomes {
        let t = &o.trajectory;
        for (step, (&(x, y), loss)) in t.points.iter().zip(&t.losses).enumerate() {
            let _ = writeln!(
                out,
                "{},{},{},{step},{x},{y},{loss}",
                o.run.label(),
                o.run.optimizer,
                o.run.lr
            );
        }
    }
    out
}

fn table(outcomes: &[Outcome], args: &LandscapeArgs) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{FUNCTION}, minimum 0 at (1, 1); {} steps from (-1, 1) on {}; PyTorch's defaults, \
         SGD / momentum / RMSprop / Adam at lr {}",
        args.steps,
        args.backend.name(),
        args.lr,
    );
    let _ = writeln!(
        t,
        "{:<17} {:<9} {:>6} {:>9} {:>9} {:>10} {:>6}  status",
        "run", "optimizer", "lr", "final x", "final y", "final f", "steps"
    );
    for o in outcomes {
        let tr = &o.trajectory;
        let (x, y) = tr.last();
        let _ = writeln!(
            t,
            "{:<17} {:<9} {:>6} {:>9.4} {:>9.4} {:>10} {:>6}  {}",
            o.run.label(),
            o.run.optimizer,
            o.run.lr,
            x,
            y,
            loss_text(tr.last_loss()),
            tr.points.len() - 1,
            tr.status().describe(),
        );
    }
    let _ = writeln!(
        t,
        "converged: ended within {CONVERGED_WITHIN} of (1, 1). diverged at step k: step k went to \
         |x| or |y| > {MAX_COORD:e}, f > {MAX_LOSS:e} or a non-finite value; the final point is \
         the one before it.",
    );
    t
}

/// `--out DIR`: landscape.json, landscape.csv and landscape.png.
fn write_folder(
    dir: &Path,
    outcomes: &[Outcome],
    json: &Value,
    args: &LandscapeArgs,
) -> Result<()> {
    super::create_dir(dir)?;
    let write = |name: &str, bytes: &[u8]| super::write_file(&dir.join(name), bytes);
    write("landscape.json", super::pretty_json(json)?.as_bytes())?;
    write("landscape.csv", csv(outcomes).as_bytes())?;
    draw(outcomes, args, &dir.join("landscape.png"))?;
    eprintln!("wrote {}", dir.display());
    Ok(())
}
