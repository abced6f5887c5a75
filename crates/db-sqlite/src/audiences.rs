//! Audiences kept for campaigns, on SQLite.
use portal_db::{Audiences, ListCreated, ListDeleted, ListRow, PhoneOwner, SegmentRow, MAX_AUDIENCES};

use super::*;

fn list_of(r: &rusqlite::Row) -> rusqlite::Result<ListRow> {
    Ok(ListRow {
        id: uuid_of(r.get(0)?)?,
        name: r.get(1)?,
        rows: r.get(2)?,
        matched: r.get(3)?,
        created_by: uuid_of(r.get(4)?)?,
        created_at: r.get(5)?,
    })
}

const LIST_COLUMNS: &str = "id, name, row_count, matched, created_by, created_at";

#[async_trait]
impl Audiences for SqliteDatabase {
    async fn phone_owners(&self, phones: Vec<String>) -> DbResult<Vec<PhoneOwner>> {
        self.run(move |conn| {
            let mut read =
                conn.prepare_cached("SELECT user_id, verified FROM identities WHERE kind = 'phone' AND value = ?1")?;
            let mut out = Vec::new();
            for phone in phones {
                if let Some((user, verified)) =
                    read.query_row([&phone], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))).optional()?
                {
                    out.push(PhoneOwner { phone, user: uuid_of(user)?, verified });
                }
            }
            Ok(out)
        })
        .await
    }

    async fn create_list(&self, list: ListRow, members: Vec<Uuid>) -> DbResult<ListCreated> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM audience_lists WHERE id = ?1)",
                [list.id.to_string()],
                |r| r.get::<_, bool>(0),
            )? {
                return Ok(ListCreated::Exists);
            }
            if tx
                .query_row("SELECT COUNT(*) FROM audience_lists WHERE deleted_at IS NULL", [], |r| r.get::<_, u32>(0))?
                >= MAX_AUDIENCES
            {
                return Ok(ListCreated::Full);
            }
            tx.execute(
                &format!("INSERT INTO audience_lists ({LIST_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                params![
                    list.id.to_string(),
                    list.name,
                    list.rows,
                    list.matched,
                    list.created_by.to_string(),
                    list.created_at
                ],
            )?;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO audience_list_members (list_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                )?;
                for user in &members {
                    insert.execute(params![list.id.to_string(), user.to_string()])?;
                }
            }
            tx.commit()?;
            Ok(ListCreated::Created)
        })
        .await
    }

    async fn list(&self, id: Uuid) -> DbResult<Option<(ListRow, Option<i64>)>> {
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(&format!("SELECT {LIST_COLUMNS}, deleted_at FROM audience_lists WHERE id = ?1"))?
                .query_row([id.to_string()], |r| Ok((list_of(r)?, r.get(6)?)))
                .optional()?)
        })
        .await
    }

    async fn lists(&self, limit: u32) -> DbResult<Vec<ListRow>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {LIST_COLUMNS} FROM audience_lists WHERE deleted_at IS NULL
                 ORDER BY created_at DESC, id DESC LIMIT ?1"
            ))?;
            let rows = stmt.query_map([limit], list_of)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn delete_list(&self, id: Uuid, at: i64) -> DbResult<ListDeleted> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let id = id.to_string();
            let in_use: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM campaigns WHERE status NOT IN ('finished', 'rejected')
                                  AND instr(audience, ?1) > 0)",
                [&id],
                |r| r.get(0),
            )?;
            if in_use {
                return Ok(ListDeleted::InUse);
            }
            let marked = tx.execute(
                "UPDATE audience_lists SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
                params![id, at],
            )?;
            tx.execute("DELETE FROM audience_list_members WHERE list_id = ?1", [&id])?;
            tx.commit()?;
            Ok(if marked == 1 { ListDeleted::Deleted } else { ListDeleted::Missing })
        })
        .await
    }

    async fn existing_lists(&self, ids: Vec<Uuid>) -> DbResult<Vec<Uuid>> {
        self.run(move |conn| {
            let mut read = conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM audience_lists WHERE id = ?1 AND deleted_at IS NULL)")?;
            let mut out = Vec::new();
            for id in ids {
                if read.query_row([id.to_string()], |r| r.get::<_, bool>(0))? {
                    out.push(id);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn put_segment(&self, s: SegmentRow) -> DbResult<bool> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let exists =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM saved_segments WHERE id = ?1)", [s.id.to_string()], |r| {
                    r.get::<_, bool>(0)
                })?;
            if !exists
                && tx.query_row("SELECT COUNT(*) FROM saved_segments", [], |r| r.get::<_, u32>(0))? >= MAX_AUDIENCES
            {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO saved_segments (id, name, audience, created_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = ?2, audience = ?3, updated_at = ?5",
                params![s.id.to_string(), s.name, s.audience, s.created_by.to_string(), s.updated_at],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn segments(&self, limit: u32) -> DbResult<Vec<SegmentRow>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, name, audience, created_by, updated_at FROM saved_segments
                 ORDER BY updated_at DESC, id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit], |r| {
                Ok(SegmentRow {
                    id: uuid_of(r.get(0)?)?,
                    name: r.get(1)?,
                    audience: r.get(2)?,
                    created_by: uuid_of(r.get(3)?)?,
                    updated_at: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn delete_segment(&self, id: Uuid) -> DbResult<bool> {
        self.run(move |conn| Ok(conn.execute("DELETE FROM saved_segments WHERE id = ?1", [id.to_string()])? == 1)).await
    }
}
