//! A dealer's trends for their business manager (我的客户): orders placed, units their stores sold
//! and rebates settled over the last six months, each against the months before it, with their
//! credit and stock as they stand.
use std::collections::HashMap;

use portal_api::*;
use portal_distribution::{
    demand::{month_text, parse_month, MonthNo},
    trends::{by_month, trend, Trend},
};
use uuid::Uuid;

use super::{
    days::{day_at, day_text, midnight, today},
    DistributionService,
};
use crate::{auth::Caller, db::position_line, error::AppResult};

/// The months shown, the current one last.
const MONTHS: i32 = 6;
/// The most orders or rows read for one dealer's trends.
const MAX_ROWS: u32 = 5_000;

fn line(t: Trend) -> TrendLine {
    TrendLine { values: t.values, change_percent: t.change_percent }
}

fn month_of_day(day: portal_distribution::Day) -> MonthNo {
    parse_month(&day_text(day)[..7]).unwrap_or_default()
}

impl DistributionService {
    pub async fn trends(&self, caller: &Caller, dealer: Uuid) -> AppResult<DealerTrends> {
        self.standing(caller, dealer).await?;
        let current = month_of_day(today());
        let months: Vec<MonthNo> = (current - MONTHS + 1..=current).collect();
        let first_day = format!("{}-01", month_text(months[0]));
        let since = super::days::day_of(&first_day).map(midnight).unwrap_or(0);

        let orders = self.orders.order_totals_since(dealer, since, MAX_ROWS).await?;
        let ordered = by_month(orders.into_iter().map(|(at, total)| (month_of_day(day_at(at)), total)), &months);

        let sold = self.allocations.monthly_sold(dealer, first_day, day_text(today()), MAX_ROWS).await?;
        let sold = by_month(sold.into_iter().filter_map(|s| Some((parse_month(&s.month)?, s.units))), &months);

        // Monthly rebates by their period (`YYYY-MM`); quarterly and yearly ones fall on no month.
        let rebates = self.rebates.rebate_credits(dealer, 200).await?;
        let rebates = by_month(rebates.into_iter().filter_map(|r| Some((parse_month(&r.period)?, r.amount))), &months);

        let credit = position_line(dealer, self.orders.credit_position(dealer).await?);
        let mut stock_on_hand = 0i64;
        for store in self.network.supplied_stores(dealer).await?.into_iter().take(50) {
            let levels: HashMap<String, i64> = self.ledger.store_on_hand(store.id).await?.into_iter().collect();
            stock_on_hand = stock_on_hand.saturating_add(levels.values().sum());
        }
        Ok(DealerTrends {
            dealer_id: dealer,
            months: months.iter().copied().map(month_text).collect(),
            ordered: line(trend(ordered)),
            sell_through: line(trend(sold)),
            rebates: line(trend(rebates)),
            credit,
            stock_on_hand,
        })
    }
}
