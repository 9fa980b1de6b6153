//! Signing a person in to the pages: Answering Agent's embed tokens, and the session cookie
//! one is exchanged for (docs.answeringagent.com, "advanced/embed").
//!
//! Neither is stored. Both are HMAC-SHA256 signatures under keys derived from the server's
//! sealing key (`crate::sealing`, in SSM), over what they grant: an organization, a user
//! (its numeric id and external id) and the user's embed *generation* there, a random value
//! kept in the user's partition. `POST` and `DELETE .../embed-token` put a new generation,
//! which is what Answering Agent calls rotating the user's signing secret: every token and
//! every session signed for the old one stops opening at once. A table read, export or
//! backup shows no token; a user made again under the same external id has a new numeric
//! id, so no old token names it.
//!
//! - An embed token is `base64url("<org id>|<external id>|<32 hex digits>")`, the digits
//!   the first 16 bytes of the signature: compact enough for a query parameter or a
//!   `data-token` attribute, as Answering Agent's are.
//! - A session is the cookie [`COOKIE_NAME`]: `base64url(payload).base64url(signature)`,
//!   the payload naming the same grant and when it expires ([`SESSION_SECONDS`] after
//!   the embed URL was opened). `HttpOnly`; `Secure; SameSite=None; Partitioned` when
//!   deployed (an embedded page is a third-party frame, which `Lax` would leave signed
//!   out), `SameSite=Lax` on `make dev`'s plain http.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;
use subtle::ConstantTimeEq;

use crate::digest::hex;
use crate::domain::organization::OrgId;

/// The purposes the server key is derived for (`SealingKey::derived_hmac_key`).
const EMBED_TOKEN_KEY: &[u8] = b"embed token v1";
const SESSION_KEY: &[u8] = b"page session v1";

/// The key embed tokens are signed under, derived from the server's sealing key; 503 when
/// none is configured.
pub async fn token_key(server: &crate::sealing::SealingKey) -> Result<hmac::Key, crate::error::ApiError> {
    server.derived_hmac_key(EMBED_TOKEN_KEY).await
}

/// The key sessions (and their forms' tokens) are signed under.
pub async fn session_key(server: &crate::sealing::SealingKey) -> Result<hmac::Key, crate::error::ApiError> {
    server.derived_hmac_key(SESSION_KEY).await
}

/// How long a session lasts after the embed URL was opened: a new embed URL opens a new one.
pub const SESSION_SECONDS: u64 = 3600;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "workspace_session";

/// The generation a user has before any rotation: tokens are signed for it until the
/// first `POST` or `DELETE` of the user's embed token puts a random one.
pub const FIRST_GENERATION: &str = "0";

/// How many bytes of the signature an embed token carries (128 bits).
const TOKEN_MAC_BYTES: usize = 16;

/// What a token or a session grants: one user, in one organization, while the user's
/// generation there is `generation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub org: OrgId,
    pub user_id: u64,
    pub external_id: String,
    pub generation: String,
}

impl SignIn {
    /// What signing `account` in to `org` grants now: its user, at its generation there.
    pub fn of(org: OrgId, account: crate::store::embed::EmbedAccount) -> Self {
        Self {
            org,
            user_id: account.user.id,
            external_id: account.user.external_id,
            generation: account.generation.unwrap_or_else(|| FIRST_GENERATION.to_string()),
        }
    }

    fn signed_text(&self, purpose: &str) -> String {
        format!(
            "{purpose}|{}|{}|{}|{}",
            self.org.0, self.user_id, self.generation, self.external_id
        )
    }
}

/// The embed token for `sign_in`.
pub fn embed_token(key: &hmac::Key, sign_in: &SignIn) -> String {
    let tag = hmac::sign(key, sign_in.signed_text("embed").as_bytes());
    let text = format!(
        "{}|{}|{}",
        sign_in.org.0,
        sign_in.external_id,
        hex(&tag.as_ref()[..TOKEN_MAC_BYTES])
    );
    URL_SAFE_NO_PAD.encode(text)
}

/// Who an embed token says it is for. Believed only once [`ClaimedToken::signed_for`]
/// holds for the user and generation the store has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedToken {
    pub org: OrgId,
    pub external_id: String,
    mac: String,
}

