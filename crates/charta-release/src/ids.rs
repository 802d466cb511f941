//! Names, addresses and identifiers shared by every artefact.
//!
//! The addresses are part of Charta's contract with consumers (they link to
//! releases for years), so they are built in one place. OSCAL also needs
//! UUIDs; they are UUIDv5 of an absolute URL naming the thing identified, so
//! the same release always gets the same identifiers and two instances never
//! collide.

use crate::ReleaseError;
use std::fmt::Write as _;
use time::Date;
use uuid::Uuid;

/// Builds every absolute address of one release.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Names<'a> {
    base: &'a str,
    spec: &'a str,
    version: &'a str,
}

impl<'a> Names<'a> {
    /// Checks the parts of the addresses and keeps them.
    pub(crate) fn new(
        base: &'a str,
        spec: &'a str,
        version: &'a str,
    ) -> Result<Self, ReleaseError> {
        let base = base.trim_end_matches('/');
        check_base_url(base)?;
        check_version_name(version)?;
        Ok(Self {
            base,
            spec,
            version,
        })
    }

    /// The release page, `{base}/releases/{spec}/{version}/`.
    pub(crate) fn release(&self) -> String {
        release_url(self.base, self.spec, self.version)
    }

    /// An artefact beside the release page.
    pub(crate) fn artefact(&self, name: &str) -> String {
        format!("{}{name}", self.release())
    }

    /// An artefact of another release of the same specification.
    pub(crate) fn other_release_artefact(&self, version: &str, name: &str) -> String {
        format!("{}{name}", release_url(self.base, self.spec, version))
    }

    /// The permalink of a control, with its history.
    pub(crate) fn control(&self, id: &str) -> String {
        format!("{}/specs/{}/controls/{}", self.base, self.spec, segment(id))
    }

    /// A reference catalog's page.
    pub(crate) fn catalog(&self, slug: &str) -> String {
        format!("{}/catalogs/{}", self.base, segment(slug))
    }

    /// A reference catalog's OSCAL rendering.
    pub(crate) fn catalog_oscal(&self, slug: &str) -> String {
        format!(
            "{}/{}",
            self.catalog(slug),
            crate::reference::REFERENCE_OSCAL
        )
    }

    /// A catalog item's page, which lists the controls mapped to it.
    pub(crate) fn catalog_item(&self, slug: &str, item: &str) -> String {
        format!("{}/items/{}", self.catalog(slug), segment(item))
    }

    /// The working group's page.
    pub(crate) fn group(&self, slug: &str) -> String {
        format!("{}/groups/{}", self.base, segment(slug))
    }

    /// The specification's page.
    pub(crate) fn spec(&self) -> String {
        format!("{}/specs/{}", self.base, self.spec)
    }

    /// Makes a path on this instance absolute.
    pub(crate) fn absolute(&self, field: &'static str, path: &str) -> Result<String, ReleaseError> {
        if !path.starts_with('/') || path.starts_with("//") {
            return Err(ReleaseError::input(
                field,
                format!("{path:?} must be a path on this instance, starting with a single '/'"),
            ));
        }
        if path.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ReleaseError::input(
                field,
                format!("{path:?} contains white space or control characters"),
            ));
        }
        Ok(format!("{}{path}", self.base))
    }
}

fn release_url(base: &str, spec: &str, version: &str) -> String {
    format!("{base}/releases/{spec}/{version}/")
}

fn check_base_url(base: &str) -> Result<(), ReleaseError> {
    let rest = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"));
    let ok = match rest {
        Some(rest) => {
            let host = rest.split('/').next().unwrap_or("");
            !host.is_empty()
                && !rest
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#'))
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(ReleaseError::input(
            "base URL",
            format!("{base:?} must be an absolute http(s) URL without query or fragment"),
        ))
    }
}

/// A version name becomes a path segment, a file-system directory name in
/// downloads and the OSCAL document version, so it is kept narrow.
pub(crate) fn check_version_name(v: &str) -> Result<(), ReleaseError> {
    let ok = (1..=64).contains(&v.len())
        && v.as_bytes()[0].is_ascii_alphanumeric()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(ReleaseError::input(
            "version name",
            format!(
                "{v:?}: use 1 to 64 ASCII letters, digits, '.', '-' or '_', starting with a letter or digit (such as 1.2.0 or 2026.11.22)"
            ),
        ))
    }
}

