//! Delivering campaigns on PostgreSQL: a batch claims its deliveries with `FOR UPDATE SKIP
//! LOCKED` (senders on every instance take different rows, none waits for another), locks each
//! person's count for the day in one order before reading it, and settles in the same READ
//! COMMITTED transaction.
use portal_api::{wire_name, Audience, MessageChannel};
use portal_campaigns::policy::Caps;
use portal_db::engines::delivery::{
    self, CampaignFacts, Claimed, CountKey, DeliveryRows, NewCoupon, NewOutbound, Settled, Standing,
};
use portal_db::{
    audience_filter, dollar_placeholders, Delivery, DeliveryCounts, DeliveryReport, InboxRow, NewDelivery,
    PreferencesRow, SqlValue,
};

use super::*;

fn bind(values: &[SqlValue]) -> Vec<Box<dyn postgres::types::ToSql + Sync + Send>> {
    values
        .iter()
        .map(|v| match v {
            SqlValue::Text(t) => Box::new(t.clone()) as Box<dyn postgres::types::ToSql + Sync + Send>,
            SqlValue::Int(i) => Box::new(*i),
        })
        .collect()
}

fn refs(values: &[Box<dyn postgres::types::ToSql + Sync + Send>]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    values.iter().map(|v| v.as_ref() as &(dyn postgres::types::ToSql + Sync)).collect()
}

fn read_preferences(client: &mut impl postgres::GenericClient, users: &[Uuid]) -> DbResult<Vec<PreferencesRow>> {
    let ids: Vec<String> = users.iter().map(Uuid::to_string).collect();
    client
        .query(
            "SELECT user_id, marketing, channels_off, categories_off, quiet_start, quiet_end, time_zone, updated_at
             FROM message_preferences WHERE user_id = ANY($1)",
            &[&ids],
        )?
        .iter()
        .map(|r| {
            let (start, end): (Option<i32>, Option<i32>) = (r.get(4), r.get(5));
            Ok(PreferencesRow {
                user: uuid(r.get(0))?,
                marketing: r.get::<_, i32>(1) != 0,
                channels_off: serde_json::from_str(r.get(2)).unwrap_or_default(),
                categories_off: serde_json::from_str(r.get(3)).unwrap_or_default(),
                quiet: start.zip(end).map(|(s, e)| (s as u16, e as u16)),
                time_zone: r.get(6),
                updated_at: r.get(7),
            })
        })
        .collect()
}

struct PgDelivery<'a, 'b>(&'a mut Transaction<'b>);

