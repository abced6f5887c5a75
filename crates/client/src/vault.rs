//! Where the refresh token lives: the OS keyring, never a file or the SQLite cache.
use crate::error::{ClientError, ClientResult};

/// A place for one secret per (service, account).
pub trait SecretStore: Send + Sync {
    fn get(&self, account: &str) -> ClientResult<Option<String>>;
    fn set(&self, account: &str, secret: &str) -> ClientResult<()>;
    fn delete(&self, account: &str) -> ClientResult<()>;
}

/// The OS keyring: Secret Service on Linux, Keychain on macOS and iOS, Credential Manager on
/// Windows, the Android keystore on Android (`portal-keystore-android`).
pub struct OsKeyring {
    service: String,
    #[cfg(target_os = "android")]
    keystore: portal_keystore_android::Keystore,
}

impl OsKeyring {
    /// Fails with a visible error on a target without a native store, where the keyring crate
    /// would otherwise fall back to an in-memory mock and forget the session at every start.
    pub fn new(service: &str) -> ClientResult<Self> {
        #[cfg(target_os = "android")]
        {
            let keystore = portal_keystore_android::Keystore::open(service)
                .map_err(|e| ClientError::Keyring(format!("the Android keystore cannot be used: {e}")))?;
            Ok(Self { service: service.to_owned(), keystore })
        }
        #[cfg(not(any(
            target_os = "linux",
            target_os = "macos",
            target_os = "ios",
            target_os = "windows",
            target_os = "android"
        )))]
        {
            let _ = service;
            Err(ClientError::Keyring(
                "this platform has no supported OS keyring; the session cannot be kept safely".into(),
            ))
        }
        #[cfg(any(target_os = "linux", target_os = "macos", target_os = "ios", target_os = "windows"))]
        {
            let persistence = keyring::default::default_credential_builder().persistence();
            if !matches!(persistence, keyring::credential::CredentialPersistence::UntilDelete) {
                return Err(ClientError::Keyring(
                    "the keyring store would forget secrets (an in-memory fallback); refusing to use it".into(),
                ));
            }
            Ok(Self { service: service.to_owned() })
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "ios", target_os = "windows"))]
impl SecretStore for OsKeyring {
    fn get(&self, account: &str) -> ClientResult<Option<String>> {
        let entry = keyring::Entry::new(&self.service, account).map_err(keyring_error)?;
        match entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> ClientResult<()> {
        let entry = keyring::Entry::new(&self.service, account).map_err(keyring_error)?;
        entry.set_password(secret).map_err(keyring_error)
    }

    fn delete(&self, account: &str) -> ClientResult<()> {
        let entry = keyring::Entry::new(&self.service, account).map_err(keyring_error)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

#[cfg(target_os = "android")]
impl SecretStore for OsKeyring {
    fn get(&self, account: &str) -> ClientResult<Option<String>> {
        let _ = &self.service;
        self.keystore.get(account).map_err(|e| ClientError::Keyring(e.0))
    }
    fn set(&self, account: &str, secret: &str) -> ClientResult<()> {
        self.keystore.set(account, secret).map_err(|e| ClientError::Keyring(e.0))
    }
    fn delete(&self, account: &str) -> ClientResult<()> {
        self.keystore.delete(account).map_err(|e| ClientError::Keyring(e.0))
    }
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "macos",
    target_os = "ios",
    target_os = "windows",
    target_os = "android"
)))]
impl SecretStore for OsKeyring {
    fn get(&self, _: &str) -> ClientResult<Option<String>> {
        Err(ClientError::Keyring("no OS keyring on this platform".into()))
    }
    fn set(&self, _: &str, _: &str) -> ClientResult<()> {
        Err(ClientError::Keyring("no OS keyring on this platform".into()))
    }
    fn delete(&self, _: &str) -> ClientResult<()> {
        Err(ClientError::Keyring("no OS keyring on this platform".into()))
    }
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "ios", target_os = "windows"))]
fn keyring_error(e: keyring::Error) -> ClientError {
    ClientError::Keyring(e.to_string())
}

/// The stand-in when the OS keyring cannot be used: every call fails with the reason, so the
/// screens show `keyring_unavailable` instead of a session that silently vanishes.
pub struct Unavailable(pub String);

impl SecretStore for Unavailable {
    fn get(&self, _: &str) -> ClientResult<Option<String>> {
        Err(ClientError::Keyring(self.0.clone()))
    }
    fn set(&self, _: &str, _: &str) -> ClientResult<()> {
        Err(ClientError::Keyring(self.0.clone()))
    }
    fn delete(&self, _: &str) -> ClientResult<()> {
        Err(ClientError::Keyring(self.0.clone()))
    }
}

/// Secrets in memory, for tests of one piece only (the `test-support` feature): the app itself
/// always uses [`OsKeyring`]. Clones share their contents.
#[cfg(any(test, feature = "test-support"))]
#[derive(Clone, Default)]
pub struct MemorySecrets(pub std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, String>>>);

#[cfg(any(test, feature = "test-support"))]
impl SecretStore for MemorySecrets {
    fn get(&self, account: &str) -> ClientResult<Option<String>> {
        Ok(self.0.lock().unwrap_or_else(|p| p.into_inner()).get(account).cloned())
    }
    fn set(&self, account: &str, secret: &str) -> ClientResult<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert(account.into(), secret.into());
        Ok(())
    }
    fn delete(&self, account: &str) -> ClientResult<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(account);
        Ok(())
    }
}
