//! Smoke tests on the flex CPU backend: the models learn, and seeding makes them reproducible.

use std::path::Path;

use burn::module::Module;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, SgdConfig};
use burn::tensor::{Device, Tensor};
use data::mnist::{self, Variant};
use data::synthetic::Synthetic;
use models::batch::{DeviceData, PixelScaling, Targets};
use models::config::{LinearSpec, MlpSpec};
use models::{Model, ModelConfig, Task, loss};

/// Loss of `model` on the whole of `data`.
fn loss_on(model: &Model, data: &DeviceData) -> Tensor<1> {
    let batch = data.rows(0, data.len());
    let out = model.forward(batch.x);
    match batch.y {
        Targets::Classes(labels) => loss::cross_entropy(out, labels),
        Targets::Values(values) => loss::mse(out, values),
    }
}

/// `steps` full-batch SGD steps (PyTorch's momentum: dampening 0); the loss before each.
fn train(
    mut model: Model,
    data: &DeviceData,
    lr: f64,
    momentum: f64,
    steps: usize,
) -> (Model, Vec<f32>) {
    let mut optim = SgdConfig::new()
        .with_momentum(Some(
            MomentumConfig::new()
                .with_momentum(momentum)
                .with_dampening(0.0),
        ))
        .init();
    let mut losses = Vec::new();
    for _ in 0..steps {
        let loss = loss_on(&model, data);
        losses.push(loss.clone().into_scalar::<f32>());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
    }
    (model, losses)
}

#[test]
fn mlp_overfits_64_mnist_images() {
    let device = Device::flex().autodiff();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/mnist");
    let mnist = mnist::load(&dir, Variant::Mnist).unwrap();
    let data = DeviceData::from_images(&mnist.train, PixelScaling::Normalized, &device).head(64);
    let model = Model::init(
        &ModelConfig::Mlp(MlpSpec::default()),
        784,
        Task::Classification { classes: 10 },
        1,
        &device,
    )
    .unwrap();
    let (model, losses) = train(model, &data, 0.05, 0.9, 60);
    let (first, last) = (losses[0], *losses.last().unwrap());
    assert!(
        first > 2.0,
        "an untrained 10-class model starts near ln 10: {first}"
    );
    assert!(last < 0.05 * first, "loss went from {first} to {last}");
    let batch = data.rows(0, 64);
    let Targets::Classes(labels) = batch.y else {
        unreachable!()
    };
    let predicted = model
        .valid()
        .forward(batch.x.without_autodiff())
        .argmax(1)
        .squeeze_dim::<1>(1);
    let predicted = predicted.to_data().try_into_vec_as::<i64>().unwrap();
    let labels = labels.to_data().try_into_vec_as::<i64>().unwrap();
    assert_eq!(
        models::metrics::accuracy(&predicted, &labels),
        1.0,
        "memorised"
    );
}

#[test]
fn linear_regressor_recovers_noiseless_coefficients() {
    let device = Device::flex().autodiff();
    let spec = Synthetic {
        n_samples: 256,
        n_features: 3,
        n_informative: 2,
        noise: 0.0,
        bias: 2.5,
        seed: 11,
    };
    let (table, truth) = spec.generate().unwrap();
    let data = DeviceData::from_table(&table, &device);
    let model = Model::init(
        &ModelConfig::Linear(LinearSpec::default()),
        3,
        Task::Regression,
        0,
        &device,
    )
    .unwrap();
    let (model, losses) = train(model, &data, 0.1, 0.0, 400);
    assert!(
        losses.last().unwrap() < &1e-6,
        "final MSE {:?}",
        losses.last()
    );
    let Model::Linear(regressor) = model else {
        unreachable!()
    };
    let (weights, bias) = regressor.coefficients();
    for (w, t) in weights.iter().zip(&truth) {
        assert!(
            (f64::from(*w) - t).abs() < 1e-3,
            "weights {weights:?}, truth {truth:?}"
        );
    }
    assert!((bias - 2.5).abs() < 1e-3, "bias {bias}");
}

fn weights_of(model: &Model) -> Vec<Vec<f32>> {
    let x = Tensor::<2>::eye(4, &Device::flex());
    vec![model.forward(x).to_data().try_into_vec_as::<f32>().unwrap()]
}

#[test]
fn the_same_seed_gives_the_same_weights() {
    let device = Device::flex();
    let config = ModelConfig::Mlp(MlpSpec {
        hidden: vec![5, 3],
        ..MlpSpec::default()
    });
    let init = |seed| {
        Model::init(
            &config,
            4,
            Task::Classification { classes: 2 },
            seed,
            &device,
        )
        .unwrap()
    };
    let a = init(42);
    // Random draws between construction and first use must not change the weights.
    let _ = Tensor::<2>::random([8, 8], burn::tensor::Distribution::Default, &device);
    assert_eq!(weights_of(&a), weights_of(&init(42)));
    assert_ne!(weights_of(&a), weights_of(&init(43)));
}

#[test]
fn linear_cannot_classify() {
    let err = Model::init(
        &ModelConfig::Linear(LinearSpec::default()),
        4,
        Task::Classification { classes: 3 },
        0,
        &Device::flex(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("use kind = \"mlp\""));
}
