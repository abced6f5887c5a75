//! Customer tags from rules that operators write, with no I/O: a small expression language over
//! a customer's profile (aggregates of their purchases and behaviour), its parser with errors that
//! say where and what, and the profile each rule is evaluated against.
//!
//! ```text
//! bought_days.tv > 1825                  bought a TV more than five years ago
//! bought.accessory >= 1                  accessory buyer
//! spend >= 20000                         high value (yuan)
//! last_active_days > 180                 churn risk
//! city = '上海' and top_category = 'tv'
//! not (purchases = 0) or favourites >= 3
//! ```
//!
//! A comparison with a field the customer has no value for (never bought, no city) is false.
use std::collections::BTreeMap;

use portal_api::EventKind;

use crate::events::weight;

/// The longest rule accepted.
pub const MAX_RULE_LEN: usize = 500;
/// The deepest nesting accepted (parentheses and `not`).
const MAX_DEPTH: usize = 32;

/// The fields a rule may name; `<category>` is a top-level category (`tv`, `fridge`, …).
pub const FIELDS: &[(&str, &str)] = &[
    ("purchases", "products bought (units)"),
    ("spend", "yuan spent"),
    ("last_purchase_days", "days since the latest purchase"),
    ("first_purchase_days", "days since the first purchase"),
    ("last_active_days", "days since anything the customer did"),
    ("views_30d", "products viewed in the last 30 days"),
    ("favourites", "products favourited or followed"),
    ("city", "city of the store of the latest purchase"),
    ("top_category", "the category the customer cares most about"),
    ("bought.<category>", "units bought in a category"),
    ("bought_days.<category>", "days since the latest purchase in a category"),
    ("viewed.<category>", "products of a category viewed in the last 90 days"),
];

/// A value of the profile or of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

/// A parsed rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare { field: String, op: Op, value: Value },
}

/// Why a rule does not parse: where (a character position, from 1) and what was expected — as a
/// stable key with the one thing it names (a field, a word, a character), which the app shows in
/// its own language, and in English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct RuleError {
    pub column: usize,
    /// A stable key (`unknown_field`, `value_expected`, …): the app's text is `rule.<problem>`.
    pub problem: &'static str,
    /// What the problem names, if anything: `{subject}` in the app's text.
    pub subject: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Number(f64),
    Text(String),
    Op(Op),
    Open,
    Close,
    And,
    Or,
    Not,
}

