//! People's behaviour for the recommenders: a page of people at a time, or one person.
use super::*;
use portal_api::EventKind;
use postgres::{types::ToSql, Transaction};
use uuid::Uuid;

use portal_db::{
    people::{merge_bounds, InterestRow, PageEnds, PeopleRows, PeopleScope, PersonHistory, StorePurchase},
    DbResult,
};

/// Where the next `pages` pages end (`Database::interest_bounds`).
pub fn interest_bounds(tx: &mut Transaction<'_>, after: Option<Uuid>, rows: u32, pages: u32) -> DbResult<PageEnds> {
    let from = after.map(|u| u.to_string()).unwrap_or_default();
    let (rows, pages) = (i64::from(rows.max(1)), i64::from(pages));
    let mut ends = |column: &str, table: &str| -> DbResult<Vec<String>> {
        let sql = format!(
            "SELECT id FROM (SELECT {column} AS id, ROW_NUMBER() OVER (ORDER BY {column}) AS n
               FROM (SELECT {column} FROM {table} WHERE {column} > $1 ORDER BY {column} LIMIT $2) AS next) AS numbered
             WHERE n % $3 = 0 ORDER BY id"
        );
        Ok(tx.query(&sql, &[&from, &(rows * pages), &rows])?.iter().map(|r| r.get(0)).collect())
    };
    let interest = ends("user_id", "behaviour_interest")?;
    Ok(merge_bounds(interest, ends("customer_id", "sales")?, pages as u32))
}

/// The people after `after` up to `through` (in the caller's one snapshot).
pub fn interest_range(
    tx: &mut Transaction<'_>,
    since: i64,
    after: Option<Uuid>,
    through: Option<Uuid>,
) -> DbResult<Vec<PersonHistory>> {
    Ok(read(tx, since, PeopleScope::Range { after, through })?.assemble())
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
    // Who declined tracking, read first: their rows are left out as they are read.
    let sql = format!("SELECT user_id FROM tracking_consent WHERE {who} AND NOT tracking AND $1::BIGINT IS NOT NULL");
    let declined: Vec<Uuid> =
        tx.query(&sql, &args)?.iter().filter_map(|r| Uuid::parse_str(r.get::<_, &str>(0)).ok()).collect();
    let mut rows = PeopleRows::declined(declined);
    let sql = format!(
        "SELECT user_id, model, kind, last_at FROM behaviour_interest
         WHERE {who} AND last_at >= $1{}",
        scope.newest("last_at", "")
    );
    for r in tx.query(&sql, &args)? {
        if let (Some(user), Some(kind)) = (rows.id(r.get(0)), EventKind::parse(r.get(2))) {
            rows.interest.push((user, InterestRow { model: r.get(1), kind, at: r.get(3) }));
        }
    }
    let sql = format!(
        "SELECT s.customer_id, l.sku, s.device_at FROM sales s JOIN sale_lines l ON l.sale_id = s.id
         WHERE {customer} AND s.device_at >= $1 AND l.returned < l.quantity{}",
        scope.newest("s.device_at", "")
    );
    for r in tx.query(&sql, &args)? {
        if let Some(user) = rows.id(r.get(0)) {
            rows.purchases.push((user, StorePurchase { sku: r.get(1), at: r.get(2) }));
        }
    }
    let sql = format!(
        "SELECT DISTINCT ON (s.customer_id) s.customer_id, st.city FROM sales s JOIN stores st ON st.id = s.store_id
         WHERE {customer} AND s.device_at >= $1
           AND EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id AND l.returned < l.quantity)
         ORDER BY s.customer_id, s.device_at DESC"
    );
    for r in tx.query(&sql, &args)? {
        if let Some(user) = rows.id(r.get(0)) {
            rows.cities.push((user, r.get(1)));
        }
    }
    // `$1` is not used here; every statement takes the same parameters.
    let sql = format!("SELECT user_id, tag_id FROM customer_tag_members WHERE {who} AND $1::BIGINT IS NOT NULL");
    for r in tx.query(&sql, &args)? {
        if let (Some(user), Ok(tag)) = (rows.id(r.get(0)), Uuid::parse_str(r.get(1))) {
            rows.segments.push((user, tag));
        }
    }
    Ok(rows)
}

#[async_trait]
impl Interest for PostgresDatabase {
    async fn interest_bounds(&self, after: Option<Uuid>, rows: u32, pages: u32) -> DbResult<PageEnds> {
        self.read_committed(move |tx| self::interest_bounds(tx, after, rows, pages)).await
    }

    async fn interest_range(
        &self,
        since: i64,
        after: Option<Uuid>,
        through: Option<Uuid>,
    ) -> DbResult<Vec<PersonHistory>> {
        // One snapshot for the page's rows.
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| self::interest_range(tx, since, after, through))
        })
        .await
    }

    async fn person_history(&self, user: Uuid, since: i64) -> DbResult<PersonHistory> {
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| self::person_history(tx, user, since))
        })
        .await
    }

    async fn every_interaction(&self, since: i64) -> DbResult<Interactions> {
        self.run(move |client| {
            in_transaction(client, IsolationLevel::RepeatableRead, |tx| events::interactions(tx, since, true))
        })
        .await
    }
}
