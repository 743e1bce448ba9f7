//! PyTorch's weights in and out of the models (`models::weights`): round trips bit for bit,
//! files in PyTorch's names and layout written here with the `safetensors` crate, and every
//! error naming the file and the tensor.

use std::path::Path;
use std::sync::Mutex;

use burn::tensor::{Device, Tensor, TensorData};
use burn_store::ModuleSnapshot;
use models::config::{LinearSpec, MlpSpec};
use models::weights::{self, WeightsError};
use models::{Model, ModelConfig, Task};
use safetensors::{Dtype, SafeTensors};

const D_INPUT: usize = 5;
const CLASSES: usize = 3;

fn mlp_config(hidden: &[usize], dropout: f64) -> ModelConfig {
    ModelConfig::Mlp(MlpSpec {
        hidden: hidden.to_vec(),
        dropout,
        ..MlpSpec::default()
    })
}

/// `Model::init`, one at a time: the flex backend's random generator is one for the process,
/// so two tests seeding it at once would draw each other's numbers.
fn init(config: &ModelConfig, d_input: usize, task: Task, seed: u64, device: &Device) -> Model {
    static SEEDING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = SEEDING.lock().unwrap_or_else(|e| e.into_inner());
    Model::init(config, d_input, task, seed, device).unwrap()
}

fn mlp(hidden: &[usize], dropout: f64, seed: u64) -> Model {
    let task = Task::Classification { classes: CLASSES };
    init(
        &mlp_config(hidden, dropout),
        D_INPUT,
        task,
        seed,
        &Device::flex(),
    )
}

fn regressor(d_input: usize, seed: u64) -> Model {
    let config = ModelConfig::Linear(LinearSpec::default());
    init(&config, d_input, Task::Regression, seed, &Device::flex())
}

/// Every parameter of `model`: burn's path and the bytes of its value.
fn parameters(model: &Model) -> Vec<(String, Vec<u8>)> {
    model
        .collect(None, None, false)
        .into_iter()
        .map(|t| (t.name.clone(), t.to_bytes().unwrap().to_vec()))
        .collect()
}

fn matrix(rows: usize, cols: usize, values: Vec<f32>) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, [rows, cols]), &Device::flex())
}

fn values(t: Tensor<2>) -> Vec<f32> {
    t.to_data().try_into_vec_as::<f32>().unwrap()
}

/// A fixed batch of 4 rows of `d` features.
fn batch(d: usize) -> Tensor<2> {
    let xs = (0..4 * d).map(|i| (i as f32 * 0.37).sin()).collect();
    matrix(4, d, xs)
}

/// A tensor to write: name, dtype, shape, little-endian bytes.
type Entry = (String, Dtype, Vec<usize>, Vec<u8>);

fn f32s(name: &str, shape: &[usize], values: &[f32]) -> Entry {
    assert_eq!(shape.iter().product::<usize>(), values.len());
    let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    (name.to_string(), Dtype::F32, shape.to_vec(), bytes)
}

/// A tensor of `shape` whose values are 0.5, 1, 1.5, …, for files whose content does not matter.
fn filled(name: &str, shape: &[usize]) -> Entry {
    let n = shape.iter().product::<usize>();
    let values: Vec<f32> = (1..=n).map(|i| i as f32 * 0.5).collect();
    f32s(name, shape, &values)
}

/// Writes `entries` as a safetensors file, as `safetensors.torch.save_file` would.
fn write(path: &Path, entries: &[Entry]) {
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = entries
        .iter()
        .map(|(name, dtype, shape, bytes)| {
            let view = safetensors::tensor::TensorView::new(*dtype, shape.clone(), bytes).unwrap();
            (name.clone(), view)
        })
        .collect();
    std::fs::write(path, safetensors::serialize(views, None).unwrap()).unwrap();
}

/// The state dict of `nn.Sequential(Linear(5, 8), ReLU(), Linear(8, 3))`, values arbitrary.
fn torch_5_8_3() -> Vec<Entry> {
    vec![
        filled("0.weight", &[8, 5]),
        filled("0.bias", &[8]),
        filled("2.weight", &[3, 8]),
        filled("2.bias", &[3]),
    ]
}

