//! The LR range test (Smith 2015, "Cyclical Learning Rates for Training Neural Networks",
//! §3.3; the recipe popularised by fastai's `lr_find`) on any burn module: raise the LR every
//! step along the [`lr_range`](schedules::kinds::lr_range) ramp, smooth the loss, stop once it
//! diverges, read a learning rate off the curve with a confidence, and check it with a short
//! run before trusting it.
//!
//! Two layers:
//! - **On a model** ([`module`]): [`RangeTest::sweep`] takes any burn [`Module`], burn's
//!   [`ModuleOptimizer`] (or an [`OptimizerStep`] of one's own), an iterator of batches and a
//!   closure from model and batch to the loss; [`Sweep::analyze`] reads it;
//!   [`RangeTest::probe`] checks the answer. Neither the model nor the optimizer is changed.
//! - **Pure rules**, tested on synthetic curves: [`sweep()`] takes the training step as a
//!   closure `lr -> loss`; the suggestion functions take `(lrs, losses)` only; [`consensus()`]
//!   turns them into one recommendation with a confidence.
//!
//! # Crate map
//! - [`module`]: the range test on a burn module; [`step`]: one optimizer step's gradients
//!   over one or more mini-batches, the step the harness's trainer takes too.
//! - [`analysis`]: a sweep's suggestions and recommendation in one call, and several seeds'.
//! - [`smooth`](mod@smooth): the debiased exponential moving average of the loss, and the zero-lag
//!   centred curve the recommendation is read from.
//! - [`sweep`](mod@sweep): the ramp, the stop rule and the points it records.
//! - [`suggest`]: `steepest`, `minimum`, `valley` and `steepest_first_half`.
//! - [`consensus`](mod@consensus): the recommended LR (the lowest point of the zero-lag curve) with a
//!   confidence from the descent's width and depth in noise, or "no usable descent"; the
//!   spread of the classic methods and of the seeds, in decades.
//! - [`probe`]: the finder's check of its own answer: a short run at the recommended LR,
//!   halved until the loss falls and stays finite.
//! - [`momentum`]: how heavy-ball momentum moves the LR a long run wants below the sweep's.
//! - [`horizon`]: the check at a longer horizon, for runs much longer than the sweep: the
//!   recommended LR trained for about an epoch, then halved while the held-out loss improves.
//!
//! The example of [`module`] finds the LR of a linear regressor in a dozen lines;
//! `examples/lr_find_cnn.rs` in the repository does it for a CNN fed by a burn `DataLoader`.
//!
//! [`Module`]: burn::module::Module
//! [`ModuleOptimizer`]: burn::optim::ModuleOptimizer

pub mod analysis;
pub mod consensus;
pub mod horizon;
pub mod module;
pub mod momentum;
pub mod probe;
pub mod smooth;
pub mod step;
pub mod suggest;
pub mod sweep;

pub use analysis::{Analysis, analyze_seeds};
pub use consensus::{Confidence, Consensus, Remedy, SeedAgreement, agree_across_seeds, consensus};
pub use horizon::{Attempt, ConstantCheck, HorizonPlan, HorizonReport};
pub use module::{RangeTest, RangeTestError};
pub use probe::{Probe, ProbeReport};
pub use smooth::{SmoothedLoss, smooth};
pub use step::{NonFiniteLoss, OptimizerStep, mean_gradients};
pub use suggest::{Method, Suggestion, Suggestions, suggest_all};
pub use sweep::{FinderConfig, Point, StopReason, Sweep, should_stop, sweep};
