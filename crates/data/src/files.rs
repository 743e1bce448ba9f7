//! Reading a data file whole, gzip-compressed or not, and checking it against SHA-256 sums.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};

use crate::error::{DataError, Result};

/// The bytes of a file as stored, and as meant (decompressed when the file is gzip).
pub struct FileBytes {
    pub stored: Vec<u8>,
    pub content: Vec<u8>,
}

/// Reads `path`; a gzip file (magic `1f 8b`, whatever its name) is decompressed.
///
/// # Errors
/// The file cannot be read, or its gzip stream is truncated or corrupt.
pub fn read(path: &Path) -> Result<FileBytes> {
    let stored = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    if !stored.starts_with(&[0x1f, 0x8b]) {
        return Ok(FileBytes {
            content: stored.clone(),
            stored,
        });
    }
    let mut content = Vec::new();
    GzDecoder::new(stored.as_slice())
        .read_to_end(&mut content)
        .map_err(|e| DataError::Format {
            path: path.to_path_buf(),
            offset: 0,
            expected: "a complete gzip stream".into(),
            found: format!("a damaged one ({e})"),
        })?;
    Ok(FileBytes { stored, content })
}

/// Writes `bytes` to `path` without ever leaving a partial file there: to a temporary file in
/// the same folder (created if needed), synced, then renamed into place.
///
/// # Errors
/// The folder cannot be created or written; the temporary file is removed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        use std::io::Write;
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Parses a `SHA256SUMS` file (`<hex>  <name>` per line) if `dir` has one.
///
/// # Errors
/// The file exists but cannot be read.
pub fn sums_in(dir: &Path) -> Result<HashMap<String, String>> {
    let path = dir.join("SHA256SUMS");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(DataError::io(path, e)),
    };
    Ok(text
        .lines()
        .filter_map(|line| {
            let (hash, name) = line.trim().split_once(char::is_whitespace)?;
            Some((
                name.trim().trim_start_matches('*').to_string(),
                hash.to_lowercase(),
            ))
        })
        .collect())
}

/// Checks `bytes` (as stored in `path`) against `expected` when there is one.
///
/// # Errors
/// [`DataError::Checksum`] on a mismatch.
pub fn verify(path: &Path, bytes: &[u8], expected: Option<(&str, &str)>) -> Result<()> {
    let Some((expected, source_of_truth)) = expected else {
        return Ok(());
    };
    let actual = sha256(bytes);
    if actual == expected {
        Ok(())
    } else {
        Err(DataError::Checksum {
            path: path.to_path_buf(),
            expected: expected.to_string(),
            actual,
            source_of_truth: source_of_truth.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_gzip_by_content_not_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain-name");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"hello").unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        assert_eq!(read(&path).unwrap().content, b"hello");
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[7u8; 10_000]).unwrap();
        let bytes = gz.finish().unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = read(&path).err().unwrap().to_string();
        assert!(
            err.contains("x.gz: at byte 0: expected a complete gzip stream"),
            "{err}"
        );
    }

    #[test]
    fn sha256_of_abc() {
        // FIPS 180-2, appendix B.1.
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sums_file_and_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("SHA256SUMS"), "ABCD  a.gz\nef01 *b\n").unwrap();
        let sums = sums_in(dir.path()).unwrap();
        assert_eq!(sums["a.gz"], "abcd");
        assert_eq!(sums["b"], "ef01");
        let err = verify(Path::new("a.gz"), b"abc", Some(("abcd", "SHA256SUMS"))).unwrap_err();
        assert!(matches!(err, DataError::Checksum { .. }));
        assert!(sums_in(&dir.path().join("missing")).unwrap().is_empty());
    }
}
