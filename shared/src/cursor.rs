//! Opaque query cursors: where a records query stopped, bound to the organization, the
//! object and the query (its filter and sorts), and sealed with an HMAC under a key derived
//! from the caller's credential, so a cursor that was changed, or is sent with another
//! query, object or key, is refused rather than read.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::{hkdf, hmac};
use serde::{Deserialize, Serialize};

use crate::domain::filter::Rank;
use crate::domain::Invalid;

/// Where a query's next page starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// After this display number: in display-number order, or among the records without a
    /// value that follow an index's.
    AfterNumber(u64),
    /// After this index entry (its value key and display number), in the scan's order.
    AfterEntry { value: String, number: u64 },
    /// After this record's place in a sort no index gives (its sort keys and display
    /// number): the next page is what sorts after it, whatever was written meanwhile.
    AfterRank(Rank),
}

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    org: u64,
    object: String,
    query: String,
    position: Position,
}

/// The key cursors are sealed with, for one credential.
pub struct CursorKey(hmac::Key);

impl CursorKey {
    pub fn for_credential(credential: &[u8]) -> Self {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, b"records query cursor v1").extract(credential);
        let mut key = [0u8; 32];
        prk.expand(&[b"cursor mac"], hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut key))
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self(hmac::Key::new(hmac::HMAC_SHA256, &key))
    }

    /// `<payload>.<mac>`, both base64url.
    pub fn seal(&self, org: u64, object: &str, query: &str, position: Position) -> String {
        let payload = serde_json::to_vec(&Payload {
            org,
            object: object.to_string(),
            query: query.to_string(),
            position,
        })
        .expect("a payload serializes");
        let tag = hmac::sign(&self.0, &payload);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }

    /// The position a cursor holds, if it is one this key sealed for this org, object and
    /// query.
    pub fn open(&self, cursor: &str, org: u64, object: &str, query: &str) -> Result<Position, Invalid> {
        let refused = || {
            Invalid::value("`cursor` is not a cursor this query returned: send the `next_cursor` of the same query, object and API key, unchanged")
        };
        let (payload, tag) = cursor.split_once('.').ok_or_else(refused)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| refused())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| refused())?;
        hmac::verify(&self.0, &payload, &tag).map_err(|_| refused())?;
        let payload: Payload = serde_json::from_slice(&payload).map_err(|_| refused())?;
        if payload.org != org || payload.object != object || payload.query != query {
            return Err(refused());
        }
        Ok(payload.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_opens_only_as_it_was_sealed() {
        let key = CursorKey::for_credential(b"ak_1");
        let cursor = key.seal(7, "companies", "q1", Position::AfterNumber(42));
        assert_eq!(
            key.open(&cursor, 7, "companies", "q1").unwrap(),
            Position::AfterNumber(42)
        );
        for (org, object, query) in [(8, "companies", "q1"), (7, "people", "q1"), (7, "companies", "q2")] {
            assert!(key.open(&cursor, org, object, query).is_err(), "{org} {object} {query}");
        }
        let other = CursorKey::for_credential(b"ak_2");
        assert!(other.open(&cursor, 7, "companies", "q1").is_err(), "another key's");
        let (payload, tag) = cursor.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Payload {
                org: 7,
                object: "companies".into(),
                query: "q1".into(),
                position: Position::AfterNumber(1),
            })
            .unwrap(),
        );
        assert!(
            key.open(&format!("{forged}.{tag}"), 7, "companies", "q1").is_err(),
            "changed"
        );
        for junk in [
            "",
            ".",
            "x",
            &format!("{payload}."),
            &format!("{payload}.{payload}"),
            "é.é",
        ] {
            assert!(key.open(junk, 7, "companies", "q1").is_err(), "{junk}");
        }
    }
}
