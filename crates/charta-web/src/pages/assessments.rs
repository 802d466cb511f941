//! Self-assessment pages: one's own list with the start form, an
//! assessment with its standing, gap plan and one answer form per control,
//! moving and publishing, the published files and badge, and a release's
//! statistics. Every form carries the CSRF token; nothing needs a script.

use super::Page;
use super::confirm::ConfirmPage;
use super::form::{PageForm, field};
use crate::auth::Viewer;
use crate::auth::viewer::{Chrome, ChromeOf};
use crate::error::{Error, PageResult, see_other};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use charta_app::assessments::{self, Assessment, Given, Start, Stats};
use charta_domain::assessment::{Status, SubjectKind};
use charta_domain::spec::{Control, Level};
use charta_release::assessment::SELF_ASSESSMENT;
use charta_store::AssessmentRow;
use serde::Deserialize;

/// Where the start form's release comes from (a release page's link).
#[derive(Debug, Default, Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    pub spec: String,
    #[serde(default)]
    pub release: String,
}

#[derive(Template)]
#[template(path = "assessments/list.html")]
pub struct ListPage {
    pub title: String,
    pub chrome: Chrome,
    pub rows: Vec<AssessmentRow>,
    pub spec: String,
    pub release: String,
    /// Organisations the person speaks for: (slug, name).
    pub organizations: Vec<(String, String)>,
    pub statement: &'static str,
}

/// One's own assessments, and the form that starts one.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<StartQuery>,
) -> PageResult<Page<ListPage>> {
    let rows = assessments::mine(&state, &viewer).await?;
    let mut organizations = Vec::new();
    for m in &viewer.memberships {
        let Some(org) = m.organization_id else {
            continue;
        };
        for o in state.store.organizations(m.group_id).await? {
            if o.id == org && !organizations.iter().any(|(s, _)| *s == o.slug) {
                organizations.push((o.slug, o.name));
            }
        }
    }
    Ok(Page(ListPage {
        title: "Self-assessments".into(),
        chrome: viewer.chrome(&state),
        rows,
        spec: q.spec,
        release: q.release,
        organizations,
        statement: SELF_ASSESSMENT,
    }))
}

/// Starts an assessment from the form.
pub async fn start(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let kind = SubjectKind::parse(field(&f, "kind")).ok_or_else(|| {
        Error::BadRequest("choose what is assessed: a project, a repository or a package".into())
    })?;
    let target = field(&f, "target_level")
        .parse::<u8>()
        .map_err(|_| "x".to_string())
        .and_then(Level::new)
        .map_err(|_| Error::BadRequest("choose a target level: 1, 2 or 3".into()))?;
    let row = assessments::start(
        &state,
        &viewer,
        Start {
            spec: field(&f, "spec").trim(),
            release: field(&f, "release").trim(),
            kind,
            name: field(&f, "name"),
            url: field(&f, "url"),
            target,
            organization: Some(field(&f, "organization")),
        },
    )
    .await?;
    Ok(see_other(&format!("/assessments/{}", row.id)).into_response())
}

/// One control as the assessment page shows it.
pub struct ControlView {
    pub control: Control,
    pub in_scope: bool,
    pub status: Option<Status>,
    pub justification: String,
    pub evidence: Vec<String>,
    /// `changed` or `new` after a move.
    pub review: Option<&'static str>,
    /// What changed, field by field: (field, old, new).
    pub changes: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "assessments/show.html")]
pub struct ShowPage {
    pub title: String,
    pub chrome: Chrome,
    pub a: Assessment,
    pub controls: Vec<ControlView>,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub statement: &'static str,
    pub answered: usize,
    pub in_scope: usize,
    pub public_url: String,
}

fn parse_id(raw: &str) -> Result<i64, Error> {
    raw.parse()
        .map_err(|_| Error::NotFound(format!("assessment {raw}")))
}

fn changes(v: Option<&serde_json::Value>) -> Vec<(String, String, String)> {
    let Some(v) = v else {
        return Vec::new();
    };
    let text = |x: &serde_json::Value| x.as_str().unwrap_or("").to_string();
    let mut out: Vec<(String, String, String)> = v["fields"]
        .as_array()
        .map(|fs| {
            fs.iter()
                .map(|f| (text(&f["field"]), text(&f["old"]), text(&f["new"])))
                .collect()
        })
        .unwrap_or_default();
    for m in v["mappings"].as_array().into_iter().flatten() {
        out.push((
            format!("mapping to {}", text(&m["target"])),
            m["old"]["relationship"].as_str().unwrap_or("none").into(),
            m["new"]["relationship"].as_str().unwrap_or("none").into(),
        ));
    }
    out
}

/// An assessment: standing, gap plan, answers (with forms for the owner).
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult<Page<ShowPage>> {
    let a = assessments::get(&state, &viewer, parse_id(&id)?).await?;
    let target = a.target();
    let controls: Vec<ControlView> = a
        .version
        .spec
        .active_controls()
        .map(|c| {
            let answer = a.answer(&c.id);
            ControlView {
                control: c.clone(),
                in_scope: c.level <= target,
                status: answer.and_then(|x| x.status),
                justification: answer.map(|x| x.justification.clone()).unwrap_or_default(),
                evidence: answer.map(|x| x.evidence.clone()).unwrap_or_default(),
                review: answer.and_then(|x| x.review).map(|r| r.as_str()),
                changes: changes(a.redlines.get(&c.id)),
            }
        })
        .collect();
    let in_scope = controls.iter().filter(|c| c.in_scope).count();
    let answered = controls
        .iter()
        .filter(|c| c.in_scope && c.status.is_some() && c.review.is_none())
        .count();
    Ok(Page(ShowPage {
        title: format!("Self-assessment of {}", a.row.subject_name),
        chrome: viewer.chrome(&state),
        statuses: Status::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        statement: SELF_ASSESSMENT,
        answered,
        in_scope,
        public_url: state.config.public_url.clone(),
        controls,
        a,
    }))
}

