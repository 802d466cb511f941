//! What the members page and the API share for delegations: reading the
//! request, the one access check, and what the page shows about who holds
//! each organisation's vote.

use crate::app::App;
use crate::error::Error;
use crate::viewer::Viewer;
use charta_domain::access::{Action, Decision, Role};
use charta_domain::delegation::Voice;
use charta_store::{
    DelegationRow, GroupRow, MembershipRow, NewDelegation, OrgRow, StoreError, now,
};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

/// When a delegation starts or ends, as the person gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// A day (UTC): a delegation starts at its beginning (or now, if that
    /// has passed) and ends at its end.
    Day(Date),
    /// An exact time.
    At(OffsetDateTime),
}

/// A delegation as submitted, from the form or the API.
#[derive(Debug, Clone, Copy)]
pub struct GiveRequest<'a> {
    /// The organisation's slug.
    pub organization: &'a str,
    /// The alternate's e-mail address.
    pub alternate: &'a str,
    /// `None` for now.
    pub starts: Option<Moment>,
    /// `None` for no end.
    pub ends: Option<Moment>,
}

impl Moment {
    /// Reads a date (`YYYY-MM-DD`, UTC) or an RFC 3339 time; empty is
    /// `None`. `field` names it in the error.
    pub fn parse(raw: &str, field: &str) -> Result<Option<Moment>, Error> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        if let Ok(t) = OffsetDateTime::parse(raw, &Rfc3339) {
            return Ok(Some(Moment::At(t)));
        }
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Date::parse(raw, &format).map(|d| Some(Moment::Day(d))).map_err(|_| {
            Error::BadRequest(format!(
                "the {field} {raw:?} is neither a date (YYYY-MM-DD) nor a time (RFC 3339, such as 2026-12-24T09:00:00Z)"
            ))
        })
    }

    fn start(self, now: OffsetDateTime) -> OffsetDateTime {
        match self {
            Moment::At(t) => t,
            Moment::Day(d) => d.with_time(Time::MIDNIGHT).assume_utc().max(now),
        }
    }

    fn end(self) -> OffsetDateTime {
        match self {
            Moment::At(t) => t,
            Moment::Day(d) => d.with_time(Time::MIDNIGHT).assume_utc() + time::Duration::days(1),
        }
    }
}

/// The action that delegating an organisation's vote asks of the policy.
fn action(g: &GroupRow, org: &OrgRow, members: &[MembershipRow]) -> Action {
    Action::Delegate {
        group_id: g.id,
        organization_id: org.id,
        has_representative: members
            .iter()
            .any(|m| m.organization_id == Some(org.id) && m.role == Role::Representative.as_str()),
    }
}

