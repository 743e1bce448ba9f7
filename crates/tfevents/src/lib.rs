//! TensorBoard event files, written and read without TensorFlow.
//!
//! `tensorboard --logdir DIR` shows every `events.out.tfevents.*` file under `DIR`, one
//! subfolder per run. A file is a sequence of TFRecord records ([`record`]), each holding a
//! serialized `tensorflow.Event` protobuf ([`proto`]): the first names the file version, the
//! others carry a `Summary` of scalars (`simple_value`) or text (a string tensor for the `text`
//! plugin). [`EventWriter`] writes such a file; [`read`] reads one back, checking every CRC
//! (the tests also read our files with PyPI's `tensorboard` package, the reference reader).
//!
//! ```
//! # fn main() -> std::io::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let mut events = tfevents::EventWriter::create(dir.path())?;
//! events.text("hparams", 0, "lr = 0.1")?;
//! events.scalars(0, &[("train/loss", 2.3), ("lr", 0.1)])?;
//! events.flush()?;
//! let read = tfevents::read(events.path()).unwrap();
//! assert_eq!(read.scalars("train/loss"), vec![(0, 2.3_f32)]);
//! # Ok(()) }
//! ```

pub mod proto;
mod read;
pub mod record;
mod writer;

pub use read::{Event, EventFile, ReadError, Value, read};
pub use writer::{EventWriter, FILE_PREFIX, FILE_VERSION};
