//! The command line's words added to library errors. The libraries say what is wrong in their
//! own terms ("runs/x already holds a run"); the binary says which flag or command fixes it
//! ("choose another --out, ..."), since only it knows its flags.

use data::DataError;
use train::backend::BackendError;
use train::run::RunError;

/// What to do about `err`, in the command line's terms, when the harness knows.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<RunError>() {
            return run_hint(e);
        }
        if let Some(e) = cause.downcast_ref::<DataError>() {
            return data_hint(e);
        }
        cause.downcast_ref::<BackendError>().map(backend_hint)
    })
}

fn run_hint(err: &RunError) -> Option<String> {
    match err {
        RunError::Data(e) => data_hint(e),
        RunError::Backend(e) => Some(backend_hint(e)),
        RunError::OutputExists { .. } => {
            Some("choose another --out, remove it, or continue it with --resume".into())
        }
        RunError::Diverged { .. } => {
            Some("lower the learning rate, or run `harness lr-find` to pick one".into())
        }
        RunError::Interrupted { run, .. } => {
            Some(format!("continue with --resume {}", run.display()))
        }
        _ => None,
    }
}

fn data_hint(err: &DataError) -> Option<String> {
    let DataError::NotFound { dataset, .. } = err else {
        return None;
    };
    Some(
        if dataset == data::locate::Dataset::CaliforniaHousing.folder() {
            "run `harness data fetch california-housing`, or point --data-dir (or HARNESS_DATA) at a \
         folder with cal_housing.data[.gz]"
            .into()
        } else {
            "point --data-dir (or HARNESS_DATA) at the folder with the four IDX files, or at a parent \
         with a subfolder named after the dataset"
            .into()
        },
    )
}

fn backend_hint(err: &BackendError) -> String {
    match err {
        BackendError::Unavailable { .. } => "use --backend flex to train on the CPU".into(),
        BackendError::NotCompiled(backend) => format!(
            "rebuild with `cargo build --release -p harness --features {}`",
            backend.name()
        ),
    }
}

/// The line `main` prints for `err`: the error with its causes, then the hint.
pub fn message(err: &anyhow::Error) -> String {
    match hint(err) {
        Some(hint) => format!("{err:#}; {hint}"),
        None => format!("{err:#}"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn library_errors_get_the_flags_that_fix_them() {
        let exists = anyhow::Error::from(RunError::OutputExists {
            path: PathBuf::from("runs/x"),
        });
        assert_eq!(
            message(&exists),
            "runs/x already holds a run; choose another --out, remove it, or continue it with \
             --resume"
        );
        let missing = anyhow::Error::from(RunError::Data(DataError::NotFound {
            dataset: "california_housing".into(),
            file: "cal_housing.data (raw or .gz)".into(),
            searched: "d".into(),
        }))
        .context("preparing the data");
        assert!(
            message(&missing).ends_with(
                "run `harness data fetch california-housing`, or point \
                 --data-dir (or HARNESS_DATA) at a folder with cal_housing.data[.gz]"
            ),
            "{}",
            message(&missing)
        );
        let plain = anyhow::anyhow!("something else");
        assert_eq!(message(&plain), "something else");
    }
}
