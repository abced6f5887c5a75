//! The dispatcher, a loop on every instance: it claims the messages delivery batches queued for
//! the outside gateways (each claimed by one instance under a lease), hands them over several at
//! a time within each provider's rate, and settles each by the gateway's answer. A text goes to
//! the person's verified phone as the campaign's approved template; a push to each of the
//! person's devices whose push service is configured, in the device's language (a token the
//! service calls gone is dropped). Throttling and outages are tried again later, with a growing
//! wait; a refusal fails the message.
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use portal_api::{CampaignContent, DeepLink, MessageChannel};
use uuid::Uuid;

use super::CampaignService;
use portal_campaigns::policy::{decide, Caps, Decision, Purpose, Sent};

use crate::{
    common::now,
    db::{
        engines::delivery::{never_reason, preferences_of},
        OutboundMessage, OutboundOutcome, PreferencesRow,
    },
    error::AppResult,
    gateways::{smtp::Mail, PushFailure, PushNote, SendFailure},
};

/// Messages claimed at a time.
const CLAIM: u32 = 100;
/// How long a claim is this instance's: past it, another dispatcher sends the message again.
const LEASE_SECS: i64 = 300;
/// A claimed message is handed over only while this much of its lease is left (it is settled well
/// before another dispatcher may take it); the rest are left for the lease to lapse.
const LEASE_MARGIN: Duration = Duration::from_secs(90);
/// Messages handed over at once (each gateway keeps to its own rate).
const IN_FLIGHT: usize = 32;
/// How long one pass keeps dispatching before it lets the next begin.
const PASS_BUDGET: Duration = Duration::from_secs(5);
/// How long a push to one device may take before the person's other devices are settled without it.
const PUSH_DEADLINE: Duration = Duration::from_secs(30);

/// What a dispatch pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DispatchReport {
    pub claimed: u32,
    pub sent: u32,
    pub retried: u32,
    pub failed: u32,
}

/// When an attempt that met throttling or an outage is tried again: 30 s, doubling, at most an hour.
pub fn retry_at(attempt: u32, at: i64) -> i64 {
    at + (30i64 << attempt.saturating_sub(1).min(7)).min(3_600)
}

/// What a campaign's message says, and where it leads, for the gateways.
#[derive(Debug, Clone)]
struct Content {
    category: String,
    ends_at: Option<i64>,
    words: CampaignContent,
    /// The app's path for the deep link (`product/TV-55`, `wallet`…).
    link: Option<String>,
}

/// The app's path a deep link opens.
pub fn link_path(link: &DeepLink) -> String {
    match link {
        DeepLink::Product { model } => format!("product/{model}"),
        DeepLink::Category { code } => format!("category/{code}"),
        DeepLink::Inbox => "inbox".into(),
        DeepLink::Wallet => "wallet".into(),
    }
}

impl CampaignService {
    /// The words and link of each campaign among `messages`, read once.
    async fn contents(
        &self,
        messages: &[OutboundMessage],
        known: &mut HashMap<Uuid, Option<Content>>,
    ) -> AppResult<()> {
        for m in messages {
            if known.contains_key(&m.campaign) {
                continue;
            }
            let content = self.campaigns.campaign(m.campaign).await?.and_then(|row| {
                let words: CampaignContent = serde_json::from_str(&row.content).ok()?;
                // As in the inbox: a coupon without another link leads to the wallet.
                let link = match &words.deep_link {
                    None | Some(DeepLink::Inbox) if row.coupon.is_some() => Some(DeepLink::Wallet),
                    other => other.clone(),
                };
                Some(Content {
                    category: row.category,
                    ends_at: row.ends_at,
                    link: link.as_ref().map(link_path),
                    words,
                })
            });
            known.insert(m.campaign, content);
        }
        Ok(())
    }

