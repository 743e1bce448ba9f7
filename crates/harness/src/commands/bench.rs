//! `harness bench`: measure each backend and batch size, print a table or a JSON array.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use serde_json::{Value, json};
use train::backend::{self, Backend};
use train::studies::bench::{BenchModel, Measurement, measure};

use crate::cli::{BenchArgs, BenchBackends, BenchModelName, FindFormat};

pub fn run(args: &BenchArgs) -> Result<()> {
    // Each batch size, --steps, --warmup and --hidden were bounded by their value parsers.
    if args.batch_sizes.is_empty() {
        bail!("--batch-sizes: give at least one batch size");
    }
    let backends: Vec<Backend> = match args.backend {
        BenchBackends::One(b) => vec![b],
        BenchBackends::All => backend::ALL
            .into_iter()
            .filter(|b| match b.device() {
                Ok(_) => true,
                Err(e) => {
                    eprintln!("skipping {b}: {e}");
                    false
                }
            })
            .collect(),
    };
    let model = match args.model {
        BenchModelName::Mlp => BenchModel::Mlp {
            hidden: args.hidden,
        },
        BenchModelName::Linear => BenchModel::Linear,
    };
    let total = (backends.len() * args.batch_sizes.len()) as u64;
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template("bench {bar:30} {pos}/{len} {msg}")
            .expect("the progress template is valid"),
    );
    let mut results = Vec::new();
    for &backend in &backends {
        for &batch_size in &args.batch_sizes {
            bar.set_message(format!("{backend} batch {batch_size}"));
            let m = measure(
                backend,
                &model,
                batch_size,
                args.steps,
                args.warmup,
                !args.no_epoch,
                args.data_dir.data_dir.as_deref(),
            )?;
            bar.inc(1);
            results.push(m);
        }
    }
    bar.finish_and_clear();
    let text = match args.format {
        FindFormat::Table => table(&results),
        FindFormat::Json => super::pretty_json(&json(&results))?,
    };
    super::print(&text)
}

/// The CPU model and core count, from /proc/cpuinfo where there is one.
fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    json!({
        "cpu": cpu,
        "cores": cores,
        "threads": rayon::current_num_threads(),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
    })
}

/// One object per configuration, each with the machine and versions.
fn json(results: &[Measurement]) -> Value {
    let machine = machine();
    let versions = json!({ "harness": env!("CARGO_PKG_VERSION"), "burn": "0.22.1" });
    Value::Array(
        results
            .iter()
            .map(|m| {
                let mut v = serde_json::to_value(m).expect("measurements serialize");
                v["machine"] = machine.clone();
                v["versions"] = versions.clone();
                v
            })
            .collect(),
    )
}

fn table(results: &[Measurement]) -> String {
    let mut t = String::new();
    let machine = machine();
    let _ = writeln!(
        t,
        "{} on {} ({} cores, {} threads); {} timed steps per configuration",
        results.first().map_or("", |m| m.model.as_str()),
        machine["cpu"].as_str().unwrap_or("?"),
        machine["cores"],
        machine["threads"],
        results.first().map_or(0, |m| m.steps),
    );
    let _ = writeln!(
        t,
        "{:<8} {:>6} {:>12} {:>9} {:>9} {:>12} {:>8} {:>9} {:>8}",
        "backend",
        "batch",
        "samples/s",
        "step ms",
        "p95 ms",
        "fwd samp/s",
        "RSS MB",
        "start s",
        "epoch s"
    );
    for m in results {
        let _ = writeln!(
            t,
            "{:<8} {:>6} {:>12.0} {:>9.3} {:>9.3} {:>12.0} {:>8} {:>9.3} {:>8}",
            m.backend,
            m.batch_size,
            m.samples_per_sec,
            m.step_ms_median,
            m.step_ms_p95,
            m.forward_samples_per_sec,
            m.peak_rss_mb
                .map_or_else(|| "-".into(), |r| format!("{r:.0}")),
            m.startup_seconds,
            m.epoch_seconds
                .map_or_else(|| "-".into(), |s| format!("{s:.3}")),
        );
    }
    t
}