fn tokens(rule: &str) -> Result<Vec<(usize, Token)>, RuleError> {
    let chars: Vec<char> = rule.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |at: usize, problem: &'static str, subject: Option<String>, message: String| RuleError {
        column: at + 1,
        problem,
        subject,
        message,
    };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let token = match c {
            '(' => {
                i += 1;
                Token::Open
            }
            ')' => {
                i += 1;
                Token::Close
            }
            '>' | '<' | '=' | '!' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('>', Some('=')) => (Op::Ge, 2),
                    ('<', Some('=')) => (Op::Le, 2),
                    ('!', Some('=')) => (Op::Ne, 2),
                    ('=', Some('=')) => (Op::Eq, 2),
                    ('>', _) => (Op::Gt, 1),
                    ('<', _) => (Op::Lt, 1),
                    ('=', _) => (Op::Eq, 1),
                    _ => return Err(err(i, "bang", None, "'!' must be followed by '=' (use 'not' to negate)".into())),
                };
                i += len;
                Token::Op(op)
            }
            '\'' | '"' => {
                let quote = c;
                i += 1;
                let mut text = String::new();
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(err(
                                start,
                                "unclosed_text",
                                Some(quote.to_string()),
                                format!("this text has no closing {quote}"),
                            ))
                        }
                        Some(&q) if q == quote => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            text.push(ch);
                            i += 1;
                        }
                    }
                }
                Token::Text(text)
            }
            c if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) => {
                i += 1;
                while chars.get(i).is_some_and(|c| c.is_ascii_digit() || *c == '.' || *c == '_') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().filter(|c| **c != '_').collect();
                Token::Number(
                    text.parse().map_err(|_| {
                        err(start, "not_a_number", Some(text.clone()), format!("{text} is not a number"))
                    })?,
                )
            }
            c if c.is_alphabetic() || c == '_' => {
                while chars.get(i).is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '.') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                match word.to_ascii_lowercase().as_str() {
                    "and" => Token::And,
                    "or" => Token::Or,
                    "not" => Token::Not,
                    _ => Token::Ident(word),
                }
            }
            other => {
                return Err(err(
                    i,
                    "stray_character",
                    Some(other.to_string()),
                    format!("'{other}' is not part of a rule"),
                ))
            }
        };
        out.push((start, token));
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn column(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |t| t.0) + 1
    }

    fn fail<T>(
        &self,
        problem: &'static str,
        subject: Option<&str>,
        message: impl Into<String>,
    ) -> Result<T, RuleError> {
        Err(RuleError { column: self.column(), problem, subject: subject.map(str::to_owned), message: message.into() })
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|t| &t.1)
    }

    fn or(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.not()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            left = Expr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, RuleError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail("too_deep", None, "the rule is nested too deeply");
        }
        let expr = match self.peek() {
            Some(Token::Not) => {
                self.at += 1;
                Expr::Not(Box::new(self.not()?))
            }
            Some(Token::Open) => {
                self.at += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return self.fail("missing_close", None, "a ')' is missing here");
                }
                self.at += 1;
                inner
            }
            _ => self.compare()?,
        };
        self.depth -= 1;
        Ok(expr)
    }

    fn compare(&mut self) -> Result<Expr, RuleError> {
        let field = match self.peek() {
            Some(Token::Ident(name)) => name.clone(),
            None => return self.fail("ends_early", None, "the rule ends where a field was expected"),
            Some(_) => {
                return self.fail("field_expected", None, "a field was expected here (for example spend or bought.tv)")
            }
        };
        if !known_field(&field) {
            let names: Vec<&str> = FIELDS.iter().map(|f| f.0).collect();
            return self.fail(
                "unknown_field",
                Some(&field),
                format!("{field} is not a field; fields are {}", names.join(", ")),
            );
        }
        self.at += 1;
        let op = match self.peek() {
            Some(Token::Op(op)) => *op,
            _ => {
                return self.fail(
                    "comparison_expected",
                    Some(&field),
                    format!("a comparison (>, >=, <, <=, =, !=) was expected after {field}"),
                )
            }
        };
        self.at += 1;
        let value = match self.peek() {
            Some(Token::Number(n)) => Value::Number(*n),
            Some(Token::Text(t)) => Value::Text(t.clone()),
            Some(Token::Ident(word)) => {
                return self.fail(
                    "quote_word",
                    Some(word),
                    format!("a number or a quoted text was expected (write '{word}' in quotes)"),
                )
            }
            _ => return self.fail("value_expected", None, "a number or a quoted text was expected here"),
        };
        let text_field = matches!(field.as_str(), "city" | "top_category");
        match (&value, text_field) {
            (Value::Number(_), true) => {
                return self.fail(
                    "text_field",
                    Some(&field),
                    format!("{field} is a text: compare it with a quoted text"),
                )
            }
            (Value::Text(_), false) => {
                return self.fail(
                    "number_field",
                    Some(&field),
                    format!("{field} is a number: compare it with a number"),
                )
            }
            (Value::Text(_), true) if !matches!(op, Op::Eq | Op::Ne) => {
                return self.fail(
                    "text_field_equality",
                    Some(&field),
                    format!("{field} is a text: compare it with = or !="),
                )
            }
            _ => {}
        }
        self.at += 1;
        Ok(Expr::Compare { field, op, value })
    }
}

