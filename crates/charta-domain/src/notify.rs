//! Who hears of what, and how: the kinds of event people are told about,
//! their choices per kind, the retry schedule of deliveries, webhook
//! signatures in the Standard Webhooks form, and which network addresses a
//! webhook may never be delivered to.
//!
//! Events are read from the audit log (every state change is there, in
//! order and without gaps), so [`Topic::of_entry`] decides which entries
//! notify anyone at all.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use time::{Duration, OffsetDateTime, Time};

/// A kind of event people can be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Someone was invited to the group (only the invitee hears of it).
    Invitation,
    /// A ballot opened: the voters of each eligible organisation.
    BallotOpened,
    /// A ballot closes within a day and your organisation has not voted.
    BallotReminder,
    /// A ballot closed, with its result: the whole group.
    BallotClosed,
    /// A new thread, reply or objection on an amendment: its author, the
    /// people who spoke in its threads and its requested reviewers.
    Discussion,
    /// Someone asked you to review an amendment.
    ReviewRequested,
    /// An amendment was merged or rejected: its author and participants.
    AmendmentDecided,
    /// A release was published: the group and the specification's
    /// subscribers.
    ReleasePublished,
    /// An amendment was opened for review (webhooks only).
    AmendmentOpened,
    /// A new version of a specification was created (webhooks only).
    VersionCreated,
    /// A webhook of the group stopped getting through (its chairs only).
    WebhookFailing,
}

impl Topic {
    /// Every topic, in the order pages list them.
    pub const ALL: [Topic; 11] = [
        Topic::Invitation,
        Topic::BallotOpened,
        Topic::BallotReminder,
        Topic::BallotClosed,
        Topic::Discussion,
        Topic::ReviewRequested,
        Topic::AmendmentDecided,
        Topic::ReleasePublished,
        Topic::AmendmentOpened,
        Topic::VersionCreated,
        Topic::WebhookFailing,
    ];

    /// The topics a person chooses a [`Mode`] for. Invitations go to an
    /// address that has no account yet, so there is nothing to choose.
    pub const CHOOSABLE: [Topic; 7] = [
        Topic::BallotOpened,
        Topic::BallotReminder,
        Topic::BallotClosed,
        Topic::Discussion,
        Topic::ReviewRequested,
        Topic::AmendmentDecided,
        Topic::ReleasePublished,
    ];

