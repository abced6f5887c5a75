//! Customer tags, the tags' incremental progress, the customer view's record and counter grants.
use super::*;
use portal_api::EventKind;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use portal_db::{CustomerActivity, CustomerRecord, Customers, DbResult, PurchaseLine, TagRow};

fn uuid(s: String) -> Option<Uuid> {
    Uuid::parse_str(&s).ok()
}

pub fn create_tag(conn: &Connection, tag: &TagRow) -> DbResult<bool> {
    let inserted = conn.execute(
        "INSERT INTO customer_tags (id, name, rule, created_by, created_at, size, computed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, NULL) ON CONFLICT (name) DO NOTHING",
        params![tag.id.to_string(), tag.name, tag.rule, tag.created_by.to_string(), tag.created_at],
    )?;
    Ok(inserted == 1)
}

pub fn tags(conn: &Connection) -> DbResult<Vec<TagRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, name, rule, created_by, created_at, size, computed_at FROM customer_tags ORDER BY name",
        )?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get::<_, String>(3)?,
                r.get(4)?,
                r.get::<_, i64>(5)?,
                r.get(6)?,
            ))
        })?
        .filter_map(|row| {
            let (id, name, rule, by, created_at, size, computed_at) = row.ok()?;
            Some(TagRow {
                id: uuid(id)?,
                name,
                rule,
                created_by: uuid(by)?,
                created_at,
                size: size as u32,
                computed_at,
            })
        })
        .collect())
}

pub fn delete_tag(conn: &mut Connection, id: Uuid) -> DbResult<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute("DELETE FROM customer_tag_members WHERE tag_id = ?1", [id.to_string()])?;
    let deleted = tx.execute("DELETE FROM customer_tags WHERE id = ?1", [id.to_string()])?;
    tx.commit()?;
    Ok(deleted == 1)
}

pub fn changed_customers(conn: &Connection, after: i64, until: i64, purchases_after: i64) -> DbResult<Vec<Uuid>> {
    Ok(conn
        .prepare(
            "SELECT user_id FROM behaviour_events WHERE user_id IS NOT NULL AND received_at > ?1 AND received_at <= ?2
             UNION
             SELECT user_id FROM tracking_consent WHERE changed_at > ?1 AND changed_at <= ?2
             UNION
             SELECT customer_id FROM sales WHERE customer_id IS NOT NULL AND device_at > ?3",
        )?
        .query_map(params![after, until, purchases_after], |r| r.get::<_, String>(0))?
        .filter_map(|r| r.ok().and_then(uuid))
        .collect())
}

pub fn customer_activity(conn: &Connection, customers: &Customers, since: i64) -> DbResult<Vec<CustomerActivity>> {
    let ids: Vec<String> = match customers {
        Customers::Only(ids) => {
            let mut consumer =
                conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1 AND role = 'consumer')")?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                if consumer.query_row([id.to_string()], |r| r.get::<_, bool>(0))? {
                    out.push(id.to_string());
                }
            }
            out
        }
        Customers::Page { after, limit } => conn
            .prepare_cached("SELECT id FROM users WHERE role = 'consumer' AND id > ?1 ORDER BY id LIMIT ?2")?
            .query_map(params![after.map(|a| a.to_string()).unwrap_or_default(), limit], |r| r.get(0))?
            .collect::<Result<_, _>>()?,
    };
    let mut purchases = conn.prepare_cached(
        "SELECT l.sku, s.device_at, l.quantity - l.returned, l.net * (l.quantity - l.returned) / l.quantity, st.city
         FROM sales s JOIN sale_lines l ON l.sale_id = s.id JOIN stores st ON st.id = s.store_id
         WHERE s.customer_id = ?1 AND l.returned < l.quantity",
    )?;
    let mut events = conn.prepare_cached(
        "SELECT kind, model, at FROM behaviour_events WHERE user_id = ?1 AND at >= ?2
           AND NOT EXISTS (SELECT 1 FROM tracking_consent c WHERE c.user_id = ?1 AND NOT c.tracking)
           AND kind NOT IN ('recommendation_shown', 'search', 'filter', 'store_finder')
         ORDER BY at, kind",
    )?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(user_id) = uuid(id.clone()) else { continue };
        let purchases = purchases
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<Result<_, _>>()?;
        let events = events
            .query_map(params![id, since], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?
            .filter_map(|r| r.ok().and_then(|(kind, model, at)| Some((EventKind::parse(&kind)?, model, at))))
            .collect();
        out.push(CustomerActivity { user_id, purchases, events });
    }
    Ok(out)
}