fn known_field(field: &str) -> bool {
    match field.split_once('.') {
        Some((family, category)) => {
            matches!(family, "bought" | "bought_days" | "viewed")
                && !category.is_empty()
                && category.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        }
        None => FIELDS.iter().any(|(name, _)| *name == field),
    }
}

/// Parses a rule, or says where and why it does not parse.
pub fn parse(rule: &str) -> Result<Expr, RuleError> {
    if rule.chars().count() > MAX_RULE_LEN {
        return Err(RuleError {
            column: MAX_RULE_LEN + 1,
            problem: "too_long",
            subject: Some(MAX_RULE_LEN.to_string()),
            message: format!("a rule is at most {MAX_RULE_LEN} characters"),
        });
    }
    let tokens = tokens(rule)?;
    if tokens.is_empty() {
        return Err(RuleError { column: 1, problem: "empty", subject: None, message: "the rule is empty".into() });
    }
    let mut parser = Parser { tokens, at: 0, end: rule.chars().count(), depth: 0 };
    let expr = parser.or()?;
    if parser.at < parser.tokens.len() {
        return parser.fail("and_or_expected", None, "'and' or 'or' was expected here");
    }
    Ok(expr)
}

/// A customer's aggregates, by field name (fields without a value are absent).
pub type Profile = BTreeMap<String, Value>;

/// Whether the customer's profile satisfies the rule.
pub fn matches(expr: &Expr, profile: &Profile) -> bool {
    match expr {
        Expr::Or(a, b) => matches(a, profile) || matches(b, profile),
        Expr::And(a, b) => matches(a, profile) && matches(b, profile),
        Expr::Not(a) => !matches(a, profile),
        Expr::Compare { field, op, value } => {
            // A category the customer never touched counts as 0 units and 0 views (but has no days).
            let zero = Value::Number(0.0);
            let have = profile
                .get(field)
                .or_else(|| (field.starts_with("bought.") || field.starts_with("viewed.")).then_some(&zero));
            match (have, value) {
                (Some(Value::Number(h)), Value::Number(v)) => compare(h.total_cmp(v), *op),
                (Some(Value::Text(h)), Value::Text(v)) => compare(h.to_lowercase().cmp(&v.to_lowercase()), *op),
                _ => false,
            }
        }
    }
}

fn compare(ordering: std::cmp::Ordering, op: Op) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Gt => ordering == Greater,
        Op::Ge => ordering != Less,
        Op::Lt => ordering == Less,
        Op::Le => ordering != Greater,
        Op::Eq => ordering == Equal,
        Op::Ne => ordering != Equal,
    }
}

/// One purchase, as the profile needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Bought {
    pub category: String,
    pub at: i64,
    /// Fen.
    pub amount: i64,
    pub units: i64,
    pub city: Option<String>,
}

/// One thing the customer did with a product of a category.
#[derive(Debug, Clone, PartialEq)]
pub struct Did {
    pub kind: EventKind,
    pub category: Option<String>,
    pub at: i64,
}

const DAY: i64 = 86_400;

