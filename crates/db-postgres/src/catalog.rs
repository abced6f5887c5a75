//! The product center's document log, on PostgreSQL.
use super::*;

#[async_trait]
impl Catalog for PostgresDatabase {
    async fn catalog_write(&self, writes: Vec<CatalogWrite>) -> DbResult<usize> {
        self.serializable(move |tx| {
            // The catalog's version counter is one row: writers take it in turn.
            let mut version: i64 = tx.query_one("SELECT last_version FROM catalog_meta FOR UPDATE", &[])?.get(0);
            let mut changed = 0;
            let current = tx.prepare("SELECT body FROM catalog_items WHERE kind = $1 AND code = $2")?;
            let upsert = tx.prepare(
                "INSERT INTO catalog_items (kind, code, version, body) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (kind, code) DO UPDATE SET version = $3, body = $4",
            )?;
            for write in &writes {
                let existing: Option<Option<String>> =
                    tx.query_opt(&current, &[&write.kind.as_str(), &write.code])?.map(|r| r.get(0));
                let unchanged = match &existing {
                    Some(body) => body == &write.body,
                    None => write.body.is_none(),
                };
                if unchanged {
                    continue;
                }
                version += 1;
                tx.execute(&upsert, &[&write.kind.as_str(), &write.code, &version, &write.body])?;
                changed += 1;
            }
            tx.execute("UPDATE catalog_meta SET last_version = $1", &[&version])?;
            Ok(changed)
        })
        .await
    }

    async fn catalog_replace(&self, write: CatalogWrite, expected: Option<String>) -> DbResult<bool> {
        self.serializable(move |tx| {
            // The version row first, as every catalog writer takes it: writers of one document
            // queue there, and each reads the body the one before it left.
            let version: i64 = tx.query_one("SELECT last_version FROM catalog_meta FOR UPDATE", &[])?.get(0);
            let live: Option<String> = tx
                .query_opt(
                    "SELECT body FROM catalog_items WHERE kind = $1 AND code = $2",
                    &[&write.kind.as_str(), &write.code],
                )?
                .and_then(|r| r.get(0));
            if live != expected {
                return Ok(false);
            }
            if live != write.body {
                tx.execute(
                    "INSERT INTO catalog_items (kind, code, version, body) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (kind, code) DO UPDATE SET version = $3, body = $4",
                    &[&write.kind.as_str(), &write.code, &(version + 1), &write.body],
                )?;
                tx.execute("UPDATE catalog_meta SET last_version = $1", &[&(version + 1)])?;
            }
            Ok(true)
        })
        .await
    }

    async fn catalog_changes(&self, after: i64, limit: u32) -> DbResult<CatalogChanges> {
        self.run(move |client| {
            // One snapshot for the version and the rows, so a page never runs ahead of its version.
            let mut tx =
                client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start()?;
            let meta = tx.query_one("SELECT epoch, last_version FROM catalog_meta", &[])?;
            let rows = tx
                .query(
                    "SELECT kind, code, version, body FROM catalog_items WHERE version > $1 ORDER BY version LIMIT $2",
                    &[&after, &i64::from(limit)],
                )?
                .iter()
                .map(|r| {
                    let kind: String = r.get(0);
                    Ok(CatalogRow {
                        kind: CatalogKind::parse(&kind)
                            .ok_or_else(|| DbError::Database(format!("unknown catalog kind {kind}")))?,
                        code: r.get(1),
                        version: r.get(2),
                        body: r.get(3),
                    })
                })
                .collect::<DbResult<Vec<_>>>()?;
            tx.commit()?;
            Ok(CatalogChanges { epoch: meta.get(0), last_version: meta.get(1), rows })
        })
        .await
    }

    async fn catalog_get(&self, kind: CatalogKind, code: &str) -> DbResult<Option<String>> {
        let code = code.to_owned();
        self.run(move |client| {
            Ok(client
                .query_opt("SELECT body FROM catalog_items WHERE kind = $1 AND code = $2", &[&kind.as_str(), &code])?
                .and_then(|r| r.get::<_, Option<String>>(0)))
        })
        .await
    }

    async fn catalog_all(&self, kind: CatalogKind) -> DbResult<Vec<String>> {
        self.run(move |client| {
            Ok(client
                .query(
                    "SELECT body FROM catalog_items WHERE kind = $1 AND body IS NOT NULL ORDER BY code",
                    &[&kind.as_str()],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
        .await
    }
}
