//! Self-assessment pages: one's own list with the start form, an
//! assessment with its standing, gap plan and one answer form per control,
//! moving and publishing, the published files and badge, and a release's
//! statistics. Every form carries the CSRF token; nothing needs a script.

use super::confirm::ConfirmPage;
use super::form::{FieldErrors, PageForm, field};
use super::{Page, Rejected, rejected_status};
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
    /// The start form as typed (empty but for a release page's link at
    /// first; as sent when it is shown again).
    pub form: StartForm,
    /// Why the start form was not accepted.
    pub error: Option<String>,
    /// What can be assessed: (value, label).
    pub kinds: [(&'static str, &'static str); 3],
    /// Organisations the person speaks for: (slug, name).
    pub organizations: Vec<(String, String)>,
    pub statement: &'static str,
}

/// What the start form holds.
#[derive(Debug, Default, Clone)]
pub struct StartForm {
    pub spec: String,
    pub release: String,
    pub kind: String,
    pub name: String,
    pub url: String,
    pub target_level: String,
    pub organization: String,
}

impl StartForm {
    /// Whether the form chose this target level.
    pub fn is_level(&self, level: &str) -> bool {
        self.target_level == level
    }

    fn from_pairs(f: &[(String, String)]) -> StartForm {
        StartForm {
            spec: field(f, "spec").trim().to_string(),
            release: field(f, "release").trim().to_string(),
            kind: field(f, "kind").to_string(),
            name: field(f, "name").to_string(),
            url: field(f, "url").to_string(),
            target_level: field(f, "target_level").to_string(),
            organization: field(f, "organization").to_string(),
        }
    }
}

/// One's own assessments, and the form that starts one.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<StartQuery>,
) -> PageResult<Page<ListPage>> {
    let form = StartForm {
        spec: q.spec,
        release: q.release,
        ..StartForm::default()
    };
    Ok(Page(list_page(&state, &viewer, form, None).await?))
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    form: StartForm,
    error: Option<String>,
) -> Result<ListPage, Error> {
    let rows = assessments::mine(state, viewer).await?;
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
    Ok(ListPage {
        title: "Self-assessments".into(),
        chrome: viewer.chrome(state),
        rows,
        form,
        error,
        kinds: [
            ("project", "A project"),
            ("repository", "A repository"),
            ("package", "A package"),
        ],
        organizations,
        statement: SELF_ASSESSMENT,
    })
}

/// Starts an assessment from the form; a form that is not accepted is
/// shown again as typed, with the reason.
pub async fn start(
    State(state): State<AppState>,
    viewer: Viewer,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let form = StartForm::from_pairs(&f);
    let started = match start_from(&state, &viewer, &form).await {
        Ok(row) => return Ok(see_other(&format!("/assessments/{}", row.id)).into_response()),
        Err(e) => e,
    };
    let status = rejected_status(&started);
    match started {
        e @ (Error::BadRequest(_)
        | Error::Invalid(_)
        | Error::NotFound(_)
        | Error::Forbidden(_))
            if viewer.user.is_some() =>
        {
            // Shown like every other form's problem: as a sentence.
            let reason = FieldErrors::single("start", e.message())
                .get("start")
                .to_string();
            let page = list_page(&state, &viewer, form, Some(reason)).await?;
            Ok(Rejected(status, page).into_response())
        }
        other => Err(other.into()),
    }
}

async fn start_from(
    state: &AppState,
    viewer: &Viewer,
    form: &StartForm,
) -> Result<AssessmentRow, Error> {
    let kind = SubjectKind::parse(&form.kind).ok_or_else(|| {
        Error::BadRequest("choose what is assessed: a project, a repository or a package".into())
    })?;
    let target = form
        .target_level
        .parse::<u8>()
        .map_err(|_| "x".to_string())
        .and_then(Level::new)
        .map_err(|_| Error::BadRequest("choose a target level: 1, 2 or 3".into()))?;
    assessments::start(
        state,
        viewer,
        Start {
            spec: &form.spec,
            release: &form.release,
            kind,
            name: &form.name,
            url: &form.url,
            target,
            organization: Some(&form.organization),
        },
    )
    .await
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
    /// Why the answer just sent for this control was not accepted; the
    /// form then shows what was sent.
    pub error: Option<String>,
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
    /// The control whose answer was just refused, for the notice at the
    /// top of the page that links to its form.
    pub refused: Option<String>,
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
    Ok(Page(show_page(&state, &viewer, a, None)))
}

