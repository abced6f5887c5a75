//! Delivering campaigns on SQLite: one writer (an immediate transaction) claims, decides and
//! settles each batch.
use portal_api::{from_wire_name, wire_name, Audience, MessageChannel};
use portal_campaigns::policy::Caps;
use portal_db::engines::delivery::{
    self, CampaignFacts, Claimed, CountKey, DeliveryRows, NewCoupon, NewOutbound, Settled, Standing,
};
use portal_db::{
    audience_filter, Delivery, DeliveryCounts, DeliveryReport, InboxRow, NewDelivery, PreferencesRow, SqlValue,
};

use super::*;

fn bind(values: &[SqlValue]) -> Vec<Box<dyn rusqlite::ToSql>> {
    values
        .iter()
        .map(|v| match v {
            SqlValue::Text(t) => Box::new(t.clone()) as Box<dyn rusqlite::ToSql>,
            SqlValue::Int(i) => Box::new(*i),
        })
        .collect()
}

fn channels(text: &str) -> Vec<MessageChannel> {
    serde_json::from_str(text).unwrap_or_default()
}

struct SqliteDelivery<'a>(&'a rusqlite::Transaction<'a>);

impl DeliveryRows for SqliteDelivery<'_> {
    fn claim(&mut self, now: i64, limit: u32) -> DbResult<Vec<Claimed>> {
        // The immediate transaction is the one writer: what it reads is its own until it ends.
        let running: Vec<String> = self
            .0
            .prepare_cached(
                "SELECT id FROM campaigns WHERE status = 'running' AND (ends_at IS NULL OR ends_at > ?1)
                 ORDER BY created_at, id",
            )?
            .query_map([now], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut due = self.0.prepare_cached(
            "SELECT user_id, channel FROM campaign_deliveries
             WHERE campaign_id = ?1 AND state = 'queued' AND due_at <= ?2 ORDER BY due_at LIMIT ?3",
        )?;
        let mut out = Vec::new();
        for campaign in running {
            let left = limit as usize - out.len();
            if left == 0 {
                break;
            }
            let id = uuid_of(campaign.clone())?;
            let rows = due.query_map(params![campaign, now, left as i64], |r| {
                let channel: String = r.get(1)?;
                Ok(Claimed {
                    campaign: id,
                    user: uuid_of(r.get(0)?)?,
                    channel: from_wire_name(&channel).ok_or(rusqlite::Error::InvalidColumnType(
                        1,
                        channel,
                        rusqlite::types::Type::Text,
                    ))?,
                })
            })?;
            out.extend(rows.collect::<Result<Vec<_>, _>>()?);
        }
        Ok(out)
    }

    fn standing(&mut self, users: &[Uuid]) -> DbResult<Vec<Standing>> {
        let mut read = self.0.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM users WHERE id = ?1),
                    EXISTS (SELECT 1 FROM account_locks WHERE user_id = ?1),
                    EXISTS (SELECT 1 FROM tracking_consent WHERE user_id = ?1 AND NOT tracking)",
        )?;
        let mut out = Vec::with_capacity(users.len());
        for user in users {
            out.push(read.query_row([user.to_string()], |r| {
                Ok(Standing { user: *user, exists: r.get(0)?, locked: r.get(1)?, declined: r.get(2)? })
            })?);
        }
        Ok(out)
    }

    fn with_push_devices(&mut self, users: &[Uuid]) -> DbResult<Vec<Uuid>> {
        let mut read = self.0.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM devices d JOIN sessions s ON s.id = d.session_id AND s.user_id = d.user_id
                            WHERE d.user_id = ?1 AND d.provider <> 'none' AND d.token <> '' AND s.revoked_at IS NULL)",
        )?;
        let mut out = Vec::new();
        for user in users {
            if read.query_row([user.to_string()], |r| r.get::<_, bool>(0))? {
                out.push(*user);
            }
        }
        Ok(out)
    }

    fn campaigns(&mut self, ids: &[Uuid]) -> DbResult<Vec<CampaignFacts>> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, name, category, content, ends_at,
                    CASE WHEN coupons_withdrawn_at IS NULL THEN coupon END
             FROM campaigns WHERE id = ?1",
        )?;
        let mut out = Vec::new();
        for id in ids {
            if let Some(c) = stmt
                .query_row([id.to_string()], |r| {
                    Ok(CampaignFacts {
                        id: uuid_of(r.get(0)?)?,
                        name: r.get(1)?,
                        category: r.get(2)?,
                        content: r.get(3)?,
                        ends_at: r.get(4)?,
                        coupon: r.get(5)?,
                    })
                })
                .optional()?
            {
                out.push(c);
            }
        }
        Ok(out)
    }

    fn preferences(&mut self, users: &[Uuid]) -> DbResult<Vec<PreferencesRow>> {
        let mut out = Vec::new();
        for user in users {
            if let Some(p) = read_preferences(self.0, *user)? {
                out.push(p);
            }
        }
        Ok(out)
    }

    fn lock_counts(&mut self, keys: &[CountKey]) -> DbResult<Vec<u32>> {
        let mut read = self
            .0
            .prepare_cached("SELECT sent FROM message_counts WHERE user_id = ?1 AND channel = ?2 AND day = ?3")?;
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let sent: Option<u32> =
                read.query_row(params![k.user.to_string(), wire_name(&k.channel), k.day], |r| r.get(0)).optional()?;
            out.push(sent.unwrap_or(0));
        }
        Ok(out)
    }

    fn add_counts(&mut self, keys: &[(CountKey, u32)]) -> DbResult<()> {
        let mut add = self.0.prepare_cached(
            "INSERT INTO message_counts (user_id, channel, day, sent) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (user_id, channel, day) DO UPDATE SET sent = sent + excluded.sent",
        )?;
        for (k, n) in keys {
            add.execute(params![k.user.to_string(), wire_name(&k.channel), k.day, n])?;
        }
        Ok(())
    }

    fn write_inbox(&mut self, messages: &[InboxRow]) -> DbResult<()> {
        let messages: Vec<&InboxRow> = messages.iter().collect();
        super::triggers::write_messages(self.0, &messages, super::triggers::OnSent::PassOver)
    }

    fn issue_coupons(&mut self, coupons: &[NewCoupon]) -> DbResult<()> {
        let mut insert = self.0.prepare_cached(
            "INSERT INTO coupons (id, campaign_id, user_id, issued_at, valid_until) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (campaign_id, user_id) DO NOTHING",
        )?;
        for c in coupons {
            insert.execute(params![
                c.id.to_string(),
                c.campaign.to_string(),
                c.user.to_string(),
                c.issued_at,
                c.valid_until
            ])?;
        }
        Ok(())
    }

    fn queue_outbound(&mut self, messages: &[NewOutbound], at: i64) -> DbResult<()> {
        let mut insert = self.0.prepare_cached(
            "INSERT INTO outbound_messages (id, campaign_id, user_id, channel, state, due_at, created_at)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5) ON CONFLICT (campaign_id, user_id, channel) DO NOTHING",
        )?;
        for m in messages {
            insert.execute(params![
                m.id.to_string(),
                m.campaign.to_string(),
                m.user.to_string(),
                wire_name(&m.channel),
                at
            ])?;
        }
        Ok(())
    }

    fn settle(&mut self, settled: &[(Claimed, Settled)], at: i64) -> DbResult<()> {
        let mut done = self.0.prepare_cached(
            "UPDATE campaign_deliveries SET state = ?4, reason = ?5, settled_at = ?6
             WHERE campaign_id = ?1 AND user_id = ?2 AND channel = ?3",
        )?;
        let mut later = self.0.prepare_cached(
            "UPDATE campaign_deliveries SET due_at = ?4 WHERE campaign_id = ?1 AND user_id = ?2 AND channel = ?3",
        )?;
        for (c, s) in settled {
            let key = (c.campaign.to_string(), c.user.to_string(), wire_name(&c.channel));
            match s {
                Settled::Sent => done.execute(params![key.0, key.1, key.2, "sent", None::<String>, at])?,
                Settled::Skipped(why) => done.execute(params![key.0, key.1, key.2, "skipped", why, at])?,
                Settled::Deferred(due) => later.execute(params![key.0, key.1, key.2, due])?,
            };
        }
        Ok(())
    }
}

