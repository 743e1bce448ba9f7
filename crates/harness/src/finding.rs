//! An LR range test's result as people and programs read it: a table, one JSON object, a CSV
//! of every step and a loss-against-LR chart with the suggestions marked.

use std::fmt::Write as _;

use lr_find::{Method, Remedy, Suggestions};
use serde_json::{Map, Value, json};
use train::lr_find::{FindSpec, Finding, SeedSweep};

use plot::{Chart, Marker, Series};

/// `{"steepest": 0.12, "minimum": ..., ...}`, `null` where a method found nothing.
fn by_method(suggestions: &Suggestions) -> Value {
    let mut map = Map::new();
    for (method, s) in suggestions {
        map.insert(method.name().into(), json!(s.map(|s| s.lr)));
    }
    Value::Object(map)
}

fn seed_json(run: &SeedSweep) -> Value {
    json!({
        "seed": run.seed,
        "recommended_lr": run.consensus.recommended_lr,
        "confidence": run.consensus.confidence.name(),
        "descent_decades": run.consensus.descent_decades,
        "method_spread_decades": run.consensus.spread_decades,
        "suggestions": by_method(&run.suggestions),
        "stop_reason": run.sweep.stop.name(),
        "points": run.sweep.points.len(),
        "seconds": run.seconds,
    })
}

/// The JSON object of `--format json` and `lr_find.json`. The curve (`lrs`, `losses`,
/// `smoothed`) and `suggestions` are the first seed's; `recommended_lr` and `confidence` are
/// across seeds; `per_seed` appears with more than one seed.
pub fn json(finding: &Finding, spec: &FindSpec) -> Value {
    let first = &finding.runs[0];
    let sweep = &first.sweep;
    let mut object = json!({
        "recommended_lr": finding.agreement.recommended_lr,
        "confidence": finding.agreement.confidence.name(),
        "reason": first.consensus.reason,
        "remedy": first.consensus.remedy.map(remedy_flags),
        "descent_decades": first.consensus.descent_decades,
        "method_spread_decades": first.consensus.spread_decades,
        "suggestions": by_method(&first.suggestions),
        "suggestion_steps": first.suggestions.iter().map(|(m, s)| (m.name().to_string(), json!(s.map(|s| s.index)))).collect::<Map<String, Value>>(),
        "spread_methods": lr_find::consensus::SPREAD_METHODS.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "stop_reason": sweep.stop.name(),
        "stop": sweep.stop,
        "stop_step": sweep.points.len().saturating_sub(1),
        "elapsed_seconds": finding.elapsed_seconds,
        "momentum_factor": finding.momentum_factor,
        "lrs": sweep.lrs(),
        "losses": sweep.losses(),
        "smoothed": sweep.smoothed(),
        "settings": {
            "start_lr": spec.finder.ramp.start_lr,
            "end_lr": spec.finder.ramp.end_lr,
            "num_iters": spec.finder.ramp.num_iters,
            "mode": spec.finder.ramp.mode,
            "smooth": spec.finder.smooth,
            "diverge": if spec.finder.diverge.is_finite() { json!(spec.finder.diverge) } else { json!("inf") },
            "batch_size": spec.base.data.batch_size,
            "accumulate": spec.accumulate,
            "validation": spec.validation,
            "dataset": spec.base.data_name(),
            "model": spec.base.model,
            "optimizer": spec.base.optimizer,
            "seed": spec.base.train.seed,
        },
        "backend": finding.backend,
        "device": finding.device,
        "harness_version": env!("CARGO_PKG_VERSION"),
    });
    if let Some(p) = &finding.probe {
        object.as_object_mut().expect("an object").insert(
            "probe".into(),
            json!({
                "swept_lr": p.swept_lr,
                "confirmed_lr": p.report.confirmed_lr,
                "backed_off": p.report.backed_off(),
                "probes": p.report.probes,
                "seconds": p.seconds,
            }),
        );
    }
    if let Some(h) = &finding.horizon {
        object.as_object_mut().expect("an object").insert(
            "horizon".into(),
            json!({
                "checked_lr": h.checked_lr,
                "plan": h.plan,
                "held_out_rows": h.held_out_rows,
                "constant": h.constant,
                "one_cycle": h.annealed,
                "one_cycle_lr": h.annealed_lr(),
                "seconds": h.seconds,
            }),
        );
    }
    if finding.runs.len() > 1 {
        let map = object.as_object_mut().expect("an object");
        map.insert(
            "per_seed".into(),
            finding.runs.iter().map(seed_json).collect(),
        );
        map.insert(
            "seed_spread_decades".into(),
            json!(finding.agreement.spread_decades),
        );
        map.insert("usable_seeds".into(), json!(finding.agreement.usable));
    }
    object
}

