//! Customer tags, the tags' incremental progress, the customer view's record and counter grants.
use super::*;
use ::postgres::Transaction;
use portal_api::EventKind;
use uuid::Uuid;

use portal_db::{CustomerActivity, CustomerRecord, Customers, DbResult, PurchaseLine, TagRow};

fn uuid(s: String) -> Option<Uuid> {
    Uuid::parse_str(&s).ok()
}

pub fn create_tag(tx: &mut Transaction<'_>, tag: &TagRow) -> DbResult<bool> {
    let inserted = tx.execute(
        "INSERT INTO customer_tags (id, name, rule, created_by, created_at, size, computed_at)
         VALUES ($1, $2, $3, $4, $5, 0, NULL) ON CONFLICT (name) DO NOTHING",
        &[&tag.id.to_string(), &tag.name, &tag.rule, &tag.created_by.to_string(), &tag.created_at],
    )?;
    Ok(inserted == 1)
}

pub fn tags(tx: &mut Transaction<'_>) -> DbResult<Vec<TagRow>> {
    Ok(tx
        .query(
            "SELECT id, name, rule, created_by, created_at, size, computed_at FROM customer_tags ORDER BY name",
            &[],
        )?
        .into_iter()
        .filter_map(|r| {
            Some(TagRow {
                id: uuid(r.get(0))?,
                name: r.get(1),
                rule: r.get(2),
                created_by: uuid(r.get(3))?,
                created_at: r.get(4),
                size: r.get::<_, i64>(5) as u32,
                computed_at: r.get(6),
            })
        })
        .collect())
}

pub fn delete_tag(tx: &mut Transaction<'_>, id: Uuid) -> DbResult<bool> {
    // Locked first: a pass writing members of this tag finishes before, or finds it gone.
    tx.query_opt("SELECT 1 FROM customer_tags WHERE id = $1 FOR UPDATE", &[&id.to_string()])?;
    tx.execute("DELETE FROM customer_tag_members WHERE tag_id = $1", &[&id.to_string()])?;
    Ok(tx.execute("DELETE FROM customer_tags WHERE id = $1", &[&id.to_string()])? == 1)
}

pub fn changed_customers(
    tx: &mut Transaction<'_>,
    after: i64,
    until: i64,
    purchases_after: i64,
) -> DbResult<Vec<Uuid>> {
    Ok(tx
        .query(
            "SELECT user_id FROM behaviour_events WHERE user_id IS NOT NULL AND received_at > $1 AND received_at <= $2
             UNION
             SELECT user_id FROM tracking_consent WHERE changed_at > $1 AND changed_at <= $2
             UNION
             SELECT customer_id FROM sales WHERE customer_id IS NOT NULL AND device_at > $3",
            &[&after, &until, &purchases_after],
        )?
        .into_iter()
        .filter_map(|r| uuid(r.get(0)))
        .collect())
}

pub fn customer_activity(
    tx: &mut Transaction<'_>,
    customers: &Customers,
    since: i64,
) -> DbResult<Vec<CustomerActivity>> {
    let ids: Vec<String> = match customers {
        Customers::Only(ids) => {
            let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
            tx.query("SELECT id FROM users WHERE id = ANY($1) AND role = 'consumer' ORDER BY id", &[&ids])?
                .into_iter()
                .map(|r| r.get(0))
                .collect()
        }
        Customers::Page { after, limit } => tx
            .query(
                "SELECT id FROM users WHERE role = 'consumer' AND id > $1 ORDER BY id LIMIT $2",
                &[&after.map(|a| a.to_string()).unwrap_or_default(), &i64::from(*limit)],
            )?
            .into_iter()
            .map(|r| r.get(0))
            .collect(),
    };
    let mut out: Vec<CustomerActivity> = ids
        .iter()
        .filter_map(|id| Some(CustomerActivity { user_id: uuid(id.clone())?, ..Default::default() }))
        .collect();
    let index: std::collections::HashMap<Uuid, usize> = out.iter().enumerate().map(|(i, a)| (a.user_id, i)).collect();
    for r in tx.query(
        "SELECT s.customer_id, l.sku, s.device_at, l.quantity - l.returned, l.net * (l.quantity - l.returned) / l.quantity, st.city
         FROM sales s JOIN sale_lines l ON l.sale_id = s.id JOIN stores st ON st.id = s.store_id
         WHERE s.customer_id = ANY($1) AND l.returned < l.quantity",
        &[&ids],
    )? {
        if let Some(&i) = uuid(r.get(0)).and_then(|u| index.get(&u)) {
            out[i].purchases.push((r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)));
        }
    }
    for r in tx.query(
        "SELECT user_id, kind, model, at FROM behaviour_events e WHERE user_id = ANY($1) AND at >= $2
           AND NOT EXISTS (SELECT 1 FROM tracking_consent c WHERE c.user_id = e.user_id AND NOT c.tracking)
           AND kind NOT IN ('recommendation_shown', 'search', 'filter', 'store_finder')
         ORDER BY at, kind",
        &[&ids, &since],
    )? {
        let Some(kind) = EventKind::parse(r.get(1)) else { continue };
        if let Some(&i) = uuid(r.get(0)).and_then(|u| index.get(&u)) {
            out[i].events.push((kind, r.get(2), r.get(3)));
        }
    }
    Ok(out)
}

