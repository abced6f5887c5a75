//! Requests for the order center's approval on PostgreSQL.
use portal_api::{wire_name, ApprovalStatus};
use portal_db::{ApprovalRow, Approvals};

use super::*;

const COLUMNS: &str = "id, kind, dealer_id, body, reason, requested_by, body_hash, requested_at, status, decided_by,
                       decided_at, decision_reason";

fn row_of(r: &Row) -> DbResult<ApprovalRow> {
    Ok(ApprovalRow {
        id: uuid(r.get(0))?,
        kind: r.get(1),
        dealer_id: uuid(r.get(2))?,
        body: r.get(3),
        reason: r.get(4),
        requested_by: uuid(r.get(5))?,
        body_hash: r.get(6),
        requested_at: r.get(7),
        status: wire(r.get(8))?,
        decided_by: r.get::<_, Option<&str>>(9).map(uuid).transpose()?,
        decided_at: r.get(10),
        decision_reason: r.get(11),
    })
}

#[async_trait]
impl Approvals for PostgresDatabase {
    async fn put_approval(&self, a: ApprovalRow) -> DbResult<ApprovalRow> {
        self.run(move |client| {
            client.execute(
                "INSERT INTO approvals (id, kind, dealer_id, body, reason, requested_by, body_hash, requested_at, status)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'waiting') ON CONFLICT (id) DO NOTHING",
                &[
                    &a.id.to_string(),
                    &a.kind,
                    &a.dealer_id.to_string(),
                    &a.body,
                    &a.reason,
                    &a.requested_by.to_string(),
                    &a.body_hash,
                    &a.requested_at,
                ],
            )?;
            row_of(&client.query_one(&format!("SELECT {COLUMNS} FROM approvals WHERE id = $1"), &[&a.id.to_string()])?)
        })
        .await
    }

    async fn approval(&self, id: Uuid) -> DbResult<Option<ApprovalRow>> {
        self.run(move |client| {
            client
                .query_opt(&format!("SELECT {COLUMNS} FROM approvals WHERE id = $1"), &[&id.to_string()])?
                .as_ref()
                .map(row_of)
                .transpose()
        })
        .await
    }

    async fn approvals(
        &self,
        status: ApprovalStatus,
        asked_by: Option<Uuid>,
        limit: u32,
    ) -> DbResult<Vec<ApprovalRow>> {
        self.run(move |client| {
            client
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM approvals WHERE status = $1 AND ($2::text IS NULL OR requested_by = $2)
                         ORDER BY CASE WHEN $1 = 'waiting' THEN requested_at ELSE -requested_at END, id LIMIT $3"
                    ),
                    &[&wire_name(&status), &asked_by.map(|a| a.to_string()), &i64::from(limit)],
                )?
                .iter()
                .map(row_of)
                .collect()
        })
        .await
    }

    async fn waiting_approvals(&self, asked_by: Uuid) -> DbResult<u32> {
        self.run(move |client| {
            let n: i64 = client
                .query_one(
                    "SELECT COUNT(*) FROM approvals WHERE requested_by = $1 AND status = 'waiting'",
                    &[&asked_by.to_string()],
                )?
                .get(0);
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
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
        self.run(move |client| {
            Ok(client.execute(
                "UPDATE approvals SET status = $2, decided_by = $3, decided_at = $4, decision_reason = $5
                 WHERE id = $1 AND status = 'waiting'",
                &[&id.to_string(), &wire_name(&status), &by.to_string(), &at, &reason],
            )? == 1)
        })
        .await
    }

    async fn reopen_approval(&self, id: Uuid, by: Uuid) -> DbResult<()> {
        self.run(move |client| {
            client.execute(
                "UPDATE approvals SET status = 'waiting', decided_by = NULL, decided_at = NULL, decision_reason = NULL
                 WHERE id = $1 AND decided_by = $2",
                &[&id.to_string(), &by.to_string()],
            )?;
            Ok(())
        })
        .await
    }
}
