pub mod bench;
pub mod lossy_proxy;
pub mod server;
pub mod sms_standin;
