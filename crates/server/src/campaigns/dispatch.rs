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
use crate::{
    common::now,
    db::{OutboundMessage, OutboundOutcome},
    error::AppResult,
    gateways::{smtp::Mail, PushFailure, PushNote, SendFailure},
};

/// Messages claimed at a time.
const CLAIM: u32 = 200;
/// How long a claim is this instance's: past it, another dispatcher sends the message again.
const LEASE_SECS: i64 = 120;
/// Messages handed over at once (each gateway keeps to its own rate).
const IN_FLIGHT: usize = 64;
/// How long one pass keeps dispatching before it lets the next begin.
const PASS_BUDGET: Duration = Duration::from_secs(5);

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
                Some(Content { link: link.as_ref().map(link_path), words })
            });
            known.insert(m.campaign, content);
        }
        Ok(())
    }

    /// One pass: claims and hands over until nothing is due or the budget is spent.
    pub async fn dispatch_pass(&self) -> AppResult<DispatchReport> {
        let started = Instant::now();
        let mut report = DispatchReport::default();
        let mut known: HashMap<Uuid, Option<Content>> = HashMap::new();
        loop {
            let at = now();
            let batch = self.outbound.claim_outbound(at, at + LEASE_SECS, CLAIM).await?;
            report.claimed += batch.len() as u32;
            self.contents(&batch, &mut known).await?;
            let known = &known;
            let settled: Vec<(OutboundMessage, OutboundOutcome)> = futures_util::stream::iter(batch.iter().cloned())
                .map(|m| async move {
                    let outcome = match known.get(&m.campaign).cloned().flatten() {
                        Some(content) => self.hand_over(&m, &content).await,
                        None => OutboundOutcome::Failed { error: "the campaign is gone".into() },
                    };
                    (m, outcome)
                })
                .buffer_unordered(IN_FLIGHT)
                .collect()
                .await;
            for (m, outcome) in settled {
                match &outcome {
                    OutboundOutcome::Sent { .. } => report.sent += 1,
                    OutboundOutcome::Retry { .. } => report.retried += 1,
                    OutboundOutcome::Failed { error } => {
                        report.failed += 1;
                        tracing::info!(message = %m.id, campaign = %m.campaign, channel = ?m.channel, error, "a gateway message failed");
                    }
                }
                if !self.outbound.settle_outbound(m.id, m.attempt, outcome, now()).await? {
                    tracing::warn!(message = %m.id, "a gateway message was claimed again before it was settled");
                }
            }
            if (batch.len() as u32) < CLAIM || started.elapsed() >= PASS_BUDGET {
                return Ok(report);
            }
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
                match sms.send_marketing(phone, template, &m.id.simple().to_string()).await {
                    Ok(provider_id) => OutboundOutcome::Sent { provider_id },
                    Err(SendFailure::Throttled(e) | SendFailure::Unavailable(e)) => {
                        OutboundOutcome::Retry { at: retry_at(m.attempt, now()), error: e }
                    }
                    Err(e @ (SendFailure::BadRecipient(_) | SendFailure::Refused(_))) => failed(&e.to_string()),
                }
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
        match email.send(&mail).await {
            Ok(provider_id) => OutboundOutcome::Sent { provider_id },
            Err(SendFailure::Throttled(e) | SendFailure::Unavailable(e)) => {
                OutboundOutcome::Retry { at: retry_at(m.attempt, now()), error: e }
            }
            Err(e @ (SendFailure::BadRecipient(_) | SendFailure::Refused(_))) => failed(&e.to_string()),
        }
    }

    /// Pushes to each of the person's devices a configured service reaches: sent when any took
    /// it (the others are not pushed again), tried again when none did but some may later.
    async fn push_to_devices(&self, m: &OutboundMessage, content: &Content) -> OutboundOutcome {
        let devices = match self.outbound.devices_of(m.user).await {
            Ok(d) => d,
            Err(e) => return OutboundOutcome::Retry { at: retry_at(m.attempt, now()), error: e.to_string() },
        };
        let (mut taken, mut later, mut refused) = (Vec::new(), None, None);
        for device in &devices {
            let Some(gateway) = self.gateways.push_for(device) else { continue };
            let english = device.language == "en";
            let words = &content.words;
            let note = PushNote {
                title: if english { words.title_en.clone() } else { words.title_zh.clone() },
                body: if english { words.body_en.clone() } else { words.body_zh.clone() },
                id: m.id.to_string(),
                link: content.link.clone(),
            };
            match gateway.push(&device.token, &note).await {
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
