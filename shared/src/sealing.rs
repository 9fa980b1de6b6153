//! Secrets the server must read back, sealed at rest: a webhook's signing secret is shown
//! once, when the webhook is made, and needed at every delivery to sign it, so it is kept,
//! but only encrypted (AES-256-GCM, the item's key as associated data, so a sealed secret
//! copied to another item does not open).
//!
//! The key is 32 random bytes that never touch the table: in AWS an SSM SecureString
//! parameter (`WEBHOOK_SEALING_KEY_PARAMETER`, read with decryption when first needed and
//! kept for the container's life; docs/operations.md says how to make it); under `make dev`
//! and the tests `WEBHOOK_SEALING_KEY`, 64 hex digits. A table read, export or backup shows
//! no secret. Unlike idempotent responses, which are sealed under the caller's own
//! credential, nothing of the caller's is at hand when a delivery is signed: the server's
//! own key is.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};

use crate::error::ApiError;

/// The sealed form's first byte: which scheme (and key) sealed it, so a later rotation can
/// tell old from new.
const VERSION: u8 = 1;

#[derive(Clone)]
pub struct SealingKey(std::sync::Arc<Source>);

enum Source {
    Fixed([u8; 32]),
    Parameter(Parameter),
    /// Neither variable is set: webhooks cannot be made or delivered (503 naming the
    /// setting), while everything else serves.
    Unset,
}

struct Parameter {
    name: String,
    key: tokio::sync::OnceCell<[u8; 32]>,
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

impl SealingKey {
    /// A key given as 64 hex digits.
    pub fn from_hex(text: &str) -> Option<Self> {
        crate::digest::parse_hex32(text).map(|k| Self(std::sync::Arc::new(Source::Fixed(k))))
    }

    /// The key the SSM SecureString parameter `name` holds, read when first needed.
    pub fn from_parameter(name: &str) -> Self {
        Self(std::sync::Arc::new(Source::Parameter(Parameter {
            name: name.to_string(),
            key: tokio::sync::OnceCell::new(),
        })))
    }

    pub fn unset() -> Self {
        Self(std::sync::Arc::new(Source::Unset))
    }

    /// `WEBHOOK_SEALING_KEY` (64 hex digits), else `WEBHOOK_SEALING_KEY_PARAMETER`, else
    /// unset. `None` if the first is set but not 64 hex digits.
    pub fn from_env() -> Option<Self> {
        let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        match (set("WEBHOOK_SEALING_KEY"), set("WEBHOOK_SEALING_KEY_PARAMETER")) {
            (Some(hex), _) => Self::from_hex(&hex),
            (None, Some(name)) => Some(Self::from_parameter(&name)),
            (None, None) => Some(Self::unset()),
        }
    }

    async fn key(&self) -> Result<LessSafeKey, ApiError> {
        let bytes = self.bytes().await?;
        Ok(LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &bytes).expect("a 32-byte AES-256 key"),
        ))
    }

    /// An HMAC-SHA256 key for `purpose`, derived from this key by HKDF: embed tokens and
    /// page sessions are signed under keys of their own, never under the sealing key
    /// itself, so one secret in SSM serves them all and no signature opens a seal.
    pub async fn derived_hmac_key(&self, purpose: &'static [u8]) -> Result<ring::hmac::Key, ApiError> {
        use ring::hkdf;
        let bytes = self.bytes().await?;
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"server key derivation v1").extract(&bytes);
        let mut key = [0u8; 32];
        prk.expand(&[purpose], hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut key))
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Ok(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key))
    }

    /// The key's 32 bytes, or 503 naming the setting when none is configured.
    async fn bytes(&self) -> Result<[u8; 32], ApiError> {
        Ok(
            match &*self.0 {
                Source::Fixed(bytes) => *bytes,
                Source::Parameter(parameter) => parameter.key().await?,
                Source::Unset => return Err(ApiError::unavailable().with_detail(
                    "the server key is not configured: set WEBHOOK_SEALING_KEY_PARAMETER (docs/operations.md, \"Webhooks\"); webhooks, embed tokens and pages need it",
                )),
            },
        )
    }

    /// `version || nonce || ciphertext || tag`, bound to `context` (the item's key).
    pub async fn seal(&self, context: &str, secret: &[u8]) -> Result<Vec<u8>, ApiError> {
        let key = self.key().await?;
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| ApiError::internal().with_detail("no randomness for a nonce"))?;
        let mut sealed = secret.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(context.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| ApiError::internal().with_detail("sealing a secret failed"))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.append(&mut sealed);
        Ok(out)
    }

    /// The secret `seal` sealed under this key and `context`; an error if it was sealed
    /// under another key or context, or altered.
    pub async fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, ApiError> {
        let key = self.key().await?;
        let broken = || ApiError::internal().with_detail("a sealed secret does not open under the sealing key");
        let (version, rest) = sealed.split_first().ok_or_else(broken)?;
        if *version != VERSION || rest.len() < NONCE_LEN {
            return Err(broken());
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| broken())?;
        let mut buffer = ciphertext.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut buffer)
            .map_err(|_| broken())?;
        Ok(plain.to_vec())
    }
}

impl Parameter {
    async fn key(&self) -> Result<[u8; 32], ApiError> {
        self.key
            .get_or_try_init(|| async {
                let unavailable = |detail: String| ApiError::unavailable().with_detail(detail);
                let client = aws_sdk_ssm::Client::new(&crate::sdk::sdk_config().await);
                let out = client
                    .get_parameter()
                    .name(&self.name)
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(|e| {
                        unavailable(format!(
                            "reading the webhook sealing key parameter: {}",
                            crate::store::error::with_sources(&e)
                        ))
                    })?;
                let value = out.parameter().and_then(|p| p.value()).unwrap_or_default();
                crate::digest::parse_hex32(value)
                    .ok_or_else(|| unavailable("the webhook sealing key parameter must hold 64 hex digits".into()))
            })
            .await
            .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[tokio::test]
    async fn a_sealed_secret_opens_only_under_its_key_and_context() {
        let key = SealingKey::from_hex(KEY).unwrap();
        let sealed = key.seal("ORG#1|WEBHOOK#a", b"whsec_1234").await.unwrap();
        assert!(!sealed.windows(10).any(|w| w == b"whsec_1234"), "not in clear");
        assert_eq!(key.open("ORG#1|WEBHOOK#a", &sealed).await.unwrap(), b"whsec_1234");
        assert!(key.open("ORG#1|WEBHOOK#b", &sealed).await.is_err(), "bound to its item");
        let other = SealingKey::from_hex(&KEY.replace("00", "ff")).unwrap();
        assert!(
            other.open("ORG#1|WEBHOOK#a", &sealed).await.is_err(),
            "bound to its key"
        );
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(key.open("ORG#1|WEBHOOK#a", &altered).await.is_err(), "tamper-evident");
        assert!(key.open("ORG#1|WEBHOOK#a", &[]).await.is_err());
        assert_ne!(
            sealed,
            key.seal("ORG#1|WEBHOOK#a", b"whsec_1234").await.unwrap(),
            "fresh nonce"
        );
    }

    #[tokio::test]
    async fn an_unset_key_is_a_clear_503_and_a_bad_one_is_refused() {
        assert!(SealingKey::from_hex("abc").is_none());
        assert!(SealingKey::from_hex(&"g".repeat(64)).is_none());
        let error = SealingKey::unset().seal("c", b"s").await.unwrap_err();
        assert_eq!(error.status.as_u16(), 503);
    }
}
