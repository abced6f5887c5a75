pub mod bench;
pub mod lossy_proxy;
pub mod push_standins;
pub mod server;
pub mod sms_standin;
pub mod smtp_standin;
