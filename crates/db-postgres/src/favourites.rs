//! Favourites, applied once per operation id, on PostgreSQL.
use super::*;

#[async_trait]
impl Favourites for PostgresDatabase {
    async fn apply_favourite_ops(
        &self,
        user_id: Uuid,
        ops: Vec<(FavouriteOp, String)>,
        now: i64,
    ) -> DbResult<Vec<Uuid>> {
        self.run(move |client| {
            let mut conflicts = Vec::new();
            // One transaction per operation, with its id: a crash between two leaves the first whole.
            for (op, hash) in &ops {
                let conflict = in_serializable(client, |tx| {
                    let recorded = tx.query_opt(
                        "SELECT user_id, body_hash FROM applied_ops WHERE op_id = $1",
                        &[&op.id.to_string()],
                    )?;
                    if let Some(r) = recorded {
                        let (user, recorded_hash): (String, Option<String>) = (r.get(0), r.get(1));
                        return Ok(user != user_id.to_string() || recorded_hash.is_some_and(|h| &h != hash));
                    }
                    tx.execute(
                        "INSERT INTO applied_ops (op_id, user_id, applied_at, body_hash) VALUES ($1, $2, $3, $4)",
                        &[&op.id.to_string(), &user_id.to_string(), &now, hash],
                    )?;
                    tx.execute(
                        "INSERT INTO favourites (user_id, model, kind, active, changed_at) VALUES ($1, $2, $3, $4, $5)
                         ON CONFLICT (user_id, model, kind) DO UPDATE SET active = $4, changed_at = $5
                         WHERE excluded.changed_at >= favourites.changed_at",
                        &[&user_id.to_string(), &op.model, &op.kind.as_str(), &op.active, &op.changed_at],
                    )?;
                    Ok(false)
                })?;
                if conflict {
                    conflicts.push(op.id);
                }
            }
            Ok(conflicts)
        })
        .await
    }

    async fn favourites(&self, user_id: Uuid) -> DbResult<Vec<Favourite>> {
        self.run(move |client| {
            Ok(client
                .query(
                    "SELECT model, kind, changed_at FROM favourites WHERE user_id = $1 AND active
                     ORDER BY changed_at DESC, model",
                    &[&user_id.to_string()],
                )?
                .iter()
                .map(|r| Favourite {
                    model: r.get(0),
                    kind: if r.get::<_, String>(1) == "follow" {
                        FavouriteKind::Follow
                    } else {
                        FavouriteKind::Favourite
                    },
                    changed_at: r.get(2),
                })
                .collect())
        })
        .await
    }
}