    /// One pass: claims and hands over until nothing is due or the budget is spent. Each message
    /// is settled as soon as its gateway answers.
    pub async fn dispatch_pass(&self) -> AppResult<DispatchReport> {
        let started = Instant::now();
        let mut report = DispatchReport::default();
        let mut known: HashMap<Uuid, Option<Content>> = HashMap::new();
        loop {
            let at = now();
            let claimed_at = Instant::now();
            let batch = self.outbound.claim_outbound(at, at + LEASE_SECS, CLAIM).await?;
            report.claimed += batch.len() as u32;
            self.contents(&batch, &mut known).await?;
            let known = &known;
            let outcomes: Vec<Option<OutboundOutcome>> = futures_util::stream::iter(batch.iter().cloned())
                .map(|m| async move {
                    // Too late in the lease: left for it to lapse, never sent by two instances.
                    if claimed_at.elapsed() + LEASE_MARGIN > Duration::from_secs(LEASE_SECS as u64) {
                        return None;
                    }
                    let outcome = match known.get(&m.campaign).cloned().flatten() {
                        Some(content) => match self.still_wanted(&m, &content).await {
                            Some(not_now) => not_now,
                            None => self.hand_over(&m, &content).await,
                        },
                        None => OutboundOutcome::Failed { error: "the campaign is gone".into() },
                    };
                    match self.outbound.settle_outbound(m.id, m.attempt, outcome.clone(), now()).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(message = %m.id, "a gateway message was claimed again before it was settled"),
                        Err(e) => tracing::warn!(message = %m.id, error = ?e, "a gateway message could not be settled; its lease will lapse"),
                    }
                    Some(outcome)
                })
                .buffer_unordered(IN_FLIGHT)
                .collect()
                .await;
            for outcome in outcomes.iter().flatten() {
                match outcome {
                    OutboundOutcome::Sent { .. } => report.sent += 1,
                    OutboundOutcome::Retry { .. } | OutboundOutcome::Wait { .. } => report.retried += 1,
                    OutboundOutcome::Failed { .. } => report.failed += 1,
                }
            }
            if (batch.len() as u32) < CLAIM || started.elapsed() >= PASS_BUDGET {
                return Ok(report);
            }
        }
    }

    /// Whether the message should still go now, checked again at hand-over: not to a locked
    /// account, not after its campaign ended, not to someone who opted out since it was queued,
    /// and not inside their quiet hours (it waits for their end). None: send it.
    async fn still_wanted(&self, m: &OutboundMessage, content: &Content) -> Option<OutboundOutcome> {
        let at = now();
        if m.locked {
            return Some(OutboundOutcome::Failed { error: "locked".into() });
        }
        if content.ends_at.is_some_and(|end| end <= at) {
            return Some(OutboundOutcome::Failed { error: "ended".into() });
        }
        let row = match self.delivery.message_preferences(m.user).await {
            Ok(row) => row.unwrap_or_else(|| PreferencesRow::default_for(m.user)),
            Err(e) => return Some(OutboundOutcome::Retry { at: retry_at(m.attempt, at), error: e.to_string() }),
        };
        // Caps were counted when it was queued: only consent, opt-outs and quiet hours now.
        let caps = Caps { per_day: u32::MAX, per_campaign: u32::MAX, reentry_secs: 0 };
        let sent = Sent { today: 0, this_campaign: 0, last_from_campaign: None };
        let purpose = Purpose::Marketing { category: content.category.clone() };
        match decide(&purpose, m.channel, &preferences_of(&row), caps, sent, at) {
            Decision::Now => None,
            Decision::Later { at, .. } if content.ends_at.is_some_and(|end| at >= end) => {
                Some(OutboundOutcome::Failed { error: "ends_first".into() })
            }
            Decision::Later { at, .. } => Some(OutboundOutcome::Wait { at, why: "quiet hours".into() }),
            Decision::Never(why) => Some(OutboundOutcome::Failed { error: never_reason(why).into() }),
        }
    }

    /// Hands one message to its gateway.
    async fn hand_over(&self, m: &OutboundMessage, content: &Content) -> OutboundOutcome {
        let failed = |error: &str| OutboundOutcome::Failed { error: error.to_owned() };
        match m.channel {
            MessageChannel::Sms => {
                let Some(sms) = self.gateways.sms.as_ref() else { return failed("no SMS gateway is configured") };
                let Some(phone) = m.address.as_deref() else { return failed("no verified phone") };
                let template =
                    content.words.sms_template.as_deref().unwrap_or(self.gateways.sms_marketing_template.as_str());
                if template.is_empty() {
                    return failed("no approved marketing template");
                }
                let answer = sms.send_marketing(phone, template, &m.id.simple().to_string()).await;
                settled_by(answer, m.attempt)
            }
            MessageChannel::Push => self.push_to_devices(m, content).await,
            MessageChannel::Email => self.mail(m, content).await,
            MessageChannel::Inbox => failed("no gateway takes this channel"),
        }
    }

    /// Mails the person's verified address, in the language of the device they used last, with
    /// the one-click unsubscribe link.
    async fn mail(&self, m: &OutboundMessage, content: &Content) -> OutboundOutcome {
        let failed = |error: &str| OutboundOutcome::Failed { error: error.to_owned() };
        let Some(email) = self.gateways.email.as_ref() else { return failed("no e-mail gateway is configured") };
        let Some(to) = m.address.clone() else { return failed("no verified e-mail address") };
        let english = match self.outbound.devices_of(m.user).await {
            Ok(devices) => devices.first().is_some_and(|d| d.language == "en"),
            Err(e) => return OutboundOutcome::Retry { at: retry_at(m.attempt, now()), error: e.to_string() },
        };
        let link = format!("{}/v1/unsubscribe/{}", self.gateways.public_url, self.keys.unsubscribe_token(m.user));
        let words = &content.words;
        let (subject, body, footer) = if english {
            (&words.title_en, &words.body_en, "Unsubscribe from marketing e-mail")
        } else {
            (&words.title_zh, &words.body_zh, "退订营销邮件")
        };
        let mail = Mail {
            to,
            subject: subject.clone(),
            text: format!("{body}\n\n--\n{footer}: {link}\n"),
            unsubscribe: Some(link),
            id: m.id.simple().to_string(),
        };
        settled_by(email.send(&mail).await, m.attempt)
    }

    /// Pushes to each of the person's devices a configured service reaches: sent when any took
    /// it (the others are not pushed again), tried again when none did but some may later.
    async fn push_to_devices(&self, m: &OutboundMessage, content: &Content) -> OutboundOutcome {
        let devices = match self.outbound.devices_of(m.user).await {
            Ok(d) => d,
            Err(e) => return OutboundOutcome::Retry { at: retry_at(m.attempt, now()), error: e.to_string() },
        };
        let pushes = devices.iter().filter_map(|device| {
            let gateway = self.gateways.push_for(device)?;
            let words = &content.words;
            let english = device.language == "en";
            let note = PushNote {
                title: if english { words.title_en.clone() } else { words.title_zh.clone() },
                body: if english { words.body_en.clone() } else { words.body_zh.clone() },
                id: m.id.to_string(),
                link: content.link.clone(),
            };
            Some(async move {
                let answer = tokio::time::timeout(PUSH_DEADLINE, gateway.push(&device.token, &note))
                    .await
                    .unwrap_or_else(|_| Err(PushFailure::Later("the push service took too long".into())));
                (device, answer)
            })
        });
        let (mut taken, mut later, mut refused) = (Vec::new(), None, None);
        for (device, answer) in futures_util::future::join_all(pushes).await {
            match answer {
                Ok(id) => taken.push(id),
                Err(PushFailure::TokenGone(why)) => {
                    tracing::info!(provider = device.provider.as_str(), why, "a push token is gone; dropped");
                    if let Err(e) = self.outbound.drop_push_token(device.provider, device.token.clone()).await {
                        tracing::warn!(error = ?e, "a gone push token could not be dropped");
                    }
                }
                Err(PushFailure::Later(why)) => later = Some(why),
                Err(PushFailure::Refused(why)) => refused = Some(why),
            }
        }
        match (taken.is_empty(), later, refused) {
            (false, _, _) => {
                let mut provider_id = taken.join(",");
                provider_id.truncate(500);
                OutboundOutcome::Sent { provider_id }
            }
            (true, Some(error), _) => OutboundOutcome::Retry { at: retry_at(m.attempt, now()), error },
            (true, None, Some(error)) => OutboundOutcome::Failed { error },
            (true, None, None) => OutboundOutcome::Failed { error: "no device a push service reaches".into() },
        }
    }

    /// Runs the dispatcher in the background: again at once while there is more, else after
    /// `every` seconds (none when zero).
    pub fn spawn_dispatcher(&self, every: u64) {
        if every == 0 || self.gateways.channels().is_empty() {
            return;
        }
        let service = self.clone();
        tokio::spawn(async move {
            loop {
                let rest = match service.dispatch_pass().await {
                    Ok(r) if r.claimed >= CLAIM => Duration::ZERO,
                    Ok(r) => {
                        if r != DispatchReport::default() {
                            tracing::info!(?r, "gateway messages dispatched");
                        }
                        Duration::from_secs(every)
                    }
                    Err(e) => {
                        tracing::warn!(error = ?e, "gateway messages could not be dispatched; trying again later");
                        Duration::from_secs(every)
                    }
                };
                tokio::time::sleep(rest).await;
            }
        });
    }
}

