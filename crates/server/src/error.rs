//! The server's error type and how it becomes an HTTP response.
use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use portal_api::{ApiError, ErrorCode};

use crate::db::DbError;

/// An error a request ends with: a stable code, a message, and the HTTP status it maps to.
#[derive(Debug)]
pub struct AppError(pub ApiError);

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ApiError::new(code, message))
    }
    pub fn field(code: ErrorCode, field: &str, message: impl Into<String>) -> Self {
        Self(ApiError::new(code, message).with_field(field))
    }
    pub fn retry_after(code: ErrorCode, secs: u64, message: impl Into<String>) -> Self {
        Self(ApiError::new(code, message).with_retry_after(secs.max(1)))
    }
    pub fn forbidden() -> Self {
        Self::new(ErrorCode::Forbidden, "Your role does not allow this, or the resource is outside your scope.")
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("No such {what}."))
    }
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "Something went wrong on the server; nothing was changed. Try again.")
    }
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }
}

pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        InvalidJson
        | InvalidPhone
        | InvalidEmail
        | InvalidUsername
        | InvalidDisplayName
        | WeakPassword
        | InvalidRole
        | InvalidCatalog
        | InvalidServerUrl
        | InvalidStoreOp
        | InvalidEvent
        | InvalidTagRule
        | DiscountAboveLimit
        | ReturnExceedsSale
        | ReasonRequired
        | TransitionNotAllowed
        | InvalidOrder
        | InvalidCreditLimit
        | PriceListOverlap
        | ReceiptExceedsShipment
        | LinkTargetGone => StatusCode::UNPROCESSABLE_ENTITY,
        ShiftClosed | StaleState | IdempotencyConflict | NameTaken | ShipmentAlreadyReceived => StatusCode::CONFLICT,
        InvalidCode | CodeExpired | InvalidParameter => StatusCode::BAD_REQUEST,
        BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        TooManyAttempts | RateLimited | AccountLocked => StatusCode::TOO_MANY_REQUESTS,
        InvalidCredentials | Unauthorized | TokenExpired | InvalidRefreshToken | RefreshTokenReused
        | SessionRevoked | NotSignedIn => StatusCode::UNAUTHORIZED,
        IdentityTaken => StatusCode::CONFLICT,
        AccountNotFound | NotFound | NotDevMode | UnknownBarcode => StatusCode::NOT_FOUND,
        Forbidden | TrackingDeclined | AccountSuspended => StatusCode::FORBIDDEN,
        ServerUnreachable | KeyringUnavailable | CacheTooNew | Internal => StatusCode::INTERNAL_SERVER_ERROR,
        Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = status_of(self.0.code);
        let retry = self.0.retry_after_secs;
        let mut response = (status, Json(self.0)).into_response();
        if let Some(secs) = retry {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Conflict(what) => {
                AppError::new(ErrorCode::IdentityTaken, format!("{what} already belongs to an account."))
            }
            other => {
                tracing::error!(error = %other, "storage error");
                AppError::internal()
            }
        }
    }
}
