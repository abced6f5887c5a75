//! A dealer's statement (对账单): the balances a span opened on, each movement with the balances
//! it left, and the closing balances; and the same as CSV for a spreadsheet (amounts in yuan with
//! two decimals, so that nothing is read as a float).
use portal_api::{Statement, StatementLine};

use crate::credit::CreditPosition;

/// A movement as kept, before balances are added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Movement {
    pub at: i64,
    pub kind: String,
    pub amount: i64,
    pub order_id: Option<uuid::Uuid>,
    pub reason: Option<String>,
}

/// Every movement with the balances it left, starting from `opening`; the closing position.
pub fn running(opening: CreditPosition, movements: Vec<Movement>) -> (Vec<StatementLine>, CreditPosition) {
    let mut at = opening;
    let lines = movements
        .into_iter()
        .map(|m| {
            match m.kind.as_str() {
                "reserve" => at.reserved = at.reserved.saturating_add(m.amount),
                "release" => at.reserved = at.reserved.saturating_sub(m.amount),
                "invoice" => at.receivables = at.receivables.saturating_add(m.amount),
                "payment" => at.receivables = at.receivables.saturating_sub(m.amount),
                "limit" => at.limit = m.amount,
                _ => {}
            }
            StatementLine {
                at: m.at,
                kind: m.kind,
                amount: m.amount,
                order_id: m.order_id,
                reason: m.reason,
                receivables: at.receivables,
                reserved: at.reserved,
                limit: at.limit,
            }
        })
        .collect();
    (lines, at)
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.unsigned_abs() / 100, fen.unsigned_abs() % 100)
}

fn field(text: &str) -> String {
    // Quoted when it holds a separator, a quote or a line break; a leading formula sign is
    // neutralised so a spreadsheet never runs a reason as a formula.
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The statement as CSV; `time` writes a movement's time as people read it.
pub fn csv(statement: &Statement, time: impl Fn(i64) -> String) -> String {
    // The byte-order mark lets a spreadsheet on a Chinese desktop read the text as UTF-8.
    let mut out = String::from("\u{feff}time,kind,amount,order,reason,receivables,reserved,credit_line\n");
    out += &format!(
        ",opening,,,,{},{},{}\n",
        yuan(statement.opening_receivables),
        yuan(statement.opening_reserved),
        yuan(statement.opening_limit)
    );
    for l in &statement.lines {
        out += &format!(
            "{},{},{},{},{},{},{},{}\n",
            time(l.at),
            l.kind,
            yuan(l.amount),
            l.order_id.map(|o| o.to_string()).unwrap_or_default(),
            field(l.reason.as_deref().unwrap_or_default()),
            yuan(l.receivables),
            yuan(l.reserved),
            yuan(l.limit)
        );
    }
    if statement.truncated {
        out += ",truncated: more movements than one statement shows; ask for a shorter span,,,,,,\n";
    }
    out += &format!(
        ",closing,,,,{},{},{}\n",
        yuan(statement.closing_receivables),
        yuan(statement.closing_reserved),
        yuan(statement.closing_limit)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(kind: &str, amount: i64, reason: Option<&str>) -> Movement {
        Movement { at: 1, kind: kind.into(), amount, order_id: None, reason: reason.map(Into::into) }
    }

    #[test]
    fn balances_run_from_the_opening_and_the_csv_is_safe_in_a_spreadsheet() {
        let opening = CreditPosition { limit: 1_000_00, receivables: 100_00, reserved: 50_00 };
        let (lines, closing) = running(
            opening,
            vec![
                m("reserve", 30_00, None),
                m("release", 50_00, None),
                m("invoice", 50_00, None),
                m("payment", 20_00, Some("=HYPERLINK(\"x\")")),
            ],
        );
        assert_eq!((lines[0].reserved, lines[1].reserved, lines[2].receivables), (80_00, 30_00, 150_00));
        assert_eq!(closing, CreditPosition { limit: 1_000_00, receivables: 130_00, reserved: 30_00 });
        let dealer =
            portal_api::Dealer { id: uuid::Uuid::nil(), code: "D".into(), name: "D".into(), region: "R".into() };
        let statement = Statement {
            dealer,
            from: "2026-12-01".into(),
            to: "2026-12-31".into(),
            opening_receivables: 100_00,
            opening_reserved: 50_00,
            opening_limit: 1_000_00,
            lines,
            closing_receivables: closing.receivables,
            closing_reserved: closing.reserved,
            closing_limit: closing.limit,
            truncated: false,
        };
        let text = csv(&statement, |_| "2026-12-07 10:00".into());
        assert!(
            text.contains("2026-12-07 10:00,payment,20.00,,\"'=HYPERLINK(\"\"x\"\")\",130.00,30.00,1000.00"),
            "{text}"
        );
        assert!(text.ends_with(",closing,,,,130.00,30.00,1000.00\n"));
    }
}
