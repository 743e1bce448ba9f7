//! What `harness schedule` shows before any training: the LR (and momentum) of every step,
//! the warnings about what users get wrong, and the phase boundaries a plot marks. All pure.

use crate::config::{Schedule, ScheduleConfig};
use crate::scheduler::{Observe, Scheduler};

/// The LR of optimizer steps `0..steps`, and the momentum where the schedule defines one.
#[derive(Clone, Debug, PartialEq)]
pub struct Preview {
    pub lrs: Vec<f64>,
    /// `Some` when at least one step has a momentum; `None` entries where a step has none.
    pub momentums: Option<Vec<Option<f64>>>,
}

/// Runs `schedule` for `steps` optimizer steps through the same [`Scheduler`] training uses.
/// `metrics[k]` is observed after step `k`, as PyTorch's `scheduler.step(metrics[k])` after
/// optimizer step `k`; steps past the end of `metrics` observe nothing.
pub fn preview(schedule: &Schedule, steps: u64, metrics: &[f64]) -> Preview {
    let mut scheduler = Scheduler::new(schedule.clone());
    let mut lrs = Vec::with_capacity(steps as usize);
    let mut momentums = Vec::with_capacity(steps as usize);
    for k in 0..steps as usize {
        lrs.push(scheduler.step());
        momentums.push(scheduler.momentum());
        if let Some(&metric) = metrics.get(k) {
            scheduler.observe(metric);
        }
    }
    let momentums = momentums.iter().any(Option::is_some).then_some(momentums);
    Preview { lrs, momentums }
}

/// A labelled step where something changes, for plots.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub step: u64,
    pub label: String,
}

/// At most this many markers are drawn, so a fast cycle does not fill the plot.
const MAX_MARKERS: usize = 24;

/// The steps (below `steps`) where a phase begins: the end of a warm-up, a milestone, a one-cycle
/// phase, a cosine's `t_max`, an SGDR restart.
pub fn phases(schedule: &Schedule, steps: u64) -> Vec<Marker> {
    let mut markers = Vec::new();
    walk(schedule.config(), "", 0, steps, &mut |node| {
        let mut add = |offset: u64, label: String| {
            let step = node.start.saturating_add(offset);
            if step < node.end {
                markers.push(Marker { step, label });
            }
        };
        match node.config {
            ScheduleConfig::Warmup(w) => add(w.warmup_steps, "warm-up ends".into()),
            ScheduleConfig::Sequential(s) => {
                for (m, next) in s.milestones.iter().zip(&s.schedules[1..]) {
                    add(*m, format!("→ {}", next.kind()));
                }
            }
            ScheduleConfig::OneCycle(c) => {
                let labels = if c.three_phase {
                    &["peak", "back at initial"][..]
                } else {
                    &["peak"]
                };
                for (start, label) in c.phase_starts().into_iter().zip(labels) {
                    add(start, (*label).to_string());
                }
            }
            ScheduleConfig::Cosine(c) => add(c.t_max, "t_max".into()),
            ScheduleConfig::CosineRestarts(c) => {
                for at in c.restarts_before(node.end - node.start) {
                    add(at, "restart".into());
                }
            }
            _ => {}
        }
    });
    markers.sort_by_key(|m| m.step);
    markers.truncate(MAX_MARKERS);
    markers
}

