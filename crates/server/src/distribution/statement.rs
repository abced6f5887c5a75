//! A dealer's statement (对账单) for a span of days, as JSON for the app's printable page and as
//! CSV for a spreadsheet: its dealer, business manager and the order center read it.
use portal_api::*;
use portal_distribution::statement::{self, Movement};
use portal_store_ops::day::{days_from_civil, LOCAL_OFFSET_SECS};
use uuid::Uuid;

use super::DistributionService;
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

/// The most movements one statement shows.
const MAX_LINES: u32 = 5_000;
/// The longest span one statement covers.
const MAX_DAYS: i64 = 366;

/// Midnight of a `YYYY-MM-DD` day in China time, as unix seconds.
fn midnight(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let (y, m, d) =
        (parts.next()?.parse::<i64>().ok()?, parts.next()?.parse::<u32>().ok()?, parts.next()?.parse::<u32>().ok()?);
    let days = days_from_civil(y, m, d);
    (portal_store_ops::day::civil_from_days(days) == (y, m, d) && (2000..=2200).contains(&y))
        .then_some(days * 86_400 - LOCAL_OFFSET_SECS)
}

/// A time as the statement's reader reads it: China time, to the minute.
pub fn local_time(at: i64) -> String {
    let local = at + LOCAL_OFFSET_SECS;
    let (y, m, d) = portal_store_ops::day::civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

impl DistributionService {
    pub async fn statement(&self, caller: &Caller, dealer_id: Uuid, query: &StatementQuery) -> AppResult<Statement> {
        self.standing(caller, dealer_id).await?;
        let bad = |field: &str| AppError::field(ErrorCode::InvalidParameter, field, "A day written YYYY-MM-DD.");
        let from = midnight(&query.from).ok_or_else(|| bad("from"))?;
        let until = midnight(&query.to).ok_or_else(|| bad("to"))? + 86_400;
        if until <= from || until - from > MAX_DAYS * 86_400 {
            return Err(AppError::field(
                ErrorCode::InvalidParameter,
                "to",
                "A span of 1 to 366 days, ending after it starts.",
            ));
        }
        let dealer = self.dealer(dealer_id).await?;
        let opening = self.orders.credit_before(dealer_id, from).await?;
        let rows = self.orders.credit_movements(dealer_id, from, until, MAX_LINES + 1).await?;
        let truncated = rows.len() > MAX_LINES as usize;
        let movements = rows
            .into_iter()
            .take(MAX_LINES as usize)
            .map(|r| Movement { at: r.at, kind: r.kind, amount: r.amount, order_id: r.order_id, reason: r.reason })
            .collect();
        let (lines, closing) = statement::running(opening, movements);
        Ok(Statement {
            dealer,
            from: query.from.trim().to_owned(),
            to: query.to.trim().to_owned(),
            opening_receivables: opening.receivables,
            opening_reserved: opening.reserved,
            opening_limit: opening.limit,
            lines,
            closing_receivables: closing.receivables,
            closing_reserved: closing.reserved,
            closing_limit: closing.limit,
            truncated,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_start_at_midnight_in_china() {
        let at = super::midnight("2026-12-07").unwrap();
        assert_eq!(super::local_time(at), "2026-12-07 00:00");
        assert!(super::midnight("2026-13-01").is_none());
    }
}