impl ClaimedToken {
    /// The token's claim, if it has the form of one.
    pub fn parse(token: &str) -> Option<Self> {
        if token.is_empty() || token.len() > 1024 {
            return None;
        }
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
        let (org, rest) = text.split_once('|')?;
        let (external_id, mac) = rest.rsplit_once('|')?;
        let digits = mac.len() == 2 * TOKEN_MAC_BYTES && mac.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let org = org.parse::<u64>().ok().filter(|_| !org.starts_with('0'))?;
        (digits && !external_id.is_empty()).then(|| Self {
            org: OrgId(org),
            external_id: external_id.to_string(),
            mac: mac.to_string(),
        })
    }

    /// Whether the token is the one signed for `sign_in` (its organization and external id
    /// are the claim's), compared in constant time.
    pub fn signed_for(&self, key: &hmac::Key, sign_in: &SignIn) -> bool {
        let same_claim = sign_in.org == self.org && sign_in.external_id == self.external_id;
        let expected = embed_token(key, sign_in);
        let given = URL_SAFE_NO_PAD.encode(format!("{}|{}|{}", self.org.0, self.external_id, self.mac));
        same_claim && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
    }
}

/// A session cookie's value for `sign_in`, expiring at `expires_at` (unix seconds).
pub fn session_value(key: &hmac::Key, sign_in: &SignIn, expires_at: u64) -> String {
    let payload = format!("{expires_at}|{}", sign_in.signed_text("session"));
    let tag = hmac::sign(key, payload.as_bytes());
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(tag.as_ref())
    )
}

/// The grant a session cookie's value carries, if it was signed under `key` and has not
/// expired at `now` (unix seconds). Still to be checked against the store: the user's
/// membership and generation.
pub fn open_session(key: &hmac::Key, value: &str, now: u64) -> Option<SignIn> {
    if value.len() > 2048 {
        return None;
    }
    let (payload, tag) = value.split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    hmac::verify(key, &payload, &tag).ok()?;
    let text = String::from_utf8(payload).ok()?;
    let mut parts = text.splitn(6, '|');
    let expires_at: u64 = parts.next()?.parse().ok()?;
    let purpose = parts.next()?;
    let org: u64 = parts.next()?.parse().ok()?;
    let user_id: u64 = parts.next()?.parse().ok()?;
    let generation = parts.next()?.to_string();
    let external_id = parts.next()?.to_string();
    (purpose == "session" && now < expires_at).then_some(SignIn {
        org: OrgId(org),
        user_id,
        external_id,
        generation,
    })
}

/// The token a form that writes carries (a hidden field), bound to the session it was
/// shown in: a page of another site can neither read it nor make one.
pub fn form_token(key: &hmac::Key, session_value: &str) -> String {
    let tag = hmac::sign(key, format!("form|{session_value}").as_bytes());
    URL_SAFE_NO_PAD.encode(&tag.as_ref()[..TOKEN_MAC_BYTES])
}

/// Whether `given` is the form token of `session_value`, compared in constant time.
pub fn form_token_matches(key: &hmac::Key, session_value: &str, given: &str) -> bool {
    form_token(key, session_value).as_bytes().ct_eq(given.as_bytes()).into()
}

/// A new random generation: 16 random bytes as hex.
pub fn new_generation() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    hex(&bytes)
}

/// The session cookie's value among a request's `Cookie` headers, if it carries one.
pub fn cookie_value(headers: &lambda_http::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(lambda_http::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim())
}