pub fn set_tag_members(
    tx: &mut Transaction<'_>,
    tag: Uuid,
    checked: &[Uuid],
    members: &[Uuid],
    recount: bool,
    computed_at: Option<i64>,
) -> DbResult<u32> {
    let tag_id = tag.to_string();
    // The tag's row is locked: two passes over the same tag apply one after the other.
    if tx.query_opt("SELECT 1 FROM customer_tags WHERE id = $1 FOR UPDATE", &[&tag_id])?.is_none() {
        return Ok(0);
    }
    let checked: Vec<String> = checked.iter().map(Uuid::to_string).collect();
    let members: Vec<String> = members.iter().map(Uuid::to_string).collect();
    tx.execute("DELETE FROM customer_tag_members WHERE tag_id = $1 AND user_id = ANY($2)", &[&tag_id, &checked])?;
    tx.execute(
        "INSERT INTO customer_tag_members (tag_id, user_id) SELECT $1, u FROM UNNEST($2::text[]) AS u
         ON CONFLICT DO NOTHING",
        &[&tag_id, &members],
    )?;
    if !recount {
        return Ok(tx.query_one("SELECT size FROM customer_tags WHERE id = $1", &[&tag_id])?.get::<_, i64>(0) as u32);
    }
    let size: i64 = tx.query_one("SELECT COUNT(*) FROM customer_tag_members WHERE tag_id = $1", &[&tag_id])?.get(0);
    tx.execute(
        "UPDATE customer_tags SET size = $2, computed_at = COALESCE($3, computed_at) WHERE id = $1",
        &[&tag_id, &size, &computed_at],
    )?;
    Ok(size as u32)
}

pub fn tag_progress(tx: &mut Transaction<'_>) -> DbResult<(i64, i64)> {
    Ok(tx
        .query_opt("SELECT events_through, full_at FROM customer_tag_progress WHERE id = 1", &[])?
        .map(|r| (r.get(0), r.get(1)))
        .unwrap_or((0, 0)))
}

pub fn set_tag_progress(tx: &mut Transaction<'_>, events_through: i64, full_at: i64) -> DbResult<()> {
    tx.execute(
        "INSERT INTO customer_tag_progress (id, events_through, full_at) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET
           events_through = GREATEST(customer_tag_progress.events_through, excluded.events_through),
           full_at = GREATEST(customer_tag_progress.full_at, excluded.full_at)",
        &[&events_through, &full_at],
    )?;
    Ok(())
}

pub fn customer_record(tx: &mut Transaction<'_>, user_id: Uuid, limit: u32) -> DbResult<CustomerRecord> {
    let user = user_id.to_string();
    let limit = i64::from(limit);
    let purchases = tx
        .query(
            "SELECT s.id, st.name, st.city, s.device_at, l.sku, l.quantity, l.returned, l.net
             FROM sales s JOIN sale_lines l ON l.sale_id = s.id JOIN stores st ON st.id = s.store_id
             WHERE s.customer_id = $1 ORDER BY s.device_at DESC, s.id, l.line LIMIT $2",
            &[&user, &limit],
        )?
        .into_iter()
        .filter_map(|r| {
            Some(PurchaseLine {
                sale_id: uuid(r.get(0))?,
                store_name: r.get(1),
                city: r.get(2),
                at: r.get(3),
                sku: r.get(4),
                quantity: r.get(5),
                returned: r.get(6),
                net: r.get(7),
            })
        })
        .collect();
    let tags = tx
        .query(
            "SELECT t.name FROM customer_tag_members m JOIN customer_tags t ON t.id = m.tag_id
             WHERE m.user_id = $1 ORDER BY t.name",
            &[&user],
        )?
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    let lists: Vec<(Uuid, i64, String, String, Vec<String>)> = tx
        .query(
            "SELECT id, served_at, placement, algorithm, models FROM recommendation_lists
             WHERE user_id = $1 ORDER BY served_at DESC, id DESC LIMIT $2",
            &[&user, &limit],
        )?
        .into_iter()
        .filter_map(|r| {
            Some((
                uuid(r.get(0))?,
                r.get(1),
                r.get(2),
                r.get(3),
                serde_json::from_str(r.get::<_, &str>(4)).unwrap_or_default(),
            ))
        })
        .collect();
    let ids: Vec<String> = lists.iter().map(|l| l.0.to_string()).collect();
    let clicks = tx
        .query(
            "SELECT DISTINCT recommendation, model FROM behaviour_events
             WHERE recommendation = ANY($1) AND user_id = $2 AND kind = 'recommendation_clicked' AND model IS NOT NULL",
            &[&ids, &user],
        )?
        .into_iter()
        .filter_map(|r| Some((uuid(r.get(0))?, r.get(1))))
        .collect();
    let spend: i64 = tx
        .query_one(
            "SELECT COALESCE(SUM(l.net * (l.quantity - l.returned) / l.quantity), 0)::bigint
             FROM sales s JOIN sale_lines l ON l.sale_id = s.id WHERE s.customer_id = $1 AND l.quantity > 0",
            &[&user],
        )?
        .get(0);
    Ok(CustomerRecord { purchases, spend, tags, lists, clicks })
}

