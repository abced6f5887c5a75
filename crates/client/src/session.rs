//! The device session: the refresh token in the OS keyring, the access token only in memory,
//! silent refresh with one refresh in flight at a time.
use std::time::{Duration, Instant};

use portal_api::{endpoints as ep, RefreshRequest, TokenPair};
use tokio::sync::Mutex;

use crate::{api::ApiClient, error::ClientResult, vault::SecretStore};

/// The keyring account holding this device's refresh token.
pub const REFRESH_TOKEN_ACCOUNT: &str = "refresh-token";

/// The keyring account holding refresh tokens of sessions signed out while offline, one per line,
/// until the server has been told.
pub const PENDING_REVOCATIONS_ACCOUNT: &str = "pending-revocations";

/// Refresh this long before the access token's expiry.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

struct Access {
    token: String,
    expires_at: Instant,
}

pub struct Session {
    secrets: Box<dyn SecretStore>,
    access: Mutex<Option<Access>>,
    /// Whether the keyring holds a refresh token, once looked up: this process is the entry's only
    /// writer, so local work (a sale, a search) does not go to the Secret Service every time.
    signed_in: std::sync::Mutex<Option<bool>>,
}

impl Session {
    pub fn new(secrets: Box<dyn SecretStore>) -> Self {
        Self { secrets, access: Mutex::new(None), signed_in: std::sync::Mutex::new(None) }
    }

    fn remember(&self, signed_in: bool) {
        *self.signed_in.lock().unwrap_or_else(|p| p.into_inner()) = Some(signed_in);
    }

    pub fn has_refresh_token(&self) -> ClientResult<bool> {
        if let Some(known) = *self.signed_in.lock().unwrap_or_else(|p| p.into_inner()) {
            return Ok(known);
        }
        let present = self.secrets.get(REFRESH_TOKEN_ACCOUNT)?.is_some();
        self.remember(present);
        Ok(present)
    }

    /// Keeps a fresh token pair: the refresh token goes to the keyring before anything uses it.
    pub async fn store(&self, tokens: &TokenPair) -> ClientResult<()> {
        self.secrets.set(REFRESH_TOKEN_ACCOUNT, &tokens.refresh_token)?;
        self.remember(true);
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
        let Some(refresh_token) = self.secrets.get(REFRESH_TOKEN_ACCOUNT)? else {
            self.remember(false);
            return Err(crate::ClientError::NotSignedIn);
        };
        let tokens =
            api.call(None, &ep::Refresh { body: RefreshRequest { refresh_token: refresh_token.clone() } }).await?;
        self.secrets.set(REFRESH_TOKEN_ACCOUNT, &tokens.refresh_token)?;
        let token = tokens.access_token.clone();
        *access = Some(Access {
            token: tokens.access_token,
            expires_at: Instant::now() + Duration::from_secs(tokens.access_expires_in_secs),
        });
        Ok(token)
    }

    /// Makes this device believe its access token is good for another hour, as a tablet does
    /// after sleeping (its monotonic clock stood still while the server's did not): the next
    /// request then meets the server's `token_expired`. For tests of that path only.
    #[cfg(any(test, feature = "test-support"))]
    pub async fn believe_access_is_fresh(&self) {
        if let Some(access) = self.access.lock().await.as_mut() {
            access.expires_at = Instant::now() + Duration::from_secs(3600);
        }
    }

    /// The access token in memory, without refreshing.
    pub async fn current_access(&self) -> Option<String> {
        self.access.lock().await.as_ref().map(|a| a.token.clone())
    }

    /// Keeps the refresh token of a session signed out offline, in the keyring, to end it on the
    /// server when the network returns; then forgets the session here.
    pub async fn clear_keeping_revocation(&self) -> ClientResult<()> {
        if let Some(token) = self.secrets.get(REFRESH_TOKEN_ACCOUNT)? {
            let mut pending = self.pending_revocations()?;
            pending.push(token);
            self.secrets.set(PENDING_REVOCATIONS_ACCOUNT, &pending.join("\n"))?;
        }
        self.clear().await
    }

    /// Refresh tokens of sessions still to be ended on the server.
    pub fn pending_revocations(&self) -> ClientResult<Vec<String>> {
        Ok(self
            .secrets
            .get(PENDING_REVOCATIONS_ACCOUNT)?
            .map(|all| all.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default())
    }

    /// Forgets the pending revocations that are done (read again, so that one added meanwhile by
    /// another sign-out stays).
    pub fn remove_pending_revocations(&self, done: &[String]) -> ClientResult<()> {
        let left: Vec<String> = self.pending_revocations()?.into_iter().filter(|t| !done.contains(t)).collect();
        if left.is_empty() {
            self.secrets.delete(PENDING_REVOCATIONS_ACCOUNT)
        } else {
            self.secrets.set(PENDING_REVOCATIONS_ACCOUNT, &left.join("\n"))
        }
    }

    /// Forgets both tokens: the keyring entry is deleted.
    pub async fn clear(&self) -> ClientResult<()> {
        *self.access.lock().await = None;
        self.secrets.delete(REFRESH_TOKEN_ACCOUNT)?;
        self.remember(false);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        atomic::{AtomicU32, Ordering},
        Arc,
    };

    use super::*;
    use crate::vault::MemorySecrets;

    /// Counts the lookups that reach the store.
    struct Counting(MemorySecrets, Arc<AtomicU32>);

    impl SecretStore for Counting {
        fn get(&self, account: &str) -> ClientResult<Option<String>> {
            self.1.fetch_add(1, Ordering::SeqCst);
            self.0.get(account)
        }
        fn set(&self, account: &str, secret: &str) -> ClientResult<()> {
            self.0.set(account, secret)
        }
        fn delete(&self, account: &str) -> ClientResult<()> {
            self.0.delete(account)
        }
    }

    #[tokio::test]
    async fn whether_a_session_exists_is_looked_up_in_the_keyring_once_and_kept_true() {
        let (secrets, lookups) = (MemorySecrets::default(), Arc::new(AtomicU32::new(0)));
        secrets.set(REFRESH_TOKEN_ACCOUNT, "r1").unwrap();
        let session = Session::new(Box::new(Counting(secrets.clone(), lookups.clone())));
        for _ in 0..50 {
            assert!(session.has_refresh_token().unwrap());
        }
        assert_eq!(lookups.load(Ordering::SeqCst), 1, "local work does not go to the Secret Service each time");

        session.clear().await.unwrap();
        assert!(!session.has_refresh_token().unwrap());
        assert_eq!(secrets.get(REFRESH_TOKEN_ACCOUNT).unwrap(), None, "signed out in the keyring too");
        let tokens = TokenPair {
            access_token: "a".into(),
            access_expires_in_secs: 900,
            refresh_token: "r2".into(),
            session_id: uuid::Uuid::now_v7(),
        };
        session.store(&tokens).await.unwrap();
        assert!(session.has_refresh_token().unwrap());
        assert_eq!(secrets.get(REFRESH_TOKEN_ACCOUNT).unwrap().as_deref(), Some("r2"));
        assert_eq!(lookups.load(Ordering::SeqCst), 1);
    }
}
