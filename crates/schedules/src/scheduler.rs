//! [`Scheduler`], the burn `LrScheduler` over any [`Schedule`], and [`Observe`], the small
//! extension through which a training loop feeds the loss to loss-driven schedules.

use burn::lr_scheduler::{LrScheduler, LrSchedulerRecord};

use crate::ScheduleError;
use crate::config::{Schedule, ScheduleConfig};
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

/// Runs a [`Schedule`], one `step()` per optimizer step: the first call returns the LR of
/// optimizer step 0, PyTorch's LR right after the scheduler is constructed.
///
/// It runs every kind, loss-driven ones included, for a loop that feeds it the loss
/// ([`Observe::observe`]). So it is deliberately not a burn [`LrScheduler`]: burn-train's
/// `Learner` would never feed it the loss. For the `Learner`, convert a schedule into
/// [`StepDriven`], which refuses loss-driven kinds.
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

impl Scheduler {
    /// The LR of the next optimizer step.
    pub fn step(&mut self) -> f64 {
        // The state sits at the step last returned; the first call returns step 0 as is.
        if self.steps > 0 {
            self.state.advance(self.schedule.config());
        }
        self.steps += 1;
        self.state.lr(self.schedule.config())
    }

    /// The whole state: loaded into a scheduler of the same schedule, the sequence continues
    /// identically.
    pub fn to_record(&self) -> LrSchedulerRecord {
        LrSchedulerRecord::new()
            .with_scalar("steps", self.steps)
            .with_record("state", self.state.to_record())
    }

    /// Restores the state [`Scheduler::to_record`] saved.
    pub fn load_record(&mut self, record: LrSchedulerRecord) {
        self.steps = record.scalar("steps").unwrap_or(0);
        self.state = State::from_record(self.schedule.config(), &record.record("state"));
    }
}

/// A [`Scheduler`] whose schedule depends on the step count only: a burn [`LrScheduler`],
/// for burn-train's `Learner` (`Learner::new(model, optimizer, scheduler)`) or any code that
/// steps one. Built with `try_from` a schedule or a kind's config, which refuses loss-driven
/// kinds ([`ScheduleError::LossDriven`]).
#[derive(Clone, Debug, PartialEq)]
pub struct StepDriven(Scheduler);

impl StepDriven {
    /// The momentum of the step whose LR the last `step()` returned, for kinds that cycle it;
    /// burn's optimizers keep their own, so apply it yourself if you want it.
    pub fn momentum(&self) -> Option<f64> {
        self.0.momentum()
    }
}

impl TryFrom<Schedule> for StepDriven {
    type Error = ScheduleError;
    fn try_from(schedule: Schedule) -> Result<Self, ScheduleError> {
        if schedule.config().is_loss_driven() {
            return Err(ScheduleError::LossDriven {
                kind: schedule.config().kind(),
            });
        }
        Ok(Self(Scheduler::new(schedule)))
    }
}

impl TryFrom<ScheduleConfig> for StepDriven {
    type Error = ScheduleError;
    /// Validates `config` first.
    fn try_from(config: ScheduleConfig) -> Result<Self, ScheduleError> {
        Self::try_from(Schedule::new(config)?)
    }
}

impl LrScheduler for StepDriven {
    fn step(&mut self) -> f64 {
        self.0.step()
    }

    fn to_record(&self) -> LrSchedulerRecord {
        self.0.to_record()
    }

    fn load_record(&mut self, record: LrSchedulerRecord) {
        self.0.load_record(record);
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
    use burn::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;

    use super::*;

    fn ours(text: &str) -> Scheduler {
        let config: ScheduleConfig = toml::from_str(text).unwrap();
        Scheduler::new(Schedule::new(config).unwrap())
    }

    #[test]
    fn a_step_driven_schedule_plugs_into_burns_module_scheduler() {
        // `Learner::new` takes `impl Into<ModuleLrScheduler>`: ours converts and keeps its LRs.
        let config: ScheduleConfig =
            toml::from_str("kind = 'one_cycle'\nmax_lr = 0.1\ntotal_steps = 20").unwrap();
        let mut scheduler = ours("kind = 'one_cycle'\nmax_lr = 0.1\ntotal_steps = 20");
        let mut in_burn = ModuleLrScheduler::from(StepDriven::try_from(config).unwrap());
        for _ in 0..20 {
            assert_eq!(in_burn.step().base(), scheduler.step());
        }
    }

    #[test]
    fn a_loss_driven_schedule_is_refused_where_nothing_feeds_it_the_loss() {
        for text in [
            "kind = 'reduce_on_plateau'\nlr = 0.1",
            "kind = 'warmup'\nwarmup_steps = 3\n[then]\nkind = 'loss_spike'\nlr = 0.1",
        ] {
            let config: ScheduleConfig = toml::from_str(text).unwrap();
            let kind = config.kind();
            let err = StepDriven::try_from(config).unwrap_err();
            assert_eq!(err, ScheduleError::LossDriven { kind }, "{text}");
            assert!(err.to_string().contains("Observe::observe"), "{err}");
        }
    }
}
