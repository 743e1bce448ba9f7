//! [`Model`]: the model a run trains, built from its [`ModelConfig`] and the data's shape.

use burn::module::Module;
use burn::tensor::{Device, Tensor};

use crate::config::{ModelConfig, ModelError};
use crate::linear::LinearRegressor;
use crate::mlp::Mlp;

/// What the model predicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// `classes` logits per row, trained with cross-entropy.
    Classification { classes: usize },
    /// One value per row, trained with MSE.
    Regression,
}

impl Task {
    /// Classification into `classes` classes, or regression when there are none.
    pub fn of(classes: Option<usize>) -> Self {
        classes.map_or(Task::Regression, |classes| Task::Classification { classes })
    }

    pub fn outputs(self) -> usize {
        match self {
            Task::Classification { classes } => classes,
            Task::Regression => 1,
        }
    }
}

/// One model per run, so the size difference between the variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Model {
    Linear(LinearRegressor),
    Mlp(Mlp),
}

impl Model {
    /// Builds and initialises the model on `device` from `seed`: the same seed gives the same
    /// weights on the CPU backends (flex, ndarray).
    ///
    /// # Errors
    /// An invalid config, or a linear model asked to classify.
    pub fn init(
        config: &ModelConfig,
        d_input: usize,
        task: Task,
        seed: u64,
        device: &Device,
    ) -> Result<Self, ModelError> {
        config.validate()?;
        if d_input == 0 {
            return Err(ModelError::Size {
                what: "input features",
                value: 0,
            });
        }
        device.seed(seed);
        let model = match (config, task) {
            (ModelConfig::Linear(_), Task::Regression) => {
                let m = LinearRegressor::new(d_input, device);
                m.draw_parameters();
                Model::Linear(m)
            }
            (ModelConfig::Linear(_), Task::Classification { .. }) => {
                return Err(ModelError::LinearClassifier);
            }
            (ModelConfig::Mlp(spec), task) => {
                let m = Mlp::new(spec, d_input, task.outputs(), device);
                m.draw_parameters();
                Model::Mlp(m)
            }
        };
        Ok(model)
    }

    /// # Shapes
    /// - `x`: `[batch, d_input]`
    /// - output: `[batch, outputs]`
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Model::Linear(m) => m.forward(x),
            Model::Mlp(m) => m.forward(x),
        }
    }
}
