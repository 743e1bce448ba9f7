//! [`EpochBatches`]: where a run's training batches come from. The loop asks for the batches
//! of each epoch, from a batch on (where a resumed run picks up), and counts the samples of
//! each for the samples/s it records. Two sources come with the harness: [`OnDevice`], a
//! dataset resident on the device in a seeded order per epoch (what `harness train` uses), and
//! [`Loader`] (feature `dataloader`), a burn `DataLoader` over a burn-dataset `Dataset`.

use models::batch::{Batch, DeviceData};

/// A batch that could not be made (a burn `DataLoader` item that failed to load, say).
pub type BatchError = Box<dyn std::error::Error + Send + Sync>;

/// The training batches of a run, epoch by epoch. For a resumed run to continue exactly as one
/// that never stopped, epoch `e` must give the same batches whenever it is asked for.
pub trait EpochBatches<B> {
    /// The optimizer steps of one epoch: how many batches [`epoch`](Self::epoch) gives from
    /// batch 0.
    fn steps_per_epoch(&self) -> u64;

    /// The samples of one epoch (for the samples/s of the epoch's line).
    fn samples_per_epoch(&self) -> u64;

    /// The batches of epoch `epoch` (from 1) from its batch `first` on, each with its number
    /// of samples.
    fn epoch(
        &self,
        epoch: u64,
        first: u64,
    ) -> Box<dyn Iterator<Item = Result<(B, usize), BatchError>> + '_>;
}

/// A dataset on the device, `batch_size` rows at a time, in the order of a permutation seeded
/// by `(seed, epoch)` ([`DeviceData::epoch`]): PyTorch's `DataLoader(shuffle=True)` without a
/// host-to-device copy per batch.
#[derive(Clone, Copy, Debug)]
pub struct OnDevice<'a> {
    pub data: &'a DeviceData,
    pub batch_size: usize,
    pub seed: u64,
}

impl<'a> OnDevice<'a> {
    pub fn new(data: &'a DeviceData, batch_size: usize, seed: u64) -> Self {
        Self {
            data,
            batch_size,
            seed,
        }
    }
}

impl EpochBatches<Batch> for OnDevice<'_> {
    fn steps_per_epoch(&self) -> u64 {
        self.data.num_batches(self.batch_size) as u64
    }

    fn samples_per_epoch(&self) -> u64 {
        self.data.len() as u64
    }

    fn epoch(
        &self,
        epoch: u64,
        first: u64,
    ) -> Box<dyn Iterator<Item = Result<(Batch, usize), BatchError>> + '_> {
        let first = usize::try_from(first).unwrap_or(usize::MAX);
        let batches = self
            .data
            .epoch_from(self.batch_size, self.seed, epoch - 1, first);
        Box::new(batches.map(|batch| {
            let rows = batch.x.dims()[0];
            Ok((batch, rows))
        }))
    }
}

#[cfg(feature = "dataloader")]
pub use loader::Loader;

#[cfg(feature = "dataloader")]
mod loader {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use burn::data::dataloader::DataLoader;

    use super::{BatchError, EpochBatches};

    /// A burn `DataLoader` as a run's batches: epoch `e` is the loader's `e`-th `iter()`.
    ///
    /// A shuffling loader (`DataLoaderBuilder::shuffle(seed)`) draws each pass's order from
    /// one generator, so a resumed run (a fresh loader built with the same seed) replays the
    /// passes before its epoch, drawing their orders without loading a batch, and then skips
    /// the batches of its epoch already done (loading them). A resumed run is then the run
    /// that never stopped when the loader has one worker (burn's default) and nothing else
    /// iterates it.
    pub struct Loader<B> {
        loader: Arc<dyn DataLoader<B>>,
        batch_size: usize,
        /// The passes started so far.
        passes: AtomicU64,
    }

    impl<B> Loader<B> {
        /// `loader`, built with `batch_size` (which burn's `DataLoader` does not tell).
        pub fn new(loader: Arc<dyn DataLoader<B>>, batch_size: usize) -> Self {
            Self {
                loader,
                batch_size: batch_size.max(1),
                passes: AtomicU64::new(0),
            }
        }
    }

    impl<B> EpochBatches<B> for Loader<B> {
        fn steps_per_epoch(&self) -> u64 {
            self.loader.num_items().div_ceil(self.batch_size) as u64
        }

        fn samples_per_epoch(&self) -> u64 {
            self.loader.num_items() as u64
        }

        fn epoch(
            &self,
            epoch: u64,
            first: u64,
        ) -> Box<dyn Iterator<Item = Result<(B, usize), BatchError>> + '_> {
            // Draw the orders of the passes before this one (an epoch asked for again, or an
            // earlier one, takes the next pass: the loader cannot go back).
            while self.passes.load(Ordering::Relaxed) + 1 < epoch {
                drop(self.loader.iter());
                self.passes.fetch_add(1, Ordering::Relaxed);
            }
            self.passes.fetch_add(1, Ordering::Relaxed);
            let mut pass = self.loader.iter();
            let mut done = 0;
            let batches = std::iter::from_fn(move || {
                let batch = pass.next()?;
                let items = pass.progress().items_processed;
                let samples = items - std::mem::replace(&mut done, items);
                Some(
                    batch
                        .map(|batch| (batch, samples))
                        .map_err(|e| BatchError::from(e.to_string())),
                )
            });
            Box::new(batches.skip(usize::try_from(first).unwrap_or(usize::MAX)))
        }
    }
}
