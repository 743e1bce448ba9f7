//! Reading a sweep in one call: the classic suggestions on the smoothed curve and the
//! recommendation with its confidence (which reads the raw losses), as [`Sweep::analyze`]; and
//! several seeds' sweeps read together, as [`analyze_seeds`].

use serde::{Deserialize, Serialize};

use crate::consensus::{Confidence, Consensus, SeedAgreement, agree_across_seeds, consensus};
use crate::suggest::{Suggestions, suggest_all};
use crate::sweep::Sweep;

/// What a sweep says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// fastai's and pytorch-lr-finder's suggestions, read off the smoothed loss.
    pub suggestions: Suggestions,
    /// The recommendation, its confidence and the reason.
    pub consensus: Consensus,
}

impl Analysis {
    /// The recommended LR; `None` when the sweep shows no usable descent.
    pub fn recommended_lr(&self) -> Option<f64> {
        self.consensus.recommended_lr
    }

    pub fn confidence(&self) -> Confidence {
        self.consensus.confidence
    }
}

impl Sweep {
    /// The suggestions and the recommendation of this sweep.
    pub fn analyze(&self) -> Analysis {
        let lrs = self.lrs();
        let suggestions = suggest_all(&lrs, &self.smoothed());
        let consensus = consensus(&lrs, &self.losses(), &suggestions);
        Analysis {
            suggestions,
            consensus,
        }
    }
}

/// The recommendation across sweeps of several seeds (each its own initial weights and batch
/// order): the median of theirs, with a confidence no higher than their spread allows.
pub fn analyze_seeds<'a>(analyses: impl IntoIterator<Item = &'a Analysis>) -> SeedAgreement {
    let per_seed: Vec<Consensus> = analyses.into_iter().map(|a| a.consensus.clone()).collect();
    agree_across_seeds(&per_seed)
}
