//! Triggered offers: which of what happened to a customer (a sign-in, a purchase, a saved product
//! back in stock) sets an operator's trigger off, and the message it sends. No I/O: the server's
//! background pass reads the facts and writes the inbox.
use portal_api::{NewTrigger, TriggerKind};
use uuid::Uuid;

/// A fact older than this sets nothing off (a pass that was down for days does not flood).
pub const FACT_MAX_AGE_SECS: i64 = 2 * 86_400;
pub const COOLDOWN_MAX_DAYS: u32 = 365;
const NAME_MAX: usize = 60;
const TITLE_MAX: usize = 80;
const BODY_MAX: usize = 300;
const PLACEHOLDERS: [&str; 2] = ["{product}", "{store}"];

/// Something that happened to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub user: Uuid,
    pub kind: TriggerKind,
    /// What makes it one fact (a session, a sale, a restock): a trigger sends once per key.
    pub key: String,
    pub at: i64,
    /// The product it is about (bought, back in stock).
    pub model: Option<String>,
    /// The store it happened at.
    pub store: Option<String>,
}

/// What the rule needs to know of a trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub kind: TriggerKind,
    pub active: bool,
    /// Facts before this set it off no more (its creation, or when it was last resumed).
    pub active_since: i64,
}

/// Whether `fact` sets `rule` off now: an active trigger of its kind, a fact neither older than
/// the trigger's activity nor than `FACT_MAX_AGE_SECS`, nor from the future, for a customer who
/// has not declined marketing. The cooldown — no two messages of a trigger to a customer for
/// facts closer than it — is the storage's to hold, atomically, with the send.
pub fn sets_off(rule: &Rule, fact: &Fact, customer_accepts: bool, now: i64) -> bool {
    rule.active
        && rule.kind == fact.kind
        && customer_accepts
        && fact.at >= rule.active_since
        && fact.at >= now - FACT_MAX_AGE_SECS
        && fact.at <= now + 300
}

/// The placeholders a kind of trigger can fill: sign-ins and birthdays have no product or store.
pub fn placeholders(kind: TriggerKind) -> &'static [&'static str] {
    match kind {
        TriggerKind::AfterPurchase | TriggerKind::BackInStock => &PLACEHOLDERS,
        TriggerKind::AfterSignIn | TriggerKind::Birthday | TriggerKind::OrderUpdate | TriggerKind::Campaign => &[],
    }
}

/// The template with `{product}` and `{store}` filled in, in one pass (a name holding a
/// placeholder is not filled again), cut to `max` characters.
pub fn fill(template: &str, product: &str, store: &str, max: usize) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let tail = &rest[open..];
        if let Some(t) = tail.strip_prefix("{product}") {
            out.push_str(product);
            rest = t;
        } else if let Some(t) = tail.strip_prefix("{store}") {
            out.push_str(store);
            rest = t;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out.chars().take(max).collect()
}

pub fn fill_title(template: &str, product: &str, store: &str) -> String {
    fill(template, product, store, TITLE_MAX)
}

pub fn fill_body(template: &str, product: &str, store: &str) -> String {
    fill(template, product, store, BODY_MAX)
}

/// A sign-in trigger waits at least this long between messages to one customer.
pub const SIGN_IN_COOLDOWN_MIN_DAYS: u32 = 1;

