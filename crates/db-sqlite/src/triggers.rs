//! Triggered offers: the operators' triggers, the facts that set them off, the customers' inboxes.
use super::*;
use portal_api::{Inbox, InboxChange, InboxChangeKind, InboxMessage, Trigger, TriggerKind};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use portal_db::engines::inbox::{self, InboxRows};
use portal_marketing::triggers::{SentFact, Stored};

use portal_db::{DbResult, InboxRow, TriggerFacts};

fn uuid(s: String) -> Option<Uuid> {
    Uuid::parse_str(&s).ok()
}

pub fn create(conn: &Connection, t: &Trigger, created_by: Uuid) -> DbResult<bool> {
    let inserted = conn.execute(
        "INSERT INTO triggers (id, name, kind, title_zh, title_en, body_zh, body_en, cooldown_days, active, created_by,
             created_at, active_since)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT (name) DO NOTHING",
        params![
            t.id.to_string(),
            t.name,
            t.kind.as_str(),
            t.title_zh,
            t.title_en,
            t.body_zh,
            t.body_en,
            t.cooldown_days,
            t.active,
            created_by.to_string(),
            t.created_at,
            t.active_since
        ],
    )?;
    Ok(inserted == 1)
}

pub fn all(conn: &Connection) -> DbResult<Vec<Trigger>> {
    Ok(conn
        .prepare_cached(
            "SELECT t.id, t.name, t.kind, t.title_zh, t.title_en, t.body_zh, t.body_en, t.cooldown_days, t.active,
                    t.created_at, (SELECT COUNT(*) FROM inbox_messages m WHERE m.trigger_id = t.id), t.active_since
             FROM triggers t ORDER BY t.created_at DESC, t.id DESC",
        )?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                [r.get::<_, String>(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
                r.get::<_, u32>(7)?,
                r.get::<_, bool>(8)?,
                r.get::<_, i64>(9)?,
                r.get::<_, u32>(10)?,
                r.get::<_, i64>(11)?,
            ))
        })?
        .filter_map(|row| {
            let (
                id,
                name,
                kind,
                [title_zh, title_en, body_zh, body_en],
                cooldown_days,
                active,
                created_at,
                sent,
                active_since,
            ) = row.ok()?;
            Some(Trigger {
                id: uuid(id)?,
                name,
                kind: TriggerKind::parse(&kind)?,
                title_zh,
                title_en,
                body_zh,
                body_en,
                cooldown_days,
                active,
                created_at,
                active_since,
                sent,
            })
        })
        .collect())
}

pub fn set_active(conn: &Connection, id: Uuid, active: bool, now: i64) -> DbResult<bool> {
    Ok(conn.execute(
        "UPDATE triggers SET active_since = CASE WHEN ?2 AND NOT active THEN ?3 ELSE active_since END, active = ?2
         WHERE id = ?1",
        params![id.to_string(), active, now],
    )? == 1)
}

