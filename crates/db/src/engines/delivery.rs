//! Delivering a batch of campaign messages, decided once over the rows a backend supplies: the
//! backend claims due deliveries of running campaigns (skipping rows another sender holds),
//! supplies the campaigns and the people's preferences, and locks each person's count for the
//! day before it is read; `portal_campaigns::policy` decides now, later or never; the messages,
//! the counts and every delivery's new state are written in the same transaction. A message to
//! the app (push or inbox) is one inbox message per person and campaign, which the app announces.
use std::collections::{HashMap, HashSet};

use portal_api::{CampaignContent, CouponTerms, DeepLink, MessageChannel, TriggerKind};
use portal_campaigns::{
    policy::{decide, Caps, Decision, Preferences, Purpose, Sent},
    quiet::{local_day_number, zone, QuietHours},
};
use uuid::Uuid;

use crate::{DbResult, DeliveryReport, InboxRow, PreferencesRow, DEFAULT_TIME_ZONE};

/// A delivery the backend claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub campaign: Uuid,
    pub user: Uuid,
    pub channel: MessageChannel,
}

/// What a message needs of its campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFacts {
    pub id: Uuid,
    pub name: String,
    pub category: String,
    /// JSON of `CampaignContent`.
    pub content: String,
    pub ends_at: Option<i64>,
    /// JSON of the `CouponTerms` each person reached gets, if any.
    pub coupon: Option<String>,
}

/// A coupon issued with a person's message (one per campaign and person).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCoupon {
    pub id: Uuid,
    pub campaign: Uuid,
    pub user: Uuid,
    pub issued_at: i64,
    pub valid_until: i64,
}

/// A message for an outside gateway (SMS, e-mail, mobile push), once per campaign, person and
/// channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbound {
    pub id: Uuid,
    pub campaign: Uuid,
    pub user: Uuid,
    pub channel: MessageChannel,
}

/// A person's count of marketing messages on a channel on their local day.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountKey {
    pub user: Uuid,
    pub channel: MessageChannel,
    /// The person's local day, as days since 1970.
    pub day: i64,
}

/// Where a person stands when their message is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub user: Uuid,
    pub exists: bool,
    pub locked: bool,
    pub declined: bool,
}

/// Why a person may not be messaged now, if they may not (one the backend said nothing of is
/// taken for gone: never messaged on a missing answer).
fn blocked(standing: Option<&Standing>) -> Option<&'static str> {
    match standing {
        None => Some("gone"),
        Some(s) if !s.exists => Some("gone"),
        Some(s) if s.locked => Some("locked"),
        Some(s) if s.declined => Some("declined"),
        Some(_) => None,
    }
}

/// How a claimed delivery ends this pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    Sent,
    /// Queued again, due at this time.
    Deferred(i64),
    Skipped(&'static str),
}

/// The rows a batch reads and writes, inside one transaction of a backend.
pub trait DeliveryRows {
    /// Locks and reads up to `limit` queued deliveries due by `now` of campaigns running and not
    /// ended, campaign by campaign (the oldest first), each one's earliest due first; rows another
    /// transaction holds are skipped. A campaign's row is held shared until the transaction ends,
    /// so a stop or pause waits for the batches already sending.
    fn claim(&mut self, now: i64, limit: u32) -> DbResult<Vec<Claimed>>;
    /// Where each of these people stands now: whether the account exists, is locked, declined
    /// tracking and offers.
    fn standing(&mut self, users: &[Uuid]) -> DbResult<Vec<Standing>>;
    /// Of these people, those with a device a push service reaches (a token from one).
    fn with_push_devices(&mut self, users: &[Uuid]) -> DbResult<Vec<Uuid>>;
    fn campaigns(&mut self, ids: &[Uuid]) -> DbResult<Vec<CampaignFacts>>;
    /// The preferences of those who set them.
    fn preferences(&mut self, users: &[Uuid]) -> DbResult<Vec<PreferencesRow>>;
    /// Locks each count (made at zero when missing), in the order given, and reads it.
    fn lock_counts(&mut self, keys: &[CountKey]) -> DbResult<Vec<u32>>;
    fn add_counts(&mut self, keys: &[(CountKey, u32)]) -> DbResult<()>;
    /// Writes the messages into the people's inboxes (once per campaign and person).
    fn write_inbox(&mut self, messages: &[InboxRow]) -> DbResult<()>;
    /// Issues the coupons (once per campaign and person: one already issued stays as it is).
    fn issue_coupons(&mut self, coupons: &[NewCoupon]) -> DbResult<()>;
    /// Queues messages for the gateways, due at `at` (once per campaign, person and channel: one
    /// already queued stays as it is).
    fn queue_outbound(&mut self, messages: &[NewOutbound], at: i64) -> DbResult<()>;
    fn settle(&mut self, settled: &[(Claimed, Settled)], at: i64) -> DbResult<()>;
}

