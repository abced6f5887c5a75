//! Stores, dealers and who works where, on PostgreSQL.
use super::*;

#[async_trait]
impl Org for PostgresDatabase {
    async fn set_role(
        &self,
        user_id: Uuid,
        role: Role,
        store_ids: Vec<Uuid>,
        dealer_id: Option<Uuid>,
        now: i64,
    ) -> DbResult<bool> {
        self.serializable(move |tx| {
            let id = user_id.to_string();
            let placement = staff_placement(role, &store_ids);
            let changed = tx.execute(
                "UPDATE users SET role = $2, store_id = $3, dealer_id = $4, discount_limit_percent = NULL WHERE id = $1",
                &[&id, &role.as_str(), &placement.home.map(|s| s.to_string()), &dealer_id.map(|d| d.to_string())],
            )?;
            tx.execute("DELETE FROM store_managers WHERE user_id = $1", &[&id])?;
            tx.execute(
                "UPDATE store_assignments SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL",
                &[&id, &now],
            )?;
            for store in &placement.assigned {
                tx.execute(
                    "INSERT INTO store_assignments (user_id, store_id, started_at) VALUES ($1, $2, $3)",
                    &[&id, &store.to_string(), &now],
                )?;
            }
            for store in &placement.manages {
                tx.execute(
                    "INSERT INTO store_managers (user_id, store_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[&id, &store.to_string()],
                )?;
            }
            Ok(changed == 1)
        })
        .await
    }

    async fn assigned_at(&self, user_id: Uuid, store_id: Uuid, at: i64) -> DbResult<bool> {
        self.run(move |client| {
            Ok(client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM store_assignments WHERE user_id = $1 AND store_id = $2
                       AND started_at <= $3 AND (ended_at IS NULL OR ended_at >= $3))",
                    &[&user_id.to_string(), &store_id.to_string(), &at],
                )?
                .get(0))
        })
        .await
    }

    async fn user_stores(&self, user_id: Uuid) -> DbResult<Vec<StoreInfo>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT s.id, s.code, s.name, s.city FROM stores s
                     WHERE s.id IN (SELECT store_id FROM users WHERE id = $1 AND role = 'promoter'
                                    UNION SELECT store_id FROM store_managers WHERE user_id = $1)
                     ORDER BY s.id IS NOT DISTINCT FROM (SELECT store_id FROM users WHERE id = $1) DESC, s.code COLLATE \"C\"",
                    &[&user_id.to_string()],
                )?
                .iter()
                .map(store_row)
                .collect()
        })
        .await
    }

    async fn manages(&self, user_id: Uuid, store_id: Uuid) -> DbResult<bool> {
        self.run(move |client| {
            Ok(client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM store_managers WHERE user_id = $1 AND store_id = $2)",
                    &[&user_id.to_string(), &store_id.to_string()],
                )?
                .get(0))
        })
        .await
    }

    async fn store_staff(&self, store_id: Uuid) -> DbResult<Vec<UserRecord>> {
        self.run(move |client| {
            client
                .query(
                    &format!(
                        "SELECT {USER_COLUMNS} FROM users WHERE (role = 'promoter' AND store_id = $1)
                            OR id IN (SELECT user_id FROM store_managers WHERE store_id = $1)
                         ORDER BY role DESC, display_name"
                    ),
                    &[&store_id.to_string()],
                )?
                .iter()
                .map(user_row)
                .collect()
        })
        .await
    }

    async fn set_discount_limit(&self, user_id: Uuid, percent: Option<u32>) -> DbResult<bool> {
        self.run(move |client| {
            Ok(client.execute(
                "UPDATE users SET discount_limit_percent = $2 WHERE id = $1",
                &[&user_id.to_string(), &percent.map(i64::from)],
            )? == 1)
        })
        .await
    }

    async fn upsert_store(&self, store: StoreInfo) -> DbResult<()> {
        self.run(move |client| {
            client
                .execute(
                    "INSERT INTO stores (id, code, name, city) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET code = $2, name = $3, city = $4",
                    &[&store.id.to_string(), &store.code, &store.name, &store.city],
                )
                .map_err(code_taken)?;
            Ok(())
        })
        .await
    }

    async fn upsert_dealer(&self, dealer: Dealer) -> DbResult<()> {
        self.run(move |client| {
            client
                .execute(
                    "INSERT INTO dealers (id, code, name, region) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET code = $2, name = $3, region = $4",
                    &[&dealer.id.to_string(), &dealer.code, &dealer.name, &dealer.region],
                )
                .map_err(code_taken)?;
            Ok(())
        })
        .await
    }

    async fn get_store(&self, id: Uuid) -> DbResult<Option<StoreInfo>> {
        self.run(move |client| {
            client
                .query_opt("SELECT id, code, name, city FROM stores WHERE id = $1", &[&id.to_string()])?
                .as_ref()
                .map(store_row)
                .transpose()
        })
        .await
    }

    async fn get_dealer(&self, id: Uuid) -> DbResult<Option<Dealer>> {
        self.run(move |client| {
            client
                .query_opt("SELECT id, code, name, region FROM dealers WHERE id = $1", &[&id.to_string()])?
                .map(|r| Ok(Dealer { id: uuid(r.get(0))?, code: r.get(1), name: r.get(2), region: r.get(3) }))
                .transpose()
        })
        .await
    }

    async fn count_members(&self, role: Role, org_id: Uuid) -> DbResult<u32> {
        self.run(move |client| {
            let column = if role == Role::Distributor { "dealer_id" } else { "store_id" };
            Ok(count(
                &client.query_one(
                    &format!("SELECT COUNT(*) FROM users WHERE role = $1 AND {column} = $2"),
                    &[&role.as_str(), &org_id.to_string()],
                )?,
                0,
            ))
        })
        .await
    }
}

/// A code another store or dealer holds: a conflict the caller can name.
fn code_taken(e: ::postgres::Error) -> DbError {
    if e.code() == Some(&::postgres::error::SqlState::UNIQUE_VIOLATION) {
        DbError::Conflict("code".into())
    } else {
        e.into()
    }
}