/// Records one answer from the assessment page's form.
pub async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let control = field(&f, "control").to_string();
    let status = Status::parse(field(&f, "status")).ok_or_else(|| {
        Error::BadRequest(
            "choose a status: met, partly met, not met or not applicable (with a reason)".into(),
        )
    })?;
    let evidence = field(&f, "evidence").lines().map(str::to_string).collect();
    assessments::answer(
        &state,
        &viewer,
        id,
        Given {
            control: &control,
            status,
            justification: field(&f, "justification"),
            evidence,
        },
    )
    .await?;
    Ok(see_other(&format!("/assessments/{id}#control-{control}")).into_response())
}

/// Moves the assessment to the release named in the form.
pub async fn move_to(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    assessments::move_to(&state, &viewer, id, field(&f, "release")).await?;
    Ok(see_other(&format!("/assessments/{id}")).into_response())
}

/// The confirmation before publishing, checked as publishing is.
pub async fn confirm_publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let a = assessments::get(&state, &viewer, parse_id(&id)?).await?;
    if !a.editable {
        return Err(Error::Conflict(
            "this assessment is published already, or not yours to publish".into(),
        )
        .into());
    }
    let back = format!("/assessments/{}", a.row.id);
    let met = match a.evaluation.achieved {
        Some(l) => format!("level {l}"),
        None => "no level yet".into(),
    };
    let page = ConfirmPage::new(
        format!("Publish the self-assessment of {}?", a.row.subject_name),
        viewer.chrome(&state),
        format!("{back}/publish"),
        "Publish and sign",
        back.clone(),
    )
    .crumb("/assessments", "Self-assessments")
    .crumb(back, a.row.subject_name.clone())
    .says(format!(
        "Its answers as they stand (meeting {met} of {} {}) are frozen for good and become public, with a page, JSON, OSCAL assessment results and an attestation signed with this instance's key.",
        a.row.spec_title, a.release.name
    ))
    .says(SELF_ASSESSMENT);
    Ok(Page(page).into_response())
}

/// Publishes the assessment.
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    PageForm(_f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    assessments::publish(&state, &viewer, id).await?;
    Ok(see_other(&format!("/assessments/{id}")).into_response())
}

/// A file of a published assessment, exactly as signed.
pub async fn file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, name)): Path<(String, String)>,
) -> PageResult<Response> {
    let f = assessments::file(&state, &viewer, parse_id(&id)?, &name).await?;
    let mut r = f.content.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", f.sha256)) {
        h.insert(header::ETAG, v);
    }
    Ok(r)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The badge of an assessment: the level its answers meet now (for a
/// published one, the level it met when published, which never changes).
pub async fn badge(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let a = assessments::get(&state, &viewer, parse_id(&id)?).await?;
    let level = if a.row.is_published() {
        a.row.achieved_level.map(|l| l.to_string())
    } else {
        a.evaluation.achieved.map(|l| l.to_string())
    };
    let right = match level {
        Some(l) => format!("meets level {l} of {} {}", a.row.spec_slug, a.release.name),
        None => format!("no level of {} {} yet", a.row.spec_slug, a.release.name),
    };
    let right = xml_escape(&right);
    let left = if a.row.is_published() {
        "self-assessed"
    } else {
        "draft"
    };
    // About 7 px per character of an 11 px sans-serif font.
    let lw = 10 + 7 * left.len();
    let rw = 10 + 7 * right.chars().count();
    let w = lw + rw;
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"20\" role=\"img\" aria-label=\"{left}: {right}\"><title>{left}: {right}</title><rect width=\"{lw}\" height=\"20\" fill=\"#555\"/><rect x=\"{lw}\" width=\"{rw}\" height=\"20\" fill=\"#2a6f3f\"/><g fill=\"#fff\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\"><text x=\"5\" y=\"14\">{left}</text><text x=\"{}\" y=\"14\">{right}</text></g></svg>",
        lw + 5
    );
    let mut r = svg.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}

#[derive(Template)]
#[template(path = "assessments/stats.html")]
pub struct StatsPage {
    pub title: String,
    pub chrome: Chrome,
    pub stats: Stats,
    pub rows: Vec<AssessmentRow>,
    pub statement: &'static str,
}

/// The published assessments of a release and what they add up to.
pub async fn stats(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, name)): Path<(String, String)>,
) -> PageResult<Page<StatsPage>> {
    let (stats, rows) = assessments::stats(&state, &viewer, &spec, &name).await?;
    Ok(Page(StatsPage {
        title: format!("Self-assessments against {spec} {name}"),
        chrome: viewer.chrome(&state),
        stats,
        rows,
        statement: SELF_ASSESSMENT,
    }))
}
