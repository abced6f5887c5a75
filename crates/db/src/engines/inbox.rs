//! Sending a trigger's messages, written once over a typed port: the backend locks and supplies
//! the rows (`InboxRows`), the rule (`portal_marketing::triggers::{held, admit}`) decides which are
//! written.
use portal_marketing::triggers::{admit, held, Candidate, Stored};

use crate::{DbResult, InboxRow};

/// The rows a send reads and writes, inside one transaction of a backend.
pub trait InboxRows {
    /// Holds every other send of these (trigger, customer) pairs until the transaction ends,
    /// taking them in one order (where the backend has more than one writer).
    fn lock_pairs(&mut self, messages: &[InboxRow]) -> DbResult<()>;
    /// For each message, in one snapshot: whether its trigger is active, whether its customer
    /// declined, and what the trigger sent the customer before for the same fact or for one within
    /// `cooldown_secs` of it.
    fn stored(&mut self, messages: &[InboxRow], cooldown_secs: i64) -> DbResult<Vec<Stored>>;
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
    let mut stored = rows.stored(messages, cooldown_secs)?;
    // A message the backend said nothing of is held back: never written on a missing answer.
    stored.resize(messages.len(), Stored::default());
    let candidates: Vec<Candidate<'_>> = messages
        .iter()
        .zip(&stored)
        .map(|(m, stored)| Candidate {
            trigger: m.trigger_id,
            user: m.user_id,
            fact_key: &m.fact_key,
            fact_at: m.fact_at,
            held: held(stored, &m.fact_key, m.fact_at, cooldown_secs),
        })
        .collect();
    let admitted = admit(&candidates, cooldown_secs);
    let written: Vec<&InboxRow> = messages.iter().zip(&admitted).filter(|(_, a)| **a).map(|(m, _)| m).collect();
    if !written.is_empty() {
        rows.write(&written)?;
    }
    Ok(admitted)
}
