//! Reading an event file back: the events of every record, CRCs checked.

use std::path::{Path, PathBuf};

use crate::proto::{DecodeError, Field, fields};
use crate::record::{FrameError, payloads};

/// One `Summary.Value`: a scalar, a text, or a kind this reader does not decode.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar { tag: String, value: f32 },
    Text { tag: String, text: String },
    Other { tag: String },
}

impl Value {
    pub fn tag(&self) -> &str {
        match self {
            Value::Scalar { tag, .. } | Value::Text { tag, .. } | Value::Other { tag } => tag,
        }
    }
}

/// One `Event`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Event {
    pub wall_time: f64,
    pub step: i64,
    pub file_version: Option<String>,
    pub values: Vec<Value>,
}

/// The events of one file, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventFile {
    pub events: Vec<Event>,
}

impl EventFile {
    /// The points `(step, value)` of the scalar `tag`, in file order.
    pub fn scalars(&self, tag: &str) -> Vec<(i64, f32)> {
        let values = self.events.iter().flat_map(|e| {
            e.values.iter().filter_map(move |v| match v {
                Value::Scalar { tag: t, value } if t == tag => Some((e.step, *value)),
                _ => None,
            })
        });
        values.collect()
    }

    /// The texts `(step, text)` of `tag`.
    pub fn texts(&self, tag: &str) -> Vec<(i64, String)> {
        let values = self.events.iter().flat_map(|e| {
            e.values.iter().filter_map(move |v| match v {
                Value::Text { tag: t, text } if t == tag => Some((e.step, text.clone())),
                _ => None,
            })
        });
        values.collect()
    }
}

/// A file that is not an event file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Frame { path: PathBuf, source: FrameError },
    #[error("{}: record {record}: {source}", path.display())]
    Decode {
        path: PathBuf,
        record: usize,
        source: DecodeError,
    },
}

/// The most an event file may hold for this reader.
const LIMIT: bounded::Limit = bounded::Limit::new(4 << 30, "an event file");

/// Reads the event file `path`.
///
/// # Errors
/// The file cannot be read, a record is cut short or fails its CRC, or a payload is not an
/// `Event`.
pub fn read(path: &Path) -> Result<EventFile, ReadError> {
    let bytes = bounded::read(path, LIMIT).map_err(|source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let records = payloads(&bytes).map_err(|source| ReadError::Frame {
        path: path.to_path_buf(),
        source,
    })?;
    let events = records.iter().enumerate().map(|(record, payload)| {
        event(payload).map_err(|source| ReadError::Decode {
            path: path.to_path_buf(),
            record,
            source,
        })
    });
    Ok(EventFile {
        events: events.collect::<Result<_, _>>()?,
    })
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn event(payload: &[u8]) -> Result<Event, DecodeError> {
    let mut event = Event::default();
    for (number, field) in fields(payload)? {
        match (number, field) {
            (1, Field::Fixed64(b)) => event.wall_time = f64::from_le_bytes(b),
            (2, Field::Varint(v)) => event.step = v as i64,
            (3, Field::Bytes(b)) => event.file_version = Some(text(b)),
            (5, Field::Bytes(summary)) => {
                for (number, field) in fields(summary)? {
                    if let (1, Field::Bytes(value)) = (number, field) {
                        event.values.push(summary_value(value)?);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(event)
}

fn summary_value(bytes: &[u8]) -> Result<Value, DecodeError> {
    let (mut tag, mut scalar, mut string) = (String::new(), None, None);
    for (number, field) in fields(bytes)? {
        match (number, field) {
            (1, Field::Bytes(b)) => tag = text(b),
            (2, Field::Fixed32(b)) => scalar = Some(f32::from_le_bytes(b)),
            (8, Field::Bytes(tensor)) => {
                for (number, field) in fields(tensor)? {
                    if let (8, Field::Bytes(b)) = (number, field) {
                        string = Some(text(b));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(match (scalar, string) {
        (Some(value), _) => Value::Scalar { tag, value },
        (None, Some(text)) => Value::Text { tag, text },
        (None, None) => Value::Other { tag },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventWriter, FILE_PREFIX, FILE_VERSION};

    #[test]
    fn what_is_written_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = EventWriter::create(&dir.path().join("run")).unwrap();
        writer.text("hparams", 0, "# run\nlr = 0.1").unwrap();
        writer
            .scalars(0, &[("train/loss", 2.5), ("lr", 0.1)])
            .unwrap();
        writer.scalar("train/loss", 1, 2.25).unwrap();
        writer.scalar("big", u64::MAX, 1e40).unwrap();
        writer.scalars(2, &[]).unwrap();
        writer.flush().unwrap();
        let name = writer.path().file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with(FILE_PREFIX), "{name}");

        let file = read(writer.path()).unwrap();
        assert_eq!(file.events.len(), 5, "version, text, 3 scalar events");
        assert_eq!(file.events[0].file_version.as_deref(), Some(FILE_VERSION));
        assert!(file.events[0].wall_time > 1.6e9, "seconds since 1970");
        assert_eq!(file.scalars("train/loss"), vec![(0, 2.5), (1, 2.25)]);
        assert_eq!(file.scalars("lr"), vec![(0, 0.1f64 as f32)]);
        // float32 as TensorBoard stores it: too large is infinite; the step saturates.
        assert_eq!(file.scalars("big"), vec![(i64::MAX, f32::INFINITY)]);
        assert_eq!(file.texts("hparams"), vec![(0, "# run\nlr = 0.1".into())]);
    }

    #[test]
    fn two_writers_in_one_folder_write_two_files() {
        let dir = tempfile::tempdir().unwrap();
        let a = EventWriter::create(dir.path()).unwrap();
        let b = EventWriter::create(dir.path()).unwrap();
        assert_ne!(a.path(), b.path());
    }

    #[test]
    fn a_damaged_file_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = EventWriter::create(dir.path()).unwrap();
        writer.scalar("x", 0, 1.0).unwrap();
        writer.flush().unwrap();
        let path = writer.path().to_path_buf();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.pop();
        std::fs::write(&path, &bytes).unwrap();
        let err = read(&path).unwrap_err();
        assert!(matches!(err, ReadError::Frame { .. }), "{err}");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        // A well-framed payload that is not a message.
        std::fs::write(&path, crate::record::frame(&[0xff])).unwrap();
        assert!(matches!(read(&path), Err(ReadError::Decode { .. })));
    }
}
