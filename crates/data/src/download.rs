//! Downloading a dataset once into the cache: fetched over HTTPS with a progress bar, checked
//! against its published SHA-256, and written atomically (a temporary file, then a rename), so
//! an interrupted download never leaves a partial file where a complete one is expected.

use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::{DataError, Result};
use crate::files;

/// A file inside a published `.tgz` archive.
#[derive(Clone, Debug)]
pub struct ArchiveMember {
    pub url: String,
    pub archive_sha256: String,
    /// Path of the member inside the archive.
    pub member: String,
    pub member_sha256: String,
    /// File name to give it in the destination folder.
    pub file_name: String,
}

/// scikit-learn's public archive of California housing, and the StatLib file inside it.
pub fn california_housing() -> ArchiveMember {
    ArchiveMember {
        url: "https://ndownloader.figshare.com/files/5976036".into(),
        archive_sha256: "aaa5c9a6afe2225cc2aed2723682ae403280c4a3695a2ddda4ffb5d8215ea681".into(),
        member: "CaliforniaHousing/cal_housing.data".into(),
        member_sha256: crate::california::SHA256.into(),
        file_name: "cal_housing.data".into(),
    }
}

/// The most a download, its archive or a member of it, may hold: the published datasets fetched
/// here are a few MB (California housing's archive is 0.4 MB, its file 1.4 MB).
const DOWNLOAD_LIMIT: bounded::Limit = bounded::Limit::new(64 << 20, "a dataset download");

/// Downloads `source` into `dest_dir` unless a verified copy is already there; returns its path.
///
/// # Errors
/// A network failure or HTTP error status, a checksum mismatch, an archive without the member,
/// or a destination that cannot be written. Nothing is left at the destination on failure.
pub fn fetch(source: &ArchiveMember, dest_dir: &Path) -> Result<PathBuf> {
    let dest = dest_dir.join(&source.file_name);
    if let Ok(existing) = bounded::read(&dest, DOWNLOAD_LIMIT)
        && files::sha256(&existing) == source.member_sha256
    {
        return Ok(dest);
    }
    let archive = get(&source.url)?;
    let url_path = PathBuf::from(&source.url);
    files::verify(
        &url_path,
        &archive,
        Some((&source.archive_sha256, "the published archive")),
    )?;
    let content = extract(&archive, &source.member, &url_path)?;
    files::verify(
        &url_path.join(&source.member),
        &content,
        Some((&source.member_sha256, "the published file")),
    )?;
    files::write_atomically(&dest, &content).map_err(|e| DataError::io(&dest, e))?;
    Ok(dest)
}

/// The body of a GET request, with a progress bar on stderr (hidden when it is not a terminal).
fn get(url: &str) -> Result<Vec<u8>> {
    let network = |message: String| DataError::Io {
        path: PathBuf::from(url),
        cause: std::io::Error::other(message),
    };
    let mut response = ureq::get(url)
        .call()
        .map_err(|e| network(format!("download failed: {e}")))?;
    let length = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let bar = match length {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::no_length(),
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("the progress template is valid"),
    );
    bar.set_message(format!("downloading {url}"));
    let reader = bar.wrap_read(response.body_mut().as_reader());
    let body = DOWNLOAD_LIMIT
        .read_all(reader)
        .map_err(|e| network(format!("download interrupted: {e}")))?;
    bar.finish_and_clear();
    Ok(body)
}

fn extract(archive: &[u8], member: &str, origin: &Path) -> Result<Vec<u8>> {
    let damaged = |e: std::io::Error| DataError::Format {
        path: origin.to_path_buf(),
        offset: 0,
        expected: "a .tgz archive".into(),
        found: format!("a damaged one ({e})"),
    };
    let mut tar = tar::Archive::new(GzDecoder::new(archive));
    for entry in tar.entries().map_err(damaged)? {
        let entry = entry.map_err(damaged)?;
        if entry.path().map_err(damaged)?.to_string_lossy() == member {
            return DOWNLOAD_LIMIT.read_all(entry).map_err(damaged);
        }
    }
    Err(DataError::Format {
        path: origin.to_path_buf(),
        offset: 0,
        expected: format!("an archive holding {member}"),
        found: "an archive without it".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// A `.tgz` holding one member.
    fn tgz(member: &str, content: &[u8]) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, member, content).unwrap();
        builder.into_inner().unwrap().finish().unwrap()
    }

    /// Serves `body` with `status` to `requests` GET requests on a loopback port.
    fn serve(status: &str, body: Vec<u8>, requests: usize) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/archive.tgz", listener.local_addr().unwrap());
        let status = status.to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(requests) {
                let mut stream = stream.unwrap();
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        url
    }

    fn source(url: String, archive: &[u8], content: &[u8]) -> ArchiveMember {
        ArchiveMember {
            url,
            archive_sha256: files::sha256(archive),
            member: "Data/file.data".into(),
            member_sha256: files::sha256(content),
            file_name: "file.data".into(),
        }
    }

    #[test]
    fn downloads_verifies_and_writes_atomically() {
        let content = b"1,2,3\n".to_vec();
        let archive = tgz("Data/file.data", &content);
        let src = source(serve("200 OK", archive.clone(), 1), &archive, &content);
        let dir = tempfile::tempdir().unwrap();
        let path = fetch(&src, &dir.path().join("cache")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), content);
        // A verified copy is not downloaded again (the server answers only once).
        assert_eq!(fetch(&src, &dir.path().join("cache")).unwrap(), path);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("cache"))
            .unwrap()
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left");
    }

    #[test]
    fn a_tampered_archive_leaves_nothing() {
        let content = b"1,2,3\n".to_vec();
        let archive = tgz("Data/file.data", &content);
        let mut src = source(serve("200 OK", archive.clone(), 1), &archive, &content);
        src.archive_sha256 = "0".repeat(64);
        let dir = tempfile::tempdir().unwrap();
        let err = fetch(&src, dir.path()).unwrap_err();
        assert!(matches!(err, DataError::Checksum { .. }), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn http_errors_and_missing_members_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let src = source(serve("404 Not Found", b"nope".to_vec(), 1), b"", b"");
        let err = fetch(&src, dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("download failed") && err.contains("404"),
            "{err}"
        );
        let archive = tgz("Other/name.data", b"x");
        let src = source(serve("200 OK", archive.clone(), 1), &archive, b"x");
        let err = fetch(&src, dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("expected an archive holding Data/file.data"),
            "{err}"
        );
    }
}
