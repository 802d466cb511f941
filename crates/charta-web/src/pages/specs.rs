//! Specification pages: a version, the version history, a control.

use super::Page;
use super::view::{ControlView, People, SectionView, Standing, current_release, sections, when};
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{Error, PageResult, url_encode};
use crate::redirect::moved_permanently;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use charta_app::lookup::{self, parse_version};
use charta_app::specs::{HistoryEntry, canonical_control, control_detail};
use charta_domain::access::{Action, Decision};
use charta_store::{ReleaseRow, SpecRow, VersionMeta};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "specs/list.html")]
pub struct SpecsPage {
    pub title: String,
    pub chrome: Chrome,
    pub specs: Vec<SpecRow>,
}

/// Every specification.
pub async fn list(State(state): State<AppState>, viewer: Viewer) -> PageResult<Page<SpecsPage>> {
    Ok(Page(SpecsPage {
        title: "Specifications".into(),
        chrome: viewer.chrome(&state),
        specs: lookup::readable_specs(&state, &viewer).await?,
    }))
}

/// Optional filter of the specification page.
#[derive(Debug, Deserialize)]
pub struct LevelFilter {
    /// Show only controls a project at this level must meet.
    pub level: Option<String>,
}

#[derive(Template)]
#[template(path = "specs/show.html")]
pub struct SpecPage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    pub version: VersionMeta,
    pub created: String,
    /// Who made the version, by name.
    pub created_by: String,
    pub is_head: bool,
    /// The release to use: the newest one not marked superseded.
    pub latest_release: Option<ReleaseRow>,
    /// The releases that froze the version shown, with their standing.
    pub released_as: Vec<(ReleaseRow, Standing)>,
    /// How many releases the specification has.
    pub release_count: usize,
    pub summary_html: String,
    pub level: Option<u8>,
    pub sections: Vec<SectionView>,
    pub shown: usize,
    pub total: usize,
    /// Follow the specification's releases.
    pub follow: super::follows::FollowButton,
    pub follow_what: &'static str,
    /// Offer "Propose a change" on each control and "Add a control".
    pub can_propose: bool,
}

/// The newest version of a specification.
pub async fn head(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    Query(f): Query<LevelFilter>,
) -> PageResult<Page<SpecPage>> {
    spec_page(&state, &viewer, &spec, None, f).await
}

/// A given version of a specification.
pub async fn version(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, version)): Path<(String, String)>,
    Query(f): Query<LevelFilter>,
) -> PageResult<Page<SpecPage>> {
    let n = parse_version(&version, "the version in the address")?;
    spec_page(&state, &viewer, &spec, Some(n), f).await
}

async fn spec_page(
    state: &AppState,
    viewer: &Viewer,
    slug: &str,
    number: Option<i64>,
    f: LevelFilter,
) -> PageResult<Page<SpecPage>> {
    let level = match f.level.as_deref().filter(|l| !l.is_empty()) {
        None => None,
        Some(l) => match l.parse::<u8>() {
            Ok(n @ 1..=3) => Some(n),
            _ => {
                return Err(
                    Error::BadRequest(format!("level must be 1, 2 or 3, not {l:?}")).into(),
                );
            }
        },
    };
    let row = lookup::spec(state, viewer, slug).await?;
    let v = lookup::version(state, viewer, slug, number).await?;
    let sections = sections(state, &v.spec, level);
    let shown = sections.iter().map(|s| s.controls.len()).sum();
    let releases = state.store.releases(row.id).await?;
    let people = People::of(state, &[v.meta.created_by.as_str()]).await?;
    let follow = super::follows::FollowButton::of(
        state,
        viewer,
        charta_domain::notify::FollowKind::Spec,
        &row.slug,
    )
    .await?;
    let can_propose = v.meta.number == row.head_version
        && viewer.decide(Action::Propose {
            group_id: row.group_id,
        }) == Decision::Allow;
    Ok(Page(SpecPage {
        can_propose,
        follow,
        follow_what: "its releases",
        title: format!("{} (version {})", v.spec.title, v.meta.number),
        chrome: viewer.chrome(state),
        is_head: v.meta.number == row.head_version,
        created: when(v.meta.created_at),
        created_by: people.name(&v.meta.created_by),
        latest_release: current_release(&releases).cloned(),
        released_as: releases
            .iter()
            .cloned()
            .zip(Standing::of_all(&releases))
            .filter(|(r, _)| r.version == v.meta.number)
            .collect(),
        release_count: releases.len(),
        summary_html: crate::markdown::render(&v.spec.summary),
        version: v.meta.clone(),
        spec: row,
        level,
        sections,
        shown,
        total: v.spec.controls.len(),
    }))
}

/// A version in the history list.
pub struct VersionLine {
    pub meta: VersionMeta,
    pub created: String,
    /// Who made it, by name.
    pub by: String,
    /// The releases that froze it, with their standing.
    pub releases: Vec<(ReleaseRow, Standing)>,
}

#[derive(Template)]
#[template(path = "specs/versions.html")]
pub struct VersionsPage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    pub versions: Vec<VersionLine>,
}

/// The version history of a specification, with a form to compare any two.
pub async fn versions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
) -> PageResult<Page<VersionsPage>> {
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let metas = lookup::versions(&state, &row).await?;
    let actors: Vec<&str> = metas.iter().map(|m| m.created_by.as_str()).collect();
    let people = People::of(&state, &actors).await?;
    let releases = state.store.releases(row.id).await?;
    let standings = Standing::of_all(&releases);
    let versions = metas
        .into_iter()
        .map(|meta| VersionLine {
            created: when(meta.created_at),
            by: people.name(&meta.created_by),
            releases: releases
                .iter()
                .zip(&standings)
                .filter(|(r, _)| r.version == meta.number)
                .map(|(r, s)| (r.clone(), s.clone()))
                .collect(),
            meta,
        })
        .collect();
    Ok(Page(VersionsPage {
        title: format!("History of {}", row.title),
        chrome: viewer.chrome(&state),
        spec: row,
        versions,
    }))
}

#[derive(Template)]
#[template(path = "specs/control.html")]
pub struct ControlPage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    pub version: i64,
    pub section_title: String,
    pub control: ControlView,
    pub history: Vec<HistoryEntry>,
    /// Offer "Propose a change" (the viewer may propose in the group, and
    /// this is the newest version).
    pub can_propose: bool,
}

/// A control's permalink: its newest text and its history.
pub async fn control(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, control)): Path<(String, String)>,
) -> PageResult<Response> {
    if let Some(canonical) = canonical_control(&state, &viewer, &spec, &control).await? {
        return Ok(moved_permanently(&format!(
            "/specs/{}/controls/{}",
            url_encode(&spec),
            url_encode(&canonical)
        )));
    }
    let (detail, v) = control_detail(&state, &viewer, &spec, &control).await?;
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let section_title = v
        .spec
        .section(&detail.control.section)
        .map(|s| s.title.clone())
        .unwrap_or_default();
    Ok(Page(ControlPage {
        title: format!("{} {}", detail.control.id, detail.control.title),
        chrome: viewer.chrome(&state),
        control: ControlView::new(&state, &detail.control),
        version: detail.version,
        section_title,
        history: detail.history,
        can_propose: detail.version == row.head_version
            && viewer.decide(Action::Propose {
                group_id: row.group_id,
            }) == Decision::Allow,
        spec: row,
    })
    .into_response())
}
