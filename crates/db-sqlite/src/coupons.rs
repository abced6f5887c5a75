//! E-coupons on SQLite.
use portal_api::CouponCounts;
use portal_db::{CampaignCoupon, Coupons, SeriesRow, WalletRow};

use super::*;

#[async_trait]
impl Coupons for SqliteDatabase {
    async fn wallet(&self, user: Uuid, since: i64, now: i64, limit: u32) -> DbResult<Vec<WalletRow>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT k.id, k.campaign_id, c.content, c.coupon, k.issued_at, r.redeemed_at, c.coupons_withdrawn_at
                 FROM coupons k JOIN campaigns c ON c.id = k.campaign_id
                 LEFT JOIN coupon_redemptions r ON r.coupon_id = k.id
                 WHERE k.user_id = ?1 AND k.issued_at >= ?2 AND c.coupon IS NOT NULL
                 ORDER BY (r.coupon_id IS NULL AND c.coupons_withdrawn_at IS NULL AND k.valid_until > ?4) DESC,
                          k.issued_at DESC, k.id DESC
                 LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![user.to_string(), since, limit, now], |r| {
                Ok(WalletRow {
                    id: uuid_of(r.get(0)?)?,
                    campaign: uuid_of(r.get(1)?)?,
                    content: r.get(2)?,
                    terms: r.get(3)?,
                    issued_at: r.get(4)?,
                    redeemed_at: r.get(5)?,
                    withdrawn_at: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn coupon_series(&self, store: Uuid, now: i64, limit: u32) -> DbResult<Vec<SeriesRow>> {
        self.run(move |conn| {
            // Terms are JSON: expiry and stores are read from them.
            let mut stmt = conn.prepare_cached(
                "SELECT id, content, coupon FROM campaigns
                 WHERE coupon IS NOT NULL AND coupons_withdrawn_at IS NULL
                   AND status IN ('running', 'paused', 'finished')
                   AND json_extract(coupon, '$.valid_until') > ?1
                   AND (json_array_length(coupon, '$.stores') = 0
                        OR EXISTS (SELECT 1 FROM json_each(coupon, '$.stores') WHERE value = ?3))
                 ORDER BY created_at DESC, id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![now, limit, store.to_string()], |r| {
                Ok(SeriesRow { campaign: uuid_of(r.get(0)?)?, content: r.get(1)?, terms: r.get(2)? })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn campaign_coupon(&self, campaign: Uuid) -> DbResult<Option<CampaignCoupon>> {
        self.run(move |conn| {
            let row: Option<(Option<String>, Option<i64>)> = conn
                .query_row(
                    "SELECT coupon, coupons_withdrawn_at FROM campaigns WHERE id = ?1",
                    [campaign.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            Ok(row.and_then(|(terms, withdrawn_at)| terms.map(|terms| CampaignCoupon { terms, withdrawn_at })))
        })
        .await
    }

    async fn coupon_counts(&self, campaign: Uuid) -> DbResult<CouponCounts> {
        self.run(move |conn| {
            let id = campaign.to_string();
            let count = |sql: &str| -> rusqlite::Result<i64> { conn.query_row(sql, [&id], |r| r.get(0)) };
            Ok(CouponCounts {
                issued: count("SELECT COUNT(*) FROM coupons WHERE campaign_id = ?1")? as u32,
                redeemed: count("SELECT COUNT(*) FROM coupon_redemptions WHERE campaign_id = ?1")? as u32,
                used_twice: count("SELECT COUNT(*) FROM coupon_second_uses WHERE campaign_id = ?1")? as u32,
                off: count("SELECT COALESCE(SUM(off), 0) FROM coupon_redemptions WHERE campaign_id = ?1")?,
            })
        })
        .await
    }
}
