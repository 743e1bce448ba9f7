//! Models trained by the harness (built in the data-and-models issue).
