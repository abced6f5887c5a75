//! Triggered offers: the operators' triggers, the facts that set them off, the customers' inboxes.
use ::postgres::{Client, Transaction};
use portal_api::{Inbox, InboxMessage, Trigger, TriggerKind};
use uuid::Uuid;

use super::super::{DbResult, InboxRow, TriggerFacts};

fn uuid(s: &str) -> Option<Uuid> {
    Uuid::parse_str(s).ok()
}

pub fn create(client: &mut Client, t: &Trigger, created_by: Uuid) -> DbResult<bool> {
    let inserted = client.execute(
        "INSERT INTO triggers (id, name, kind, title_zh, title_en, body_zh, body_en, cooldown_days, active, created_by,
             created_at, active_since)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (name) DO NOTHING",
        &[
            &t.id.to_string(),
            &t.name,
            &t.kind.as_str(),
            &t.title_zh,
            &t.title_en,
            &t.body_zh,
            &t.body_en,
            &i64::from(t.cooldown_days),
            &t.active,
            &created_by.to_string(),
            &t.created_at,
            &t.active_since,
        ],
    )?;
    Ok(inserted == 1)
}

pub fn all(client: &mut Client) -> DbResult<Vec<Trigger>> {
    Ok(client
        .query(
            "SELECT t.id, t.name, t.kind, t.title_zh, t.title_en, t.body_zh, t.body_en, t.cooldown_days, t.active,
                    t.created_at, (SELECT COUNT(*) FROM inbox_messages m WHERE m.trigger_id = t.id), t.active_since
             FROM triggers t ORDER BY t.created_at DESC, t.id DESC",
            &[],
        )?
        .iter()
        .filter_map(|r| {
            Some(Trigger {
                id: uuid(r.get(0))?,
                name: r.get(1),
                kind: TriggerKind::parse(r.get(2))?,
                title_zh: r.get(3),
                title_en: r.get(4),
                body_zh: r.get(5),
                body_en: r.get(6),
                cooldown_days: r.get::<_, i64>(7) as u32,
                active: r.get(8),
                created_at: r.get(9),
                sent: r.get::<_, i64>(10) as u32,
                active_since: r.get(11),
            })
        })
        .collect())
}

pub fn set_active(client: &mut Client, id: Uuid, active: bool, now: i64) -> DbResult<bool> {
    Ok(client.execute(
        "UPDATE triggers SET active_since = CASE WHEN $2 AND NOT active THEN $3 ELSE active_since END, active = $2
         WHERE id = $1",
        &[&id.to_string(), &active, &now],
    )? == 1)
}

pub fn facts(tx: &mut Transaction<'_>, since: i64, birthdays: &[String]) -> DbResult<TriggerFacts> {
    let sign_ins = tx
        .query(
            // Each consumer's latest sign-in only: a person signing in again and again is one
            // fact a pass, not one per session.
            "SELECT DISTINCT ON (se.user_id) se.user_id, se.id, se.created_at
             FROM sessions se JOIN users u ON u.id = se.user_id
             WHERE u.role = 'consumer' AND se.created_at >= $1
             ORDER BY se.user_id, se.created_at DESC, se.id DESC",
            &[&since],
        )?
        .iter()
        .filter_map(|r| Some((uuid(r.get(0))?, uuid(r.get(1))?, r.get(2))))
        .collect();
    let purchases = tx
        .query(
            "SELECT s.customer_id, s.id, s.device_at,
                    (SELECT l.sku FROM sale_lines l WHERE l.sale_id = s.id ORDER BY l.net DESC, l.line LIMIT 1), st.name
             FROM sales s JOIN stores st ON st.id = s.store_id JOIN users u ON u.id = s.customer_id
             WHERE s.customer_id IS NOT NULL AND s.device_at >= $1 AND u.role = 'consumer'
               AND EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id AND l.returned < l.quantity)",
            &[&since],
        )?
        .iter()
        .filter_map(|r| Some((uuid(r.get(0))?, uuid(r.get(1))?, r.get(2), r.get::<_, Option<String>>(3)?, r.get(4))))
        .collect();
    let restocks = tx
        .query(
            "SELECT r.store_id, st.name, r.sku, r.first_in,
                    (SELECT f.op_id FROM stock_movements f
                     WHERE f.store_id = r.store_id AND f.sku = r.sku AND f.quantity > 0 AND f.device_at = r.first_in
                     ORDER BY f.id LIMIT 1)
             FROM
                 (SELECT store_id, sku, MIN(device_at) AS first_in FROM stock_movements
                  WHERE quantity > 0 AND device_at >= $1 GROUP BY store_id, sku) r
             JOIN stores st ON st.id = r.store_id
             JOIN stock_balances b ON b.store_id = r.store_id AND b.sku = r.sku AND b.on_hand > 0
             WHERE COALESCE((SELECT SUM(p.quantity) FROM stock_movements p
                             WHERE p.store_id = r.store_id AND p.sku = r.sku AND p.device_at < r.first_in), 0) <= 0",
            &[&since],
        )?
        .iter()
        .filter_map(|r| Some((uuid(r.get(0))?, r.get(1), r.get(2), r.get(3), r.get(4))))
        .collect();
    let birthdays = tx
        .query("SELECT id FROM users WHERE role = 'consumer' AND birthday = ANY($1)", &[&birthdays])?
        .iter()
        .filter_map(|r| uuid(r.get(0)))
        .collect();
    Ok(TriggerFacts { sign_ins, purchases, restocks, birthdays })
}

