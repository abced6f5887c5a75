//! Messages for the outside gateways and the devices they push to, on SQLite: one writer at a
//! time, so a claim is whole before another begins.
use portal_api::{from_wire_name, wire_name, MessageChannel};
use portal_db::{
    DeviceRow, Outbound, OutboundCounts, OutboundMessage, OutboundOutcome, PushProvider, MAX_DEVICES_PER_PERSON,
    MAX_OUTBOUND_ATTEMPTS,
};

use super::*;

fn device_of(r: &rusqlite::Row) -> rusqlite::Result<DeviceRow> {
    Ok(DeviceRow {
        user: uuid_of(r.get(0)?)?,
        installation: uuid_of(r.get(1)?)?,
        platform: r.get(2)?,
        provider: PushProvider::parse(&r.get::<_, String>(3)?).unwrap_or(PushProvider::None),
        token: r.get(4)?,
        language: r.get(5)?,
        app_version: r.get(6)?,
        registered_at: r.get(7)?,
        last_seen: r.get(8)?,
        session: uuid_of(r.get(9)?)?,
    })
}

#[async_trait]
impl Outbound for SqliteDatabase {
    async fn claim_outbound(&self, now: i64, lease_until: i64, limit: u32) -> DbResult<Vec<OutboundMessage>> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let due: Vec<(String, u32)> = tx
                .prepare_cached(
                    "SELECT o.id, o.attempts FROM outbound_messages o JOIN campaigns c ON c.id = o.campaign_id
                     WHERE o.state = 'pending' AND o.due_at <= ?1 AND c.status IN ('running', 'finished')
                     ORDER BY o.due_at LIMIT ?2",
                )?
                .query_map(params![now, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let mut claimed = Vec::with_capacity(due.len());
            {
                let mut give_up = tx.prepare_cached(
                    "UPDATE outbound_messages SET state = 'failed', error = 'out of attempts', settled_at = ?2
                     WHERE id = ?1",
                )?;
                let mut claim = tx.prepare_cached(
                    "UPDATE outbound_messages SET attempts = attempts + 1, due_at = ?2 WHERE id = ?1
                     RETURNING id, campaign_id, user_id, channel, attempts,
                       (SELECT i.value FROM identities i
                        WHERE i.user_id = outbound_messages.user_id AND i.verified = 1
                          AND i.kind = CASE outbound_messages.channel WHEN 'sms' THEN 'phone'
                                                                      WHEN 'email' THEN 'email' END
                        ORDER BY i.linked_at DESC LIMIT 1),
                       EXISTS (SELECT 1 FROM account_locks l WHERE l.user_id = outbound_messages.user_id)",
                )?;
                for (id, attempts) in due {
                    if attempts >= MAX_OUTBOUND_ATTEMPTS {
                        give_up.execute(params![id, now])?;
                        continue;
                    }
                    claimed.push(claim.query_row(params![id, lease_until], |r| {
                        Ok(OutboundMessage {
                            id: uuid_of(r.get(0)?)?,
                            campaign: uuid_of(r.get(1)?)?,
                            user: uuid_of(r.get(2)?)?,
                            channel: from_wire_name(&r.get::<_, String>(3)?).unwrap_or(MessageChannel::Push),
                            attempt: r.get(4)?,
                            address: r.get(5)?,
                            locked: r.get(6)?,
                        })
                    })?);
                }
            }
            tx.commit()?;
            Ok(claimed)
        })
        .await
    }

    async fn settle_outbound(&self, id: Uuid, attempt: u32, outcome: OutboundOutcome, at: i64) -> DbResult<bool> {
        self.run(move |conn| {
            let id = id.to_string();
            let n = match &outcome {
                OutboundOutcome::Sent { provider_id } => conn.execute(
                    "UPDATE outbound_messages SET state = 'sent', provider_id = ?3, sent_at = ?4, error = NULL
                     WHERE id = ?1 AND attempts = ?2 AND state = 'pending'",
                    params![id, attempt, provider_id, at],
                )?,
                OutboundOutcome::Retry { at: again, error } => conn.execute(
                    "UPDATE outbound_messages SET due_at = ?3, error = ?4
                     WHERE id = ?1 AND attempts = ?2 AND state = 'pending'",
                    params![id, attempt, again, error],
                )?,
                OutboundOutcome::Wait { at: again, why } => conn.execute(
                    "UPDATE outbound_messages SET due_at = ?3, error = ?4, attempts = attempts - 1
                     WHERE id = ?1 AND attempts = ?2 AND state = 'pending'",
                    params![id, attempt, again, why],
                )?,
                OutboundOutcome::Failed { error } => conn.execute(
                    "UPDATE outbound_messages SET state = 'failed', error = ?3, settled_at = ?4
                     WHERE id = ?1 AND attempts = ?2 AND state = 'pending'",
                    params![id, attempt, error, at],
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
        self.run(move |conn| {
            let state = if delivered { "delivered" } else { "failed" };
            // A receipt may overtake the gateway's answer (a message still pending): it settles it.
            let n = conn.execute(
                "UPDATE outbound_messages SET state = ?2, error = ?3, settled_at = ?4, sent_at = COALESCE(sent_at, ?4)
                 WHERE id = ?1 AND channel = ?5 AND state IN ('pending', 'sent')",
                params![id.to_string(), state, error, at, wire_name(&channel)],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn outbound_counts(&self, campaign: Uuid) -> DbResult<OutboundCounts> {
        self.run(move |conn| {
            let mut counts = OutboundCounts::default();
            let mut stmt = conn.prepare_cached(
                "SELECT state, COUNT(*) FROM outbound_messages WHERE campaign_id = ?1 GROUP BY state",
            )?;
            let rows = stmt.query_map([campaign.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (state, n) = row?;
                match state.as_str() {
                    "pending" => counts.pending += n as u64,
                    "sent" => counts.sent += n as u64,
                    "delivered" => counts.delivered += n as u64,
                    "cancelled" => counts.cancelled += n as u64,
                    _ => counts.failed += n as u64,
                }
            }
            Ok(counts)
        })
        .await
    }

    async fn register_device(&self, d: DeviceRow) -> DbResult<()> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (user, installation) = (d.user.to_string(), d.installation.to_string());
            if !d.token.is_empty() {
                // The token is this installation's now: never pushed to another too.
                tx.execute(
                    "DELETE FROM devices WHERE provider = ?1 AND token = ?2 AND NOT (user_id = ?3 AND installation_id = ?4)",
                    params![d.provider.as_str(), d.token, user, installation],
                )?;
            }
            tx.execute(
                "INSERT INTO devices (installation_id, user_id, platform, provider, token, language, app_version,
                                      registered_at, last_seen, session_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)
                 ON CONFLICT (user_id, installation_id) DO UPDATE SET platform = ?3, provider = ?4, token = ?5,
                   language = ?6, app_version = ?7, last_seen = ?8, session_id = ?9",
                params![
                    installation,
                    user,
                    d.platform,
                    d.provider.as_str(),
                    d.token,
                    d.language,
                    d.app_version,
                    d.last_seen,
                    d.session.to_string()
                ],
            )?;
            tx.execute(
                "DELETE FROM devices WHERE rowid IN (
                   SELECT rowid FROM devices WHERE user_id = ?1
                   ORDER BY last_seen DESC, installation_id DESC LIMIT -1 OFFSET ?2)",
                params![user, MAX_DEVICES_PER_PERSON],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn devices_of(&self, user: Uuid) -> DbResult<Vec<DeviceRow>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT d.user_id, d.installation_id, d.platform, d.provider, d.token, d.language, d.app_version,
                        d.registered_at, d.last_seen, d.session_id
                 FROM devices d JOIN sessions s ON s.id = d.session_id AND s.user_id = d.user_id
                 WHERE d.user_id = ?1 AND s.revoked_at IS NULL
                 ORDER BY d.last_seen DESC, d.installation_id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![user.to_string(), MAX_DEVICES_PER_PERSON], device_of)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn remove_device(&self, user: Uuid, installation: Uuid) -> DbResult<bool> {
        self.run(move |conn| {
            Ok(conn.execute(
                "DELETE FROM devices WHERE user_id = ?1 AND installation_id = ?2",
                params![user.to_string(), installation.to_string()],
            )? == 1)
        })
        .await
    }

    async fn drop_push_token(&self, provider: PushProvider, token: String) -> DbResult<u64> {
        self.run(move |conn| {
            Ok(conn
                .execute("DELETE FROM devices WHERE provider = ?1 AND token = ?2", params![provider.as_str(), token])?
                as u64)
        })
        .await
    }
}
