//! Whether one message may go to one person on one channel: now, later (and when), or never (and
//! why). One policy for every sender: the person's consent and opt-outs, frequency caps (per
//! local day, per campaign, and how soon a campaign may reach someone again), and quiet hours in
//! their own time zone. Service messages (orders, security, service requests) pass caps and quiet
//! hours but not their own opt-out; security messages (sign-in codes) cannot be opted out.
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::quiet::{earliest, next_local_midnight, QuietHours};

pub use portal_api::MessageChannel as Channel;

/// Whether a message on this channel interrupts (quiet hours hold it back).
pub fn interrupts(channel: Channel) -> bool {
    matches!(channel, Channel::Push | Channel::Sms)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    Orders,
    Security,
    ServiceRequests,
}

/// What a message is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Purpose {
    /// A campaign's or a trigger's message, of a category people can opt out of.
    Marketing {
        category: String,
    },
    Service {
        service: ServiceKind,
    },
}

/// What a person chose, and where they are.
#[derive(Debug, Clone, PartialEq)]
pub struct Preferences {
    pub time_zone: Tz,
    pub quiet: Option<QuietHours>,
    /// Consent to marketing at all (the privacy screen's choice).
    pub marketing_consent: bool,
    /// Marketing on these channels is off.
    pub channels_off: Vec<Channel>,
    /// Marketing of these categories is off.
    pub categories_off: Vec<String>,
    /// These service messages are off on these channels (security ones cannot be).
    pub services_off: Vec<(ServiceKind, Channel)>,
}

/// How often marketing may reach one person on one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caps {
    /// Messages a local day, across campaigns.
    pub per_day: u32,
    /// Messages from one campaign (a recurring or triggered one sends more than once).
    pub per_campaign: u32,
    /// Seconds before a campaign may reach the same person again.
    pub reentry_secs: i64,
}

impl Default for Caps {
    fn default() -> Self {
        Caps { per_day: 2, per_campaign: 1, reentry_secs: 7 * 86_400 }
    }
}

