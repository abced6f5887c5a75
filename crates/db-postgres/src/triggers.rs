//! Triggered offers: the operators' triggers, the facts that set them off, the customers' inboxes.
use super::*;
use ::postgres::{Client, Transaction};
use portal_api::{Inbox, InboxMessage, Trigger, TriggerKind};
use uuid::Uuid;

use portal_db::engines::inbox::{self, InboxRows};
use portal_marketing::triggers::{SentFact, Stored};

use portal_db::{DbResult, InboxRow, TriggerFacts};

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

pub fn send(tx: &mut Transaction<'_>, messages: &[InboxRow], cooldown_secs: i64) -> DbResult<Vec<bool>> {
    inbox::send(&mut PgInbox(tx), messages, cooldown_secs)
}

/// A send's rows in a PostgreSQL transaction.
struct PgInbox<'a, 'b>(&'a mut Transaction<'b>);

impl InboxRows for PgInbox<'_, '_> {
    fn lock_pairs(&mut self, messages: &[InboxRow]) -> DbResult<()> {
        // Every send of a trigger to a customer, on any instance, waits for this one to finish. (A
        // key space of its own: the ledger's locks take 1 to 4.) Taken in the order of their keys, so
        // two passes over overlapping batches never wait for each other in a circle.
        let keys: Vec<String> = messages.iter().map(|m| format!("{}:{}", m.trigger_id, m.user_id)).collect();
        self.0.execute(
            "SELECT count(pg_advisory_xact_lock(101, h)) FROM
               (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) AS k ORDER BY h) AS keys",
            &[&keys],
        )?;
        Ok(())
    }

    fn stored(&mut self, messages: &[InboxRow], cooldown_secs: i64) -> DbResult<Vec<Stored>> {
        // One statement, so one snapshot: a pause, a decline or a deleted history is seen whole
        // or not at all (READ COMMITTED gives each statement its own). The earlier messages are
        // looked up per message (LATERAL: an index probe on (trigger, customer)), never by a join
        // over the whole inbox.
        let triggers: Vec<String> = messages.iter().map(|m| m.trigger_id.to_string()).collect();
        let users: Vec<String> = messages.iter().map(|m| m.user_id.to_string()).collect();
        let fact_keys: Vec<&str> = messages.iter().map(|m| m.fact_key.as_str()).collect();
        let fact_ats: Vec<i64> = messages.iter().map(|m| m.fact_at).collect();
        let rows = self.0.query(
            "SELECT m.n,
                    EXISTS (SELECT 1 FROM triggers t WHERE t.id = m.trigger_id AND t.active),
                    EXISTS (SELECT 1 FROM tracking_consent c WHERE c.user_id = m.user_id AND NOT c.tracking),
                    i.fact_key, i.fact_at
             FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
                  WITH ORDINALITY AS m(trigger_id, user_id, fact_key, fact_at, n)
             LEFT JOIN LATERAL (
                 SELECT i.fact_key, i.fact_at FROM inbox_messages i
                 WHERE i.trigger_id = m.trigger_id AND i.user_id = m.user_id
                   AND (i.fact_key = m.fact_key OR (i.fact_at > m.fact_at - $5::BIGINT AND i.fact_at < m.fact_at + $5::BIGINT))
             ) i ON true",
            &[&triggers, &users, &fact_keys, &fact_ats, &cooldown_secs],
        )?;
        let mut out = vec![Stored::default(); messages.len()];
        for r in &rows {
            let n = usize::try_from(r.get::<_, i64>(0) - 1).unwrap_or(usize::MAX);
            if let Some(stored) = out.get_mut(n) {
                stored.trigger_active = r.get(1);
                stored.customer_declined = r.get(2);
                if let (Some(fact_key), Some(fact_at)) = (r.get::<_, Option<String>>(3), r.get::<_, Option<i64>>(4)) {
                    stored.sent.push(SentFact { fact_key, fact_at });
                }
            }
        }
        Ok(out)
    }

    fn write(&mut self, sent: &[&InboxRow]) -> DbResult<()> {
        write_messages(self.0, sent, OnSent::Refuse)
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

/// Writes messages into their people's inboxes in one statement, then the lists of products the
/// ones written carry: the one insert triggers and campaigns share.
pub(crate) fn write_messages(tx: &mut Transaction<'_>, messages: &[&InboxRow], on_sent: OnSent) -> DbResult<()> {
    let column = |f: &dyn Fn(&InboxRow) -> String| -> Vec<String> { messages.iter().map(|m| f(m)).collect() };
    let numbers = |f: &dyn Fn(&InboxRow) -> i64| -> Vec<i64> { messages.iter().map(|m| f(m)).collect() };
    let links: Vec<Option<String>> =
        messages.iter().map(|m| m.link.as_ref().map(|l| serde_json::to_string(l).unwrap_or_default())).collect();
    let insert = "INSERT INTO inbox_messages (id, user_id, trigger_id, fact_key, kind, title_zh, title_en, body_zh,
             body_en, recommendation, models, created_at, fact_at, link)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
             $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::bigint[], $14::text[])";
    let sql = match on_sent {
        OnSent::Refuse => format!("{insert} RETURNING id"),
        OnSent::PassOver => format!("{insert} ON CONFLICT (trigger_id, user_id, fact_key) DO NOTHING RETURNING id"),
    };
    let written: std::collections::HashSet<String> = tx
        .query(
            sql.as_str(),
            &[
                &column(&|m| m.id.to_string()),
                &column(&|m| m.user_id.to_string()),
                &column(&|m| m.trigger_id.to_string()),
                &column(&|m| m.fact_key.clone()),
                &column(&|m| m.kind.as_str().to_owned()),
                &column(&|m| m.title_zh.clone()),
                &column(&|m| m.title_en.clone()),
                &column(&|m| m.body_zh.clone()),
                &column(&|m| m.body_en.clone()),
                &column(&|m| m.recommendation.to_string()),
                &column(&|m| serde_json::to_string(&m.models).unwrap_or_default()),
                &numbers(&|m| m.created_at),
                &numbers(&|m| m.fact_at),
                &links,
            ],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let lists: Vec<_> =
        messages.iter().filter(|m| written.contains(&m.id.to_string())).map(|m| m.served_list()).collect();
    super::events::record_served_many(tx, &lists)
}

