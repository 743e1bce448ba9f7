//! `harness lr-find`: build the sweep from the flags (and a run config), run it with a progress
//! bar, print the finding and write the files asked for.

use anyhow::{Context, Result, anyhow, bail};
use lr_find::FinderConfig;
use schedules::kinds::lr_range::{LrRangeConfig, RampMode};
use train::config::RunConfig;
use train::events::EventsAt;
use train::lr_find::{FindSpec, Finding, Plan, config_with, default_config, find};
use train::optimizer::OptimizerSpec;

use crate::cli::{self, FindFormat, LrFindArgs, PlanName};
use crate::finding;

pub fn run(args: &LrFindArgs) -> Result<()> {
    if let Some(file) = &args.benchmark {
        if args.tensorboard.given() {
            bail!("--benchmark writes no TensorBoard events: leave out --tensorboard");
        }
        let out = args
            .out
            .as_deref()
            .expect("clap requires --out with --benchmark");
        return super::lr_find_benchmark::run(args, file, out, finder(args)?);
    }
    let spec = spec(args)?;
    let bar = progress_bar(spec.finder.ramp.num_iters * spec.seeds as u64);
    let finding = find(
        &spec,
        args.backend,
        args.data_dir.data_dir.as_deref(),
        |seed, step, lr, loss| {
            bar.set_position(seed as u64 * spec.finder.ramp.num_iters + step + 1);
            bar.set_message(format!("seed {} lr {lr:.2e} loss {loss:.4}", seed + 1));
        },
    )?;
    bar.finish_and_clear();

    let json = finding::json(&finding, &spec);
    if let Some(out) = &args.plot {
        plot::render(&[finding::chart(&finding)], out)?;
        eprintln!("wrote {}", out.display());
    }
    if let Some(dir) = &args.out {
        write_folder(dir, &finding, &json, args.plot.is_none())?;
    }
    if let Some(dir) = events_dir(args) {
        let files = train::lr_find::write_events(&finding, &spec, &dir)
            .with_context(|| format!("writing TensorBoard events into {}", dir.display()))?;
        eprintln!(
            "wrote {} TensorBoard event file(s) in {}",
            files.len(),
            dir.display()
        );
    }
    let text = match args.format {
        FindFormat::Table => finding::table(&finding, &spec),
        FindFormat::Json => super::pretty_json(&json)?,
    };
    super::print(&text)?;
    if let Some(path) = &args.write_config {
        write_config(args, &spec, &finding, path)?;
    }
    Ok(())
}

/// Where the sweep's events go: `--out` by default (none without it), `--tensorboard DIR`
/// into `DIR/<--out's name>` (`DIR/lr-find` without `--out`).
fn events_dir(args: &LrFindArgs) -> Option<std::path::PathBuf> {
    let out = args.out.as_deref();
    let name = std::path::Path::new("lr-find");
    match args.tensorboard.events_at() {
        EventsAt::Off => None,
        EventsAt::RunFolder => out.map(|o| o.to_path_buf()),
        at @ EventsAt::Under(_) => at.dir(out.unwrap_or(name)),
    }
}

/// The sweep the flags describe.
fn spec(args: &LrFindArgs) -> Result<FindSpec> {
    check_sweep_points(args.num_iters, args.seeds)?;
    let mut base = match (&args.config, args.dataset) {
        (Some(path), _) => RunConfig::load(path)?,
        (None, Some(dataset)) => default_config(data_name(dataset)),
        (None, None) => unreachable!("clap requires --dataset, --config or --benchmark"),
    };
    if let Some(batch_size) = args.batch_size {
        base.data.batch_size = batch_size as usize;
    }
    if let Some(name) = args.optimizer {
        base.optimizer = optimizer(name);
    }
    if let Some(seed) = args.seed {
        base.train.seed = seed;
    }
    // The horizon check needs the length of the run the LR is for: a config's or --epochs.
    let run_length_known = args.config.is_some() || args.epochs.is_some();
    if let Some(epochs) = args.epochs {
        base.train.epochs = epochs;
    }
    check_last_seed(base.train.seed, args.seeds)?;
    let finder = finder(args)?;
    Ok(FindSpec {
        base,
        finder,
        accumulate: args.accumulate as usize,
        validation: args.val,
        seeds: args.seeds as usize,
        probe: !args.no_probe,
        horizon: !args.no_horizon && run_length_known,
    })
}