/// A text's or an e-mail's outcome from its gateway's answer: a throttle waits without using an
/// attempt; an outage is an attempt tried again later; a refusal is final.
fn settled_by(answer: Result<String, SendFailure>, attempt: u32) -> OutboundOutcome {
    match answer {
        Ok(provider_id) => OutboundOutcome::Sent { provider_id },
        Err(SendFailure::Throttled(why)) => OutboundOutcome::Wait { at: retry_at(attempt, now()), why },
        Err(SendFailure::Unavailable(error)) => OutboundOutcome::Retry { at: retry_at(attempt, now()), error },
        Err(e @ (SendFailure::BadRecipient(_) | SendFailure::Refused(_))) => {
            OutboundOutcome::Failed { error: e.to_string() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retry_waits_longer_each_time_and_never_more_than_an_hour() {
        assert_eq!(retry_at(1, 100), 130);
        assert_eq!(retry_at(2, 100), 160);
        assert_eq!(retry_at(5, 100), 100 + 480);
        assert_eq!(retry_at(8, 0), 3_600);
        assert_eq!(retry_at(u32::MAX, 0), 3_600);
    }

    #[test]
    fn deep_links_become_the_apps_paths() {
        assert_eq!(link_path(&DeepLink::Product { model: "TV-55".into() }), "product/TV-55");
        assert_eq!(link_path(&DeepLink::Category { code: "tv".into() }), "category/tv");
        assert_eq!(link_path(&DeepLink::Wallet), "wallet");
    }
}