pub fn facts(conn: &Connection, since: i64, birthdays: &[String]) -> DbResult<TriggerFacts> {
    let sign_ins = conn
        .prepare_cached(
            // Each consumer's latest sign-in only (SQLite takes the other columns of the row
            // holding the MAX): one fact a pass, not one per session.
            "SELECT se.user_id, se.id, MAX(se.created_at) FROM sessions se JOIN users u ON u.id = se.user_id
             WHERE u.role = 'consumer' AND se.created_at >= ?1 GROUP BY se.user_id",
        )?
        .query_map([since], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))?
        .filter_map(|row| row.ok().and_then(|(u, s, at)| Some((uuid(u)?, uuid(s)?, at))))
        .collect();
    let purchases = conn
        .prepare_cached(
            "SELECT s.customer_id, s.id, s.device_at,
                    (SELECT l.sku FROM sale_lines l WHERE l.sale_id = s.id ORDER BY l.net DESC, l.line LIMIT 1), st.name
             FROM sales s JOIN stores st ON st.id = s.store_id JOIN users u ON u.id = s.customer_id
             WHERE s.customer_id IS NOT NULL AND s.device_at >= ?1 AND u.role = 'consumer'
               AND EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id AND l.returned < l.quantity)",
        )?
        .query_map([since], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get::<_, Option<String>>(3)?, r.get(4)?))
        })?
        .filter_map(|row| row.ok().and_then(|(u, sale, at, sku, store)| Some((uuid(u)?, uuid(sale)?, at, sku?, store))))
        .collect();
    let restocks = conn
        .prepare_cached(
            "SELECT r.store_id, st.name, r.sku, r.first_in,
                    (SELECT f.op_id FROM stock_movements f
                     WHERE f.store_id = r.store_id AND f.sku = r.sku AND f.quantity > 0 AND f.device_at = r.first_in
                     ORDER BY f.id LIMIT 1)
             FROM
                 (SELECT store_id, sku, MIN(device_at) AS first_in FROM stock_movements
                  WHERE quantity > 0 AND device_at >= ?1 GROUP BY store_id, sku) r
             JOIN stores st ON st.id = r.store_id
             JOIN stock_balances b ON b.store_id = r.store_id AND b.sku = r.sku AND b.on_hand > 0
             WHERE COALESCE((SELECT SUM(p.quantity) FROM stock_movements p
                             WHERE p.store_id = r.store_id AND p.sku = r.sku AND p.device_at < r.first_in), 0) <= 0",
        )?
        .query_map([since], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .filter_map(|row| row.ok().and_then(|(store, name, sku, at, op)| Some((uuid(store)?, name, sku, at, op))))
        .collect();
    let mut birthday_people = Vec::new();
    for day in birthdays {
        let mut stmt = conn.prepare_cached("SELECT id FROM users WHERE role = 'consumer' AND birthday = ?1")?;
        for id in stmt.query_map([day], |r| r.get::<_, String>(0))? {
            birthday_people.extend(uuid(id?));
        }
    }
    Ok(TriggerFacts { sign_ins, purchases, restocks, birthdays: birthday_people })
}

pub fn send(conn: &mut Connection, messages: &[InboxRow], cooldown_secs: i64) -> DbResult<Vec<bool>> {
    // One writer at a time: the reads and the writes cannot interleave with another send.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let admitted = inbox::send(&mut SqliteInbox(&tx), messages, cooldown_secs)?;
    tx.commit()?;
    Ok(admitted)
}

/// A send's rows in a rusqlite transaction.
struct SqliteInbox<'a>(&'a rusqlite::Transaction<'a>);

impl InboxRows for SqliteInbox<'_> {
    fn lock_pairs(&mut self, _: &[InboxRow]) -> DbResult<()> {
        // The immediate transaction is the one writer already.
        Ok(())
    }

    fn stored(&mut self, messages: &[InboxRow], cooldown_secs: i64) -> DbResult<Vec<Stored>> {
        // One writer: every read of the transaction sees the same database. One statement a
        // message: the trigger's state, the customer's choice, and a row per earlier message.
        let mut read = self.0.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM triggers WHERE id = ?1 AND active),
                    EXISTS (SELECT 1 FROM tracking_consent WHERE user_id = ?2 AND NOT tracking),
                    i.fact_key, i.fact_at
             FROM (SELECT 1) LEFT JOIN inbox_messages i
               ON i.trigger_id = ?1 AND i.user_id = ?2
              AND (i.fact_key = ?3 OR (i.fact_at > ?4 - ?5 AND i.fact_at < ?4 + ?5))",
        )?;
        let mut out = Vec::with_capacity(messages.len());
        for m in messages {
            let mut stored = Stored::default();
            let params = params![m.trigger_id.to_string(), m.user_id.to_string(), m.fact_key, m.fact_at, cooldown_secs];
            let mut rows = read.query(params)?;
            while let Some(row) = rows.next()? {
                stored.trigger_active = row.get(0)?;
                stored.customer_declined = row.get(1)?;
                if let (Some(fact_key), Some(fact_at)) =
                    (row.get::<_, Option<String>>(2)?, row.get::<_, Option<i64>>(3)?)
                {
                    stored.sent.push(SentFact { fact_key, fact_at });
                }
            }
            out.push(stored);
        }
        Ok(out)
    }

    fn write(&mut self, messages: &[&InboxRow]) -> DbResult<()> {
        write_messages(self.0, messages, OnSent::Refuse)
    }
}

