//! Training parity with PyTorch: every case recorded from `torch.optim` in
//! `tests/golden/*.json` (the vendored recording; its README says how it was made), or the file
//! or folder `HARNESS_TRAIN_GOLDEN` names. Each case starts from the recorded weights (written
//! as PyTorch's safetensors and loaded by [`models::weights`], as `[model] init` does), trains on
//! the recorded batches for its 40 steps with [`train::trainer::Trainer`] (the step of
//! `harness train`: [`train::torch_optim`], the schedule of [`schedules`], PyTorch's clipping),
//! and checks:
//! - every step's LR, and momentum or `beta1` where the schedule cycles it, to 1e-12 relative;
//! - every step's loss (computed before the step's update) within the case's `suggested_rtol`
//!   (20 times the gap between PyTorch's float32 and float64 runs);
//! - the final weights' sampled entries within 1e-5 absolute plus `suggested_rtol` relative, and
//!   their sum and sum of squares likewise (scaled by the tensor's size).

use std::path::{Path, PathBuf};

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Int, Tensor, TensorData};
use models::batch::{Batch, Targets};
use models::config::{Activation, LinearSpec, MlpSpec, ModelConfig};
use models::{Model, Task};
use schedules::{Schedule, Scheduler};
use serde_json::Value;
use train::config::TrainSpec;
use train::optimizer::OptimizerSpec;
use train::trainer::Trainer;

const SCHEDULE_RTOL: f64 = 1e-12;

fn golden_files() -> Vec<PathBuf> {
    let root = std::env::var_os("HARNESS_TRAIN_GOLDEN").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden"),
        PathBuf::from,
    );
    if root.is_file() {
        return vec![root];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("golden training runs expected in {} ({e})", root.display()))
        .map(|e| e.expect("readable golden folder").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.json in {}", root.display());
    files
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().expect("a number")).collect())
        .unwrap_or_default()
}

/// The rows a case's batches index, on the device: inputs, and class labels or targets.
enum Rows {
    Classes(Tensor<2>, Tensor<1, Int>),
    Targets(Tensor<2>, Tensor<2>),
}

/// MNIST training rows `0..rows` of the vendored file, pixels x/255 in float32.
fn mnist_rows(rows: usize, device: &Device) -> Rows {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/mnist");
    let m = data::mnist::load(&dir, data::mnist::Variant::Mnist).expect("the vendored MNIST");
    let pixels = m.train.pixels();
    let x: Vec<f32> = m.train.images[..rows * pixels]
        .iter()
        .map(|&b| f32::from(b) / 255.0)
        .collect();
    let y: Vec<i64> = m.train.labels[..rows]
        .iter()
        .map(|&l| i64::from(l))
        .collect();
    Rows::Classes(
        Tensor::from_data(TensorData::new(x, [rows, pixels]), device),
        Tensor::from_data(TensorData::new(y, [rows]), device),
    )
}

fn regression_rows(table: &Value, device: &Device) -> Rows {
    let x: Vec<Vec<f64>> = table["x"]
        .as_array()
        .expect("x rows")
        .iter()
        .map(floats)
        .collect();
    let (n, d) = (x.len(), x[0].len());
    let flat: Vec<f32> = x.iter().flatten().map(|&v| v as f32).collect();
    let y: Vec<f32> = floats(&table["y"]).iter().map(|&v| v as f32).collect();
    Rows::Targets(
        Tensor::from_data(TensorData::new(flat, [n, d]), device),
        Tensor::from_data(TensorData::new(y, [n, 1]), device),
    )
}

/// Every parameter in visiting order, flattened in PyTorch's layout.
#[derive(Default)]
struct Read(Vec<Vec<f32>>);

impl ModuleVisitor for Read {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let t = param.val();
        let values = if D == 2 {
            let t2: Tensor<2> = Tensor::from_data(t.into_data(), &param.val().device());
            t2.transpose().into_data()
        } else {
            t.into_data()
        };
        self.0
            .push(values.try_to_vec::<f32>().expect("f32 parameters"));
    }
}

/// The PyTorch names of the model's parameters, in burn's visiting order.
fn names(model: &str) -> &'static [&'static str] {
    match model {
        "mlp" => &["0.weight", "0.bias", "2.weight", "2.bias"],
        "linear" => &["0.weight", "0.bias"],
        other => panic!("no model {other}"),
    }
}

