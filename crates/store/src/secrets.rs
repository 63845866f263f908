//! Random secrets (session, reset, invitation and API tokens) and the hashes stored in
//! their place: the database never holds a usable token.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random secret (256 bits, hex) and its stored hash.
pub(crate) fn secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let hash = digest(&token);
    (token, hash)
}

pub(crate) fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
