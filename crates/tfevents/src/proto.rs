//! The few protobuf messages of an event file, encoded by hand (the wire format is small and
//! stable; field numbers from TensorFlow's `event.proto`, `summary.proto`, `tensor.proto`).
//!
//! - `Event`: `wall_time` = 1 (double), `step` = 2 (int64), `file_version` = 3 (string),
//!   `summary` = 5 (`Summary`).
//! - `Summary`: `value` = 1 (repeated `Summary.Value`).
//! - `Summary.Value`: `tag` = 1 (string), `simple_value` = 2 (float), `tensor` = 8
//!   (`TensorProto`), `metadata` = 9 (`SummaryMetadata`).
//! - `SummaryMetadata`: `plugin_data` = 1 (`PluginData`: `plugin_name` = 1).
//! - `TensorProto`: `dtype` = 1 (`DT_STRING` = 7), `tensor_shape` = 2 (empty: a scalar),
//!   `string_val` = 8 (repeated bytes).

/// Wire types.
const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LENGTH: u8 = 2;
const FIXED32: u8 = 5;

/// `DT_STRING` of TensorFlow's `types.proto`.
pub const DT_STRING: u64 = 7;

/// A message being encoded: fields appended in order.
#[derive(Default)]
pub struct Message(Vec<u8>);

impl Message {
    pub fn new() -> Self {
        Self::default()
    }

    fn key(&mut self, field: u32, wire: u8) {
        varint(&mut self.0, (u64::from(field) << 3) | u64::from(wire));
    }

    pub fn double(mut self, field: u32, value: f64) -> Self {
        self.key(field, FIXED64);
        self.0.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn float(mut self, field: u32, value: f32) -> Self {
        self.key(field, FIXED32);
        self.0.extend_from_slice(&value.to_le_bytes());
        self
    }

    /// An int64 or enum field (negative values take ten bytes, as protobuf's int64 does).
    pub fn int(mut self, field: u32, value: i64) -> Self {
        self.key(field, VARINT);
        varint(&mut self.0, value as u64);
        self
    }

    pub fn bytes(mut self, field: u32, value: &[u8]) -> Self {
        self.key(field, LENGTH);
        varint(&mut self.0, value.len() as u64);
        self.0.extend_from_slice(value);
        self
    }

    pub fn message(self, field: u32, value: Message) -> Self {
        self.bytes(field, &value.0)
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// One field of a message being decoded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Field<'a> {
    Varint(u64),
    Fixed64([u8; 8]),
    Fixed32([u8; 4]),
    Bytes(&'a [u8]),
}

/// Bytes that are not a protobuf message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset} of a message: {what}")]
pub struct DecodeError {
    pub offset: usize,
    pub what: &'static str,
}

/// The fields of the message `bytes`, as (field number, value), in order; groups (wire types
/// 3 and 4, unused by these messages) are refused.
///
/// # Errors
/// The bytes end inside a field or use a wire type protobuf 3 does not write.
pub fn fields(bytes: &[u8]) -> Result<Vec<(u32, Field<'_>)>, DecodeError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let err = |what| DecodeError {
            offset: start,
            what,
        };
        let key = read_varint(bytes, &mut at).ok_or(err("a key cut short"))?;
        let field = u32::try_from(key >> 3).map_err(|_| err("a field number too large"))?;
        let value = match (key & 7) as u8 {
            VARINT => Field::Varint(read_varint(bytes, &mut at).ok_or(err("a varint cut short"))?),
            FIXED64 => Field::Fixed64(take(bytes, &mut at).ok_or(err("a double cut short"))?),
            FIXED32 => Field::Fixed32(take(bytes, &mut at).ok_or(err("a float cut short"))?),
            LENGTH => {
                let len = read_varint(bytes, &mut at).ok_or(err("a length cut short"))?;
                let end = usize::try_from(len)
                    .ok()
                    .and_then(|len| at.checked_add(len))
                    .filter(|&end| end <= bytes.len())
                    .ok_or(err("a length past the end"))?;
                let value = &bytes[at..end];
                at = end;
                Field::Bytes(value)
            }
            _ => return Err(err("an unknown wire type")),
        };
        out.push((field, value));
    }
    Ok(out)
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(value);
        }
    }
    None
}

