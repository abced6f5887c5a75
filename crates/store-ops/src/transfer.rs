//! Goods sent from one store to another: received once, by the store they were sent to, and
//! received even when the receiving store reports it before the sending store's send arrives.
use uuid::Uuid;

use crate::refusal::Refusal;

/// A transfer as read back: where it goes and whether it was received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferFacts {
    pub to_store: Uuid,
    pub received: bool,
}

/// What receiving a transfer at `store` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receive {
    /// Book the goods in now.
    Now,
    /// The send has not arrived: remember the receipt, and book the goods in when it does.
    WhenSent,
}

/// Sending to `to_store`: it must be a known store (not the sender: `shape::check`).
pub fn check_send(to_store_known: bool) -> Result<(), Refusal> {
    if !to_store_known {
        return Err(Refusal::invalid("send to another known store"));
    }
    Ok(())
}

/// Receiving at `store` a transfer known as `sent` (none: not sent as far as anyone knows).
pub fn receive(sent: Option<&TransferFacts>, store: Uuid) -> Result<Receive, Refusal> {
    let Some(sent) = sent else { return Ok(Receive::WhenSent) };
    if sent.to_store != store {
        return Err(Refusal::invalid("this transfer is for another store"));
    }
    if sent.received {
        return Err(already_received());
    }
    Ok(Receive::Now)
}

/// A receipt remembered before the send, when another receipt was remembered first.
pub fn already_received() -> Refusal {
    Refusal::invalid("this transfer was already received")
}

/// Whether a receipt remembered at `waiting_store` completes when the send to `to_store` arrives.
pub fn completes_waiting(waiting_store: Uuid, to_store: Uuid) -> bool {
    waiting_store == to_store
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Uuid = Uuid::from_u128(1);
    const B: Uuid = Uuid::from_u128(2);

    #[test]
    fn received_once_by_the_store_it_was_sent_to() {
        let sent = TransferFacts { to_store: B, received: false };
        assert_eq!(receive(Some(&sent), B), Ok(Receive::Now));
        assert!(receive(Some(&sent), A).is_err(), "another store's");
        assert!(receive(Some(&TransferFacts { received: true, ..sent }), B).is_err(), "once");
        assert_eq!(receive(None, B), Ok(Receive::WhenSent), "before the send arrives");
        assert!(completes_waiting(B, B) && !completes_waiting(A, B));
        assert!(check_send(false).is_err() && check_send(true).is_ok());
    }
}
