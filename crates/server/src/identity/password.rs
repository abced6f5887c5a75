//! Passwords: argon2id hashes (PHC strings) and a minimum strength.
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use portal_api::ErrorCode;

use crate::error::AppError;

/// A PHC string for a password nobody has, verified against when the account does not exist,
/// so that a missing account costs the same time as a wrong password.
const DECOY_PASSWORD: &str = "decoy password that no account has";

pub fn check_strength(password: &str) -> Result<(), AppError> {
    let weak = |why: &str| AppError::field(ErrorCode::WeakPassword, "password", why.to_string());
    let count = password.chars().count();
    if count < 8 {
        return Err(weak("A password needs at least 8 characters."));
    }
    if count > 128 {
        return Err(weak("A password has at most 128 characters."));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|&&present| present).count() < 2 {
        return Err(weak("Mix at least two of: lower-case letters, upper-case letters, digits, symbols."));
    }
    Ok(())
}

/// One of the server's password-hashing slots (`Portal::password_slot`), held by the hashing work
/// itself on the blocking pool: a request dropped mid-way (the client hung up) does not free the
/// slot before argon2 is done. `None` outside the server (seeding demo data).
pub type Slot = Option<tokio::sync::OwnedSemaphorePermit>;

/// Hashes on the blocking pool: argon2id is deliberately slow.
pub async fn hash(password: String, slot: Slot) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|_| AppError::internal())?
    .map_err(|_| AppError::internal())
}

/// True when `password` matches `phc`. With no hash, verifies against a decoy and returns false.
pub async fn verify(password: String, phc: Option<String>, slot: Slot) -> bool {
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let decoy;
        let phc = match phc {
            Some(ref phc) => phc.as_str(),
            None => {
                decoy = decoy_hash();
                decoy.as_str()
            }
        };
        let Ok(parsed) = PasswordHash::new(phc) else { return false };
        let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        matches && phc.starts_with("$argon2id$") && password != DECOY_PASSWORD
    })
    .await
    .unwrap_or(false)
}

fn decoy_hash() -> String {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default().hash_password(DECOY_PASSWORD.as_bytes(), &salt).map(|h| h.to_string()).unwrap_or_default()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2id_round_trip() {
        let phc = hash("Correct#horse1".into(), None).await.unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify("Correct#horse1".into(), Some(phc.clone()), None).await);
        assert!(!verify("wrong#horse1".into(), Some(phc), None).await);
        assert!(!verify(DECOY_PASSWORD.into(), None, None).await);
    }

    #[test]
    fn strength() {
        assert!(check_strength("short1A").is_err());
        assert!(check_strength("alllowercase").is_err());
        assert!(check_strength("lower and 1 digit").is_ok());
    }
}
