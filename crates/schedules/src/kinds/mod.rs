//! One file per schedule family: its TOML config (serde, PyTorch's defaults), its validation
//! rules, and its maths as pure functions.
//!
//! Two shapes of maths exist. `Chain` kinds follow PyTorch's *chainable* form, where the LR
//! of step `k` is computed from the LR of step `k - 1` (StepLR, CosineAnnealingLR, ...): we
//! replay the same recurrence, operation for operation, so the values agree with PyTorch to the
//! last bit rather than to the ulp-level drift a closed form would show. `Closed` kinds are a
//! function of the step alone, as in PyTorch (CyclicLR, OneCycleLR, SGDR, the LR range ramp).

pub mod constant;
pub mod cosine;
pub mod cosine_restarts;
pub mod cyclic;
pub mod exponential;
pub mod linear;
pub mod loss_spike;
pub mod lr_range;
pub mod multistep;
pub mod one_cycle;
pub mod plateau;
pub mod polynomial;
pub mod sequential;
pub mod step;
pub mod warmup;

/// A schedule in PyTorch's chainable form: `lr(k)` from `lr(k - 1)`.
pub(crate) trait Chain {
    /// LR for optimizer step 0: PyTorch's LR right after the scheduler is constructed.
    fn first(&self) -> f64;
    /// LR for step `k >= 1`, given `prev`, the LR of step `k - 1`.
    fn next(&self, k: u64, prev: f64) -> f64;
    /// LR when a `sequential` milestone hands over to this schedule. PyTorch's SequentialLR
    /// calls `_update_lr(0)`, which uses the closed form at step 0 where the class has one;
    /// for most classes that is exactly [`Chain::first`].
    fn restart(&self) -> f64 {
        self.first()
    }
}

/// A schedule that is a function of the step alone.
pub(crate) trait Closed {
    /// LR for optimizer step `k`.
    fn lr_at(&self, k: u64) -> f64;
    /// Momentum for optimizer step `k`, for schedules that cycle it.
    fn momentum_at(&self, _k: u64) -> Option<f64> {
        None
    }
}

/// Default for `gamma` in StepLR and MultiStepLR.
pub(crate) fn default_gamma() -> f64 {
    0.1
}

pub(crate) fn one() -> f64 {
    1.0
}
