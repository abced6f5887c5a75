//! What a campaign's writer sends, checked whole before anything is kept: names and texts within
//! their bounds, a category people can opt out of, channels, a holdout, times that make sense,
//! and an audience of tags that exist and a deep link to something there.
use std::collections::HashSet;

use portal_api::*;

use crate::error::{AppError, AppResult};

/// Tags in one of an audience's lists, at most.
const MAX_TAGS: usize = 20;
/// Stores an audience names, at most.
const MAX_STORES: usize = 200;
/// The longest title, and body, in characters.
const MAX_TITLE: usize = 60;
const MAX_BODY: usize = 500;
/// The longest look back of a behaviour window, in days.
const MAX_WINDOW_DAYS: u32 = 730;
/// The largest holdout, in percent.
pub const MAX_HOLDOUT: u8 = 50;

fn bad(field: &str, message: &str) -> AppError {
    AppError::field(ErrorCode::InvalidParameter, field, message)
}

/// The longest SMS template code.
const MAX_TEMPLATE: usize = 40;

/// Checks a draft against what exists now (`tags`: every tag's id; `gateways`: the channels an
/// outside gateway is configured for; `sms_template`: whether a default marketing template is);
/// `now` in unix seconds.
pub fn draft(
    draft: &CampaignDraft,
    tags: &HashSet<uuid::Uuid>,
    now: i64,
    gateways: &[MessageChannel],
    sms_template: bool,
) -> AppResult<()> {
    let name = draft.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(bad("name", "A name of 1 to 100 characters."));
    }
    let category = draft.category.as_str();
    if category.is_empty()
        || category.len() > 40
        || !category.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(bad("category", "A category of 1 to 40 lower-case letters, digits or _ (promotions, care…)."));
    }
    let c = &draft.content;
    for (field, text, max) in [
        ("content.title_zh", &c.title_zh, MAX_TITLE),
        ("content.title_en", &c.title_en, MAX_TITLE),
        ("content.body_zh", &c.body_zh, MAX_BODY),
        ("content.body_en", &c.body_en, MAX_BODY),
    ] {
        if text.trim().is_empty() || text.chars().count() > max {
            return Err(bad(field, &format!("Write it in both languages, at most {max} characters.")));
        }
    }
    if let Some(DeepLink::Product { model } | DeepLink::Category { code: model }) = &c.deep_link {
        if model.is_empty() || model.len() > 40 {
            return Err(bad("content.deep_link", "Link to a product's model number or a category's code."));
        }
    }
    let channels: HashSet<_> = draft.channels.iter().collect();
    if channels.is_empty() || channels.len() != draft.channels.len() {
        return Err(bad("channels", "Choose one or more channels, each once."));
    }
    if draft.channels.contains(&MessageChannel::Email) && !gateways.contains(&MessageChannel::Email) {
        return Err(bad("channels", "No e-mail gateway is configured on this server: reach people in the app."));
    }
    if let Some(template) = &c.sms_template {
        if template.is_empty()
            || template.len() > MAX_TEMPLATE
            || !template.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(bad(
                "content.sms_template",
                "The SMS provider's code of an approved marketing template (letters, digits, _), such as SMS_123456.",
            ));
        }
    }
    if draft.channels.contains(&MessageChannel::Sms) {
        if !gateways.contains(&MessageChannel::Sms) {
            return Err(bad("channels", "No SMS gateway is configured on this server: reach people in the app."));
        }
        if c.sms_template.is_none() && !sms_template {
            return Err(bad(
                "content.sms_template",
                "Name the approved marketing template the texts go as (it carries the opt-out instruction).",
            ));
        }
    }
    if draft.holdout_percent > MAX_HOLDOUT {
        return Err(bad("holdout_percent", "Hold out 0 to 50 percent."));
    }
    if let Some(start) = draft.starts_at {
        if start < now - 60 {
            return Err(bad("starts_at", "The start time has passed: choose a time ahead, or start it by hand."));
        }
    }
    if let Some(end) = draft.ends_at {
        if end <= draft.starts_at.unwrap_or(now) {
            return Err(bad("ends_at", "It ends after it starts."));
        }
    }
    if let Some(terms) = &draft.coupon {
        coupon(terms, now)?;
        if !draft.channels.iter().any(|c| matches!(c, MessageChannel::Push | MessageChannel::Inbox)) {
            return Err(bad("coupon", "A coupon reaches people's wallets with an app message: choose push or inbox."));
        }
    }
    audience(&draft.audience, tags)
}