pub fn inbox(tx: &mut Transaction<'_>, user: Uuid, limit: u32) -> DbResult<Inbox> {
    let messages = tx
        .query(
            "SELECT id, kind, title_zh, title_en, body_zh, body_en, recommendation, models, created_at, read_at, link
             FROM inbox_messages WHERE user_id = $1 AND deleted_at IS NULL
             ORDER BY created_at DESC, id DESC LIMIT $2",
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
                link: r.get::<_, Option<String>>(10).and_then(|l| serde_json::from_str(&l).ok()),
            })
        })
        .collect();
    let unread: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM inbox_messages WHERE user_id = $1 AND read_at IS NULL AND deleted_at IS NULL",
            &[&user.to_string()],
        )?
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

/// `triggers::change_inbox` on one transaction (each change a setting: no read-then-write).
pub fn change(tx: &mut Transaction<'_>, user: Uuid, changes: &[portal_api::InboxChange], at: i64) -> DbResult<()> {
    let read =
        tx.prepare("UPDATE inbox_messages SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2")?;
    let delete = tx.prepare(
        "UPDATE inbox_messages SET deleted_at = COALESCE(deleted_at, $3), read_at = COALESCE(read_at, $3),
             title_zh = '', title_en = '', body_zh = '', body_en = '', models = '[]', link = NULL
         WHERE id = $1 AND user_id = $2",
    )?;
    for c in changes {
        let statement = match c.change {
            portal_api::InboxChangeKind::Read => &read,
            portal_api::InboxChangeKind::Delete => &delete,
        };
        tx.execute(statement, &[&c.message.to_string(), &user.to_string(), &at])?;
    }
    Ok(())
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

#[async_trait]
impl Triggers for PostgresDatabase {
    async fn create_trigger(&self, trigger: portal_api::Trigger, created_by: Uuid) -> DbResult<bool> {
        self.run(move |client| self::create(client, &trigger, created_by)).await
    }

    async fn triggers(&self) -> DbResult<Vec<portal_api::Trigger>> {
        self.run(self::all).await
    }

    async fn set_trigger_active(&self, id: Uuid, active: bool, now: i64) -> DbResult<bool> {
        self.run(move |client| self::set_active(client, id, active, now)).await
    }

    async fn followers_of(&self, models: Vec<String>) -> DbResult<Vec<(Uuid, String)>> {
        self.read_committed(move |tx| self::followers_of(tx, &models)).await
    }

    async fn trigger_facts(&self, since: i64, birthdays: Vec<String>) -> DbResult<portal_db::TriggerFacts> {
        self.read_committed(move |tx| self::facts(tx, since, &birthdays)).await
    }

    async fn set_birthday(&self, user: Uuid, birthday: Option<String>) -> DbResult<()> {
        self.run(move |client| {
            client.execute("UPDATE users SET birthday = $2 WHERE id = $1", &[&user.to_string(), &birthday])?;
            Ok(())
        })
        .await
    }

    async fn birthday(&self, user: Uuid) -> DbResult<Option<String>> {
        self.run(move |client| {
            Ok(client
                .query_opt("SELECT birthday FROM users WHERE id = $1", &[&user.to_string()])?
                .and_then(|r| r.get::<_, Option<String>>(0)))
        })
        .await
    }

    async fn send_inbox(&self, messages: Vec<portal_db::InboxRow>, cooldown_secs: i64) -> DbResult<Vec<bool>> {
        self.read_committed(move |tx| self::send(tx, &messages, cooldown_secs)).await
    }

    async fn inbox(&self, user: Uuid, limit: u32) -> DbResult<portal_api::Inbox> {
        self.read_committed(move |tx| self::inbox(tx, user, limit)).await
    }

    async fn mark_inbox_read(&self, user: Uuid, id: Uuid, at: i64) -> DbResult<bool> {
        self.run(move |client| self::mark_read(client, user, id, at)).await
    }

    async fn inbox_written(
        &self,
        since: i64,
        after: Option<portal_db::InboxMark>,
        limit: u32,
    ) -> DbResult<Vec<portal_db::WrittenInbox>> {
        self.run(move |client| {
            let (at, id) = after.map_or((since - 1, String::new()), |m| (m.at, m.id.to_string()));
            client
                .query(
                    "SELECT created_at, id, user_id FROM inbox_messages
                     WHERE created_at >= $1 AND (created_at, id COLLATE \"C\") > ($2, $3::text COLLATE \"C\")
                     ORDER BY created_at, id COLLATE \"C\" LIMIT $4",
                    &[&since, &at, &id, &i64::from(limit)],
                )?
                .iter()
                .map(|r| {
                    Ok(portal_db::WrittenInbox {
                        mark: portal_db::InboxMark { at: r.get(0), id: crate::uuid(r.get(1))? },
                        user: crate::uuid(r.get(2))?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn change_inbox(&self, user: Uuid, changes: Vec<portal_api::InboxChange>, at: i64) -> DbResult<()> {
        self.read_committed(move |tx| self::change(tx, user, &changes, at)).await
    }

    fn watch_inbox(&self, wake: InboxWake) {
        let mut watchers = self.inbox_watchers.write().unwrap_or_else(|p| p.into_inner());
        watchers.push(wake);
        if watchers.len() == 1 {
            let (config, tls) = self.connect.clone();
            let started = crate::listen::spawn(config, tls, self.inbox_watchers.clone(), self.stop_listening.clone());
            if let Err(e) = started {
                tracing::error!(error = %e, "cannot start listening for new inbox messages");
            }
        }
    }
}
