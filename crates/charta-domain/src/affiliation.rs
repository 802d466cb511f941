//! Whether a person may speak for a member organisation.
//!
//! A representative or alternate casts (or may be handed) an organisation's
//! vote, so the role must go to someone who belongs to it. An organisation
//! may record its e-mail domain; then the person taking a voting role needs
//! a verified address in that domain, unless a platform administrator
//! invited them (which is the administrator's confirmation). A chair runs
//! the invitations, so a chair giving themselves a voting role is the case
//! to guard: it needs a verified address in the organisation's domain, and
//! is refused when no domain is on record.

use std::fmt;

/// The facts about one person taking a voting role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim<'a> {
    /// The organisation's recorded e-mail domain, if any.
    pub domain: Option<&'a str>,
    /// The person's e-mail address.
    pub email: &'a str,
    /// Whether their sign-in provider vouched for that address.
    pub email_verified: bool,
    /// Whether the person invited themselves.
    pub self_granted: bool,
    /// Whether a platform administrator invited them.
    pub admin_confirmed: bool,
}

/// Why a person may not take a voting role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AffiliationError {
    /// Self-granted for an organisation without a recorded domain.
    SelfGrantWithoutDomain,
    /// The address is not a verified one in the organisation's domain.
    OutsideDomain { domain: String, self_granted: bool },
}

impl fmt::Display for AffiliationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AffiliationError::SelfGrantWithoutDomain => f.write_str(
                "you cannot make yourself the voter of an organisation that has no e-mail domain on record; ask a platform administrator to invite you, or to record the organisation's e-mail domain",
            ),
            AffiliationError::OutsideDomain {
                domain,
                self_granted: true,
            } => write!(
                f,
                "you cannot make yourself the voter of this organisation: your verified e-mail address is not in its domain, {domain}; ask a platform administrator to invite you"
            ),
            AffiliationError::OutsideDomain { domain, .. } => write!(
                f,
                "representatives and alternates of this organisation need a verified e-mail address in {domain}; invite an address in that domain, or ask a platform administrator to confirm the invitation by sending it"
            ),
        }
    }
}

/// Whether `email` is an address in `domain` (case-insensitive, exact
/// domain: a subdomain is another organisation's business).
pub fn in_domain(email: &str, domain: &str) -> bool {
    let domain = domain.trim().trim_start_matches('@');
    !domain.is_empty()
        && email
            .rsplit_once('@')
            .is_some_and(|(local, d)| !local.is_empty() && d.eq_ignore_ascii_case(domain))
}

/// Decides whether the person of `c` may take a voting role.
pub fn may_speak_for(c: Claim<'_>) -> Result<(), AffiliationError> {
    if c.admin_confirmed {
        return Ok(());
    }
    let matches = |d: &str| c.email_verified && in_domain(c.email, d);
    match (c.domain, c.self_granted) {
        (None, true) => Err(AffiliationError::SelfGrantWithoutDomain),
        (None, false) => Ok(()),
        (Some(d), self_granted) if !matches(d) => Err(AffiliationError::OutsideDomain {
            domain: d.to_string(),
            self_granted,
        }),
        (Some(_), _) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(domain: Option<&'static str>, email: &'static str) -> Claim<'static> {
        Claim {
            domain,
            email,
            email_verified: true,
            self_granted: false,
            admin_confirmed: false,
        }
    }

    #[test]
    fn addresses_match_their_exact_domain() {
        assert!(in_domain("ana@aurora.org", "aurora.org"));
        assert!(in_domain("Ana@AURORA.org", "@aurora.org"));
        assert!(!in_domain("ana@mail.aurora.org", "aurora.org"));
        assert!(!in_domain("ana@aurora.org.evil", "aurora.org"));
        assert!(!in_domain("@aurora.org", "aurora.org"));
        assert!(!in_domain("ana@aurora.org", ""));
    }

    #[test]
    fn a_recorded_domain_needs_a_verified_address_in_it() {
        let ok = claim(Some("aurora.org"), "ana@aurora.org");
        assert_eq!(may_speak_for(ok), Ok(()));
        let unverified = Claim {
            email_verified: false,
            ..ok
        };
        assert!(may_speak_for(unverified).is_err());
        let outside = claim(Some("aurora.org"), "ana@example.com");
        assert!(
            may_speak_for(outside)
                .unwrap_err()
                .to_string()
                .contains("in aurora.org")
        );
        assert_eq!(
            may_speak_for(Claim {
                admin_confirmed: true,
                ..outside
            }),
            Ok(()),
            "an administrator's invitation confirms it"
        );
        assert_eq!(may_speak_for(claim(None, "x@y.z")), Ok(()));
    }

    #[test]
    fn a_chair_cannot_make_themselves_the_voter_of_another_organisation() {
        let own = Claim {
            self_granted: true,
            ..claim(Some("aurora.org"), "carmen@aurora.org")
        };
        assert_eq!(may_speak_for(own), Ok(()));
        let other = Claim {
            self_granted: true,
            ..claim(Some("borealis.org"), "carmen@aurora.org")
        };
        assert!(matches!(
            may_speak_for(other),
            Err(AffiliationError::OutsideDomain {
                self_granted: true,
                ..
            })
        ));
        let unknown = Claim {
            self_granted: true,
            ..claim(None, "carmen@aurora.org")
        };
        assert_eq!(
            may_speak_for(unknown),
            Err(AffiliationError::SelfGrantWithoutDomain)
        );
    }
}