/// Whether `text` is a birthday as MM-DD (29 February included).
pub fn valid_birthday(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 5 || b[2] != b'-' || !b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit()) {
        return false;
    }
    let (month, day) =
        (u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0'), u32::from(b[3] - b'0') * 10 + u32::from(b[4] - b'0'));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => 29,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// The birthdays celebrated on the local day `year-month-day`: its MM-DD, and 29 February on
/// the 28th of a year that has none.
pub fn birthdays_on(year: i32, month: u32, day: u32) -> Vec<String> {
    let mut out = vec![format!("{month:02}-{day:02}")];
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if month == 2 && day == 28 && !leap {
        out.push("02-29".into());
    }
    out
}

/// A new trigger's own parts: a name, titles and bodies in both languages within their lengths,
/// only known placeholders, a cooldown of at most a year.
pub fn check(t: &NewTrigger) -> Result<(), String> {
    if t.kind == TriggerKind::OrderUpdate {
        return Err("Order updates are service messages the order center sends; they are not a trigger.".into());
    }
    if t.kind == TriggerKind::Campaign {
        return Err("Campaigns are written, approved and run as campaigns; they are not a trigger.".into());
    }
    let name = t.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(format!("A name of 1 to {NAME_MAX} characters."));
    }
    for (what, text, max) in [
        ("title_zh", &t.title_zh, TITLE_MAX),
        ("title_en", &t.title_en, TITLE_MAX),
        ("body_zh", &t.body_zh, BODY_MAX),
        ("body_en", &t.body_en, BODY_MAX),
    ] {
        if text.trim().is_empty() || text.chars().count() > max {
            return Err(format!("{what}: 1 to {max} characters."));
        }
        let allowed = placeholders(t.kind);
        let mut rest = text.as_str();
        while let Some(open) = rest.find('{') {
            let tail = &rest[open..];
            match allowed.iter().find(|p| tail.starts_with(**p)) {
                Some(p) => rest = &tail[p.len()..],
                None if allowed.is_empty() => {
                    return Err(format!("{what}: this kind of trigger has no product or store to fill in."))
                }
                None => return Err(format!("{what}: only {{product}} and {{store}} are filled in.")),
            }
        }
    }
    if t.cooldown_days > COOLDOWN_MAX_DAYS {
        return Err(format!("A cooldown of 0 to {COOLDOWN_MAX_DAYS} days."));
    }
    if t.kind == TriggerKind::AfterSignIn && t.cooldown_days < SIGN_IN_COOLDOWN_MIN_DAYS {
        return Err(format!("A sign-in trigger waits at least {SIGN_IN_COOLDOWN_MIN_DAYS} day between messages."));
    }
    Ok(())
}

/// A product received at a store that had none of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Restock {
    /// In this order: the first restock is the earliest, ties broken by store, SKU and operation,
    /// the same on every instance and every pass.
    pub at: i64,
    pub store_id: Uuid,
    pub sku: String,
    pub op: String,
    pub store: String,
    pub model: String,
}

impl Restock {
    /// The fact's key: the operation that brought it in, the same whatever arrives later.
    pub fn key(&self) -> String {
        format!("{}:{}:{}", self.store_id, self.sku, self.op)
    }
}

/// For each product, its first restock at or after `since` (a trigger's `active_since`): a
/// product back at many stores sets a trigger off once per follower — 10,000 followers of a
/// product back at 500 stores are 10,000 facts, not five million — and a restock before the
/// trigger was active hides none after it.
pub fn first_restocks(restocks: &[Restock], since: i64) -> std::collections::BTreeMap<&str, &Restock> {
    let mut first: std::collections::BTreeMap<&str, &Restock> = Default::default();
    for r in restocks.iter().filter(|r| r.at >= since) {
        let slot = first.entry(r.model.as_str()).or_insert(r);
        if r < *slot {
            *slot = r;
        }
    }
    first
}

/// A message a pass is about to write, and whether what is stored already holds it back (the
/// trigger paused, the customer declined, this fact sent, or one within the cooldown of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<'a> {
    pub trigger: Uuid,
    pub user: Uuid,
    pub fact_key: &'a str,
    pub fact_at: i64,
    pub held: bool,
}

/// Whether two facts of one trigger and customer clash: the same fact, or closer than
/// `cooldown_secs`. A trigger sends a customer at most one message per clash.
pub fn clashes(key: &str, at: i64, other_key: &str, other_at: i64, cooldown_secs: i64) -> bool {
    key == other_key || (other_at > at.saturating_sub(cooldown_secs) && other_at < at.saturating_add(cooldown_secs))
}

/// A message a trigger sent a customer before: its fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentFact {
    pub fact_key: String,
    pub fact_at: i64,
}

/// What is stored that bears on a message about to be written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stored {
    pub trigger_active: bool,
    pub customer_declined: bool,
    /// What its trigger sent its customer of the same fact or near it.
    pub sent: Vec<SentFact>,
}