/// A person's kept preferences as the policy reads them (an unknown zone: the default one).
pub fn preferences_of(row: &PreferencesRow) -> Preferences {
    Preferences {
        time_zone: zone(&row.time_zone).or_else(|| zone(DEFAULT_TIME_ZONE)).expect("the default zone exists"),
        quiet: row.quiet.and_then(|(start, end)| QuietHours::new(start, end)),
        marketing_consent: row.marketing,
        channels_off: row.channels_off.clone(),
        categories_off: row.categories_off.clone(),
        services_off: vec![],
    }
}

/// Claims, decides and settles one batch. `gateways` are the channels an outside gateway is
/// configured for: a text or an e-mail without one is skipped, a push without one reaches the app
/// through its inbox and live channel only.
pub fn deliver(
    rows: &mut impl DeliveryRows,
    now: i64,
    limit: u32,
    caps: Caps,
    gateways: &[MessageChannel],
) -> DbResult<DeliveryReport> {
    let claimed = rows.claim(now, limit)?;
    let mut report = DeliveryReport { claimed: claimed.len() as u32, ..Default::default() };
    if claimed.is_empty() {
        return Ok(report);
    }
    let campaign_ids: Vec<Uuid> = claimed.iter().map(|c| c.campaign).collect::<HashSet<_>>().into_iter().collect();
    let campaigns: HashMap<Uuid, CampaignFacts> =
        rows.campaigns(&campaign_ids)?.into_iter().map(|c| (c.id, c)).collect();
    let mut users: Vec<Uuid> = claimed.iter().map(|c| c.user).collect();
    users.sort();
    users.dedup();
    let standing: HashMap<Uuid, Standing> = rows.standing(&users)?.into_iter().map(|s| (s.user, s)).collect();
    // Only people with a phone a push service reaches get a push through one; the app's inbox and
    // live channel reach everyone else.
    let pushable: HashSet<Uuid> = if gateways.contains(&MessageChannel::Push) {
        rows.with_push_devices(&users)?.into_iter().collect()
    } else {
        HashSet::new()
    };
    let kept: HashMap<Uuid, PreferencesRow> = rows.preferences(&users)?.into_iter().map(|p| (p.user, p)).collect();
    let prefs: HashMap<Uuid, Preferences> =
        users.iter().map(|u| (*u, preferences_of(kept.get(u).unwrap_or(&PreferencesRow::default_for(*u))))).collect();
    // Each person's count for their own day, locked in one order before it is read.
    let key_of = |c: &Claimed| CountKey {
        user: c.user,
        channel: c.channel,
        day: local_day_number(now, prefs[&c.user].time_zone),
    };
    let mut keys: Vec<CountKey> = claimed.iter().map(key_of).collect();
    keys.sort();
    keys.dedup();
    let counts = rows.lock_counts(&keys)?;
    let mut today: HashMap<CountKey, u32> = keys.iter().cloned().zip(counts).collect();
    let mut added: HashMap<CountKey, u32> = HashMap::new();
    let mut settled = Vec::with_capacity(claimed.len());
    let mut messages: Vec<InboxRow> = Vec::new();
    let mut coupons: Vec<NewCoupon> = Vec::new();
    let mut outbound: Vec<NewOutbound> = Vec::new();
    let mut written: HashSet<(Uuid, Uuid)> = HashSet::new();
    for c in claimed {
        let Some(campaign) = campaigns.get(&c.campaign) else {
            settled.push((c, Settled::Skipped("campaign_gone")));
            report.skipped += 1;
            continue;
        };
        if let Some(why) = blocked(standing.get(&c.user)) {
            settled.push((c, Settled::Skipped(why)));
            report.skipped += 1;
            continue;
        }
        let key = key_of(&c);
        let sent = Sent { today: today[&key], this_campaign: 0, last_from_campaign: None };
        let purpose = Purpose::Marketing { category: campaign.category.clone() };
        let outcome = match decide(&purpose, c.channel, &prefs[&c.user], caps, sent, now) {
            Decision::Now => match c.channel {
                MessageChannel::Push | MessageChannel::Inbox => {
                    if written.insert((c.campaign, c.user)) {
                        messages.push(inbox_row(campaign, c.user, now));
                        if let Some(terms) = coupon_terms(campaign) {
                            coupons.push(NewCoupon {
                                id: Uuid::now_v7(),
                                campaign: c.campaign,
                                user: c.user,
                                issued_at: now,
                                valid_until: terms.valid_until,
                            });
                        }
                    }
                    if c.channel == MessageChannel::Push && pushable.contains(&c.user) {
                        outbound.push(NewOutbound {
                            id: Uuid::now_v7(),
                            campaign: c.campaign,
                            user: c.user,
                            channel: c.channel,
                        });
                    }
                    *today.get_mut(&key).expect("every key was read") += 1;
                    *added.entry(key).or_default() += 1;
                    Settled::Sent
                }
                MessageChannel::Sms | MessageChannel::Email if gateways.contains(&c.channel) => {
                    outbound.push(NewOutbound {
                        id: Uuid::now_v7(),
                        campaign: c.campaign,
                        user: c.user,
                        channel: c.channel,
                    });
                    *today.get_mut(&key).expect("every key was read") += 1;
                    *added.entry(key).or_default() += 1;
                    Settled::Sent
                }
                MessageChannel::Sms | MessageChannel::Email => Settled::Skipped("no_gateway"),
            },
            Decision::Later { at, .. } if campaign.ends_at.is_some_and(|end| at >= end) => {
                Settled::Skipped("ends_first")
            }
            Decision::Later { at, .. } => Settled::Deferred(at),
            Decision::Never(why) => Settled::Skipped(never_reason(why)),
        };
        match outcome {
            Settled::Sent => report.sent += 1,
            Settled::Deferred(_) => report.deferred += 1,
            Settled::Skipped(_) => report.skipped += 1,
        }
        settled.push((c, outcome));
    }
    if !messages.is_empty() {
        // In one order, so that two batches writing to the same people never wait on each other
        // crosswise.
        messages.sort_by_key(|m| (m.trigger_id, m.user_id));
        rows.write_inbox(&messages)?;
    }
    if !coupons.is_empty() {
        coupons.sort_by_key(|c| (c.campaign, c.user));
        rows.issue_coupons(&coupons)?;
    }
    if !outbound.is_empty() {
        outbound.sort_by_key(|o| (o.campaign, o.user, o.channel));
        rows.queue_outbound(&outbound, now)?;
    }
    let mut added: Vec<(CountKey, u32)> = added.into_iter().collect();
    added.sort();
    rows.add_counts(&added)?;
    rows.settle(&settled, now)?;
    Ok(report)
}

