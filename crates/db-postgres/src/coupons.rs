//! E-coupons on PostgreSQL.
use portal_api::CouponCounts;
use portal_db::{CampaignCoupon, Coupons, SeriesRow, WalletRow};

use super::*;

#[async_trait]
impl Coupons for PostgresDatabase {
    async fn wallet(&self, user: Uuid, since: i64, now: i64, limit: u32) -> DbResult<Vec<WalletRow>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT k.id, k.campaign_id, c.content, c.coupon, k.issued_at, r.redeemed_at, c.coupons_withdrawn_at
                     FROM coupons k JOIN campaigns c ON c.id = k.campaign_id
                     LEFT JOIN coupon_redemptions r ON r.coupon_id = k.id
                     WHERE k.user_id = $1 AND k.issued_at >= $2 AND c.coupon IS NOT NULL
                     ORDER BY (r.coupon_id IS NULL AND c.coupons_withdrawn_at IS NULL AND k.valid_until > $4) DESC,
                              k.issued_at DESC, k.id DESC
                     LIMIT $3",
                    &[&user.to_string(), &since, &i64::from(limit), &now],
                )?
                .iter()
                .map(|r| {
                    Ok(WalletRow {
                        id: uuid(r.get(0))?,
                        campaign: uuid(r.get(1))?,
                        content: r.get(2),
                        terms: r.get(3),
                        issued_at: r.get(4),
                        redeemed_at: r.get(5),
                        withdrawn_at: r.get(6),
                    })
                })
                .collect()
        })
        .await
    }

    async fn coupon_series(&self, store: Uuid, now: i64, limit: u32) -> DbResult<Vec<SeriesRow>> {
        self.run(move |client| {
            client
                .query(
                    "SELECT id, content, coupon FROM campaigns
                     WHERE coupon IS NOT NULL AND coupons_withdrawn_at IS NULL
                       AND status IN ('running', 'paused', 'finished')
                       AND (coupon::jsonb ->> 'valid_until')::bigint > $1
                       AND (jsonb_array_length(coupon::jsonb -> 'stores') = 0
                            OR coupon::jsonb -> 'stores' @> to_jsonb($3::text))
                     ORDER BY created_at DESC, id DESC LIMIT $2",
                    &[&now, &i64::from(limit), &store.to_string()],
                )?
                .iter()
                .map(|r| Ok(SeriesRow { campaign: uuid(r.get(0))?, content: r.get(1), terms: r.get(2) }))
                .collect()
        })
        .await
    }

    async fn campaign_coupon(&self, campaign: Uuid) -> DbResult<Option<CampaignCoupon>> {
        self.run(move |client| {
            Ok(client
                .query_opt(
                    "SELECT coupon, coupons_withdrawn_at FROM campaigns WHERE id = $1",
                    &[&campaign.to_string()],
                )?
                .and_then(|r| {
                    r.get::<_, Option<String>>(0).map(|terms| CampaignCoupon { terms, withdrawn_at: r.get(1) })
                }))
        })
        .await
    }

    async fn coupon_counts(&self, campaign: Uuid) -> DbResult<CouponCounts> {
        self.run(move |client| {
            let row = client.query_one(
                "SELECT (SELECT COUNT(*) FROM coupons WHERE campaign_id = $1),
                        (SELECT COUNT(*) FROM coupon_redemptions WHERE campaign_id = $1),
                        (SELECT COUNT(*) FROM coupon_second_uses WHERE campaign_id = $1),
                        (SELECT COALESCE(SUM(off), 0)::bigint FROM coupon_redemptions WHERE campaign_id = $1)",
                &[&campaign.to_string()],
            )?;
            Ok(CouponCounts {
                issued: count(&row, 0),
                redeemed: count(&row, 1),
                used_twice: count(&row, 2),
                off: row.get(3),
            })
        })
        .await
    }
}
