//! Requests for the order center's approval on SQLite.
use portal_api::{from_wire_name, wire_name, ApprovalStatus};
use portal_db::{ApprovalRow, Approvals};

use super::*;

const COLUMNS: &str = "id, kind, dealer_id, body, reason, requested_by, body_hash, requested_at, status, decided_by,
                       decided_at, decision_reason";

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApprovalRow> {
    let status: String = r.get(8)?;
    Ok(ApprovalRow {
        id: uuid_of(r.get(0)?)?,
        kind: r.get(1)?,
        dealer_id: uuid_of(r.get(2)?)?,
        body: r.get(3)?,
        reason: r.get(4)?,
        requested_by: uuid_of(r.get(5)?)?,
        body_hash: r.get(6)?,
        requested_at: r.get(7)?,
        status: from_wire_name(&status)
            .ok_or_else(|| rusqlite::Error::InvalidColumnType(8, status, rusqlite::types::Type::Text))?,
        decided_by: opt_uuid(r.get(9)?)?,
        decided_at: r.get(10)?,
        decision_reason: r.get(11)?,
    })
}

#[async_trait]
impl Approvals for SqliteDatabase {
    async fn put_approval(&self, a: ApprovalRow) -> DbResult<ApprovalRow> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO approvals (id, kind, dealer_id, body, reason, requested_by, body_hash, requested_at, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'waiting') ON CONFLICT (id) DO NOTHING",
                params![
                    a.id.to_string(),
                    a.kind,
                    a.dealer_id.to_string(),
                    a.body,
                    a.reason,
                    a.requested_by.to_string(),
                    a.body_hash,
                    a.requested_at
                ],
            )?;
            let kept = tx.query_row(&format!("SELECT {COLUMNS} FROM approvals WHERE id = ?1"), [a.id.to_string()], row_of)?;
            tx.commit()?;
            Ok(kept)
        })
        .await
    }

    async fn approval(&self, id: Uuid) -> DbResult<Option<ApprovalRow>> {
        self.run(move |conn| {
            Ok(conn
                .query_row(&format!("SELECT {COLUMNS} FROM approvals WHERE id = ?1"), [id.to_string()], row_of)
                .optional()?)
        })
        .await
    }

    async fn approvals(
        &self,
        status: ApprovalStatus,
        asked_by: Option<Uuid>,
        limit: u32,
    ) -> DbResult<Vec<ApprovalRow>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM approvals WHERE status = ?1 AND (?2 IS NULL OR requested_by = ?2)
                 ORDER BY CASE WHEN ?1 = 'waiting' THEN requested_at ELSE -requested_at END, id LIMIT ?3"
            ))?;
            let rows = stmt.query_map(params![wire_name(&status), asked_by.map(|a| a.to_string()), limit], row_of)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn waiting_approvals(&self, asked_by: Uuid) -> DbResult<u32> {
        self.run(move |conn| {
            Ok(conn.query_row(
                "SELECT COUNT(*) FROM approvals WHERE requested_by = ?1 AND status = 'waiting'",
                [asked_by.to_string()],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn decide_approval(
        &self,
        id: Uuid,
        status: ApprovalStatus,
        by: Uuid,
        reason: String,
        at: i64,
    ) -> DbResult<bool> {
        self.run(move |conn| {
            Ok(conn.execute(
                "UPDATE approvals SET status = ?2, decided_by = ?3, decided_at = ?4, decision_reason = ?5
                 WHERE id = ?1 AND status = 'waiting'",
                params![id.to_string(), wire_name(&status), by.to_string(), at, reason],
            )? == 1)
        })
        .await
    }

    async fn reopen_approval(&self, id: Uuid, by: Uuid) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute(
                "UPDATE approvals SET status = 'waiting', decided_by = NULL, decided_at = NULL, decision_reason = NULL
                 WHERE id = ?1 AND decided_by = ?2",
                params![id.to_string(), by.to_string()],
            )?;
            Ok(())
        })
        .await
    }
}
