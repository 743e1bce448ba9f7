//! The IDX format of MNIST (LeCun et al.): a 4-byte magic (`00 00`, a type code, the number of
//! dimensions), one big-endian `u32` per dimension, then the values. Only unsigned bytes
//! (type `0x08`), the type of every MNIST-format file, are read.

use std::path::Path;

use crate::error::{DataError, Result};

/// A parsed IDX array of bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idx {
    pub dims: Vec<usize>,
    pub values: Vec<u8>,
}

const UNSIGNED_BYTE: u8 = 0x08;

/// Parses IDX `bytes`, read from `path` (named in errors), expecting `ndims` dimensions.
///
/// # Errors
/// [`DataError::Format`] naming the byte offset: a wrong magic number or type, another number
/// of dimensions, or a length that differs from what the header announces.
pub fn parse(bytes: &[u8], path: &Path, ndims: usize) -> Result<Idx> {
    let err = |offset: usize, expected: String, found: String| DataError::Format {
        path: path.to_path_buf(),
        offset: offset as u64,
        expected,
        found,
    };
    if bytes.len() < 4 {
        return Err(err(
            0,
            "an IDX header (4 bytes of magic number)".into(),
            format!("{} bytes", bytes.len()),
        ));
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(err(
            0,
            "the IDX magic number 00 00".into(),
            format!("{:02x} {:02x} (not an IDX file)", bytes[0], bytes[1]),
        ));
    }
    if bytes[2] != UNSIGNED_BYTE {
        return Err(err(
            2,
            "type code 08 (unsigned bytes)".into(),
            format!("{:02x}", bytes[2]),
        ));
    }
    if usize::from(bytes[3]) != ndims {
        return Err(err(3, format!("{ndims} dimensions"), bytes[3].to_string()));
    }
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(err(
            4,
            format!("{ndims} dimension sizes"),
            format!("a file of {} bytes", bytes.len()),
        ));
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let expected = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    let Some(expected) = expected else {
        return Err(err(
            4,
            "dimension sizes whose product fits in memory".into(),
            format!("{dims:?}"),
        ));
    };
    let found = bytes.len() - header;
    if found != expected {
        let what = if found < expected {
            "truncated"
        } else {
            "trailing bytes"
        };
        return Err(err(
            header + found.min(expected),
            format!("{expected} values for dimensions {dims:?}"),
            format!("{found} ({what})"),
        ));
    }
    Ok(Idx {
        dims,
        values: bytes[header..].to_vec(),
    })
}

/// Writes an IDX array of bytes, for tests and tools.
pub fn encode(dims: &[usize], values: &[u8]) -> Vec<u8> {
    let mut out = vec![0, 0, UNSIGNED_BYTE, dims.len() as u8];
    for &d in dims {
        out.extend_from_slice(&(d as u32).to_be_bytes());
    }
    out.extend_from_slice(values);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(bytes: &[u8], ndims: usize) -> String {
        parse(bytes, Path::new("f.idx"), ndims)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn round_trip() {
        let bytes = encode(&[2, 3], &[1, 2, 3, 4, 5, 6]);
        let idx = parse(&bytes, Path::new("f"), 2).unwrap();
        assert_eq!(
            idx,
            Idx {
                dims: vec![2, 3],
                values: vec![1, 2, 3, 4, 5, 6]
            }
        );
    }

    #[test]
    fn broken_files_name_the_offset() {
        assert_eq!(
            parse_err(b"PK\x03\x04rest", 1),
            "f.idx: at byte 0: expected the IDX magic number 00 00, found 50 4b (not an IDX file)"
        );
        assert_eq!(
            parse_err(&[0, 0, 0x0d, 1, 0, 0, 0, 0], 1),
            "f.idx: at byte 2: expected type code 08 (unsigned bytes), found 0d"
        );
        assert_eq!(
            parse_err(&encode(&[2], &[1, 2]), 3),
            "f.idx: at byte 3: expected 3 dimensions, found 1"
        );
        let truncated = encode(&[4], &[1, 2]);
        assert_eq!(
            parse_err(&truncated, 1),
            "f.idx: at byte 10: expected 4 values for dimensions [4], found 2 (truncated)"
        );
        let long = encode(&[1], &[1, 2]);
        assert_eq!(
            parse_err(&long, 1),
            "f.idx: at byte 9: expected 1 values for dimensions [1], found 2 (trailing bytes)"
        );
        assert!(parse_err(&[0, 0], 1).contains("found 2 bytes"));
        assert!(parse_err(&[0, 0, 8, 3, 0, 0], 3).contains("expected 3 dimension sizes"));
    }
}
