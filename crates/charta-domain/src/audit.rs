//! The audit log's hash chain: how an entry is hashed and how a whole log is
//! checked.
//!
//! Every entry's hash covers its own fields and the previous entry's hash, so
//! changing, removing or reordering any stored entry breaks every later link.
//! Database triggers already refuse edits; the chain is what still catches
//! someone who bypasses them with direct access to the database. This module
//! only computes and checks; storing entries is the store's job.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;

/// The `prev_hash` of the first entry, and the hash of an empty log. The same
/// value seeds the `audit_head` row in the migrations.
pub const GENESIS_HASH: &str =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// Names the hashing scheme inside every hash, so that a future change of
/// encoding can never produce the same digest as this one.
const SCHEME: &str = "charta-audit-v1";

/// One stored entry of the audit log.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the log, from 1, without gaps.
    pub seq: i64,
    /// When the entry was written: RFC 3339 in UTC, kept as the exact text
    /// that was hashed.
    pub at: String,
    /// Who made the change (an account, or a tool such as `charta import`).
    pub actor: String,
    /// What kind of change, such as `spec.version.create`.
    pub action: String,
    /// What was changed, such as `spec:steward-baseline`.
    pub object: String,
    /// Further facts about the change, as canonical JSON text.
    pub details: String,
    /// The previous entry's hash ([`GENESIS_HASH`] for the first entry).
    pub prev_hash: String,
    /// [`entry_hash`] of the fields above.
    pub hash: String,
}

impl AuditEntry {
    /// Whether `hash` is what the entry's fields hash to.
    pub fn hash_matches(&self) -> bool {
        self.hash
            == entry_hash(
                self.seq,
                &self.at,
                &self.actor,
                &self.action,
                &self.object,
                &self.details,
                &self.prev_hash,
            )
    }
}

/// The hash of one entry, as `sha256:<hex>`.
///
/// Each field is fed to SHA-256 as its length (8 bytes, big-endian) followed
/// by its UTF-8 bytes. Because every field says where it ends, moving text
/// from one field into its neighbour always changes the input, which a plain
/// separator would not guarantee (a separator can also occur inside a field).
pub fn entry_hash(
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    object: &str,
    details: &str,
    prev_hash: &str,
) -> String {
    let seq = seq.to_string();
    let mut h = Sha256::new();
    for field in [SCHEME, &seq, at, actor, action, object, details, prev_hash] {
        let len = u64::try_from(field.len()).unwrap_or(u64::MAX);
        h.update(len.to_be_bytes());
        h.update(field.as_bytes());
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// JSON text with object keys sorted at every level and no whitespace, so
/// that the same details always give the same text (and the same hash) no
/// matter how the value was built or which serde_json features are enabled.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Where and why a log stops being a valid chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {seq}: {reason}")]
pub struct ChainBreak {
    /// The first entry that is wrong or missing.
    pub seq: i64,
    pub reason: BreakReason,
}

/// What is wrong with the entry a [`ChainBreak`] names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakReason {
    /// The entry is absent: the log goes on at entry `next` instead, or ends
    /// (`next` is `None`) although the head records later entries.
    Missing { next: Option<i64> },
    /// The entry turns up again, or out of order, after entry `after`.
    OutOfOrder { after: i64 },
    /// Its `prev_hash` is not the previous entry's hash (or, for entry 1, the
    /// genesis hash).
    PrevHashMismatch,
    /// Its `hash` is not the hash of its fields.
    HashMismatch,
    /// The entry is the log's last, but its hash is not the one the audit
    /// head records.
    HeadHashMismatch,
    /// The entry lies beyond the last entry the audit head records.
    BeyondHead { head_seq: i64 },
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BreakReason::Missing { next: Some(n) } => {
                write!(f, "it is missing (the log goes on at entry {n})")
            }
            BreakReason::Missing { next: None } => {
                write!(
                    f,
                    "it is missing (the log ends before it, but the audit head records it)"
                )
            }
            BreakReason::OutOfOrder { after } => {
                write!(f, "it appears out of order, after entry {after}")
            }
            BreakReason::PrevHashMismatch => {
                write!(
                    f,
                    "it does not link to the entry before it (its previous hash differs)"
                )
            }
            BreakReason::HashMismatch => write!(f, "its hash does not match its contents"),
            BreakReason::HeadHashMismatch => {
                write!(f, "its hash is not the one the audit head records")
            }
            BreakReason::BeyondHead { head_seq } => {
                write!(
                    f,
                    "it lies beyond the audit head, which ends at entry {head_seq}"
                )
            }
        }
    }
}