fn lr_text(lr: Option<f64>) -> String {
    lr.map_or_else(|| "-".into(), |lr| format!("{lr:.3e}"))
}

/// The table of `--format table`.
pub fn table(finding: &Finding, spec: &FindSpec) -> String {
    let first = &finding.runs[0];
    let ramp = &spec.finder.ramp;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "LR range test on {} ({} training rows), batch {}{}, {}: {} steps from {:e} to {:e} ({}), {} on {}",
        spec.base.data_name(),
        finding.train_rows,
        spec.base.data.batch_size,
        if spec.accumulate > 1 {
            format!(" × {} accumulated", spec.accumulate)
        } else {
            String::new()
        },
        spec.base.optimizer.describe(),
        ramp.num_iters,
        ramp.start_lr,
        ramp.end_lr,
        format!("{:?}", ramp.mode).to_lowercase(),
        finding.backend,
        finding.device,
    );
    let _ = writeln!(
        t,
        "stopped: {} ({} points){}",
        first.sweep.stop,
        first.sweep.points.len(),
        if spec.validation {
            ", loss on held-out rows"
        } else {
            ""
        }
    );
    let _ = writeln!(t);
    let _ = writeln!(t, "{:<22} {:>10} {:>6}", "method", "lr", "step");
    for (method, s) in &first.suggestions {
        let note = match method {
            Method::Minimum => "  (lowest loss ÷ 10)",
            Method::SteepestFirstHalf => "  (the tutorial's recipe: first half only)",
            _ => "",
        };
        let _ = writeln!(
            t,
            "{:<22} {:>10} {:>6}{note}",
            method.name(),
            lr_text(s.map(|s| s.lr)),
            s.map_or_else(|| "-".into(), |s| s.index.to_string()),
        );
    }
    let _ = writeln!(t);
    if finding.runs.len() > 1 {
        for run in &finding.runs {
            let _ = writeln!(
                t,
                "seed {:<4} recommended {:>10}  confidence {:<6}  {}",
                run.seed,
                lr_text(run.consensus.recommended_lr),
                run.consensus.confidence.name(),
                run.sweep.stop.name(),
            );
        }
        let _ = writeln!(
            t,
            "seeds: {} of {} usable, spread {} decades",
            finding.agreement.usable,
            finding.agreement.seeds,
            finding
                .agreement
                .spread_decades
                .map_or_else(|| "-".into(), |d| format!("{d:.2}")),
        );
    }
    if let Some(spread) = first.consensus.spread_decades {
        let _ = writeln!(t, "steepest, minimum and valley span {spread:.2} decades");
    }
    let agreement = &finding.agreement;
    if finding.momentum_factor != 1.0 {
        let _ = writeln!(
            t,
            "heavy-ball momentum: the sweep's LR × {} (its oscillation builds up after the ramp has \
             moved on; docs/lr-find.md)",
            finding.momentum_factor
        );
    }
    if let Some(p) = &finding.probe {
        t.push_str(&probe_lines(p));
    }
    if let Some(h) = &finding.horizon {
        t.push_str(&horizon_lines(h));
    }
    match agreement.recommended_lr {
        None if finding.horizon.is_some() => {
            let _ = writeln!(
                t,
                "recommended lr: none (no LR trained to the horizon without diverging, down to {} \
                 halvings: see the plot, --plot, to choose by eye)",
                lr_find::horizon::MAX_HALVINGS
            );
        }
        None if finding.probe.is_some() => {
            let _ = writeln!(
                t,
                "recommended lr: none (no LR passed its probe, down to {} halvings of {:.3e}: \
                 see the plot, --plot, to choose by eye)",
                lr_find::probe::MAX_BACK_OFFS,
                finding.probe.as_ref().map_or(0.0, |p| p.swept_lr)
            );
        }
        Some(lr) => {
            let _ = writeln!(
                t,
                "recommended lr {lr:.3e}  confidence {}  ({})",
                agreement.confidence.name(),
                first.consensus.reason
            );
        }
        None => {
            let unusable = finding
                .runs
                .iter()
                .find(|r| r.consensus.recommended_lr.is_none());
            let _ = writeln!(
                t,
                "recommended lr: none ({})",
                unusable.map_or("the seeds disagree", |r| r.consensus.reason.as_str())
            );
            if let Some(remedy) = unusable.and_then(|r| r.consensus.remedy) {
                let _ = writeln!(t, "try: {}", remedy_flags(remedy));
            }
        }
    }
    let _ = writeln!(t, "elapsed {:.2} s", finding.elapsed_seconds);
    t
}