/// What writing a message already sent (the same trigger or campaign, person and fact) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnSent {
    /// Fails the write: the caller decided under its own lock that none was sent.
    Refuse,
    /// Passes it over (and records no list for it).
    PassOver,
}

/// Writes messages into their people's inboxes, each with the list of products it carries; the
/// one insert triggers and campaigns share.
pub(crate) fn write_messages(conn: &Connection, messages: &[&InboxRow], on_sent: OnSent) -> DbResult<()> {
    let mut insert = conn.prepare_cached(match on_sent {
        OnSent::Refuse => {
            "INSERT INTO inbox_messages (id, user_id, trigger_id, fact_key, kind, title_zh, title_en, body_zh,
                 body_en, recommendation, models, created_at, fact_at, link)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        }
        OnSent::PassOver => {
            "INSERT INTO inbox_messages (id, user_id, trigger_id, fact_key, kind, title_zh, title_en, body_zh,
                 body_en, recommendation, models, created_at, fact_at, link)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
             ON CONFLICT (trigger_id, user_id, fact_key) DO NOTHING"
        }
    })?;
    for m in messages {
        let inserted = insert.execute(params![
            m.id.to_string(),
            m.user_id.to_string(),
            m.trigger_id.to_string(),
            m.fact_key,
            m.kind.as_str(),
            m.title_zh,
            m.title_en,
            m.body_zh,
            m.body_en,
            m.recommendation.to_string(),
            serde_json::to_string(&m.models).unwrap_or_default(),
            m.created_at,
            m.fact_at,
            m.link.as_ref().map(|l| serde_json::to_string(l).unwrap_or_default())
        ])?;
        if inserted == 1 {
            super::events::record_served(conn, &m.served_list())?;
        }
    }
    Ok(())
}

pub fn inbox(conn: &Connection, user: Uuid, limit: u32) -> DbResult<Inbox> {
    let messages = conn
        .prepare_cached(
            "SELECT id, kind, title_zh, title_en, body_zh, body_en, recommendation, models, created_at, read_at, link
             FROM inbox_messages WHERE user_id = ?1 AND deleted_at IS NULL
             ORDER BY created_at DESC, id DESC LIMIT ?2",
        )?
        .query_map(params![user.to_string(), limit], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                [r.get::<_, String>(2)?, r.get(3)?, r.get(4)?, r.get(5)?],
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, Option<i64>>(9)?,
                r.get::<_, Option<String>>(10)?,
            ))
        })?
        .filter_map(|row| {
            let (id, kind, [title_zh, title_en, body_zh, body_en], list, models, created_at, read_at, link) =
                row.ok()?;
            Some(InboxMessage {
                id: uuid(id)?,
                kind: TriggerKind::parse(&kind)?,
                title_zh,
                title_en,
                body_zh,
                body_en,
                recommendation: uuid(list)?,
                models: serde_json::from_str(&models).unwrap_or_default(),
                created_at,
                read: read_at.is_some(),
                link: link.and_then(|l| serde_json::from_str(&l).ok()),
            })
        })
        .collect();
    let unread = conn.query_row(
        "SELECT COUNT(*) FROM inbox_messages WHERE user_id = ?1 AND read_at IS NULL AND deleted_at IS NULL",
        [user.to_string()],
        |r| r.get(0),
    )?;
    Ok(Inbox { messages, unread })
}

pub fn mark_read(conn: &Connection, user: Uuid, id: Uuid, at: i64) -> DbResult<bool> {
    let found = conn.execute(
        "UPDATE inbox_messages SET read_at = COALESCE(read_at, ?3) WHERE id = ?1 AND user_id = ?2",
        params![id.to_string(), user.to_string(), at],
    )?;
    Ok(found == 1)
}

/// `triggers::change_inbox` on one transaction.
pub fn change(tx: &rusqlite::Transaction<'_>, user: Uuid, changes: &[InboxChange], at: i64) -> DbResult<()> {
    let mut read =
        tx.prepare_cached("UPDATE inbox_messages SET read_at = COALESCE(read_at, ?3) WHERE id = ?1 AND user_id = ?2")?;
    let mut delete = tx.prepare_cached(
        "UPDATE inbox_messages SET deleted_at = COALESCE(deleted_at, ?3), read_at = COALESCE(read_at, ?3),
             title_zh = '', title_en = '', body_zh = '', body_en = '', models = '[]', link = NULL
         WHERE id = ?1 AND user_id = ?2",
    )?;
    for c in changes {
        let statement = match c.change {
            InboxChangeKind::Read => &mut read,
            InboxChangeKind::Delete => &mut delete,
        };
        statement.execute(params![c.message.to_string(), user.to_string(), at])?;
    }
    Ok(())
}