pub fn grant_counter_view(
    tx: &mut Transaction<'_>,
    promoter: Uuid,
    customer: Uuid,
    store: Option<Uuid>,
    expires_at: i64,
) -> DbResult<()> {
    tx.execute(
        "INSERT INTO counter_grants (promoter_id, customer_id, store_id, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (promoter_id, customer_id) DO UPDATE SET store_id = excluded.store_id, expires_at = excluded.expires_at",
        &[&promoter.to_string(), &customer.to_string(), &store.map(|s| s.to_string()), &expires_at],
    )?;
    Ok(())
}

pub fn counter_view_until(
    tx: &mut Transaction<'_>,
    promoter: Uuid,
    customer: Uuid,
    store: Option<Uuid>,
    now: i64,
) -> DbResult<Option<i64>> {
    Ok(tx
        .query_opt(
            "SELECT expires_at FROM counter_grants
             WHERE promoter_id = $1 AND customer_id = $2 AND expires_at > $3 AND store_id IS NOT DISTINCT FROM $4",
            &[&promoter.to_string(), &customer.to_string(), &now, &store.map(|s| s.to_string())],
        )?
        .map(|r| r.get(0)))
}

#[async_trait]
impl Tags for PostgresDatabase {
    async fn create_tag(&self, tag: TagRow) -> DbResult<bool> {
        self.read_committed(move |tx| self::create_tag(tx, &tag)).await
    }

    async fn tags(&self) -> DbResult<Vec<TagRow>> {
        self.read_committed(self::tags).await
    }

    async fn delete_tag(&self, id: Uuid) -> DbResult<bool> {
        self.read_committed(move |tx| self::delete_tag(tx, id)).await
    }

    async fn changed_customers(&self, after: i64, until: i64, purchases_after: i64) -> DbResult<Vec<Uuid>> {
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| {
                self::changed_customers(tx, after, until, purchases_after)
            })
        })
        .await
    }

    async fn customer_activity(&self, who: Customers, since: i64) -> DbResult<Vec<CustomerActivity>> {
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| self::customer_activity(tx, &who, since))
        })
        .await
    }

    async fn set_tag_members(
        &self,
        tag: Uuid,
        checked: Vec<Uuid>,
        members: Vec<Uuid>,
        recount: bool,
        computed_at: Option<i64>,
    ) -> DbResult<u32> {
        self.read_committed(move |tx| self::set_tag_members(tx, tag, &checked, &members, recount, computed_at)).await
    }

    async fn tag_progress(&self) -> DbResult<(i64, i64)> {
        self.read_committed(self::tag_progress).await
    }

    async fn set_tag_progress(&self, events_through: i64, full_at: i64) -> DbResult<()> {
        self.read_committed(move |tx| self::set_tag_progress(tx, events_through, full_at)).await
    }

    async fn customer_purchases(&self, since: i64) -> DbResult<Vec<(Uuid, String, i64, i64)>> {
        self.read_committed(move |tx| events::customer_purchases(tx, since)).await
    }
}

#[async_trait]
impl CustomerView for PostgresDatabase {
    async fn customer_record(&self, user_id: Uuid, limit: u32) -> DbResult<CustomerRecord> {
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| self::customer_record(tx, user_id, limit))
        })
        .await
    }

    async fn grant_counter_view(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        expires_at: i64,
    ) -> DbResult<()> {
        self.read_committed(move |tx| self::grant_counter_view(tx, promoter, customer, store, expires_at)).await
    }

    async fn counter_view_until(
        &self,
        promoter: Uuid,
        customer: Uuid,
        store: Option<Uuid>,
        now: i64,
    ) -> DbResult<Option<i64>> {
        self.read_committed(move |tx| self::counter_view_until(tx, promoter, customer, store, now)).await
    }
}
