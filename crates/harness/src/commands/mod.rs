//! One module per subcommand.

pub mod data;
pub mod lr_find;
pub mod schedule;
pub mod train;
