//! On-device batching: an epoch visits every row once, in a seeded order, and gathers the
//! right targets with the right rows.

use burn::tensor::Device;
use data::table::Table;
use models::batch::{DeviceData, PixelScaling, Targets};

/// `n` rows whose single feature is the row number and whose target is ten times it.
fn numbered(n: usize) -> Table {
    Table {
        names: vec!["i".into()],
        features: (0..n).map(|i| i as f32).collect(),
        targets: (0..n).map(|i| 10.0 * i as f32).collect(),
    }
}

fn floats(t: burn::tensor::Tensor<2>) -> Vec<f32> {
    t.to_data().try_into_vec_as::<f32>().unwrap()
}

#[test]
fn an_epoch_visits_every_row_once_in_a_seeded_order() {
    let device = Device::flex();
    let data = DeviceData::from_table(&numbered(103), &device);
    let epoch = |seed, e| -> Vec<f32> {
        let batches: Vec<_> = data.epoch(10, seed, e).collect();
        assert_eq!(batches.len(), 11, "10 full batches and one of 3");
        batches
            .into_iter()
            .flat_map(|b| {
                let x = floats(b.x);
                let Targets::Values(y) = b.y else {
                    panic!("regression targets")
                };
                for (xi, yi) in x.iter().zip(floats(y)) {
                    assert_eq!(yi, 10.0 * xi, "targets travel with their rows");
                }
                x
            })
            .collect()
    };
    let first = epoch(7, 0);
    let mut sorted = first.clone();
    sorted.sort_by(f32::total_cmp);
    assert_eq!(sorted, (0..103).map(|i| i as f32).collect::<Vec<_>>());
    assert_ne!(first, sorted, "shuffled");
    assert_eq!(epoch(7, 0), first, "same seed and epoch, same order");
    assert_ne!(epoch(7, 1), first, "a new epoch, a new order");
    assert_ne!(epoch(8, 0), first, "a new seed, a new order");
}

#[test]
fn in_order_batches_are_slices_in_storage_order() {
    let data = DeviceData::from_table(&numbered(25), &Device::flex());
    let xs: Vec<f32> = data.in_order(10).flat_map(|b| floats(b.x)).collect();
    assert_eq!(xs, (0..25).map(|i| i as f32).collect::<Vec<_>>());
    assert_eq!(data.num_batches(10), 3);
    assert_eq!(data.head(4).len(), 4);
}

#[test]
fn pixels_are_scaled() {
    let part = data::mnist::Part {
        images: vec![0, 255, 51, 0],
        labels: vec![3],
        rows: 2,
        cols: 2,
    };
    let unit = DeviceData::from_images(&part, PixelScaling::Unit, &Device::flex());
    assert_eq!(floats(unit.features), [0.0, 1.0, 0.2, 0.0]);
    let norm = DeviceData::from_images(&part, PixelScaling::Normalized, &Device::flex());
    let x = floats(norm.features);
    assert!((x[1] - (1.0 - 0.1307) / 0.3081).abs() < 1e-6);
    let Targets::Classes(labels) = unit.targets else {
        panic!("classes")
    };
    assert_eq!(labels.to_data().try_into_vec_as::<i64>().unwrap(), [3]);
}