fn build_model(doc: &Value, name: &str, device: &Device) -> Model {
    let params = &doc["models"][name];
    let tensors: Vec<(Vec<usize>, Vec<f32>)> = names(name)
        .iter()
        .map(|n| {
            let p = &params[*n];
            let shape = p["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap() as usize)
                .collect();
            (
                shape,
                floats(&p["values"]).iter().map(|&v| v as f32).collect(),
            )
        })
        .collect();
    let (config, d_input, task) = if name == "mlp" {
        // ReLU and no dropout, as the recording's nn.Sequential.
        let spec = MlpSpec {
            hidden: vec![tensors[0].0[0]],
            ..MlpSpec::default()
        };
        assert_eq!((spec.activation, spec.dropout), (Activation::Relu, 0.0));
        let task = Task::Classification {
            classes: tensors[2].0[0],
        };
        (ModelConfig::Mlp(spec), tensors[0].0[1], task)
    } else {
        (
            ModelConfig::Linear(LinearSpec::default()),
            tensors[0].0[1],
            Task::Regression,
        )
    };
    // The recorded weights go in as PyTorch would save them (`safetensors.torch.save_file` of
    // the state_dict), through the path `[model] init` takes.
    let file = tempfile::NamedTempFile::new().unwrap();
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, v)| v.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let views = names(name)
        .iter()
        .zip(&tensors)
        .zip(&bytes)
        .map(|((n, (shape, _)), b)| {
            let view =
                safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), b);
            (n.to_string(), view.expect("a consistent tensor"))
        });
    std::fs::write(file.path(), safetensors::serialize(views, None).unwrap()).unwrap();
    let model = Model::init(&config, d_input, task, 0, device).expect("the golden's model");
    models::weights::load_pytorch(model, file.path()).expect("the recorded weights load")
}

/// Our optimizer spec for the case's `torch.optim` class and arguments (PyTorch's defaults
/// else) and its clipping.
fn optimizer_spec(case: &Value) -> OptimizerSpec {
    let optimizer = &case["optimizer"];
    let class = optimizer["class"].as_str().unwrap();
    let args = optimizer["args"].as_object().unwrap();
    let get = |k: &str| args.get(k).and_then(Value::as_f64);
    let mut table = toml::Table::new();
    let kind = match class {
        "SGD" if get("momentum").unwrap_or(0.0) != 0.0 => "momentum",
        "SGD" => "sgd",
        "Adam" => "adam",
        "AdamW" => "adamw",
        "RMSprop" => "rmsprop",
        "Adagrad" => "adagrad",
        other => panic!("no optimizer {other}"),
    };
    table.insert("kind".into(), kind.into());
    for (key, value) in args {
        let value: toml::Value = match (key.as_str(), value) {
            ("lr", _) | (_, Value::Null) => continue,
            // Code-path switches of torch.optim that change no number.
            ("foreach" | "fused" | "capturable" | "differentiable", _) => continue,
            ("maximize", Value::Bool(false)) => continue,
            ("betas", v) => {
                let b = floats(v);
                table.insert("beta2".into(), b[1].into());
                b[0].into()
            }
            (_, Value::Bool(b)) => (*b).into(),
            (_, v) => v.as_f64().expect("a number").into(),
        };
        let key = if key == "betas" { "beta1" } else { key };
        table.insert(key.into(), value);
    }
    match case["clip"]["kind"].as_str() {
        Some("norm") => table.insert(
            "clip_grad_norm".into(),
            case["clip"]["max_norm"].as_f64().unwrap().into(),
        ),
        Some("value") => table.insert(
            "clip_grad_value".into(),
            case["clip"]["clip_value"].as_f64().unwrap().into(),
        ),
        _ => None,
    };
    toml::from_str(&toml::to_string(&table).unwrap()).expect("a valid optimizer")
}

/// Our schedule for the case's `torch.optim.lr_scheduler` (a constant LR when there is none).
fn schedule(case: &Value) -> Schedule {
    let lr = case["optimizer"]["args"]["lr"].as_f64().unwrap();
    let mut table = toml::Table::new();
    match case["schedule"]["class"].as_str() {
        None => {
            table.insert("kind".into(), "constant".into());
            table.insert("lr".into(), lr.into());
        }
        Some(class) => {
            let kind = match class {
                "OneCycleLR" => "one_cycle",
                "CyclicLR" => "cyclic",
                "StepLR" => {
                    table.insert("lr".into(), lr.into());
                    "step"
                }
                other => panic!("no schedule {other}"),
            };
            table.insert("kind".into(), kind.into());
            for (key, value) in case["schedule"]["args"].as_object().unwrap() {
                let value: toml::Value = serde_json::from_value(value.clone()).unwrap();
                table.insert(key.to_lowercase(), value);
            }
        }
    }
    let text = toml::to_string(&table).unwrap();
    schedules::file::parse(&text, Path::new("golden-case.toml"))
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .0
}

fn relative(got: f64, want: f64) -> f64 {
    if got == want {
        0.0
    } else {
        (got - want).abs() / want.abs()
    }
}

