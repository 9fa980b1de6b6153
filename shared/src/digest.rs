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

/// 64 hex digits (either case, surrounding spaces ignored) as the 32 bytes they spell: a
/// SHA-256 hash or a 256-bit key, as configured.
pub fn parse_hex32(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}
