//! What the push providers sign in with: a signed JWT (RS256 for a Google service account, ES256
//! for APNs), keys read from PEM, and a cache of one access token per provider that is fetched
//! again a minute before it expires, or at once when the provider says it is no longer good.
use std::time::{Duration, Instant};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ring::{rand::SystemRandom, signature};
use tokio::sync::Mutex;

/// The DER inside a PEM block (`-----BEGIN …-----`), whatever its label; none if it is not PEM.
pub fn pem_der(pem: &str) -> Option<Vec<u8>> {
    // A key pasted into one environment variable may carry `\n` written out.
    let pem = pem.replace("\\n", "\n");
    let body: String = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok().filter(|d| !d.is_empty())
}

/// A JWT's `header.claims` part, base64url without padding.
fn signing_input(header: &serde_json::Value, claims: &serde_json::Value) -> String {
    format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()))
}

/// An RSA key (PKCS#8) that signs RS256 JWTs.
pub struct Rs256 {
    key: signature::RsaKeyPair,
}

impl Rs256 {
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let der = pem_der(pem).ok_or_else(|| anyhow::anyhow!("the private key is not PEM"))?;
        let key = signature::RsaKeyPair::from_pkcs8(&der)
            .map_err(|e| anyhow::anyhow!("the private key is not a PKCS#8 RSA key: {e}"))?;
        Ok(Self { key })
    }

    pub fn jwt(&self, claims: &serde_json::Value) -> String {
        let input = signing_input(&serde_json::json!({ "alg": "RS256", "typ": "JWT" }), claims);
        let mut sig = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(&signature::RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut sig)
            .expect("signing with a key that loaded");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}

/// A P-256 key (PKCS#8) that signs ES256 JWTs (the signature as r‖s, as JWS wants it).
pub struct Es256 {
    key: signature::EcdsaKeyPair,
}

impl Es256 {
    pub fn from_pem(pem: &str) -> anyhow::Result<Self> {
        let der = pem_der(pem).ok_or_else(|| anyhow::anyhow!("the signing key is not PEM"))?;
        let key = signature::EcdsaKeyPair::from_pkcs8(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &der,
            &SystemRandom::new(),
        )
        .map_err(|e| anyhow::anyhow!("the signing key is not a PKCS#8 P-256 key: {e}"))?;
        Ok(Self { key })
    }

    pub fn jwt(&self, header: serde_json::Value, claims: &serde_json::Value) -> String {
        let input = signing_input(&header, claims);
        let sig = self.key.sign(&SystemRandom::new(), input.as_bytes()).expect("signing with a key that loaded");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }
}

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: u64,
}

/// An OAuth 2.0 token from `url` for `form` (a JWT-bearer assertion, client credentials): the
/// token and its seconds to live (at least a minute); what went wrong, naming `who`, otherwise.
pub async fn fetch_token(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
    who: &str,
) -> Result<(String, u64), String> {
    let response =
        http.post(url).form(form).send().await.map_err(|e| format!("{who} unreachable: {}", e.without_url()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{who} answered HTTP {status}"));
    }
    let answer: TokenAnswer = response.json().await.map_err(|_| format!("{who} answered without a token"))?;
    Ok((answer.access_token, answer.expires_in.max(60)))
}

/// One bearer token, kept until shortly before it expires.
#[derive(Default)]
pub struct TokenCache {
    held: Mutex<Option<(String, Instant)>>,
}

/// How long before its end a token is taken for expired.
const MARGIN: Duration = Duration::from_secs(60);

impl TokenCache {
    /// The token held, or a new one from `fetch` (its text and seconds to live). Callers waiting
    /// at once share one fetch.
    pub async fn get<F, Fut>(&self, fetch: F) -> Result<String, String>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(String, u64), String>>,
    {
        let mut held = self.held.lock().await;
        if let Some((token, until)) = held.as_ref() {
            if Instant::now() + MARGIN < *until {
                return Ok(token.clone());
            }
        }
        let (token, secs) = fetch().await?;
        *held = Some((token.clone(), Instant::now() + Duration::from_secs(secs)));
        Ok(token)
    }

    /// Forgets the token (the provider refused it): the next call fetches another.
    pub async fn forget(&self) {
        *self.held.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_read_with_real_or_written_out_newlines() {
        let pem = "-----BEGIN PRIVATE KEY-----\nAAEC\nAwQ=\n-----END PRIVATE KEY-----\n";
        assert_eq!(pem_der(pem), Some(vec![0, 1, 2, 3, 4]));
        assert_eq!(pem_der(&pem.replace('\n', "\\n")), Some(vec![0, 1, 2, 3, 4]));
        assert_eq!(pem_der("not a key"), None);
    }

    #[test]
    fn an_es256_token_verifies_with_its_public_key() {
        let rng = SystemRandom::new();
        let pkcs8 = signature::EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----",
            base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref())
        );
        let key = Es256::from_pem(&pem).unwrap();
        let token = key.jwt(serde_json::json!({ "alg": "ES256", "kid": "K" }), &serde_json::json!({ "iss": "T" }));
        let (input, sig) = token.rsplit_once('.').unwrap();
        let pair =
            signature::EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
                .unwrap();
        use signature::KeyPair;
        let public = signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, pair.public_key().as_ref());
        assert!(public.verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).unwrap()).is_ok());
    }

    #[tokio::test]
    async fn a_token_is_fetched_once_until_it_nears_its_end_or_is_forgotten() {
        let cache = TokenCache::default();
        let fetches = std::sync::atomic::AtomicU32::new(0);
        let fetch = || async {
            let n = fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok((format!("t{n}"), 3_600))
        };
        assert_eq!(cache.get(fetch).await.unwrap(), "t0");
        assert_eq!(cache.get(fetch).await.unwrap(), "t0");
        cache.forget().await;
        assert_eq!(cache.get(fetch).await.unwrap(), "t1");
        let short = TokenCache::default();
        assert_eq!(short.get(|| async { Ok(("s".to_string(), 30)) }).await.unwrap(), "s");
        assert_eq!(short.get(|| async { Ok(("s2".to_string(), 30)) }).await.unwrap(), "s2", "within the margin");
    }
}
