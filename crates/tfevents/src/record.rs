//! TFRecord framing: each record is its payload's length (u64, little-endian), the masked
//! CRC-32C of those 8 bytes (u32 LE), the payload, and the payload's masked CRC-32C (u32 LE).

/// The CRC-32C (Castagnoli) of `bytes`, masked as TFRecord stores it: rotated right by 15 bits
/// plus `0xa282ead8`, so that a CRC of data holding CRCs is not trivially related to them.
pub fn masked_crc(bytes: &[u8]) -> u32 {
    let crc = crc32c::crc32c(bytes);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// `payload` framed as one record.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let length = (payload.len() as u64).to_le_bytes();
    let mut record = Vec::with_capacity(payload.len() + 16);
    record.extend_from_slice(&length);
    record.extend_from_slice(&masked_crc(&length).to_le_bytes());
    record.extend_from_slice(payload);
    record.extend_from_slice(&masked_crc(payload).to_le_bytes());
    record
}

/// Why bytes are not a sequence of whole records.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The bytes end inside a record (a writer killed mid-record leaves this).
    #[error("record at byte {offset}: the file ends inside it")]
    Truncated { offset: usize },
    /// A length or payload whose CRC does not match.
    #[error("record at byte {offset}: the {what} CRC does not match")]
    Crc { offset: usize, what: &'static str },
}

/// The payloads of the records in `bytes`, in order.
///
/// # Errors
/// A record is cut short or fails its CRC check.
pub fn payloads(bytes: &[u8]) -> Result<Vec<&[u8]>, FrameError> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        let truncated = FrameError::Truncated { offset };
        let header = rest.get(..12).ok_or(truncated.clone())?;
        let (length, crc) = header.split_at(8);
        if masked_crc(length) != u32::from_le_bytes(crc.try_into().expect("4 bytes")) {
            return Err(FrameError::Crc {
                offset,
                what: "length",
            });
        }
        let length = u64::from_le_bytes(length.try_into().expect("8 bytes"));
        let length = usize::try_from(length).map_err(|_| truncated.clone())?;
        let end = length.checked_add(16).ok_or(truncated.clone())?;
        let record = rest.get(..end).ok_or(truncated)?;
        let payload = &record[12..12 + length];
        let crc = u32::from_le_bytes(record[12 + length..].try_into().expect("4 bytes"));
        if masked_crc(payload) != crc {
            return Err(FrameError::Crc {
                offset,
                what: "payload",
            });
        }
        out.push(payload);
        offset += end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crc_is_castagnolis() {
        // The check value of CRC-32C (RFC 3720, B.4): the CRC of "123456789".
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        // 32 zero bytes: 0x8a9136aa (RFC 3720, B.4).
        assert_eq!(crc32c::crc32c(&[0u8; 32]), 0x8a91_36aa);
    }

    #[test]
    fn the_mask_is_tensorflows() {
        // From PyPI's tensorboard 2.21.0, `record_writer.masked_crc32c(b)`, the writer
        // TensorBoard's own summary API uses.
        assert_eq!(masked_crc(b"abc"), 0x21f1_576e);
        assert_eq!(masked_crc(b"123456789"), 0xc78a_b0e5);
        assert_eq!(masked_crc(&5u64.to_le_bytes()), 0x3e04_b2ea);
    }

    #[test]
    fn frames_read_back_and_damage_is_named() {
        let mut bytes = frame(b"first");
        bytes.extend(frame(b""));
        bytes.extend(frame(&[7; 300]));
        let read = payloads(&bytes).unwrap();
        assert_eq!(read, vec![&b"first"[..], &b""[..], &[7; 300][..]]);

        let cut = &bytes[..bytes.len() - 1];
        let second = frame(b"first").len() + frame(b"").len();
        assert_eq!(payloads(cut), Err(FrameError::Truncated { offset: second }));
        let mut flipped = bytes.clone();
        flipped[13] ^= 1;
        assert_eq!(
            payloads(&flipped),
            Err(FrameError::Crc {
                offset: 0,
                what: "payload"
            })
        );
        let mut long = bytes;
        long[0] ^= 1;
        assert_eq!(
            payloads(&long),
            Err(FrameError::Crc {
                offset: 0,
                what: "length"
            })
        );
    }
}
