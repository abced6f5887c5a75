//! The rules of precision marketing, with no I/O, shared by the server (which keeps the events)
//! and the app (which records them): what an event must carry, how far a device's clock may be
//! trusted, which events a person who declined tracking still sends, and how much each kind of
//! event says about what a person wants.
pub mod als;
pub mod bundle;
pub mod evaluation;
pub mod events;
pub mod experiments;
pub mod interest;
pub mod planted;
pub mod profile;
pub mod recommend;
pub mod tags;
pub mod trail;
pub mod training;
pub mod triggers;