/// Why the policy says never, as a delivery keeps it.
pub fn never_reason(why: portal_campaigns::policy::Never) -> &'static str {
    use portal_campaigns::policy::Never::*;
    match why {
        NoConsent => "no_consent",
        ChannelOff => "channel_off",
        CategoryOff => "category_off",
        ServiceOff => "service_off",
        CampaignCap => "campaign_cap",
        ReEntry => "re_entry",
    }
}

/// The coupon terms a campaign issues, if it issues one.
fn coupon_terms(campaign: &CampaignFacts) -> Option<CouponTerms> {
    campaign.coupon.as_deref().and_then(|c| serde_json::from_str(c).ok())
}

/// The inbox message a campaign leaves a person (its list at the inbox placement names the
/// deep-linked product, if any; a campaign with a coupon and no other link leads to the wallet).
fn inbox_row(campaign: &CampaignFacts, user: Uuid, now: i64) -> InboxRow {
    let mut content: CampaignContent = serde_json::from_str(&campaign.content).unwrap_or_default();
    if campaign.coupon.is_some() && matches!(content.deep_link, None | Some(DeepLink::Inbox)) {
        content.deep_link = Some(DeepLink::Wallet);
    }
    let models = match &content.deep_link {
        Some(DeepLink::Product { model }) => vec![model.clone()],
        _ => vec![],
    };
    InboxRow {
        id: Uuid::now_v7(),
        user_id: user,
        trigger_id: campaign.id,
        fact_key: "campaign".into(),
        kind: TriggerKind::Campaign,
        title_zh: content.title_zh,
        title_en: content.title_en,
        body_zh: content.body_zh,
        body_en: content.body_en,
        recommendation: Uuid::now_v7(),
        models,
        link: content.deep_link,
        created_at: now,
        fact_at: now,
        trigger_name: campaign.name.clone(),
    }
}
