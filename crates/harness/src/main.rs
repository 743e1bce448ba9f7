//! `harness`: train, find learning rates, preview schedules. All work happens in the library;
//! this file only parses the command line and turns errors into exit codes: 2 for bad input or
//! a failed command, 1 when `compare` wrote its report but some runs failed, 130 for Ctrl-C.

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
            // The library's message, with the flags or commands that fix it (`hints`).
            let message = harness::hints::message(&err);
            // Ctrl-C during training: a checkpoint was saved; 130 is the shell's code for SIGINT.
            if let Some(train::run::RunError::Interrupted { .. }) = err.downcast_ref() {
                eprintln!("{message}");
                return ExitCode::from(130);
            }
            // `compare` wrote its report, but some of its runs failed.
            if let Some(failed) = err.downcast_ref::<harness::commands::compare::RunsFailed>() {
                eprintln!("error: {failed}");
                return ExitCode::from(1);
            }
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
