//! Sending a trigger's messages, written once over a typed port: the backend locks and supplies
//! the rows (`InboxRows`), the rule (`portal_marketing::triggers::{held, admit}`) decides which are
//! written.
use std::collections::HashSet;

use portal_marketing::triggers::{admit, held, Candidate, SentFact, Stored};
use uuid::Uuid;

use crate::{DbResult, InboxRow};

/// The rows a send reads and writes, inside one transaction of a backend.
pub trait InboxRows {
    /// Holds every other send of these (trigger, customer) pairs until the transaction ends,
    /// taking them in one order (where the backend has more than one writer).
    fn lock_pairs(&mut self, messages: &[InboxRow]) -> DbResult<()>;
    /// Of these triggers, those active.
    fn active_triggers(&mut self, triggers: &[Uuid]) -> DbResult<HashSet<Uuid>>;
    /// Of these people, those who declined tracking.
    fn decliners(&mut self, users: &[Uuid]) -> DbResult<HashSet<Uuid>>;
    /// For each message, what its trigger sent its customer before for the same fact or for one
    /// within `cooldown_secs` of it.
    fn sent_near(&mut self, messages: &[InboxRow], cooldown_secs: i64) -> DbResult<Vec<Vec<SentFact>>>;
    /// Writes the messages and their lists at the `inbox` placement.
    fn write(&mut self, messages: &[&InboxRow]) -> DbResult<()>;
}

/// Writes each message unless what is stored, or an earlier message of the batch, holds it back;
/// whether each was written, in order.
pub fn send(rows: &mut impl InboxRows, messages: &[InboxRow], cooldown_secs: i64) -> DbResult<Vec<bool>> {
    if messages.is_empty() {
        return Ok(vec![]);
    }
    rows.lock_pairs(messages)?;
    let distinct = |ids: Vec<Uuid>| -> Vec<Uuid> {
        let mut ids = ids;
        ids.sort();
        ids.dedup();
        ids
    };
    let active = rows.active_triggers(&distinct(messages.iter().map(|m| m.trigger_id).collect()))?;
    let declined = rows.decliners(&distinct(messages.iter().map(|m| m.user_id).collect()))?;
    let mut sent = rows.sent_near(messages, cooldown_secs)?;
    sent.resize(messages.len(), Vec::new());
    let candidates: Vec<Candidate<'_>> = messages
        .iter()
        .zip(sent)
        .map(|(m, sent)| {
            let stored = Stored {
                trigger_active: active.contains(&m.trigger_id),
                customer_declined: declined.contains(&m.user_id),
                sent,
            };
            Candidate {
                trigger: m.trigger_id,
                user: m.user_id,
                fact_key: &m.fact_key,
                fact_at: m.fact_at,
                held: held(&stored, &m.fact_key, m.fact_at, cooldown_secs),
            }
        })
        .collect();
    let admitted = admit(&candidates, cooldown_secs);
    let written: Vec<&InboxRow> = messages.iter().zip(&admitted).filter(|(_, a)| **a).map(|(m, _)| m).collect();
    if !written.is_empty() {
        rows.write(&written)?;
    }
    Ok(admitted)
}
