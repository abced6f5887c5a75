//! The product center's document log, on SQLite.
use super::*;

#[async_trait]
impl Catalog for SqliteDatabase {
    async fn catalog_write(&self, writes: Vec<CatalogWrite>) -> DbResult<usize> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut version: i64 = tx.query_row("SELECT last_version FROM catalog_meta", [], |r| r.get(0))?;
            let mut changed = 0;
            {
                let mut current = tx.prepare_cached("SELECT body FROM catalog_items WHERE kind = ?1 AND code = ?2")?;
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO catalog_items (kind, code, version, body) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (kind, code) DO UPDATE SET version = ?3, body = ?4",
                )?;
                for write in &writes {
                    let existing: Option<Option<String>> =
                        current.query_row(params![write.kind.as_str(), write.code], |r| r.get(0)).optional()?;
                    let unchanged = match &existing {
                        Some(body) => body == &write.body,
                        None => write.body.is_none(),
                    };
                    if unchanged {
                        continue;
                    }
                    version += 1;
                    upsert.execute(params![write.kind.as_str(), write.code, version, write.body])?;
                    changed += 1;
                }
            }
            tx.execute("UPDATE catalog_meta SET last_version = ?1", [version])?;
            tx.commit()?;
            Ok(changed)
        })
        .await
    }

    async fn catalog_replace(&self, write: CatalogWrite, expected: Option<String>) -> DbResult<bool> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let live: Option<String> = tx
                .query_row(
                    "SELECT body FROM catalog_items WHERE kind = ?1 AND code = ?2",
                    params![write.kind.as_str(), write.code],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            if live != expected {
                return Ok(false);
            }
            if live != write.body {
                let version: i64 = tx.query_row(
                    "UPDATE catalog_meta SET last_version = last_version + 1 RETURNING last_version",
                    [],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "INSERT INTO catalog_items (kind, code, version, body) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (kind, code) DO UPDATE SET version = ?3, body = ?4",
                    params![write.kind.as_str(), write.code, version, write.body],
                )?;
            }
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn catalog_changes(&self, after: i64, limit: u32) -> DbResult<CatalogChanges> {
        self.run(move |conn| {
            let (epoch, last_version): (String, i64) =
                conn.query_row("SELECT epoch, last_version FROM catalog_meta", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
            let mut stmt = conn.prepare_cached(
                "SELECT kind, code, version, body FROM catalog_items WHERE version > ?1 ORDER BY version LIMIT ?2",
            )?;
            let rows = stmt
                .query_map(params![after, limit], |r| {
                    let kind: String = r.get(0)?;
                    Ok(CatalogRow {
                        kind: CatalogKind::parse(&kind)
                            .ok_or_else(|| rusqlite::Error::InvalidColumnType(0, kind, rusqlite::types::Type::Text))?,
                        code: r.get(1)?,
                        version: r.get(2)?,
                        body: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CatalogChanges { epoch, last_version, rows })
        })
        .await
    }

    async fn catalog_get(&self, kind: CatalogKind, code: &str) -> DbResult<Option<String>> {
        let code = code.to_owned();
        self.run(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT body FROM catalog_items WHERE kind = ?1 AND code = ?2",
                    params![kind.as_str(), code],
                    |r| r.get::<_, Option<String>>(0),
                )
                .optional()?
                .flatten())
        })
        .await
    }

    async fn catalog_all(&self, kind: CatalogKind) -> DbResult<Vec<String>> {
        self.run(move |conn| {
            let mut stmt =
                conn.prepare("SELECT body FROM catalog_items WHERE kind = ?1 AND body IS NOT NULL ORDER BY code")?;
            let rows = stmt.query_map([kind.as_str()], |r| r.get(0))?.collect::<Result<Vec<String>, _>>()?;
            Ok(rows)
        })
        .await
    }
}
