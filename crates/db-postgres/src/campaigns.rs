//! Campaigns on PostgreSQL.
use portal_api::{wire_name, CampaignStatus};
use portal_db::{CampaignRow, CampaignStepRow, Campaigns, NamedCampaignStep};

use super::*;

const COLUMNS: &str = "id, name, category, status, audience, content, channels, starts_at, ends_at, holdout_percent,
                       revision, author, last_editor, submitted_by, decided_by, decision_reason, body_hash,
                       created_at, updated_at, queued_through, queued_at, coupon, coupons_withdrawn_at";

fn row_of(r: &Row) -> DbResult<CampaignRow> {
    let opt = |i: usize| r.get::<_, Option<&str>>(i).map(uuid).transpose();
    Ok(CampaignRow {
        id: uuid(r.get(0))?,
        name: r.get(1),
        category: r.get(2),
        status: wire(r.get(3))?,
        audience: r.get(4),
        content: r.get(5),
        channels: r.get(6),
        starts_at: r.get(7),
        ends_at: r.get(8),
        holdout_percent: u8::try_from(r.get::<_, i32>(9)).unwrap_or(0),
        revision: u(r.get(10)),
        author: uuid(r.get(11))?,
        last_editor: uuid(r.get(12))?,
        submitted_by: opt(13)?,
        decided_by: opt(14)?,
        decision_reason: r.get(15),
        body_hash: r.get(16),
        created_at: r.get(17),
        updated_at: r.get(18),
        queued_through: r.get(19),
        queued_at: r.get(20),
        coupon: r.get(21),
        coupons_withdrawn_at: r.get(22),
    })
}

fn as_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn insert_step(tx: &mut Transaction<'_>, s: &CampaignStepRow) -> DbResult<()> {
    let id = s.campaign_id.to_string();
    let seq: i32 =
        tx.query_one("SELECT COALESCE(MAX(seq), 0) + 1 FROM campaign_steps WHERE campaign_id = $1", &[&id])?.get(0);
    tx.execute(
        "INSERT INTO campaign_steps (campaign_id, seq, at, by_user, action, from_status, to_status, reason, revision)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &id,
            &seq,
            &s.at,
            &s.by.to_string(),
            &wire_name(&s.action),
            &wire_name(&s.from),
            &wire_name(&s.to),
            &s.reason,
            &as_i32(s.revision),
        ],
    )?;
    Ok(())
}

