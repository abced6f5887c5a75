//! The app's local SQLite cache: settings, the cached profile and role home. Versioned
//! migrations; a cache from a newer app is refused with a clear message.
use std::{
    cell::RefCell,
    path::{Path, PathBuf},
    sync::Arc,
};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{de::DeserializeOwned, Serialize};
use uuid::Uuid;

use crate::{
    catalog::facts::Facts,
    error::{ClientError, ClientResult},
};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/client/0001_cache.sql"),
    include_str!("../../../migrations/client/0002_catalog.sql"),
    include_str!("../../../migrations/client/0003_outbox.sql"),
    include_str!("../../../migrations/client/0004_catalog_compact.sql"),
    include_str!("../../../migrations/client/0005_store_ops.sql"),
    include_str!("../../../migrations/client/0006_product_skus.sql"),
    include_str!("../../../migrations/client/0007_pos_shifts.sql"),
    include_str!("../../../migrations/client/0008_store_stock.sql"),
    include_str!("../../../migrations/client/0009_notices.sql"),
    include_str!("../../../migrations/client/0010_return_tills.sql"),
    include_str!("../../../migrations/client/0011_notice_context.sql"),
    include_str!("../../../migrations/client/0012_profile_discount_defaults.sql"),
    include_str!("../../../migrations/client/0013_dead_letters.sql"),
    include_str!("../../../migrations/client/0014_dead_letters_reported.sql"),
    include_str!("../../../migrations/client/0015_recently_viewed.sql"),
    include_str!("../../../migrations/client/0016_event_queue.sql"),
    include_str!("../../../migrations/client/0017_order_drafts.sql"),
];

/// A setting, read on any connection (a transaction's too).
pub(crate) fn read_setting(conn: &Connection, key: &str) -> ClientResult<Option<String>> {
    Ok(conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?)
}

/// Sets a setting on any connection, so that it can move in the same transaction as other writes.
pub(crate) fn write_setting(conn: &Connection, key: &str, value: &str) -> ClientResult<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
    )?
    .execute(params![key, value])?;
    Ok(())
}

pub struct Cache {
    pub(crate) conn: Connection,
    path: PathBuf,
    /// Search's in-memory view of the products, dropped whenever a sync changes them.
    catalog_facts: RefCell<Option<Arc<Facts>>>,
}

/// A cached value and when it was stored (unix seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Cached<T> {
    pub value: T,
    pub cached_at: i64,
}

impl Cache {
    /// Search's facts for the products as they are now, loaded once per sync.
    pub fn catalog_facts(&self) -> ClientResult<Arc<Facts>> {
        if let Some(facts) = self.catalog_facts.borrow().as_ref() {
            return Ok(facts.clone());
        }
        let facts = Arc::new(Facts::load(&self.conn)?);
        *self.catalog_facts.borrow_mut() = Some(facts.clone());
        Ok(facts)
    }

    /// Forgets search's facts: the products changed.
    pub fn forget_catalog_facts(&mut self) {
        *self.catalog_facts.get_mut() = None;
    }