/// Checks a log one entry at a time, so that a store can page through a log
/// of any length without holding it in memory.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    last_seq: i64,
    last_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    /// A verifier expecting entry 1.
    pub fn new() -> Self {
        Self {
            last_seq: 0,
            last_hash: GENESIS_HASH.to_string(),
        }
    }

    /// Checks the next entry in log order: it must be numbered one after the
    /// previous, link to its hash, and hash to its own `hash`.
    pub fn push(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        let expected = self.last_seq + 1;
        if e.seq > expected {
            return Err(ChainBreak {
                seq: expected,
                reason: BreakReason::Missing { next: Some(e.seq) },
            });
        }
        if e.seq < expected {
            return Err(ChainBreak {
                seq: e.seq,
                reason: BreakReason::OutOfOrder {
                    after: self.last_seq,
                },
            });
        }
        if e.prev_hash != self.last_hash {
            return Err(ChainBreak {
                seq: e.seq,
                reason: BreakReason::PrevHashMismatch,
            });
        }
        if !e.hash_matches() {
            return Err(ChainBreak {
                seq: e.seq,
                reason: BreakReason::HashMismatch,
            });
        }
        self.last_seq = e.seq;
        self.last_hash.clone_from(&e.hash);
        Ok(())
    }

    /// How many entries have been checked.
    pub fn count(&self) -> usize {
        usize::try_from(self.last_seq).unwrap_or(0)
    }

    /// Finishes the check against the head the store keeps (the newest
    /// entry's number and hash), which catches entries removed from the end
    /// of the log, where no later entry's link would show it.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<usize, ChainBreak> {
        if head_seq > self.last_seq {
            return Err(ChainBreak {
                seq: self.last_seq + 1,
                reason: BreakReason::Missing { next: None },
            });
        }
        if head_seq < self.last_seq {
            return Err(ChainBreak {
                seq: head_seq + 1,
                reason: BreakReason::BeyondHead { head_seq },
            });
        }
        if head_hash != self.last_hash {
            return Err(ChainBreak {
                seq: self.last_seq,
                reason: BreakReason::HeadHashMismatch,
            });
        }
        Ok(self.count())
    }
}

