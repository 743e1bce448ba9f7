//! The LR range test as pure functions (Smith 2015, "Cyclical Learning Rates for Training
//! Neural Networks", §3.3; the recipe popularised by fastai's `lr_find`): raise the LR every
//! step along the [`lr_range`](crate::kinds::lr_range) ramp, smooth the loss, stop once it
//! diverges, then read learning rates off the curve.
//!
//! Nothing here touches a tensor. [`sweep`] takes the training step as a closure `lr -> loss`;
//! the suggestion functions take `(lrs, losses)` only; [`consensus`] turns their answers into
//! one recommendation with a confidence. So all of it is tested on synthetic curves.
//!
//! - [`smooth`]: the debiased exponential moving average of the loss, and the zero-lag
//!   centred curve the recommendation is read from.
//! - [`sweep`]: the ramp, the stop rule and the points it records.
//! - [`suggest`]: `steepest`, `minimum`, `valley` and `steepest_first_half`.
//! - [`consensus`]: the recommended LR (the lowest point of the zero-lag curve) with a
//!   confidence from the descent's width and depth in noise, or "no usable descent"; the
//!   spread of the classic methods and of the seeds, in decades.
//! - [`probe`]: the finder's check of its own answer: a short run at the recommended LR,
//!   halved until the loss falls and stays finite.

pub mod consensus;
pub mod probe;
pub mod smooth;
pub mod suggest;
pub mod sweep;

pub use consensus::{Confidence, Consensus, Remedy, SeedAgreement, agree_across_seeds, consensus};
pub use probe::{Probe, ProbeReport};
pub use smooth::{SmoothedLoss, smooth};
pub use suggest::{Method, Suggestion, Suggestions, suggest_all};
pub use sweep::{FinderConfig, Point, StopReason, Sweep, should_stop, sweep};
