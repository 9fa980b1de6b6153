//! Idempotent POSTs, as Stripe's API has them: a write request with an `Idempotency-Key`
//! header is done once per key and caller. It runs after authentication, so a replay is
//! authenticated like any request (a revoked key, or a deleted organization's, gets 401), and
//! nothing is written for a request that is not.
//!
//! The first request claims the key (a conditional PutItem); a retry with the same key and
//! the same request gets the first response again, status and body alike, without a second
//! write; the same key with a different request gets 422; a retry while the first is still
//! running gets 409. A response of 5xx releases the key, so a retry does the work again.
//!
//! What is stored, under `PK = IDEMP#<caller>#<key>`: the caller is the principal's ids
//! (`admin`, or `org:<org id>:key:<key id>`), never a credential or a hash of one. The item
//! holds a random salt; an HMAC of the request (method, path, query, body) as its
//! fingerprint; and the response's status and its body encrypted with AES-256-GCM (the item's
//! key as associated data). Both keys are derived with HKDF-SHA256 from the salt and the
//! credential the request was authenticated with, which the server never stores: a table
//! read or a backup shows neither the response (an API key's secret, say) nor anything to
//! check a guessed credential against without also guessing the salt's input. The item lives
//! 24 hours (DynamoDB TTL on `expires_at`).

use lambda_http::http::{HeaderMap, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::{hkdf, hmac};
use subtle::ConstantTimeEq;

use crate::auth::{Caller, Credential};
use crate::error::ApiError;
use crate::store::idempotency::{HeldRecord, IdempotencyRecordId, NewClaim};
use crate::store::Store;

/// The TTL attribute of idempotency records (template.yaml enables TTL on it).
pub use crate::store::idempotency::TTL_ATTRIBUTE;

/// How long a key is remembered.
pub const KEEP_SECONDS: u64 = 24 * 60 * 60;
/// How long a claimed key waits for its first request before another may take it over
/// (the first one's function died mid-request).
pub const PENDING_SECONDS: u64 = 60;
/// Responses larger than this are not kept (a retry then does the work again).
const MAX_KEPT_BODY: usize = 300_000;
const SALT_LEN: usize = 16;

/// The header, if the request has one. 1-255 visible ASCII characters.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(key) = crate::http::single_header(headers, "idempotency-key")? else {
        return Ok(None);
    };
    let key = key.trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::validation(
            "`Idempotency-Key` must be 1-255 visible ASCII characters",
        ));
    }
    Ok(Some(key.to_string()))
}

/// An authenticated request with an `Idempotency-Key`: where its record lives, and what
/// its fingerprint and encryption keys are derived from.
pub struct IdempotentRequest<'a> {
    id: IdempotencyRecordId,
    credential: &'a Credential<'a>,
    /// `<method> <path>?<query>` and the body (borrowed, never copied): what must match
    /// for a replay.
    target: String,
    body: &'a [u8],
}

impl<'a> IdempotentRequest<'a> {
    pub fn new(caller: &Caller, credential: &'a Credential<'a>, key: &str, req: &'a Request) -> Self {
        Self {
            id: IdempotencyRecordId::new(&caller.scope(), key),
            credential,
            target: format!(
                "{} {}?{}\n",
                req.method(),
                req.uri().path(),
                req.uri().query().unwrap_or("")
            ),
            body: req.body().as_ref(),
        }
    }

    /// The parts the fingerprint covers, in order.
    fn parts(&self) -> [&[u8]; 2] {
        [self.target.as_bytes(), self.body]
    }
}

/// The two keys of one record, derived from its salt and the caller's credential.
struct RecordKeys {
    fingerprint: hmac::Key,
    body: LessSafeKey,
}

impl RecordKeys {
    fn derive(salt: &[u8], credential: &Credential<'_>) -> Self {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(credential.expose());
        let expand = |info: &[u8]| {
            let mut out = [0u8; 32];
            prk.expand(&[info], hkdf::HKDF_SHA256)
                .and_then(|okm| okm.fill(&mut out))
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            out
        };
        Self {
            fingerprint: hmac::Key::new(hmac::HMAC_SHA256, &expand(b"idempotency fingerprint v1")),
            body: LessSafeKey::new(
                UnboundKey::new(&AES_256_GCM, &expand(b"idempotency body v1")).expect("a 32-byte AES-256 key"),
            ),
        }
    }

    /// The HMAC of `parts` one after the other.
    fn fingerprint(&self, parts: &[&[u8]]) -> Vec<u8> {
        let mut context = hmac::Context::with_key(&self.fingerprint);
        for part in parts {
            context.update(part);
        }
        context.sign().as_ref().to_vec()
    }

    /// `nonce || ciphertext || tag`, bound to the record's key.
    fn seal(&self, pk: &str, body: &[u8]) -> Result<Vec<u8>, ApiError> {
        let nonce_bytes: [u8; NONCE_LEN] = random()?;
        let mut sealed = body.to_vec();
        self.body
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(pk.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| ApiError::internal().with_detail("sealing an idempotent response failed"))?;
        let mut out = nonce_bytes.to_vec();
        out.append(&mut sealed);
        Ok(out)
    }