/// The longest a coupon stays valid, from now (retention relies on it).
const MAX_COUPON_LIFE_SECS: i64 = crate::db::COUPON_LIFE_SECS;

/// Checks a coupon's terms: a sound benefit and minimum, bounded lists, valid for a time ahead.
pub fn coupon(terms: &CouponTerms, now: i64) -> AppResult<()> {
    if portal_campaigns::coupon::check_terms(terms).is_err() || terms.min_spend > 100_000_000_00 {
        return Err(bad(
            "coupon.benefit",
            "A sum off above zero, or 1 to 99 percent (with a positive cap, if any); a minimum spend of zero or more; \
             valid until after it starts.",
        ));
    }
    if let CouponBenefit::AmountOff { fen } = terms.benefit {
        if fen > 100_000_00 {
            return Err(bad("coupon.benefit", "At most ¥100,000 off."));
        }
    }
    if terms.models.len() > 50 || terms.models.iter().any(|m| m.is_empty() || m.len() > 40) {
        return Err(bad("coupon.models", "At most 50 model numbers."));
    }
    if terms.categories.len() > 20 || terms.categories.iter().any(|c| c.is_empty() || c.len() > 40) {
        return Err(bad("coupon.categories", "At most 20 category codes."));
    }
    if terms.stores.len() > MAX_STORES {
        return Err(bad("coupon.stores", "At most 200 stores."));
    }
    if terms.valid_until <= now || terms.valid_until > now + MAX_COUPON_LIFE_SECS {
        return Err(bad("coupon.valid_until", "Valid until a time ahead, at most two years from now."));
    }
    Ok(())
}

