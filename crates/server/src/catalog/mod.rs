//! The product center: one product truth for every channel, as versioned documents.
pub mod csv_format;
pub mod demo;
pub mod edit;
pub mod sync;
pub mod validate;
