//! The server's shared state: storage, message sender, keys and configuration.
use std::sync::Arc;

use crate::{config::Config, identity::tokens::ServerKeys, sender::MessageSender, store::Store};

pub struct Portal {
    pub store: Arc<dyn Store>,
    pub sender: Arc<dyn MessageSender>,
    pub keys: ServerKeys,
    pub config: Config,
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}
