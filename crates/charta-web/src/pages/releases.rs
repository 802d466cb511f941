//! Release pages: a specification's releases and the publishing form, one
//! release as a printable page, its artefacts at permanent addresses,
//! superseding, and the instance's public release key.

use super::confirm::ConfirmPage;
use super::form::{FieldErrors, PageForm};
use super::view::{SectionView, sections};
use super::{Page, Rejected, rejected_status};
use crate::artefact;
use crate::auth::Viewer;
use crate::auth::viewer::Chrome;
use crate::auth::viewer::ChromeOf as _;
use crate::error::{Error, PageResult, see_other};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use charta_app::lookup;
use charta_app::release;
use charta_domain::access::{Action, Decision};
use charta_release::ReleaseNotes;
use charta_store::{BallotRow, ReleaseRow, SpecRow};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "releases/list.html")]
pub struct ListPage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    pub releases: Vec<ReleaseRow>,
    pub can_publish: bool,
    /// Versions with a passed release ballot and no release yet.
    pub approved: Vec<i64>,
    pub scheme_example: &'static str,
    /// The publishing form as typed, when it came back with problems.
    pub draft: PublishForm,
    /// Problems by field: `version` and `name`.
    pub errors: FieldErrors,
}

/// The releases of a specification, and the chair's publishing form.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
) -> PageResult<Page<ListPage>> {
    Ok(Page(
        list_page(
            &state,
            &viewer,
            &spec,
            PublishForm::default(),
            FieldErrors::new(),
        )
        .await?,
    ))
}

/// The releases page, with the publishing form holding `draft`.
async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    spec: &str,
    draft: PublishForm,
    errors: FieldErrors,
) -> Result<ListPage, Error> {
    let row = lookup::spec(state, viewer, spec).await?;
    let releases = state.store.releases(row.id).await?;
    let approved = charta_app::release::awaiting_publication(state, row.id).await?;
    let rules = state.store.group_rules(row.group_id).await?;
    Ok(ListPage {
        draft,
        errors,
        title: format!("Releases of {}", row.title),
        chrome: viewer.chrome(state),
        can_publish: row.visibility == "public"
            && matches!(
                viewer.decide(Action::PublishRelease {
                    group_id: row.group_id
                }),
                Decision::Allow | Decision::StepUp
            ),
        approved,
        scheme_example: rules.release_scheme.example(),
        releases,
        spec: row,
    })
}

/// The publishing form.
#[derive(Debug, Default, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub name: String,
}

/// The releases page again, with what was typed and the problem next to
/// its field: the name when it breaks the group's scheme or does not move
/// forward, the version otherwise.
async fn rejected(
    state: &AppState,
    viewer: &Viewer,
    spec: &str,
    f: PublishForm,
    e: Error,
) -> PageResult<Response> {
    let field = match &e {
        Error::BadRequest(m) if !m.starts_with("this version") => "name",
        Error::BadRequest(_) | Error::Conflict(_) | Error::NotFound(_) => "version",
        _ => return Err(e.into()),
    };
    let status = rejected_status(&e);
    let errors = FieldErrors::single(field, e.message());
    let page = list_page(state, viewer, spec, f, errors).await?;
    Ok(Rejected(status, page).into_response())
}

/// The confirmation page for publishing: checked as publishing is (the
/// policy, then the version and the name), it says what will be built and
/// signed. A name or version that cannot be published comes back as the
/// releases page with the problem next to the field.
pub async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    Query(f): Query<PublishForm>,
) -> PageResult<Response> {
    let row = lookup::spec(&state, &viewer, &spec).await?;
    viewer.require(Action::PublishRelease {
        group_id: row.group_id,
    })?;
    let version = match lookup::parse_version(&f.version, "the version to release") {
        Ok(v) => v,
        Err(e) => return rejected(&state, &viewer, &spec, f, e).await,
    };
    let checked = match release::check_publication(&state, &row, version, &f.name).await {
        Ok(c) => c,
        Err(e) => return rejected(&state, &viewer, &spec, f, e).await,
    };
    let name = f.name.trim();
    let back = format!("/specs/{}/releases", row.slug);
    let page = ConfirmPage::new(
        format!("Publish release {name}?"),
        viewer.chrome(&state),
        back.clone(),
        format!("Publish and sign {name}"),
        back.clone(),
    )
    .crumb(format!("/specs/{}", row.slug), row.title.clone())
    .crumb(back, "releases")
    .says(format!(
        "Publishing freezes version {version} of {} as release {name}, approved by ballot {}.",
        row.title, checked.approving.id
    ))
    .says(match &checked.predecessor {
        Some(p) => format!(
            "Charta builds the release's files (the OSCAL catalog, the CSV mapping, release notes listing what changed since {}) and signs their manifest with this instance's release key.",
            p.name
        ),
        None => "Charta builds the release's files (the OSCAL catalog, the CSV mapping, the release notes) and signs their manifest with this instance's release key.".to_string(),
    })
    .says(format!(
        "A published release never changes and cannot be deleted: it is served at /releases/{}/{name}/ for good, and can only be marked superseded by a later one.",
        row.slug
    ))
    .hidden("version", version.to_string())
    .hidden("name", name);
    Ok(Page(page).into_response())
}

/// Publishes a release.
pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    PageForm(f): PageForm<PublishForm>,
) -> PageResult<Response> {
    let version = match lookup::parse_version(&f.version, "the version to release") {
        Ok(v) => v,
        Err(e) => return rejected(&state, &viewer, &spec, f, e).await,
    };
    match release::publish(&state, &viewer, &spec, version, &f.name).await {
        Ok(r) => Ok(see_other(&format!("/releases/{}/{}/", r.spec_slug, r.name)).into_response()),
        Err(e) => rejected(&state, &viewer, &spec, f, e).await,
    }
}