pub fn set_tag_members(
    conn: &mut Connection,
    tag: Uuid,
    checked: &[Uuid],
    members: &[Uuid],
    recount: bool,
    computed_at: Option<i64>,
) -> DbResult<u32> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let tag_id = tag.to_string();
    let exists: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM customer_tags WHERE id = ?1)", [&tag_id], |r| r.get(0))?;
    if !exists {
        return Ok(0);
    }
    {
        let mut remove = tx.prepare_cached("DELETE FROM customer_tag_members WHERE tag_id = ?1 AND user_id = ?2")?;
        for user in checked {
            remove.execute(params![tag_id, user.to_string()])?;
        }
        let mut add = tx.prepare_cached(
            "INSERT INTO customer_tag_members (tag_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?;
        for user in members {
            add.execute(params![tag_id, user.to_string()])?;
        }
    }
    let size: i64 = if recount {
        let size: i64 =
            tx.query_row("SELECT COUNT(*) FROM customer_tag_members WHERE tag_id = ?1", [&tag_id], |r| r.get(0))?;
        tx.execute(
            "UPDATE customer_tags SET size = ?2, computed_at = COALESCE(?3, computed_at) WHERE id = ?1",
            params![tag_id, size, computed_at],
        )?;
        size
    } else {
        tx.query_row("SELECT size FROM customer_tags WHERE id = ?1", [&tag_id], |r| r.get(0))?
    };
    tx.commit()?;
    Ok(size as u32)
}

pub fn tag_progress(conn: &Connection) -> DbResult<(i64, i64)> {
    Ok(conn
        .query_row("SELECT events_through, full_at FROM customer_tag_progress WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?
        .unwrap_or((0, 0)))
}

pub fn set_tag_progress(conn: &Connection, events_through: i64, full_at: i64) -> DbResult<()> {
    conn.execute(
        "INSERT INTO customer_tag_progress (id, events_through, full_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET events_through = MAX(events_through, excluded.events_through),
                                        full_at = MAX(full_at, excluded.full_at)",
        params![events_through, full_at],
    )?;
    Ok(())
}

pub fn customer_record(conn: &Connection, user_id: Uuid, limit: u32) -> DbResult<CustomerRecord> {
    let user = user_id.to_string();
    let purchases = conn
        .prepare_cached(
            "SELECT s.id, st.name, st.city, s.device_at, l.sku, l.quantity, l.returned, l.net
             FROM sales s JOIN sale_lines l ON l.sale_id = s.id JOIN stores st ON st.id = s.store_id
             WHERE s.customer_id = ?1 ORDER BY s.device_at DESC, s.id, l.line LIMIT ?2",
        )?
        .query_map(params![user, limit], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
        })?
        .filter_map(|r| {
            let (sale, store_name, city, at, sku, quantity, returned, net) = r.ok()?;
            Some(PurchaseLine { sale_id: uuid(sale)?, store_name, city, at, sku, quantity, returned, net })
        })
        .collect();
    let tags = conn
        .prepare_cached(
            "SELECT t.name FROM customer_tag_members m JOIN customer_tags t ON t.id = m.tag_id
             WHERE m.user_id = ?1 ORDER BY t.name",
        )?
        .query_map([&user], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let lists: Vec<(Uuid, i64, String, String, Vec<String>)> = conn
        .prepare_cached(
            "SELECT id, served_at, placement, algorithm, models FROM recommendation_lists
             WHERE user_id = ?1 ORDER BY served_at DESC, id DESC LIMIT ?2",
        )?
        .query_map(params![user, limit], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get::<_, String>(4)?))
        })?
        .filter_map(|r| {
            let (id, at, placement, algorithm, models) = r.ok()?;
            Some((uuid(id)?, at, placement, algorithm, serde_json::from_str(&models).unwrap_or_default()))
        })
        .collect();
    let mut clicks = Vec::new();
    let mut clicked = conn.prepare_cached(
        "SELECT DISTINCT model FROM behaviour_events
         WHERE recommendation = ?1 AND user_id = ?2 AND kind = 'recommendation_clicked' AND model IS NOT NULL",
    )?;
    for (id, ..) in &lists {
        for model in clicked.query_map(params![id.to_string(), user], |r| r.get::<_, String>(0))? {
            clicks.push((*id, model?));
        }
    }
    let spend = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(l.net * (l.quantity - l.returned) / l.quantity), 0)
             FROM sales s JOIN sale_lines l ON l.sale_id = s.id WHERE s.customer_id = ?1 AND l.quantity > 0",
        )?
        .query_row([&user], |r| r.get(0))?;
    Ok(CustomerRecord { purchases, spend, tags, lists, clicks })
}