    fn open(&self, pk: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut in_out = ciphertext.to_vec();
        let plain = self
            .body
            .open_in_place(nonce, Aad::from(pk.as_bytes()), &mut in_out)
            .ok()?;
        Some(plain.to_vec())
    }
}

fn random<const N: usize>() -> Result<[u8; N], ApiError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| ApiError::internal().with_detail(format!("no randomness: {e}")))?;
    Ok(out)
}

fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// What to do with an idempotent request.
pub enum Begin {
    /// The key is ours: run the request, then [`finish`] with its response.
    Run(Box<Claim>),
    /// The key was used for this same request: here is its response again.
    Replay(Response<Body>),
}

/// A claimed key, to be finished once the response is known.
pub struct Claim {
    id: IdempotencyRecordId,
    keys: RecordKeys,
}

/// Claims the request's key, or answers from an earlier request with it.
pub async fn begin(store: &Store, request: &IdempotentRequest<'_>) -> Result<Begin, ApiError> {
    let salt: [u8; SALT_LEN] = random()?;
    let keys = RecordKeys::derive(&salt, request.credential);
    let now = now_seconds();
    let claim = NewClaim {
        salt: &salt,
        fingerprint: keys.fingerprint(&request.parts()),
        now,
        pending_until: now + PENDING_SECONDS,
        expires_at: now + KEEP_SECONDS,
    };
    match store.claim_idempotency_record(&request.id, claim).await? {
        None => Ok(Begin::Run(Box::new(Claim {
            id: request.id.clone(),
            keys,
        }))),
        Some(held) => replay(request, held).map(Begin::Replay),
    }
}

/// The earlier response to this request, from the record another request with the same
/// key left.
fn replay(request: &IdempotentRequest<'_>, old: HeldRecord) -> Result<Response<Body>, ApiError> {
    let keys = RecordKeys::derive(&old.salt, request.credential);
    let same_request: bool = keys.fingerprint(&request.parts()).ct_eq(&old.fingerprint).into();
    if !same_request {
        return Err(ApiError::idempotency_key_reused(
            "This Idempotency-Key was used with a different request; use a new key for a new request",
        ));
    }
    if !old.done {
        return Err(ApiError::idempotency_in_progress(
            "A request with this Idempotency-Key is still being processed; retry shortly",
        ));
    }
    let status = old
        .status
        .and_then(|v| StatusCode::from_u16(v).ok())
        .ok_or_else(|| ApiError::internal().with_detail("idempotency record without a status"))?;
    let body = keys
        .open(request.id.as_str(), &old.body)
        .and_then(|plain| String::from_utf8(plain).ok())
        .ok_or_else(|| ApiError::internal().with_detail("an idempotent response did not decrypt"))?;
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::Text(body))
        .expect("a stored status always builds");
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(response)
}

/// Keeps the response, encrypted, for retries; or releases the key after a 5xx (or a
/// response too big to keep), so that a retry does the work again.
pub async fn finish(store: &Store, claim: Box<Claim>, response: &Response<Body>) -> Result<(), ApiError> {
    let body: &[u8] = response.body().as_ref();
    if response.status().is_server_error() || body.len() > MAX_KEPT_BODY {
        store.release_idempotency_record(&claim.id).await?;
        return Ok(());
    }
    let sealed = claim.keys.seal(claim.id.as_str(), body)?;
    store
        .keep_idempotent_response(&claim.id, response.status().as_u16(), sealed)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(text: &str) -> Credential<'_> {
        Credential::for_tests(text)
    }

    #[test]
    fn a_sealed_body_opens_only_with_its_credential_salt_and_record() {
        let keys = RecordKeys::derive(b"salt-1", &credential("secret"));
        let sealed = keys.seal("IDEMP#admin#k", b"{\"secret\":\"ak_1\"}").unwrap();
        assert!(!sealed.windows(4).any(|w| w == b"ak_1"), "the body is not in clear");
        assert_eq!(keys.open("IDEMP#admin#k", &sealed).unwrap(), b"{\"secret\":\"ak_1\"}");
        assert!(keys.open("IDEMP#admin#other", &sealed).is_none(), "bound to its record");
        let other_credential = RecordKeys::derive(b"salt-1", &credential("secreT"));
        assert!(other_credential.open("IDEMP#admin#k", &sealed).is_none());
        let other_salt = RecordKeys::derive(b"salt-2", &credential("secret"));
        assert!(other_salt.open("IDEMP#admin#k", &sealed).is_none());
        assert!(keys.open("IDEMP#admin#k", &sealed[..5]).is_none());
    }

    #[test]
    fn fingerprints_depend_on_request_salt_and_credential() {
        let keys = RecordKeys::derive(b"salt", &credential("secret"));
        let print = keys.fingerprint(&[b"POST /x\n{}"]);
        assert_eq!(print, keys.fingerprint(&[b"POST /x\n", b"{}"]), "the parts as one text");
        assert_ne!(print, keys.fingerprint(&[b"POST /x\n{ }"]));
        assert_ne!(
            print,
            RecordKeys::derive(b"salt", &credential("other")).fingerprint(&[b"POST /x\n{}"])
        );
        assert_ne!(
            print,
            RecordKeys::derive(b"tlas", &credential("secret")).fingerprint(&[b"POST /x\n{}"])
        );
    }
}
