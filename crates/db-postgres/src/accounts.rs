//! People's accounts and identities, on PostgreSQL.
use super::*;

#[async_trait]
impl Accounts for PostgresDatabase {
    async fn find_identity(&self, kind: IdentityKind, value: &str) -> DbResult<Option<IdentityRecord>> {
        let value = value.to_owned();
        self.run(move |client| {
            client
                .query_opt(
                    "SELECT kind, value, user_id, verified, linked_at FROM identities WHERE kind = $1 AND value = $2",
                    &[&kind.as_str(), &value],
                )?
                .as_ref()
                .map(identity_row)
                .transpose()
        })
        .await
    }

    async fn create_user(&self, user: NewUser) -> DbResult<()> {
        self.serializable(move |tx| {
            tx.execute(
                "INSERT INTO users (id, display_name, role, store_id, dealer_id, password_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    &user.id.to_string(),
                    &user.display_name,
                    &user.role.as_str(),
                    &user.store_id.map(|id| id.to_string()),
                    &user.dealer_id.map(|id| id.to_string()),
                    &user.password_hash,
                    &user.created_at,
                ],
            )?;
            for identity in &user.identities {
                insert_identity(tx, user.id, identity, user.created_at)?;
            }
            if let (Role::Promoter | Role::StoreManager, Some(store)) = (user.role, user.store_id) {
                tx.execute(
                    "INSERT INTO store_assignments (user_id, store_id, started_at) VALUES ($1, $2, $3)",
                    &[&user.id.to_string(), &store.to_string(), &user.created_at],
                )?;
            }
            Ok(())
        })
        .await
    }

    async fn get_user(&self, id: Uuid) -> DbResult<Option<UserRecord>> {
        self.run(move |client| {
            client
                .query_opt(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"), &[&id.to_string()])?
                .as_ref()
                .map(user_row)
                .transpose()
        })
        .await
    }

    async fn list_identities(&self, user_id: Uuid) -> DbResult<Vec<IdentityRecord>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT kind, value, user_id, verified, linked_at FROM identities WHERE user_id = $1
                     ORDER BY linked_at, kind, value",
                    &[&user_id.to_string()],
                )?
                .iter()
                .map(identity_row)
                .collect()
        })
        .await
    }

    async fn add_identity(&self, user_id: Uuid, identity: NewIdentity, now: i64) -> DbResult<()> {
        self.serializable(move |tx| insert_identity(tx, user_id, &identity, now)).await
    }

    async fn set_display_name(&self, user_id: Uuid, name: &str) -> DbResult<()> {
        let name = name.to_owned();
        self.run(move |client| {
            client.execute("UPDATE users SET display_name = $2 WHERE id = $1", &[&user_id.to_string(), &name])?;
            Ok(())
        })
        .await
    }

    async fn set_password_hash(&self, user_id: Uuid, hash: &str, keep_session: Option<Uuid>, now: i64) -> DbResult<()> {
        let hash = hash.to_owned();
        self.serializable(move |tx| {
            tx.execute("UPDATE users SET password_hash = $2 WHERE id = $1", &[&user_id.to_string(), &hash])?;
            tx.execute(
                "UPDATE sessions SET revoked_at = $3, revoke_reason = 'password_changed'
                 WHERE user_id = $1 AND revoked_at IS NULL AND id IS DISTINCT FROM $2",
                &[&user_id.to_string(), &keep_session.map(|id| id.to_string()), &now],
            )?;
            Ok(())
        })
        .await
    }

    async fn list_users(&self, limit: u32, offset: u32) -> DbResult<(Vec<(UserRecord, u32)>, u32)> {
        self.run(move |client| {
            let total = count(&client.query_one("SELECT COUNT(*) FROM users", &[])?, 0);
            let rows = client.query(
                &format!(
                    "SELECT {USER_COLUMNS}, (SELECT COUNT(*) FROM identities i WHERE i.user_id = users.id)
                     FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2"
                ),
                &[&i64::from(limit), &i64::from(offset)],
            )?;
            let users = rows.iter().map(|r| Ok((user_row(r)?, count(r, 8)))).collect::<DbResult<Vec<_>>>()?;
            Ok((users, total))
        })
        .await
    }

    async fn audience_counts(&self) -> DbResult<AudienceCounts> {
        self.run(move |client| {
            let row = client.query_one(
                "SELECT (SELECT COUNT(*) FROM users),
                        (SELECT COUNT(*) FROM users WHERE role = 'consumer'),
                        (SELECT COUNT(DISTINCT user_id) FROM identities WHERE kind = 'phone' AND verified),
                        (SELECT COUNT(DISTINCT user_id) FROM identities WHERE kind = 'email' AND verified)",
                &[],
            )?;
            Ok(AudienceCounts {
                total_users: count(&row, 0),
                consumers: count(&row, 1),
                with_phone: count(&row, 2),
                with_email: count(&row, 3),
            })
        })
        .await
    }
}
