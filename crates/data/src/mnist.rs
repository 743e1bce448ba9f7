//! MNIST and Fashion-MNIST from their four IDX files, gzip-compressed or not, under either
//! naming convention (`train-images-idx3-ubyte[.gz]` or `train-images.idx3-ubyte[.gz]`).
//!
//! The `mnist` crate is not used: it reads only uncompressed files under fixed names and panics
//! on a missing or malformed file, where the harness must name the file and what is wrong.

use std::path::{Path, PathBuf};

use bounded::Limit;

use crate::error::{DataError, Result};
use crate::files::{self, Checks};
use crate::idx;

/// Bounds of the IDX files, decompressed. MNIST's training images are 47 MB; EMNIST ByClass,
/// the largest dataset published in this format, 547 MB (697 932 images), its labels 0.7 MB.
const IMAGES_LIMIT: Limit = Limit::new(1 << 30, "an IDX image file");
const LABELS_LIMIT: Limit = Limit::new(16 << 20, "an IDX label file");

/// Every name an MNIST-format folder's files go by: the four files, each under both namings,
/// raw or gzip.
pub fn file_names() -> Vec<String> {
    ["train-images", "train-labels", "t10k-images", "t10k-labels"]
        .iter()
        .flat_map(|stem| {
            let kind = if stem.ends_with("images") {
                "idx3-ubyte"
            } else {
                "idx1-ubyte"
            };
            candidates(stem, kind)
        })
        .collect()
}

/// Which dataset of the MNIST format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The MNIST handwritten digits (LeCun, Cortes & Burges), CC BY-SA 3.0.
    Mnist,
    /// Zalando's Fashion-MNIST, same format and names, MIT license.
    Fashion,
}

impl Variant {
    pub fn name(self) -> &'static str {
        match self {
            Variant::Mnist => "mnist",
            Variant::Fashion => "fashion-mnist",
        }
    }
}

/// One part (train or test): `len` images of `rows × cols` bytes, and their labels 0..=9.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
    pub rows: usize,
    pub cols: usize,
}

impl Part {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels per image.
    pub fn pixels(&self) -> usize {
        self.rows * self.cols
    }