/// Checks a whole log given in order: numbered 1, 2, 3… without gaps, each
/// entry linked to the one before and hashing to its own `hash`. Returns the
/// number of entries, or the first entry that breaks the chain.
pub fn verify_chain(entries: &[AuditEntry]) -> Result<usize, ChainBreak> {
    let mut v = ChainVerifier::new();
    for e in entries {
        v.push(e)?;
    }
    Ok(v.count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A valid log of `n` entries.
    fn log(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let at = format!("2026-11-22T10:00:{seq:02}.000000Z");
                let details = canonical_json(&json!({"version": seq, "message": "m"}));
                let hash = entry_hash(
                    seq,
                    &at,
                    "alice",
                    "spec.version.create",
                    "spec:demo",
                    &details,
                    &prev,
                );
                let e = AuditEntry {
                    seq,
                    at,
                    actor: "alice".into(),
                    action: "spec.version.create".into(),
                    object: "spec:demo".into(),
                    details,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn genesis_has_the_shape_of_a_hash() {
        assert_eq!(GENESIS_HASH.len(), "sha256:".len() + 64);
        assert!(GENESIS_HASH.starts_with("sha256:"));
    }

    #[test]
    fn a_valid_log_verifies() {
        assert_eq!(verify_chain(&[]), Ok(0));
        assert_eq!(verify_chain(&log(5)), Ok(5));
    }

    #[test]
    fn hash_is_deterministic_and_prefixed() {
        let a = entry_hash(1, "t", "a", "b", "c", "{}", GENESIS_HASH);
        assert_eq!(a, entry_hash(1, "t", "a", "b", "c", "{}", GENESIS_HASH));
        assert!(a.starts_with("sha256:") && a.len() == 71, "{a}");
    }

    #[test]
    fn shifting_text_between_fields_changes_the_hash() {
        let base = entry_hash(1, "t", "ab", "c", "o", "{}", GENESIS_HASH);
        assert_ne!(base, entry_hash(1, "t", "a", "bc", "o", "{}", GENESIS_HASH));
        assert_ne!(base, entry_hash(1, "ta", "b", "c", "o", "{}", GENESIS_HASH));
        assert_ne!(
            entry_hash(1, "t", "a\0b", "c", "o", "{}", GENESIS_HASH),
            entry_hash(1, "t", "a", "b\0c", "o", "{}", GENESIS_HASH)
        );
        assert_ne!(
            entry_hash(12, "t", "a", "b", "o", "{}", GENESIS_HASH),
            entry_hash(1, "2t", "a", "b", "o", "{}", GENESIS_HASH)
        );
    }

    #[test]
    fn tampering_with_any_field_is_named() {
        type Tamper = fn(&mut AuditEntry);
        let cases: [(&str, Tamper); 7] = [
            ("at", |e| e.at.push('1')),
            ("actor", |e| e.actor = "mallory".into()),
            ("action", |e| e.action = "spec.delete".into()),
            ("object", |e| e.object = "spec:other".into()),
            ("details", |e| e.details = "{\"version\":99}".into()),
            ("hash", |e| e.hash = GENESIS_HASH.into()),
            ("seq", |e| e.seq = 4),
        ];
        for (field, tamper) in cases {
            let mut entries = log(5);
            tamper(&mut entries[2]);
            let err = verify_chain(&entries).unwrap_err();
            match field {
                // Entry 3 renumbered as 4 leaves a hole where 3 was.
                "seq" => assert_eq!(
                    err,
                    ChainBreak {
                        seq: 3,
                        reason: BreakReason::Missing { next: Some(4) }
                    }
                ),
                _ => assert_eq!(
                    err,
                    ChainBreak {
                        seq: 3,
                        reason: BreakReason::HashMismatch
                    },
                    "{field}"
                ),
            }
        }
    }

    #[test]
    fn a_rehashed_entry_breaks_the_next_link() {
        let mut entries = log(5);
        let e = &mut entries[2];
        e.details = "{}".into();
        e.hash = entry_hash(
            e.seq,
            &e.at,
            &e.actor,
            &e.action,
            &e.object,
            &e.details,
            &e.prev_hash,
        );
        let err = verify_chain(&entries).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 4,
                reason: BreakReason::PrevHashMismatch
            }
        );
        assert_eq!(
            err.to_string(),
            "entry 4: it does not link to the entry before it (its previous hash differs)"
        );
    }

    #[test]
    fn a_first_entry_not_from_genesis_is_refused() {
        let mut entries = log(1);
        let e = &mut entries[0];
        e.prev_hash = format!("sha256:{}", "1".repeat(64));
        e.hash = entry_hash(
            e.seq,
            &e.at,
            &e.actor,
            &e.action,
            &e.object,
            &e.details,
            &e.prev_hash,
        );
        assert_eq!(
            verify_chain(&entries).unwrap_err().reason,
            BreakReason::PrevHashMismatch
        );
    }

    #[test]
    fn a_deleted_entry_is_named() {
        let mut entries = log(5);
        entries.remove(1);
        let err = verify_chain(&entries).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 2,
                reason: BreakReason::Missing { next: Some(3) }
            }
        );
        assert_eq!(
            err.to_string(),
            "entry 2: it is missing (the log goes on at entry 3)"
        );

        let mut first_gone = log(3);
        first_gone.remove(0);
        assert_eq!(verify_chain(&first_gone).unwrap_err().seq, 1);
    }

    #[test]
    fn reordering_and_duplicates_are_refused() {
        let mut entries = log(5);
        entries.swap(1, 2);
        assert_eq!(
            verify_chain(&entries).unwrap_err(),
            ChainBreak {
                seq: 2,
                reason: BreakReason::Missing { next: Some(3) }
            }
        );
        let mut dup = log(3);
        dup.insert(2, dup[1].clone());
        assert_eq!(
            verify_chain(&dup).unwrap_err(),
            ChainBreak {
                seq: 2,
                reason: BreakReason::OutOfOrder { after: 2 }
            }
        );
    }

    #[test]
    fn the_head_catches_a_truncated_or_overlong_log() {
        let entries = log(5);
        let head = entries[4].hash.clone();
        let mut v = ChainVerifier::new();
        entries.iter().for_each(|e| v.push(e).unwrap());
        assert_eq!(v.clone().finish(5, &head), Ok(5));
        assert_eq!(
            v.clone().finish(7, &head).unwrap_err(),
            ChainBreak {
                seq: 6,
                reason: BreakReason::Missing { next: None }
            }
        );
        assert_eq!(
            v.clone().finish(3, &head).unwrap_err(),
            ChainBreak {
                seq: 4,
                reason: BreakReason::BeyondHead { head_seq: 3 }
            }
        );
        assert_eq!(
            v.finish(5, GENESIS_HASH).unwrap_err(),
            ChainBreak {
                seq: 5,
                reason: BreakReason::HeadHashMismatch
            }
        );
        assert_eq!(ChainVerifier::new().finish(0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn display_names_the_entry() {
        let b = ChainBreak {
            seq: 17,
            reason: BreakReason::HashMismatch,
        };
        assert_eq!(
            b.to_string(),
            "entry 17: its hash does not match its contents"
        );
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = json!({"b": 1, "a": {"z": [3, {"y": null, "x": "é\""}], "c": true}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":true,"z":[3,{"x":"é\"","y":null}]},"b":1}"#
        );
        let parsed: Value = serde_json::from_str(&canonical_json(&v)).unwrap();
        assert_eq!(parsed, v);
    }
}
