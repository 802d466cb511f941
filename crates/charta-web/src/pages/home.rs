//! The home page and working group pages.

use super::Page;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::PageResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, State};
use charta_app::groups::{GroupDetail, group_detail};
use charta_domain::Catalog;
use charta_domain::access::{Action, Decision};
use charta_store::{GroupRow, ReleaseRow, SpecRow};

/// A specification with the release a reader should use, if any.
pub struct SpecLine {
    pub spec: SpecRow,
    /// The newest release not marked superseded.
    pub release: Option<ReleaseRow>,
}

/// Pairs each specification with its current release. `releases` are
/// every release, newest first, as the store lists them.
fn spec_lines(specs: &[SpecRow], releases: &[ReleaseRow]) -> Vec<SpecLine> {
    specs
        .iter()
        .map(|s| SpecLine {
            release: releases
                .iter()
                .find(|r| r.spec_id == s.id && r.superseded_at.is_none())
                .cloned(),
            spec: s.clone(),
        })
        .collect()
}

/// A group with its specifications, for the home page.
pub struct GroupCard {
    pub group: GroupRow,
    pub specs: Vec<SpecLine>,
}

#[derive(Template)]
#[template(path = "home/home.html")]
pub struct HomePage {
    pub title: String,
    pub chrome: Chrome,
    pub groups: Vec<GroupCard>,
    pub catalogs: Vec<Catalog>,
}

/// Working groups, their specifications, and the reference catalogs.
pub async fn home(State(state): State<AppState>, viewer: Viewer) -> PageResult<Page<HomePage>> {
    let specs = charta_app::lookup::readable_specs(&state, &viewer).await?;
    let releases = state.store.all_releases().await?;
    let groups = state
        .store
        .groups()
        .await?
        .into_iter()
        .map(|g| {
            let mine: Vec<SpecRow> = specs
                .iter()
                .filter(|s| s.group_slug == g.slug)
                .cloned()
                .collect();
            GroupCard {
                specs: spec_lines(&mine, &releases),
                group: g,
            }
        })
        .collect();
    Ok(Page(HomePage {
        title: "Security specifications".into(),
        chrome: viewer.chrome(&state),
        groups,
        catalogs: state.catalogs.catalogs().to_vec(),
    }))
}

#[derive(Template)]
#[template(path = "home/group.html")]
pub struct GroupPage {
    pub title: String,
    pub chrome: Chrome,
    pub detail: GroupDetail,
    pub description_html: String,
    pub specs: Vec<SpecLine>,
    /// Whether the viewer may see the people and roles page: members do;
    /// others see the member organisations here and are asked to sign in.
    pub can_read_members: bool,
    /// Whether the viewer runs the group's webhooks (its chair; a step-up
    /// sign-in may still be asked for).
    pub can_manage_webhooks: bool,
}

/// A working group: its members and specifications.
pub async fn group(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(group): Path<String>,
) -> PageResult<Page<GroupPage>> {
    let detail = group_detail(&state, &viewer, &group).await?;
    let releases = state.store.all_releases().await?;
    Ok(Page(GroupPage {
        title: detail.group.name.clone(),
        chrome: viewer.chrome(&state),
        specs: spec_lines(&detail.specs, &releases),
        can_read_members: viewer.decide(Action::ReadMembers {
            group_id: detail.group.id,
        }) == Decision::Allow,
        can_manage_webhooks: matches!(
            viewer.decide(Action::ManageWebhooks {
                group_id: detail.group.id,
            }),
            Decision::Allow | Decision::StepUp
        ),
        description_html: crate::markdown::render(&detail.group.description),
        detail,
    }))
}
