//! Device sessions, on PostgreSQL.
use super::*;

#[async_trait]
impl Sessions for PostgresDatabase {
    // Prepared: it runs before every authenticated request.
    async fn live_session_user(&self, session: Uuid, user: Uuid) -> DbResult<Option<UserRecord>> {
        const LIVE_SESSION_USER: &str = concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE id = $2
                AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL)
                       AND NOT EXISTS (SELECT 1 FROM account_locks l WHERE l.user_id = $2)"
        );
        // A read: asked again on a fresh connection when the one it was sent on turned out closed.
        let row = self
            .run_read(move |conn| {
                let statement = conn.prepared(LIVE_SESSION_USER)?;
                conn.client.query_opt(&statement, &[&session.to_string(), &user.to_string()])
            })
            .await?;
        row.as_ref().map(user_row).transpose()
    }

    async fn create_session(&self, s: SessionRecord) -> DbResult<()> {
        self.run(move |client| {
            client.execute(
                "INSERT INTO sessions (id, user_id, device_name, created_at, last_seen_at, generation, rotated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &s.id.to_string(),
                    &s.user_id.to_string(),
                    &s.device_name,
                    &s.created_at,
                    &s.last_seen_at,
                    &s.generation,
                    &s.rotated_at,
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_session(&self, id: Uuid) -> DbResult<Option<SessionRecord>> {
        self.run(move |client| {
            client
                .query_opt(&format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1"), &[&id.to_string()])?
                .as_ref()
                .map(session_row)
                .transpose()
        })
        .await
    }

    async fn rotate_session(&self, id: Uuid, presented: i64, grace_secs: i64, now: i64) -> DbResult<Rotation> {
        // One row, read FOR UPDATE and written under that lock: READ COMMITTED orders concurrent
        // refreshes of a session (the second reads what the first wrote). SERIALIZABLE would add
        // nothing but page-level conflicts between different sessions.
        self.read_committed(move |tx| {
            let id = id.to_string();
            let state = tx
                .query_opt(
                    "SELECT generation, rotated_at, current_used_at IS NOT NULL, revoked_at IS NOT NULL
                     FROM sessions WHERE id = $1 FOR UPDATE",
                    &[&id],
                )?
                .map(|r| rotation::SessionState {
                    generation: r.get(0),
                    rotated_at: r.get(1),
                    current_used: r.get(2),
                    revoked: r.get(3),
                });
            let Some(state) = state else { return Ok(Rotation::Unknown) };
            Ok(match rotation::decide(state, presented, grace_secs, now) {
                rotation::Decision::Advance { generation } => {
                    tx.execute(
                        "UPDATE sessions SET generation = $2, rotated_at = $3, last_seen_at = $3, current_used_at = NULL
                         WHERE id = $1",
                        &[&id, &generation, &now],
                    )?;
                    Rotation::Advanced { generation }
                }
                rotation::Decision::Repeat { generation } => {
                    tx.execute("UPDATE sessions SET last_seen_at = $2 WHERE id = $1", &[&id, &now])?;
                    Rotation::WithinGrace { generation }
                }
                rotation::Decision::Reuse => {
                    tx.execute(
                        "UPDATE sessions SET revoked_at = $2, revoke_reason = 'refresh_token_reused' WHERE id = $1",
                        &[&id, &now],
                    )?;
                    Rotation::Reused
                }
                rotation::Decision::Revoked => Rotation::Revoked,
                rotation::Decision::Unknown => Rotation::Unknown,
            })
        })
        .await
    }

    async fn touch_session(&self, id: Uuid, generation: i64, now: i64) -> DbResult<()> {
        self.run(move |client| {
            // One statement: the row lock orders it with a concurrent rotation.
            client.execute(
                "UPDATE sessions SET last_seen_at = GREATEST(last_seen_at, $3),
                    current_used_at = CASE WHEN generation = $2 THEN COALESCE(current_used_at, $3) ELSE current_used_at END
                 WHERE id = $1 AND (last_seen_at < $3::BIGINT - 60 OR (current_used_at IS NULL AND generation = $2))",
                &[&id.to_string(), &generation, &now],
            )?;
            Ok(())
        })
        .await
    }

    async fn revoke_session(&self, id: Uuid, reason: &str, now: i64) -> DbResult<bool> {
        let reason = reason.to_owned();
        self.run(move |client| {
            Ok(client.execute(
                "UPDATE sessions SET revoked_at = $2, revoke_reason = $3 WHERE id = $1 AND revoked_at IS NULL",
                &[&id.to_string(), &now, &reason],
            )? == 1)
        })
        .await
    }

    async fn list_sessions(&self, user_id: Uuid) -> DbResult<Vec<SessionRecord>> {
        self.run(move |client| {
            client
                .query(
                    &format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL
                         ORDER BY last_seen_at DESC"
                    ),
                    &[&user_id.to_string()],
                )?
                .iter()
                .map(session_row)
                .collect()
        })
        .await
    }
}
