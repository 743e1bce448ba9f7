//! The tensor backend a run uses, chosen at run time among those compiled in (Cargo features
//! `flex`, `ndarray`, `cpu`, `wgpu`, `cuda` of the `harness` and `train` crates; `cpu` and
//! `cuda` link LLVM: `scripts/offline-llvm.sh` installs it without a download).

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// burn-flex, pure Rust on the CPU (the default).
    Flex,
    /// burn-ndarray on the CPU (deprecated upstream; kept for users who name it).
    Ndarray,
    /// burn's CubeCL CPU backend: kernels compiled for this CPU by LLVM's JIT.
    Cpu,
    /// wgpu: any GPU with Vulkan, Metal or DX12.
    Wgpu,
    /// CUDA on an NVIDIA GPU.
    Cuda,
}

pub const ALL: [Backend; 5] = [
    Backend::Flex,
    Backend::Ndarray,
    Backend::Cpu,
    Backend::Wgpu,
    Backend::Cuda,
];

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Flex => "flex",
            Backend::Ndarray => "ndarray",
            Backend::Cpu => "cpu",
            Backend::Wgpu => "wgpu",
            Backend::Cuda => "cuda",
        }
    }

    /// Whether this binary was built with the backend.
    pub fn compiled_in(self) -> bool {
        match self {
            Backend::Flex => cfg!(feature = "flex"),
            Backend::Ndarray => cfg!(feature = "ndarray"),
            Backend::Cpu => cfg!(feature = "cpu"),
            Backend::Wgpu => cfg!(feature = "wgpu"),
            Backend::Cuda => cfg!(feature = "cuda"),
        }
    }

    /// The (non-autodiff) device of this backend.
    ///
    /// # Errors
    /// The backend was not compiled in; the message says how to build it in.
    pub fn device(self) -> Result<Device, BackendError> {
        if !self.compiled_in() {
            return Err(BackendError::NotCompiled(self));
        }
        let device = match self {
            #[cfg(feature = "flex")]
            Backend::Flex => Device::flex(),
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            Backend::Ndarray => Device::ndarray(),
            #[cfg(feature = "cpu")]
            Backend::Cpu => Device::cpu(),
            #[cfg(feature = "wgpu")]
            Backend::Wgpu => Device::wgpu(Default::default()),
            #[cfg(feature = "cuda")]
            Backend::Cuda => Device::cuda(0),
            #[allow(unreachable_patterns)]
            _ => unreachable!("compiled_in() checked the feature"),
        };
        if matches!(self, Backend::Cpu | Backend::Wgpu | Backend::Cuda) {
            probe(&device).map_err(|message| BackendError::Unavailable {
                backend: self,
                message,
            })?;
        }
        Ok(device)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        ALL.into_iter().find(|b| b.name() == s).ok_or_else(|| {
            format!("unknown backend `{s}`, expected one of flex, ndarray, cpu, wgpu, cuda")
        })
    }
}

/// Runs one tiny operation on `device`. GPU runtimes panic when they find no adapter; the
/// panic is turned into an error here, with the default hook silenced meanwhile.
fn probe(device: &Device) -> Result<(), String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        burn::tensor::Tensor::<1>::zeros([1], device).into_scalar::<f32>()
    }));
    std::panic::set_hook(hook);
    result.map(|_| ()).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the runtime failed to start".into())
    })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    #[error(
        "the {backend} backend is compiled in but found no usable device ({message}); check the \
         GPU driver (wgpu needs Vulkan, Metal or DX12; cuda an NVIDIA driver), or use a CPU \
         backend (flex, ndarray)"
    )]
    Unavailable { backend: Backend, message: String },
    #[error(
        "the {0} backend is not compiled into this binary (built with: {built}); it needs the \
         Cargo feature `{0}`",
        built = ALL.iter().filter(|b| b.compiled_in()).map(|b| b.name()).collect::<Vec<_>>().join(", ")
    )]
    NotCompiled(Backend),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_missing_backends_explain_themselves() {
        for b in ALL {
            assert_eq!(b.name().parse::<Backend>(), Ok(b));
        }
        assert!(
            "tpu"
                .parse::<Backend>()
                .unwrap_err()
                .contains("expected one of")
        );
        assert!(Backend::Flex.device().is_ok());
        if !Backend::Cuda.compiled_in() {
            let err = Backend::Cuda.device().unwrap_err().to_string();
            assert!(
                err.contains("the Cargo feature `cuda`") && err.contains("flex"),
                "{err}"
            );
        }
    }
}