/// A line per LR the horizon check trained, its choice for each protocol, and its cost.
fn horizon_lines(h: &train::lr_find::HorizonCheck) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "horizon check: the run is {} steps, the sweep {:.1}% of it; loss on {} held-out rows",
        h.plan.run_steps,
        100.0 * h.plan.sweep_steps as f64 / h.plan.run_steps.max(1) as f64,
        h.held_out_rows
    );
    let tried = |report: &lr_find::HorizonReport| -> String {
        let runs: Vec<String> = report
            .attempts
            .iter()
            .map(|a| match a.loss {
                Some(loss) if loss.abs() < 1e4 => format!("{:.3e} → {loss:.4}", a.lr),
                Some(loss) => format!("{:.3e} → {loss:.2e}", a.lr),
                None => format!("{:.3e} → diverged", a.lr),
            })
            .collect();
        format!("{}; chosen {}", runs.join(", "), lr_text(report.chosen_lr))
    };
    match &h.annealed {
        Some(report) => {
            let _ = writeln!(
                t,
                "  one-cycle {} steps from the starting weights: {}",
                report.steps,
                tried(report)
            );
        }
        None => {
            let _ = writeln!(
                t,
                "  one-cycle not checked (the run is under {} sweeps): the sweep's LR",
                lr_find::horizon::RUNS_PER_SWEEP
            );
        }
    }
    let from = match h.plan.constant {
        lr_find::ConstantCheck::WholeRun => "the whole run, from the starting weights",
        lr_find::ConstantCheck::Hold => "held from the best one-cycle run's weights",
    };
    let _ = writeln!(
        t,
        "  constant  {} steps, {from}: {}",
        h.constant.steps,
        tried(&h.constant)
    );
    if h.constant.chosen_lr.is_some() {
        let _ = writeln!(
            t,
            "the recommendation below is the constant LR it chose (the sweep's: {:.3e})",
            h.checked_lr
        );
    }
    if let Some(lr) = h.annealed_lr() {
        let _ = writeln!(t, "for one-cycle or cosine (--write-config): lr {lr:.3e}");
    }
    let _ = writeln!(
        t,
        "horizon check cost {:.2} s (--no-horizon skips it)",
        h.seconds
    );
    t
}

