//! One module per subcommand.

pub mod data;
pub mod schedule;
pub mod train;