pub fn send(tx: &mut Transaction<'_>, m: &InboxRow, cooldown_secs: i64) -> DbResult<bool> {
    let (trigger, user) = (m.trigger_id.to_string(), m.user_id.to_string());
    // Every send of this trigger to this customer, on any instance, waits for this one to finish.
    // (A key space of its own: the ledger's locks take 1 to 4.)
    tx.execute("SELECT pg_advisory_xact_lock(101, hashtext($1 || ':' || $2))::text", &[&trigger, &user])?;
    // Paused, declined, this fact sent, or one within the cooldown of it: nothing.
    let held = tx.query_opt(
        "SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM triggers WHERE id = $1 AND active)
            OR EXISTS (SELECT 1 FROM tracking_consent WHERE user_id = $2 AND NOT tracking)
            OR EXISTS (SELECT 1 FROM inbox_messages
                       WHERE trigger_id = $1 AND user_id = $2
                         AND (fact_key = $3 OR (fact_at > $4::BIGINT - $5::BIGINT AND fact_at < $4::BIGINT + $5::BIGINT)))",
        &[&trigger, &user, &m.fact_key, &m.fact_at, &cooldown_secs],
    )?;
    if held.is_some() {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO inbox_messages (id, user_id, trigger_id, fact_key, kind, title_zh, title_en, body_zh, body_en,
             recommendation, models, created_at, fact_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        &[
            &m.id.to_string(),
            &user,
            &trigger,
            &m.fact_key,
            &m.kind.as_str(),
            &m.title_zh,
            &m.title_en,
            &m.body_zh,
            &m.body_en,
            &m.recommendation.to_string(),
            &serde_json::to_string(&m.models).unwrap_or_default(),
            &m.created_at,
            &m.fact_at,
        ],
    )?;
    super::events::record_served(tx, super::events::RECORD_SERVED, &m.served_list())?;
    Ok(true)
}

pub fn inbox(tx: &mut Transaction<'_>, user: Uuid, limit: u32) -> DbResult<Inbox> {
    let messages = tx
        .query(
            "SELECT id, kind, title_zh, title_en, body_zh, body_en, recommendation, models, created_at, read_at
             FROM inbox_messages WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
            &[&user.to_string(), &i64::from(limit)],
        )?
        .iter()
        .filter_map(|r| {
            Some(InboxMessage {
                id: uuid(r.get(0))?,
                kind: TriggerKind::parse(r.get(1))?,
                title_zh: r.get(2),
                title_en: r.get(3),
                body_zh: r.get(4),
                body_en: r.get(5),
                recommendation: uuid(r.get(6))?,
                models: serde_json::from_str(r.get(7)).unwrap_or_default(),
                created_at: r.get(8),
                read: r.get::<_, Option<i64>>(9).is_some(),
            })
        })
        .collect();
    let unread: i64 = tx
        .query_one("SELECT COUNT(*) FROM inbox_messages WHERE user_id = $1 AND read_at IS NULL", &[&user.to_string()])?
        .get(0);
    Ok(Inbox { messages, unread: unread as u32 })
}

pub fn mark_read(client: &mut Client, user: Uuid, id: Uuid, at: i64) -> DbResult<bool> {
    let found = client.execute(
        "UPDATE inbox_messages SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2",
        &[&id.to_string(), &user.to_string(), &at],
    )?;
    Ok(found == 1)
}

pub fn followers_of(tx: &mut Transaction<'_>, models: &[String]) -> DbResult<Vec<(Uuid, String)>> {
    Ok(tx
        .query(
            "SELECT DISTINCT f.user_id, f.model FROM favourites f JOIN users u ON u.id = f.user_id
             WHERE f.model = ANY($1) AND f.active AND u.role = 'consumer'",
            &[&models],
        )?
        .iter()
        .filter_map(|r| Some((uuid(r.get(0))?, r.get(1))))
        .collect())
}