    /// The stable name used in preferences, webhook subscriptions and the
    /// `type` of webhook payloads.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Invitation => "invitation",
            Topic::BallotOpened => "ballot.opened",
            Topic::BallotReminder => "ballot.reminder",
            Topic::BallotClosed => "ballot.closed",
            Topic::Discussion => "amendment.discussion",
            Topic::ReviewRequested => "review.requested",
            Topic::AmendmentDecided => "amendment.decided",
            Topic::ReleasePublished => "release.published",
            Topic::AmendmentOpened => "amendment.opened",
            Topic::VersionCreated => "version.created",
            Topic::WebhookFailing => "webhook.failing",
        }
    }

    /// What a person reads next to their choice for it.
    pub fn describe(self) -> &'static str {
        match self {
            Topic::Invitation => "You are invited to a working group",
            Topic::BallotOpened => "A ballot your organisation votes in opens",
            Topic::BallotReminder => {
                "A ballot closes within a day and your organisation has not voted"
            }
            Topic::BallotClosed => "A ballot of your group closes, with its result",
            Topic::Discussion => {
                "New threads, replies and objections on amendments you wrote, review or discuss"
            }
            Topic::ReviewRequested => "Someone asks you to review an amendment",
            Topic::AmendmentDecided => "An amendment you wrote or discussed is merged or rejected",
            Topic::ReleasePublished => "Your group publishes a release",
            Topic::AmendmentOpened => "An amendment is opened for review",
            Topic::VersionCreated => "A new version of a specification is created",
            Topic::WebhookFailing => "A webhook of your group keeps failing",
        }
    }

    /// Whether people get e-mail for it (the others are for webhooks).
    pub fn mailed(self) -> bool {
        !matches!(self, Topic::AmendmentOpened | Topic::VersionCreated)
    }

    /// Whether webhooks can receive it (invitations carry a secret link,
    /// and a failing webhook is news for people, not for the webhook).
    pub fn hookable(self) -> bool {
        !matches!(self, Topic::Invitation | Topic::WebhookFailing)
    }

    /// What a person gets until they choose: at once for what asks
    /// something of them (a vote, a reply, a review), a daily digest for
    /// what only informs.
    pub fn default_mode(self) -> Mode {
        match self {
            Topic::BallotClosed | Topic::ReleasePublished => Mode::Digest,
            Topic::AmendmentOpened | Topic::VersionCreated => Mode::Never,
            _ => Mode::Immediate,
        }
    }

    /// The topic an audit entry announces, if any. `details` is the
    /// entry's JSON; an amendment's state change is a decision only when it
    /// ends merged or rejected.
    pub fn of_entry(action: &str, details: &serde_json::Value) -> Option<Topic> {
        let to = details.get("to").and_then(|v| v.as_str());
        match action {
            "ballot.open" => Some(Topic::BallotOpened),
            "ballot.remind" => Some(Topic::BallotReminder),
            "ballot.close" => Some(Topic::BallotClosed),
            "review.thread.create" | "review.comment" => Some(Topic::Discussion),
            "review.request" => Some(Topic::ReviewRequested),
            "amendment.state" if matches!(to, Some("merged" | "rejected")) => {
                Some(Topic::AmendmentDecided)
            }
            "amendment.state" if to == Some("open") => Some(Topic::AmendmentOpened),
            "amendment.create" if details.get("state").and_then(|v| v.as_str()) == Some("open") => {
                Some(Topic::AmendmentOpened)
            }
            "release.publish" => Some(Topic::ReleasePublished),
            "spec.version.create" => Some(Topic::VersionCreated),
            _ => None,
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Topic {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Topic::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Topic::ALL.iter().map(|t| t.as_str()).collect();
                format!("unknown event {s:?}; events are {}", names.join(", "))
            })
    }
}

impl TryFrom<String> for Topic {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// What a person can follow outside their own groups, to hear of releases:
/// a specification, or a catalog item (a CRA clause, an OpenSSF level) that
/// a release's controls map to. Consumers such as auditors follow clauses
/// rather than groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FollowKind {
    Spec,
    Clause,
}

impl FollowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FollowKind::Spec => "spec",
            FollowKind::Clause => "clause",
        }
    }
}

impl FromStr for FollowKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "spec" => Ok(FollowKind::Spec),
            "clause" => Ok(FollowKind::Clause),
            _ => Err(format!(
                "unknown kind {s:?}; follow a \"spec\" or a \"clause\""
            )),
        }
    }
}

impl TryFrom<String> for FollowKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// How a person wants to hear of one [`Topic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// A message per event, sent at once.
    Immediate,
    /// Collected into one message a day (see [`next_digest`]).
    Digest,
    /// Not at all.
    Never,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Immediate, Mode::Digest, Mode::Never];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Immediate => "immediate",
            Mode::Digest => "digest",
            Mode::Never => "never",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("unknown choice {s:?}; choose immediate, digest or never"))
    }
}

impl TryFrom<String> for Mode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// The hour (UTC) at which daily digests go out.
pub const DIGEST_HOUR: u8 = 7;

/// When the digest that collects an event made at `now` is sent: the next
/// [`DIGEST_HOUR`] o'clock, UTC.
pub fn next_digest(now: OffsetDateTime) -> OffsetDateTime {
    let now = now.to_offset(time::UtcOffset::UTC);
    let at = Time::from_hms(DIGEST_HOUR, 0, 0).unwrap_or(Time::MIDNIGHT);
    let today = now.replace_time(at);
    if today > now {
        today
    } else {
        today + Duration::days(1)
    }
}

/// How long to wait before attempt number `attempts + 1`, after `attempts`
/// failed ones; `None` once the schedule is spent. The schedule is the one
/// the Standard Webhooks specification suggests (5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 10 h: about 28 hours in all), so a receiver or mail server
/// that is down for a day still gets everything.
pub fn retry_delay(attempts: u32) -> Option<Duration> {
    const SCHEDULE: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
    let i = usize::try_from(attempts).ok()?.checked_sub(1)?;
    SCHEDULE.get(i).map(|s| Duration::seconds(*s))
}