impl DeliveryRows for PgDelivery<'_, '_> {
    fn claim(&mut self, now: i64, limit: u32) -> DbResult<Vec<Claimed>> {
        // Campaign rows held shared: a stop or pause (an update of the row) waits for the batches
        // sending, and a batch skips a campaign whose change is being made.
        let running: Vec<String> = self
            .0
            .query(
                "SELECT id FROM campaigns WHERE status = 'running' AND (ends_at IS NULL OR ends_at > $1)
                 ORDER BY created_at, id FOR SHARE SKIP LOCKED",
                &[&now],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let due = self.0.prepare(
            "SELECT user_id, channel FROM campaign_deliveries
             WHERE campaign_id = $1 AND state = 'queued' AND due_at <= $2 ORDER BY due_at LIMIT $3
             FOR UPDATE SKIP LOCKED",
        )?;
        let mut out = Vec::new();
        for campaign in running {
            let left = limit as usize - out.len();
            if left == 0 {
                break;
            }
            let id = uuid(&campaign)?;
            for r in self.0.query(&due, &[&campaign, &now, &(left as i64)])? {
                out.push(Claimed { campaign: id, user: uuid(r.get(0))?, channel: wire(r.get(1))? });
            }
        }
        Ok(out)
    }

    fn standing(&mut self, users: &[Uuid]) -> DbResult<Vec<Standing>> {
        let ids: Vec<String> = users.iter().map(Uuid::to_string).collect();
        self.0
            .query(
                "SELECT q.id, u.id IS NOT NULL,
                        EXISTS (SELECT 1 FROM account_locks l WHERE l.user_id = q.id),
                        EXISTS (SELECT 1 FROM tracking_consent t WHERE t.user_id = q.id AND NOT t.tracking)
                 FROM UNNEST($1::text[]) AS q (id) LEFT JOIN users u ON u.id = q.id",
                &[&ids],
            )?
            .iter()
            .map(|r| Ok(Standing { user: uuid(r.get(0))?, exists: r.get(1), locked: r.get(2), declined: r.get(3) }))
            .collect()
    }

    fn with_push_devices(&mut self, users: &[Uuid]) -> DbResult<Vec<Uuid>> {
        let ids: Vec<String> = users.iter().map(Uuid::to_string).collect();
        self.0
            .query(
                "SELECT DISTINCT d.user_id FROM devices d JOIN sessions s ON s.id = d.session_id AND s.user_id = d.user_id
                 WHERE d.user_id = ANY($1) AND d.provider <> 'none' AND d.token <> '' AND s.revoked_at IS NULL",
                &[&ids],
            )?
            .iter()
            .map(|r| uuid(r.get(0)))
            .collect()
    }

    fn campaigns(&mut self, ids: &[Uuid]) -> DbResult<Vec<CampaignFacts>> {
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        self.0
            .query(
                "SELECT id, name, category, content, ends_at,
                        CASE WHEN coupons_withdrawn_at IS NULL THEN coupon END
                 FROM campaigns WHERE id = ANY($1)",
                &[&ids],
            )?
            .iter()
            .map(|r| {
                Ok(CampaignFacts {
                    id: uuid(r.get(0))?,
                    name: r.get(1),
                    category: r.get(2),
                    content: r.get(3),
                    ends_at: r.get(4),
                    coupon: r.get(5),
                })
            })
            .collect()
    }

    fn preferences(&mut self, users: &[Uuid]) -> DbResult<Vec<PreferencesRow>> {
        read_preferences(self.0, users)
    }

    fn lock_counts(&mut self, keys: &[CountKey]) -> DbResult<Vec<u32>> {
        let insert = self.0.prepare(
            "INSERT INTO message_counts (user_id, channel, day, sent) VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING",
        )?;
        let lock = self
            .0
            .prepare("SELECT sent FROM message_counts WHERE user_id = $1 AND channel = $2 AND day = $3 FOR UPDATE")?;
        let mut out = Vec::with_capacity(keys.len());
        // In the order given (sorted by the engine): senders lock counts in one order.
        for k in keys {
            let params: [&(dyn postgres::types::ToSql + Sync); 3] =
                [&k.user.to_string(), &wire_name(&k.channel), &k.day];
            self.0.execute(&insert, &params)?;
            out.push(u(self.0.query_one(&lock, &params)?.get(0)));
        }
        Ok(out)
    }

    fn add_counts(&mut self, keys: &[(CountKey, u32)]) -> DbResult<()> {
        let add = self
            .0
            .prepare("UPDATE message_counts SET sent = sent + $4 WHERE user_id = $1 AND channel = $2 AND day = $3")?;
        for (k, n) in keys {
            self.0.execute(
                &add,
                &[&k.user.to_string(), &wire_name(&k.channel), &k.day, &i32::try_from(*n).unwrap_or(i32::MAX)],
            )?;
        }
        Ok(())
    }

    fn write_inbox(&mut self, messages: &[InboxRow]) -> DbResult<()> {
        let messages: Vec<&InboxRow> = messages.iter().collect();
        super::triggers::write_messages(self.0, &messages, super::triggers::OnSent::PassOver)
    }

    fn issue_coupons(&mut self, coupons: &[NewCoupon]) -> DbResult<()> {
        let column = |f: &dyn Fn(&NewCoupon) -> String| -> Vec<String> { coupons.iter().map(f).collect() };
        let numbers = |f: &dyn Fn(&NewCoupon) -> i64| -> Vec<i64> { coupons.iter().map(f).collect() };
        self.0.execute(
            "INSERT INTO coupons (id, campaign_id, user_id, issued_at, valid_until)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
             ON CONFLICT (campaign_id, user_id) DO NOTHING",
            &[
                &column(&|c| c.id.to_string()),
                &column(&|c| c.campaign.to_string()),
                &column(&|c| c.user.to_string()),
                &numbers(&|c| c.issued_at),
                &numbers(&|c| c.valid_until),
            ],
        )?;
        Ok(())
    }

    fn queue_outbound(&mut self, messages: &[NewOutbound], at: i64) -> DbResult<()> {
        let column = |f: &dyn Fn(&NewOutbound) -> String| -> Vec<String> { messages.iter().map(f).collect() };
        self.0.execute(
            "INSERT INTO outbound_messages (id, campaign_id, user_id, channel, state, due_at, created_at)
             SELECT id, campaign_id, user_id, channel, 'pending', $5, $5
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS m (id, campaign_id, user_id, channel)
             ON CONFLICT (campaign_id, user_id, channel) DO NOTHING",
            &[
                &column(&|m| m.id.to_string()),
                &column(&|m| m.campaign.to_string()),
                &column(&|m| m.user.to_string()),
                &column(&|m| wire_name(&m.channel).to_owned()),
                &at,
            ],
        )?;
        Ok(())
    }

    fn settle(&mut self, settled: &[(Claimed, Settled)], at: i64) -> DbResult<()> {
        // Two statements for the batch: what ended (sent or skipped, with why) and what waits.
        let (mut ended, mut later): (Vec<_>, Vec<_>) = (vec![], vec![]);
        for (c, s) in settled {
            let key = (c.campaign.to_string(), c.user.to_string(), wire_name(&c.channel));
            match s {
                Settled::Sent => ended.push((key, "sent", None)),
                Settled::Skipped(why) => ended.push((key, "skipped", Some(why.to_string()))),
                Settled::Deferred(due) => later.push((key, *due)),
            }
        }
        if !ended.is_empty() {
            let pick = |f: &dyn Fn(&((String, String, String), &str, Option<String>)) -> String| -> Vec<String> {
                ended.iter().map(f).collect()
            };
            let reasons: Vec<Option<String>> = ended.iter().map(|e| e.2.clone()).collect();
            self.0.execute(
                "UPDATE campaign_deliveries d SET state = v.state, reason = v.reason, settled_at = $6
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                     AS v (campaign_id, user_id, channel, state, reason)
                 WHERE d.campaign_id = v.campaign_id AND d.user_id = v.user_id AND d.channel = v.channel",
                &[
                    &pick(&|e| e.0 .0.clone()),
                    &pick(&|e| e.0 .1.clone()),
                    &pick(&|e| e.0 .2.clone()),
                    &pick(&|e| e.1.to_owned()),
                    &reasons,
                    &at,
                ],
            )?;
        }
        if !later.is_empty() {
            let pick = |f: &dyn Fn(&((String, String, String), i64)) -> String| -> Vec<String> {
                later.iter().map(f).collect()
            };
            let due: Vec<i64> = later.iter().map(|l| l.1).collect();
            self.0.execute(
                "UPDATE campaign_deliveries d SET due_at = v.due
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS v (campaign_id, user_id, channel, due)
                 WHERE d.campaign_id = v.campaign_id AND d.user_id = v.user_id AND d.channel = v.channel",
                &[&pick(&|l| l.0 .0.clone()), &pick(&|l| l.0 .1.clone()), &pick(&|l| l.0 .2.clone()), &due],
            )?;
        }
        Ok(())
    }
}

#[async_trait]
impl Delivery for PostgresDatabase {
    async fn audience_size(&self, audience: Audience, now: i64) -> DbResult<u64> {
        self.run(move |client| {
            let (filter, values) = audience_filter(&audience, now, 1);
            let values = bind(&values);
            let sql = dollar_placeholders(&format!("SELECT COUNT(*) FROM users u WHERE {filter}"));
            Ok(client.query_one(&sql, &refs(&values))?.get::<_, i64>(0) as u64)
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
        self.run(move |client| {
            let (filter, mut values) = audience_filter(&audience, now, 1);
            values.push(SqlValue::Text(after.map(|a| a.to_string()).unwrap_or_default()));
            values.push(SqlValue::Int(i64::from(limit)));
            let (after_slot, limit_slot) = (values.len() - 1, values.len());
            // Ids compare byte by byte ("C"), as the keyset needs whatever the database's collation.
            let sql = dollar_placeholders(&format!(
                "SELECT u.id FROM users u WHERE {filter} AND u.id COLLATE \"C\" > ?{after_slot}
                 ORDER BY u.id COLLATE \"C\" LIMIT ?{limit_slot}"
            ));
            let values = bind(&values);
            client.query(&sql, &refs(&values))?.iter().map(|r| uuid(r.get(0))).collect()
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
        self.read_committed(move |tx| {
            let moved = tx.execute(
                "UPDATE campaigns SET queued_through = $2, queued_at = $3
                 WHERE id = $1 AND status = 'running' AND queued_at IS NULL AND queued_through IS NOT DISTINCT FROM $4",
                &[&campaign.to_string(), &through, &done_at, &from],
            )?;
            if moved == 0 {
                return Ok(false);
            }
            let users: Vec<String> = rows.iter().map(|r| r.user.to_string()).collect();
            let channels: Vec<String> = rows.iter().map(|r| wire_name(&r.channel)).collect();
            let states: Vec<&str> = rows.iter().map(|r| if r.held_out { "held_out" } else { "queued" }).collect();
            tx.execute(
                "INSERT INTO campaign_deliveries (campaign_id, user_id, channel, state, due_at, settled_at)
                 SELECT $1, u, c, s, $5::int8, CASE WHEN s = 'held_out' THEN $5::int8 END
                 FROM UNNEST($2::text[], $3::text[], $4::text[]) AS t (u, c, s)
                 ON CONFLICT DO NOTHING",
                &[&campaign.to_string(), &users, &channels, &states, &due_at],
            )?;
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
        self.read_committed(move |tx| delivery::deliver(&mut PgDelivery(tx), now, limit, caps, &gateways)).await
    }

    async fn delivery_counts(&self, campaign: Uuid) -> DbResult<DeliveryCounts> {
        self.run(move |client| {
            let mut counts = DeliveryCounts::default();
            for r in client.query(
                "SELECT state, COUNT(*) FROM campaign_deliveries WHERE campaign_id = $1 GROUP BY state",
                &[&campaign.to_string()],
            )? {
                counts.add(r.get(0), r.get::<_, i64>(1) as u64);
            }
            Ok(counts)
        })
        .await
    }

    async fn campaign_outcomes(&self, campaign: Uuid, since: i64) -> DbResult<portal_db::CampaignOutcomes> {
        self.run(move |client| {
            let r = client.query_one(
                "SELECT
                    (SELECT COUNT(DISTINCT user_id) FROM campaign_deliveries WHERE campaign_id = $1 AND state = 'sent'),
                    (SELECT COUNT(DISTINCT user_id) FROM campaign_deliveries WHERE campaign_id = $1 AND state = 'held_out'),
                    (SELECT COUNT(*) FROM inbox_messages WHERE trigger_id = $1 AND read_at IS NOT NULL),
                    (SELECT COUNT(DISTINCT d.user_id) FROM campaign_deliveries d WHERE d.campaign_id = $1 AND d.state = 'sent'
                        AND EXISTS (SELECT 1 FROM sales s WHERE s.customer_id = d.user_id AND s.device_at >= $2)),
                    (SELECT COUNT(DISTINCT d.user_id) FROM campaign_deliveries d WHERE d.campaign_id = $1 AND d.state = 'held_out'
                        AND EXISTS (SELECT 1 FROM sales s WHERE s.customer_id = d.user_id AND s.device_at >= $2))",
                &[&campaign.to_string(), &since],
            )?;
            let n = |i: usize| r.get::<_, i64>(i) as u64;
            Ok(portal_db::CampaignOutcomes {
                reached: n(0),
                held_out: n(1),
                opened: n(2),
                reached_bought: n(3),
                held_out_bought: n(4),
            })
        })
        .await
    }

    async fn any_queued(&self, campaign: Uuid) -> DbResult<bool> {
        self.run(move |client| {
            Ok(client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM campaign_deliveries WHERE campaign_id = $1 AND state = 'queued')",
                    &[&campaign.to_string()],
                )?
                .get(0))
        })
        .await
    }

    async fn message_preferences(&self, user: Uuid) -> DbResult<Option<PreferencesRow>> {
        self.run(move |client| Ok(read_preferences(client, &[user])?.into_iter().next())).await
    }

    async fn set_message_preferences(&self, p: PreferencesRow) -> DbResult<()> {
        self.run(move |client| {
            client.execute(
                "INSERT INTO message_preferences (user_id, marketing, channels_off, categories_off, quiet_start, quiet_end,
                                                  time_zone, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (user_id) DO UPDATE SET marketing = $2, channels_off = $3, categories_off = $4,
                     quiet_start = $5, quiet_end = $6, time_zone = $7, updated_at = $8",
                &[
                    &p.user.to_string(),
                    &i32::from(p.marketing),
                    &serde_json::to_string(&p.channels_off).unwrap_or_default(),
                    &serde_json::to_string(&p.categories_off).unwrap_or_default(),
                    &p.quiet.map(|q| i32::from(q.0)),
                    &p.quiet.map(|q| i32::from(q.1)),
                    &p.time_zone,
                    &p.updated_at,
                ],
            )?;
            Ok(())
        })
        .await
    }
}