/// Names and shapes of the tensors in the safetensors file `path`, read with the `safetensors`
/// crate, sorted by name; each is float32.
fn names_and_shapes(path: &Path) -> Vec<(String, Vec<usize>)> {
    let bytes = std::fs::read(path).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut out: Vec<(String, Vec<usize>)> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| {
            assert_eq!(view.dtype(), Dtype::F32, "{name}");
            (name, view.shape().to_vec())
        })
        .collect();
    out.sort();
    out
}

fn names_shapes(list: &[(&str, &[usize])]) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = list
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_vec()))
        .collect();
    out.sort();
    out
}

/// The error of loading `path` into `model`; its message names `path`.
fn load_error(model: Model, path: &Path) -> WeightsError {
    let error = weights::load_pytorch(model, path).expect_err("the file should be refused");
    let message = error.to_string();
    assert!(
        message.contains(&path.display().to_string()),
        "{message} should name {}",
        path.display()
    );
    error
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The names of the entries of `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

#[test]
fn mlp_round_trip_is_bit_for_bit() {
    let dir = temp();
    let path = dir.path().join("weights.safetensors");
    let saved = mlp(&[8, 4], 0.0, 1);
    weights::save_pytorch(&saved, &path).unwrap();
    assert_eq!(
        names_and_shapes(&path),
        names_shapes(&[
            ("0.weight", &[8, D_INPUT]),
            ("0.bias", &[8]),
            ("2.weight", &[4, 8]),
            ("2.bias", &[4]),
            ("4.weight", &[CLASSES, 4]),
            ("4.bias", &[CLASSES]),
        ])
    );
    assert_eq!(
        listing(dir.path()),
        ["weights.safetensors"],
        "no scratch file is left"
    );

    let other = mlp(&[8, 4], 0.0, 2);
    assert_ne!(
        parameters(&other),
        parameters(&saved),
        "seeds 1 and 2 differ"
    );
    let loaded = weights::load_pytorch(other, &path).unwrap();
    assert_eq!(parameters(&loaded), parameters(&saved));
    assert_eq!(parameters(&saved).len(), 6);
    let (a, b) = (
        values(saved.forward(batch(D_INPUT))),
        values(loaded.forward(batch(D_INPUT))),
    );
    assert_eq!(
        a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn regressor_round_trip_is_bit_for_bit() {
    let dir = temp();
    let path = dir.path().join("linear.safetensors");
    let saved = regressor(7, 1);
    weights::save_pytorch(&saved, &path).unwrap();
    assert_eq!(
        names_and_shapes(&path),
        names_shapes(&[("0.weight", &[1, 7]), ("0.bias", &[1])])
    );

    let other = regressor(7, 2);
    assert_ne!(parameters(&other), parameters(&saved));
    let loaded = weights::load_pytorch(other, &path).unwrap();
    assert_eq!(parameters(&loaded), parameters(&saved));
    let (a, b) = (
        values(saved.forward(batch(7))),
        values(loaded.forward(batch(7))),
    );
    assert_eq!(
        a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
}

#[test]
fn with_dropout_the_linear_layers_are_every_third_module() {
    let dir = temp();
    let path = dir.path().join("dropout.safetensors");
    let saved = mlp(&[8, 4], 0.2, 1);
    weights::save_pytorch(&saved, &path).unwrap();
    assert_eq!(
        names_and_shapes(&path),
        names_shapes(&[
            ("0.weight", &[8, D_INPUT]),
            ("0.bias", &[8]),
            ("3.weight", &[4, 8]),
            ("3.bias", &[4]),
            ("6.weight", &[CLASSES, 4]),
            ("6.bias", &[CLASSES]),
        ])
    );
    let loaded = weights::load_pytorch(mlp(&[8, 4], 0.2, 2), &path).unwrap();
    assert_eq!(parameters(&loaded), parameters(&saved));

    // The same weights do not fit a model without dropout: its second layer is `2.`.
    let error = load_error(mlp(&[8, 4], 0.0, 2), &path);
    assert!(matches!(&error, WeightsError::Missing { name, .. } if name == "2.weight"));
    let message = error.to_string();
    assert!(
        message.contains("3.weight"),
        "{message} lists the file's names"
    );
}

#[test]
fn a_file_in_pytorchs_layout_gives_pytorchs_forward_pass() {
    // nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2)), weights [out, in], values
    // exact in float32 so that the sums are too.
    let w0 = [[0.5f32, -1.0, 2.0], [1.5, 0.25, -0.75]];
    let b0 = [0.125f32, -0.5];
    let w1 = [[1.0f32, -2.0], [0.5, 3.0]];
    let b1 = [0.25f32, -1.0];
    let dir = temp();
    let path = dir.path().join("torch.safetensors");
    write(
        &path,
        &[
            f32s("0.weight", &[2, 3], w0.as_flattened()),
            f32s("0.bias", &[2], &b0),
            f32s("2.weight", &[2, 2], w1.as_flattened()),
            f32s("2.bias", &[2], &b1),
        ],
    );
    let task = Task::Classification { classes: 2 };
    let model = init(&mlp_config(&[2], 0.0), 3, task, 0, &Device::flex());
    let model = weights::load_pytorch(model, &path).unwrap();

    let xs = [[1.0f32, 2.0, 3.0], [-1.0, 0.5, 0.25], [0.0, -2.0, 1.0]];
    let got = values(model.forward(matrix(3, 3, xs.as_flattened().to_vec())));
    // x·Wᵀ + b, relu, then again without relu.
    let linear = |x: &[f32], w: &[[f32; 3]], b: &[f32]| -> Vec<f32> {
        w.iter()
            .zip(b)
            .map(|(row, b)| row.iter().zip(x).map(|(w, x)| w * x).sum::<f32>() + b)
            .collect()
    };
    let mut expected = Vec::new();
    for x in &xs {
        let h: Vec<f32> = linear(x, &w0, &b0).iter().map(|v| v.max(0.0)).collect();
        for (row, b) in w1.iter().zip(&b1) {
            expected.push(row[0] * h[0] + row[1] * h[1] + b);
        }
    }
    assert_eq!(got, expected);

    // The linear regressor: nn.Sequential(nn.Linear(3, 1)).
    let path = dir.path().join("regressor.safetensors");
    write(
        &path,
        &[
            f32s("0.weight", &[1, 3], &[2.0, -0.5, 0.25]),
            f32s("0.bias", &[1], &[1.5]),
        ],
    );
    let model = weights::load_pytorch(regressor(3, 0), &path).unwrap();
    let got = values(model.forward(matrix(3, 3, xs.as_flattened().to_vec())));
    let expected: Vec<f32> = xs
        .iter()
        .map(|x| 2.0 * x[0] - 0.5 * x[1] + 0.25 * x[2] + 1.5)
        .collect();
    assert_eq!(got, expected);
    let Model::Linear(m) = &model else {
        unreachable!()
    };
    assert_eq!(m.coefficients(), (vec![2.0, -0.5, 0.25], 1.5));
}

#[test]
fn a_model_on_an_autodiff_device_stays_trainable() {
    let dir = temp();
    let path = dir.path().join("weights.safetensors");
    write(&path, &torch_5_8_3());
    let device = Device::flex().autodiff();
    let task = Task::Classification { classes: CLASSES };
    let model = init(&mlp_config(&[8], 0.0), D_INPUT, task, 0, &device);
    let model = weights::load_pytorch(model, &path).unwrap();
    let Model::Mlp(m) = &model else {
        unreachable!()
    };
    let weight = m.layers()[0].weight.val();
    assert!(weight.is_require_grad());
    // The first layer's weight is 0.weight transposed: [in, out] = [5, 8].
    assert_eq!(weight.dims(), [D_INPUT, 8]);
    let burn = values(weight.clone().inner());
    let torch: Vec<f32> = (1..=40).map(|i| i as f32 * 0.5).collect();
    for i in 0..D_INPUT {
        for o in 0..8 {
            assert_eq!(burn[i * 8 + o], torch[o * D_INPUT + i]);
        }
    }
    let x = Tensor::<2>::from_data(
        TensorData::new(vec![0.1f32; 2 * D_INPUT], [2, D_INPUT]),
        &device,
    );
    let grads = model.forward(x).sum().backward();
    assert!(weight.grad(&grads).is_some());

    // Saved from the autodiff device, the file is the one it was loaded from, byte for byte
    // in each tensor.
    let again = dir.path().join("again.safetensors");
    weights::save_pytorch(&model, &again).unwrap();
    let (a, b) = (
        std::fs::read(&path).unwrap(),
        std::fs::read(&again).unwrap(),
    );
    let (a, b) = (
        SafeTensors::deserialize(&a).unwrap(),
        SafeTensors::deserialize(&b).unwrap(),
    );
    assert_eq!(names_and_shapes(&path), names_and_shapes(&again));
    for name in a.names() {
        assert_eq!(
            a.tensor(name).unwrap().data(),
            b.tensor(name).unwrap().data(),
            "{name}"
        );
    }
}

#[test]
fn saving_replaces_a_file_and_leaves_no_scratch_file_on_error() {
    let dir = temp();
    let path = dir.path().join("weights.safetensors");
    std::fs::write(&path, b"old").unwrap();
    let model = mlp(&[8, 4], 0.0, 1);
    weights::save_pytorch(&model, &path).unwrap();
    assert_eq!(names_and_shapes(&path).len(), 6);
    assert_eq!(listing(dir.path()), ["weights.safetensors"]);

    // Onto a folder: the rename fails, the folder is left as it was, nothing else is left.
    let folder = dir.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let error = weights::save_pytorch(&model, &folder).unwrap_err();
    assert!(matches!(error, WeightsError::Write { .. }));
    assert!(
        error.to_string().contains(&folder.display().to_string()),
        "{error}"
    );
    assert!(folder.is_dir());
    assert_eq!(listing(dir.path()), ["a-folder", "weights.safetensors"]);

    // Into a folder that does not exist.
    let nowhere = dir.path().join("missing").join("weights.safetensors");
    let error = weights::save_pytorch(&model, &nowhere).unwrap_err();
    assert!(
        error.to_string().contains(&nowhere.display().to_string()),
        "{error}"
    );
    assert_eq!(listing(dir.path()), ["a-folder", "weights.safetensors"]);
}

#[test]
fn a_path_that_is_no_readable_file_is_refused() {
    let dir = temp();
    let error = load_error(mlp(&[8], 0.0, 0), dir.path());
    assert!(matches!(error, WeightsError::Unreadable { .. }));
    assert!(error.to_string().contains("not a regular file"), "{error}");

    let missing = dir.path().join("missing.safetensors");
    let error = load_error(mlp(&[8], 0.0, 0), &missing);
    assert!(matches!(error, WeightsError::Unreadable { .. }), "{error}");
}

#[test]
fn bytes_that_are_no_safetensors_file_are_refused() {
    let dir = temp();
    let path = dir.path().join("weights.safetensors");
    for bytes in [
        &b""[..],
        b"not a safetensors file at all",
        b"\x10\x00\x00\x00\x00\x00\x00\x00{\"0.weight\": 1}",
        b"\xff\xff\xff\xff\xff\xff\xff\xff{}",
    ] {
        std::fs::write(&path, bytes).unwrap();
        let error = load_error(mlp(&[8], 0.0, 0), &path);
        assert!(
            matches!(error, WeightsError::NotSafetensors { .. }),
            "{error}"
        );
        assert!(
            error.to_string().contains("not a safetensors file"),
            "{error}"
        );
    }
}

#[test]
fn a_truncated_or_damaged_file_is_an_error_not_a_panic() {
    let dir = temp();
    let good = dir.path().join("good.safetensors");
    write(&good, &torch_5_8_3());
    let bytes = std::fs::read(&good).unwrap();
    let path = dir.path().join("bad.safetensors");
    for len in 0..bytes.len() {
        std::fs::write(&path, &bytes[..len]).unwrap();
        load_error(mlp(&[8], 0.0, 0), &path);
    }
    // One byte of the header changed at a time: an error or, where the change is harmless
    // (whitespace, a digit of the data), a load.
    let header_end = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    for i in 0..header_end {
        let mut damaged = bytes.clone();
        damaged[i] ^= 0x5a;
        std::fs::write(&path, &damaged).unwrap();
        let _ = weights::load_pytorch(mlp(&[8], 0.0, 0), &path);
    }
}

#[test]
fn a_missing_tensor_is_named() {
    let dir = temp();
    let path = dir.path().join("weights.safetensors");
    let mut entries = torch_5_8_3();
    entries.retain(|e| e.0 != "0.bias");
    write(&path, &entries);
    let error = load_error(mlp(&[8], 0.0, 0), &path);
    assert!(
        matches!(&error, WeightsError::Missing { name, shape, .. } if name == "0.bias" && shape == &[8]),
        "{error}"
    );
    assert!(error.to_string().contains("0.bias is missing"), "{error}");
}

#[test]
fn a_shape_that_differs_is_named_in_pytorchs_layout() {
    let dir = temp();
    let path = dir.path().join("weights.safetensors");
    // The model is Linear(5, 64) → Linear(64, 10); the file's second layer takes 32 inputs.
    write(
        &path,
        &[
            filled("0.weight", &[64, D_INPUT]),
            filled("0.bias", &[64]),
            filled("2.weight", &[10, 32]),
            filled("2.bias", &[10]),
        ],
    );
    let task = Task::Classification { classes: 10 };
    let model = init(&mlp_config(&[64], 0.0), D_INPUT, task, 0, &Device::flex());
    let error = load_error(model, &path);
    assert!(matches!(error, WeightsError::Shape { .. }), "{error}");
    assert!(
        error
            .to_string()
            .ends_with("2.weight: [10, 32] in the file, the model needs [10, 64]"),
        "{error}"
    );

    // A weight stored in burn's layout [in, out] rather than PyTorch's.
    let mut entries = torch_5_8_3();
    entries[0] = filled("0.weight", &[D_INPUT, 8]);
    write(&path, &entries);
    let error = load_error(mlp(&[8], 0.0, 0), &path);
    assert!(
        error
            .to_string()
            .ends_with("0.weight: [5, 8] in the file, the model needs [8, 5]"),
        "{error}"
    );
}

#[test]
fn a_tensor_the_model_lacks_is_named() {
    let dir = temp();
    let path = dir.path().join("weights.safetensors");
    let mut entries = torch_5_8_3();
    entries.push(filled("4.weight", &[3, 3]));
    write(&path, &entries);
    let error = load_error(mlp(&[8], 0.0, 0), &path);
    assert!(
        matches!(&error, WeightsError::Unexpected { name, .. } if name == "4.weight"),
        "{error}"
    );
    assert!(
        error.to_string().contains("tensor 4.weight is in the file"),
        "{error}"
    );

    // Named as burn does: refused too, not taken for the parameter.
    let mut entries = torch_5_8_3();
    entries.push(filled("Mlp.layers.0.bias", &[8]));
    write(&path, &entries);
    let error = load_error(mlp(&[8], 0.0, 0), &path);
    assert!(
        matches!(&error, WeightsError::Unexpected { name, .. } if name == "Mlp.layers.0.bias"),
        "{error}"
    );
}

#[test]
fn a_dtype_other_than_f32_is_named() {
    let dir = temp();
    let path = dir.path().join("weights.safetensors");
    let mut entries = torch_5_8_3();
    let doubles: Vec<u8> = (0..8).flat_map(|i| f64::from(i).to_le_bytes()).collect();
    entries[1] = ("0.bias".into(), Dtype::F64, vec![8], doubles);
    write(&path, &entries);
    let error = load_error(mlp(&[8], 0.0, 0), &path);
    assert!(
        matches!(&error, WeightsError::DType { name, .. } if name == "0.bias"),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .ends_with("0.bias is f64 in the file, the model needs f32"),
        "{error}"
    );

    let halves: Vec<u8> = vec![0; 2 * 8 * D_INPUT];
    entries = torch_5_8_3();
    entries[0] = ("0.weight".into(), Dtype::F16, vec![8, D_INPUT], halves);
    write(&path, &entries);
    let error = load_error(mlp(&[8], 0.0, 0), &path);
    assert!(error.to_string().contains("0.weight is f16"), "{error}");

    // A dtype burn has no tensor of: burn-store refuses the file before naming tensors.
    entries = torch_5_8_3();
    entries[1] = ("0.bias".into(), Dtype::U16, vec![8], vec![0; 16]);
    write(&path, &entries);
    let error = load_error(mlp(&[8], 0.0, 0), &path);
    assert!(matches!(error, WeightsError::Unsupported { .. }), "{error}");
    assert!(error.to_string().contains("U16"), "{error}");
}
