//! The administrator's console on SQLite.
use portal_api::{AccountLock, AuditEntry, Dealer, InstanceView, Store};
use portal_db::{AuditRecord, Console, UserSearch, WaitingCounts, SET_ASIDE_BODY_HASH};

use super::*;

#[async_trait]
impl Console for SqliteDatabase {
    async fn lock_account(&self, user: Uuid, by: Uuid, reason: String, at: i64) -> DbResult<bool> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let exists =
                tx.query_row("SELECT 1 FROM users WHERE id = ?1", [user.to_string()], |_| Ok(())).optional()?;
            if exists.is_none() {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO account_locks (user_id, reason, locked_by, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (user_id) DO NOTHING",
                params![user.to_string(), reason, by.to_string(), at],
            )?;
            tx.execute(
                "UPDATE sessions SET revoked_at = ?2, revoke_reason = 'account_locked'
                 WHERE user_id = ?1 AND revoked_at IS NULL",
                params![user.to_string(), at],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn unlock_account(&self, user: Uuid) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute("DELETE FROM account_locks WHERE user_id = ?1", [user.to_string()])?;
            Ok(())
        })
        .await
    }

    async fn account_locks(&self, users: Vec<Uuid>) -> DbResult<Vec<(Uuid, AccountLock)>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached("SELECT reason, locked_by, at FROM account_locks WHERE user_id = ?1")?;
            let mut locks = Vec::new();
            for user in users {
                let lock = stmt
                    .query_row([user.to_string()], |r| {
                        Ok(AccountLock { reason: r.get(0)?, by: uuid_of(r.get(1)?)?, at: r.get(2)? })
                    })
                    .optional()?;
                if let Some(lock) = lock {
                    locks.push((user, lock));
                }
            }
            Ok(locks)
        })
        .await
    }

    async fn search_users(&self, search: UserSearch) -> DbResult<Vec<(UserRecord, u32)>> {
        self.run(move |conn| {
            let columns = format!(
                "SELECT {USER_COLUMNS}, (SELECT COUNT(*) FROM identities i WHERE i.user_id = users.id) FROM users"
            );
            let role = search.role.map(|r| r.as_str().to_owned());
            let (sql, key) = if let Some(phone) = &search.phone {
                (
                    format!(
                        "{columns} WHERE id IN (SELECT user_id FROM identities WHERE kind = 'phone' AND value = ?1)
                         AND (?2 IS NULL OR role = ?2) LIMIT ?3"
                    ),
                    phone.clone(),
                )
            } else if let Some(id) = search.id {
                (format!("{columns} WHERE id = ?1 AND (?2 IS NULL OR role = ?2) LIMIT ?3"), id.to_string())
            } else {
                // The start of a name, by the index on (display_name, id).
                (
                    format!(
                        "{columns} WHERE display_name >= ?1 AND display_name < ?1 || char(1114111)
                         AND (?2 IS NULL OR role = ?2) ORDER BY display_name, id LIMIT ?3"
                    ),
                    search.name_prefix.clone().unwrap_or_default(),
                )
            };
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![key, role, search.limit], |row| Ok((user_row(row)?, row.get(8)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn record_audit(&self, e: AuditRecord) -> DbResult<()> {
        self.run(move |conn| {
            conn.prepare_cached(
                "INSERT INTO audit_log (at, actor_id, role, method, path, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![e.at, e.actor_id.to_string(), e.role, e.method, e.path, e.status])?;
            Ok(())
        })
        .await
    }

    async fn audit_page(&self, before: Option<i64>, actor: Option<Uuid>, limit: u32) -> DbResult<Vec<AuditEntry>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT a.id, a.at, a.actor_id, COALESCE(u.display_name, ''), a.role, a.method, a.path, a.status
                 FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
                 WHERE (?1 IS NULL OR a.id < ?1) AND (?2 IS NULL OR a.actor_id = ?2)
                 ORDER BY a.id DESC LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![before, actor.map(|a| a.to_string()), limit], |r| {
                Ok(AuditEntry {
                    id: r.get(0)?,
                    at: r.get(1)?,
                    actor_id: uuid_of(r.get(2)?)?,
                    actor_name: r.get(3)?,
                    role: r.get(4)?,
                    method: r.get(5)?,
                    path: r.get(6)?,
                    status: r.get(7)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn prune_audit(&self, before_at: i64) -> DbResult<u64> {
        self.run(move |conn| Ok(conn.execute("DELETE FROM audit_log WHERE at < ?1", [before_at])? as u64)).await
    }

    async fn beat_instance(&self, i: InstanceView) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO instances (id, started_at, last_seen, version) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen",
                params![i.id.to_string(), i.started_at, i.last_seen, i.version],
            )?;
            conn.execute("DELETE FROM instances WHERE last_seen < ?1", [i.last_seen - 86_400])?;
            Ok(())
        })
        .await
    }

    async fn instances_seen(&self, since: i64) -> DbResult<Vec<InstanceView>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, started_at, last_seen, version FROM instances WHERE last_seen >= ?1
                 ORDER BY last_seen DESC LIMIT 100",
            )?;
            let rows = stmt.query_map([since], |r| {
                Ok(InstanceView {
                    id: uuid_of(r.get(0)?)?,
                    started_at: r.get(1)?,
                    last_seen: r.get(2)?,
                    version: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn waiting_counts(&self, set_aside_since: i64) -> DbResult<WaitingCounts> {
        self.run(move |conn| {
            Ok(conn.query_row(
                "SELECT (SELECT COUNT(*) FROM store_op_log WHERE body_hash = ?1 AND applied_at >= ?2),
                        (SELECT COUNT(*) FROM orders WHERE status IN ('price_review', 'credit_review')),
                        (SELECT COUNT(*) FROM shipments WHERE received_at IS NULL)",
                params![SET_ASIDE_BODY_HASH, set_aside_since],
                |r| {
                    Ok(WaitingCounts {
                        set_aside: r.get::<_, i64>(0)? as u64,
                        orders_waiting_review: r.get::<_, i64>(1)? as u64,
                        shipments_on_the_way: r.get::<_, i64>(2)? as u64,
                    })
                },
            )?)
        })
        .await
    }

    async fn stores_page(&self, after: Option<String>, limit: u32) -> DbResult<Vec<Store>> {
        self.run(move |conn| {
            let mut stmt =
                conn.prepare_cached("SELECT id, code, name, city FROM stores WHERE code > ?1 ORDER BY code LIMIT ?2")?;
            let rows = stmt.query_map(params![after.unwrap_or_default(), limit], |r| {
                Ok(Store { id: uuid_of(r.get(0)?)?, code: r.get(1)?, name: r.get(2)?, city: r.get(3)? })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn dealers_page(&self, after: Option<String>, limit: u32) -> DbResult<Vec<Dealer>> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT id, code, name, region FROM dealers WHERE code > ?1 ORDER BY code LIMIT ?2")?;
            let rows = stmt.query_map(params![after.unwrap_or_default(), limit], |r| {
                Ok(Dealer { id: uuid_of(r.get(0)?)?, code: r.get(1)?, name: r.get(2)?, region: r.get(3)? })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}