/// Percent-encodes what may not stand in a path segment as it is.
pub(crate) fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':' | b'@') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A UUIDv5 in the URL namespace: the same name always gives the same UUID.
pub(crate) fn uuid5(name: &str) -> String {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes())
        .hyphenated()
        .to_string()
}

/// The OSCAL identifier of a control or section. OSCAL identifiers are
/// tokens and by convention lower case; Charta's identifiers are upper-case
/// ASCII, so lower-casing them is one to one and the original is kept as a
/// `label` property.
pub(crate) fn oscal_id(id: &str) -> String {
    id.to_ascii_lowercase()
}

/// `YYYY-MM-DD`.
pub(crate) fn date_str(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Midnight UTC of the publication date, as OSCAL timestamps need a time
/// and a zone.
pub(crate) fn timestamp(d: Date) -> String {
    format!("{}T00:00:00Z", date_str(d))
}

/// OSCAL's timestamp pattern only accepts years 1900 to 2999.
pub(crate) fn check_date(d: Date) -> Result<(), ReleaseError> {
    if (1900..=2999).contains(&d.year()) {
        Ok(())
    } else {
        Err(ReleaseError::input(
            "date",
            format!("{} is outside the years 1900 to 2999", date_str(d)),
        ))
    }
}

/// Text for a one-line field (OSCAL `markup-line`, CSV headers of tables):
/// runs of white space, line breaks included, become one space.
pub(crate) fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn addresses() {
        let n = Names::new("https://c.example/", "sb", "1.2.0").unwrap();
        assert_eq!(n.release(), "https://c.example/releases/sb/1.2.0/");
        assert_eq!(
            n.artefact("manifest.json"),
            "https://c.example/releases/sb/1.2.0/manifest.json"
        );
        assert_eq!(
            n.catalog_item("cra", "CRA:AnnexI.P2.5"),
            "https://c.example/catalogs/cra/items/CRA:AnnexI.P2.5"
        );
        assert_eq!(
            n.control("A B"),
            "https://c.example/specs/sb/controls/A%20B"
        );
        assert!(n.absolute("ballot path", "/ballots/1").is_ok());
        assert!(n.absolute("ballot path", "ballots/1").is_err());
        assert!(n.absolute("ballot path", "//evil.example/x").is_err());
    }

    #[test]
    fn refuses_bad_names() {
        for v in ["", "-1", "1.0 beta", "../x", "1/2", "é"] {
            assert!(check_version_name(v).is_err(), "{v:?}");
        }
        for v in ["1.2.0", "2026.11.22", "v3", "1.0.0-rc_1"] {
            assert!(check_version_name(v).is_ok(), "{v:?}");
        }
        for b in ["ftp://x", "https://", "https://x?y", "x.example"] {
            assert!(Names::new(b, "s", "1").is_err(), "{b:?}");
        }
    }

    #[test]
    fn uuids_are_stable_v5() {
        let u = uuid5("https://c.example/x");
        assert_eq!(u, uuid5("https://c.example/x"));
        assert_ne!(u, uuid5("https://c.example/y"));
        assert_eq!(&u[14..15], "5");
    }

    #[test]
    fn dates() {
        assert_eq!(timestamp(date!(2026 - 11 - 02)), "2026-11-02T00:00:00Z");
        assert!(check_date(date!(1899 - 12 - 31)).is_err());
        assert_eq!(one_line(" a\n  b\tc "), "a b c");
    }
}
