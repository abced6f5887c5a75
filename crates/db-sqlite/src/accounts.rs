//! People's accounts and identities, on SQLite.
use super::*;

#[async_trait]
impl Accounts for SqliteDatabase {
    async fn find_identity(&self, kind: IdentityKind, value: &str) -> DbResult<Option<IdentityRecord>> {
        let value = value.to_owned();
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT kind, value, user_id, verified, linked_at FROM identities WHERE kind = ?1 AND value = ?2",
                    params![kind.as_str(), value],
                    identity_row,
                )
                .optional()?)
        })
        .await
    }

    async fn create_user(&self, user: NewUser) -> DbResult<()> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO users (id, display_name, role, store_id, dealer_id, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    user.id.to_string(),
                    user.display_name,
                    user.role.as_str(),
                    user.store_id.map(|id| id.to_string()),
                    user.dealer_id.map(|id| id.to_string()),
                    user.password_hash,
                    user.created_at
                ],
            )?;
            for identity in &user.identities {
                insert_identity(&tx, user.id, identity, user.created_at)?;
            }
            if let (Role::Promoter | Role::StoreManager, Some(store)) = (user.role, user.store_id) {
                tx.execute(
                    "INSERT INTO store_assignments (user_id, store_id, started_at) VALUES (?1, ?2, ?3)",
                    params![user.id.to_string(), store.to_string(), user.created_at],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn get_user(&self, id: Uuid) -> DbResult<Option<UserRecord>> {
        self.run(move |conn| {
            Ok(conn
                .query_row(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"), [id.to_string()], user_row)
                .optional()?)
        })
        .await
    }

    async fn list_identities(&self, user_id: Uuid) -> DbResult<Vec<IdentityRecord>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT kind, value, user_id, verified, linked_at FROM identities WHERE user_id = ?1
                 ORDER BY linked_at, kind, value",
            )?;
            let rows = stmt.query_map([user_id.to_string()], identity_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn add_identity(&self, user_id: Uuid, identity: NewIdentity, now: i64) -> DbResult<()> {
        self.run(move |conn| insert_identity(conn, user_id, &identity, now)).await
    }

    async fn set_display_name(&self, user_id: Uuid, name: &str) -> DbResult<()> {
        let name = name.to_owned();
        self.run(move |conn| {
            conn.execute("UPDATE users SET display_name = ?2 WHERE id = ?1", params![user_id.to_string(), name])?;
            Ok(())
        })
        .await
    }

    async fn set_password_hash(&self, user_id: Uuid, hash: &str, keep_session: Option<Uuid>, now: i64) -> DbResult<()> {
        let hash = hash.to_owned();
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("UPDATE users SET password_hash = ?2 WHERE id = ?1", params![user_id.to_string(), hash])?;
            tx.execute(
                "UPDATE sessions SET revoked_at = ?3, revoke_reason = 'password_changed'
                 WHERE user_id = ?1 AND revoked_at IS NULL AND id IS NOT ?2",
                params![user_id.to_string(), keep_session.map(|id| id.to_string()), now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn list_users(&self, limit: u32, offset: u32) -> DbResult<(Vec<(UserRecord, u32)>, u32)> {
        self.run(move |conn| {
            let total: u32 = conn.query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))?;
            let mut stmt = conn.prepare(&format!(
                "SELECT {USER_COLUMNS}, (SELECT COUNT(*) FROM identities i WHERE i.user_id = users.id)
                 FROM users ORDER BY created_at, id LIMIT ?1 OFFSET ?2"
            ))?;
            let rows = stmt.query_map(params![limit, offset], |row| Ok((user_row(row)?, row.get(8)?)))?;
            Ok((rows.collect::<Result<Vec<_>, _>>()?, total))
        })
        .await
    }

    async fn audience_counts(&self) -> DbResult<AudienceCounts> {
        self.run(move |conn| {
            Ok(conn.query_row(
                "SELECT (SELECT COUNT(*) FROM users),
                        (SELECT COUNT(*) FROM users WHERE role = 'consumer'),
                        (SELECT COUNT(DISTINCT user_id) FROM identities WHERE kind = 'phone' AND verified),
                        (SELECT COUNT(DISTINCT user_id) FROM identities WHERE kind = 'email' AND verified)",
                [],
                |row| {
                    Ok(AudienceCounts {
                        total_users: row.get(0)?,
                        consumers: row.get(1)?,
                        with_phone: row.get(2)?,
                        with_email: row.get(3)?,
                    })
                },
            )?)
        })
        .await
    }
}
