//! Stores, dealers and who works where, on SQLite.
use super::*;

#[async_trait]
impl Org for SqliteDatabase {
    async fn set_role(
        &self,
        user_id: Uuid,
        role: Role,
        store_ids: Vec<Uuid>,
        dealer_id: Option<Uuid>,
        now: i64,
    ) -> DbResult<bool> {
        self.run(move |conn| {
            // The role and the stores a manager runs change together; a new role starts from its
            // default discount limit.
            let tx = conn.transaction()?;
            let placement = staff_placement(role, &store_ids);
            let changed = tx.execute(
                "UPDATE users SET role = ?2, store_id = ?3, dealer_id = ?4, discount_limit_percent = NULL WHERE id = ?1",
                params![
                    user_id.to_string(),
                    role.as_str(),
                    placement.home.map(|id| id.to_string()),
                    dealer_id.map(|id| id.to_string())
                ],
            )?;
            tx.execute("DELETE FROM store_managers WHERE user_id = ?1", [user_id.to_string()])?;
            tx.execute(
                "UPDATE store_assignments SET ended_at = ?2 WHERE user_id = ?1 AND ended_at IS NULL",
                params![user_id.to_string(), now],
            )?;
            for store in &placement.assigned {
                tx.execute(
                    "INSERT INTO store_assignments (user_id, store_id, started_at) VALUES (?1, ?2, ?3)",
                    params![user_id.to_string(), store.to_string(), now],
                )?;
            }
            for store in &placement.manages {
                tx.execute(
                    "INSERT OR IGNORE INTO store_managers (user_id, store_id) VALUES (?1, ?2)",
                    params![user_id.to_string(), store.to_string()],
                )?;
            }
            tx.commit()?;
            Ok(changed == 1)
        })
        .await
    }

    async fn assigned_at(&self, user_id: Uuid, store_id: Uuid, at: i64) -> DbResult<bool> {
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM store_assignments WHERE user_id = ?1 AND store_id = ?2
                       AND started_at <= ?3 AND (ended_at IS NULL OR ended_at >= ?3))",
                )?
                .query_row(params![user_id.to_string(), store_id.to_string(), at], |r| r.get(0))?)
        })
        .await
    }

    async fn user_stores(&self, user_id: Uuid) -> DbResult<Vec<portal_api::Store>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT s.id, s.code, s.name, s.city FROM stores s
                 WHERE s.id IN (SELECT store_id FROM users WHERE id = ?1 AND role = 'promoter'
                                UNION SELECT store_id FROM store_managers WHERE user_id = ?1)
                 ORDER BY s.id = (SELECT store_id FROM users WHERE id = ?1) DESC, s.code",
            )?;
            let rows = stmt.query_map([user_id.to_string()], |r| {
                Ok(portal_api::Store { id: uuid_of(r.get(0)?)?, code: r.get(1)?, name: r.get(2)?, city: r.get(3)? })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn manages(&self, user_id: Uuid, store_id: Uuid) -> DbResult<bool> {
        self.run(move |conn| {
            Ok(conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM store_managers WHERE user_id = ?1 AND store_id = ?2)",
                params![user_id.to_string(), store_id.to_string()],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn store_staff(&self, store_id: Uuid) -> DbResult<Vec<UserRecord>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE (role = 'promoter' AND store_id = ?1)
                    OR id IN (SELECT user_id FROM store_managers WHERE store_id = ?1)
                 ORDER BY role DESC, display_name"
            ))?;
            let rows = stmt.query_map([store_id.to_string()], user_row)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn set_discount_limit(&self, user_id: Uuid, percent: Option<u32>) -> DbResult<bool> {
        self.run(move |conn| {
            Ok(conn.execute(
                "UPDATE users SET discount_limit_percent = ?2 WHERE id = ?1",
                params![user_id.to_string(), percent],
            )? == 1)
        })
        .await
    }

    async fn upsert_store(&self, store: StoreInfo) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO stores (id, code, name, city) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET code = ?2, name = ?3, city = ?4",
                params![store.id.to_string(), store.code, store.name, store.city],
            )
            .map_err(code_taken)?;
            Ok(())
        })
        .await
    }

    async fn upsert_dealer(&self, dealer: Dealer) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO dealers (id, code, name, region) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET code = ?2, name = ?3, region = ?4",
                params![dealer.id.to_string(), dealer.code, dealer.name, dealer.region],
            )
            .map_err(code_taken)?;
            Ok(())
        })
        .await
    }

    async fn get_store(&self, id: Uuid) -> DbResult<Option<StoreInfo>> {
        self.run(move |conn| {
            Ok(conn
                .query_row("SELECT id, code, name, city FROM stores WHERE id = ?1", [id.to_string()], |row| {
                    Ok(StoreInfo { id: uuid_of(row.get(0)?)?, code: row.get(1)?, name: row.get(2)?, city: row.get(3)? })
                })
                .optional()?)
        })
        .await
    }

    async fn get_dealer(&self, id: Uuid) -> DbResult<Option<Dealer>> {
        self.run(move |conn| {
            Ok(conn
                .query_row("SELECT id, code, name, region FROM dealers WHERE id = ?1", [id.to_string()], |row| {
                    Ok(Dealer { id: uuid_of(row.get(0)?)?, code: row.get(1)?, name: row.get(2)?, region: row.get(3)? })
                })
                .optional()?)
        })
        .await
    }

    async fn count_members(&self, role: Role, org_id: Uuid) -> DbResult<u32> {
        self.run(move |conn| {
            let column = if role == Role::Distributor { "dealer_id" } else { "store_id" };
            Ok(conn.query_row(
                &format!("SELECT COUNT(*) FROM users WHERE role = ?1 AND {column} = ?2"),
                params![role.as_str(), org_id.to_string()],
                |row| row.get(0),
            )?)
        })
        .await
    }
}

/// A code another store or dealer holds: a conflict the caller can name.
fn code_taken(e: rusqlite::Error) -> DbError {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            DbError::Conflict("code".into())
        }
        e => e.into(),
    }
}
