//! `harness data`: download a dataset, or load one and report what it holds.

use anyhow::Result;
use data::locate::{self, Dataset};
use data::mnist::{self, Variant};

use crate::cli::{DataCommand, DatasetName, FetchName};

pub fn run(command: &DataCommand) -> Result<()> {
    match command {
        DataCommand::Fetch {
            dataset: FetchName::CaliforniaHousing,
            dest,
        } => {
            let dest = dest
                .clone()
                .unwrap_or_else(|| locate::cache_dataset_dir(Dataset::CaliforniaHousing));
            let path = data::download::fetch(&data::download::california_housing(), &dest)?;
            println!("california_housing: {} (SHA-256 verified)", path.display());
        }
        DataCommand::Info { dataset, data_dir } => {
            let dataset = match dataset {
                DatasetName::Mnist => Dataset::Mnist,
                DatasetName::FashionMnist => Dataset::FashionMnist,
                DatasetName::CaliforniaHousing => Dataset::CaliforniaHousing,
            };
            let dir = locate::dataset_dir(dataset, data_dir.data_dir.as_deref())?;
            // Loaded whole before anything is printed: a damaged file prints only its error.
            let summary = describe(dataset, &dir)?;
            println!("{}: {}\n{summary}", dataset.folder(), dir.display());
        }
    }
    Ok(())
}

/// What the dataset in `dir` holds, a line per part, each indented.
fn describe(dataset: Dataset, dir: &std::path::Path) -> Result<String> {
    if dataset == Dataset::CaliforniaHousing {
        let table = data::california::load(&data::california::find(dir)?)?;
        return Ok(format!(
            "  {} rows, {} features ({}), target MedHouseVal in $100k",
            table.len(),
            table.width(),
            table.names.join(", ")
        ));
    }
    let variant = if dataset == Dataset::Mnist {
        Variant::Mnist
    } else {
        Variant::Fashion
    };
    let m = mnist::load(dir, variant)?;
    let lines: Vec<String> = [("train", &m.train), ("test", &m.test)]
        .iter()
        .map(|(name, part)| {
            format!(
                "  {name}: {} images of {}×{}, labels per class {:?}",
                part.len(),
                part.rows,
                part.cols,
                part.label_counts()
            )
        })
        .collect();
    Ok(lines.join("\n"))
}
