//! The LR range test on a model of one's own: a small CNN defined here, MNIST through a
//! burn-dataset `Dataset` and a burn `DataLoader`, Adam from burn-optim. The range test itself
//! is the few lines under "The range test"; everything else is what any burn program has.
//!
//! ```text
//! cargo run --release --example lr_find_cnn
//! ```
//!
//! Run from the repository root: MNIST is read from `datasets/mnist` (vendored).

mod mnist_cnn;

use std::sync::Arc;

use burn::data::dataloader::{DataLoader, DataLoaderBuilder};
use burn::optim::AdamConfig;
use burn::tensor::Device;
use data::locate::{Dataset as Folder, dataset_dir};
use data::mnist::{Variant, load};
use lr_find::{FinderConfig, RangeTest};
use mnist_cnn::{Cnn, MnistBatch, MnistBatcher, MnistDataset};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::flex().autodiff();
    device.seed(0);
    let mnist = load(&dataset_dir(Folder::Mnist, None)?, Variant::Mnist)?;
    let loader: Arc<dyn DataLoader<MnistBatch>> = DataLoaderBuilder::new(MnistBatcher)
        .batch_size(64)
        .shuffle(0)
        .set_device(device.clone())
        .build(MnistDataset::new(mnist.train));
    let model = Cnn::new(&device);

    let optimizer = AdamConfig::new().init();
    let batches = || {
        let epochs = std::iter::repeat_with(|| loader.iter()).flatten();
        epochs.map(|batch| batch.expect("every MNIST item is present"))
    };

    // The range test: sweep, read, and check the answer with a short run from the same start.
    let mut test = RangeTest::new(FinderConfig::default());
    let sweep = test.sweep(&model, &optimizer, batches(), Cnn::loss)?;
    let analysis = sweep.analyze();
    let check = match analysis.recommended_lr() {
        Some(lr) => Some(test.probe(&model, &optimizer, lr, batches, Cnn::loss)?),
        None => None,
    };

    println!("{} sweep points, {}", sweep.points.len(), sweep.stop);
    println!(
        "the sweep recommends {:?} ({} confidence): {}",
        analysis.recommended_lr(),
        analysis.confidence().name(),
        analysis.consensus.reason
    );
    if let Some(check) = check {
        for probe in &check.probes {
            let verdict = probe.failure.as_deref().unwrap_or("falls: confirmed");
            println!(
                "probe at {:.3e}: loss {:.4} → {:.4}, {verdict}",
                probe.lr, probe.first_loss, probe.last_loss
            );
        }
        let confidence = check.confidence_after(analysis.confidence());
        println!(
            "recommended lr {:?} ({} confidence)",
            check.confirmed_lr,
            confidence.name()
        );
    }
    Ok(())
}
