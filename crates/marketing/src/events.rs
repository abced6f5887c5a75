//! Behaviour events: their classes and weights, consent, and the check each one passes before it
//! is kept.
use portal_api::{ErrorCode, EventKind, TrackedEvent};

/// Most events one batch may carry.
pub const MAX_BATCH: usize = 500;
/// Most events one installation may send in a minute; beyond, its batches wait (HTTP 429).
pub const EVENTS_PER_INSTALL_PER_MINUTE: u32 = 1_200;
/// Most events one account may send in a minute, from all its installations together.
pub const EVENTS_PER_ACCOUNT_PER_MINUTE: u32 = 600;
/// Most events one client address may send in a minute (a store's devices share one address);
/// anonymous senders cannot escape the installation limit by making up installation ids.
pub const EVENTS_PER_ADDRESS_PER_MINUTE: u32 = 6_000;
/// How far in the past an event may lie: older ones are moved to this edge and flagged.
pub const MAX_AGE_SECS: i64 = 30 * 86_400;
/// How far ahead of the server a device's clock may run before an event is moved to now.
pub const MAX_CLOCK_AHEAD_SECS: i64 = 600;
pub const MAX_MODEL_CHARS: usize = 64;
pub const MAX_QUERY_CHARS: usize = 200;
pub const MAX_DETAIL_CHARS: usize = 120;
/// A comparison shows at most four products.
pub const MAX_COMPARED: usize = 4;

/// Impressions and reads say little; positive feedback says a person wants something. Engines keep
/// the two apart (an impression without a click is a weak negative, a click a positive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventClass {
    Read,
    Positive,
}

impl EventClass {
    pub fn as_str(self) -> &'static str {
        match self {
            EventClass::Read => "read",
            EventClass::Positive => "positive",
        }
    }
}

pub fn class(kind: EventKind) -> EventClass {
    use EventKind::*;
    match kind {
        AppOpen | SignIn | ProductView | Search | Filter | StoreFinder | RecommendationShown => EventClass::Read,
        Compare | Favourite | Follow | ChannelClick | Purchase | RecommendationClicked | OfferAccepted => {
            EventClass::Positive
        }
    }
}

/// How much an event of this kind says about a person's interest in its product: a purchase more
/// than a favourite, a favourite more than a comparison, a comparison more than a view.
pub fn weight(kind: EventKind) -> f32 {
    use EventKind::*;
    match kind {
        Purchase => 8.0,
        OfferAccepted => 6.0,
        Favourite | Follow => 4.0,
        Compare => 2.5,
        ChannelClick => 2.0,
        RecommendationClicked => 1.5,
        ProductView => 1.0,
        Search | Filter | StoreFinder => 0.3,
        AppOpen | SignIn | RecommendationShown => 0.0,
    }
}

/// What the service needs whatever the person chose: facts of a transaction and of security.
/// Everything else is recorded only with consent to tracking.
pub fn needed_without_consent(kind: EventKind) -> bool {
    matches!(kind, EventKind::Purchase | EventKind::OfferAccepted | EventKind::SignIn)
}

/// The wire names of the kinds `needed_without_consent`, for storage that filters by kind.
pub fn kinds_needed_without_consent() -> Vec<&'static str> {
    EventKind::ALL.into_iter().filter(|k| needed_without_consent(*k)).map(EventKind::as_str).collect()
}

/// The wire names of the kinds of one class.
pub fn kinds_of_class(of: EventClass) -> Vec<&'static str> {
    EventKind::ALL.into_iter().filter(|k| class(*k) == of).map(EventKind::as_str).collect()
}

/// Facts of a transaction and of security are recorded by the server where they happen (a sale
/// at the counter, a sign-in), never taken from an app, which could claim purchases that were not
/// made or sign-ins that never happened.
pub fn recorded_by_server(kind: EventKind) -> bool {
    matches!(kind, EventKind::Purchase | EventKind::OfferAccepted | EventKind::SignIn)
}

