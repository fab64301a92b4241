//! A secret part of an e-mail (a voucher's one-time password) is never stored readable: the
//! outbox row holds the body with a mark in its place and the secret sealed with AES-256-GCM
//! under a key derived from the session key. The sender opens it when it sends; once the
//! e-mail is sent (or given up) the sealed part is erased. Screens show only the mark.

use base64::Engine;
use hmac::{Hmac, Mac};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::Sha256;

use crate::secret::Secret;

/// What the stored body and the screens show where the secret goes.
pub const MARK: &str = "＊＊＊＊＊＊＊＊（送信時に差し込まれます）";

fn key(master: &Secret) -> LessSafeKey {
    let mut mac = Hmac::<Sha256>::new_from_slice(master.expose().as_bytes())
        .expect("HMAC takes any key length");
    mac.update(b"consentflow/outbox-seal/v1");
    let k = mac.finalize().into_bytes();
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &k).expect("32-byte key"))
}

/// Seals `plain`: base64 of nonce and ciphertext.
pub fn seal(master: &Secret, plain: &str) -> String {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .expect("the OS random generator works");
    let mut buf = plain.as_bytes().to_vec();
    key(master)
        .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf)
        .expect("sealing a short string cannot fail");
    let mut out = nonce.to_vec();
    out.extend(buf);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// Opens what `seal` made; None when it was sealed under another key or altered.
pub fn open(master: &Secret, sealed: &str) -> Option<String> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .ok()?;
    if raw.len() < NONCE_LEN {
        return None;
    }
    let (n, ct) = raw.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(n).ok()?;
    let mut buf = ct.to_vec();
    let plain = key(master)
        .open_in_place(nonce, Aad::empty(), &mut buf)
        .ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_open_only_under_their_key() {
        let k = Secret::new("session-key-one");
        let s = seal(&k, "Ab3dEf7hJk9m");
        assert!(!s.contains("Ab3dEf7hJk9m"));
        assert_ne!(s, seal(&k, "Ab3dEf7hJk9m"), "a fresh nonce each time");
        assert_eq!(open(&k, &s).as_deref(), Some("Ab3dEf7hJk9m"));
        assert_eq!(open(&Secret::new("another"), &s), None);
        let mut tampered = s.into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(open(&k, &String::from_utf8(tampered).unwrap()), None);
        assert_eq!(open(&k, "not base64!"), None);
    }
}
