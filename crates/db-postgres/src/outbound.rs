//! Messages for the outside gateways and the devices they push to, on PostgreSQL: a claim locks
//! its rows with `FOR UPDATE SKIP LOCKED`, so dispatchers on several instances never take the
//! same message at once.
use portal_api::{from_wire_name, wire_name, MessageChannel};
use portal_db::{
    DeviceRow, Outbound, OutboundCounts, OutboundMessage, OutboundOutcome, PushProvider, MAX_DEVICES_PER_PERSON,
    MAX_OUTBOUND_ATTEMPTS,
};

use super::*;

fn device_of(r: &::postgres::Row) -> DbResult<DeviceRow> {
    Ok(DeviceRow {
        user: uuid(r.get(0))?,
        installation: uuid(r.get(1))?,
        platform: r.get(2),
        provider: PushProvider::parse(r.get(3)).unwrap_or(PushProvider::None),
        token: r.get(4),
        language: r.get(5),
        app_version: r.get(6),
        registered_at: r.get(7),
        last_seen: r.get(8),
        session: uuid(r.get(9))?,
    })
}

#[async_trait]
impl Outbound for PostgresDatabase {
    async fn claim_outbound(&self, now: i64, lease_until: i64, limit: u32) -> DbResult<Vec<OutboundMessage>> {
        self.read_committed(move |tx| {
            let due: Vec<String> = tx
                .query(
                    "SELECT o.id FROM outbound_messages o JOIN campaigns c ON c.id = o.campaign_id
                     WHERE o.state = 'pending' AND o.due_at <= $1 AND c.status IN ('running', 'finished')
                     ORDER BY o.due_at LIMIT $2 FOR UPDATE OF o SKIP LOCKED",
                    &[&now, &i64::from(limit)],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let most = MAX_OUTBOUND_ATTEMPTS as i32;
            tx.execute(
                "UPDATE outbound_messages SET state = 'failed', error = 'out of attempts', settled_at = $2
                 WHERE id = ANY($1) AND attempts >= $3",
                &[&due, &now, &most],
            )?;
            tx.query(
                "UPDATE outbound_messages o SET attempts = o.attempts + 1, due_at = $2
                 WHERE o.id = ANY($1) AND o.attempts < $3
                 RETURNING o.id, o.campaign_id, o.user_id, o.channel, o.attempts,
                   (SELECT i.value FROM identities i
                    WHERE i.user_id = o.user_id AND i.verified
                      AND i.kind = CASE o.channel WHEN 'sms' THEN 'phone' WHEN 'email' THEN 'email' END
                    ORDER BY i.linked_at DESC LIMIT 1),
                   EXISTS (SELECT 1 FROM account_locks l WHERE l.user_id = o.user_id)",
                &[&due, &lease_until, &most],
            )?
            .iter()
            .map(|r| {
                Ok(OutboundMessage {
                    id: uuid(r.get(0))?,
                    campaign: uuid(r.get(1))?,
                    user: uuid(r.get(2))?,
                    channel: from_wire_name(r.get(3)).unwrap_or(MessageChannel::Push),
                    attempt: r.get::<_, i32>(4) as u32,
                    address: r.get(5),
                    locked: r.get(6),
                })
            })
            .collect()
        })
        .await
    }

    async fn settle_outbound(&self, id: Uuid, attempt: u32, outcome: OutboundOutcome, at: i64) -> DbResult<bool> {
        self.run(move |client| {
            let (id, attempt) = (id.to_string(), attempt as i32);
            let n = match &outcome {
                OutboundOutcome::Sent { provider_id } => client.execute(
                    "UPDATE outbound_messages SET state = 'sent', provider_id = $3, sent_at = $4, error = NULL
                     WHERE id = $1 AND attempts = $2 AND state = 'pending'",
                    &[&id, &attempt, provider_id, &at],
                )?,
                OutboundOutcome::Retry { at: again, error } => client.execute(
                    "UPDATE outbound_messages SET due_at = $3, error = $4
                     WHERE id = $1 AND attempts = $2 AND state = 'pending'",
                    &[&id, &attempt, again, error],
                )?,
                OutboundOutcome::Wait { at: again, why } => client.execute(
                    "UPDATE outbound_messages SET due_at = $3, error = $4, attempts = attempts - 1
                     WHERE id = $1 AND attempts = $2 AND state = 'pending'",
                    &[&id, &attempt, again, why],
                )?,
                OutboundOutcome::Failed { error } => client.execute(
                    "UPDATE outbound_messages SET state = 'failed', error = $3, settled_at = $4
                     WHERE id = $1 AND attempts = $2 AND state = 'pending'",
                    &[&id, &attempt, error, &at],
                )?,
            };
            Ok(n == 1)
        })
        .await
    }

    async fn outbound_receipt(
        &self,
        id: Uuid,
        channel: MessageChannel,
        delivered: bool,
        error: Option<String>,
        at: i64,
    ) -> DbResult<bool> {
        self.run(move |client| {
            let state = if delivered { "delivered" } else { "failed" };
            // A receipt may overtake the gateway's answer (a message still pending): it settles it.
            let n = client.execute(
                "UPDATE outbound_messages SET state = $2, error = $3, settled_at = $4, sent_at = COALESCE(sent_at, $4)
                 WHERE id = $1 AND channel = $5 AND state IN ('pending', 'sent')",
                &[&id.to_string(), &state, &error, &at, &wire_name(&channel)],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn outbound_counts(&self, campaign: Uuid) -> DbResult<OutboundCounts> {
        self.run(move |client| {
            let mut counts = OutboundCounts::default();
            for r in client.query(
                "SELECT state, COUNT(*) FROM outbound_messages WHERE campaign_id = $1 GROUP BY state",
                &[&campaign.to_string()],
            )? {
                let n = r.get::<_, i64>(1) as u64;
                match r.get::<_, &str>(0) {
                    "pending" => counts.pending += n,
                    "sent" => counts.sent += n,
                    "delivered" => counts.delivered += n,
                    "cancelled" => counts.cancelled += n,
                    _ => counts.failed += n,
                }
            }
            Ok(counts)
        })
        .await
    }

    async fn register_device(&self, d: DeviceRow) -> DbResult<()> {
        self.read_committed(move |tx| {
            let (user, installation) = (d.user.to_string(), d.installation.to_string());
            // One person's registrations one at a time (the trim below counts what is there), and
            // one token's: two accounts registering it at once take turns, the second taking it.
            tx.execute("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", &[&user])?;
            if !d.token.is_empty() {
                tx.execute("SELECT pg_advisory_xact_lock(hashtext($1 || ':' || $2))", &[&d.provider.as_str(), &d.token])?;
                tx.execute(
                    "DELETE FROM devices WHERE provider = $1 AND token = $2 AND NOT (user_id = $3 AND installation_id = $4)",
                    &[&d.provider.as_str(), &d.token, &user, &installation],
                )?;
            }
            tx.execute(
                "INSERT INTO devices (installation_id, user_id, platform, provider, token, language, app_version,
                                      registered_at, last_seen, session_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)
                 ON CONFLICT (user_id, installation_id) DO UPDATE SET platform = $3, provider = $4, token = $5,
                   language = $6, app_version = $7, last_seen = $8, session_id = $9",
                &[
                    &installation,
                    &user,
                    &d.platform,
                    &d.provider.as_str(),
                    &d.token,
                    &d.language,
                    &d.app_version,
                    &d.last_seen,
                    &d.session.to_string(),
                ],
            )?;
            tx.execute(
                "DELETE FROM devices WHERE (user_id, installation_id) IN (
                   SELECT user_id, installation_id FROM devices WHERE user_id = $1
                   ORDER BY last_seen DESC, installation_id DESC OFFSET $2)",
                &[&user, &i64::from(MAX_DEVICES_PER_PERSON)],
            )?;
            Ok(())
        })
        .await
    }

    async fn devices_of(&self, user: Uuid) -> DbResult<Vec<DeviceRow>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT d.user_id, d.installation_id, d.platform, d.provider, d.token, d.language, d.app_version,
                            d.registered_at, d.last_seen, d.session_id
                     FROM devices d JOIN sessions s ON s.id = d.session_id AND s.user_id = d.user_id
                     WHERE d.user_id = $1 AND s.revoked_at IS NULL
                     ORDER BY d.last_seen DESC, d.installation_id DESC LIMIT $2",
                    &[&user.to_string(), &i64::from(MAX_DEVICES_PER_PERSON)],
                )?
                .iter()
                .map(device_of)
                .collect()
        })
        .await
    }

    async fn remove_device(&self, user: Uuid, installation: Uuid) -> DbResult<bool> {
        self.run(move |client| {
            Ok(client.execute(
                "DELETE FROM devices WHERE user_id = $1 AND installation_id = $2",
                &[&user.to_string(), &installation.to_string()],
            )? == 1)
        })
        .await
    }

    async fn drop_push_token(&self, provider: PushProvider, token: String) -> DbResult<u64> {
        self.run(move |client| {
            Ok(client
                .execute("DELETE FROM devices WHERE provider = $1 AND token = $2", &[&provider.as_str(), &token])?)
        })
        .await
    }
}