/// An event as it will be kept: its time moved into range when the device's clock was far off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    pub at: i64,
    pub clock_adjusted: bool,
}

/// Why an event is refused for good (the device drops it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub reason: String,
}

fn invalid(reason: impl Into<String>) -> Refusal {
    Refusal { code: ErrorCode::InvalidEvent, reason: reason.into() }
}

fn text(field: &str, value: &str, max: usize) -> Result<(), Refusal> {
    if value.trim().is_empty() {
        return Err(invalid(format!("{field} is empty")));
    }
    if value.chars().count() > max {
        return Err(invalid(format!("{field} is longer than {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(format!("{field} contains control characters")));
    }
    Ok(())
}

/// Checks one event: what its kind needs is there and within bounds, its products exist
/// (`product_known`), the person's consent allows it, and its time is moved into
/// [now − 30 days, now] when the device's clock was far off.
pub fn check(
    event: &TrackedEvent,
    now: i64,
    tracking_allowed: bool,
    product_known: impl Fn(&str) -> bool,
) -> Result<Accepted, Refusal> {
    use EventKind::*;
    if !tracking_allowed && !needed_without_consent(event.kind) {
        return Err(Refusal {
            code: ErrorCode::TrackingDeclined,
            reason: format!("{} is recorded only with consent to tracking", event.kind.as_str()),
        });
    }
    if let Some(model) = &event.model {
        text("model", model, MAX_MODEL_CHARS)?;
    }
    if let Some(query) = &event.query {
        text("query", query, MAX_QUERY_CHARS)?;
    }
    if let Some(detail) = &event.detail {
        text("detail", detail, MAX_DETAIL_CHARS)?;
    }
    if event.models.len() > MAX_COMPARED {
        return Err(invalid(format!("at most {MAX_COMPARED} products are compared")));
    }
    for model in &event.models {
        text("models", model, MAX_MODEL_CHARS)?;
    }
    let needs_model = matches!(kind_group(event.kind), Needs::Model);
    if needs_model && event.model.is_none() {
        return Err(invalid(format!("{} names a product (model)", event.kind.as_str())));
    }
    match event.kind {
        Search if event.query.is_none() => return Err(invalid("a search has its query")),
        Compare if event.models.len() < 2 => return Err(invalid("a comparison has two products or more")),
        RecommendationShown | RecommendationClicked if event.recommendation.is_none() => {
            return Err(invalid("an impression or click names its recommendation"))
        }
        _ => {}
    }
    for model in event.model.iter().chain(&event.models) {
        if !product_known(model) {
            return Err(invalid(format!("unknown product {model}")));
        }
    }
    let earliest = now - MAX_AGE_SECS;
    let at = if event.at > now + MAX_CLOCK_AHEAD_SECS { now } else { event.at.clamp(earliest, now.max(event.at)) };
    Ok(Accepted { at, clock_adjusted: at != event.at })
}

enum Needs {
    Model,
    Nothing,
}

fn kind_group(kind: EventKind) -> Needs {
    use EventKind::*;
    match kind {
        ProductView | Favourite | Follow | ChannelClick | Purchase | RecommendationClicked | OfferAccepted => {
            Needs::Model
        }
        _ => Needs::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    const NOW: i64 = 1_800_000_000;

    fn event(kind: EventKind) -> TrackedEvent {
        TrackedEvent {
            id: Uuid::now_v7(),
            kind,
            at: NOW - 5,
            model: Some("65E8K".into()),
            models: vec![],
            query: None,
            results: None,
            recommendation: None,
            detail: None,
        }
    }

    fn known(m: &str) -> bool {
        m != "NOPE"
    }

    #[test]
    fn weights_rank_purchase_over_favourite_over_compare_over_view() {
        use EventKind::*;
        assert!(weight(Purchase) > weight(Favourite));
        assert!(weight(Favourite) > weight(Compare));
        assert!(weight(Compare) > weight(ProductView));
        assert!(weight(ProductView) > weight(RecommendationShown));
        assert_eq!(class(RecommendationShown), EventClass::Read);
        assert_eq!(class(RecommendationClicked), EventClass::Positive);
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            assert_eq!(portal_api::wire_name(&kind), kind.as_str(), "as_str is the wire name");
        }
    }

    #[test]
    fn a_declined_person_sends_only_what_the_service_needs() {
        let view = event(EventKind::ProductView);
        assert_eq!(check(&view, NOW, false, known).unwrap_err().code, ErrorCode::TrackingDeclined);
        assert!(check(&event(EventKind::Purchase), NOW, false, known).is_ok());
        assert!(check(&view, NOW, true, known).is_ok());
    }

    #[test]
    fn each_kind_carries_what_it_needs_and_names_known_products() {
        let mut search = event(EventKind::Search);
        search.model = None;
        assert_eq!(check(&search, NOW, true, known).unwrap_err().code, ErrorCode::InvalidEvent);
        search.query = Some("电视".into());
        assert!(check(&search, NOW, true, known).is_ok());

        let mut view = event(EventKind::ProductView);
        view.model = Some("NOPE".into());
        assert!(check(&view, NOW, true, known).unwrap_err().reason.contains("unknown product NOPE"));
        view.model = None;
        assert!(check(&view, NOW, true, known).is_err());

        let mut compare = event(EventKind::Compare);
        compare.model = None;
        compare.models = vec!["A".into()];
        assert!(check(&compare, NOW, true, known).is_err(), "one product is not a comparison");
        compare.models = vec!["A".into(), "B".into()];
        assert!(check(&compare, NOW, true, known).is_ok());
        compare.models = vec!["A".into(); 5];
        assert!(check(&compare, NOW, true, known).is_err());
        compare.models = vec!["A".into(), "NOPE".into()];
        assert!(check(&compare, NOW, true, known).is_err());

        let mut shown = event(EventKind::RecommendationShown);
        assert!(check(&shown, NOW, true, known).is_err(), "an impression names its list");
        shown.recommendation = Some(Uuid::now_v7());
        assert!(check(&shown, NOW, true, known).is_ok());
    }

    #[test]
    fn bad_text_is_refused() {
        let mut search = event(EventKind::Search);
        search.query = Some("x".repeat(MAX_QUERY_CHARS + 1));
        assert!(check(&search, NOW, true, known).is_err());
        search.query = Some("电视\u{0}".into());
        assert!(check(&search, NOW, true, known).is_err());
        search.query = Some("   ".into());
        assert!(check(&search, NOW, true, known).is_err());
        search.query = Some("电".repeat(MAX_QUERY_CHARS));
        assert!(check(&search, NOW, true, known).is_ok(), "characters, not bytes");
    }

    #[test]
    fn clocks_far_off_are_moved_into_range_and_flagged() {
        let mut e = event(EventKind::ProductView);
        assert_eq!(check(&e, NOW, true, known).unwrap(), Accepted { at: NOW - 5, clock_adjusted: false });
        e.at = NOW + 60;
        assert_eq!(
            check(&e, NOW, true, known).unwrap(),
            Accepted { at: NOW + 60, clock_adjusted: false },
            "a little ahead"
        );
        e.at = NOW + MAX_CLOCK_AHEAD_SECS + 1;
        assert_eq!(check(&e, NOW, true, known).unwrap(), Accepted { at: NOW, clock_adjusted: true });
        e.at = 0;
        assert_eq!(check(&e, NOW, true, known).unwrap(), Accepted { at: NOW - MAX_AGE_SECS, clock_adjusted: true });
        e.at = i64::MIN;
        assert_eq!(check(&e, NOW, true, known).unwrap().at, NOW - MAX_AGE_SECS);
        e.at = i64::MAX;
        assert_eq!(check(&e, NOW, true, known).unwrap().at, NOW);
    }
}
