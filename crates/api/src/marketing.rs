//! Precision marketing on the wire: behaviour events from the app, tracking consent and a
//! person's own behaviour history.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::ErrorCode;

/// What a person did, as the app (or the counter) records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    AppOpen,
    SignIn,
    ProductView,
    /// A search: `query` and `results` say what was typed and how many products matched.
    Search,
    /// Filters applied in the catalog: `detail` names them.
    Filter,
    /// Products compared: `models`.
    Compare,
    Favourite,
    Follow,
    /// A link to a sales channel opened: `detail` is the channel's code.
    ChannelClick,
    /// The store finder used: `detail` is the city or "position".
    StoreFinder,
    /// A purchase: a sale at a store linked to the customer, or an assisted online purchase.
    Purchase,
    /// A recommendation actually on screen (not merely fetched): `recommendation` is its id.
    RecommendationShown,
    RecommendationClicked,
    /// An offer shown at the counter and accepted by the customer.
    OfferAccepted,
}

impl EventKind {
    pub const ALL: [EventKind; 14] = [
        EventKind::AppOpen,
        EventKind::SignIn,
        EventKind::ProductView,
        EventKind::Search,
        EventKind::Filter,
        EventKind::Compare,
        EventKind::Favourite,
        EventKind::Follow,
        EventKind::ChannelClick,
        EventKind::StoreFinder,
        EventKind::Purchase,
        EventKind::RecommendationShown,
        EventKind::RecommendationClicked,
        EventKind::OfferAccepted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::AppOpen => "app_open",
            EventKind::SignIn => "sign_in",
            EventKind::ProductView => "product_view",
            EventKind::Search => "search",
            EventKind::Filter => "filter",
            EventKind::Compare => "compare",
            EventKind::Favourite => "favourite",
            EventKind::Follow => "follow",
            EventKind::ChannelClick => "channel_click",
            EventKind::StoreFinder => "store_finder",
            EventKind::Purchase => "purchase",
            EventKind::RecommendationShown => "recommendation_shown",
            EventKind::RecommendationClicked => "recommendation_clicked",
            EventKind::OfferAccepted => "offer_accepted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One behaviour event, recorded on the device with an id of its own (UUID v7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct TrackedEvent {
    /// Client-generated; the server keeps each id once.
    pub id: Uuid,
    pub kind: EventKind,
    /// Unix seconds on the device's clock.
    pub at: i64,
    /// The product (model) the event is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub model: Option<String>,
    /// Several products (a comparison).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub models: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub results: Option<u32>,
    /// The recommendation list an impression, click or conversion belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub recommendation: Option<Uuid>,
    /// A short detail: a channel's code, a city, the filters applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<String>,
}

/// Events from one app installation. Before sign-in they are anonymous (the install's id); sent
/// signed in, the install's anonymous events join the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct EventBatch {
    /// A random id of this installation (a new one after each sign-out).
    pub install_id: Uuid,
    pub events: Vec<TrackedEvent>,
}

/// An event the server will never keep: the device drops it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct RefusedEvent {
    pub id: Uuid,
    pub code: ErrorCode,
    /// What was wrong, for people and logs.
    pub reason: String,
}

/// The answer to a batch: every id is either acknowledged (kept now or before) or refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct EventReceipt {
    pub acknowledged: Vec<Uuid>,
    pub refused: Vec<RefusedEvent>,
    /// How many of the acknowledged events were kept before (sent again).
    pub duplicates: u32,
}

/// Whether a person lets the brand record their behaviour beyond what the service needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct TrackingConsent {
    pub tracking: bool,
    /// Unix seconds of the choice; none while the person has not chosen (tracking is then on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub changed_at: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SetTrackingConsent {
    pub tracking: bool,
}

/// One event as kept, for its person's own history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct RecordedEvent {
    pub event: TrackedEvent,
    /// When the server received it (unix seconds).
    pub received_at: i64,
    /// Set when the device's clock was far off and `at` was moved into range.
    pub clock_adjusted: bool,
}

/// A page of a person's behaviour history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct EventHistory {
    pub events: Vec<RecordedEvent>,
    /// Everything the account has recorded.
    pub total: u32,
}

/// Where a recommendation list is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Placement {
    /// The home feed: chosen for the person.
    Home,
    /// "People also viewed and bought" on a product's page.
    Product,
    /// The bundle offer at a store's counter: add-ons to the cart being sold.
    Checkout,
    /// The products of a triggered offer in a customer's inbox.
    Inbox,
}

impl Placement {
    pub fn as_str(self) -> &'static str {
        match self {
            Placement::Home => "home",
            Placement::Product => "product",
            Placement::Checkout => "checkout",
            Placement::Inbox => "inbox",
        }
    }
}

/// The cart at a store's counter, for a bundle offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CheckoutOfferRequest {
    /// The SKUs in the cart (1–50).
    pub skus: Vec<String>,
}

/// Add-ons to suggest with a cart (the seeds' 夹带式 offer): each a SKU the store has on hand.
/// What the customer was shown and took travels with the sale (`CounterOffer`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CheckoutOffer {
    /// The recommendation id (a list at the `checkout` placement).
    pub id: Uuid,
    pub algorithm: String,
    /// Best first, at most three.
    pub skus: Vec<String>,
}

