//! Why an operation is refused: a stable code and a sentence a person can act on, the same on the
//! device and from the server.
use portal_api::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: String,
}

impl Refusal {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Refusal { code, message: message.into() }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Refusal::new(ErrorCode::InvalidStoreOp, message)
    }
}