/// How the session cookie is sent: `secure` when the pages are served over https
/// (deployed), which embedding in another site's frame needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    /// The `Set-Cookie` header that starts a session.
    pub fn start(self, value: &str) -> String {
        format!("{COOKIE_NAME}={value}; {}", self.attributes(SESSION_SECONDS))
    }

    /// The `Set-Cookie` header that ends one.
    pub fn end(self) -> String {
        format!("{COOKIE_NAME}=; {}", self.attributes(0))
    }

    fn attributes(self, max_age: u64) -> String {
        let site = if self.secure {
            "Secure; SameSite=None; Partitioned"
        } else {
            "SameSite=Lax"
        };
        format!("Path=/; Max-Age={max_age}; HttpOnly; {site}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, &[byte; 32])
    }

    fn ada() -> SignIn {
        SignIn {
            org: OrgId(7),
            user_id: 42,
            external_id: "ada|lovelace".into(),
            generation: FIRST_GENERATION.into(),
        }
    }

    #[test]
    fn an_embed_token_opens_only_for_what_it_was_signed_for() {
        let token = embed_token(&key(1), &ada());
        let claim = ClaimedToken::parse(&token).expect("a token parses");
        assert_eq!((claim.org, claim.external_id.as_str()), (OrgId(7), "ada|lovelace"));
        assert!(claim.signed_for(&key(1), &ada()));
        let others = [
            SignIn {
                generation: new_generation(),
                ..ada()
            },
            SignIn { user_id: 43, ..ada() },
            SignIn { org: OrgId(8), ..ada() },
            SignIn {
                external_id: "ada".into(),
                ..ada()
            },
        ];
        for other in &others {
            assert!(!claim.signed_for(&key(1), other), "{other:?}");
        }
        assert!(!claim.signed_for(&key(2), &ada()), "another server key");
    }

    #[test]
    fn malformed_tokens_claim_nothing() {
        let good = String::from_utf8(URL_SAFE_NO_PAD.decode(embed_token(&key(1), &ada())).unwrap()).unwrap();
        let bad = [
            String::new(),
            "not base64 !".into(),
            URL_SAFE_NO_PAD.encode("7|ada"),
            URL_SAFE_NO_PAD.encode(good.replace("7|", "07|")),
            URL_SAFE_NO_PAD.encode(good.replace("7|", "x|")),
            URL_SAFE_NO_PAD.encode(&good[..good.len() - 1]),
            URL_SAFE_NO_PAD.encode(format!("{}A", &good[..good.len() - 1])),
            URL_SAFE_NO_PAD.encode("7||0123456789abcdef0123456789abcdef"),
            "A".repeat(2000),
        ];
        for token in bad {
            assert_eq!(ClaimedToken::parse(&token), None, "{token}");
        }
    }

    #[test]
    fn a_session_opens_until_it_expires_and_only_unaltered() {
        let value = session_value(&key(1), &ada(), 1000);
        assert_eq!(open_session(&key(1), &value, 999), Some(ada()));
        assert_eq!(open_session(&key(1), &value, 1000), None, "expired");
        assert_eq!(open_session(&key(2), &value, 1), None, "another key");
        let (payload, tag) = value.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(
            String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap())
                .unwrap()
                .replace("|7|", "|8|"),
        );
        assert_eq!(
            open_session(&key(1), &format!("{forged}.{tag}"), 1),
            None,
            "another org"
        );
        for junk in ["", ".", "a.b", &value.replace('.', ""), &format!("{value}x")] {
            assert_eq!(open_session(&key(1), junk, 1), None, "{junk}");
        }
        // An embed token is no session, nor the other way round.
        assert_eq!(open_session(&key(1), &embed_token(&key(1), &ada()), 1), None);
    }

    #[test]
    fn form_tokens_are_bound_to_their_session() {
        let one = session_value(&key(1), &ada(), 1000);
        let two = session_value(&key(1), &ada(), 1001);
        let token = form_token(&key(1), &one);
        assert!(form_token_matches(&key(1), &one, &token));
        assert!(!form_token_matches(&key(1), &two, &token));
        assert!(!form_token_matches(&key(1), &one, ""));
    }

    #[test]
    fn the_cookie_is_found_among_others_and_sent_as_the_setting_says() {
        let mut headers = lambda_http::http::HeaderMap::new();
        headers.append("cookie", "a=1; workspace_sessionx=2".parse().unwrap());
        headers.append("cookie", "b=3;  workspace_session=v.w ; c=4".parse().unwrap());
        assert_eq!(cookie_value(&headers), Some("v.w"));
        let deployed = CookiePolicy { secure: true }.start("v");
        assert!(deployed.contains("HttpOnly") && deployed.contains("Secure") && deployed.contains("SameSite=None"));
        let local = CookiePolicy { secure: false }.start("v");
        assert!(local.contains("SameSite=Lax") && !local.contains("Secure"));
        assert!(CookiePolicy { secure: true }.end().contains("Max-Age=0"));
    }
}
