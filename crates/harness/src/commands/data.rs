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
            println!("{}: {}", dataset.folder(), dir.display());
            match dataset {
                Dataset::CaliforniaHousing => {
                    let file = data::california::find(&dir)?;
                    let table = data::california::load(&file)?;
                    println!(
                        "  {} rows, {} features ({}), target MedHouseVal in $100k",
                        table.len(),
                        table.width(),
                        table.names.join(", ")
                    );
                }
                _ => {
                    let variant = if dataset == Dataset::Mnist {
                        Variant::Mnist
                    } else {
                        Variant::Fashion
                    };
                    let m = mnist::load(&dir, variant)?;
                    for (name, part) in [("train", &m.train), ("test", &m.test)] {
                        println!(
                            "  {name}: {} images of {}×{}, labels per class {:?}",
                            part.len(),
                            part.rows,
                            part.cols,
                            part.label_counts()
                        );
                    }
                }
            }
        }
    }
    Ok(())
}