/// Warnings about a schedule run for `steps` optimizer steps with `metrics` observations.
pub fn lint(schedule: &Schedule, steps: u64, metrics: usize) -> Vec<String> {
    let mut warnings = Vec::new();
    let config = schedule.config();
    if config.is_loss_driven() && (metrics as u64) < steps {
        warnings.push(format!(
            "the schedule is loss-driven but {metrics} metrics were given for {steps} steps: \
             after the last metric the LR changes only on the clock (it needs one metric per \
             optimizer step)"
        ));
    }
    if !config.is_loss_driven() && metrics > 0 {
        warnings.push(format!(
            "{metrics} metrics were given but a {} schedule does not observe metrics: they are \
             ignored",
            config.kind()
        ));
    }
    walk(config, "", 0, steps, &mut |node| {
        let runs = node.end.saturating_sub(node.start);
        let at = if node.path.is_empty() {
            String::new()
        } else {
            format!(" ({})", node.path)
        };
        match node.config {
            ScheduleConfig::Cosine(c) if c.t_max != runs => {
                let effect = if c.t_max < runs {
                    "past t_max the LR rises again, as PyTorch's CosineAnnealingLR does"
                } else {
                    "the LR never comes down to eta_min"
                };
                warnings.push(format!(
                    "cosine{at}: t_max = {} but it runs for {runs} optimizer steps: {effect}; \
                     set t_max = {runs}",
                    c.t_max
                ));
            }
            ScheduleConfig::OneCycle(c) => {
                let total = c.total().unwrap_or(0);
                if runs > total {
                    warnings.push(format!(
                        "one_cycle{at}: stepped past total_steps = {total} (it runs for {runs} \
                         optimizer steps); PyTorch raises here, the harness holds the final LR; \
                         set total_steps = {runs}"
                    ));
                } else if runs < total {
                    warnings.push(format!(
                        "one_cycle{at}: total_steps = {total} but it runs for only {runs} \
                         optimizer steps: the cycle is cut short before the LR anneals; set \
                         total_steps = {runs}"
                    ));
                }
            }
            ScheduleConfig::Warmup(w) if w.warmup_steps > runs => warnings.push(format!(
                "warmup{at}: warmup_steps = {} is longer than the {runs} optimizer steps it runs \
                 for: the schedule after it never starts",
                w.warmup_steps
            )),
            ScheduleConfig::Sequential(s) => {
                for (i, m) in s.milestones.iter().enumerate() {
                    if *m >= runs {
                        warnings.push(format!(
                            "sequential{at}: milestone {m} is at or past the end of its {runs} \
                             optimizer steps: schedules[{}] never runs",
                            i + 1
                        ));
                    }
                }
            }
            _ => {}
        }
    });
    warnings
}

/// One schedule in the tree, with the window of run steps `[start, end)` it is in charge of.
struct Node<'a> {
    config: &'a ScheduleConfig,
    path: String,
    start: u64,
    end: u64,
}

fn walk(config: &ScheduleConfig, path: &str, start: u64, end: u64, visit: &mut dyn FnMut(&Node)) {
    visit(&Node {
        config,
        path: path.to_string(),
        start,
        end,
    });
    let join = |name: &str| {
        if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    match config {
        ScheduleConfig::Warmup(w) => {
            let from = start.saturating_add(w.warmup_steps).min(end);
            walk(&w.then, &join("then"), from, end, visit);
        }
        ScheduleConfig::Sequential(s) => {
            let bounds: Vec<u64> = std::iter::once(0)
                .chain(s.milestones.iter().copied())
                .map(|m| start.saturating_add(m).min(end))
                .chain(std::iter::once(end))
                .collect();
            for (i, child) in s.schedules.iter().enumerate() {
                walk(
                    child,
                    &join(&format!("schedules[{i}]")),
                    bounds[i],
                    bounds[i + 1],
                    visit,
                );
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn schedule(text: &str) -> Schedule {
        crate::file::parse(text, Path::new("t.toml")).unwrap().0
    }

    #[test]
    fn metrics_drive_a_plateau_one_step_later() {
        let s = schedule("kind = \"reduce_on_plateau\"\nlr = 1.0\npatience = 0\nfactor = 0.5");
        // The metric after step 1 is worse than after step 0: the cut shows at step 2.
        let p = preview(&s, 4, &[1.0, 2.0, 0.5]);
        assert_eq!(p.lrs, [1.0, 1.0, 0.5, 0.5]);
        assert_eq!(p.momentums, None);
    }

    #[test]
    fn warmup_over_cosine_lints_and_marks() {
        let s = schedule(
            "kind = \"warmup\"\nwarmup_steps = 10\n[then]\nkind = \"cosine\"\nlr = 0.1\nt_max = 50",
        );
        let warnings = lint(&s, 100, 0);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("cosine (then): t_max = 50 but it runs for 90"),
            "{warnings:?}"
        );
        let steps: Vec<u64> = phases(&s, 100).iter().map(|m| m.step).collect();
        assert_eq!(steps, [10, 60]);
        assert!(lint(&s, 60, 0).is_empty());
        assert!(lint(&s, 5, 0)[0].contains("warmup_steps = 10 is longer"));
    }

    #[test]
    fn one_cycle_stepped_past_its_end_is_flagged_and_holds() {
        let s = schedule("kind = \"one_cycle\"\nmax_lr = 1.0\ntotal_steps = 10");
        assert!(lint(&s, 12, 0)[0].contains("stepped past total_steps = 10"));
        let p = preview(&s, 12, &[]);
        assert_eq!(p.lrs[11], p.lrs[9]);
        assert_eq!(p.momentums.unwrap()[0], Some(0.95));
    }

    #[test]
    fn loss_driven_without_metrics_is_flagged() {
        let s = schedule("kind = \"loss_spike\"\nlr = 0.1");
        assert!(lint(&s, 10, 3)[0].contains("3 metrics were given for 10 steps"));
    }
}
