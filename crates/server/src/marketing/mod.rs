//! Precision marketing: behaviour events (ingest, consent, a person's history). The rules are in
//! `portal-marketing`; this module reads and writes through the `Database` trait.
pub mod customer_view;
pub mod evaluation;
pub mod events;
pub mod experiments;
pub mod model;
pub mod planted;
pub mod recommender;
pub mod state;
pub mod tags;
pub mod triggers;
