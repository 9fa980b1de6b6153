//! SHA-256 as lowercase hex: the hash of a secret (API keys, the admin key) and the key of a
//! value that must be unique (a unique field's value, a team's name). A leaf: it names
//! nothing of this crate, so the store and the domain may use it (tools/check_layers.py).

use sha2::{Digest, Sha256};

/// SHA-256 of a text, as lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

/// Bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
