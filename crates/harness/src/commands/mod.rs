//! One module per subcommand.

pub mod bench;
pub mod compare;
pub mod data;
pub mod landscape;
pub mod lr_find;
pub mod schedule;
pub mod train;
