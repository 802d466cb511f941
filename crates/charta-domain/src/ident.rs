//! Identifier rules shared by specifications, controls and working groups.
//!
//! Identifiers end up in URLs, file names and other organisations' documents, so
//! they are deliberately narrow: ASCII only, no spaces, and no characters that
//! need escaping in a path segment.

/// A slug names a working group, organisation or specification in URLs:
/// lower-case ASCII letters, digits and single hyphens, 2 to 64 characters,
/// starting with a letter.
pub fn is_valid_slug(s: &str) -> bool {
    let bytes = s.as_bytes();
    (2..=64).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// A control identifier such as `SVH-VM-03`: upper-case ASCII letters and
/// digits in at least two parts separated by `-` or `.`, starting with a
/// letter, at most 40 characters.
pub fn is_valid_control_id(s: &str) -> bool {
    if s.is_empty() || s.len() > 40 || !s.as_bytes()[0].is_ascii_uppercase() {
        return false;
    }
    let parts: Vec<&str> = s.split(['-', '.']).collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

/// A section identifier inside a specification, such as `VM`: upper-case
/// ASCII letters and digits, 1 to 16 characters.
pub fn is_valid_section_id(s: &str) -> bool {
    (1..=16).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(is_valid_slug("steward-baseline"));
        assert!(is_valid_slug("wg2"));
        for bad in ["", "a", "Steward", "-x", "x-", "a--b", "a_b", "1abc", "a b"] {
            assert!(!is_valid_slug(bad), "{bad:?} should be refused");
        }
    }

    #[test]
    fn control_ids() {
        assert!(is_valid_control_id("SVH-VM-03"));
        assert!(is_valid_control_id("A.1"));
        for bad in [
            "",
            "svh-vm-03",
            "SVH",
            "SVH--1",
            "1SVH-1",
            "SVH-VM-03-",
            "SVH VM",
        ] {
            assert!(!is_valid_control_id(bad), "{bad:?} should be refused");
        }
    }

    #[test]
    fn section_ids() {
        assert!(is_valid_section_id("VM"));
        assert!(!is_valid_section_id("vm"));
        assert!(!is_valid_section_id(""));
    }
}
