//! Text for the search index, and queries against it. Chinese has no spaces and most words are
//! two characters (电视, 冰箱, 空调, 变频), which neither unicode61 (one token per run of Han
//! characters) nor trigram (three characters at least) can find. So, as Lucene's CJK analyzer does,
//! every run of Han characters is indexed as its overlapping bigrams, and a query is split the same
//! way and matched as a phrase; a single character matches as a prefix of a bigram.

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// Runs of text: (is_han, text). Anything neither Han nor alphanumeric separates runs.
fn runs(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    for c in text.chars() {
        let kind = if is_han(c) {
            Some(true)
        } else if c.is_alphanumeric() {
            Some(false)
        } else {
            None
        };
        match (kind, out.last_mut()) {
            (Some(k), Some((last, run))) if *last == k && !run.is_empty() => run.push(c),
            (Some(k), _) => out.push((k, c.to_string())),
            (None, Some((_, run))) if !run.is_empty() => out.push((false, String::new())),
            (None, _) => {}
        }
    }
    out.retain(|(_, r)| !r.is_empty());
    out
}

fn bigrams(run: &str) -> Vec<String> {
    let chars: Vec<char> = run.chars().collect();
    if chars.len() == 1 {
        return vec![run.to_owned()];
    }
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

/// Index text for a document: Han runs as bigrams, other words lower-cased. A run's last character
/// is indexed alone too, so a one-character query (a prefix match) finds it at the end of a word
/// (电 in 无线充电) as well as at the start of a bigram.
pub fn index_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut push = |term: &mut dyn Iterator<Item = char>| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(term);
    };
    for (han, run) in runs(text) {
        if !han {
            push(&mut run.chars().flat_map(char::to_lowercase));
            continue;
        }
        let chars: Vec<char> = run.chars().collect();
        if chars.len() == 1 {
            push(&mut chars.iter().copied());
            continue;
        }
        for pair in chars.windows(2) {
            push(&mut pair.iter().copied());
        }
        push(&mut chars.last().into_iter().copied());
    }
    out
}

/// A model number as typed in many ways: `KFR-35GW/A1`, `kfr35gwa1`, and its parts.
pub fn model_terms(model: &str) -> String {
    let lower = model.to_lowercase();
    let compact: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    format!("{compact} {}", index_text(&lower))
}

/// An FTS5 MATCH expression for what a person typed, or None when there is nothing to search.
/// Every term must match; the last Latin term is a prefix (search-as-you-type).
pub fn match_expression(query: &str) -> Option<String> {
    let runs = runs(query);
    let mut parts = Vec::new();
    let count = runs.len();
    for (i, (han, run)) in runs.into_iter().enumerate() {
        if han {
            if run.chars().count() == 1 {
                parts.push(format!("{run}*"));
            } else {
                parts.push(format!("\"{}\"", bigrams(&run).join(" ")));
            }
        } else {
            let term = run.to_lowercase();
            // Typing continues at the end, so the last term is a prefix once it has two characters (one
            // character as a prefix would match half the index). Earlier terms are whole, except parts
            // of model numbers (letters and digits together), which match as prefixes wherever they are.
            let model_part = term.chars().any(|c| c.is_ascii_digit()) && term.chars().any(|c| c.is_alphabetic());
            if (i + 1 == count && term.chars().count() > 1) || model_part {
                parts.push(format!("\"{term}\"*"));
            } else {
                parts.push(format!("\"{term}\""));
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(" AND "))
}

/// Edit distance, for typo-tolerant model numbers.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn han_runs_become_bigrams() {
        assert_eq!(index_text("E8系列 65英寸 OLED电视"), "e8 系列 列 65 英寸 寸 oled 电视 视");
        assert_eq!(index_text("变频冰箱"), "变频 频冰 冰箱 箱");
        assert_eq!(index_text("电"), "电");
    }

    #[test]
    fn queries() {
        assert_eq!(match_expression("电视").as_deref(), Some("\"电视\""));
        assert_eq!(match_expression("液晶电视").as_deref(), Some("\"液晶 晶电 电视\""));
        assert_eq!(match_expression("电").as_deref(), Some("电*"));
        assert_eq!(match_expression("oled 电视 65").as_deref(), Some("\"oled\" AND \"电视\" AND \"65\"*"));
        assert_eq!(match_expression("1.5匹 空调").as_deref(), Some("\"1\" AND \"5\" AND 匹* AND \"空调\""));
        assert_eq!(match_expression("65e8 oled").as_deref(), Some("\"65e8\"* AND \"oled\"*"));
        assert_eq!(match_expression("a").as_deref(), Some("\"a\""), "one Latin character is a whole term");
        assert_eq!(match_expression("  ,, "), None);
        assert_eq!(match_expression("\"*)").as_deref(), None, "FTS syntax in input is never passed through");
    }

    #[test]
    fn models() {
        assert_eq!(model_terms("KFR-35GW-A1"), "kfr35gwa1 kfr 35gw a1");
        assert_eq!(levenshtein("65e8k", "65e8n"), 1);
        assert_eq!(levenshtein("", "abc"), 3);
    }
}
