//! A/B experiments on PostgreSQL (READ COMMITTED; the unique index on running experiments decides
//! between two starts at once, the row lock of the UPDATE between two stops).
use super::*;
use ::postgres::{GenericClient, Row, Transaction};
use portal_api::{from_wire_name, Experiment, ExperimentStatus, Placement};
use uuid::Uuid;

use portal_db::DbResult;

const COLUMNS: &str = "id, name, placement, arms, holdout_percent, status, started_at, stopped_at, winner";

fn row(r: &Row) -> Option<Experiment> {
    Some(Experiment {
        id: Uuid::parse_str(&r.get::<_, String>(0)).ok()?,
        name: r.get(1),
        placement: from_wire_name(&r.get::<_, String>(2))?,
        arms: serde_json::from_str(&r.get::<_, String>(3)).ok()?,
        holdout_percent: r.get::<_, i64>(4) as u32,
        status: from_wire_name(&r.get::<_, String>(5))?,
        started_at: r.get(6),
        stopped_at: r.get(7),
        winner: r.get(8),
    })
}

pub fn create(tx: &mut Transaction<'_>, e: &Experiment) -> DbResult<bool> {
    let inserted = tx.execute(
        "INSERT INTO experiments (id, name, placement, arms, holdout_percent, status, started_at)
         VALUES ($1, $2, $3, $4, $5, 'running', $6) ON CONFLICT DO NOTHING",
        &[
            &e.id.to_string(),
            &e.name,
            &e.placement.as_str(),
            &serde_json::to_string(&e.arms).unwrap_or_default(),
            &i64::from(e.holdout_percent),
            &e.started_at,
        ],
    )?;
    Ok(inserted == 1)
}

pub fn all(tx: &mut Transaction<'_>) -> DbResult<Vec<Experiment>> {
    Ok(tx
        .query(&format!("SELECT {COLUMNS} FROM experiments ORDER BY started_at DESC, id DESC"), &[])?
        .iter()
        .filter_map(row)
        .collect())
}

pub fn running(tx: &mut impl GenericClient, placement: Placement) -> DbResult<Option<Experiment>> {
    Ok(tx
        .query_opt(
            &format!("SELECT {COLUMNS} FROM experiments WHERE placement = $1 AND status = 'running'"),
            &[&placement.as_str()],
        )?
        .as_ref()
        .and_then(row))
}

pub fn stop(
    tx: &mut Transaction<'_>,
    id: Uuid,
    winner: &Option<(String, String)>,
    now: i64,
) -> DbResult<Option<Experiment>> {
    let stopped = tx
        .query_opt(
            &format!(
                "UPDATE experiments SET status = 'stopped', stopped_at = $2, winner = $3
                 WHERE id = $1 AND status = 'running' RETURNING {COLUMNS}"
            ),
            &[&id.to_string(), &now, &winner.as_ref().map(|w| w.0.clone())],
        )?
        .as_ref()
        .and_then(row);
    if let (Some(e), Some((_, algorithm))) = (&stopped, winner) {
        tx.execute(
            "INSERT INTO placement_defaults (placement, algorithm, changed_at) VALUES ($1, $2, $3)
             ON CONFLICT (placement) DO UPDATE SET algorithm = $2, changed_at = $3",
            &[&e.placement.as_str(), algorithm, &now],
        )?;
    }
    Ok(stopped.map(|e| Experiment { status: ExperimentStatus::Stopped, ..e }))
}

pub fn placement_default(tx: &mut impl GenericClient, placement: Placement) -> DbResult<Option<String>> {
    Ok(tx
        .query_opt("SELECT algorithm FROM placement_defaults WHERE placement = $1", &[&placement.as_str()])?
        .map(|r| r.get(0)))
}

#[async_trait]
impl Experiments for PostgresDatabase {
    // One statement each on the serving path: no transaction around it (one round trip, not three).
    async fn record_served_list(&self, list: ServedList) -> DbResult<()> {
        self.run_conn(move |conn| {
            let statement = conn.prepared(events::RECORD_SERVED)?;
            events::record_served(&mut conn.client, &statement, &list)
        })
        .await
    }

    async fn create_experiment(&self, experiment: portal_api::Experiment) -> DbResult<bool> {
        self.read_committed(move |tx| self::create(tx, &experiment)).await
    }

    async fn experiments(&self) -> DbResult<Vec<portal_api::Experiment>> {
        self.read_committed(self::all).await
    }

    async fn running_experiment(&self, placement: portal_api::Placement) -> DbResult<Option<portal_api::Experiment>> {
        self.run(move |client| self::running(client, placement)).await
    }

    async fn stop_experiment(
        &self,
        id: Uuid,
        winner: Option<(String, String)>,
        now: i64,
    ) -> DbResult<Option<portal_api::Experiment>> {
        self.read_committed(move |tx| self::stop(tx, id, &winner, now)).await
    }

    async fn placement_default(&self, placement: portal_api::Placement) -> DbResult<Option<String>> {
        self.run(move |client| self::placement_default(client, placement)).await
    }

    async fn served_lists(&self, ids: Vec<Uuid>) -> DbResult<Vec<(Uuid, Option<Uuid>, Vec<String>)>> {
        self.read_committed(move |tx| events::served_lists(tx, &ids)).await
    }

    async fn experiment_people(&self, experiment: Uuid) -> DbResult<Vec<(String, Uuid, i64)>> {
        self.read_committed(move |tx| events::experiment_people(tx, experiment)).await
    }
}
