//! California housing (Pace & Barry, 1997) from StatLib's `cal_housing.data`, raw or gzip,
//! turned into scikit-learn's 8 features; the target is the median house value in $100k.

use std::path::Path;

use crate::error::{DataError, Result};
use bounded::Limit;

use crate::files::{self, Checks};
use crate::table::Table;

/// The 8 features of scikit-learn's `fetch_california_housing`, in its order.
pub const FEATURES: [&str; 8] = [
    "MedInc",
    "HouseAge",
    "AveRooms",
    "AveBedrms",
    "Population",
    "AveOccup",
    "Latitude",
    "Longitude",
];

/// SHA-256 of the published, uncompressed `cal_housing.data`.
pub const SHA256: &str = "d3d8a1a722ae78f91134862727d27a70b1415e7d512a89140406248687f4b902";

/// The file names looked for in a folder, preferred first.
pub const FILE_NAMES: [&str; 2] = ["cal_housing.data", "cal_housing.data.gz"];

/// The raw columns of `cal_housing.data`.
const COLUMNS: [&str; 9] = [
    "longitude",
    "latitude",
    "housingMedianAge",
    "totalRooms",
    "totalBedrooms",
    "population",
    "households",
    "medianIncome",
    "medianHouseValue",
];

/// The most a `cal_housing.data` may hold, decompressed: the published file is 1.4 MB (20 640
/// rows of 9 numbers); 64 MiB leaves room for rows written with every digit.
const LIMIT: Limit = Limit::new(64 << 20, "a cal_housing.data file");

/// The `cal_housing.data[.gz]` in `dir`.
///
/// # Errors
/// [`DataError::NotFound`] when `dir` holds neither name.
pub fn find(dir: &Path) -> Result<std::path::PathBuf> {
    let dataset = crate::locate::Dataset::CaliforniaHousing;
    crate::locate::first_present(dir, &FILE_NAMES).ok_or_else(|| DataError::NotFound {
        dataset: dataset.folder().into(),
        file: dataset.files_wanted().into(),
        searched: dir.display().to_string(),
    })
}

/// Reads `path` (raw or gzip) and checks its content against the published hash.
///
/// # Errors
/// The file cannot be read, is not the published one, or a row does not parse.
pub fn load(path: &Path) -> Result<Table> {
    load_checked(path, Checks::Published)
}

/// As [`load`], with the content checks of `checks` (a `SHA256SUMS` beside the file is
/// always checked).
///
/// # Errors
/// As [`load`].
pub fn load_checked(path: &Path, checks: Checks) -> Result<Table> {
    let bytes = files::read(path, LIMIT)?;
    files::verify_listed(path, &bytes.stored)?;
    if checks == Checks::Published {
        files::verify(
            path,
            &bytes.content,
            Some((SHA256, "the StatLib cal_housing.data")),
        )?;
    }
    parse(&bytes.content, path)
}

/// Parses the comma-separated rows of `cal_housing.data`; `path` only names the file in errors.
///
/// # Errors
/// [`DataError::Row`] naming the line and column of a wrong field count or a non-number.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Table> {
    let text = std::str::from_utf8(bytes).map_err(|e| DataError::Format {
        path: path.to_path_buf(),
        offset: e.valid_up_to() as u64,
        expected: "text".into(),
        found: "bytes that are not UTF-8".into(),
    })?;
    let mut features = Vec::new();
    let mut targets = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row_error = |message: String| DataError::Row {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != COLUMNS.len() {
            return Err(row_error(format!(
                "{} fields, expected {} ({})",
                fields.len(),
                COLUMNS.len(),
                COLUMNS.join(", ")
            )));
        }
        let mut v = [0.0f64; 9];
        for (k, field) in fields.iter().enumerate() {
            v[k] = field
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| row_error(format!("{} = `{field}` is not a number", COLUMNS[k])))?;
        }
        let [
            longitude,
            latitude,
            age,
            rooms,
            bedrooms,
            population,
            households,
            income,
            value,
        ] = v;
        if households <= 0.0 {
            return Err(row_error(format!(
                "households = {households}, expected a positive count"
            )));
        }
        features.extend(
            [
                income,
                age,
                rooms / households,
                bedrooms / households,
                population,
                population / households,
                latitude,
                longitude,
            ]
            .map(|x| x as f32),
        );
        targets.push((value / 100_000.0) as f32);
    }
    if targets.is_empty() {
        return Err(DataError::Format {
            path: path.to_path_buf(),
            offset: 0,
            expected: "rows of 9 comma-separated numbers".into(),
            found: "no row".into(),
        });
    }
    Ok(Table {
        names: FEATURES.iter().map(|s| s.to_string()).collect(),
        features,
        targets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_sklearn_features() {
        let row = b"-122.23,37.88,41.0,880.0,129.0,322.0,126.0,8.3252,452600.0\n";
        let t = parse(row, Path::new("c")).unwrap();
        let expected = [
            8.3252,
            41.0,
            880.0 / 126.0,
            129.0 / 126.0,
            322.0,
            322.0 / 126.0,
            37.88,
            -122.23,
        ];
        for (got, want) in t.row(0).iter().zip(expected) {
            assert_eq!(*got, want as f32);
        }
        assert_eq!(t.targets, [4.526]);
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let text = b"-122.23,37.88,41.0,880.0,129.0,322.0,126.0,8.3252,452600.0\n1,2,3\n";
        let err = parse(text, Path::new("c.data")).unwrap_err().to_string();
        assert!(
            err.starts_with("c.data:2: 3 fields, expected 9 (longitude, latitude"),
            "{err}"
        );
        let text = b"-122.23,37.88,41.0,880.0,abc,322.0,126.0,8.3252,452600.0\n";
        let err = parse(text, Path::new("c.data")).unwrap_err().to_string();
        assert_eq!(err, "c.data:1: totalBedrooms = `abc` is not a number");
        assert!(parse(b"\n", Path::new("c")).is_err());
    }
}
