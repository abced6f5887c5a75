//! The device session: the refresh token in the OS keyring, the access token only in memory,
//! silent refresh with one refresh in flight at a time.
use std::time::{Duration, Instant};

use portal_api::TokenPair;
use tokio::sync::Mutex;

use crate::{api::ApiClient, error::ClientResult, vault::SecretStore};

/// The keyring account holding this device's refresh token.
pub const REFRESH_TOKEN_ACCOUNT: &str = "refresh-token";

/// Refresh this long before the access token's expiry.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

struct Access {
    token: String,
    expires_at: Instant,
}

pub struct Session {
    secrets: Box<dyn SecretStore>,
    access: Mutex<Option<Access>>,
}

impl Session {
    pub fn new(secrets: Box<dyn SecretStore>) -> Self {
        Self { secrets, access: Mutex::new(None) }
    }

    pub fn has_refresh_token(&self) -> ClientResult<bool> {
        Ok(self.secrets.get(REFRESH_TOKEN_ACCOUNT)?.is_some())
    }

    /// Keeps a fresh token pair: the refresh token goes to the keyring before anything uses it.
    pub async fn store(&self, tokens: &TokenPair) -> ClientResult<()> {
        self.secrets.set(REFRESH_TOKEN_ACCOUNT, &tokens.refresh_token)?;
        *self.access.lock().await = Some(Access {
            token: tokens.access_token.clone(),
            expires_at: Instant::now() + Duration::from_secs(tokens.access_expires_in_secs),
        });
        Ok(())
    }

    /// A usable access token, refreshing first when it is missing or about to expire (or when
    /// `force` says the server refused the one we had).
    pub async fn access_token(&self, api: &ApiClient, force: bool) -> ClientResult<String> {
        let mut access = self.access.lock().await;
        if !force {
            if let Some(current) = access.as_ref().filter(|a| a.expires_at > Instant::now() + EXPIRY_MARGIN) {
                return Ok(current.token.clone());
            }
        }
        let refresh_token = self.secrets.get(REFRESH_TOKEN_ACCOUNT)?.ok_or(crate::ClientError::NotSignedIn)?;
        let tokens = api.refresh(&refresh_token).await?;
        self.secrets.set(REFRESH_TOKEN_ACCOUNT, &tokens.refresh_token)?;
        let token = tokens.access_token.clone();
        *access = Some(Access {
            token: tokens.access_token,
            expires_at: Instant::now() + Duration::from_secs(tokens.access_expires_in_secs),
        });
        Ok(token)
    }

    /// The access token in memory, without refreshing.
    pub async fn current_access(&self) -> Option<String> {
        self.access.lock().await.as_ref().map(|a| a.token.clone())
    }

    /// Forgets both tokens: the keyring entry is deleted.
    pub async fn clear(&self) -> ClientResult<()> {
        *self.access.lock().await = None;
        self.secrets.delete(REFRESH_TOKEN_ACCOUNT)
    }
}