/// The ramp, smoothing and stop rule of the flags, checked.
fn finder(args: &LrFindArgs) -> Result<FinderConfig> {
    let finder = FinderConfig {
        ramp: LrRangeConfig {
            start_lr: args.start_lr,
            end_lr: args.end_lr,
            num_iters: args.num_iters,
            mode: match args.mode {
                cli::RampMode::Exp => RampMode::Exp,
                cli::RampMode::Linear => RampMode::Linear,
            },
        },
        smooth: args.smooth,
        diverge: args.diverge,
    };
    // The checks name the settings as the flags spell them: `--start-lr = 0: must be ...`.
    finder.validate().map_err(|e| {
        let mut message = e.to_string();
        for name in ["start_lr", "end_lr", "num_iters", "smooth", "diverge"] {
            message = message.replace(name, &format!("--{}", name.replace('_', "-")));
        }
        anyhow!("invalid option: {message}")
    })?;
    Ok(finder)
}

/// Every point of every seed is kept (lr_find.csv prints them all): their number is bounded as
/// each flag is ([`cli::limits::SWEEP_POINTS`]).
fn check_sweep_points(num_iters: u64, seeds: u64) -> Result<()> {
    let points = num_iters.saturating_mul(seeds);
    let max = cli::limits::SWEEP_POINTS;
    if points > max {
        bail!(
            "invalid option: --num-iters × --seeds = {num_iters} × {seeds} = {points}: must be at \
             most {max}"
        );
    }
    Ok(())
}

/// The seeds are `first`, `first + 1`, ...: the last must still be a seed.
fn check_last_seed(first: u64, seeds: u64) -> Result<()> {
    if first.checked_add(seeds.saturating_sub(1)).is_none() {
        bail!(
            "invalid option: --seed = {first} with --seeds = {seeds}: the last seed, --seed + \
             --seeds - 1, must be at most {}",
            u64::MAX
        );
    }
    Ok(())
}

fn data_name(name: cli::DatasetName) -> data::spec::DatasetName {
    match name {
        cli::DatasetName::Mnist => data::spec::DatasetName::Mnist,
        cli::DatasetName::FashionMnist => data::spec::DatasetName::FashionMnist,
        cli::DatasetName::CaliforniaHousing => data::spec::DatasetName::CaliforniaHousing,
    }
}

/// The optimizer of `--optimizer`, with PyTorch's defaults (and the file's default momentum).
fn optimizer(name: cli::OptimizerName) -> OptimizerSpec {
    match name {
        cli::OptimizerName::Sgd => OptimizerSpec::sgd(),
        cli::OptimizerName::Momentum => {
            OptimizerSpec::sgd_momentum(OptimizerSpec::DEFAULT_MOMENTUM)
        }
        cli::OptimizerName::Adam => OptimizerSpec::adam(),
        cli::OptimizerName::Adamw => OptimizerSpec::adamw(),
        cli::OptimizerName::Rmsprop => OptimizerSpec::rmsprop(),
        cli::OptimizerName::Adagrad => OptimizerSpec::adagrad(),
    }
}

/// A bar on a terminal (indicatif draws nothing when stderr is not one).
fn progress_bar(len: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("lr-find {bar:30} {pos}/{len} steps {msg}")
            .expect("the progress template is valid"),
    );
    bar
}

/// `--out DIR`: lr_find.json, lr_find.csv and (unless --plot chose a file) lr_find.png.
fn write_folder(
    dir: &std::path::Path,
    finding: &Finding,
    json: &serde_json::Value,
    with_plot: bool,
) -> Result<()> {
    super::create_dir(dir)?;
    let write = |name: &str, bytes: &[u8]| super::write_file(&dir.join(name), bytes);
    write("lr_find.json", super::pretty_json(json)?.as_bytes())?;
    write("lr_find.csv", finding::csv(finding).as_bytes())?;
    if with_plot {
        plot::render(&[finding::chart(finding)], &dir.join("lr_find.png"))?;
    }
    eprintln!("wrote {}", dir.display());
    Ok(())
}

