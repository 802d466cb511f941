//! How a working group names its releases.
//!
//! A release name becomes part of permanent addresses
//! (`/releases/{spec}/{name}/`) that consumers cite for years, so it follows
//! the group's scheme exactly and always moves forward: a semantic version
//! (`1.2.0`) greater than the previous release's, or a calendar version
//! (`2026.11.22`, with `.N` for a second release on the same day) not
//! earlier than the previous one and not later than the publication date.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// A group's naming scheme for releases.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseScheme {
    /// `MAJOR.MINOR.PATCH`, each a number without leading zeros.
    #[default]
    Semantic,
    /// `YYYY.MM.DD`, optionally `.N` for further releases on the same day.
    Calendar,
}

impl ReleaseScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseScheme::Semantic => "semantic",
            ReleaseScheme::Calendar => "calendar",
        }
    }

    pub fn parse(s: &str) -> Option<ReleaseScheme> {
        match s {
            "semantic" => Some(ReleaseScheme::Semantic),
            "calendar" => Some(ReleaseScheme::Calendar),
            _ => None,
        }
    }

    /// An example name, for forms.
    pub fn example(self) -> &'static str {
        match self {
            ReleaseScheme::Semantic => "1.2.0",
            ReleaseScheme::Calendar => "2026.11.22",
        }
    }
}

/// The numeric parts of a name, or `None` if it does not follow the scheme.
fn parts(scheme: ReleaseScheme, name: &str) -> Option<Vec<u64>> {
    let raw: Vec<&str> = name.split('.').collect();
    let ok_len = match scheme {
        ReleaseScheme::Semantic => raw.len() == 3,
        ReleaseScheme::Calendar => raw.len() == 3 || raw.len() == 4,
    };
    if !ok_len {
        return None;
    }
    let mut out = Vec::with_capacity(raw.len());
    for (i, p) in raw.iter().enumerate() {
        let digits = !p.is_empty() && p.len() <= 9 && p.bytes().all(|b| b.is_ascii_digit());
        if !digits {
            return None;
        }
        let fixed_width = scheme == ReleaseScheme::Calendar && i < 3;
        if fixed_width {
            let width = if i == 0 { 4 } else { 2 };
            if p.len() != width {
                return None;
            }
        } else if p.len() > 1 && p.starts_with('0') {
            return None;
        }
        out.push(p.parse().ok()?);
    }
    if scheme == ReleaseScheme::Calendar {
        let month = u8::try_from(out[1]).ok()?;
        let month = time::Month::try_from(month).ok()?;
        let year = i32::try_from(out[0]).ok()?;
        let day = u8::try_from(out[2]).ok()?;
        time::Date::from_calendar_date(year, month, day).ok()?;
        if out.len() == 4 && out[3] < 2 {
            return None;
        }
    }
    Some(out)
}

/// Checks a new release name against the scheme, the previous release's
/// name and the publication date. The message says what would be accepted.
pub fn check_name(
    scheme: ReleaseScheme,
    name: &str,
    previous: Option<&str>,
    date: time::Date,
) -> Result<(), String> {
    let Some(new) = parts(scheme, name) else {
        return Err(match scheme {
            ReleaseScheme::Semantic => format!(
                "this group names releases MAJOR.MINOR.PATCH, such as 1.2.0; {name:?} is not such a name"
            ),
            ReleaseScheme::Calendar => format!(
                "this group names releases by date, YYYY.MM.DD (such as 2026.11.22), with .2, .3 … for further releases that day; {name:?} is not such a name"
            ),
        });
    };
    if scheme == ReleaseScheme::Calendar {
        let today = [
            u64::from(date.year().unsigned_abs()),
            u64::from(u8::from(date.month())),
            u64::from(date.day()),
        ];
        if new[..3] > today[..] {
            return Err(format!("{name} is later than the publication date, {date}"));
        }
    }
    if let Some(prev) = previous
        && let Some(old) = parts(scheme, prev)
    {
        // A missing fourth part counts as the first release of that day.
        let key = |v: &[u64]| {
            let mut k = v.to_vec();
            if scheme == ReleaseScheme::Calendar && k.len() == 3 {
                k.push(1);
            }
            k
        };
        if key(&new).cmp(&key(&old)) != Ordering::Greater {
            return Err(format!(
                "release names move forward: {name} does not come after the previous release, {prev}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const DAY: time::Date = date!(2026 - 11 - 22);

    #[test]
    fn semantic_names_move_forward() {
        let s = ReleaseScheme::Semantic;
        assert!(check_name(s, "1.0.0", None, DAY).is_ok());
        assert!(check_name(s, "1.10.0", Some("1.9.3"), DAY).is_ok());
        assert!(check_name(s, "2.0.0", Some("1.9.3"), DAY).is_ok());
        for bad in [
            "1.0",
            "1.0.0.0",
            "v1.0.0",
            "01.0.0",
            "1..0",
            "1.0.0-rc1",
            "",
            "1.0.x",
        ] {
            let e = check_name(s, bad, None, DAY).unwrap_err();
            assert!(e.contains("MAJOR.MINOR.PATCH"), "{bad}: {e}");
        }
        let e = check_name(s, "1.0.0", Some("1.0.0"), DAY).unwrap_err();
        assert!(e.contains("move forward"), "{e}");
        assert!(
            check_name(s, "1.2.0", Some("1.10.0"), DAY).is_err(),
            "numeric, not text, order"
        );
    }

    #[test]
    fn calendar_names_are_real_dates_up_to_today() {
        let s = ReleaseScheme::Calendar;
        assert!(check_name(s, "2026.11.22", None, DAY).is_ok());
        assert!(check_name(s, "2026.11.22.2", Some("2026.11.22"), DAY).is_ok());
        assert!(check_name(s, "2026.11.22", Some("2026.11.21.3"), DAY).is_ok());
        assert!(
            check_name(s, "2026.11.23", None, DAY)
                .unwrap_err()
                .contains("later than")
        );
        for bad in [
            "2026.2.30",
            "2026.02.30",
            "26.11.22",
            "2026.11.22.1",
            "2026.11.22.0",
            "2026-11-22",
            "2026.13.01",
        ] {
            assert!(check_name(s, bad, None, DAY).is_err(), "{bad}");
        }
        assert!(
            check_name(s, "2026.11.22", Some("2026.11.22"), DAY).is_err(),
            "not twice"
        );
        assert!(
            check_name(s, "2026.11.21", Some("2026.11.22"), DAY).is_err(),
            "not backwards"
        );
    }
}
