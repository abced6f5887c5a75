//! The Android keystore for the app's secrets: one entry per (service, account) through
//! `keyring-core`, stored by `android-native-keyring-store`, which encrypts each secret with an
//! AES key generated inside the Android KeyStore (it never leaves it) and keeps only the
//! ciphertext in the app's private SharedPreferences. The store is reached through the
//! `ndk-context` that Tauri's mobile runtime sets up at start.
//!
//! Off Android it opens only over a store set beforehand (`keyring_core::set_default_store`, the
//! mock in tests): the app's core uses it on Android alone.
use std::sync::OnceLock;

/// Why the keystore could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeystoreError(pub String);

impl std::fmt::Display for KeystoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeystoreError {}

fn error(e: impl std::fmt::Display) -> KeystoreError {
    KeystoreError(e.to_string())
}

/// The secrets of one service.
pub struct Keystore {
    service: String,
}

/// The store is set once a process (the first `open` decides; a failure is kept and told again).
static OPENED: OnceLock<Result<(), KeystoreError>> = OnceLock::new();

impl Keystore {
    pub fn open(service: &str) -> Result<Self, KeystoreError> {
        OPENED.get_or_init(set_store).clone()?;
        Ok(Self { service: service.to_owned() })
    }

    pub fn get(&self, account: &str) -> Result<Option<String>, KeystoreError> {
        let entry = keyring_core::Entry::new(&self.service, account).map_err(error)?;
        match entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            // Kept under a key the KeyStore no longer has (a backup restored to another phone,
            // a reset lock screen): it can never be read again, so it is as if it were not there.
            Err(keyring_core::Error::BadDataFormat(..) | keyring_core::Error::BadEncoding(_)) => {
                let _ = entry.delete_credential();
                Ok(None)
            }
            Err(e) => Err(error(e)),
        }
    }

    pub fn set(&self, account: &str, secret: &str) -> Result<(), KeystoreError> {
        keyring_core::Entry::new(&self.service, account).map_err(error)?.set_password(secret).map_err(error)
    }

    /// Deletes the secret; one that is not there is no error.
    pub fn delete(&self, account: &str) -> Result<(), KeystoreError> {
        let entry = keyring_core::Entry::new(&self.service, account).map_err(error)?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(error(e)),
        }
    }
}

#[cfg(target_os = "android")]
fn set_store() -> Result<(), KeystoreError> {
    let store = android_native_keyring_store::AndroidStore::from_ndk_context().map_err(error)?;
    keyring_core::set_default_store(store);
    Ok(())
}

#[cfg(not(target_os = "android"))]
fn set_store() -> Result<(), KeystoreError> {
    match keyring_core::get_default_store() {
        Some(_) => Ok(()),
        None => Err(KeystoreError("the Android keystore exists on Android only".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_kept_read_and_deleted_per_account() {
        keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
        let keys = Keystore::open("portal-test").unwrap();
        assert_eq!(keys.get("refresh").unwrap(), None);
        keys.set("refresh", "r1.token").unwrap();
        assert_eq!(keys.get("refresh").unwrap().as_deref(), Some("r1.token"));
        assert_eq!(keys.get("other").unwrap(), None, "one secret per account");
        keys.delete("refresh").unwrap();
        keys.delete("refresh").unwrap();
        assert_eq!(keys.get("refresh").unwrap(), None);
    }
}