/// The base of the written config, whose batch is `--accumulate` times the sweep's, with its
/// epochs and steps per epoch. A config's own batch size and epochs are not bounded as the
/// flags are: where they overflow, an error instead of a wrapped number or a panic.
fn written_length(
    args: &LrFindArgs,
    spec: &FindSpec,
    train_rows: usize,
) -> Result<(RunConfig, u64, u64)> {
    let mut base = spec.base.clone();
    // Gradients accumulated over N batches of B rows act as one batch of N × B rows.
    let (batch, accumulate) = (base.data.batch_size, spec.accumulate.max(1));
    base.data.batch_size = batch.checked_mul(accumulate).ok_or_else(|| {
        anyhow!("--accumulate = {accumulate} × batch_size = {batch}: too large a batch to write")
    })?;
    let steps_per_epoch = train_rows.div_ceil(base.data.batch_size) as u64;
    let epochs = args.epochs.unwrap_or(base.train.epochs);
    if epochs.checked_mul(steps_per_epoch).is_none() {
        bail!("{epochs} epochs × {steps_per_epoch} steps per epoch: too many steps to write");
    }
    Ok((base, epochs, steps_per_epoch))
}

/// `--write-config OUT.toml`: the base config with the chosen schedule at the recommended LR,
/// over the written run's real number of optimizer steps.
fn write_config(
    args: &LrFindArgs,
    spec: &FindSpec,
    finding: &Finding,
    path: &std::path::Path,
) -> Result<()> {
    let plan = match args.schedule {
        PlanName::OneCycle => Plan::OneCycle,
        PlanName::Cosine => Plan::Cosine,
        PlanName::Constant => Plan::Constant,
    };
    let Some(lr) = finding.lr_for(plan) else {
        bail!(
            "no usable descent, so no LR to write into {}: see the reason above, and the plot \
             (--plot) to choose by eye",
            path.display()
        );
    };
    let (base, epochs, steps_per_epoch) = written_length(args, spec, finding.train_rows)?;
    let config = config_with(&base, plan, lr, epochs, steps_per_epoch)?;
    let peak = if matches!(plan, Plan::OneCycle) {
        let factor = train::lr_find::one_cycle_factor(&base.optimizer);
        format!(
            "# One-cycle peaks at max_lr = {:.3e}, {factor:.2} × the recommended LR, for {}'s \
             momentum (docs/lr-find.md).\n",
            lr * factor,
            base.optimizer.describe()
        )
    } else {
        String::new()
    };
    let sized = if matches!(plan, Plan::Constant) {
        String::new()
    } else {
        "# The schedule is sized for these steps: for another number of epochs, write it \
         again with --epochs N\n# rather than `harness train --epochs`.\n"
            .to_string()
    };
    let checked = finding
        .horizon
        .as_ref()
        .and_then(|h| {
            let steps = match plan {
                Plan::Constant => Some(h.constant.steps),
                Plan::OneCycle | Plan::Cosine => h.annealed.as_ref().map(|a| a.steps),
            }?;
            Some(format!(
                "# The LR for this schedule, checked at a horizon of {steps} steps (the sweep's \
                 was {:.3e}).\n",
                h.checked_lr
            ))
        })
        .unwrap_or_default();
    let header = format!(
        "# Written by `harness lr-find`: recommended LR {lr:.3e} (confidence {}), {} on {}.\n{checked}\
         # {epochs} epochs × {steps_per_epoch} steps per epoch = {} optimizer steps.\n{peak}{sized}",
        finding.agreement.confidence.name(),
        finding.backend,
        config.data_name(),
        epochs * steps_per_epoch,
    );
    super::write_file(path, (header + &config.to_toml()).as_bytes())?;
    eprintln!(
        "wrote {} (train with: harness train --config {}; its schedule spans {epochs} epochs: \
         for another length, rerun lr-find with --epochs N)",
        path.display(),
        path.display()
    );
    Ok(())
}