pub fn followers_of(conn: &Connection, models: &[String]) -> DbResult<Vec<(Uuid, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT f.user_id, f.model FROM favourites f JOIN users u ON u.id = f.user_id
         WHERE f.model = ?1 AND f.active AND u.role = 'consumer'",
    )?;
    let mut out = Vec::new();
    for model in models {
        for row in stmt.query_map([model], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (user, model) = row?;
            out.extend(uuid(user).map(|u| (u, model)));
        }
    }
    Ok(out)
}

#[async_trait]
impl Triggers for SqliteDatabase {
    async fn create_trigger(&self, trigger: portal_api::Trigger, created_by: Uuid) -> DbResult<bool> {
        self.run(move |conn| self::create(conn, &trigger, created_by)).await
    }

    async fn triggers(&self) -> DbResult<Vec<portal_api::Trigger>> {
        self.run(|conn| self::all(conn)).await
    }

    async fn set_trigger_active(&self, id: Uuid, active: bool, now: i64) -> DbResult<bool> {
        self.run(move |conn| self::set_active(conn, id, active, now)).await
    }

    async fn followers_of(&self, models: Vec<String>) -> DbResult<Vec<(Uuid, String)>> {
        self.run(move |conn| self::followers_of(conn, &models)).await
    }

    async fn trigger_facts(&self, since: i64, birthdays: Vec<String>) -> DbResult<portal_db::TriggerFacts> {
        self.run(move |conn| self::facts(conn, since, &birthdays)).await
    }

    async fn set_birthday(&self, user: Uuid, birthday: Option<String>) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute("UPDATE users SET birthday = ?2 WHERE id = ?1", params![user.to_string(), birthday])?;
            Ok(())
        })
        .await
    }

    async fn birthday(&self, user: Uuid) -> DbResult<Option<String>> {
        self.run(move |conn| {
            Ok(conn
                .query_row("SELECT birthday FROM users WHERE id = ?1", [user.to_string()], |r| r.get(0))
                .optional()?
                .flatten())
        })
        .await
    }

    async fn send_inbox(&self, messages: Vec<portal_db::InboxRow>, cooldown_secs: i64) -> DbResult<Vec<bool>> {
        self.run(move |conn| self::send(conn, &messages, cooldown_secs)).await
    }

    async fn inbox(&self, user: Uuid, limit: u32) -> DbResult<portal_api::Inbox> {
        self.run(move |conn| self::inbox(conn, user, limit)).await
    }

    async fn mark_inbox_read(&self, user: Uuid, id: Uuid, at: i64) -> DbResult<bool> {
        self.run(move |conn| self::mark_read(conn, user, id, at)).await
    }

    async fn inbox_written(
        &self,
        since: i64,
        after: Option<portal_db::InboxMark>,
        limit: u32,
    ) -> DbResult<Vec<portal_db::WrittenInbox>> {
        self.run(move |conn| {
            let (at, id) = after.map_or((since - 1, String::new()), |m| (m.at, m.id.to_string()));
            let mut stmt = conn.prepare_cached(
                "SELECT created_at, id, user_id FROM inbox_messages
                 WHERE created_at >= ?1 AND (created_at, id) > (?2, ?3) ORDER BY created_at, id LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![since, at, id, limit], |r| {
                Ok(portal_db::WrittenInbox {
                    mark: portal_db::InboxMark { at: r.get(0)?, id: uuid_of(r.get(1)?)? },
                    user: uuid_of(r.get(2)?)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn change_inbox(&self, user: Uuid, changes: Vec<InboxChange>, at: i64) -> DbResult<()> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            self::change(&tx, user, &changes, at)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    fn watch_inbox(&self, wake: InboxWake) {
        self.inbox_watchers.write().unwrap_or_else(|p| p.into_inner()).push(wake);
    }
}
