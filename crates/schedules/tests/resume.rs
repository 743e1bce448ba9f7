//! Save at several steps, load into a fresh scheduler, continue: the LR and momentum sequence
//! is identical, bit for bit, to an uninterrupted one, for every kind (loss-driven ones fed
//! the same losses), also after a round trip through burn's on-disk record format.

mod common;

use std::collections::BTreeSet;

use burn::lr_scheduler::LrSchedulerRecord;
use common::{EXAMPLES, losses, schedule};
use schedules::{KINDS, Observe, Scheduler};

const STEPS: usize = 60;

/// LR and momentum of steps `steps`, observing `losses[k]` after step `k`.
fn run(
    scheduler: &mut Scheduler,
    steps: std::ops::Range<usize>,
    losses: &[f64],
) -> Vec<(f64, Option<f64>)> {
    steps
        .map(|k| {
            let lr = scheduler.step();
            let momentum = scheduler.momentum();
            scheduler.observe(losses[k]);
            (lr, momentum)
        })
        .collect()
}

#[test]
fn every_kind_resumes_exactly() {
    let losses = losses(STEPS);
    for (kind, text) in EXAMPLES {
        let schedule = schedule(text);
        let truth = run(&mut Scheduler::new(schedule.clone()), 0..STEPS, &losses);
        for save_at in [0, 1, 4, 5, 11, 12, 13, 29, 59] {
            let mut first = Scheduler::new(schedule.clone());
            let before = run(&mut first, 0..save_at, &losses);
            let bytes = first.to_record().into_bytes().expect("record serializes");
            let record = LrSchedulerRecord::from_bytes(bytes).expect("record deserializes");
            let mut resumed = Scheduler::new(schedule.clone());
            resumed.load_record(record);
            let mut seq = before;
            seq.extend(run(&mut resumed, save_at..STEPS, &losses));
            assert_eq!(
                seq, truth,
                "{kind} resumed after step {save_at} differs\n{text}"
            );
        }
    }
}

#[test]
fn loss_driven_examples_really_move() {
    // Guards the test above against loss-driven examples that never react to the losses.
    let losses = losses(STEPS);
    for (kind, text) in EXAMPLES {
        let schedule = schedule(text);
        if schedule.config().is_loss_driven() {
            let lrs: BTreeSet<u64> = run(&mut Scheduler::new(schedule), 0..STEPS, &losses)
                .iter()
                .map(|(lr, _)| lr.to_bits())
                .collect();
            assert!(lrs.len() > 2, "{kind} never changed its LR:\n{text}");
        }
    }
}

#[test]
fn every_kind_has_an_example() {
    let covered: BTreeSet<&str> = EXAMPLES.iter().map(|(kind, _)| *kind).collect();
    let all: BTreeSet<&str> = KINDS.into_iter().collect();
    assert_eq!(covered, all);
    for (kind, text) in EXAMPLES {
        assert_eq!(schedule(text).config().kind(), kind);
    }
}

#[test]
fn record_of_a_fresh_scheduler_restarts_it() {
    let schedule = schedule(EXAMPLES[4].1);
    let mut moved = Scheduler::new(schedule.clone());
    for _ in 0..5 {
        moved.step();
    }
    moved.load_record(Scheduler::new(schedule.clone()).to_record());
    let mut fresh = Scheduler::new(schedule);
    assert_eq!(moved.step(), fresh.step());
    assert_eq!(moved.steps(), 1);
}
