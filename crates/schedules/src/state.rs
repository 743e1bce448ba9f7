//! The running state of a schedule, a tree that mirrors its config: how many steps each part
//! has taken, the current LR of recursive and loss-driven parts, and what loss-driven parts
//! remember. Every transition here is PyTorch's, so the numbers are PyTorch's.

use burn::lr_scheduler::LrSchedulerRecord;

use crate::config::ScheduleConfig;
use crate::kinds::loss_spike::{LossSpikeConfig, SpikeState};
use crate::kinds::plateau::{PlateauConfig, PlateauState};
use crate::kinds::sequential::SequentialConfig;
use crate::kinds::warmup::WarmupConfig;
use crate::kinds::{Chain, Closed};

/// How a family is driven, seen from the state machine.
pub(crate) enum Form<'a> {
    Chain(&'a dyn Chain),
    Closed(&'a dyn Closed),
    Warmup(&'a WarmupConfig),
    Sequential(&'a SequentialConfig),
    Plateau(&'a PlateauConfig),
    Spike(&'a LossSpikeConfig),
}

impl ScheduleConfig {
    pub(crate) fn form(&self) -> Form<'_> {
        match self {
            Self::Constant(c) => Form::Chain(c),
            Self::Step(c) => Form::Chain(c),
            Self::Multistep(c) => Form::Chain(c),
            Self::Exponential(c) => Form::Chain(c),
            Self::Cosine(c) => Form::Chain(c),
            Self::Linear(c) => Form::Chain(c),
            Self::Polynomial(c) => Form::Chain(c),
            Self::CosineRestarts(c) => Form::Closed(c),
            Self::Cyclic(c) => Form::Closed(c),
            Self::OneCycle(c) => Form::Closed(c),
            Self::LrRange(c) => Form::Closed(c),
            Self::Warmup(c) => Form::Warmup(c),
            Self::Sequential(c) => Form::Sequential(c),
            Self::ReduceOnPlateau(c) => Form::Plateau(c),
            Self::LossSpike(c) => Form::Spike(c),
        }
    }
}

/// State of one node; `k` counts optimizer steps since the node (re)started.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum State {
    Chain {
        k: u64,
        lr: f64,
    },
    Closed {
        k: u64,
    },
    Warmup {
        k: u64,
        first_lr: f64,
        first_momentum: Option<f64>,
        then: Box<State>,
    },
    Sequential {
        k: u64,
        children: Vec<State>,
    },
    Plateau(PlateauState),
    Spike(SpikeState),
}

const MISMATCH: &str = "a schedule's state is always built from that schedule's config";

impl State {
    /// The state at optimizer step 0.
    pub fn start(cfg: &ScheduleConfig) -> Self {
        match cfg.form() {
            Form::Chain(c) => State::Chain {
                k: 0,
                lr: c.first(),
            },
            Form::Closed(_) => State::Closed { k: 0 },
            Form::Warmup(w) => {
                let then = State::start(&w.then);
                State::Warmup {
                    k: 0,
                    first_lr: then.lr(&w.then),
                    first_momentum: then.momentum(&w.then),
                    then: Box::new(then),
                }
            }
            Form::Sequential(s) => State::Sequential {
                k: 0,
                children: s.schedules.iter().map(State::start).collect(),
            },
            Form::Plateau(p) => State::Plateau(p.start()),
            Form::Spike(s) => State::Spike(s.start()),
        }
    }

    /// The state when a `sequential` milestone hands over to `cfg`.
    fn restart(cfg: &ScheduleConfig) -> Self {
        match cfg.form() {
            Form::Chain(c) => State::Chain {
                k: 0,
                lr: c.restart(),
            },
            _ => State::start(cfg),
        }
    }

    /// The LR of the current step.
    pub fn lr(&self, cfg: &ScheduleConfig) -> f64 {
        match (cfg.form(), self) {
            (Form::Chain(_), State::Chain { lr, .. }) => *lr,
            (Form::Closed(c), State::Closed { k }) => c.lr_at(*k),
            (
                Form::Warmup(w),
                State::Warmup {
                    k, first_lr, then, ..
                },
            ) => {
                if *k < w.warmup_steps {
                    first_lr * w.factor(*k)
                } else {
                    then.lr(&w.then)
                }
            }
            (Form::Sequential(s), State::Sequential { k, children }) => {
                let i = s.active(*k);
                children[i].lr(&s.schedules[i])
            }
            (Form::Plateau(_), State::Plateau(p)) => p.lr,
            (Form::Spike(_), State::Spike(s)) => s.lr,
            _ => unreachable!("{MISMATCH}"),
        }
    }

    /// The momentum of the current step, for schedules that cycle it.
    pub fn momentum(&self, cfg: &ScheduleConfig) -> Option<f64> {
        match (cfg.form(), self) {
            (Form::Closed(c), State::Closed { k }) => c.momentum_at(*k),
            (
                Form::Warmup(w),
                State::Warmup {
                    k,
                    first_momentum,
                    then,
                    ..
                },
            ) => {
                if *k < w.warmup_steps {
                    *first_momentum
                } else {
                    then.momentum(&w.then)
                }
            }
            (Form::Sequential(s), State::Sequential { k, children }) => {
                let i = s.active(*k);
                children[i].momentum(&s.schedules[i])
            }
            _ => None,
        }
    }

    /// Moves to the next optimizer step (PyTorch's `scheduler.step()`).
    pub fn advance(&mut self, cfg: &ScheduleConfig) {
        match (cfg.form(), self) {
            (Form::Chain(c), State::Chain { k, lr }) => {
                *k += 1;
                *lr = c.next(*k, *lr);
            }
            (Form::Closed(_), State::Closed { k }) => *k += 1,
            (Form::Warmup(w), State::Warmup { k, then, .. }) => {
                *k += 1;
                if *k > w.warmup_steps {
                    then.advance(&w.then);
                }
            }
            (Form::Sequential(s), State::Sequential { k, children }) => {
                *k += 1;
                let i = s.active(*k);
                if i > 0 && s.milestones[i - 1] == *k {
                    children[i] = State::restart(&s.schedules[i]);
                } else {
                    children[i].advance(&s.schedules[i]);
                }
            }
            // Loss-driven schedules move only when they observe a metric.
            (Form::Plateau(_), State::Plateau(_)) | (Form::Spike(_), State::Spike(_)) => {}
            _ => unreachable!("{MISMATCH}"),
        }
    }

    /// Feeds a metric measured after the current step to the loss-driven part in charge.
    pub fn observe(&mut self, cfg: &ScheduleConfig, metric: f64) {
        match (cfg.form(), self) {
            (Form::Warmup(w), State::Warmup { k, then, .. }) if *k >= w.warmup_steps => {
                then.observe(&w.then, metric);
            }
            (Form::Sequential(s), State::Sequential { k, children }) => {
                let i = s.active(*k);
                children[i].observe(&s.schedules[i], metric);
            }
            (Form::Plateau(p), State::Plateau(state)) => *state = p.observe(*state, metric),
            (Form::Spike(s), State::Spike(state)) => *state = s.observe(*state, metric),
            _ => {}
        }
    }

    /// The state as named scalars; nested schedules sit under `then.` or `<index>.`.
    pub fn to_record(&self) -> LrSchedulerRecord {
        let record = LrSchedulerRecord::new();
        match self {
            State::Chain { k, lr } => record.with_scalar("k", *k).with_scalar("lr", *lr),
            State::Closed { k } => record.with_scalar("k", *k),
            State::Warmup { k, then, .. } => record
                .with_scalar("k", *k)
                .with_record("then", then.to_record()),
            State::Sequential { k, children } => children
                .iter()
                .enumerate()
                .fold(record.with_scalar("k", *k), |r, (i, c)| {
                    r.with_record(&i.to_string(), c.to_record())
                }),
            State::Plateau(p) => record
                .with_scalar("lr", p.lr)
                .with_scalar("best", p.best)
                .with_scalar("num_bad", p.num_bad)
                .with_scalar("cooldown", p.cooldown),
            State::Spike(s) => {
                let record = record.with_scalar("lr", s.lr);
                match s.prev_loss {
                    Some(prev) => record.with_scalar("prev_loss", prev),
                    None => record,
                }
            }
        }
    }

    /// Rebuilds the state of `cfg` from a record written by [`State::to_record`]; values
    /// missing from the record keep their starting value.
    pub fn from_record(cfg: &ScheduleConfig, record: &LrSchedulerRecord) -> Self {
        let mut state = State::start(cfg);
        let k_of = |default: u64| record.scalar::<u64>("k").unwrap_or(default);
        match (cfg.form(), &mut state) {
            (Form::Chain(_), State::Chain { k, lr }) => {
                *k = k_of(*k);
                *lr = record.scalar("lr").unwrap_or(*lr);
            }
            (Form::Closed(_), State::Closed { k }) => *k = k_of(*k),
            (Form::Warmup(w), State::Warmup { k, then, .. }) => {
                *k = k_of(*k);
                **then = State::from_record(&w.then, &record.record("then"));
            }
            (Form::Sequential(s), State::Sequential { k, children }) => {
                *k = k_of(*k);
                for (i, (child, child_cfg)) in children.iter_mut().zip(&s.schedules).enumerate() {
                    *child = State::from_record(child_cfg, &record.record(&i.to_string()));
                }
            }
            (Form::Plateau(_), State::Plateau(p)) => {
                p.lr = record.scalar("lr").unwrap_or(p.lr);
                p.best = record.scalar("best").unwrap_or(p.best);
                p.num_bad = record.scalar("num_bad").unwrap_or(p.num_bad);
                p.cooldown = record.scalar("cooldown").unwrap_or(p.cooldown);
            }
            (Form::Spike(_), State::Spike(s)) => {
                s.lr = record.scalar("lr").unwrap_or(s.lr);
                s.prev_loss = record.scalar("prev_loss");
            }
            _ => unreachable!("{MISMATCH}"),
        }
        state
    }
}
