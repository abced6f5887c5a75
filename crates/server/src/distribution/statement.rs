//! A dealer's statement (对账单) for a span of days, as JSON for the app's printable page and as
//! CSV for a spreadsheet: its dealer, business manager and the order center read it.
use portal_api::*;
use portal_distribution::statement::{self, Movement};
use uuid::Uuid;

use super::{
    days::{day_of, midnight},
    DistributionService,
};
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

/// The most movements one statement shows.
const MAX_LINES: u32 = 5_000;
/// The longest span one statement covers.
const MAX_DAYS: i64 = 366;

impl DistributionService {
    pub async fn statement(&self, caller: &Caller, dealer_id: Uuid, query: &StatementQuery) -> AppResult<Statement> {
        self.standing(caller, dealer_id).await?;
        let bad = |field: &str| AppError::field(ErrorCode::InvalidParameter, field, "A day written YYYY-MM-DD.");
        let from = midnight(day_of(&query.from).ok_or_else(|| bad("from"))?);
        let until = midnight(day_of(&query.to).ok_or_else(|| bad("to"))? + 1);
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
        let (lines, mut closing) = statement::running(opening, movements);
        if truncated {
            // The lines stop early; the closing is where the span really ends.
            closing = self.orders.credit_before(dealer_id, until).await?;
        }
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
