//! People's behaviour for the recommenders: a page of people at a time, or one person.
use super::*;
use portal_api::EventKind;
use rusqlite::{params_from_iter, Connection};
use uuid::Uuid;

use portal_db::{
    people::{merge_bounds, InterestRow, PageEnds, PeopleRows, PeopleScope, PersonHistory, StorePurchase},
    DbResult,
};

/// Where the next `pages` pages end (`Database::interest_bounds`).
pub fn interest_bounds(conn: &mut Connection, after: Option<Uuid>, rows: u32, pages: u32) -> DbResult<PageEnds> {
    let from = after.map(|u| u.to_string()).unwrap_or_default();
    let (rows, pages) = (i64::from(rows.max(1)), i64::from(pages));
    let ends = |column: &str, table: &str| -> DbResult<Vec<String>> {
        let sql = format!(
            "SELECT id FROM (SELECT {column} AS id, ROW_NUMBER() OVER (ORDER BY {column}) AS n
               FROM (SELECT {column} FROM {table} WHERE {column} > ?1 ORDER BY {column} LIMIT ?2))
             WHERE n % ?3 = 0 ORDER BY id"
        );
        let mut statement = conn.prepare_cached(&sql)?;
        let found = statement.query_map(rusqlite::params![from, rows * pages, rows], |r| r.get(0))?;
        Ok(found.collect::<Result<_, _>>()?)
    };
    Ok(merge_bounds(ends("user_id", "behaviour_interest")?, ends("customer_id", "sales")?, pages as u32))
}

/// The people after `after` up to `through`, in one read transaction.
pub fn interest_range(
    conn: &mut Connection,
    since: i64,
    after: Option<Uuid>,
    through: Option<Uuid>,
) -> DbResult<Vec<PersonHistory>> {
    let tx = conn.transaction()?;
    let people = read(&tx, since, PeopleScope::Range { after, through })?.assemble();
    tx.commit()?;
    Ok(people)
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
    // Who declined tracking, read first: their rows are left out as they are read.
    let sql = format!("SELECT user_id FROM tracking_consent WHERE {who} AND NOT tracking AND ?1 = ?1");
    let declined: Vec<String> =
        conn.prepare_cached(&sql)?.query_map(params_from_iter(args()), |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut rows = PeopleRows::declined(declined.iter().filter_map(|u| Uuid::parse_str(u).ok()));
    // In key order: a page is one range of the table, a person's rows come together.
    let sql = format!(
        "SELECT user_id, model, kind, last_at FROM behaviour_interest
         WHERE {who} AND last_at >= ?1{}",
        scope.newest("last_at", " ORDER BY user_id")
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut found = statement.query(params_from_iter(args()))?;
    while let Some(r) = found.next()? {
        let (Some(user), Some(kind)) = (rows.id(text(r, 0)?), EventKind::parse(text(r, 2)?)) else {
            continue;
        };
        rows.interest.push((user, InterestRow { model: r.get(1)?, kind, at: r.get(3)? }));
    }
    let sql = format!(
        "SELECT s.customer_id, l.sku, s.device_at FROM sales s JOIN sale_lines l ON l.sale_id = s.id
         WHERE {customer} AND s.device_at >= ?1 AND l.returned < l.quantity{}",
        scope.newest("s.device_at", "")
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut found = statement.query(params_from_iter(args()))?;
    while let Some(r) = found.next()? {
        if let Some(user) = rows.id(text(r, 0)?) {
            rows.purchases.push((user, StorePurchase { sku: r.get(1)?, at: r.get(2)? }));
        }
    }
    // SQLite takes the other columns of the row holding the MAX.
    let sql = format!(
        "SELECT s.customer_id, st.city, MAX(s.device_at) FROM sales s JOIN stores st ON st.id = s.store_id
         WHERE {customer} AND s.device_at >= ?1
           AND EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id AND l.returned < l.quantity)
         GROUP BY s.customer_id"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut found = statement.query(params_from_iter(args()))?;
    while let Some(r) = found.next()? {
        if let Some(user) = rows.id(text(r, 0)?) {
            rows.cities.push((user, r.get(1)?));
        }
    }
    // `?1` is not used here; every statement takes the same parameters.
    let sql = format!("SELECT user_id, tag_id FROM customer_tag_members WHERE {who} AND ?1 = ?1");
    let mut statement = conn.prepare_cached(&sql)?;
    let mut found = statement.query(params_from_iter(args()))?;
    while let Some(r) = found.next()? {
        if let (Some(user), Ok(tag)) = (rows.id(text(r, 0)?), Uuid::parse_str(text(r, 1)?)) {
            rows.segments.push((user, tag));
        }
    }
    Ok(rows)
}

/// A text column as it is stored ('' for anything else: an id that does not parse, left out).
fn text<'a>(row: &'a rusqlite::Row<'_>, column: usize) -> rusqlite::Result<&'a str> {
    Ok(row.get_ref(column)?.as_str().unwrap_or(""))
}

#[async_trait]
impl Interest for SqliteDatabase {
    async fn interest_bounds(&self, after: Option<Uuid>, rows: u32, pages: u32) -> DbResult<PageEnds> {
        self.run(move |conn| self::interest_bounds(conn, after, rows, pages)).await
    }

    async fn interest_range(
        &self,
        since: i64,
        after: Option<Uuid>,
        through: Option<Uuid>,
    ) -> DbResult<Vec<PersonHistory>> {
        self.run(move |conn| self::interest_range(conn, since, after, through)).await
    }

    async fn person_history(&self, user: Uuid, since: i64) -> DbResult<PersonHistory> {
        self.run(move |conn| self::person_history(conn, user, since)).await
    }

    async fn every_interaction(&self, since: i64) -> DbResult<Interactions> {
        self.run(move |conn| events::interactions(conn, since, true)).await
    }
}
