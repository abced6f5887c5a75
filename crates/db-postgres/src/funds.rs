//! A dealer's prepayment and rebate balances on PostgreSQL: the row locked `FOR UPDATE` (always
//! after the dealer's credit line when both are), written with its movement, and read back.
use portal_api::{wire_name, FundsMovement};
use portal_db::{FundsMove, FundsPosition};

use super::*;

pub(crate) fn lock_funds(tx: &mut Transaction<'_>, dealer: Uuid, at: i64) -> DbResult<FundsPosition> {
    tx.execute(
        "INSERT INTO dealer_funds (dealer_id, prepayment, rebate, updated_at) VALUES ($1, 0, 0, $2)
         ON CONFLICT (dealer_id) DO NOTHING",
        &[&dealer.to_string(), &at],
    )?;
    let r = tx.query_one(
        "SELECT prepayment, rebate FROM dealer_funds WHERE dealer_id = $1 FOR UPDATE",
        &[&dealer.to_string()],
    )?;
    Ok(FundsPosition { prepayment: r.get(0), rebate: r.get(1) })
}

pub(crate) fn write_funds(
    tx: &mut Transaction<'_>,
    dealer: Uuid,
    after: FundsPosition,
    m: &FundsMove<'_>,
) -> DbResult<()> {
    tx.execute(
        "UPDATE dealer_funds SET prepayment = $2, rebate = $3, updated_at = $4 WHERE dealer_id = $1",
        &[&dealer.to_string(), &after.prepayment, &after.rebate, &m.at],
    )?;
    tx.execute(
        "INSERT INTO fund_movements (dealer_id, kind, amount, reference, by_user, at) VALUES ($1, $2, $3, $4, $5, $6)",
        &[&dealer.to_string(), &wire_name(&m.kind), &m.amount, &m.reference, &m.by.to_string(), &m.at],
    )?;
    Ok(())
}

pub(crate) fn deposit_booked(tx: &mut Transaction<'_>, dealer: Uuid, reference: &str) -> DbResult<Option<i64>> {
    Ok(tx
        .query_opt(
            "SELECT amount FROM fund_movements WHERE dealer_id = $1 AND kind = 'deposit' AND reference = $2",
            &[&dealer.to_string(), &reference],
        )?
        .map(|r| r.get(0)))
}

pub(crate) fn dealer_funds(
    client: &mut impl ::postgres::GenericClient,
    dealer: Uuid,
    limit: u32,
) -> DbResult<(FundsPosition, Vec<FundsMovement>)> {
    let key = dealer.to_string();
    let position = client
        .query_opt("SELECT prepayment, rebate FROM dealer_funds WHERE dealer_id = $1", &[&key])?
        .map(|r| FundsPosition { prepayment: r.get(0), rebate: r.get(1) })
        .unwrap_or_default();
    let movements = client
        .query(
            "SELECT at, kind, amount, reference FROM fund_movements WHERE dealer_id = $1
             ORDER BY at DESC, id DESC LIMIT $2",
            &[&key, &i64::from(limit)],
        )?
        .iter()
        .map(|r| Ok(FundsMovement { at: r.get(0), kind: wire(r.get(1))?, amount: r.get(2), reference: r.get(3) }))
        .collect::<DbResult<Vec<_>>>()?;
    Ok((position, movements))
}