/// What already went to this person on this channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sent {
    /// Marketing messages in their current local day.
    pub today: u32,
    /// Messages of this campaign, ever.
    pub this_campaign: u32,
    /// When this campaign last reached them.
    pub last_from_campaign: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Later {
    QuietHours,
    DailyCap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Never {
    NoConsent,
    ChannelOff,
    CategoryOff,
    ServiceOff,
    CampaignCap,
    ReEntry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Now,
    Later { at: i64, why: Later },
    Never(Never),
}

/// The decision for one message at `now` (unix seconds).
pub fn decide(purpose: &Purpose, channel: Channel, prefs: &Preferences, caps: Caps, sent: Sent, now: i64) -> Decision {
    match purpose {
        Purpose::Service { service } => {
            let off = *service != ServiceKind::Security && prefs.services_off.contains(&(*service, channel));
            if off {
                Decision::Never(Never::ServiceOff)
            } else {
                Decision::Now
            }
        }
        Purpose::Marketing { category } => {
            if !prefs.marketing_consent {
                return Decision::Never(Never::NoConsent);
            }
            if prefs.channels_off.contains(&channel) {
                return Decision::Never(Never::ChannelOff);
            }
            if prefs.categories_off.iter().any(|c| c == category) {
                return Decision::Never(Never::CategoryOff);
            }
            if sent.this_campaign >= caps.per_campaign {
                return Decision::Never(Never::CampaignCap);
            }
            if sent.last_from_campaign.is_some_and(|last| now.saturating_sub(last) < caps.reentry_secs) {
                return Decision::Never(Never::ReEntry);
            }
            let quiet = interrupts(channel).then_some(prefs.quiet).flatten();
            if sent.today >= caps.per_day {
                let at = earliest(next_local_midnight(now, prefs.time_zone), prefs.time_zone, quiet);
                return Decision::Later { at, why: Later::DailyCap };
            }
            match earliest(now, prefs.time_zone, quiet) {
                at if at > now => Decision::Later { at, why: Later::QuietHours },
                _ => Decision::Now,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quiet::zone;

    fn prefs(tz: &str) -> Preferences {
        Preferences {
            time_zone: zone(tz).unwrap(),
            quiet: QuietHours::new(21 * 60, 8 * 60),
            marketing_consent: true,
            channels_off: vec![],
            categories_off: vec![],
            services_off: vec![],
        }
    }
    fn promo() -> Purpose {
        Purpose::Marketing { category: "promotions".into() }
    }
    /// Hours and minutes after 2026-12-07 00:00 UTC (08:00 in Shanghai).
    fn at(h: i64, m: i64) -> i64 {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap().and_hms_opt(0, 0, 0).unwrap();
        day.and_utc().timestamp() + h * 3_600 + m * 60
    }

    #[test]
    fn quiet_hours_hold_an_interrupting_message_until_the_persons_own_morning() {
        let now = at(14, 30);
        let shanghai = prefs("Asia/Shanghai");
        let morning = at(24, 0);
        assert_eq!(
            decide(&promo(), Channel::Push, &shanghai, Caps::default(), Sent::default(), now),
            Decision::Later { at: morning, why: Later::QuietHours }
        );
        // The inbox and e-mail do not interrupt; London is awake.
        assert_eq!(decide(&promo(), Channel::Inbox, &shanghai, Caps::default(), Sent::default(), now), Decision::Now);
        assert_eq!(decide(&promo(), Channel::Email, &shanghai, Caps::default(), Sent::default(), now), Decision::Now);
        let london = prefs("Europe/London");
        assert_eq!(decide(&promo(), Channel::Push, &london, Caps::default(), Sent::default(), now), Decision::Now);
    }

    #[test]
    fn caps_stop_a_campaign_repeating_and_hold_the_days_extra_until_tomorrow_morning() {
        let now = at(4, 0); // 12:00 in Shanghai
        let p = prefs("Asia/Shanghai");
        let caps = Caps { per_day: 2, per_campaign: 2, reentry_secs: 3_600 };
        let full_day = Sent { today: 2, ..Sent::default() };
        // Tomorrow's local midnight is inside quiet hours: it goes at 08:00.
        assert_eq!(
            decide(&promo(), Channel::Push, &p, caps, full_day, now),
            Decision::Later { at: at(24, 0), why: Later::DailyCap }
        );
        let twice = Sent { this_campaign: 2, ..Sent::default() };
        assert_eq!(decide(&promo(), Channel::Push, &p, caps, twice, now), Decision::Never(Never::CampaignCap));
        let recent = Sent { this_campaign: 1, last_from_campaign: Some(now - 60), ..Sent::default() };
        assert_eq!(decide(&promo(), Channel::Push, &p, caps, recent, now), Decision::Never(Never::ReEntry));
        let long_ago = Sent { this_campaign: 1, last_from_campaign: Some(now - 7_200), ..Sent::default() };
        assert_eq!(decide(&promo(), Channel::Push, &p, caps, long_ago, now), Decision::Now);
    }

    #[test]
    fn opt_outs_and_consent_are_honoured_and_service_messages_pass_caps_and_quiet_hours() {
        let now = at(14, 30); // night in Shanghai
        let mut p = prefs("Asia/Shanghai");
        let spent = Sent { today: 99, this_campaign: 99, last_from_campaign: Some(now) };
        let orders = Purpose::Service { service: ServiceKind::Orders };
        let security = Purpose::Service { service: ServiceKind::Security };
        assert_eq!(decide(&orders, Channel::Push, &p, Caps::default(), spent, now), Decision::Now);
        p.services_off = vec![(ServiceKind::Orders, Channel::Sms), (ServiceKind::Security, Channel::Sms)];
        assert_eq!(decide(&orders, Channel::Sms, &p, Caps::default(), spent, now), Decision::Never(Never::ServiceOff));
        assert_eq!(decide(&orders, Channel::Push, &p, Caps::default(), spent, now), Decision::Now);
        assert_eq!(decide(&security, Channel::Sms, &p, Caps::default(), spent, now), Decision::Now, "never opted out");
        p.channels_off = vec![Channel::Sms];
        p.categories_off = vec!["birthday".into()];
        let birthday = Purpose::Marketing { category: "birthday".into() };
        assert_eq!(
            decide(&promo(), Channel::Sms, &p, Caps::default(), Sent::default(), now),
            Decision::Never(Never::ChannelOff)
        );
        assert_eq!(
            decide(&birthday, Channel::Inbox, &p, Caps::default(), Sent::default(), now),
            Decision::Never(Never::CategoryOff)
        );
        p.marketing_consent = false;
        assert_eq!(
            decide(&promo(), Channel::Inbox, &p, Caps::default(), Sent::default(), now),
            Decision::Never(Never::NoConsent)
        );
        assert_eq!(decide(&orders, Channel::Inbox, &p, Caps::default(), spent, now), Decision::Now);
    }
}
