//! Optional signed requests: the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature`; HMAC-SHA256 over `id.timestamp.body`, base64; secrets `whsec_…`).
//!
//! With a signing secret configured, a request whose signature does not verify against its
//! raw body, or whose timestamp is more than five minutes away from now, is not acknowledged.
//! The token still gates everything first: this is a second key, not a replacement.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{Error, Result};

/// How far a request's timestamp may be from now, either way (replay window).
pub const TOLERANCE_SECS: u64 = 5 * 60;

/// A signing secret, decoded.
#[derive(Clone)]
pub struct SigningSecret {
    key: Vec<u8>,
}

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(…)")
    }
}

/// Why a request's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("webhook-timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("webhook-timestamp is more than 5 minutes from now (a replay, or a wrong clock)")]
    Expired,
    #[error("no signature in webhook-signature matches the body")]
    Mismatch,
}

impl SigningSecret {
    /// Parses `whsec_<base64>` (the prefix is optional, as in the reference libraries).
    pub fn parse(secret: &str) -> Result<SigningSecret> {
        let b64 = secret.trim();
        let b64 = b64.strip_prefix("whsec_").unwrap_or(b64);
        match STANDARD.decode(b64) {
            Ok(key) if !key.is_empty() => Ok(SigningSecret { key }),
            _ => Err(Error::Config(
                "the signing secret must look like whsec_<base64>, as the sender shows it"
                    .to_owned(),
            )),
        }
    }

    /// The signature of a message, `v1,<base64>`.
    pub fn sign(&self, id: &str, timestamp: u64, body: &[u8]) -> String {
        format!(
            "v1,{}",
            STANDARD.encode(self.mac(id, timestamp, body).finalize().into_bytes())
        )
    }

    fn mac(&self, id: &str, timestamp: u64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// Checks the three headers against the raw body at time `now` (Unix seconds).
    pub fn verify(
        &self,
        id: Option<&str>,
        timestamp: Option<&str>,
        signatures: Option<&str>,
        body: &[u8],
        now: u64,
    ) -> Result<(), SignatureError> {
        let id = id.ok_or(SignatureError::Missing("webhook-id"))?;
        let timestamp = timestamp.ok_or(SignatureError::Missing("webhook-timestamp"))?;
        let signatures = signatures.ok_or(SignatureError::Missing("webhook-signature"))?;
        let timestamp: u64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        if now.abs_diff(timestamp) > TOLERANCE_SECS {
            return Err(SignatureError::Expired);
        }
        // Space-separated `v1,<base64>` entries (several while a secret is being rotated);
        // other versions are skipped. `verify_slice` compares in constant time.
        let matches = signatures
            .split_whitespace()
            .filter_map(|s| s.strip_prefix("v1,"))
            .filter_map(|b64| STANDARD.decode(b64).ok())
            .any(|sig| self.mac(id, timestamp, body).verify_slice(&sig).is_ok());
        if matches {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The test vector the Standard Webhooks reference libraries are checked against.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: u64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn secret() -> SigningSecret {
        SigningSecret::parse(SECRET).expect("secret")
    }

    fn check(sig: Option<&str>, body: &[u8], now: u64) -> Result<(), SignatureError> {
        secret().verify(Some(ID), Some(&TIMESTAMP.to_string()), sig, body, now)
    }

    #[test]
    fn the_published_test_vector_signs_and_verifies() {
        assert_eq!(secret().sign(ID, TIMESTAMP, BODY), SIGNATURE);
        assert_eq!(check(Some(SIGNATURE), BODY, TIMESTAMP), Ok(()));
        // Among several signatures (a secret being rotated), and other versions skipped.
        let several = format!("v1,bm9wZQ== v1a,xyz {SIGNATURE}");
        assert_eq!(check(Some(&several), BODY, TIMESTAMP + 60), Ok(()));
    }

    #[test]
    fn a_changed_body_a_wrong_secret_or_an_old_timestamp_is_refused() {
        assert_eq!(
            check(Some(SIGNATURE), br#"{"test": 1}"#, TIMESTAMP),
            Err(SignatureError::Mismatch)
        );
        let other = SigningSecret::parse("whsec_c2VjcmV0").expect("secret");
        assert_eq!(
            other.verify(
                Some(ID),
                Some(&TIMESTAMP.to_string()),
                Some(SIGNATURE),
                BODY,
                TIMESTAMP
            ),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            check(Some(SIGNATURE), BODY, TIMESTAMP + TOLERANCE_SECS + 1),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            check(Some(SIGNATURE), BODY, TIMESTAMP - TOLERANCE_SECS - 1),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            check(None, BODY, TIMESTAMP),
            Err(SignatureError::Missing("webhook-signature"))
        );
        assert_eq!(
            secret().verify(
                Some(ID),
                Some("yesterday"),
                Some(SIGNATURE),
                BODY,
                TIMESTAMP
            ),
            Err(SignatureError::BadTimestamp)
        );
        assert_eq!(
            check(Some("v1,not base64!"), BODY, TIMESTAMP),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn secrets_must_be_base64() {
        assert!(SigningSecret::parse("whsec_!!!").is_err());
        assert!(SigningSecret::parse("").is_err());
        assert!(SigningSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    }
}
