//! Quick order: "SKU quantity" lines pasted from anywhere (spaces, tabs, commas or semicolons
//! between the two), or a CSV with a header. Every bad line is reported with its number and
//! nothing is ordered until all are good; the same SKU on several lines is one line of their sum.
use serde::{Deserialize, Serialize};

/// Lines one paste or file may hold.
pub const MAX_LINES: usize = 2_000;
/// Units one line may ask for.
pub const MAX_QUANTITY: u32 = 1_000_000;
/// Characters of a SKU.
pub const MAX_SKU_CHARS: usize = 64;

/// One line of the order as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickLine {
    pub sku: String,
    pub quantity: u32,
    /// The first line (counting from 1) it was read from.
    pub line_no: usize,
}

/// Why a line was not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LineProblem {
    #[error("write a SKU and a quantity")]
    Malformed,
    #[error("a SKU is letters, digits, '-', '_' or '.', at most 64")]
    BadSku,
    #[error("the quantity is a whole number from 1 to 1,000,000")]
    BadQuantity,
    #[error("too many lines: at most 2,000")]
    TooManyLines,
}

/// A line that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadLine {
    pub line_no: usize,
    pub text: String,
    pub problem: LineProblem,
}

fn is_sku(text: &str) -> bool {
    !text.is_empty()
        && text.chars().count() <= MAX_SKU_CHARS
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A header a CSV may start with (`sku,quantity`, `SKU;数量`, …): its second field has no digit
/// (a quantity mistyped as `1O` is a bad line, not a header).
fn is_header(fields: &[&str]) -> bool {
    fields.len() >= 2 && !fields[1].chars().any(|c| c.is_ascii_digit()) && {
        let first = fields[0].to_ascii_lowercase();
        first.contains("sku") || first.contains("型号") || first.contains("编码") || first.contains("code")
    }
}

/// Reads pasted lines or a CSV. All good: the lines, merged by SKU in first-seen order.
/// Otherwise every bad line, and nothing to order.
pub fn parse(text: &str) -> Result<Vec<QuickLine>, Vec<BadLine>> {
    let mut lines: Vec<QuickLine> = Vec::new();
    let mut bad = Vec::new();
    let mut counted = 0usize;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let trimmed = raw.trim().trim_start_matches('\u{feff}');
        if trimmed.is_empty() {
            continue;
        }
        let fields: Vec<&str> = trimmed
            .split(|c: char| c == ',' || c == ';' || c == '\t' || c.is_whitespace())
            .map(|f| f.trim().trim_matches('"'))
            .filter(|f| !f.is_empty())
            .collect();
        if counted == 0 && lines.is_empty() && bad.is_empty() && is_header(&fields) {
            continue;
        }
        counted += 1;
        let shown: String = trimmed.chars().take(80).collect();
        if counted > MAX_LINES {
            bad.push(BadLine { line_no, text: shown, problem: LineProblem::TooManyLines });
            break;
        }
        let problem = match fields.as_slice() {
            [sku, quantity] => {
                // SKUs are matched without regard to case: `tv-55` and `TV-55` are one line.
                let sku = sku.to_ascii_uppercase();
                if !is_sku(&sku) {
                    Some(LineProblem::BadSku)
                } else {
                    match quantity.parse::<u32>() {
                        Ok(q) if (1..=MAX_QUANTITY).contains(&q) => {
                            match lines.iter_mut().find(|l| l.sku == sku) {
                                Some(line) if line.quantity + q <= MAX_QUANTITY => line.quantity += q,
                                Some(_) => bad.push(BadLine {
                                    line_no,
                                    text: shown.clone(),
                                    problem: LineProblem::BadQuantity,
                                }),
                                None => lines.push(QuickLine { sku, quantity: q, line_no }),
                            }
                            None
                        }
                        _ => Some(LineProblem::BadQuantity),
                    }
                }
            }
            _ => Some(LineProblem::Malformed),
        };
        if let Some(problem) = problem {
            bad.push(BadLine { line_no, text: shown, problem });
        }
    }
    if bad.is_empty() {
        Ok(lines)
    } else {
        Err(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_lines_in_any_separator_are_read_and_merged_by_sku() {
        let lines = parse("TV-55 4\nAC-12,2\n\nTV-55\t8\nWM-8; 1\n").unwrap();
        assert_eq!(
            lines,
            vec![
                QuickLine { sku: "TV-55".into(), quantity: 12, line_no: 1 },
                QuickLine { sku: "AC-12".into(), quantity: 2, line_no: 2 },
                QuickLine { sku: "WM-8".into(), quantity: 1, line_no: 5 },
            ]
        );
    }

    #[test]
    fn a_csv_header_is_skipped_once() {
        let lines = parse("\u{feff}sku,quantity\nTV-55,4\n").unwrap();
        assert_eq!(lines.len(), 1);
        assert!(parse("TV-55,4\nsku,quantity\n").is_err(), "a header further down is a bad line");
    }

    #[test]
    fn every_bad_line_is_reported_and_nothing_is_read() {
        let bad = parse("TV-55 4\nTV 55 4\nAC-12 two\nWM-8 0\nDR-1 1000001\n电视 3\n").unwrap_err();
        let problems: Vec<_> = bad.iter().map(|b| (b.line_no, b.problem.clone())).collect();
        assert_eq!(
            problems,
            vec![
                (2, LineProblem::Malformed),
                (3, LineProblem::BadQuantity),
                (4, LineProblem::BadQuantity),
                (5, LineProblem::BadQuantity),
                (6, LineProblem::BadSku),
            ]
        );
    }

    #[test]
    fn too_many_lines_are_refused() {
        let text: String = (0..=MAX_LINES).map(|i| format!("SKU-{i} 1\n")).collect();
        let bad = parse(&text).unwrap_err();
        assert_eq!(bad.last().unwrap().problem, LineProblem::TooManyLines);
    }

    #[test]
    fn a_merged_quantity_past_the_bound_is_a_bad_line_whatever_the_case() {
        let bad = parse("TV-55 1000000\ntv-55 1\n").unwrap_err();
        assert_eq!(bad[0].line_no, 2);
    }

    #[test]
    fn a_mistyped_first_quantity_is_a_bad_line_not_a_header() {
        let bad = parse("SKU-100 1O\nTV-55 4\n").unwrap_err();
        assert_eq!((bad[0].line_no, bad[0].problem.clone()), (1, LineProblem::BadQuantity));
    }
}
