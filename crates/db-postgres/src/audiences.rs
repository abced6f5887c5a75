//! Audiences kept for campaigns, on PostgreSQL.
use portal_db::{Audiences, ListCreated, ListDeleted, ListRow, PhoneOwner, SegmentRow, MAX_AUDIENCES};

use super::*;

fn list_of(r: &::postgres::Row) -> DbResult<ListRow> {
    Ok(ListRow {
        id: uuid(r.get(0))?,
        name: r.get(1),
        rows: r.get::<_, i32>(2) as u32,
        matched: r.get::<_, i32>(3) as u32,
        created_by: uuid(r.get(4))?,
        created_at: r.get(5),
    })
}

const LIST_COLUMNS: &str = "id, name, row_count, matched, created_by, created_at";
/// Members written in one statement.
const MEMBERS_AT_ONCE: usize = 10_000;

#[async_trait]
impl Audiences for PostgresDatabase {
    async fn phone_owners(&self, phones: Vec<String>) -> DbResult<Vec<PhoneOwner>> {
        self.run(move |client| {
            let mut out = Vec::new();
            for chunk in phones.chunks(MEMBERS_AT_ONCE) {
                for r in client.query(
                    "SELECT value, user_id, verified FROM identities WHERE kind = 'phone' AND value = ANY($1)",
                    &[&chunk],
                )? {
                    out.push(PhoneOwner { phone: r.get(0), user: uuid(r.get(1))?, verified: r.get(2) });
                }
            }
            Ok(out)
        })
        .await
    }

    async fn create_list(&self, list: ListRow, members: Vec<Uuid>) -> DbResult<ListCreated> {
        self.read_committed(move |tx| {
            // Lists are created one at a time: the count below holds when the list is written.
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('audience_lists'))", &[])?;
            if !tx.query("SELECT 1 FROM audience_lists WHERE id = $1", &[&list.id.to_string()])?.is_empty() {
                return Ok(ListCreated::Exists);
            }
            let kept: i64 = tx.query_one("SELECT COUNT(*) FROM audience_lists WHERE deleted_at IS NULL", &[])?.get(0);
            if kept >= i64::from(MAX_AUDIENCES) {
                return Ok(ListCreated::Full);
            }
            tx.execute(
                &format!("INSERT INTO audience_lists ({LIST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
                &[
                    &list.id.to_string(),
                    &list.name,
                    &(list.rows as i32),
                    &(list.matched as i32),
                    &list.created_by.to_string(),
                    &list.created_at,
                ],
            )?;
            for chunk in members.chunks(MEMBERS_AT_ONCE) {
                let users: Vec<String> = chunk.iter().map(Uuid::to_string).collect();
                tx.execute(
                    "INSERT INTO audience_list_members (list_id, user_id) SELECT $1, u FROM unnest($2::text[]) AS u
                     ON CONFLICT DO NOTHING",
                    &[&list.id.to_string(), &users],
                )?;
            }
            Ok(ListCreated::Created)
        })
        .await
    }

    async fn list(&self, id: Uuid) -> DbResult<Option<(ListRow, Option<i64>)>> {
        self.run(move |client| {
            client
                .query(
                    &format!("SELECT {LIST_COLUMNS}, deleted_at FROM audience_lists WHERE id = $1"),
                    &[&id.to_string()],
                )?
                .first()
                .map(|r| Ok((list_of(r)?, r.get(6))))
                .transpose()
        })
        .await
    }

    async fn lists(&self, limit: u32) -> DbResult<Vec<ListRow>> {
        self.run(move |client| {
            client
                .query(
                    &format!(
                        "SELECT {LIST_COLUMNS} FROM audience_lists WHERE deleted_at IS NULL
                         ORDER BY created_at DESC, id DESC LIMIT $1"
                    ),
                    &[&i64::from(limit)],
                )?
                .iter()
                .map(list_of)
                .collect()
        })
        .await
    }

    async fn delete_list(&self, id: Uuid, at: i64) -> DbResult<ListDeleted> {
        self.read_committed(move |tx| {
            let id = id.to_string();
            // Campaigns are changed one at a time against this: a campaign saved naming the list
            // waits for the deletion, and is refused for a list that is gone.
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('audience_lists'))", &[])?;
            let in_use = !tx
                .query(
                    "SELECT 1 FROM campaigns WHERE status NOT IN ('finished', 'rejected') AND strpos(audience, $1) > 0
                     LIMIT 1",
                    &[&id],
                )?
                .is_empty();
            if in_use {
                return Ok(ListDeleted::InUse);
            }
            let marked = tx.execute(
                "UPDATE audience_lists SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
                &[&id, &at],
            )?;
            tx.execute("DELETE FROM audience_list_members WHERE list_id = $1", &[&id])?;
            Ok(if marked == 1 { ListDeleted::Deleted } else { ListDeleted::Missing })
        })
        .await
    }

    async fn existing_lists(&self, ids: Vec<Uuid>) -> DbResult<Vec<Uuid>> {
        self.run(move |client| {
            let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
            client
                .query("SELECT id FROM audience_lists WHERE id = ANY($1) AND deleted_at IS NULL", &[&ids])?
                .iter()
                .map(|r| uuid(r.get(0)))
                .collect()
        })
        .await
    }

    async fn put_segment(&self, s: SegmentRow) -> DbResult<bool> {
        self.read_committed(move |tx| {
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('saved_segments'))", &[])?;
            let exists = !tx.query("SELECT 1 FROM saved_segments WHERE id = $1", &[&s.id.to_string()])?.is_empty();
            let kept: i64 = tx.query_one("SELECT COUNT(*) FROM saved_segments", &[])?.get(0);
            if !exists && kept >= i64::from(MAX_AUDIENCES) {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO saved_segments (id, name, audience, created_by, updated_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET name = $2, audience = $3, updated_at = $5",
                &[&s.id.to_string(), &s.name, &s.audience, &s.created_by.to_string(), &s.updated_at],
            )?;
            Ok(true)
        })
        .await
    }

    async fn segments(&self, limit: u32) -> DbResult<Vec<SegmentRow>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT id, name, audience, created_by, updated_at FROM saved_segments
                     ORDER BY updated_at DESC, id DESC LIMIT $1",
                    &[&i64::from(limit)],
                )?
                .iter()
                .map(|r| {
                    Ok(SegmentRow {
                        id: uuid(r.get(0))?,
                        name: r.get(1),
                        audience: r.get(2),
                        created_by: uuid(r.get(3))?,
                        updated_at: r.get(4),
                    })
                })
                .collect()
        })
        .await
    }

    async fn delete_segment(&self, id: Uuid) -> DbResult<bool> {
        self.run(move |client| Ok(client.execute("DELETE FROM saved_segments WHERE id = $1", &[&id.to_string()])? == 1))
            .await
    }
}