/// Trains one case; `Err` names the step and both values of the first mismatch.
fn check_case(doc: &Value, case: &Value, device: &Device) -> Result<f64, String> {
    let model_name = case["model"].as_str().unwrap();
    let rows = match model_name {
        "mlp" => mnist_rows(
            doc["data"]["mnist"]["rows"].as_u64().unwrap() as usize,
            device,
        ),
        _ => regression_rows(&doc["data"]["regression"], device),
    };
    let batches: Vec<Vec<i64>> = doc["batch_sets"][case["batches"].as_str().unwrap()]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            b.as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_i64().unwrap())
                .collect()
        })
        .collect();
    let rtol = case["suggested_rtol"].as_f64().unwrap();
    // The trainer `harness train` steps: the schedule's LR and momentum, the loss before the
    // update, the optimizer (clipping included).
    let mut trainer = Trainer::new(
        build_model(doc, model_name, device),
        optimizer_spec(case).build(),
        Scheduler::new(schedule(case)),
        device,
        &TrainSpec::default(),
    );
    let cycled_key = ["momentums", "beta1s"]
        .into_iter()
        .find(|k| case.get(*k).is_some_and(Value::is_array));
    let want_lrs = floats(&case["lrs"]);
    let want_losses = floats(&case["losses"]);
    let mut worst: f64 = 0.0;
    for (k, rows_of_batch) in batches.iter().enumerate().take(want_lrs.len()) {
        let n = rows_of_batch.len();
        let index =
            Tensor::<1, Int>::from_data(TensorData::new(rows_of_batch.clone(), [n]), device);
        let batch = match &rows {
            Rows::Classes(x, y) => Batch {
                x: x.clone().select(0, index.clone()),
                y: Targets::Classes(y.clone().select(0, index)),
            },
            Rows::Targets(x, y) => Batch {
                x: x.clone().select(0, index.clone()),
                y: Targets::Values(y.clone().select(0, index)),
            },
        };
        let record = trainer
            .step(batch, k as u64, 1)
            .map_err(|d| format!("step {k}: the loss became {}", d.loss))?;
        if relative(record.lr, want_lrs[k]) > SCHEDULE_RTOL {
            return Err(format!(
                "step {k}: lr {:e}, PyTorch {:e}",
                record.lr, want_lrs[k]
            ));
        }
        if let Some(key) = cycled_key {
            let want = floats(&case[key])[k];
            let got = record.momentum.ok_or("the optimizer used no momentum")?;
            if relative(got, want) > SCHEDULE_RTOL {
                return Err(format!("step {k}: {key} {got}, PyTorch {want}"));
            }
        }
        let value = record.train_loss;
        let err = relative(value, want_losses[k]);
        worst = worst.max(err);
        if err.is_nan() || err > rtol {
            return Err(format!(
                "step {k}: loss {value:e}, PyTorch {:e} (relative error {err:.2e} > {rtol:.2e})",
                want_losses[k]
            ));
        }
    }
    check_final(trainer.model(), case, model_name, rtol)?;
    Ok(worst)
}

/// The final weights against the recorded sums, sums of squares and samples.
fn check_final(model: &Model, case: &Value, name: &str, rtol: f64) -> Result<(), String> {
    let mut read = Read::default();
    model.visit(&mut read);
    for (param, values) in names(name).iter().zip(&read.0) {
        let want = &case["final"][*param];
        let close = |got: f64, want: f64, scale: f64| {
            (got - want).abs() <= scale * 1e-5 + rtol * want.abs()
        };
        for (index, v) in want["samples"].as_object().unwrap() {
            let i: usize = index.parse().unwrap();
            let (got, want) = (f64::from(values[i]), v.as_f64().unwrap());
            if !close(got, want, 1.0) {
                return Err(format!("final {param}[{i}]: {got}, PyTorch {want}"));
            }
        }
        let n = values.len() as f64;
        let sum: f64 = values.iter().map(|&v| f64::from(v)).sum();
        let sum_sq: f64 = values.iter().map(|&v| f64::from(v).powi(2)).sum();
        for (what, got) in [("sum", sum), ("sum_sq", sum_sq)] {
            let want = want[what].as_f64().unwrap();
            if !close(got, want, n) {
                return Err(format!("final {param} {what}: {got}, PyTorch {want}"));
            }
        }
    }
    Ok(())
}

#[test]
fn every_recorded_pytorch_run_trains_the_same() {
    let device = Device::flex().autodiff();
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in golden_files() {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).expect("JSON");
        for case in doc["cases"].as_array().expect("a cases list") {
            let id = case["id"].as_str().unwrap_or("?");
            match check_case(&doc, case, &device) {
                Ok(worst) => eprintln!("{id}: worst loss relative error {worst:.2e}"),
                Err(why) => failures.push(format!("{}: {id}: {why}", file.display())),
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no golden case found");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases differ from PyTorch:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
