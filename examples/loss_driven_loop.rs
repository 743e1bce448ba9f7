//! A loss-driven schedule in a hand-written burn loop: PyTorch's ReduceLROnPlateau, built in
//! Rust, cuts the LR of a linear regressor when the epoch's loss stops improving. The loop
//! feeds it the loss with `Observe::observe`, which burn's `LrScheduler` has no place for;
//! handing the same schedule to burn-train's `Learner` is refused, with the reason.
//!
//! ```text
//! cargo run --release --example loss_driven_loop
//! ```

use burn::nn::{Linear, LinearConfig};
use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::{Device, Distribution, Tensor};
use schedules::kinds::plateau::PlateauConfig;
use schedules::{Observe, Schedule, Scheduler, StepDriven};

const ROWS: usize = 1024;
const BATCH: usize = 32;
const EPOCHS: usize = 25;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::flex().autodiff();
    device.seed(0);
    // y = x · (1, -2, 3, 0.5) + 0.3 · noise: the best mean squared error is 0.09.
    let x = Tensor::<2>::random([ROWS, 4], Distribution::Normal(0.0, 1.0), &device);
    let w = Tensor::<1>::from_floats([1.0, -2.0, 3.0, 0.5], &device).reshape([4, 1]);
    let noise = Tensor::<2>::random([ROWS, 1], Distribution::Normal(0.0, 0.3), &device);
    let y = x.clone().matmul(w) + noise;

    let plateau = PlateauConfig::new(0.3).with_patience(1).with_factor(0.3);
    // Where nothing feeds it the loss, the schedule is refused:
    if let Err(refused) = StepDriven::try_from(plateau.clone()) {
        println!("StepDriven (for burn-train's Learner) refuses it: {refused}\n");
    }
    let mut scheduler = Scheduler::new(Schedule::try_from(plateau)?);

    let mut model: Linear = LinearConfig::new(4, 1).init(&device);
    let mut optimizer = SgdConfig::new().init();
    println!("epoch  lr        mean loss");
    for epoch in 0..EPOCHS {
        let (mut sum, mut lr) = (0.0, 0.0);
        for start in (0..ROWS).step_by(BATCH) {
            let (xb, yb) = (
                x.clone().slice(start..start + BATCH),
                y.clone().slice(start..start + BATCH),
            );
            let loss = (model.forward(xb) - yb).powi_scalar(2).mean();
            sum += f64::from(loss.clone().into_scalar::<f32>());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            lr = scheduler.step(); // the LR of this optimizer step
            model = optimizer.step(lr, model, grads);
        }
        let mean = sum / (ROWS / BATCH) as f64;
        println!("{epoch:>5}  {lr:<8.2e}  {mean:.5}");
        scheduler.observe(mean); // a cut shows in the next step()
    }
    Ok(())
}
