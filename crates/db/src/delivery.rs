//! Delivering campaigns in storage: the audience read in pages (the SQL of its filters, written
//! once for both backends), deliveries queued once per (campaign, person, channel), claimed in
//! batches and settled by `engines::delivery`, counted per state, and a person's preferences.
use async_trait::async_trait;
use portal_api::{Audience, MessageChannel, Role};
use portal_campaigns::policy::Caps;
use uuid::Uuid;

use crate::*;

/// A delivery to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    pub user: Uuid,
    pub channel: MessageChannel,
    /// Measured, not messaged.
    pub held_out: bool,
}

/// How a campaign's deliveries stand.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub queued: u64,
    pub sent: u64,
    pub skipped: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub held_out: u64,
}

/// People, not deliveries: a person reached on two channels counts once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CampaignOutcomes {
    pub reached: u64,
    pub held_out: u64,
    pub opened: u64,
    pub reached_bought: u64,
    pub held_out_bought: u64,
}

impl DeliveryCounts {
    /// Counts `n` deliveries in `state` (as kept); a state it does not know is not counted.
    pub fn add(&mut self, state: &str, n: u64) {
        let slot = match state {
            "queued" => &mut self.queued,
            "sent" => &mut self.sent,
            "skipped" => &mut self.skipped,
            "failed" => &mut self.failed,
            "cancelled" => &mut self.cancelled,
            "held_out" => &mut self.held_out,
            _ => return,
        };
        *slot += n;
    }
}

/// What one pass of the sender did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub claimed: u32,
    pub sent: u32,
    pub deferred: u32,
    pub skipped: u32,
}

/// A person's message preferences as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferencesRow {
    pub user: Uuid,
    pub marketing: bool,
    pub channels_off: Vec<MessageChannel>,
    pub categories_off: Vec<String>,
    /// Minutes after local midnight.
    pub quiet: Option<(u16, u16)>,
    pub time_zone: String,
    pub updated_at: i64,
}

/// The time zone of a person without preferences.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";
/// Quiet hours of a person without preferences: 21:00–08:00.
pub const DEFAULT_QUIET: (u16, u16) = (21 * 60, 8 * 60);

impl PreferencesRow {
    pub fn default_for(user: Uuid) -> Self {
        PreferencesRow {
            user,
            marketing: true,
            channels_off: vec![],
            categories_off: vec![],
            quiet: Some(DEFAULT_QUIET),
            time_zone: DEFAULT_TIME_ZONE.into(),
            updated_at: 0,
        }
    }
}

#[async_trait]
pub trait Delivery: Send + Sync {
    /// How many people the audience holds now.
    async fn audience_size(&self, audience: Audience, now: i64) -> DbResult<u64>;
    /// The audience's people after `after`, by id, at most `limit`.
    async fn audience_page(&self, audience: Audience, now: i64, after: Option<Uuid>, limit: u32)
        -> DbResult<Vec<Uuid>>;
    /// Queues deliveries (each once per campaign, person and channel; held-out ones settled as
    /// such) due at `due_at`, and moves the campaign's mark from `from` to `through` (and marks it
    /// queued whole at `done_at`), in one transaction; false (nothing written) when another
    /// instance moved the mark first.
    async fn queue_deliveries(
        &self,
        campaign: Uuid,
        from: Option<String>,
        through: Option<String>,
        done_at: Option<i64>,
        due_at: i64,
        rows: Vec<NewDelivery>,
    ) -> DbResult<bool>;
    /// Claims up to `limit` deliveries due by `now` of running campaigns (rows another sender
    /// holds are skipped, not waited for) and settles them by each person's preferences and
    /// caps, in one transaction; a text, e-mail or push for `gateways` is queued for its gateway
    /// in the same transaction.
    async fn deliver_due(
        &self,
        now: i64,
        limit: u32,
        caps: Caps,
        gateways: Vec<MessageChannel>,
    ) -> DbResult<DeliveryReport>;
    async fn delivery_counts(&self, campaign: Uuid) -> DbResult<DeliveryCounts>;
    /// What came of a campaign: the people it reached and those held out, the messages read, and
    /// of each group those who bought at a store at or after `since` (its start).
    async fn campaign_outcomes(&self, campaign: Uuid, since: i64) -> DbResult<CampaignOutcomes>;
    /// Whether anything of a campaign is still queued (read from its queue's index, not by
    /// counting every delivery).
    async fn any_queued(&self, campaign: Uuid) -> DbResult<bool>;
    async fn message_preferences(&self, user: Uuid) -> DbResult<Option<PreferencesRow>>;
    async fn set_message_preferences(&self, row: PreferencesRow) -> DbResult<()>;
}

/// A value bound to the audience's SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    Text(String),
    Int(i64),
}