    pub fn open(path: &Path) -> ClientResult<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| ClientError::Cache(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
        }
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // Deleted rows are overwritten, so a signed-out user's data does not linger in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Enough page cache for the search index and the compact product rows of a 100,000-SKU catalog.
        conn.pragma_update(None, "cache_size", -32_000)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(ClientError::CacheTooNew { path: path.display().to_string(), found: version, known });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)?;
            tx.commit()?;
        }
        Ok(Self { conn, path: path.to_owned(), catalog_facts: RefCell::new(None) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn setting(&self, key: &str) -> ClientResult<Option<String>> {
        read_setting(&self.conn, key)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> ClientResult<()> {
        write_setting(&self.conn, key, value)
    }

    pub fn remove_setting(&self, key: &str) -> ClientResult<()> {
        self.conn.execute("DELETE FROM settings WHERE key = ?1", [key])?;
        Ok(())
    }

    fn put_json<T: Serialize>(
        &self,
        table: &str,
        column: &str,
        user_id: Uuid,
        value: &T,
        now: i64,
    ) -> ClientResult<()> {
        let json = serde_json::to_string(value).map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.conn.execute(
            &format!(
                "INSERT INTO {table} (user_id, {column}, cached_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id) DO UPDATE SET {column} = ?2, cached_at = ?3"
            ),
            params![user_id.to_string(), json, now],
        )?;
        Ok(())
    }

    fn get_json<T: DeserializeOwned>(
        &self,
        table: &str,
        column: &str,
        user_id: Uuid,
    ) -> ClientResult<Option<Cached<T>>> {
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                &format!("SELECT {column}, cached_at FROM {table} WHERE user_id = ?1"),
                [user_id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        // A row that no longer parses (an older shape) is treated as absent, not as an error.
        Ok(row.and_then(|(json, cached_at)| serde_json::from_str(&json).ok().map(|value| Cached { value, cached_at })))
    }

    pub fn put_profile(&self, profile: &portal_api::Profile, now: i64) -> ClientResult<()> {
        self.put_json("profile_cache", "profile_json", profile.user_id, profile, now)
    }

    pub fn profile(&self, user_id: Uuid) -> ClientResult<Option<Cached<portal_api::Profile>>> {
        self.get_json("profile_cache", "profile_json", user_id)
    }

    pub fn put_home<T: Serialize>(&self, user_id: Uuid, home: &T, now: i64) -> ClientResult<()> {
        self.put_json("home_cache", "home_json", user_id, home, now)
    }

    pub fn home<T: DeserializeOwned>(&self, user_id: Uuid) -> ClientResult<Option<Cached<T>>> {
        self.get_json("home_cache", "home_json", user_id)
    }

    /// Forget everything about the signed-in user (on sign-out). Settings stay. The WAL is
    /// checkpointed and truncated so no copy of the old rows stays in it either.
    /// What a shared device must not keep for the next person: the profile, the role home, a
    /// dealer's order drafts not yet sent (one being sent stays with its outbox row, for its
    /// account), the dealer's desk and the shipments a store expects as last read,
    /// the products they viewed, their inbox (and which of its messages were announced) and their
    /// behaviour events not yet sent, other devices' receipts found on the server, server snapshots, and customers' phone numbers
    /// in receipts (except in operations not yet acknowledged: those lose it at their ack).
    pub fn clear_user_data(&self) -> ClientResult<()> {
        self.conn.execute_batch(
            "DELETE FROM profile_cache; DELETE FROM home_cache; DELETE FROM pos_found_sales; DELETE FROM recently_viewed;
             DELETE FROM event_queue WHERE user_id IS NOT NULL;
             DELETE FROM order_drafts WHERE json_extract(body, '$.state') <> 'sending';
             DELETE FROM settings WHERE key LIKE 'pos.stock.%' OR key LIKE 'pos.samples.%' OR key LIKE 'pos.transfers.%'
                OR key LIKE 'recommendations.%' OR key LIKE 'inbox.%' OR key LIKE 'dealer.%' OR key LIKE 'wallet.%'
                OR key LIKE 'pos.shipments.%';
             UPDATE pos_receipts SET body = json_remove(body, '$.customer_phone')
              WHERE json_extract(body, '$.customer_phone') IS NOT NULL AND op_id NOT IN (SELECT op_id FROM outbox);
             UPDATE outbox_dead SET payload = json_remove(payload, '$.action.customer_phone') WHERE json_valid(payload);",
        )?;
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_out_leaves_no_trace_of_the_profile_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let cache = Cache::open(&path).unwrap();
        let profile = portal_api::Profile {
            user_id: Uuid::now_v7(),
            display_name: "Distinctive Name 42".into(),
            role: portal_api::Role::Consumer,
            store_id: None,
            dealer_id: None,
            identities: vec![],
            has_password: false,
            created_at: 0,
            stores: vec![],
            discount_limit_percent: 0,
            birthday: None,
        };
        cache.put_profile(&profile, 1).unwrap();
        assert_eq!(cache.profile(profile.user_id).unwrap().unwrap().value, profile);
        // Their inbox, and which of its messages this device announced.
        let inbox = format!("inbox.{}", profile.user_id);
        write_setting(&cache.conn, &inbox, r#"{"messages":[{"title":"Distinctive Name 42's offer"}]}"#).unwrap();
        write_setting(&cache.conn, &format!("inbox.announced.{}", profile.user_id), "[\"m1\"]").unwrap();
        cache.clear_user_data().unwrap();
        let left: u32 =
            cache.conn.query_row("SELECT COUNT(*) FROM settings WHERE key LIKE 'inbox.%'", [], |r| r.get(0)).unwrap();
        assert_eq!(left, 0, "the inbox stays on a shared device");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(dir.path().join("cache.sqlite-wal")).unwrap_or_default());
        let needle = b"Distinctive Name 42";
        assert!(!bytes.windows(needle.len()).any(|w| w == needle), "the profile lingers on disk");
    }

    #[test]
    fn a_profile_cached_before_discount_limits_gets_its_roles_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let cache = Cache::open(&path).unwrap();
        let user = Uuid::now_v7();
        // As a build before per-person limits wrote it: no discount_limit_percent at all.
        let old = serde_json::json!({ "user_id": user, "display_name": "促销员", "role": "promoter",
            "identities": [], "has_password": true, "created_at": 0 });
        cache
            .conn
            .execute(
                "INSERT INTO profile_cache (user_id, profile_json, cached_at) VALUES (?1, ?2, 1)",
                params![user.to_string(), old.to_string()],
            )
            .unwrap();
        let before = MIGRATIONS
            .iter()
            .position(|m| m.contains("profile_json, '$.discount_limit_percent'"))
            .expect("the migration that fills in the defaults");
        cache.conn.pragma_update(None, "user_version", before as i64).unwrap();
        drop(cache);
        let cache = Cache::open(&path).unwrap();
        assert_eq!(cache.profile(user).unwrap().unwrap().value.discount_limit_percent, 10);
    }

    #[test]
    fn migrates_uses_wal_and_refuses_newer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/cache.sqlite");
        let cache = Cache::open(&path).unwrap();
        let mode: String = cache.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        cache.set_setting("server_url", "http://127.0.0.1:1").unwrap();
        drop(cache);
        let cache = Cache::open(&path).unwrap();
        assert_eq!(cache.setting("server_url").unwrap().as_deref(), Some("http://127.0.0.1:1"));
        cache.conn.pragma_update(None, "user_version", 42).unwrap();
        drop(cache);
        match Cache::open(&path) {
            Ok(_) => panic!("a newer cache must be refused"),
            Err(ClientError::CacheTooNew { found: 42, .. }) => {}
            Err(other) => panic!("expected CacheTooNew, got {other}"),
        }
    }
}
