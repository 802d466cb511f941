//! Working groups and their member organisations, as written in
//! `specs/groups/*.yaml`.

use crate::format::{FormatError, Problem, find_line};
use crate::ident;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A working group file: the group and the foundations that are its members.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct GroupFile {
    pub group: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default)]
    pub members: Vec<MemberOrg>,
}

/// A member organisation (typically a foundation) of a working group.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MemberOrg {
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// The domain of the organisation's e-mail addresses; when set, its
    /// representatives and alternates need a verified address in it (see
    /// [`crate::affiliation`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_domain: Option<String>,
}

impl GroupFile {
    /// Parses and checks a working group file.
    pub fn parse(text: &str) -> Result<GroupFile, FormatError> {
        let g: GroupFile = crate::format::from_yaml(text)?;
        let mut problems = Vec::new();
        if !ident::is_valid_slug(&g.group) {
            problems.push(Problem::new(
                find_line(text, "group", &g.group, 0),
                format!("group slug {:?} is not valid: use 2 to 64 lower-case letters, digits and single hyphens", g.group),
            ));
        }
        if g.name.trim().is_empty() {
            problems.push(Problem::new(None, "the working group needs a name"));
        }
        let mut seen = HashSet::new();
        for m in &g.members {
            let line = find_line(text, "slug", &m.slug, 0);
            if !ident::is_valid_slug(&m.slug) {
                problems.push(Problem::new(
                    line,
                    format!("organisation slug {:?} is not valid", m.slug),
                ));
            }
            if !seen.insert(m.slug.as_str()) {
                problems.push(Problem::new(
                    line,
                    format!("organisation {} is listed twice", m.slug),
                ));
            }
            if m.name.trim().is_empty() {
                problems.push(Problem::new(
                    line,
                    format!("organisation {} needs a name", m.slug),
                ));
            }
            if let Some(d) = &m.email_domain
                && !is_valid_domain(d)
            {
                problems.push(Problem::new(
                    find_line(text, "email-domain", d, 0),
                    format!(
                        "the e-mail domain {d:?} of organisation {} is not a domain name such as example.org",
                        m.slug
                    ),
                ));
            }
        }
        if problems.is_empty() {
            Ok(g)
        } else {
            Err(FormatError { problems })
        }
    }
}

/// Whether `d` looks like a domain name: dot-separated labels of letters,
/// digits and hyphens.
pub fn is_valid_domain(d: &str) -> bool {
    d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_domains_are_checked() {
        let text = "group: wg\nname: WG\nmembers:\n  - slug: aa\n    name: A\n    email-domain: aurora.org\n";
        let g = GroupFile::parse(text).unwrap();
        assert_eq!(g.members[0].email_domain.as_deref(), Some("aurora.org"));
        let err = GroupFile::parse(&text.replace("aurora.org", "aurora")).unwrap_err();
        assert!(err.to_string().contains("is not a domain name"), "{err}");
        assert!(
            !is_valid_domain("-a.org")
                && !is_valid_domain("a..org")
                && is_valid_domain("mail.a-b.org")
        );
    }

    #[test]
    fn parses_members_and_refuses_duplicates() {
        let text =
            "group: wg\nname: WG\nmembers:\n  - slug: aa\n    name: A\n  - slug: aa\n    name: B\n";
        let err = GroupFile::parse(text).unwrap_err();
        assert!(
            err.to_string().contains("organisation aa is listed twice"),
            "{err}"
        );
        let ok = GroupFile::parse(&text.replace("slug: aa\n    name: B", "slug: bb\n    name: B"))
            .unwrap();
        assert_eq!(ok.members.len(), 2);
    }
}