fn read_preferences(conn: &Connection, user: Uuid) -> DbResult<Option<PreferencesRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT marketing, channels_off, categories_off, quiet_start, quiet_end, time_zone, updated_at
             FROM message_preferences WHERE user_id = ?1",
        )?
        .query_row([user.to_string()], |r| {
            let (start, end): (Option<u16>, Option<u16>) = (r.get(3)?, r.get(4)?);
            Ok(PreferencesRow {
                user,
                marketing: r.get(0)?,
                channels_off: channels(&r.get::<_, String>(1)?),
                categories_off: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
                quiet: start.zip(end),
                time_zone: r.get(5)?,
                updated_at: r.get(6)?,
            })
        })
        .optional()?)
}

#[async_trait]
impl Delivery for SqliteDatabase {
    async fn audience_size(&self, audience: Audience, now: i64) -> DbResult<u64> {
        self.run(move |conn| {
            let (filter, values) = audience_filter(&audience, now, 1);
            let values = bind(&values);
            let sql = format!("SELECT COUNT(*) FROM users u WHERE {filter}");
            Ok(conn.query_row(&sql, rusqlite::params_from_iter(values.iter()), |r| r.get::<_, i64>(0))? as u64)
        })
        .await
    }

    async fn audience_page(
        &self,
        audience: Audience,
        now: i64,
        after: Option<Uuid>,
        limit: u32,
    ) -> DbResult<Vec<Uuid>> {
        self.run(move |conn| {
            let (filter, mut values) = audience_filter(&audience, now, 1);
            values.push(SqlValue::Text(after.map(|a| a.to_string()).unwrap_or_default()));
            values.push(SqlValue::Int(i64::from(limit)));
            let (after_slot, limit_slot) = (values.len() - 1, values.len());
            let sql = format!(
                "SELECT u.id FROM users u WHERE {filter} AND u.id > ?{after_slot} ORDER BY u.id LIMIT ?{limit_slot}"
            );
            let values = bind(&values);
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(rusqlite::params_from_iter(values.iter()), |r| uuid_of(r.get(0)?))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn queue_deliveries(
        &self,
        campaign: Uuid,
        from: Option<String>,
        through: Option<String>,
        done_at: Option<i64>,
        due_at: i64,
        rows: Vec<NewDelivery>,
    ) -> DbResult<bool> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let moved = tx.execute(
                "UPDATE campaigns SET queued_through = ?2, queued_at = ?3
                 WHERE id = ?1 AND status = 'running' AND queued_at IS NULL AND queued_through IS ?4",
                params![campaign.to_string(), through, done_at, from],
            )?;
            if moved == 0 {
                return Ok(false);
            }
            {
                let mut insert = tx.prepare_cached(
                    "INSERT INTO campaign_deliveries (campaign_id, user_id, channel, state, due_at, settled_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
                )?;
                for r in &rows {
                    let (state, settled) = if r.held_out { ("held_out", Some(due_at)) } else { ("queued", None) };
                    insert.execute(params![
                        campaign.to_string(),
                        r.user.to_string(),
                        wire_name(&r.channel),
                        state,
                        due_at,
                        settled
                    ])?;
                }
            }
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn deliver_due(
        &self,
        now: i64,
        limit: u32,
        caps: Caps,
        gateways: Vec<MessageChannel>,
    ) -> DbResult<DeliveryReport> {
        self.run(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let report = delivery::deliver(&mut SqliteDelivery(&tx), now, limit, caps, &gateways)?;
            tx.commit()?;
            Ok(report)
        })
        .await
    }

    async fn delivery_counts(&self, campaign: Uuid) -> DbResult<DeliveryCounts> {
        self.run(move |conn| {
            let mut counts = DeliveryCounts::default();
            let mut stmt = conn.prepare_cached(
                "SELECT state, COUNT(*) FROM campaign_deliveries WHERE campaign_id = ?1 GROUP BY state",
            )?;
            let rows = stmt.query_map([campaign.to_string()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (state, n) = row?;
                counts.add(&state, n as u64);
            }
            Ok(counts)
        })
        .await
    }

    async fn campaign_outcomes(&self, campaign: Uuid, since: i64) -> DbResult<portal_db::CampaignOutcomes> {
        self.run(move |conn| {
            Ok(conn.query_row(
                "SELECT
                    (SELECT COUNT(DISTINCT user_id) FROM campaign_deliveries WHERE campaign_id = ?1 AND state = 'sent'),
                    (SELECT COUNT(DISTINCT user_id) FROM campaign_deliveries WHERE campaign_id = ?1 AND state = 'held_out'),
                    (SELECT COUNT(*) FROM inbox_messages WHERE trigger_id = ?1 AND read_at IS NOT NULL),
                    (SELECT COUNT(DISTINCT d.user_id) FROM campaign_deliveries d WHERE d.campaign_id = ?1 AND d.state = 'sent'
                        AND EXISTS (SELECT 1 FROM sales s WHERE s.customer_id = d.user_id AND s.device_at >= ?2)),
                    (SELECT COUNT(DISTINCT d.user_id) FROM campaign_deliveries d WHERE d.campaign_id = ?1 AND d.state = 'held_out'
                        AND EXISTS (SELECT 1 FROM sales s WHERE s.customer_id = d.user_id AND s.device_at >= ?2))",
                params![campaign.to_string(), since],
                |r| {
                    let n = |i: usize| r.get::<_, i64>(i).map(|v| v as u64);
                    Ok(portal_db::CampaignOutcomes {
                        reached: n(0)?,
                        held_out: n(1)?,
                        opened: n(2)?,
                        reached_bought: n(3)?,
                        held_out_bought: n(4)?,
                    })
                },
            )?)
        })
        .await
    }

    async fn any_queued(&self, campaign: Uuid) -> DbResult<bool> {
        self.run(move |conn| {
            Ok(conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM campaign_deliveries WHERE campaign_id = ?1 AND state = 'queued')",
                [campaign.to_string()],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn message_preferences(&self, user: Uuid) -> DbResult<Option<PreferencesRow>> {
        self.run(move |conn| read_preferences(conn, user)).await
    }

    async fn set_message_preferences(&self, p: PreferencesRow) -> DbResult<()> {
        self.run(move |conn| {
            conn.execute(
                "INSERT INTO message_preferences (user_id, marketing, channels_off, categories_off, quiet_start, quiet_end,
                                                  time_zone, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (user_id) DO UPDATE SET marketing = ?2, channels_off = ?3, categories_off = ?4,
                     quiet_start = ?5, quiet_end = ?6, time_zone = ?7, updated_at = ?8",
                params![
                    p.user.to_string(),
                    p.marketing,
                    serde_json::to_string(&p.channels_off).unwrap_or_default(),
                    serde_json::to_string(&p.categories_off).unwrap_or_default(),
                    p.quiet.map(|q| q.0),
                    p.quiet.map(|q| q.1),
                    p.time_zone,
                    p.updated_at
                ],
            )?;
            Ok(())
        })
        .await
    }
}