/// The profile of a customer at `now`.
pub fn profile(now: i64, bought: &[Bought], did: &[Did]) -> Profile {
    let mut p = Profile::new();
    let days = |at: i64| Value::Number(((now - at).max(0) / DAY) as f64);
    let units: i64 = bought.iter().map(|b| b.units).fold(0, i64::saturating_add);
    let fen: i64 = bought.iter().map(|b| b.amount).fold(0, i64::saturating_add);
    p.insert("purchases".into(), Value::Number(units as f64));
    p.insert("spend".into(), Value::Number((fen / 100) as f64));
    if let Some(last) = bought.iter().max_by_key(|b| b.at) {
        p.insert("last_purchase_days".into(), days(last.at));
        if let Some(city) = &last.city {
            p.insert("city".into(), Value::Text(city.clone()));
        }
    }
    if let Some(first) = bought.iter().map(|b| b.at).min() {
        p.insert("first_purchase_days".into(), days(first));
    }
    let active = bought.iter().map(|b| b.at).chain(did.iter().map(|d| d.at)).max();
    if let Some(at) = active {
        p.insert("last_active_days".into(), days(at));
    }
    let views_30d = did.iter().filter(|d| d.kind == EventKind::ProductView && now - d.at <= 30 * DAY).count();
    p.insert("views_30d".into(), Value::Number(views_30d as f64));
    let favourites = did.iter().filter(|d| matches!(d.kind, EventKind::Favourite | EventKind::Follow)).count();
    p.insert("favourites".into(), Value::Number(favourites as f64));
    let mut interest: BTreeMap<&str, f64> = BTreeMap::new();
    for b in bought {
        let n = p.entry(format!("bought.{}", b.category)).or_insert(Value::Number(0.0));
        if let Value::Number(n) = n {
            *n += b.units as f64;
        }
        let latest = p.entry(format!("bought_days.{}", b.category)).or_insert(Value::Number(f64::MAX));
        if let Value::Number(d) = latest {
            *d = d.min(((now - b.at).max(0) / DAY) as f64);
        }
        *interest.entry(&b.category).or_default() += f64::from(weight(EventKind::Purchase)) * b.units as f64;
    }
    for d in did {
        let Some(category) = &d.category else { continue };
        if d.kind == EventKind::ProductView && now - d.at <= 90 * DAY {
            let n = p.entry(format!("viewed.{category}")).or_insert(Value::Number(0.0));
            if let Value::Number(n) = n {
                *n += 1.0;
            }
        }
        *interest.entry(category).or_default() += f64::from(weight(d.kind));
    }
    let top = interest.iter().filter(|(_, w)| **w > 0.0).max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)));
    if let Some((category, _)) = top {
        p.insert("top_category".into(), Value::Text((*category).to_owned()));
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 2_000_000_000;

    fn customer() -> Profile {
        profile(
            NOW,
            &[
                Bought {
                    category: "tv".into(),
                    at: NOW - 2000 * DAY,
                    amount: 5000_00,
                    units: 1,
                    city: Some("北京".into()),
                },
                Bought {
                    category: "accessory".into(),
                    at: NOW - 10 * DAY,
                    amount: 99_00,
                    units: 2,
                    city: Some("上海".into()),
                },
            ],
            &[
                Did { kind: EventKind::ProductView, category: Some("fridge".into()), at: NOW - DAY },
                Did { kind: EventKind::ProductView, category: Some("fridge".into()), at: NOW - 100 * DAY },
                Did { kind: EventKind::Favourite, category: Some("fridge".into()), at: NOW - DAY },
                Did { kind: EventKind::AppOpen, category: None, at: NOW - 3600 },
            ],
        )
    }

    fn holds(rule: &str) -> bool {
        matches(&parse(rule).unwrap_or_else(|e| panic!("{rule}: {e}")), &customer())
    }

    #[test]
    fn the_profile_adds_up_purchases_and_behaviour() {
        let p = customer();
        assert_eq!(p["purchases"], Value::Number(3.0));
        assert_eq!(p["spend"], Value::Number(5099.0));
        assert_eq!(p["last_purchase_days"], Value::Number(10.0));
        assert_eq!(p["first_purchase_days"], Value::Number(2000.0));
        assert_eq!(p["last_active_days"], Value::Number(0.0));
        assert_eq!(p["city"], Value::Text("上海".into()), "the latest purchase's store");
        assert_eq!(p["bought.accessory"], Value::Number(2.0));
        assert_eq!(p["bought_days.tv"], Value::Number(2000.0));
        assert_eq!(p["viewed.fridge"], Value::Number(1.0), "the last 90 days only");
        assert_eq!(p["views_30d"], Value::Number(1.0));
        assert_eq!(p["favourites"], Value::Number(1.0));
        // Interest: TV 8, accessory 16 (two units bought), fridge 1 + 1 + 4 = 6.
        assert_eq!(p["top_category"], Value::Text("accessory".into()));
    }

    #[test]
    fn rules_of_the_issue_hold_as_written() {
        assert!(holds("bought_days.tv > 1825"), "bought a TV more than five years ago");
        assert!(holds("bought.accessory >= 1"), "accessory buyer");
        assert!(!holds("spend >= 20000"), "not high value");
        assert!(!holds("last_active_days > 180"), "no churn risk");
        assert!(holds("city = '上海'") && holds("CITY = \"上海\"".to_lowercase().as_str()));
        assert!(holds("top_category = 'ACCESSORY'"), "texts compare without case");
        assert!(holds("bought.washer = 0"), "a category never bought counts 0 units");
        assert!(!holds("bought_days.washer < 100000"), "but has no days: false");
        assert!(holds("not (purchases = 0) and (favourites >= 3 or viewed.fridge >= 1)"));
        assert!(holds("spend > 1_000 and purchases != 2"));
        assert!(!holds("not not (spend < 0)"));
    }

    #[test]
    fn a_rule_that_does_not_parse_says_where_and_why() {
        let cases = [
            ("", 1, "empty"),
            ("spend >", 8, "number or a quoted text"),
            ("spend > 10 and", 15, "field was expected"),
            ("spent > 10", 1, "spent is not a field"),
            ("spend >> 10", 8, "number or a quoted text"),
            ("(spend > 10", 12, "')' is missing"),
            ("spend > 10 purchases > 1", 12, "'and' or 'or'"),
            ("city > 'x'", 8, "= or !="),
            ("city = 3", 8, "is a text"),
            ("spend = 'a lot'", 9, "is a number"),
            ("city = 上海", 8, "in quotes"),
            ("city = '上海", 8, "no closing"),
            ("spend ! 3", 7, "followed by '='"),
            ("spend > 3 ; drop", 11, "not part of a rule"),
            ("bought.TV > 1", 1, "not a field"),
        ];
        for (rule, column, says) in cases {
            let e = parse(rule).err().unwrap_or_else(|| panic!("{rule} parsed"));
            assert!(e.message.contains(says), "{rule}: {e}");
            assert_eq!(e.column, column, "{rule}: {e}");
        }
        let deep = "(".repeat(40) + "spend > 1" + &")".repeat(40);
        assert!(parse(&deep).unwrap_err().message.contains("nested too deeply"));
        assert!(parse(&"spend > 1 or ".repeat(50)).unwrap_err().message.contains("at most"));
    }

    #[test]
    fn every_problem_a_rule_can_have_is_said_in_both_of_the_apps_languages() {
        let rules = [
            "",
            "spend >",
            "spend > 10 and",
            "spent > 10",
            "spend >> 10",
            "(spend > 10",
            "spend > 10 purchases > 1",
            "city > 'x'",
            "city = 3",
            "spend = 'a lot'",
            "city = 上海",
            "city = '上海",
            "spend ! 3",
            "spend > 3 ; drop",
            "spend",
            "spend > 1.2.3",
        ];
        let mut problems: Vec<(&str, Option<String>)> =
            rules.iter().map(|r| parse(r).unwrap_err()).map(|e| (e.problem, e.subject)).collect();
        problems.push((parse(&("(".repeat(40) + "spend > 1" + &")".repeat(40))).unwrap_err().problem, None));
        problems.push((parse(&"spend > 1 or ".repeat(50)).unwrap_err().problem, None));
        assert_eq!(problems[3], ("unknown_field", Some("spent".to_owned())), "the field it names goes with it");
        for file in ["en.json", "zh-CN.json"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/i18n").join(file);
            let texts: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for (problem, _) in &problems {
                assert!(texts.get(format!("rule.{problem}")).is_some(), "{file} does not say rule.{problem}");
            }
        }
    }
}
