//! Heavy-ball momentum and the sweep. With heavy-ball momentum (PyTorch's SGD momentum without
//! Nesterov, Adam's and AdamW's β₁, RMSprop's momentum) an LR that is too large for a long run
//! shows it late: the oscillation it starts builds up over about `1 / (1 − β)` steps, 10 at the
//! usual 0.9, while the sweep's ramp has already moved on by most of a decade. The lowest point
//! of the sweep's curve therefore lies above the LR such a run trains best with. Nesterov's
//! lookahead gradient damps the oscillation, and its sweep is right as it is.
//!
//! Measured on the finder benchmark (docs/lr-find.md): the best constant LR for one epoch of
//! MNIST was half the sweep's lowest point with momentum 0.9 and with Adam, a quarter with
//! AdamW on a tanh MLP; with Nesterov, plain SGD, RMSprop and Adagrad the lowest point itself.

/// The factor the sweep's LR is multiplied by with heavy-ball momentum ...
pub const HEAVY_BALL_FACTOR: f64 = 0.5;
/// ... of at least this coefficient.
pub const HEAVY_BALL_FROM: f64 = 0.5;

/// The factor for an optimizer whose steps follow an average of the gradients with coefficient
/// `beta` (0 for none): [`HEAVY_BALL_FACTOR`] for heavy-ball momentum of at least
/// [`HEAVY_BALL_FROM`], else 1 (none, or Nesterov's).
pub fn heavy_ball_factor(beta: f64, nesterov: bool) -> f64 {
    if !nesterov && beta >= HEAVY_BALL_FROM {
        HEAVY_BALL_FACTOR
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_heavy_ball_momentum_lowers_the_lr() {
        assert_eq!(heavy_ball_factor(0.9, false), 0.5);
        assert_eq!(heavy_ball_factor(0.5, false), 0.5);
        assert_eq!(heavy_ball_factor(0.9, true), 1.0);
        assert_eq!(heavy_ball_factor(0.0, false), 1.0);
        assert_eq!(heavy_ball_factor(0.3, false), 1.0);
    }
}