/// A line per probe: its LR, the loss over its first and last steps, and the verdict.
fn probe_lines(p: &train::lr_find::ProbedRecommendation) -> String {
    let mut t = String::new();
    for probe in &p.report.probes {
        let verdict = match &probe.failure {
            None => "falls: confirmed".to_string(),
            Some(why) => format!("failed: {why}"),
        };
        let _ = writeln!(
            t,
            "probe lr {:.3e}: {} steps, loss {:.4} → {:.4}, {verdict}",
            probe.lr, probe.steps, probe.first_loss, probe.last_loss
        );
    }
    if p.report.backed_off() && p.report.confirmed_lr.is_some() {
        let _ = writeln!(
            t,
            "backed off from the sweep's {:.3e}: its probe failed",
            p.swept_lr
        );
    }
    let _ = writeln!(t, "probe cost {:.2} s (--no-probe skips it)", p.seconds);
    t
}

/// A remedy for a curve without a usable descent, in the flags of `harness lr-find`.
pub fn remedy_flags(remedy: Remedy) -> &'static str {
    match remedy {
        Remedy::StartLowerOrStopLater => "lower --start-lr, or raise --diverge",
        Remedy::WidenRange => "widen --start-lr/--end-lr, or check that the model learns at all",
        Remedy::MeasureBetter => "raise --batch-size or --accumulate, or use --val",
    }
}

/// `seed,step,lr,loss,smoothed`, every step of every seed.
pub fn csv(finding: &Finding) -> String {
    let mut t = String::from("seed,step,lr,loss,smoothed\n");
    for run in &finding.runs {
        for (step, p) in run.sweep.points.iter().enumerate() {
            let _ = writeln!(
                t,
                "{},{step},{:?},{:?},{:?}",
                run.seed, p.lr, p.loss, p.smoothed
            );
        }
    }
    t
}

/// Loss against LR on a log axis, raw and smoothed (first seed; other seeds' smoothed curves
/// beside it), each suggestion and the recommendation marked.
pub fn chart(finding: &Finding) -> Chart {
    let first = &finding.runs[0];
    // A diverging loss reaches hundreds: the y axis stops at 1.5× the highest smoothed loss
    // up to the lowest one (the plateau), so the descent stays readable.
    let cap = finding
        .runs
        .iter()
        .filter_map(|run| {
            let smoothed = run.sweep.smoothed();
            let lowest = smoothed
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))?
                .0;
            smoothed[..=lowest].iter().copied().reduce(f64::max)
        })
        .reduce(f64::max)
        .map_or(f64::INFINITY, |top| 1.5 * top);
    let points = |f: fn(&lr_find::Point) -> f64, run: &SeedSweep| {
        run.sweep
            .points
            .iter()
            .map(|p| (p.lr, f(p)))
            .filter(|&(_, y)| y <= cap)
            .collect()
    };
    let mut series = vec![
        Series {
            label: format!("loss (seed {})", first.seed),
            points: points(|p| p.loss, first),
        },
        Series {
            label: "smoothed".into(),
            points: points(|p| p.smoothed, first),
        },
    ];
    for run in &finding.runs[1..] {
        series.push(Series {
            label: format!("smoothed, seed {}", run.seed),
            points: points(|p| p.smoothed, run),
        });
    }
    let mut markers: Vec<Marker> = first
        .suggestions
        .iter()
        .filter_map(|(m, s)| {
            s.map(|s| Marker {
                x: s.lr,
                label: match m {
                    Method::Minimum => "minimum (÷10)".into(),
                    _ => m.name().into(),
                },
            })
        })
        .collect();
    if let Some(lr) = finding.agreement.recommended_lr {
        markers.push(Marker {
            x: lr,
            label: format!("recommended {lr:.2e}"),
        });
    }
    // Staggered labels collide least when neighbours on the axis are neighbours in the list.
    markers.sort_by(|a, b| a.x.total_cmp(&b.x));
    Chart {
        title: format!(
            "LR range test: confidence {}",
            finding.agreement.confidence.name()
        ),
        x_label: "learning rate".into(),
        y_label: "loss".into(),
        log_x: true,
        log_y: false,
        series,
        markers,
    }
}
