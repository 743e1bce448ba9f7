//! Reading a file whole, with a bound. Every file the harness reads goes through here: only a
//! regular file is read (a symbolic link is followed, but a device, a FIFO or a folder is
//! refused), and never more than the bound its format allows, so a link to `/dev/zero` or an
//! absurdly large file is a clear error instead of memory running out.
//!
//! The errors are plain [`std::io::Error`]s of kind [`std::io::ErrorKind::InvalidData`] that
//! say what is wrong ("is not a regular file", "is larger than ..."); callers add the path, as
//! they do for any other read error.

use std::io::{self, Read};
use std::path::Path;

/// The most a kind of file may hold, and what that kind is (named in the error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// Bytes.
    pub bytes: u64,
    /// What the file is, e.g. "a run config": "... the most a run config may hold".
    pub what: &'static str,
}

impl Limit {
    pub const fn new(bytes: u64, what: &'static str) -> Self {
        Self { bytes, what }
    }

    /// The error for content past the bound.
    pub fn exceeded(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "is larger than {}, the most {} may hold",
                human(self.bytes),
                self.what
            ),
        )
    }

    /// Reads `reader` to its end, or fails once it has given more than the bound.
    ///
    /// # Errors
    /// The reader fails, or holds more than `self.bytes` bytes.
    pub fn read_all(&self, reader: impl Read) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        reader
            .take(self.bytes.saturating_add(1))
            .read_to_end(&mut out)?;
        if out.len() as u64 > self.bytes {
            return Err(self.exceeded());
        }
        Ok(out)
    }
}

/// `n` bytes for a person: `512 B`, `64 KiB`, `1.5 GiB`.
fn human(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    let text = format!("{value:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text} {}", UNITS[unit])
}

/// Checks that `path` is a regular file of at most `limit` bytes, for a reader that takes a
/// path (burn's recorders); returns its size.
///
/// # Errors
/// As [`read`], without reading.
pub fn check(path: &Path, limit: Limit) -> io::Result<u64> {
    // Looked at before opening: opening a FIFO would wait for a writer.
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("is not a regular file but {}", kind_of(&meta)),
        ));
    }
    if meta.len() > limit.bytes {
        return Err(limit.exceeded());
    }
    Ok(meta.len())
}

/// Reads the regular file `path` whole, if it holds at most `limit` bytes.
///
/// # Errors
/// The file cannot be opened or read, is not a regular file, or is larger than the limit (as
/// stored, or once read: a file that grows while it is read is stopped at the bound).
pub fn read(path: &Path, limit: Limit) -> io::Result<Vec<u8>> {
    check(path, limit)?;
    limit.read_all(std::fs::File::open(path)?)
}

/// Reads the regular file `path` whole as UTF-8 text, if it holds at most `limit` bytes.
///
/// # Errors
/// As [`read`], and bytes that are not UTF-8.
pub fn read_to_string(path: &Path, limit: Limit) -> io::Result<String> {
    String::from_utf8(read(path, limit)?).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "is not UTF-8 text (at byte {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "not a plain file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limit = Limit::new(8, "a test file");

    #[test]
    fn reads_a_file_up_to_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345678").unwrap();
        assert_eq!(read(&path, SMALL).unwrap(), b"12345678");
        std::fs::write(&path, b"123456789").unwrap();
        let err = read(&path, SMALL).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            err.to_string(),
            "is larger than 8 B, the most a test file may hold"
        );
    }

    #[test]
    fn a_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = read(dir.path(), SMALL).unwrap_err().to_string();
        assert_eq!(err, "is not a regular file but a folder");
        let err = check(dir.path(), SMALL).unwrap_err().to_string();
        assert_eq!(err, "is not a regular file but a folder");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_an_endless_device_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("data.gz");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = read(&link, Limit::new(u64::MAX, "anything")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "is not a regular file but a character device"
        );
        // A link to a regular file is followed.
        let target = dir.path().join("t");
        std::fs::write(&target, b"ok").unwrap();
        let link = dir.path().join("l");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(read_to_string(&link, SMALL).unwrap(), "ok");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("sums");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here: nothing to test
        }
        assert_eq!(
            read(&fifo, SMALL).unwrap_err().to_string(),
            "is not a regular file but a FIFO"
        );
    }

    #[test]
    fn an_endless_stream_stops_at_the_bound() {
        let err = SMALL.read_all(io::repeat(0)).unwrap_err();
        assert!(err.to_string().starts_with("is larger than 8 B"), "{err}");
        assert_eq!(SMALL.read_all(&b"abc"[..]).unwrap(), b"abc");
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"ab\xff").unwrap();
        assert_eq!(
            read_to_string(&path, SMALL).unwrap_err().to_string(),
            "is not UTF-8 text (at byte 2)"
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(64 << 10), "64 KiB");
        assert_eq!(human(3 << 29), "1.5 GiB");
        assert_eq!(human(1 << 20), "1 MiB");
    }
}
