use portal_api::{ApiError, ErrorCode};

/// What can go wrong in the client core. Every variant maps to a stable [`ErrorCode`] the UI
/// translates.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error.
    #[error("{0}")]
    Api(ApiError),
    #[error("cannot reach the server at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the OS keyring is not available: {0}")]
    Keyring(String),
    #[error("the local cache at {path} was written by a newer version of the app (schema {found}, this app knows {known}); update the app")]
    CacheTooNew { path: String, found: i64, known: i64 },
    #[error("local cache error: {0}")]
    Cache(#[from] rusqlite::Error),
    #[error("not signed in on this device")]
    NotSignedIn,
    #[error("the server address {0:?} is not a valid http(s) URL")]
    InvalidServerUrl(String),
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
}

impl ClientError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ClientError::Api(e) => e.code,
            ClientError::Unreachable { .. } => ErrorCode::ServerUnreachable,
            ClientError::Keyring(_) => ErrorCode::KeyringUnavailable,
            ClientError::CacheTooNew { .. } => ErrorCode::CacheTooNew,
            ClientError::NotSignedIn => ErrorCode::NotSignedIn,
            ClientError::InvalidServerUrl(_) => ErrorCode::InvalidServerUrl,
            ClientError::Cache(_) | ClientError::Protocol(_) => ErrorCode::Internal,
        }
    }

    /// The error as the app's screens receive it.
    pub fn to_api_error(&self) -> ApiError {
        match self {
            ClientError::Api(e) => e.clone(),
            other => ApiError::new(other.code(), other.to_string()),
        }
    }

    /// True when the server has ended this device's session for good.
    pub fn ends_session(&self) -> bool {
        matches!(
            self.code(),
            ErrorCode::SessionRevoked | ErrorCode::RefreshTokenReused | ErrorCode::InvalidRefreshToken
        )
    }
}

pub type ClientResult<T> = Result<T, ClientError>;
