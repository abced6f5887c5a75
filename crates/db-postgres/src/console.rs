//! The administrator's console on PostgreSQL.
use portal_api::{AccountLock, AuditEntry, Dealer, InstanceView, Store};
use portal_db::{AuditRecord, Console, UserSearch, WaitingCounts, SET_ASIDE_BODY_HASH};

use super::*;

fn count(r: &Row, i: usize) -> u64 {
    u64::try_from(r.get::<_, i64>(i)).unwrap_or(0)
}

#[async_trait]
impl Console for PostgresDatabase {
    async fn lock_account(&self, user: Uuid, by: Uuid, reason: String, at: i64) -> DbResult<bool> {
        self.read_committed(move |tx| {
            let key = user.to_string();
            if tx.query_opt("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", &[&key])?.is_none() {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO account_locks (user_id, reason, locked_by, at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (user_id) DO NOTHING",
                &[&key, &reason, &by.to_string(), &at],
            )?;
            tx.execute(
                "UPDATE sessions SET revoked_at = $2, revoke_reason = 'account_locked'
                 WHERE user_id = $1 AND revoked_at IS NULL",
                &[&key, &at],
            )?;
            Ok(true)
        })
        .await
    }

    async fn unlock_account(&self, user: Uuid) -> DbResult<()> {
        self.run(move |client| {
            client.execute("DELETE FROM account_locks WHERE user_id = $1", &[&user.to_string()])?;
            Ok(())
        })
        .await
    }

    async fn account_locks(&self, users: Vec<Uuid>) -> DbResult<Vec<(Uuid, AccountLock)>> {
        self.run(move |client| {
            let keys: Vec<String> = users.iter().map(Uuid::to_string).collect();
            client
                .query("SELECT user_id, reason, locked_by, at FROM account_locks WHERE user_id = ANY($1)", &[&keys])?
                .iter()
                .map(|r| Ok((uuid(r.get(0))?, AccountLock { reason: r.get(1), by: uuid(r.get(2))?, at: r.get(3) })))
                .collect()
        })
        .await
    }

    async fn search_users(&self, search: UserSearch) -> DbResult<Vec<(UserRecord, u32)>> {
        self.run(move |client| {
            let columns = format!(
                "SELECT {USER_COLUMNS}, (SELECT COUNT(*) FROM identities i WHERE i.user_id = users.id) FROM users"
            );
            let role = search.role.map(|r| r.as_str().to_owned());
            let limit = i64::from(search.limit);
            let rows = if let Some(phone) = &search.phone {
                client.query(
                    &format!(
                        "{columns} WHERE id IN (SELECT user_id FROM identities WHERE kind = 'phone' AND value = $1)
                         AND ($2::text IS NULL OR role = $2) LIMIT $3"
                    ),
                    &[phone, &role, &limit],
                )?
            } else if let Some(id) = search.id {
                client.query(
                    &format!("{columns} WHERE id = $1 AND ($2::text IS NULL OR role = $2) LIMIT $3"),
                    &[&id.to_string(), &role, &limit],
                )?
            } else {
                // The start of a name, by the index on (display_name, id).
                let prefix = search.name_prefix.clone().unwrap_or_default();
                client.query(
                    &format!(
                        "{columns} WHERE display_name COLLATE \"C\" >= $1 AND display_name COLLATE \"C\" < $1 || chr(1114111)
                         AND ($2::text IS NULL OR role = $2) ORDER BY display_name COLLATE \"C\", id LIMIT $3"
                    ),
                    &[&prefix, &role, &limit],
                )?
            };
            rows.iter().map(|r| Ok((user_row(r)?, u32::try_from(r.get::<_, i64>(8)).unwrap_or(0)))).collect()
        })
        .await
    }

    async fn record_audit(&self, e: AuditRecord) -> DbResult<()> {
        self.run(move |client| {
            client.execute(
                "INSERT INTO audit_log (at, actor_id, role, method, path, status) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&e.at, &e.actor_id.to_string(), &e.role, &e.method, &e.path, &i32::from(e.status)],
            )?;
            Ok(())
        })
        .await
    }

    async fn audit_page(&self, before: Option<i64>, actor: Option<Uuid>, limit: u32) -> DbResult<Vec<AuditEntry>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT a.id, a.at, a.actor_id, COALESCE(u.display_name, ''), a.role, a.method, a.path, a.status
                     FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
                     WHERE ($1::int8 IS NULL OR a.id < $1) AND ($2::text IS NULL OR a.actor_id = $2)
                     ORDER BY a.id DESC LIMIT $3",
                    &[&before, &actor.map(|a| a.to_string()), &i64::from(limit)],
                )?
                .iter()
                .map(|r| {
                    Ok(AuditEntry {
                        id: r.get(0),
                        at: r.get(1),
                        actor_id: uuid(r.get(2))?,
                        actor_name: r.get(3),
                        role: r.get(4),
                        method: r.get(5),
                        path: r.get(6),
                        status: u16::try_from(r.get::<_, i32>(7)).unwrap_or(0),
                    })
                })
                .collect()
        })
        .await
    }

    async fn prune_audit(&self, before_at: i64) -> DbResult<u64> {
        self.run(move |client| Ok(client.execute("DELETE FROM audit_log WHERE at < $1", &[&before_at])?)).await
    }

    async fn beat_instance(&self, i: InstanceView) -> DbResult<()> {
        self.run(move |client| {
            client.execute(
                "INSERT INTO instances (id, started_at, last_seen, version) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen",
                &[&i.id.to_string(), &i.started_at, &i.last_seen, &i.version],
            )?;
            client.execute("DELETE FROM instances WHERE last_seen < $1", &[&(i.last_seen - 86_400)])?;
            Ok(())
        })
        .await
    }

    async fn instances_seen(&self, since: i64) -> DbResult<Vec<InstanceView>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT id, started_at, last_seen, version FROM instances WHERE last_seen >= $1
                     ORDER BY last_seen DESC LIMIT 100",
                    &[&since],
                )?
                .iter()
                .map(|r| {
                    Ok(InstanceView {
                        id: uuid(r.get(0))?,
                        started_at: r.get(1),
                        last_seen: r.get(2),
                        version: r.get(3),
                    })
                })
                .collect()
        })
        .await
    }

    async fn waiting_counts(&self, set_aside_since: i64) -> DbResult<WaitingCounts> {
        self.run(move |client| {
            let r = client.query_one(
                "SELECT (SELECT COUNT(*) FROM store_op_log WHERE body_hash = $1 AND applied_at >= $2),
                        (SELECT COUNT(*) FROM orders WHERE status IN ('price_review', 'credit_review')),
                        (SELECT COUNT(*) FROM shipments WHERE received_at IS NULL)",
                &[&SET_ASIDE_BODY_HASH, &set_aside_since],
            )?;
            Ok(WaitingCounts {
                set_aside: count(&r, 0),
                orders_waiting_review: count(&r, 1),
                shipments_on_the_way: count(&r, 2),
            })
        })
        .await
    }

    async fn stores_page(&self, after: Option<String>, limit: u32) -> DbResult<Vec<Store>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT id, code, name, city FROM stores WHERE code > $1 ORDER BY code LIMIT $2",
                    &[&after.unwrap_or_default(), &i64::from(limit)],
                )?
                .iter()
                .map(|r| Ok(Store { id: uuid(r.get(0))?, code: r.get(1), name: r.get(2), city: r.get(3) }))
                .collect()
        })
        .await
    }

    async fn dealers_page(&self, after: Option<String>, limit: u32) -> DbResult<Vec<Dealer>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT id, code, name, region FROM dealers WHERE code > $1 ORDER BY code LIMIT $2",
                    &[&after.unwrap_or_default(), &i64::from(limit)],
                )?
                .iter()
                .map(|r| Ok(Dealer { id: uuid(r.get(0))?, code: r.get(1), name: r.get(2), region: r.get(3) }))
                .collect()
        })
        .await
    }
}
