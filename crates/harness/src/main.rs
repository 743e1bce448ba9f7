//! `harness`: train, find learning rates, preview schedules. All work happens in the library;
//! this file only parses the command line and turns errors into exit code 2.

use std::process::ExitCode;

use clap::Parser;
use harness::cli::Cli;

fn main() -> ExitCode {
    match harness::run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A closed pipe (`harness schedule ... | head`) is not an error worth reporting.
            let broken_pipe = err.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            // Ctrl-C during training: a checkpoint was saved; 130 is the shell's code for SIGINT.
            if let Some(train::run::RunError::Interrupted { .. }) = err.downcast_ref() {
                eprintln!("{err:#}");
                return ExitCode::from(130);
            }
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
