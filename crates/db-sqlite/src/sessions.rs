//! Device sessions, on SQLite.
use super::*;

#[async_trait]
impl Sessions for SqliteDatabase {
    async fn live_session_user(&self, session: Uuid, user: Uuid) -> DbResult<Option<UserRecord>> {
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE id = ?2
                       AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = ?1 AND s.user_id = ?2 AND s.revoked_at IS NULL)
                       AND NOT EXISTS (SELECT 1 FROM account_locks l WHERE l.user_id = ?2)"
                ))?
                .query_row([session.to_string(), user.to_string()], user_row)
                .optional()?)
        })
        .await
    }

    async fn create_session(&self, s: SessionRecord) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO sessions (id, user_id, device_name, created_at, last_seen_at, generation, rotated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    s.id.to_string(),
                    s.user_id.to_string(),
                    s.device_name,
                    s.created_at,
                    s.last_seen_at,
                    s.generation,
                    s.rotated_at
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn get_session(&self, id: Uuid) -> DbResult<Option<SessionRecord>> {
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"),
                    [id.to_string()],
                    session_row,
                )
                .optional()?)
        })
        .await
    }

    async fn rotate_session(&self, id: Uuid, presented: i64, grace_secs: i64, now: i64) -> DbResult<Rotation> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let state = tx
                .query_row(
                    "SELECT generation, rotated_at, current_used_at IS NOT NULL, revoked_at IS NOT NULL
                     FROM sessions WHERE id = ?1",
                    [id.to_string()],
                    |r| {
                        Ok(rotation::SessionState {
                            generation: r.get(0)?,
                            rotated_at: r.get(1)?,
                            current_used: r.get(2)?,
                            revoked: r.get(3)?,
                        })
                    },
                )
                .optional()?;
            let Some(state) = state else { return Ok(Rotation::Unknown) };
            let outcome = match rotation::decide(state, presented, grace_secs, now) {
                rotation::Decision::Advance { generation } => {
                    tx.execute(
                        "UPDATE sessions SET generation = ?2, rotated_at = ?3, last_seen_at = ?3, current_used_at = NULL
                         WHERE id = ?1",
                        params![id.to_string(), generation, now],
                    )?;
                    Rotation::Advanced { generation }
                }
                rotation::Decision::Repeat { generation } => {
                    tx.execute("UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1", params![id.to_string(), now])?;
                    Rotation::WithinGrace { generation }
                }
                rotation::Decision::Reuse => {
                    tx.execute(
                        "UPDATE sessions SET revoked_at = ?2, revoke_reason = 'refresh_token_reused' WHERE id = ?1",
                        params![id.to_string(), now],
                    )?;
                    Rotation::Reused
                }
                rotation::Decision::Revoked => Rotation::Revoked,
                rotation::Decision::Unknown => Rotation::Unknown,
            };
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn touch_session(&self, id: Uuid, generation: i64, now: i64) -> DbResult<()> {
        self.run(move |conn| {
            conn.prepare_cached(
                "UPDATE sessions SET last_seen_at = MAX(last_seen_at, ?3),
                    current_used_at = CASE WHEN generation = ?2 THEN COALESCE(current_used_at, ?3) ELSE current_used_at END
                 WHERE id = ?1 AND (last_seen_at < ?3 - 60 OR (current_used_at IS NULL AND generation = ?2))",
            )?
            .execute(params![id.to_string(), generation, now])?;
            Ok(())
        })
        .await
    }

    async fn revoke_session(&self, id: Uuid, reason: &str, now: i64) -> DbResult<bool> {
        let reason = reason.to_owned();
        self.run(move |conn| {
            let changed = conn.execute(
                "UPDATE sessions SET revoked_at = ?2, revoke_reason = ?3 WHERE id = ?1 AND revoked_at IS NULL",
                params![id.to_string(), now, reason],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn list_sessions(&self, user_id: Uuid) -> DbResult<Vec<SessionRecord>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ?1 AND revoked_at IS NULL
                 ORDER BY last_seen_at DESC"
            ))?;
            let rows = stmt.query_map([user_id.to_string()], session_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}