/// Gives a delegation of an organisation's vote; returns its id.
pub async fn give(
    state: &App,
    viewer: &Viewer,
    group: &str,
    req: GiveRequest<'_>,
) -> Result<i64, Error> {
    let g = state.store.group(group).await?;
    viewer.require(Action::ReadMembers { group_id: g.id })?;
    let orgs = state.store.organizations(g.id).await?;
    let slug = req.organization.trim();
    let org = orgs.iter().find(|o| o.slug == slug).ok_or_else(|| {
        Error::BadRequest(format!(
            "{slug:?} is not a member organisation of {}; name one of: {}",
            g.name,
            orgs.iter()
                .map(|o| o.slug.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let members = state.store.group_members(g.id).await?;
    viewer.require(action(&g, org, &members))?;
    let email = req.alternate.trim();
    let holds = |m: &&MembershipRow| m.user_email.eq_ignore_ascii_case(email) && !email.is_empty();
    let alternate = members
        .iter()
        .filter(holds)
        .find(|m| m.role == Role::Alternate.as_str() && m.organization_id == Some(org.id));
    let Some(alternate) = alternate else {
        let elsewhere = members
            .iter()
            .filter(holds)
            .find(|m| m.role == Role::Alternate.as_str());
        return Err(Error::BadRequest(match elsewhere {
            Some(m) => format!(
                "{} is an alternate of {}, not of {}; only an alternate of {} can hold its vote",
                m.user_name,
                m.organization_name
                    .as_deref()
                    .unwrap_or("another organisation"),
                org.name,
                org.name
            ),
            None => format!(
                "nobody with the e-mail address {email:?} is an alternate of {} in {}; the chair can invite them as one first",
                org.name, g.name
            ),
        }));
    };
    let at = now();
    let starts_at = req.starts.map_or(at, |m| m.start(at));
    let ends_at = req.ends.map(Moment::end);
    Ok(state
        .store
        .give_delegation(NewDelegation {
            group_id: g.id,
            organization_id: org.id,
            alternate_id: alternate.user_id,
            starts_at,
            ends_at,
            given_by: viewer.user()?.id,
            at,
        })
        .await?)
}

/// Revokes a delegation of the group, from now on.
pub async fn revoke(
    state: &App,
    viewer: &Viewer,
    group: &str,
    id: i64,
) -> Result<DelegationRow, Error> {
    let g = state.store.group(group).await?;
    viewer.require(Action::ReadMembers { group_id: g.id })?;
    let not_found = || Error::NotFound(format!("delegation {id} in working group {}", g.slug));
    let d = match state.store.delegation(id).await {
        Ok(d) if d.group_id == g.id => d,
        Ok(_) | Err(StoreError::NotFound(_)) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let orgs = state.store.organizations(g.id).await?;
    let org = orgs
        .iter()
        .find(|o| o.id == d.organization_id)
        .ok_or_else(not_found)?;
    let members = state.store.group_members(g.id).await?;
    viewer.require(action(&g, org, &members))?;
    state
        .store
        .revoke_delegation(g.id, id, viewer.user()?.id, now())
        .await?;
    Ok(state.store.delegation(id).await?)
}

/// One organisation's vote, as the members page shows it.
pub struct OrgVoice {
    pub organization: OrgRow,
    /// Who votes for it now, in words.
    pub voter: String,
    /// Its alternates, by name and e-mail, for the delegation form.
    pub alternates: Vec<(String, String)>,
    /// Whether the viewer may give and revoke its delegations.
    pub can_delegate: bool,
}

/// Who holds each organisation's vote, and the group's delegations with
/// whether the viewer may revoke each.
pub async fn voices(
    state: &App,
    viewer: &Viewer,
    g: &GroupRow,
    members: &[MembershipRow],
) -> Result<(Vec<OrgVoice>, Vec<(DelegationRow, bool)>), Error> {
    let at = now();
    let name = |id: i64| {
        members
            .iter()
            .find(|m| m.user_id == id)
            .map_or_else(|| format!("account {id}"), |m| m.user_name.clone())
    };
    let mut out = Vec::new();
    for org in state.store.organizations(g.id).await? {
        let voter = match state.store.voice(org.id, at).await? {
            Voice::Representative(r) => format!("{} (representative)", name(r)),
            Voice::Delegate {
                alternate,
                delegation,
            } => format!("{} (alternate, delegation {delegation})", name(alternate)),
            Voice::Nobody => "nobody: no representative and no delegation in force".into(),
        };
        let alternates = members
            .iter()
            .filter(|m| m.role == Role::Alternate.as_str() && m.organization_id == Some(org.id))
            .map(|m| (m.user_name.clone(), m.user_email.clone()))
            .collect();
        let can_delegate = viewer.decide(action(g, &org, members)) == Decision::Allow;
        out.push(OrgVoice {
            organization: org,
            voter,
            alternates,
            can_delegate,
        });
    }
    let delegations = state
        .store
        .delegations_of_group(g.id)
        .await?
        .into_iter()
        .map(|d| {
            let live = d.revoked_at.is_none() && d.ends_at.is_none_or(|e| at < e);
            let mine = out
                .iter()
                .any(|o| o.organization.id == d.organization_id && o.can_delegate);
            (d, live && mine)
        })
        .collect();
    Ok((out, delegations))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a failing test panics")]
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_day_starts_at_its_beginning_or_now_and_ends_at_its_end() {
        let day = Moment::parse(" 2026-12-24 ", "start").unwrap().unwrap();
        assert_eq!(day, Moment::Day(time::macros::date!(2026 - 12 - 24)));
        assert_eq!(
            day.start(datetime!(2026-12-01 10:00 UTC)),
            datetime!(2026-12-24 00:00 UTC)
        );
        assert_eq!(
            day.start(datetime!(2026-12-24 10:00 UTC)),
            datetime!(2026-12-24 10:00 UTC),
            "never in the past"
        );
        assert_eq!(day.end(), datetime!(2026-12-25 00:00 UTC));
        let at = Moment::parse("2026-12-24T09:00:00Z", "end")
            .unwrap()
            .unwrap();
        assert_eq!(at.end(), datetime!(2026-12-24 09:00 UTC));
        assert_eq!(Moment::parse("", "end").unwrap(), None);
        let err = Moment::parse("24/12/2026", "end").unwrap_err().to_string();
        assert!(
            err.contains("the end \"24/12/2026\" is neither a date"),
            "{err}"
        );
    }
}
