//! Hashes of channel secrets as last sent. The API returns secrets only
//! obfuscated, so changes are detected against these. They are keyed
//! (HMAC-SHA256) with a random per-guard key kept in state, so equal tokens
//! in two guards never hash alike and a hash alone can't be checked against
//! guessed tokens without the key.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Marks the keyed format; hashes without it are the legacy unkeyed format.
const PREFIX: &str = "hmac-sha256:";
const KEY_BYTES: usize = 32;

type HmacSha256 = Hmac<Sha256>;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random key (hex text, as stored in `secret_hash_key`).
pub fn new_key() -> String {
    let mut key = [0u8; KEY_BYTES];
    rand::thread_rng().fill_bytes(&mut key);
    hex(&key)
}

/// Key text -> key bytes; `None` unless it is [`new_key`]'s format (a key
/// edited in state is then treated as absent and replaced on the next apply).
fn key_bytes(key: &str) -> Option<Vec<u8>> {
    if key.len() != 2 * KEY_BYTES {
        return None;
    }
    (0..key.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(key.get(i..i + 2)?, 16).ok())
        .collect()
}

/// True when `key` can key hashes.
pub fn usable(key: &str) -> bool {
    key_bytes(key).is_some()
}

/// The keyed hash of `secret`; `None` when `key` is not [`usable`].
pub fn hash(key: &str, secret: &str) -> Option<String> {
    let mut mac = HmacSha256::new_from_slice(&key_bytes(key)?).ok()?;
    mac.update(secret.as_bytes());
    Some(format!("{PREFIX}{}", hex(&mac.finalize().into_bytes())))
}

/// The format written before keyed hashes (salted only with the channel name).
pub(super) fn legacy_hash(channel: &str, secret: &str) -> String {
    hex(&Sha256::digest(
        format!("platform_budget_guard/{channel}/{secret}").as_bytes(),
    ))
}

/// True when `recorded` is the hash of `secret`, in either format. A keyed
/// hash can only match with the key it was made with.
pub fn matches(recorded: &str, key: Option<&str>, channel: &str, secret: &str) -> bool {
    match recorded.strip_prefix(PREFIX) {
        Some(_) => key
            .and_then(|k| hash(k, secret))
            .is_some_and(|h| h == recorded),
        None => legacy_hash(channel, secret) == recorded,
    }
}

/// Channel key -> keyed hash of each `(channel key, secret)`; `None` when
/// `key` is not [`usable`].
pub fn hash_all(secrets: &[(&str, &str)], key: &str) -> Option<BTreeMap<String, String>> {
    secrets
        .iter()
        .map(|(name, secret)| Some(((*name).to_owned(), hash(key, secret)?)))
        .collect()
}

/// True when `recorded` holds exactly a matching hash of every secret (in
/// either format): nothing needs sending, nothing needs recording.
pub fn all_match(
    secrets: &[(&str, &str)],
    recorded: &BTreeMap<String, String>,
    key: Option<&str>,
) -> bool {
    secrets.len() == recorded.len()
        && secrets.iter().all(|(name, secret)| {
            recorded
                .get(*name)
                .is_some_and(|h| matches(h, key, name, secret))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_tokens_in_two_guards_hash_differently() {
        let (a, b) = (new_key(), new_key());
        assert_ne!(a, b);
        assert_eq!(a.len(), 2 * KEY_BYTES);
        assert_ne!(hash(&a, "xoxb-1"), hash(&b, "xoxb-1"));
        assert_eq!(hash(&a, "xoxb-1"), hash(&a, "xoxb-1"));
        assert!(hash(&a, "xoxb-1").unwrap().starts_with(PREFIX));
    }

    #[test]
    fn keyed_hashes_match_only_with_their_key_and_secret() {
        let key = new_key();
        let h = hash(&key, "xoxb-1").unwrap();
        assert!(matches(&h, Some(&key), "slack", "xoxb-1"));
        assert!(!matches(&h, Some(&key), "slack", "xoxb-2"));
        assert!(!matches(&h, Some(&new_key()), "slack", "xoxb-1"));
        assert!(!matches(&h, None, "slack", "xoxb-1"));
    }

    #[test]
    fn legacy_hashes_still_verify() {
        // SHA-256("platform_budget_guard/slack/xoxb-1"), as older versions stored it.
        let old = legacy_hash("slack", "xoxb-1");
        assert_eq!(old.len(), 64);
        assert!(matches(&old, None, "slack", "xoxb-1"));
        assert!(matches(&old, Some(&new_key()), "slack", "xoxb-1"));
        assert!(!matches(&old, None, "slack", "xoxb-2"));
        assert!(!matches(&old, None, "pagerduty", "xoxb-1"));
    }

    #[test]
    fn known_vector() {
        // RFC 4231 test case 1: key 0x0b * 20 (padded here to 32 bytes with
        // zeros, which HMAC treats identically), data "Hi There".
        let key = format!("{}{}", "0b".repeat(20), "00".repeat(12));
        assert_eq!(
            hash(&key, "Hi There").unwrap(),
            "hmac-sha256:b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn all_match_needs_every_secret_and_nothing_else() {
        let key = new_key();
        let secrets = [("slack", "xoxb-1"), ("pagerduty", "pd-1")];
        let mut recorded = hash_all(&secrets, &key).unwrap();
        assert!(all_match(&secrets, &recorded, Some(&key)));
        assert!(!all_match(&secrets[..1], &recorded, Some(&key)));
        assert!(!all_match(
            &[("slack", "xoxb-2"), ("pagerduty", "pd-1")],
            &recorded,
            Some(&key)
        ));
        recorded.insert("slack".into(), legacy_hash("slack", "xoxb-1"));
        assert!(all_match(&secrets, &recorded, Some(&key)), "mixed formats");
        assert_eq!(hash_all(&secrets, "bad"), None);
    }

    #[test]
    fn malformed_keys_are_unusable() {
        for bad in ["", "xyz", &"g".repeat(64), &"0".repeat(63)] {
            assert!(!usable(bad), "{bad}");
            assert_eq!(hash(bad, "s"), None);
        }
        assert!(usable(&new_key()));
    }
}