/// Whether what is stored holds a message back: its trigger paused, its customer declined, or a
/// message sent before for a fact that clashes with its own.
pub fn held(stored: &Stored, fact_key: &str, fact_at: i64, cooldown_secs: i64) -> bool {
    !stored.trigger_active
        || stored.customer_declined
        || stored.sent.iter().any(|s| clashes(fact_key, fact_at, &s.fact_key, s.fact_at, cooldown_secs))
}

/// Which of a batch of messages are written: those not held back by what is stored, nor by a
/// message admitted before them in the same batch (the same fact, or a fact of the same trigger
/// and customer closer than `cooldown_secs`). The storage reads the stored rows for the whole
/// batch under one lock per (trigger, customer); this decides, the same on every backend.
pub fn admit(candidates: &[Candidate<'_>], cooldown_secs: i64) -> Vec<bool> {
    let mut admitted: std::collections::HashMap<(Uuid, Uuid), Vec<(&str, i64)>> = Default::default();
    candidates
        .iter()
        .map(|c| {
            if c.held {
                return false;
            }
            let sent = admitted.entry((c.trigger, c.user)).or_default();
            let clash = sent.iter().any(|(key, at)| clashes(c.fact_key, c.fact_at, key, *at, cooldown_secs));
            if !clash {
                sent.push((c.fact_key, c.fact_at));
            }
            !clash
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_rows_hold_a_message_back_when_paused_declined_or_within_the_cooldown() {
        let sent = |key: &str, at| SentFact { fact_key: key.into(), fact_at: at };
        let live = Stored { trigger_active: true, customer_declined: false, sent: vec![] };
        assert!(!held(&live, "k", 1_000, 100));
        assert!(held(&Stored { trigger_active: false, ..live.clone() }, "k", 1_000, 100), "paused");
        assert!(held(&Stored { customer_declined: true, ..live.clone() }, "k", 1_000, 100), "declined");
        assert!(held(&Stored { sent: vec![sent("k", 0)], ..live.clone() }, "k", 1_000, 100), "this fact");
        assert!(held(&Stored { sent: vec![sent("j", 901)], ..live.clone() }, "k", 1_000, 100), "within");
        assert!(!held(&Stored { sent: vec![sent("j", 900)], ..live.clone() }, "k", 1_000, 100), "just outside");
        assert!(!held(&Stored { sent: vec![sent("j", 1_100)], ..live }, "k", 1_000, 100), "just outside after");
    }

    fn fact(kind: TriggerKind, at: i64) -> Fact {
        Fact { user: Uuid::nil(), kind, key: "k".into(), at, model: None, store: None }
    }

    #[test]
    fn a_fact_sets_off_an_active_trigger_of_its_kind_made_before_it_and_recent() {
        let now = 1_000_000;
        let rule = Rule { kind: TriggerKind::AfterPurchase, active: true, active_since: now - 100 };
        assert!(sets_off(&rule, &fact(TriggerKind::AfterPurchase, now - 10), true, now));
        assert!(!sets_off(&rule, &fact(TriggerKind::AfterSignIn, now - 10), true, now), "another kind");
        assert!(!sets_off(&rule, &fact(TriggerKind::AfterPurchase, now - 10), false, now), "declined");
        assert!(!sets_off(&rule, &fact(TriggerKind::AfterPurchase, now - 200), true, now), "before the trigger");
        assert!(!sets_off(&Rule { active: false, ..rule.clone() }, &fact(TriggerKind::AfterPurchase, now), true, now));
        let old = Rule { active_since: 0, ..rule.clone() };
        assert!(!sets_off(&old, &fact(TriggerKind::AfterPurchase, now - FACT_MAX_AGE_SECS - 1), true, now), "too old");
        assert!(!sets_off(&old, &fact(TriggerKind::AfterPurchase, now + 3_600), true, now), "from the future");
    }

    #[test]
    fn birthdays_are_month_and_day_and_the_29th_of_february_is_kept_on_the_28th() {
        for ok in ["01-01", "02-29", "12-31", "04-30"] {
            assert!(valid_birthday(ok), "{ok}");
        }
        for bad in ["", "1-01", "13-01", "00-10", "04-31", "02-30", "01/01", "0a-01", "01-011", "１２-01"] {
            assert!(!valid_birthday(bad), "{bad}");
        }
        assert_eq!(birthdays_on(2026, 2, 28), ["02-28", "02-29"]);
        assert_eq!(birthdays_on(2028, 2, 28), ["02-28"]);
        assert_eq!(birthdays_on(2026, 11, 30), ["11-30"]);
    }

    #[test]
    fn templates_take_known_placeholders_within_their_lengths() {
        let t = |title: &str, cooldown_days| NewTrigger {
            name: "After a TV".into(),
            kind: TriggerKind::AfterPurchase,
            title_zh: title.into(),
            title_en: "For your {product}".into(),
            body_zh: "在{store}购买".into(),
            body_en: "Bought at {store}".into(),
            cooldown_days,
        };
        assert!(check(&t("为您的{product}", 7)).is_ok());
        assert!(check(&t("为您的{name}", 7)).unwrap_err().contains("only {product}"));
        assert!(check(&t("", 7)).is_err());
        assert!(check(&t(&"长".repeat(81), 7)).is_err());
        assert!(check(&t("ok", 366)).is_err());
        let sign_in =
            |title: &str, cooldown_days| NewTrigger { kind: TriggerKind::AfterSignIn, ..t(title, cooldown_days) };
        let plain = |title: &str| NewTrigger {
            body_zh: "欢迎".into(),
            body_en: "Welcome".into(),
            title_en: "Hi".into(),
            ..sign_in(title, 1)
        };
        assert!(check(&plain("欢迎回来")).is_ok());
        assert!(check(&plain("为您的{product}")).unwrap_err().contains("no product"), "a sign-in has no product");
        assert!(check(&NewTrigger { cooldown_days: 0, ..plain("欢迎回来") }).is_err(), "a sign-in waits a day");
        assert_eq!(fill_title("For your {product} from {store}", "65E8K", "SH-001"), "For your 65E8K from SH-001");
        assert_eq!(fill_title("For {product}", "a {store} b", "X"), "For a {store} b", "filled once");
        assert_eq!(fill_title("{x} {product}", "P", ""), "{x} P");
        assert_eq!(fill_title(&"{product}".repeat(10), &"长".repeat(20), "").chars().count(), 80, "cut after filling");
    }

    #[test]
    fn a_product_back_at_many_stores_is_one_fact_named_by_its_first_restock_since_the_trigger() {
        let restock = |at: i64, store: u128, op: &str| Restock {
            at,
            store_id: Uuid::from_u128(store),
            sku: "TV-1".into(),
            op: op.into(),
            store: format!("store {store}"),
            model: "TV".into(),
        };
        let all: Vec<Restock> =
            vec![restock(100, 3, "c"), restock(50, 9, "a"), restock(100, 2, "b"), restock(100, 2, "a")];
        let first = first_restocks(&all, 0);
        assert_eq!(first.len(), 1);
        assert_eq!(first["TV"], &restock(50, 9, "a"));
        // Active since 60: the one before hides nothing; of three at once, the same one always.
        assert_eq!(first_restocks(&all, 60)["TV"], &restock(100, 2, "a"));
        let mut reversed = all.clone();
        reversed.reverse();
        assert_eq!(first_restocks(&reversed, 60)["TV"], &restock(100, 2, "a"));
        assert!(first_restocks(&all, 101).is_empty());
    }

    #[test]
    fn a_batch_admits_one_message_per_fact_and_cooldown_beside_what_is_stored() {
        let (t, other_t, ann, bob) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(4));
        let day = 86_400;
        let c = |trigger, user, fact_key, fact_at, held| Candidate { trigger, user, fact_key, fact_at, held };
        let batch = [
            c(t, ann, "sale-1", 0, false),
            c(t, ann, "sale-2", 3 * day, false),       // within a week of sale-1
            c(t, ann, "sale-3", 7 * day, false),       // a week after: sent
            c(t, ann, "sale-3", 20 * day, false),      // the same fact again
            c(t, bob, "sale-1", 0, true),              // held by what is stored
            c(t, bob, "sale-4", 30 * day, false),      // a held one admits nothing, holds nothing
            c(other_t, ann, "sale-2", 3 * day, false), // another trigger
        ];
        assert_eq!(admit(&batch, 7 * day), [true, false, true, false, false, true, true]);
        // Without a cooldown, once per fact still.
        assert_eq!(admit(&batch[..4], 0), [true, true, true, false]);
    }
}
