//! A dealer's prepayment and rebate balances on SQLite: the rows the orders' engine locks (the
//! IMMEDIATE transaction is the lock) and writes, and their movements read back.
use portal_api::{from_wire_name, wire_name, FundsMovement};
use portal_db::{FundsMove, FundsPosition};

use super::*;

pub(crate) fn lock_funds(tx: &rusqlite::Transaction<'_>, dealer: Uuid, at: i64) -> DbResult<FundsPosition> {
    tx.execute(
        "INSERT INTO dealer_funds (dealer_id, prepayment, rebate, updated_at) VALUES (?1, 0, 0, ?2)
         ON CONFLICT (dealer_id) DO NOTHING",
        params![dealer.to_string(), at],
    )?;
    Ok(tx.query_row("SELECT prepayment, rebate FROM dealer_funds WHERE dealer_id = ?1", [dealer.to_string()], |r| {
        Ok(FundsPosition { prepayment: r.get(0)?, rebate: r.get(1)? })
    })?)
}

pub(crate) fn write_funds(
    tx: &rusqlite::Transaction<'_>,
    dealer: Uuid,
    after: FundsPosition,
    m: &FundsMove<'_>,
) -> DbResult<()> {
    tx.execute(
        "UPDATE dealer_funds SET prepayment = ?2, rebate = ?3, updated_at = ?4 WHERE dealer_id = ?1",
        params![dealer.to_string(), after.prepayment, after.rebate, m.at],
    )?;
    tx.execute(
        "INSERT INTO fund_movements (dealer_id, kind, amount, reference, by_user, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![dealer.to_string(), wire_name(&m.kind), m.amount, m.reference, m.by.to_string(), m.at],
    )?;
    Ok(())
}

pub(crate) fn deposit_booked(tx: &rusqlite::Transaction<'_>, dealer: Uuid, reference: &str) -> DbResult<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT amount FROM fund_movements WHERE dealer_id = ?1 AND kind = 'deposit' AND reference = ?2",
            params![dealer.to_string(), reference],
            |r| r.get(0),
        )
        .optional()?)
}

pub(crate) fn dealer_funds(
    conn: &Connection,
    dealer: Uuid,
    limit: u32,
) -> DbResult<(FundsPosition, Vec<FundsMovement>)> {
    let position = conn
        .query_row("SELECT prepayment, rebate FROM dealer_funds WHERE dealer_id = ?1", [dealer.to_string()], |r| {
            Ok(FundsPosition { prepayment: r.get(0)?, rebate: r.get(1)? })
        })
        .optional()?
        .unwrap_or_default();
    let mut stmt = conn.prepare_cached(
        "SELECT at, kind, amount, reference FROM fund_movements WHERE dealer_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![dealer.to_string(), limit], |r| {
        let kind: String = r.get(1)?;
        let kind = from_wire_name(&kind)
            .ok_or_else(|| rusqlite::Error::InvalidColumnType(1, kind, rusqlite::types::Type::Text))?;
        Ok(FundsMovement { at: r.get(0)?, kind, amount: r.get(2)?, reference: r.get(3)? })
    })?;
    Ok((position, rows.collect::<Result<Vec<_>, _>>()?))
}
