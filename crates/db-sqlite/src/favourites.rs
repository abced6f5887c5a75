//! Favourites, applied once per operation id, on SQLite.
use super::*;

#[async_trait]
impl Favourites for SqliteDatabase {
    async fn apply_favourite_ops(
        &self,
        user_id: Uuid,
        ops: Vec<(FavouriteOp, String)>,
        now: i64,
    ) -> DbResult<Vec<Uuid>> {
        self.run(move |conn| {
            let mut conflicts = Vec::new();
            // One transaction per operation, with its id: a crash between two leaves the first whole.
            for (op, hash) in ops {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let recorded: Option<(String, Option<String>)> = tx
                    .query_row("SELECT user_id, body_hash FROM applied_ops WHERE op_id = ?1", [op.id.to_string()], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()?;
                match recorded {
                    Some((user, recorded_hash)) => {
                        if user != user_id.to_string() || recorded_hash.is_some_and(|h| h != hash) {
                            conflicts.push(op.id);
                        }
                    }
                    None => {
                        tx.execute(
                            "INSERT INTO applied_ops (op_id, user_id, applied_at, body_hash) VALUES (?1, ?2, ?3, ?4)",
                            params![op.id.to_string(), user_id.to_string(), now, hash],
                        )?;
                        tx.execute(
                            "INSERT INTO favourites (user_id, model, kind, active, changed_at) VALUES (?1, ?2, ?3, ?4, ?5)
                             ON CONFLICT (user_id, model, kind) DO UPDATE SET active = ?4, changed_at = ?5
                             WHERE excluded.changed_at >= favourites.changed_at",
                            params![user_id.to_string(), op.model, op.kind.as_str(), op.active, op.changed_at],
                        )?;
                    }
                }
                tx.commit()?;
            }
            Ok(conflicts)
        })
        .await
    }

    async fn favourites(&self, user_id: Uuid) -> DbResult<Vec<Favourite>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT model, kind, changed_at FROM favourites WHERE user_id = ?1 AND active ORDER BY changed_at DESC, model",
            )?;
            let rows = stmt
                .query_map([user_id.to_string()], |r| {
                    let kind: String = r.get(1)?;
                    Ok(Favourite {
                        model: r.get(0)?,
                        kind: if kind == "follow" { FavouriteKind::Follow } else { FavouriteKind::Favourite },
                        changed_at: r.get(2)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }
}
