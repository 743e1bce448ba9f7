//! The California housing path on a small file in StatLib's format that the test writes
//! itself, so that a fresh clone, without the real file, still tests the parser, the lookup, the
//! checks and the preparation (split and standardization).

use std::io::Write;
use std::path::Path;

use data::files::Checks;
use data::spec::{DataSpec, HostPart, prepare, prepare_checked};

const ROWS: usize = 50;

/// Row `i` of `cal_housing.data`'s 9 columns (longitude, latitude, housingMedianAge,
/// totalRooms, totalBedrooms, population, households, medianIncome, medianHouseValue).
fn raw_row(i: usize) -> [f64; 9] {
    let x = i as f64;
    [
        -124.0 + 0.1 * x,
        32.5 + 0.07 * x,
        1.0 + (i % 52) as f64,
        500.0 + 37.0 * x,
        100.0 + 7.0 * x,
        300.0 + 11.0 * x,
        90.0 + 3.0 * x,
        0.5 + 0.29 * (i % 17) as f64,
        15_000.0 + 9_700.0 * x,
    ]
}

/// scikit-learn's 8 features of a raw row (`fetch_california_housing`'s definitions), and the
/// target in $100k.
fn sklearn_row(r: [f64; 9]) -> ([f32; 8], f32) {
    let [
        lon,
        lat,
        age,
        rooms,
        bedrooms,
        pop,
        households,
        income,
        value,
    ] = r;
    let features = [
        income,
        age,
        rooms / households,
        bedrooms / households,
        pop,
        pop / households,
        lat,
        lon,
    ]
    .map(|v| v as f32);
    (features, (value / 100_000.0) as f32)
}

/// Writes `california_housing/cal_housing.data.gz` under `root`.
fn write_file(root: &Path) -> std::path::PathBuf {
    let dir = root.join("california_housing");
    std::fs::create_dir_all(&dir).unwrap();
    let text: String = (0..ROWS)
        .map(|i| {
            let fields: Vec<String> = raw_row(i).iter().map(|v| format!("{v:.6}")).collect();
            fields.join(",") + "\n"
        })
        .collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    let path = dir.join("cal_housing.data.gz");
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    path
}

fn spec() -> DataSpec {
    toml::from_str("dataset = \"california_housing\"\nseed = 3").unwrap()
}

fn table(part: &HostPart) -> &data::Table {
    match part {
        HostPart::Table(t) => t,
        HostPart::Images(_) => panic!("a table"),
    }
}

#[test]
fn a_small_file_goes_through_lookup_parsing_split_and_scaling() {
    let root = tempfile::tempdir().unwrap();
    write_file(root.path());
    let p = prepare_checked(&spec(), Some(root.path()), Checks::SumsOnly).unwrap();
    // ceil(50 · 0.2) = 10 test rows, as scikit-learn's train_test_split.
    assert_eq!((p.train.len(), p.test.len(), p.classes), (40, 10, None));
    assert_eq!(
        p.source.as_deref(),
        Some(root.path().join("california_housing").as_path())
    );
    let (train, test) = (table(&p.train), table(&p.test));
    assert_eq!(train.width(), 8);
    // Standardized with the training part's statistics: mean 0 and population std 1 there.
    for (j, mean) in train.feature_means().iter().enumerate() {
        assert!(mean.abs() < 1e-5, "feature {j}: mean {mean}");
        let var = (0..train.len())
            .map(|i| f64::from(train.row(i)[j]).powi(2))
            .sum::<f64>()
            / train.len() as f64;
        assert!((var - 1.0).abs() < 1e-4, "feature {j}: variance {var}");
    }
    // Every target is one of the file's rows, each used once (targets are not scaled).
    let mut targets: Vec<f32> = train.targets.iter().chain(&test.targets).copied().collect();
    targets.sort_by(f32::total_cmp);
    let mut expected: Vec<f32> = (0..ROWS).map(|i| sklearn_row(raw_row(i)).1).collect();
    expected.sort_by(f32::total_cmp);
    assert_eq!(targets, expected);
}

#[test]
fn the_parser_derives_scikit_learn_features_from_the_file() {
    let root = tempfile::tempdir().unwrap();
    let path = write_file(root.path());
    let t = data::california::load_checked(&path, Checks::SumsOnly).unwrap();
    assert_eq!((t.len(), t.width()), (ROWS, 8));
    for i in [0, 17, ROWS - 1] {
        let (features, target) = sklearn_row(raw_row(i));
        for (got, want) in t.row(i).iter().zip(features) {
            // The file holds 6 decimals: within f32 rounding of the exact derivation.
            assert!(
                (got - want).abs() <= 1e-4 * want.abs().max(1.0),
                "row {i}: {got} vs {want}"
            );
        }
        assert!((t.targets[i] - target).abs() < 1e-6);
    }
}

#[test]
fn a_file_that_is_not_the_published_one_is_refused_by_default() {
    let root = tempfile::tempdir().unwrap();
    write_file(root.path());
    let err = prepare(&spec(), Some(root.path())).unwrap_err().to_string();
    assert!(
        err.contains("cal_housing.data.gz: SHA-256 is")
            && err.contains("the StatLib cal_housing.data"),
        "{err}"
    );
}

#[test]
fn a_sha256sums_beside_the_file_is_checked() {
    let root = tempfile::tempdir().unwrap();
    let path = write_file(root.path());
    let sums = path.parent().unwrap().join("SHA256SUMS");
    let stored = std::fs::read(&path).unwrap();
    std::fs::write(
        &sums,
        format!("{}  cal_housing.data.gz\n", data::files::sha256(&stored)),
    )
    .unwrap();
    prepare_checked(&spec(), Some(root.path()), Checks::SumsOnly).unwrap();
    std::fs::write(&sums, format!("{}  cal_housing.data.gz\n", "0".repeat(64))).unwrap();
    let err = prepare_checked(&spec(), Some(root.path()), Checks::SumsOnly)
        .unwrap_err()
        .to_string();
    assert!(err.contains("SHA256SUMS beside it"), "{err}");
}