/// An answer that was not accepted: the control, what was sent, and why.
struct Refused {
    control: String,
    status: Option<Status>,
    justification: String,
    evidence: Vec<String>,
    error: String,
}

fn show_page(
    state: &AppState,
    viewer: &Viewer,
    a: Assessment,
    refused: Option<Refused>,
) -> ShowPage {
    let target = a.target();
    let refused_control = refused.as_ref().map(|r| r.control.clone());
    let controls: Vec<ControlView> = a
        .version
        .spec
        .active_controls()
        .map(|c| {
            let answer = a.answer(&c.id);
            let mut view = ControlView {
                control: c.clone(),
                in_scope: c.level <= target,
                status: answer.and_then(|x| x.status),
                justification: answer.map(|x| x.justification.clone()).unwrap_or_default(),
                evidence: answer.map(|x| x.evidence.clone()).unwrap_or_default(),
                review: answer.and_then(|x| x.review).map(|r| r.as_str()),
                changes: changes(a.redlines.get(&c.id)),
                error: None,
            };
            if let Some(r) = refused.as_ref().filter(|r| r.control == c.id) {
                view.status = r.status;
                view.justification.clone_from(&r.justification);
                view.evidence.clone_from(&r.evidence);
                view.error = Some(r.error.clone());
            }
            view
        })
        .collect();
    let in_scope = controls.iter().filter(|c| c.in_scope).count();
    // Counted from the stored answers: a refused answer shown in its form
    // was not saved.
    let answered = controls
        .iter()
        .filter(|c| c.in_scope)
        .filter_map(|c| a.answer(&c.control.id))
        .filter(|x| x.status.is_some() && x.review.is_none())
        .count();
    ShowPage {
        title: format!("Self-assessment of {}", a.row.subject_name),
        chrome: viewer.chrome(state),
        statuses: Status::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        statement: SELF_ASSESSMENT,
        answered,
        in_scope,
        public_url: state.config.public_url.clone(),
        refused: refused_control,
        controls,
        a,
    }
}

/// Records one answer from the assessment page's form. An answer that is
/// not accepted shows the page again with what was sent in that control's
/// form and the reason beside it.
pub async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = parse_id(&id)?;
    let control = field(&f, "control").to_string();
    let status = Status::parse(field(&f, "status"));
    let justification = field(&f, "justification").to_string();
    let evidence: Vec<String> = field(&f, "evidence")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let saved = match status {
        Some(status) => {
            assessments::answer(
                &state,
                &viewer,
                id,
                Given {
                    control: &control,
                    status,
                    justification: &justification,
                    evidence: evidence.clone(),
                },
            )
            .await
        }
        None => Err(Error::BadRequest(
            "choose a status: met, partly met, not met or not applicable (with a reason)".into(),
        )),
    };
    let error = match saved {
        Ok(_) => {
            return Ok(see_other(&format!("/assessments/{id}#control-{control}")).into_response());
        }
        Err(e @ (Error::BadRequest(_) | Error::Invalid(_))) => {
            FieldErrors::single("answer", e.message())
                .get("answer")
                .to_string()
        }
        Err(e) => return Err(e.into()),
    };
    let a = assessments::get(&state, &viewer, id).await?;
    if a.version.spec.control(&control).is_none() || !a.editable {
        return Err(Error::BadRequest(error).into());
    }
    let page = show_page(
        &state,
        &viewer,
        a,
        Some(Refused {
            control,
            status,
            justification,
            evidence,
            error,
        }),
    );
    Ok(Rejected(axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
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