pub fn grant_counter_view(
    conn: &Connection,
    promoter: Uuid,
    customer: Uuid,
    store: Option<Uuid>,
    expires_at: i64,
) -> DbResult<()> {
    conn.execute(
        "INSERT INTO counter_grants (promoter_id, customer_id, store_id, expires_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (promoter_id, customer_id) DO UPDATE SET store_id = excluded.store_id, expires_at = excluded.expires_at",
        params![promoter.to_string(), customer.to_string(), store.map(|s| s.to_string()), expires_at],
    )?;
    Ok(())
}

pub fn counter_view_until(
    conn: &Connection,
    promoter: Uuid,
    customer: Uuid,
    store: Option<Uuid>,
    now: i64,
) -> DbResult<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT expires_at FROM counter_grants
             WHERE promoter_id = ?1 AND customer_id = ?2 AND expires_at > ?3 AND store_id IS ?4",
            params![promoter.to_string(), customer.to_string(), now, store.map(|s| s.to_string())],
            |r| r.get(0),
        )
        .optional()?)
}

#[async_trait]
impl Tags for SqliteDatabase {
    async fn create_tag(&self, tag: TagRow) -> DbResult<bool> {
        self.run(move |conn| self::create_tag(conn, &tag)).await
    }

    async fn tags(&self) -> DbResult<Vec<TagRow>> {
        self.run(|conn| self::tags(conn)).await
    }

    async fn delete_tag(&self, id: Uuid) -> DbResult<bool> {
        self.run(move |conn| self::delete_tag(conn, id)).await
    }

    async fn changed_customers(&self, after: i64, until: i64, purchases_after: i64) -> DbResult<Vec<Uuid>> {
        self.run(move |conn| self::changed_customers(conn, after, until, purchases_after)).await
    }

    async fn customer_activity(&self, who: Customers, since: i64) -> DbResult<Vec<CustomerActivity>> {
        self.run(move |conn| self::customer_activity(conn, &who, since)).await
    }

    async fn set_tag_members(
        &self,
        tag: Uuid,
        checked: Vec<Uuid>,
        members: Vec<Uuid>,
        recount: bool,
        computed_at: Option<i64>,
    ) -> DbResult<u32> {
        self.run(move |conn| self::set_tag_members(conn, tag, &checked, &members, recount, computed_at)).await
    }

    async fn tag_progress(&self) -> DbResult<(i64, i64)> {
        self.run(|conn| self::tag_progress(conn)).await
    }

    async fn set_tag_progress(&self, events_through: i64, full_at: i64) -> DbResult<()> {
        self.run(move |conn| self::set_tag_progress(conn, events_through, full_at)).await
    }

    async fn customer_purchases(&self, since: i64) -> DbResult<Vec<(Uuid, String, i64, i64)>> {
        self.run(move |conn| events::customer_purchases(conn, since)).await
    }
}

#[async_trait]
impl CustomerView for SqliteDatabase {
    async fn customer_record(&self, user_id: Uuid, limit: u32) -> DbResult<CustomerRecord> {
        self.run(move |conn| self::customer_record(conn, user_id, limit)).await
    }

    async fn grant_counter_view(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        expires_at: i64,
    ) -> DbResult<()> {
        self.run(move |conn| self::grant_counter_view(conn, promoter, customer, store, expires_at)).await
    }

    async fn counter_view_until(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        now: i64,
    ) -> DbResult<Option<i64>> {
        self.run(move |conn| self::counter_view_until(conn, promoter, customer, store, now)).await
    }
}