fn take<const N: usize>(bytes: &[u8], at: &mut usize) -> Option<[u8; N]> {
    let value = bytes.get(*at..*at + N)?.try_into().ok()?;
    *at += N;
    Some(value)
}

/// An `Event` carrying the file version (the first record of every file).
pub fn file_version_event(wall_time: f64, version: &str) -> Vec<u8> {
    Message::new()
        .double(1, wall_time)
        .bytes(3, version.as_bytes())
        .into_bytes()
}

/// A `Summary.Value` with a scalar.
pub fn scalar_value(tag: &str, value: f32) -> Message {
    Message::new().bytes(1, tag.as_bytes()).float(2, value)
}

/// A `Summary.Value` the `text` plugin shows: a scalar string tensor holding Markdown.
pub fn text_value(tag: &str, markdown: &str) -> Message {
    let plugin = Message::new().bytes(1, b"text");
    let metadata = Message::new().message(1, plugin);
    let tensor = Message::new()
        .int(1, DT_STRING as i64)
        .message(2, Message::new())
        .bytes(8, markdown.as_bytes());
    Message::new()
        .bytes(1, tag.as_bytes())
        .message(8, tensor)
        .message(9, metadata)
}

/// An `Event` at `step` with a `Summary` of `values`.
pub fn summary_event(wall_time: f64, step: i64, values: Vec<Message>) -> Vec<u8> {
    let summary = values
        .into_iter()
        .fold(Message::new(), |summary, value| summary.message(1, value));
    Message::new()
        .double(1, wall_time)
        .int(2, step)
        .message(5, summary)
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_protobufs() {
        // The examples of protobuf's encoding guide: 1 is 01, 150 is 96 01, 300 is ac 02.
        for (value, bytes) in [
            (1u64, vec![0x01]),
            (150, vec![0x96, 0x01]),
            (300, vec![0xac, 0x02]),
        ] {
            let mut out = Vec::new();
            varint(&mut out, value);
            assert_eq!(out, bytes);
            assert_eq!(read_varint(&bytes, &mut 0), Some(value));
        }
        // The guide's first message: field 1 = 150 is 08 96 01.
        assert_eq!(
            Message::new().int(1, 150).into_bytes(),
            vec![0x08, 0x96, 0x01]
        );
        // A negative int64 takes ten bytes.
        assert_eq!(Message::new().int(2, -1).into_bytes().len(), 11);
        // Field 2 = "testing" is 12 07 74 65 73 74 69 6e 67.
        assert_eq!(
            Message::new().bytes(2, b"testing").into_bytes(),
            [&[0x12, 0x07][..], b"testing"].concat()
        );
    }

    #[test]
    fn fields_decode_what_was_encoded() {
        let bytes = Message::new()
            .double(1, 1.5)
            .int(2, 42)
            .float(3, -0.25)
            .message(5, Message::new().bytes(1, b"tag"))
            .into_bytes();
        let fields = fields(&bytes).unwrap();
        assert_eq!(fields[0], (1, Field::Fixed64(1.5f64.to_le_bytes())));
        assert_eq!(fields[1], (2, Field::Varint(42)));
        assert_eq!(fields[2], (3, Field::Fixed32((-0.25f32).to_le_bytes())));
        assert_eq!(fields[3], (5, Field::Bytes(&[0x0a, 3, b't', b'a', b'g'])));
        assert!(super::fields(&bytes[..bytes.len() - 1]).is_err());
        assert!(super::fields(&[0x0b]).is_err(), "wire type 3 (a group)");
    }
}
