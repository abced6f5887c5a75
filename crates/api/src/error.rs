//! Stable error codes. The code is the contract; the message is for people.
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// Every error the server or the client core can report, by a stable code.
/// The app translates each code into zh-CN and en; never rename a variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidJson,
    /// A path or query parameter that is malformed (the field names which).
    InvalidParameter,
    BodyTooLarge,
    InvalidPhone,
    InvalidEmail,
    InvalidUsername,
    InvalidDisplayName,
    WeakPassword,
    InvalidCode,
    CodeExpired,
    TooManyAttempts,
    RateLimited,
    AccountLocked,
    InvalidCredentials,
    IdentityTaken,
    AccountNotFound,
    Unauthorized,
    TokenExpired,
    InvalidRefreshToken,
    RefreshTokenReused,
    SessionRevoked,
    Forbidden,
    NotFound,
    InvalidRole,
    /// A catalog document breaks a rule (the field names which).
    InvalidCatalog,
    NotDevMode,
    /// A store operation breaks a rule of its own (missing or malformed fields, unknown references).
    InvalidStoreOp,
    /// A line or order discount above the promoter's limit.
    DiscountAboveLimit,
    /// A return of more units (or gifts) than the sale had left to return.
    ReturnExceedsSale,
    /// The shift is already closed.
    ShiftClosed,
    /// A cash count differs from the expected amount and no reason was given.
    ReasonRequired,
    /// A display unit is no longer in the state the change was made from.
    StaleState,
    /// A display unit cannot move between these states.
    TransitionNotAllowed,
    /// A scanned barcode (or typed SKU code) is not in the catalog.
    UnknownBarcode,
    /// An operation id already used by another account, or for another operation.
    IdempotencyConflict,
    /// A customer tag's rule does not parse; the message says where and why.
    InvalidTagRule,
    /// The name is used already (a tag's).
    NameTaken,
    /// A behaviour event breaks a rule (unknown product, missing or malformed fields).
    InvalidEvent,
    /// A behaviour event of a kind the person declined to have recorded.
    TrackingDeclined,
    /// An order breaks a rule (an unknown or withdrawn SKU, a quantity off its minimum or case
    /// pack, a store the dealer does not supply); the field and detail name which line.
    InvalidOrder,
    /// A credit line below what the dealer's orders and receivables already use, or negative.
    InvalidCreditLimit,
    /// Price-list entries whose dates overlap an entry kept or another of the same change.
    PriceListOverlap,
    /// Goods counted in beyond what the shipment carried.
    ReceiptExceedsShipment,
    /// The shipment was counted in already (at another device, perhaps).
    ShipmentAlreadyReceived,
    /// An administrator locked this account: it cannot sign in until they unlock it.
    AccountSuspended,
    /// A deep link names a product or category the catalog does not have (withdrawn, or never
    /// added): link to another, or to the inbox.
    LinkTargetGone,
    /// Client side only: the server could not be reached.
    ServerUnreachable,
    /// Client side only: the OS keyring is missing or refused access.
    KeyringUnavailable,
    /// Client side only: the local cache was written by a newer app version.
    CacheTooNew,
    /// Client side only: no session on this device.
    NotSignedIn,
    InvalidServerUrl,
    Internal,
    /// The server is starting (its database being prepared) or cannot reach its database: try
    /// again in a moment.
    Unavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidParameter => "invalid_parameter",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::InvalidPhone => "invalid_phone",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::InvalidUsername => "invalid_username",
            ErrorCode::InvalidDisplayName => "invalid_display_name",
            ErrorCode::WeakPassword => "weak_password",
            ErrorCode::InvalidCode => "invalid_code",
            ErrorCode::CodeExpired => "code_expired",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::IdentityTaken => "identity_taken",
            ErrorCode::AccountNotFound => "account_not_found",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::InvalidRefreshToken => "invalid_refresh_token",
            ErrorCode::RefreshTokenReused => "refresh_token_reused",
            ErrorCode::SessionRevoked => "session_revoked",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidRole => "invalid_role",
            ErrorCode::InvalidCatalog => "invalid_catalog",
            ErrorCode::NotDevMode => "not_dev_mode",
            ErrorCode::InvalidStoreOp => "invalid_store_op",
            ErrorCode::DiscountAboveLimit => "discount_above_limit",
            ErrorCode::ReturnExceedsSale => "return_exceeds_sale",
            ErrorCode::ShiftClosed => "shift_closed",
            ErrorCode::ReasonRequired => "reason_required",
            ErrorCode::StaleState => "stale_state",
            ErrorCode::TransitionNotAllowed => "transition_not_allowed",
            ErrorCode::UnknownBarcode => "unknown_barcode",
            ErrorCode::IdempotencyConflict => "idempotency_conflict",
            ErrorCode::InvalidTagRule => "invalid_tag_rule",
            ErrorCode::NameTaken => "name_taken",
            ErrorCode::InvalidOrder => "invalid_order",
            ErrorCode::InvalidCreditLimit => "invalid_credit_limit",
            ErrorCode::PriceListOverlap => "price_list_overlap",
            ErrorCode::ReceiptExceedsShipment => "receipt_exceeds_shipment",
            ErrorCode::ShipmentAlreadyReceived => "shipment_already_received",
            ErrorCode::AccountSuspended => "account_suspended",
            ErrorCode::LinkTargetGone => "link_target_gone",
            ErrorCode::ServerUnreachable => "server_unreachable",
            ErrorCode::KeyringUnavailable => "keyring_unavailable",
            ErrorCode::CacheTooNew => "cache_too_new",
            ErrorCode::NotSignedIn => "not_signed_in",
            ErrorCode::InvalidServerUrl => "invalid_server_url",
            ErrorCode::InvalidEvent => "invalid_event",
            ErrorCode::TrackingDeclined => "tracking_declined",
            ErrorCode::Internal => "internal",
            ErrorCode::Unavailable => "unavailable",
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct ApiError {
    pub code: ErrorCode,
    /// An English message a person can act on. The app shows its own translation of `code`.
    pub message: String,
    /// Seconds to wait before trying again, for `rate_limited`, `account_locked` and `too_many_attempts`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub retry_after_secs: Option<u64>,
    /// The request field the error is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    /// What exactly is wrong, for the app to say in its own language: a stable key within the
    /// code (for `invalid_tag_rule`: `unknown_field`, `value_expected`, …) and what it names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<ErrorDetail>,
}

/// The specifics of an error, keyed for translation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ErrorDetail {
    /// A stable key within the error's code.
    pub key: String,
    /// Where in the field's text (a character position, from 1), when it points at one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub column: Option<u32>,
    /// What the problem names (a field, a word, a character), when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub subject: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), retry_after_secs: None, field: None, detail: None }
    }
    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}
