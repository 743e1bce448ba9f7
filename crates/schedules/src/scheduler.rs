//! [`Scheduler`], the burn `LrScheduler` over any [`Schedule`], and [`Observe`], the small
//! extension through which a training loop feeds the loss to loss-driven schedules.

use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::lr_scheduler::{LrScheduler, LrSchedulerRecord};

use crate::config::Schedule;
use crate::state::State;

/// What a training loop needs from a schedule beyond burn's [`LrScheduler`], which never sees
/// the loss.
pub trait Observe {
    /// Feeds the metric measured after the optimizer step whose LR the last
    /// [`LrScheduler::step`] returned, as PyTorch's `scheduler.step(metric)`. A reduction it
    /// triggers shows in the next `step()`. Schedules that ignore metrics do nothing.
    fn observe(&mut self, metric: f64);

    /// The momentum for the step whose LR the last `step()` returned, for schedules that
    /// cycle it (one-cycle, cyclic); `None` otherwise.
    fn momentum(&self) -> Option<f64> {
        None
    }
}

/// A schedule a training loop can drive: burn's trait plus [`Observe`].
pub trait DynamicLr: LrScheduler + Observe {}

impl<T: LrScheduler + Observe> DynamicLr for T {}

/// One of burn's own schedulers (as its config's `init()` builds them), driven like ours:
/// `step()` gives its base LR, and metrics are ignored. It lets a training loop written against
/// [`DynamicLr`] run burn's built-in schedules beside ours.
#[derive(Clone)]
pub struct Builtin(pub ModuleLrScheduler);

impl std::fmt::Debug for Builtin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Builtin(ModuleLrScheduler)")
    }
}

impl LrScheduler for Builtin {
    fn step(&mut self) -> f64 {
        self.0.step().base()
    }

    fn to_record(&self) -> LrSchedulerRecord {
        self.0.to_record()
    }

    fn load_record(&mut self, record: LrSchedulerRecord) {
        // burn's `load_record` consumes the scheduler; a constant stands in for the moment.
        let scheduler = std::mem::replace(&mut self.0, ModuleLrScheduler::new(0.0));
        self.0 = scheduler.load_record(record);
    }
}

impl Observe for Builtin {
    fn observe(&mut self, _metric: f64) {}
}

/// Runs a [`Schedule`], one `step()` per optimizer step: the first call returns the LR of
/// optimizer step 0, PyTorch's LR right after the scheduler is constructed.
#[derive(Clone, Debug, PartialEq)]
pub struct Scheduler {
    schedule: Schedule,
    state: State,
    /// Calls of `step()` so far.
    steps: u64,
}

impl Scheduler {
    pub fn new(schedule: Schedule) -> Self {
        let state = State::start(schedule.config());
        Self {
            schedule,
            state,
            steps: 0,
        }
    }

    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Number of `step()` calls so far, i.e. of optimizer steps scheduled.
    pub fn steps(&self) -> u64 {
        self.steps
    }
}

impl From<Schedule> for Scheduler {
    fn from(schedule: Schedule) -> Self {
        Self::new(schedule)
    }
}

impl LrScheduler for Scheduler {
    fn step(&mut self) -> f64 {
        // The state sits at the step last returned; the first call returns step 0 as is.
        if self.steps > 0 {
            self.state.advance(self.schedule.config());
        }
        self.steps += 1;
        self.state.lr(self.schedule.config())
    }

    fn to_record(&self) -> LrSchedulerRecord {
        LrSchedulerRecord::new()
            .with_scalar("steps", self.steps)
            .with_record("state", self.state.to_record())
    }

    fn load_record(&mut self, record: LrSchedulerRecord) {
        self.steps = record.scalar("steps").unwrap_or(0);
        self.state = State::from_record(self.schedule.config(), &record.record("state"));
    }
}

impl Observe for Scheduler {
    fn observe(&mut self, metric: f64) {
        self.state.observe(self.schedule.config(), metric);
    }

    fn momentum(&self) -> Option<f64> {
        self.state.momentum(self.schedule.config())
    }
}

#[cfg(test)]
mod tests {
    use burn::lr_scheduler::exponential::ExponentialLrSchedulerConfig;

    use super::*;
    use crate::ScheduleConfig;

    fn ours(text: &str) -> Scheduler {
        let config: ScheduleConfig = toml::from_str(text).unwrap();
        Scheduler::new(Schedule::new(config).unwrap())
    }

    #[test]
    fn plugs_into_burns_module_scheduler() {
        // `Learner::new` takes `impl Into<ModuleLrScheduler>`: ours converts and keeps its LRs.
        let mut scheduler = ours("kind = 'one_cycle'\nmax_lr = 0.1\ntotal_steps = 20");
        let mut in_burn = ModuleLrScheduler::from(scheduler.clone());
        for _ in 0..20 {
            assert_eq!(in_burn.step().base(), scheduler.step());
        }
    }

    #[test]
    fn burns_builtin_runs_beside_ours() {
        let burn_exponential = ExponentialLrSchedulerConfig::new(0.1, 0.5).init().unwrap();
        let mut builtin = Builtin(burn_exponential);
        let mut scheduler = ours("kind = 'exponential'\nlr = 0.1\ngamma = 0.5");
        let loop_view: &mut dyn DynamicLr = &mut builtin;
        loop_view.observe(1.0);
        assert_eq!(loop_view.momentum(), None);
        for _ in 0..10 {
            assert_eq!(builtin.step(), scheduler.step());
        }
        // burn's own `load_record` goes through `Device::default()`, which panics in a build
        // without a tensor backend such as this crate's; ours reads plain scalars, so the
        // resume tests (tests/resume.rs) need no backend.
    }
}