/// What the counter showed the customer with a sale, and which of it they took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CounterOffer {
    /// The offer's id: the server's (`CheckoutOffer::id`), or one made on the device offline.
    pub recommendation: Uuid,
    /// The SKUs shown (1–10).
    pub shown: Vec<String>,
    /// The SKUs the customer accepted, each among those shown; declined are the rest.
    #[serde(default)]
    pub accepted: Vec<String>,
}

/// A list of products chosen for a person at a placement. Its id travels with every impression,
/// click and purchase it leads to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct RecommendationList {
    pub id: Uuid,
    pub placement: Placement,
    /// Which recommender chose it: `item_to_item`, `content`, `popular` or a blend (`a+b`).
    pub algorithm: String,
    /// The experiment arm the person is in, if an experiment runs at this placement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub arm: Option<String>,
    /// Models, best first.
    pub models: Vec<String>,
}

/// One arm of an experiment: the recommender it serves and its share of the people not held out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct ExperimentArm {
    pub name: String,
    /// Recommenders joined by `+`, best first. At home: `popular`, `local+popular` (popular in the
    /// person's city and segments first), `item_to_item+popular`, `als+popular`,
    /// `als+item_to_item+popular`, `als+item_to_item+local+popular`; on a product's page: `content`
    /// or `item_to_item+content`. Counter offers are not split.
    pub algorithm: String,
    /// Percent of the people not held out.
    pub share: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExperimentStatus {
    Running,
    Stopped,
}

/// An A/B experiment at one placement: people are split by a stable hash into its arms, and a
/// holdout share gets no recommendations at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Experiment {
    pub id: Uuid,
    pub name: String,
    pub placement: Placement,
    pub arms: Vec<ExperimentArm>,
    pub holdout_percent: u32,
    pub status: ExperimentStatus,
    pub started_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub stopped_at: Option<i64>,
    /// The arm made the placement's default when the experiment stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub winner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct NewExperiment {
    pub name: String,
    pub placement: Placement,
    pub arms: Vec<ExperimentArm>,
    pub holdout_percent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct StopExperiment {
    /// The arm whose recommender becomes the placement's default; none keeps the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub winner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct ExperimentList {
    /// Newest first.
    pub experiments: Vec<Experiment>,
    /// What the people of each arm (and of the holdout) did, per experiment.
    pub outcomes: Vec<ExperimentOutcome>,
}

/// The people of each arm of one experiment, the holdout included, and what they bought.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct ExperimentOutcome {
    pub experiment_id: Uuid,
    pub arms: Vec<ArmOutcome>,
}

/// Of the people assigned to an arm, how many bought anything at a store after they were first
/// assigned (until the experiment stopped), with its 95 % interval: the measure the holdout, which
/// sees no recommendations, is compared by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct ArmOutcome {
    /// The arm's name, or `holdout`.
    pub arm: String,
    pub people: u32,
    pub buyers: u32,
    pub buyer_rate: f64,
    pub buyer_rate_low: f64,
    pub buyer_rate_high: f64,
    /// What the buyers spent, in fen.
    pub revenue: i64,
}

/// What came of the lists one placement and algorithm served (and one experiment arm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct RecommendationReportRow {
    pub placement: String,
    pub algorithm: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub arm: Option<String>,
    /// The experiment the arm belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub experiment: Option<Uuid>,
    pub lists: u32,
    /// Lists shown (each list once, however often it was on screen).
    pub impressions: u32,
    /// Clicks, each (list, person, product) once, on a list shown before.
    pub clicks: u32,
    /// Impressions with at least one click.
    pub clicked_lists: u32,
    /// The share of impressions clicked (`clicked_lists / impressions`, at most 1), with its 95 %
    /// interval.
    pub click_rate: f64,
    pub click_rate_low: f64,
    pub click_rate_high: f64,
    /// Purchases of a clicked product by the person who clicked it, within the attribution window.
    pub conversions: u32,
    /// Conversions per click, with its 95 % interval.
    pub conversion_rate: f64,
    pub conversion_rate_low: f64,
    pub conversion_rate_high: f64,
    /// What the converted purchases cost, in fen.
    pub revenue: i64,
}

/// The trail from recommendation to purchase over the last days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct RecommendationReport {
    /// Unix seconds the report starts at.
    pub since: i64,
    /// Days a purchase may follow its click.
    pub attribution_days: u32,
    pub rows: Vec<RecommendationReportRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct EventsDeleted {
    pub deleted: u32,
}

/// A customer tag: customers whose profile satisfies its rule, kept up to date incrementally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CustomerTag {
    pub id: Uuid,
    pub name: String,
    /// For example `bought_days.tv > 1825` or `spend >= 20000 and city = '上海'`.
    pub rule: String,
    /// Customers with the tag when last worked out.
    pub size: u32,
    /// When it was last worked out over every customer; none until then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub computed_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct NewCustomerTag {
    pub name: String,
    pub rule: String,
}

