//! Reading a data file whole, gzip-compressed or not, and checking it against SHA-256 sums.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use bounded::Limit;
use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};

use crate::error::{DataError, Result};

/// Which content a dataset's files must have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Checks {
    /// The published content where it is known (MNIST, California housing), and what a
    /// `SHA256SUMS` beside the files says.
    #[default]
    Published,
    /// Only what a `SHA256SUMS` beside the files says, if there is one: for files in a
    /// dataset's format that are not the published ones (a subset, a file a test writes).
    SumsOnly,
}

/// The bytes of a file as stored, and as meant (decompressed when the file is gzip).
pub struct FileBytes {
    pub stored: Vec<u8>,
    pub content: Vec<u8>,
}

/// Reads the regular file `path`, holding at most `limit` bytes of content; a gzip file
/// (magic `1f 8b`, whatever its name) is decompressed, and its content too must fit the limit.
///
/// # Errors
/// The file cannot be read, is not a regular file, is larger than the limit (stored or
/// decompressed), or its gzip stream is truncated or corrupt.
pub fn read(path: &Path, limit: Limit) -> Result<FileBytes> {
    let stored = bounded::read(path, limit).map_err(|e| DataError::io(path, e))?;
    if !stored.starts_with(&[0x1f, 0x8b]) {
        return Ok(FileBytes {
            content: stored.clone(),
            stored,
        });
    }
    let mut content = Vec::new();
    GzDecoder::new(stored.as_slice())
        .take(limit.bytes.saturating_add(1))
        .read_to_end(&mut content)
        .map_err(|e| DataError::Format {
            path: path.to_path_buf(),
            offset: 0,
            expected: "a complete gzip stream".into(),
            found: format!("a damaged one ({e})"),
        })?;
    if content.len() as u64 > limit.bytes {
        return Err(DataError::io(path, limit.exceeded()));
    }
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

/// A `SHA256SUMS` file: a line of 64 hex digits and a file name per file of its folder.
const SUMS_LIMIT: Limit = Limit::new(1 << 20, "a SHA256SUMS file");

/// Parses a `SHA256SUMS` file (`<hex>  <name>` per line) if `dir` has one.
///
/// # Errors
/// The file exists but cannot be read.
pub fn sums_in(dir: &Path) -> Result<HashMap<String, String>> {
    let path = dir.join("SHA256SUMS");
    let text = match bounded::read_to_string(&path, SUMS_LIMIT) {
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

/// Checks `bytes`, stored in `path`, against the `SHA256SUMS` of its folder, if it lists it.
///
/// # Errors
/// The sums file cannot be read, or names another hash.
pub fn verify_listed(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let sums = sums_in(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let expected = sums
        .get(&name)
        .map(|h| (h.as_str(), "SHA256SUMS beside it"));
    verify(path, bytes, expected)
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

    const TEST_LIMIT: Limit = Limit::new(1 << 20, "a test file");

    #[test]
    fn reads_gzip_by_content_not_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain-name");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"hello").unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        assert_eq!(read(&path, TEST_LIMIT).unwrap().content, b"hello");
    }

    #[test]
    fn truncated_gzip_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[7u8; 10_000]).unwrap();
        let bytes = gz.finish().unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = read(&path, TEST_LIMIT).err().unwrap().to_string();
        assert!(
            err.contains("x.gz: at byte 0: expected a complete gzip stream"),
            "{err}"
        );
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_bound() {
        // 8 MiB of zeros compress to a few kB: the stored file is small, its content is not.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 8 << 20]).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let err = read(&path, TEST_LIMIT).err().unwrap().to_string();
        assert!(
            err.contains("bomb.gz: is larger than 1 MiB, the most a test file may hold"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_sums_file_linked_to_an_endless_device_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("SHA256SUMS")).unwrap();
        let err = sums_in(dir.path()).unwrap_err().to_string();
        assert!(
            err.ends_with("SHA256SUMS: is not a regular file but a character device"),
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