#[async_trait]
impl Campaigns for PostgresDatabase {
    async fn put_campaign(&self, c: CampaignRow, step: CampaignStepRow) -> DbResult<CampaignRow> {
        self.read_committed(move |tx| {
            let inserted = tx.execute(
                &format!(
                    "INSERT INTO campaigns ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                     $14, $15, $16, $17, $18, $19, NULL, NULL, $20, NULL) ON CONFLICT (id) DO NOTHING"
                ),
                &[
                    &c.id.to_string(),
                    &c.name,
                    &c.category,
                    &wire_name(&c.status),
                    &c.audience,
                    &c.content,
                    &c.channels,
                    &c.starts_at,
                    &c.ends_at,
                    &i32::from(c.holdout_percent),
                    &as_i32(c.revision),
                    &c.author.to_string(),
                    &c.last_editor.to_string(),
                    &c.submitted_by.map(|u| u.to_string()),
                    &c.decided_by.map(|u| u.to_string()),
                    &c.decision_reason,
                    &c.body_hash,
                    &c.created_at,
                    &c.updated_at,
                    &c.coupon,
                ],
            )?;
            if inserted == 1 {
                insert_step(tx, &step)?;
            }
            row_of(&tx.query_one(&format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1"), &[&c.id.to_string()])?)
        })
        .await
    }

    async fn campaign(&self, id: Uuid) -> DbResult<Option<CampaignRow>> {
        self.run(move |client| {
            client
                .query_opt(&format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1"), &[&id.to_string()])?
                .as_ref()
                .map(row_of)
                .transpose()
        })
        .await
    }

    async fn campaigns(
        &self,
        status: Option<CampaignStatus>,
        before: Option<(i64, Uuid)>,
        limit: u32,
    ) -> DbResult<Vec<CampaignRow>> {
        self.run(move |client| {
            let (at, id) = before.map_or((None, None), |(at, id)| (Some(at), Some(id.to_string())));
            client
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM campaigns WHERE ($1::text IS NULL OR status = $1)
                         AND ($2::int8 IS NULL OR (created_at, id) < ($2, $3::text))
                         ORDER BY created_at DESC, id DESC LIMIT $4"
                    ),
                    &[&status.map(|s| wire_name(&s)), &at, &id, &i64::from(limit)],
                )?
                .iter()
                .map(row_of)
                .collect()
        })
        .await
    }

    async fn change_campaign(
        &self,
        c: CampaignRow,
        from: CampaignStatus,
        revision: u32,
        step: CampaignStepRow,
    ) -> DbResult<bool> {
        self.read_committed(move |tx| {
            // The row is locked by the update: of changers from one state, one finds it there.
            let changed = tx.execute(
                "UPDATE campaigns SET name = $2, category = $3, status = $4, audience = $5, content = $6, channels = $7,
                        starts_at = $8, ends_at = $9, holdout_percent = $10, revision = $11, last_editor = $12,
                        submitted_by = $13, decided_by = $14, decision_reason = $15, updated_at = $16, coupon = $19,
                        coupons_withdrawn_at = COALESCE(coupons_withdrawn_at, $20)
                 WHERE id = $1 AND status = $17 AND revision = $18",
                &[
                    &c.id.to_string(),
                    &c.name,
                    &c.category,
                    &wire_name(&c.status),
                    &c.audience,
                    &c.content,
                    &c.channels,
                    &c.starts_at,
                    &c.ends_at,
                    &i32::from(c.holdout_percent),
                    &as_i32(c.revision),
                    &c.last_editor.to_string(),
                    &c.submitted_by.map(|u| u.to_string()),
                    &c.decided_by.map(|u| u.to_string()),
                    &c.decision_reason,
                    &c.updated_at,
                    &wire_name(&from),
                    &as_i32(revision),
                    &c.coupon,
                    &c.coupons_withdrawn_at,
                ],
            )?;
            if changed == 1 {
                insert_step(tx, &step)?;
                if c.status == CampaignStatus::Finished {
                    // A finished campaign keeps nothing queued: cancelled with its last step.
                    tx.execute(
                        "UPDATE campaign_deliveries SET state = 'cancelled', settled_at = $2
                         WHERE campaign_id = $1 AND state = 'queued'",
                        &[&c.id.to_string(), &c.updated_at],
                    )?;
                }
                if step.action == portal_api::CampaignAction::Stop {
                    // Stopped: what waits for a gateway does not go either.
                    tx.execute(
                        "UPDATE outbound_messages SET state = 'cancelled', settled_at = $2
                         WHERE campaign_id = $1 AND state = 'pending'",
                        &[&c.id.to_string(), &c.updated_at],
                    )?;
                }
            }
            Ok(changed == 1)
        })
        .await
    }

    async fn campaign_steps(&self, id: Uuid) -> DbResult<Vec<NamedCampaignStep>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT s.at, s.by_user, s.action, s.from_status, s.to_status, s.reason, s.revision,
                            COALESCE(u.display_name, '')
                     FROM campaign_steps s LEFT JOIN users u ON u.id = s.by_user
                     WHERE s.campaign_id = $1 ORDER BY s.seq",
                    &[&id.to_string()],
                )?
                .iter()
                .map(|r| {
                    Ok(NamedCampaignStep {
                        step: CampaignStepRow {
                            campaign_id: id,
                            at: r.get(0),
                            by: uuid(r.get(1))?,
                            action: wire(r.get(2))?,
                            from: wire(r.get(3))?,
                            to: wire(r.get(4))?,
                            reason: r.get(5),
                            revision: u(r.get(6)),
                        },
                        by_name: r.get(7),
                    })
                })
                .collect()
        })
        .await
    }

    async fn approves_campaigns(&self, user: Uuid) -> DbResult<bool> {
        self.run(move |client| {
            Ok(client.query_opt("SELECT 1 FROM campaign_approvers WHERE user_id = $1", &[&user.to_string()])?.is_some())
        })
        .await
    }

    async fn set_campaign_approver(&self, user: Uuid, granted_by: Option<Uuid>, at: i64) -> DbResult<()> {
        self.run(move |client| {
            match granted_by {
                Some(by) => client.execute(
                    "INSERT INTO campaign_approvers (user_id, granted_by, granted_at) VALUES ($1, $2, $3)
                     ON CONFLICT (user_id) DO NOTHING",
                    &[&user.to_string(), &by.to_string(), &at],
                )?,
                None => client.execute("DELETE FROM campaign_approvers WHERE user_id = $1", &[&user.to_string()])?,
            };
            Ok(())
        })
        .await
    }
}