/// One artefact as listed on the release page.
pub struct ArtefactLine {
    pub name: String,
    pub sha256: String,
    pub size: i64,
}

#[derive(Template)]
#[template(path = "releases/show.html")]
pub struct ReleasePage {
    pub title: String,
    pub chrome: Chrome,
    pub spec: SpecRow,
    pub release: ReleaseRow,
    pub artefacts: Vec<ArtefactLine>,
    pub notes: ReleaseNotes,
    /// The redline of each kept control whose wording changed since the
    /// predecessor, by the review pages' engine.
    pub wording: Vec<super::diff::ControlChangeView>,
    /// The predecessor's specification version (0 for a first release).
    pub since_version: i64,
    pub ballot: Option<BallotRow>,
    pub amendments: Vec<(i64, String)>,
    pub sections: Vec<SectionView>,
    pub caveat: &'static str,
    pub can_supersede: bool,
    pub public_url: String,
    /// Whether this is the current release or a newer one replaced it.
    pub standing: super::view::Standing,
}

/// A release as one printable page, with an anchor per control.
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, name)): Path<(String, String)>,
) -> PageResult<Page<ReleasePage>> {
    let (row, r) = release::load(&state, &viewer, &spec, &name).await?;
    let snapshot = lookup::version_of(&state, &row, r.version).await?;
    let predecessor = match &r.predecessor_name {
        Some(pname) => Some(state.store.release(row.id, pname).await?),
        None => None,
    };
    let predecessor_spec = match &predecessor {
        Some(p) => Some(lookup::version_of(&state, &row, p.version).await?),
        None => None,
    };
    let notes = ReleaseNotes::new(
        &snapshot.spec,
        predecessor
            .as_ref()
            .zip(predecessor_spec.as_ref())
            .map(|(p, v)| (p.name.as_str(), &v.spec)),
        &state.catalogs,
    );
    let wording = match &predecessor_spec {
        Some(p) => {
            use charta_domain::diff::ChangeKind;
            let (old, new) = (p.clone(), snapshot.clone());
            state
                .cpu
                .run(move |_| {
                    Ok(charta_domain::diff::diff_specs(&old.spec, &new.spec)
                        .changed()
                        .filter(|c| matches!(c.kind, ChangeKind::Modified | ChangeKind::Withdrawn))
                        .filter(|c| !c.fields.is_empty())
                        .map(super::diff::control_view)
                        .collect())
                })
                .await?
        }
        None => Vec::new(),
    };
    let since = predecessor.as_ref().map_or(0, |p| p.version);
    let amendments = state
        .store
        .amendments(row.id)
        .await?
        .into_iter()
        .filter(|a| {
            a.merged_version
                .is_some_and(|v| v > since && v <= r.version)
        })
        .map(|a| (a.number, a.title))
        .collect();
    let ballot = match r.ballot_id {
        Some(id) => Some(state.store.ballot(id).await?),
        None => None,
    };
    let artefacts = state
        .store
        .release_file_list(r.id)
        .await?
        .into_iter()
        .map(|(name, sha256, size)| ArtefactLine { name, sha256, size })
        .collect();
    let standing = super::view::Standing::of(&state.store.releases(row.id).await?, &r.name)
        .unwrap_or(super::view::Standing::Current);
    Ok(Page(ReleasePage {
        title: format!("{} {}", snapshot.spec.title, r.name),
        standing,
        chrome: viewer.chrome(&state),
        sections: sections(&state, &snapshot.spec, None),
        can_supersede: r.superseded_at.is_none()
            && matches!(
                viewer.decide(Action::PublishRelease {
                    group_id: row.group_id
                }),
                Decision::Allow | Decision::StepUp
            ),
        caveat: charta_release::CAVEAT,
        public_url: state.config.public_url.clone(),
        notes,
        wording,
        since_version: since,
        ballot,
        amendments,
        artefacts,
        release: r,
        spec: row,
    }))
}

/// `/releases/{spec}/{version}` without the slash: the page lives at the
/// address with it, so that its artefacts' relative links resolve.
pub async fn show_redirect(Path((spec, name)): Path<(String, String)>) -> Response {
    see_other(&format!("/releases/{spec}/{name}/"))
}

/// An artefact of a release: the exact bytes that were signed.
pub async fn artefact(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path((spec, name, file)): Path<(String, String, String)>,
) -> PageResult<Response> {
    let served = artefact::artefact(&state, &viewer, &spec, &name, &file).await?;
    Ok(artefact::respond(&headers, &served))
}

/// Superseding.
#[derive(Debug, Deserialize)]
pub struct SupersedeForm {
    #[serde(default)]
    pub reason: String,
}

/// Marks a release superseded; its artefacts stay exactly as they are.
pub async fn supersede(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, name)): Path<(String, String)>,
    PageForm(f): PageForm<SupersedeForm>,
) -> PageResult<Response> {
    release::supersede(&state, &viewer, &spec, &name, &f.reason).await?;
    Ok(see_other(&format!("/releases/{spec}/{name}/")).into_response())
}

/// The instance's public release key, for verifying signatures.
pub async fn public_key(State(state): State<AppState>) -> PageResult<Response> {
    let key = state
        .release_key
        .as_ref()
        .ok_or_else(|| Error::NotFound("release key (this instance signs no releases)".into()))?;
    let body = charta_release::public_key_document(&key.verifying_key());
    let mut resp = Response::new(axum::body::Body::from(body));
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(resp)
}

impl ReleasePage {
    /// Human size of an artefact.
    pub fn size(bytes: &i64) -> String {
        match *bytes {
            b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
            b if b >= 1024 => format!("{:.1} KB", b as f64 / 1024.0),
            b => format!("{b} bytes"),
        }
    }
}