/// Prefix of a webhook secret as shown to people and libraries.
pub const SECRET_PREFIX: &str = "whsec_";

/// The `webhook-signature` header value for one delivery: `v1,` and the
/// base64 HMAC-SHA256 of `id.timestamp.body` under `key`, as the Standard
/// Webhooks specification defines it.
pub fn webhook_signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    use base64::Engine as _;
    // HMAC takes keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    format!("v1,{sig}")
}

/// Whether a webhook may never be delivered to `ip`: loopback, private,
/// shared, link-local (which holds cloud metadata services), multicast,
/// documentation, benchmarking and reserved ranges, in either IP version,
/// including IPv4 written as IPv6.
pub fn forbidden_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden_v4(v4),
            None => forbidden_v6(v6),
        },
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
        || (first == 0x0064 && ip.segments()[1] == 0xff9b) // NAT64 can reach anything IPv4
        || ip.to_ipv4().is_some_and(|v4| ip.segments()[..5] == [0; 5] && forbidden_v4(v4))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn topics_and_modes_read_back_their_names() {
        for t in Topic::ALL {
            assert_eq!(t.as_str().parse::<Topic>(), Ok(t));
        }
        for m in Mode::ALL {
            assert_eq!(m.as_str().parse::<Mode>(), Ok(m));
        }
        let err = "ballot".parse::<Topic>().unwrap_err();
        assert!(err.contains("ballot.opened"), "{err}");
        assert!("sometimes".parse::<Mode>().is_err());
    }

    #[test]
    fn only_decisions_and_openings_of_amendments_notify() {
        let state = |to: &str| serde_json::json!({"from": "open", "to": to});
        assert_eq!(
            Topic::of_entry("amendment.state", &state("merged")),
            Some(Topic::AmendmentDecided)
        );
        assert_eq!(
            Topic::of_entry("amendment.state", &state("rejected")),
            Some(Topic::AmendmentDecided)
        );
        assert_eq!(
            Topic::of_entry("amendment.state", &state("withdrawn")),
            None
        );
        assert_eq!(
            Topic::of_entry("amendment.state", &state("open")),
            Some(Topic::AmendmentOpened)
        );
        assert_eq!(
            Topic::of_entry("amendment.create", &serde_json::json!({"state": "draft"})),
            None
        );
        assert_eq!(
            Topic::of_entry("ballot.vote", &serde_json::json!({})),
            None,
            "a vote is not news to the group until the ballot closes"
        );
        assert_eq!(
            Topic::of_entry("review.comment", &serde_json::json!({})),
            Some(Topic::Discussion)
        );
    }

    #[test]
    fn digests_go_out_at_the_next_digest_hour() {
        assert_eq!(
            next_digest(datetime!(2026-12-03 06:59 UTC)),
            datetime!(2026-12-03 07:00 UTC)
        );
        assert_eq!(
            next_digest(datetime!(2026-12-03 07:00 UTC)),
            datetime!(2026-12-04 07:00 UTC)
        );
        assert_eq!(
            next_digest(datetime!(2026-12-03 23:30 -02:00)),
            datetime!(2026-12-04 07:00 UTC)
        );
    }

    #[test]
    fn retries_span_more_than_a_day_and_then_stop() {
        assert_eq!(retry_delay(0), None);
        assert_eq!(retry_delay(1), Some(Duration::seconds(5)));
        let total: Duration = (1..).map_while(retry_delay).sum();
        assert!(total > Duration::days(1), "{total}");
        assert_eq!(retry_delay(8), None);
    }

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The worked example of the Standard Webhooks specification.
        use base64::Engine as _;
        let key = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            webhook_signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn private_and_metadata_addresses_are_forbidden() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(forbidden_address(bad.parse().unwrap()), "{bad}");
        }
        for good in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!forbidden_address(good.parse().unwrap()), "{good}");
        }
    }
}