    /// How many images of each digit.
    pub fn label_counts(&self) -> [usize; 10] {
        let mut counts = [0; 10];
        for &label in &self.labels {
            counts[usize::from(label)] += 1;
        }
        counts
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mnist {
    pub train: Part,
    pub test: Part,
}

/// SHA-256 of the four uncompressed MNIST files, as published.
const MNIST_SHA256: [(&str, &str); 4] = [
    (
        "train-images-idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    (
        "train-labels-idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    (
        "t10k-images-idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    (
        "t10k-labels-idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
];

/// The file names of one IDX file, canonical first.
fn candidates(stem: &str, kind: &str) -> [String; 4] {
    // "train-images" + "idx3-ubyte": train-images-idx3-ubyte or train-images.idx3-ubyte.
    let canonical = format!("{stem}-{kind}");
    let dotted = format!("{stem}.{kind}");
    [
        format!("{canonical}.gz"),
        canonical,
        format!("{dotted}.gz"),
        dotted,
    ]
}

fn find(dir: &Path, stem: &str, kind: &str, variant: Variant) -> Result<PathBuf> {
    let names = candidates(stem, kind);
    crate::locate::first_present(dir, &names).ok_or_else(|| DataError::NotFound {
        dataset: variant.name().into(),
        file: names[1].clone(),
        searched: format!("{} (also tried {})", dir.display(), names.join(", ")),
    })
}

/// Reads one IDX file, checking it against the folder's `SHA256SUMS` and, for MNIST, against
/// the published hash of its content.
fn read_checked(
    dir: &Path,
    stem: &str,
    kind: &str,
    ndims: usize,
    variant: Variant,
    checks: Checks,
) -> Result<(PathBuf, idx::Idx)> {
    let path = find(dir, stem, kind, variant)?;
    let limit = if ndims == 1 {
        LABELS_LIMIT
    } else {
        IMAGES_LIMIT
    };
    let bytes = files::read(&path, limit)?;
    files::verify_listed(&path, &bytes.stored)?;
    if variant == Variant::Mnist && checks == Checks::Published {
        let canonical = format!("{stem}-{kind}");
        let known = MNIST_SHA256
            .iter()
            .find(|(n, _)| *n == canonical)
            .map(|(_, h)| *h);
        files::verify(
            &path,
            &bytes.content,
            known.map(|h| (h, "the published MNIST file")),
        )?;
    }
    let parsed = idx::parse(&bytes.content, &path, ndims)?;
    Ok((path, parsed))
}

/// One part and the path of its images.
fn part(dir: &Path, prefix: &str, variant: Variant, checks: Checks) -> Result<(Part, PathBuf)> {
    let (image_path, images) = read_checked(
        dir,
        &format!("{prefix}-images"),
        "idx3-ubyte",
        3,
        variant,
        checks,
    )?;
    let (label_path, labels) = read_checked(
        dir,
        &format!("{prefix}-labels"),
        "idx1-ubyte",
        1,
        variant,
        checks,
    )?;
    let [count, rows, cols] = images.dims[..] else {
        unreachable!("idx::parse checked the 3 dimensions")
    };
    if count == 0 {
        return Err(DataError::Format {
            path: image_path,
            offset: 4,
            expected: "at least one image".into(),
            found: "0".into(),
        });
    }
    if rows == 0 || cols == 0 {
        return Err(DataError::Format {
            path: image_path,
            offset: 8,
            expected: "images of at least 1 × 1 pixels".into(),
            found: format!("{rows} × {cols}"),
        });
    }
    if count != labels.dims[0] {
        return Err(DataError::Mismatch {
            path: label_path,
            message: format!(
                "{} labels for {count} images in {}",
                labels.dims[0],
                image_path.display()
            ),
        });
    }
    if let Some(at) = labels.values.iter().position(|&l| l > 9) {
        return Err(DataError::Format {
            path: label_path,
            offset: 8 + at as u64,
            expected: "a label from 0 to 9".into(),
            found: labels.values[at].to_string(),
        });
    }
    let part = Part {
        images: images.values,
        labels: labels.values,
        rows,
        cols,
    };
    Ok((part, image_path))
}

/// Loads the train (`train-*`) and test (`t10k-*`) parts from `dir`.
///
/// # Errors
/// A missing, truncated, damaged or foreign file, an empty part, or files that disagree: image
/// and label counts, or train and test images of different sizes.
pub fn load(dir: &Path, variant: Variant) -> Result<Mnist> {
    load_checked(dir, variant, Checks::Published)
}

/// As [`load`], with the content checks of `checks`.
///
/// # Errors
/// As [`load`].
pub fn load_checked(dir: &Path, variant: Variant, checks: Checks) -> Result<Mnist> {
    let (train, train_path) = part(dir, "train", variant, checks)?;
    let (test, test_path) = part(dir, "t10k", variant, checks)?;
    if (test.rows, test.cols) != (train.rows, train.cols) {
        return Err(DataError::Mismatch {
            path: test_path,
            message: format!(
                "images of {} × {} pixels, but the training images in {} are {} × {}",
                test.rows,
                test.cols,
                train_path.display(),
                train.rows,
                train.cols
            ),
        });
    }
    Ok(Mnist { train, test })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Writes a tiny dataset: `n` train and `n / 2` test images of 2 × 3 pixels.
    fn write_tiny(dir: &Path, n: usize, gzip: bool, dotted: bool) {
        for (prefix, count) in [("train", n), ("t10k", n / 2)] {
            let images: Vec<u8> = (0..count * 6).map(|i| i as u8).collect();
            let labels: Vec<u8> = (0..count).map(|i| (i % 10) as u8).collect();
            for (what, bytes) in [
                ("images-idx3-ubyte", idx::encode(&[count, 2, 3], &images)),
                ("labels-idx1-ubyte", idx::encode(&[count], &labels)),
            ] {
                let sep = if dotted {
                    what.replacen("-idx", ".idx", 1)
                } else {
                    what.to_string()
                };
                let mut name = format!("{prefix}-{sep}");
                let bytes = if gzip {
                    name.push_str(".gz");
                    let mut gz =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    gz.write_all(&bytes).unwrap();
                    gz.finish().unwrap()
                } else {
                    bytes
                };
                std::fs::write(dir.join(name), bytes).unwrap();
            }
        }
    }

    #[test]
    fn loads_either_naming_and_compression() {
        for (gzip, dotted) in [(true, false), (false, false), (true, true), (false, true)] {
            let dir = tempfile::tempdir().unwrap();
            write_tiny(dir.path(), 20, gzip, dotted);
            let data = load(dir.path(), Variant::Fashion).unwrap();
            assert_eq!(
                (data.train.len(), data.test.len(), data.train.pixels()),
                (20, 10, 6)
            );
            assert_eq!(data.train.label_counts(), [2; 10]);
            assert_eq!(data.train.images[6..12], [6, 7, 8, 9, 10, 11]);
        }
    }

    #[test]
    fn count_mismatch_names_both_files() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny(dir.path(), 20, false, false);
        std::fs::write(
            dir.path().join("t10k-labels-idx1-ubyte"),
            idx::encode(&[9], &[0; 9]),
        )
        .unwrap();
        let err = load(dir.path(), Variant::Fashion).unwrap_err().to_string();
        assert!(
            err.ends_with("t10k-labels-idx1-ubyte: 9 labels for 10 images in ")
                || err.contains("9 labels for 10 images"),
            "{err}"
        );
    }

    #[test]
    fn bad_label_and_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny(dir.path(), 20, false, false);
        let mut labels = vec![0u8; 20];
        labels[3] = 12;
        std::fs::write(
            dir.path().join("train-labels-idx1-ubyte"),
            idx::encode(&[20], &labels),
        )
        .unwrap();
        let err = load(dir.path(), Variant::Fashion).unwrap_err().to_string();
        assert!(
            err.contains("at byte 11: expected a label from 0 to 9, found 12"),
            "{err}"
        );
        std::fs::remove_file(dir.path().join("train-images-idx3-ubyte")).unwrap();
        let err = load(dir.path(), Variant::Fashion).unwrap_err().to_string();
        assert!(
            err.starts_with("fashion-mnist: no train-images-idx3-ubyte in"),
            "{err}"
        );
    }

    #[test]
    fn train_and_test_images_of_different_sizes_are_an_error_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny(dir.path(), 20, false, false);
        std::fs::write(
            dir.path().join("t10k-images-idx3-ubyte"),
            idx::encode(&[10, 3, 2], &[0; 60]),
        )
        .unwrap();
        let err = load(dir.path(), Variant::Fashion).unwrap_err().to_string();
        assert!(
            err.contains(
                "t10k-images-idx3-ubyte: images of 3 × 2 pixels, but the training images in"
            ) && err.contains("train-images-idx3-ubyte are 2 × 3"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_part_is_an_error_naming_its_file() {
        for prefix in ["train", "t10k"] {
            let dir = tempfile::tempdir().unwrap();
            write_tiny(dir.path(), 20, false, false);
            let images = format!("{prefix}-images-idx3-ubyte");
            std::fs::write(dir.path().join(&images), idx::encode(&[0, 2, 3], &[])).unwrap();
            std::fs::write(
                dir.path().join(format!("{prefix}-labels-idx1-ubyte")),
                idx::encode(&[0], &[]),
            )
            .unwrap();
            let err = load(dir.path(), Variant::Fashion).unwrap_err().to_string();
            assert!(
                err.contains(&format!(
                    "{images}: at byte 4: expected at least one image, found 0"
                )),
                "{err}"
            );
        }
    }

    #[test]
    fn zero_sized_images_are_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny(dir.path(), 20, false, false);
        std::fs::write(
            dir.path().join("train-images-idx3-ubyte"),
            idx::encode(&[20, 0, 3], &[]),
        )
        .unwrap();
        let err = load(dir.path(), Variant::Fashion).unwrap_err().to_string();
        assert!(
            err.contains(
                "train-images-idx3-ubyte: at byte 8: expected images of at least 1 × 1 pixels, found 0 × 3"
            ),
            "{err}"
        );
    }

    #[test]
    fn each_missing_file_of_the_four_is_named() {
        for missing in [
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte",
        ] {
            let dir = tempfile::tempdir().unwrap();
            write_tiny(dir.path(), 20, true, false);
            std::fs::remove_file(dir.path().join(format!("{missing}.gz"))).unwrap();
            let found =
                crate::locate::dataset_dir(crate::locate::Dataset::FashionMnist, Some(dir.path()))
                    .expect("three of the four files make the folder the dataset's");
            let err = load(&found, Variant::Fashion).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("fashion-mnist: no {missing} in")),
                "{err}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_data_file_linked_to_an_endless_device_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny(dir.path(), 20, true, false);
        let file = dir.path().join("t10k-images-idx3-ubyte.gz");
        std::fs::remove_file(&file).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &file).unwrap();
        let err = load(dir.path(), Variant::Fashion).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "cannot read {}: is not a regular file but a character device",
                file.display()
            )
        );
    }

    #[test]
    fn mnist_files_must_be_the_published_ones() {
        // Tiny files under MNIST's names are not MNIST: the published hashes reject them.
        let dir = tempfile::tempdir().unwrap();
        write_tiny(dir.path(), 20, false, false);
        let err = load(dir.path(), Variant::Mnist).unwrap_err();
        assert!(matches!(err, DataError::Checksum { .. }), "{err}");
    }

    #[test]
    fn sha256sums_beside_the_files_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        write_tiny(dir.path(), 20, true, false);
        std::fs::write(
            dir.path().join("SHA256SUMS"),
            format!("{}  train-images-idx3-ubyte.gz\n", "0".repeat(64)),
        )
        .unwrap();
        let err = load(dir.path(), Variant::Fashion).unwrap_err().to_string();
        assert!(
            err.contains("train-images-idx3-ubyte.gz: SHA-256 is")
                && err.contains("SHA256SUMS beside it"),
            "{err}"
        );
    }
}