/// A field a tag's rule may name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct TagField {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CustomerTagList {
    /// By name.
    pub tags: Vec<CustomerTag>,
    /// What rules may name.
    pub fields: Vec<TagField>,
}

/// One line a customer bought at a store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CustomerPurchase {
    pub sale_id: Uuid,
    pub store_name: String,
    pub city: String,
    pub at: i64,
    pub sku: String,
    /// The product, when the catalog knows the SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub model: Option<String>,
    pub quantity: i64,
    pub returned: i64,
    /// Fen, for the line as sold.
    pub amount: i64,
}

/// A list recommended to the customer, with what they clicked and bought of it (within the
/// attribution window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CustomerRecommendation {
    pub list_id: Uuid,
    pub served_at: i64,
    pub placement: String,
    pub algorithm: String,
    pub models: Vec<String>,
    pub clicked: Vec<String>,
    pub bought: Vec<String>,
}

/// One page per customer: purchases at every store, favourites, tags, consent, and what was
/// recommended to them and bought. Operators see anyone's, a consumer their own, a promoter the
/// customer they serve (after the customer gave them the code sent to their phone).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CustomerView {
    pub id: Uuid,
    pub display_name: String,
    /// Masked (139****0005) for a promoter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub phone: Option<String>,
    pub member_since: i64,
    /// The customer's choice about tracking; none: not chosen (tracked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tracking: Option<bool>,
    pub tags: Vec<String>,
    /// What they kept of their purchases, in fen.
    pub spend: i64,
    /// Newest first.
    pub purchases: Vec<CustomerPurchase>,
    pub favourites: Vec<String>,
    /// Newest first.
    pub recommendations: Vec<CustomerRecommendation>,
    /// Until when a promoter may see it (their grant); none for operators and the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub visible_until: Option<i64>,
}

/// A customer's phone: an operator finds them by it; a promoter asks for the code that lets them
/// see their view (it goes to the customer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CustomerPhone {
    pub phone: String,
}

/// The code the customer read out to the promoter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct CounterConsent {
    pub phone: String,
    pub code: String,
}

/// What sets a triggered offer off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriggerKind {
    /// The customer signed in (a new session): what is picked for them.
    AfterSignIn,
    /// The customer bought at a store: accessories and add-ons for what they bought.
    AfterPurchase,
    /// A product the customer saved or follows came back in stock at a store.
    BackInStock,
    /// The customer's birthday (as set on their profile), China time: their picks.
    Birthday,
    /// A service message, not a trigger an operator sets up: one of the dealer's orders changed
    /// status.
    OrderUpdate,
    /// A campaign's message (not a trigger either).
    Campaign,
}

impl TriggerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerKind::AfterSignIn => "after_sign_in",
            TriggerKind::AfterPurchase => "after_purchase",
            TriggerKind::BackInStock => "back_in_stock",
            TriggerKind::Birthday => "birthday",
            TriggerKind::OrderUpdate => "order_update",
            TriggerKind::Campaign => "campaign",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            TriggerKind::AfterSignIn,
            TriggerKind::AfterPurchase,
            TriggerKind::BackInStock,
            TriggerKind::Birthday,
            TriggerKind::OrderUpdate,
            TriggerKind::Campaign,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A triggered offer an operator set up: when its event happens to a customer, a message with
/// products chosen for them lands in their inbox (at most once per `cooldown_days`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Trigger {
    pub id: Uuid,
    pub name: String,
    pub kind: TriggerKind,
    /// `{product}` and `{store}` are filled in.
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub cooldown_days: u32,
    pub active: bool,
    pub created_at: i64,
    /// What happens from this time on sets it off: its creation, or when it was last resumed.
    pub active_since: i64,
    /// Messages it has sent.
    pub sent: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct NewTrigger {
    pub name: String,
    pub kind: TriggerKind,
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub cooldown_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct TriggerList {
    /// Newest first.
    pub triggers: Vec<Trigger>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct SetTriggerActive {
    pub active: bool,
}

/// A message in a customer's inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct InboxMessage {
    pub id: Uuid,
    pub kind: TriggerKind,
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    /// The list of products it carries (placement `inbox`): impressions and clicks name it.
    pub recommendation: Uuid,
    pub models: Vec<String>,
    pub created_at: i64,
    pub read: bool,
    /// Where tapping it leads (a campaign's deep link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub link: Option<crate::DeepLink>,
}

/// What a person does to a message of theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboxChangeKind {
    Read,
    /// Gone from their inbox on every device (the server keeps only that it was sent, so it is
    /// not sent again).
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct InboxChange {
    pub message: Uuid,
    pub change: InboxChangeKind,
}

/// Changes made on a device (offline too), sent together; each is a setting, so sending them
/// again changes nothing, and a message no longer there (expired, deleted elsewhere) is passed
/// over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct InboxChanges {
    /// At most `MAX_INBOX_CHANGES`.
    pub changes: Vec<InboxChange>,
}

pub const MAX_INBOX_CHANGES: usize = 100;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Inbox {
    /// Newest first (at most 50).
    pub messages: Vec<InboxMessage>,
    pub unread: u32,
}
