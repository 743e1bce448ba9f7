//! `harness train`: read a run config, apply the command-line overrides, train, plot.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use train::config::RunConfig;
use train::run::{Outcome, Progress, RunOptions};

use crate::cli::TrainArgs;
use plot::{self, Chart, Series};

pub fn run(args: &TrainArgs) -> Result<()> {
    // Ctrl-C finishes the current step, saves a checkpoint and stops; a second one kills.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nstopping after this step (Ctrl-C again to stop at once)");
    })
    .context("installing the Ctrl-C handler")?;

    let mut options = RunOptions {
        backend: args.backend,
        out_dir: PathBuf::new(),
        data_dir: args.data_dir.data_dir.clone(),
        // With --json, stdout holds the metrics line alone.
        progress: if args.json {
            Progress::Quiet
        } else {
            Progress::auto()
        },
        stop: Some(stop),
        tensorboard: args.tensorboard.events_at(),
        schedule_hint: args.epochs.map(|epochs| {
            format!(
                " (--epochs {epochs} changes the run's length but not the schedule's: `harness \
                 lr-find --config CONFIG --write-config OUT.toml --epochs {epochs}` writes a \
                 config whose schedule fits)"
            )
        }),
    };
    let outcome = if let Some(dir) = &args.resume {
        options.out_dir = dir.clone();
        train::run::resume(&options, args.epochs)?
    } else {
        let config_path = args
            .config
            .as_ref()
            .expect("clap requires --config without --resume");
        let mut config = RunConfig::load_with(config_path, &args.set)?;
        if let Some(epochs) = args.epochs {
            config.train.epochs = epochs;
        }
        if let Some(seed) = args.seed {
            config.train.seed = seed;
        }
        options.out_dir = args.out.clone().unwrap_or_else(|| default_out(config_path));
        train::run::run(&config, &options)?
    };
    let out = &options.out_dir;
    plot_run(&outcome, out)?;
    if args.json {
        println!("{}", serde_json::to_string(&outcome.summary)?);
    } else {
        println!("{}", serde_json::to_string_pretty(&outcome.summary)?);
        println!("wrote {}", out.display());
    }
    Ok(())
}

/// `runs/<config stem>-<UTC date>-<time>`.
fn default_out(config: &Path) -> PathBuf {
    let stem = config
        .file_stem()
        .map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned());
    Path::new("runs").join(format!("{stem}-{}", utc_stamp()))
}

/// `YYYYMMDD-HHMMSS` in UTC, from the system clock.
pub(crate) fn utc_stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Gregorian date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `loss.png` (train loss per step, validation loss per epoch) and `lr.png`.
pub(crate) fn plot_run(outcome: &Outcome, out: &Path) -> Result<()> {
    let per_step = |f: &dyn Fn(&train::records::StepRecord) -> f64| -> Vec<(f64, f64)> {
        outcome
            .steps
            .iter()
            .map(|s| (s.step as f64, f(s)))
            .collect()
    };
    let steps_per_epoch = outcome.steps.len() as f64 / outcome.epochs.len().max(1) as f64;
    let validation: Vec<(f64, f64)> = outcome
        .epochs
        .iter()
        .filter_map(|e| {
            Some((
                e.epoch as f64 * steps_per_epoch,
                e.validation.as_ref()?.loss,
            ))
        })
        .collect();
    let loss = Chart {
        title: "loss".into(),
        x_label: "optimizer step".into(),
        y_label: "loss".into(),
        log_y: true,
        series: vec![
            Series {
                label: "train (per step)".into(),
                points: per_step(&|s| s.train_loss),
            },
            Series {
                label: "validation (per epoch)".into(),
                points: validation,
            },
        ],
        ..Chart::default()
    };
    let lr = Chart {
        title: "learning rate".into(),
        x_label: "optimizer step".into(),
        y_label: "learning rate".into(),
        series: vec![Series {
            label: String::new(),
            points: per_step(&|s| s.lr),
        }],
        ..Chart::default()
    };
    plot::render(&[loss], &out.join("loss.png")).context("plotting the loss")?;
    plot::render(&[lr], &out.join("lr.png")).context("plotting the learning rate")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_414), (2025, 11, 22));
    }
}