/// Checks an audience: tags that exist, each role once, bounded stores and windows.
pub fn audience(a: &Audience, tags: &HashSet<uuid::Uuid>) -> AppResult<()> {
    for (field, list) in
        [("audience.tags_all", &a.tags_all), ("audience.tags_any", &a.tags_any), ("audience.tags_none", &a.tags_none)]
    {
        if list.len() > MAX_TAGS {
            return Err(bad(field, "At most 20 tags in each list."));
        }
        if let Some(unknown) = list.iter().find(|t| !tags.contains(t)) {
            return Err(bad(field, &format!("There is no customer tag {unknown}.")));
        }
    }
    let roles: HashSet<_> = a.roles.iter().collect();
    if roles.len() != a.roles.len() {
        return Err(bad("audience.roles", "Each role once."));
    }
    if a.stores.len() > MAX_STORES {
        return Err(bad("audience.stores", "At most 200 stores."));
    }
    if a.lists.len() > MAX_TAGS {
        return Err(bad("audience.lists", "At most 20 imported lists."));
    }
    for (field, days) in
        [("audience.bought_within_days", a.bought_within_days), ("audience.active_within_days", a.active_within_days)]
    {
        if days.is_some_and(|d| d == 0 || d > MAX_WINDOW_DAYS) {
            return Err(bad(field, "A window of 1 to 730 days."));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> CampaignDraft {
        CampaignDraft {
            id: uuid::Uuid::nil(),
            name: "双十二".into(),
            category: "promotions".into(),
            audience: Audience::default(),
            content: CampaignContent {
                title_zh: "特惠".into(),
                title_en: "Sale".into(),
                body_zh: "全场九折".into(),
                body_en: "10% off".into(),
                deep_link: Some(DeepLink::Inbox),
                sms_template: None,
            },
            channels: vec![MessageChannel::Push, MessageChannel::Inbox],
            starts_at: None,
            ends_at: None,
            holdout_percent: 10,
            coupon: None,
        }
    }

    #[test]
    fn a_coupons_terms_are_sound_bounded_and_reach_people_through_the_app() {
        let now = 1_000_000;
        let terms = CouponTerms {
            benefit: CouponBenefit::PercentOff { percent: 10, max_fen: Some(200_00) },
            min_spend: 1_000_00,
            models: vec![],
            categories: vec!["tv".into()],
            stores: vec![],
            valid_from: now,
            valid_until: now + 30 * 86_400,
        };
        let with = |t: CouponTerms| CampaignDraft { coupon: Some(t), ..good() };
        assert!(draft(&with(terms.clone()), &HashSet::new(), now, &[], false).is_ok());
        let field = |d: CampaignDraft| draft(&d, &HashSet::new(), now, &[], false).unwrap_err().0.field;
        let zero = CouponTerms { benefit: CouponBenefit::AmountOff { fen: 0 }, ..terms.clone() };
        assert_eq!(field(with(zero)).as_deref(), Some("coupon.benefit"));
        let all_off =
            CouponTerms { benefit: CouponBenefit::PercentOff { percent: 100, max_fen: None }, ..terms.clone() };
        assert_eq!(field(with(all_off)).as_deref(), Some("coupon.benefit"));
        let expired = CouponTerms { valid_from: now - 100, valid_until: now - 1, ..terms.clone() };
        assert_eq!(field(with(expired)).as_deref(), Some("coupon.valid_until"));
        let forever = CouponTerms { valid_until: now + 3 * 365 * 86_400, ..terms.clone() };
        assert_eq!(field(with(forever)).as_deref(), Some("coupon.valid_until"));
        let many = CouponTerms { models: (0..51).map(|i| format!("M{i}")).collect(), ..terms.clone() };
        assert_eq!(field(with(many)).as_deref(), Some("coupon.models"));
        let sms_only = CampaignDraft { channels: vec![MessageChannel::Email], ..with(terms) };
        assert!(draft(&sms_only, &HashSet::new(), now, &[], false).is_err());
    }

    #[test]
    fn a_draft_is_checked_whole_and_the_first_problem_named() {
        let tags = HashSet::from([uuid::Uuid::from_u128(1)]);
        assert!(draft(&good(), &tags, 1_000, &[], false).is_ok());
        let cases: Vec<(Box<dyn Fn(&mut CampaignDraft)>, &str)> = vec![
            (Box::new(|d| d.name = " ".into()), "name"),
            (Box::new(|d| d.category = "Promo!".into()), "category"),
            (Box::new(|d| d.content.title_en = String::new()), "content.title_en"),
            (Box::new(|d| d.content.body_zh = "字".repeat(501)), "content.body_zh"),
            (Box::new(|d| d.channels = vec![]), "channels"),
            (Box::new(|d| d.channels = vec![MessageChannel::Push, MessageChannel::Push]), "channels"),
            (Box::new(|d| d.channels = vec![MessageChannel::Sms]), "channels"),
            (Box::new(|d| d.holdout_percent = 51), "holdout_percent"),
            (Box::new(|d| d.starts_at = Some(100)), "starts_at"),
            (Box::new(|d| d.ends_at = Some(1_000)), "ends_at"),
            (Box::new(|d| d.audience.tags_any = vec![uuid::Uuid::from_u128(2)]), "audience.tags_any"),
            (Box::new(|d| d.audience.active_within_days = Some(0)), "audience.active_within_days"),
        ];
        for (edit, field) in cases {
            let mut d = good();
            edit(&mut d);
            let e = draft(&d, &tags, 1_000, &[], false).unwrap_err();
            assert_eq!(e.0.field.as_deref(), Some(field), "{:?}", e.0);
        }
    }

    #[test]
    fn a_text_campaign_needs_a_gateway_and_an_approved_template() {
        let texts = CampaignDraft { channels: vec![MessageChannel::Sms], ..good() };
        let sms = [MessageChannel::Sms];
        let field = |d: &CampaignDraft, gateways: &[MessageChannel], default: bool| {
            draft(d, &HashSet::new(), 1_000, gateways, default).err().and_then(|e| e.0.field)
        };
        assert_eq!(field(&texts, &[], true).as_deref(), Some("channels"), "no gateway");
        assert_eq!(field(&texts, &sms, false).as_deref(), Some("content.sms_template"), "no template");
        assert_eq!(field(&texts, &sms, true), None, "the server's default template");
        let mut own = texts.clone();
        own.content.sms_template = Some("SMS_4711".into());
        assert_eq!(field(&own, &sms, false), None, "the campaign's own template");
        own.content.sms_template = Some("SMS 4711; DROP".into());
        assert_eq!(field(&own, &sms, true).as_deref(), Some("content.sms_template"));
        let mail = CampaignDraft { channels: vec![MessageChannel::Email], ..good() };
        assert_eq!(field(&mail, &sms, true).as_deref(), Some("channels"), "no e-mail gateway");
        assert_eq!(field(&mail, &[MessageChannel::Email], false), None);
    }
}
