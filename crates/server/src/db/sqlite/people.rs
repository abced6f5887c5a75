//! People's behaviour for the recommenders: a page of people at a time, or one person.
use portal_api::EventKind;
use rusqlite::{params_from_iter, Connection, OptionalExtension};
use uuid::Uuid;

use super::super::{
    people::{page_through, InterestPage, InterestRow, PeopleRows, PeopleScope, PersonHistory, StorePurchase},
    DbResult,
};

const DECLINED: &str = "NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)";

/// The people after `after`, about `rows` rows of each kind's worth, and where the next page
/// starts. One read transaction: the rows of a page agree with each other.
pub fn interest_page(conn: &mut Connection, since: i64, after: Option<Uuid>, rows: u32) -> DbResult<InterestPage> {
    let tx = conn.transaction()?;
    let from = after.map(|u| u.to_string()).unwrap_or_default();
    let bound = |sql: &str| -> DbResult<Option<String>> {
        Ok(tx.prepare_cached(sql)?.query_row(rusqlite::params![from, rows], |r| r.get(0)).optional()?)
    };
    let through = page_through(
        bound("SELECT user_id FROM behaviour_interest WHERE user_id > ?1 ORDER BY user_id LIMIT 1 OFFSET ?2")?,
        bound("SELECT customer_id FROM sales WHERE customer_id > ?1 ORDER BY customer_id LIMIT 1 OFFSET ?2")?,
    );
    let people = read(&tx, since, PeopleScope::Range { after, through })?.assemble();
    tx.commit()?;
    Ok(InterestPage { people, next: through })
}

/// One person's behaviour since `since` (nothing when they declined tracking).
pub fn person_history(conn: &mut Connection, user: Uuid, since: i64) -> DbResult<PersonHistory> {
    let tx = conn.transaction()?;
    let person = read(&tx, since, PeopleScope::One(user))?.person(user);
    tx.commit()?;
    Ok(person)
}

fn read(conn: &Connection, since: i64, scope: PeopleScope) -> DbResult<PeopleRows> {
    let (who, ids) = scope.condition("user_id", '?', 2);
    let (customer, _) = scope.condition("s.customer_id", '?', 2);
    let args = || std::iter::once(rusqlite::types::Value::from(since)).chain(ids.iter().cloned().map(Into::into));
    let mut rows = PeopleRows::default();
    let sql = format!(
        "SELECT user_id, model, kind, last_at FROM behaviour_interest
         WHERE {who} AND last_at >= ?1 AND user_id {DECLINED}"
    );
    for row in conn.prepare_cached(&sql)?.query_map(params_from_iter(args()), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
    })? {
        let (user, model, kind, at) = row?;
        if let Some(kind) = EventKind::parse(&kind) {
            rows.interest.push((user, InterestRow { model, kind, at }));
        }
    }
    let sql = format!(
        "SELECT s.customer_id, l.sku, s.device_at FROM sales s JOIN sale_lines l ON l.sale_id = s.id
         WHERE {customer} AND s.device_at >= ?1 AND l.returned < l.quantity AND s.customer_id {DECLINED}"
    );
    for row in conn.prepare_cached(&sql)?.query_map(params_from_iter(args()), |r| {
        Ok((r.get::<_, String>(0)?, StorePurchase { sku: r.get(1)?, at: r.get(2)? }))
    })? {
        rows.purchases.push(row?);
    }
    // SQLite takes the other columns of the row holding the MAX.
    let sql = format!(
        "SELECT s.customer_id, st.city, MAX(s.device_at) FROM sales s JOIN stores st ON st.id = s.store_id
         WHERE {customer} AND s.device_at >= ?1 AND s.customer_id {DECLINED}
           AND EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id AND l.returned < l.quantity)
         GROUP BY s.customer_id"
    );
    for row in conn.prepare_cached(&sql)?.query_map(params_from_iter(args()), |r| Ok((r.get(0)?, r.get(1)?)))? {
        rows.cities.push(row?);
    }
    // `?1` is not used here; every statement takes the same parameters.
    let sql = format!("SELECT user_id, tag_id FROM customer_tag_members WHERE {who} AND ?1 = ?1 AND user_id {DECLINED}");
    for row in conn.prepare_cached(&sql)?.query_map(params_from_iter(args()), |r| Ok((r.get(0)?, r.get(1)?)))? {
        rows.segments.push(row?);
    }
    Ok(rows)
}