/// The audience's conditions over `users u`, with `?N` placeholders from `first` on (a backend
/// writing `$N` replaces the `?`), and the values they take, in order.
pub fn audience_filter(audience: &Audience, now: i64, first: usize) -> (String, Vec<SqlValue>) {
    let mut values: Vec<SqlValue> = Vec::new();
    let slot = |v: SqlValue, values: &mut Vec<SqlValue>| {
        values.push(v);
        format!("?{}", first + values.len() - 1)
    };
    let list = |items: Vec<SqlValue>, values: &mut Vec<SqlValue>| {
        items.into_iter().map(|v| slot(v, values)).collect::<Vec<_>>().join(", ")
    };
    let text = |ids: &[Uuid]| ids.iter().map(|i| SqlValue::Text(i.to_string())).collect::<Vec<_>>();
    let roles: Vec<Role> = if audience.roles.is_empty() { vec![Role::Consumer] } else { audience.roles.clone() };
    let roles = roles.iter().map(|r| SqlValue::Text(portal_api::wire_name(r))).collect();
    let mut conditions = vec![
        format!("u.role IN ({})", list(roles, &mut values)),
        "NOT EXISTS (SELECT 1 FROM message_preferences p WHERE p.user_id = u.id AND p.marketing = 0)".to_owned(),
        "NOT EXISTS (SELECT 1 FROM account_locks l WHERE l.user_id = u.id)".to_owned(),
        // Who declined tracking gets no offers (as triggers): nothing chosen from their behaviour.
        "NOT EXISTS (SELECT 1 FROM tracking_consent t WHERE t.user_id = u.id AND NOT t.tracking)".to_owned(),
    ];
    for tag in &audience.tags_all {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM customer_tag_members m WHERE m.user_id = u.id AND m.tag_id = {})",
            list(text(&[*tag]), &mut values)
        ));
    }
    if !audience.tags_any.is_empty() {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM customer_tag_members m WHERE m.user_id = u.id AND m.tag_id IN ({}))",
            list(text(&audience.tags_any), &mut values)
        ));
    }
    if !audience.tags_none.is_empty() {
        conditions.push(format!(
            "NOT EXISTS (SELECT 1 FROM customer_tag_members m WHERE m.user_id = u.id AND m.tag_id IN ({}))",
            list(text(&audience.tags_none), &mut values)
        ));
    }
    if !audience.stores.is_empty() || audience.bought_within_days.is_some() {
        let mut sale = vec!["s.customer_id = u.id".to_owned()];
        if !audience.stores.is_empty() {
            sale.push(format!("s.store_id IN ({})", list(text(&audience.stores), &mut values)));
        }
        if let Some(days) = audience.bought_within_days {
            sale.push(format!(
                "s.device_at >= {}",
                list(vec![SqlValue::Int(now - i64::from(days) * 86_400)], &mut values)
            ));
        }
        conditions.push(format!("EXISTS (SELECT 1 FROM sales s WHERE {})", sale.join(" AND ")));
    }
    if !audience.lists.is_empty() {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM audience_list_members a WHERE a.user_id = u.id AND a.list_id IN ({}))",
            list(text(&audience.lists), &mut values)
        ));
    }
    if let Some(days) = audience.active_within_days {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM sessions se WHERE se.user_id = u.id AND se.last_seen_at >= {})",
            list(vec![SqlValue::Int(now - i64::from(days) * 86_400)], &mut values)
        ));
    }
    (conditions.join(" AND "), values)
}

/// `?N` placeholders as PostgreSQL's `$N`.
pub fn dollar_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_filters_given_are_written_and_each_value_has_its_place() {
        let (sql, values) = audience_filter(&Audience::default(), 1_000_000, 1);
        assert!(sql.starts_with("u.role IN (?1)") && !sql.contains("sales") && !sql.contains("customer_tag_members"));
        assert_eq!(values, vec![SqlValue::Text("consumer".into())]);
        let tag = Uuid::from_u128(5);
        let audience = Audience {
            tags_all: vec![tag],
            tags_none: vec![tag, tag],
            bought_within_days: Some(30),
            active_within_days: Some(7),
            ..Default::default()
        };
        let (sql, values) = audience_filter(&audience, 1_000_000, 3);
        assert_eq!(values.len(), 1 + 1 + 2 + 1 + 1);
        assert!(sql.contains("m.tag_id = ?4") && sql.contains("IN (?5, ?6)") && sql.contains("s.device_at >= ?7"));
        assert_eq!(values[4], SqlValue::Int(1_000_000 - 30 * 86_400));
        assert_eq!(dollar_placeholders("a = ?1 AND b IN (?12) AND c = '?'"), "a = $1 AND b IN ($12) AND c = '?'");
    }
}
