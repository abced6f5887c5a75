//! People's behaviour for the recommenders: a page of people at a time, or one person.
use portal_api::EventKind;
use postgres::{types::ToSql, Transaction};
use uuid::Uuid;

use super::super::{
    people::{page_through, InterestPage, InterestRow, PeopleRows, PeopleScope, PersonHistory, StorePurchase},
    DbResult,
};

const DECLINED: &str = "NOT IN (SELECT user_id FROM tracking_consent WHERE NOT tracking)";

/// The people after `after`, about `rows` rows of each kind's worth, and where the next page
/// starts (in the caller's one snapshot).
pub fn interest_page(tx: &mut Transaction<'_>, since: i64, after: Option<Uuid>, rows: u32) -> DbResult<InterestPage> {
    let from = after.map(|u| u.to_string()).unwrap_or_default();
    let offset = i64::from(rows);
    let mut bound = |sql: &str| -> DbResult<Option<String>> {
        Ok(tx.query_opt(sql, &[&from, &offset])?.map(|r| r.get(0)))
    };
    let through = page_through(
        bound("SELECT user_id FROM behaviour_interest WHERE user_id > $1 ORDER BY user_id LIMIT 1 OFFSET $2")?,
        bound("SELECT customer_id FROM sales WHERE customer_id > $1 ORDER BY customer_id LIMIT 1 OFFSET $2")?,
    );
    let people = read(tx, since, PeopleScope::Range { after, through })?.assemble();
    Ok(InterestPage { people, next: through })
}

/// One person's behaviour since `since` (nothing when they declined tracking).
pub fn person_history(tx: &mut Transaction<'_>, user: Uuid, since: i64) -> DbResult<PersonHistory> {
    let person = read(tx, since, PeopleScope::One(user))?.person(user);
    Ok(person)
}

fn read(tx: &mut Transaction<'_>, since: i64, scope: PeopleScope) -> DbResult<PeopleRows> {
    let (who, ids) = scope.condition("user_id", '$', 2);
    let (customer, _) = scope.condition("s.customer_id", '$', 2);
    let mut args: Vec<&(dyn ToSql + Sync)> = vec![&since];
    args.extend(ids.iter().map(|id| id as &(dyn ToSql + Sync)));
    let mut rows = PeopleRows::default();
    let sql = format!(
        "SELECT user_id, model, kind, last_at FROM behaviour_interest
         WHERE {who} AND last_at >= $1 AND user_id {DECLINED}"
    );
    for r in tx.query(&sql, &args)? {
        if let Some(kind) = EventKind::parse(r.get(2)) {
            rows.interest.push((r.get(0), InterestRow { model: r.get(1), kind, at: r.get(3) }));
        }
    }
    let sql = format!(
        "SELECT s.customer_id, l.sku, s.device_at FROM sales s JOIN sale_lines l ON l.sale_id = s.id
         WHERE {customer} AND s.device_at >= $1 AND l.returned < l.quantity AND s.customer_id {DECLINED}"
    );
    for r in tx.query(&sql, &args)? {
        rows.purchases.push((r.get(0), StorePurchase { sku: r.get(1), at: r.get(2) }));
    }
    let sql = format!(
        "SELECT DISTINCT ON (s.customer_id) s.customer_id, st.city FROM sales s JOIN stores st ON st.id = s.store_id
         WHERE {customer} AND s.device_at >= $1 AND s.customer_id {DECLINED}
           AND EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id AND l.returned < l.quantity)
         ORDER BY s.customer_id, s.device_at DESC"
    );
    for r in tx.query(&sql, &args)? {
        rows.cities.push((r.get(0), r.get(1)));
    }
    // `$1` is not used here; every statement takes the same parameters.
    let sql =
        format!("SELECT user_id, tag_id FROM customer_tag_members WHERE {who} AND $1::BIGINT IS NOT NULL AND user_id {DECLINED}");
    for r in tx.query(&sql, &args)? {
        rows.segments.push((r.get(0), r.get(1)));
    }
    Ok(rows)
}
