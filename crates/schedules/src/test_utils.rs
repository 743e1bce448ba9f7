//! Helpers that define "correct" for the unit tests (after burn's `check_lr_sequence` and
//! `check_save_load`).

use crate::kinds::Chain;

/// The first `n` LRs of a chainable schedule, straight from its pure recurrence.
pub fn chain_lrs(schedule: &dyn Chain, n: usize) -> Vec<f64> {
    let mut lrs = Vec::with_capacity(n);
    let mut lr = schedule.first();
    for k in 0..n as u64 {
        if k > 0 {
            lr = schedule.next(k, lr);
        }
        lrs.push(lr);
    }
    lrs
}

/// Asserts `got` and `want` agree to `rel` relative error (absolute near zero).
pub fn assert_close(got: &[f64], want: &[f64], rel: f64) {
    assert_eq!(got.len(), want.len(), "lengths differ: {got:?} vs {want:?}");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let scale = w.abs().max(f64::MIN_POSITIVE);
        assert!(
            (g - w).abs() <= rel * scale.max(1e-300),
            "step {k}: got {g}, want {w}"
        );
    }
}
