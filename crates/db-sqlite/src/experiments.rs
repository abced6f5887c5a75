//! A/B experiments on SQLite.
use super::*;
use portal_api::{from_wire_name, Experiment, ExperimentStatus, Placement};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use portal_db::DbResult;

const COLUMNS: &str = "id, name, placement, arms, holdout_percent, status, started_at, stopped_at, winner";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Experiment>> {
    let (id, placement, arms, status): (String, String, String, String) = (r.get(0)?, r.get(2)?, r.get(3)?, r.get(5)?);
    Ok((|| {
        Some(Experiment {
            id: Uuid::parse_str(&id).ok()?,
            name: r.get(1).ok()?,
            placement: from_wire_name(&placement)?,
            arms: serde_json::from_str(&arms).ok()?,
            holdout_percent: r.get(4).ok()?,
            status: from_wire_name(&status)?,
            started_at: r.get(6).ok()?,
            stopped_at: r.get(7).ok()?,
            winner: r.get(8).ok()?,
        })
    })())
}

pub fn create(conn: &Connection, e: &Experiment) -> DbResult<bool> {
    let inserted = conn.execute(
        "INSERT INTO experiments (id, name, placement, arms, holdout_percent, status, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6) ON CONFLICT DO NOTHING",
        params![
            e.id.to_string(),
            e.name,
            e.placement.as_str(),
            serde_json::to_string(&e.arms).unwrap_or_default(),
            e.holdout_percent,
            e.started_at
        ],
    )?;
    Ok(inserted == 1)
}

pub fn all(conn: &Connection) -> DbResult<Vec<Experiment>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM experiments ORDER BY started_at DESC, id DESC"))?;
    let rows = stmt.query_map([], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows.into_iter().flatten().collect())
}

pub fn running(conn: &Connection, placement: Placement) -> DbResult<Option<Experiment>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM experiments WHERE placement = ?1 AND status = 'running'"))?
        .query_row([placement.as_str()], row)
        .optional()?
        .flatten())
}

pub fn stop(
    conn: &mut Connection,
    id: Uuid,
    winner: Option<(String, String)>,
    now: i64,
) -> DbResult<Option<Experiment>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let stopped = tx
        .prepare(&format!(
            "UPDATE experiments SET status = 'stopped', stopped_at = ?2, winner = ?3
             WHERE id = ?1 AND status = 'running' RETURNING {COLUMNS}"
        ))?
        .query_row(params![id.to_string(), now, winner.as_ref().map(|w| w.0.clone())], row)
        .optional()?
        .flatten();
    if let (Some(e), Some((_, algorithm))) = (&stopped, &winner) {
        tx.execute(
            "INSERT INTO placement_defaults (placement, algorithm, changed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (placement) DO UPDATE SET algorithm = ?2, changed_at = ?3",
            params![e.placement.as_str(), algorithm, now],
        )?;
    }
    tx.commit()?;
    Ok(stopped.map(|e| Experiment { status: ExperimentStatus::Stopped, ..e }))
}

pub fn placement_default(conn: &Connection, placement: Placement) -> DbResult<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT algorithm FROM placement_defaults WHERE placement = ?1")?
        .query_row([placement.as_str()], |r| r.get(0))
        .optional()?)
}

#[async_trait]
impl Experiments for SqliteDatabase {
    async fn record_served_list(&self, list: ServedList) -> DbResult<()> {
        self.run(move |conn| events::record_served(conn, &list)).await
    }

    async fn served_lists(&self, ids: Vec<Uuid>) -> DbResult<Vec<(Uuid, Option<Uuid>, Vec<String>)>> {
        self.run(move |conn| events::served_lists(conn, &ids)).await
    }

    async fn experiment_people(&self, experiment: Uuid) -> DbResult<Vec<(String, Uuid, i64)>> {
        self.run(move |conn| events::experiment_people(conn, experiment)).await
    }

    async fn create_experiment(&self, experiment: portal_api::Experiment) -> DbResult<bool> {
        self.run(move |conn| self::create(conn, &experiment)).await
    }

    async fn experiments(&self) -> DbResult<Vec<portal_api::Experiment>> {
        self.run(|conn| self::all(conn)).await
    }

    async fn running_experiment(&self, placement: portal_api::Placement) -> DbResult<Option<portal_api::Experiment>> {
        self.run(move |conn| self::running(conn, placement)).await
    }

    async fn stop_experiment(
        &self,
        id: Uuid,
        winner: Option<(String, String)>,
        now: i64,
    ) -> DbResult<Option<portal_api::Experiment>> {
        self.run(move |conn| self::stop(conn, id, winner, now)).await
    }

    async fn placement_default(&self, placement: portal_api::Placement) -> DbResult<Option<String>> {
        self.run(move |conn| self::placement_default(conn, placement)).await
    }
}
