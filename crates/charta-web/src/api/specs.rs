//! Specifications, their versions, controls and diffs.

use crate::api::json_with_etag;
use crate::api::records::{ControlRevision, SpecificationSummary, VersionSummary};
use crate::auth::Viewer;
use crate::error::{ApiResult, url_encode};
use crate::paging;
use crate::redirect::moved_permanently;
use crate::state::AppState;
use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use charta_app::lookup::{self, parse_version};
pub use charta_app::specs::{canonical_control, control_detail, history_entries};
use charta_domain::diff::SpecDiff;
use serde::{Deserialize, Serialize};

/// How many versions a specification's own document lists; the whole
/// history is paged at `/api/v1/specs/{spec}/versions`.
pub const NEWEST_VERSIONS: i64 = 50;

/// A specification with its newest versions.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SpecDetail {
    #[serde(flatten)]
    pub spec: SpecificationSummary,
    /// The newest versions, newest first, at most 50.
    pub versions: Vec<VersionSummary>,
    /// Whether `versions` is the whole history; when not, the rest is at
    /// `/api/v1/specs/{spec}/versions`, a page at a time.
    pub versions_complete: bool,
}

/// List the specifications the caller may read, by title, a page at a
/// time.
#[utoipa::path(get, path = "/api/v1/specs", tag = "specs", operation_id = "list_specs", params(crate::paging::PageParams),
    responses((status = 200, description = "A page of the specifications the caller may read, by title", body = Vec<SpecificationSummary>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, description = "`limit` is not 1 to 200, or `after` is not a cursor this list handed out (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized), (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<crate::paging::PageParams>,
) -> ApiResult<Response> {
    let page = state.store.specs_page(&p.request()?).await?;
    let items: Vec<SpecificationSummary> = page
        .items
        .into_iter()
        .filter(|s| viewer.can_read(s))
        .map(SpecificationSummary::from)
        .collect();
    Ok(paging::respond(
        &state.config.public_url,
        &uri,
        items,
        page.next.as_ref(),
    ))
}

/// One specification and its versions.
#[utoipa::path(get, path = "/api/v1/specs/{spec}", tag = "specs", operation_id = "show_spec",
    params(("spec" = String, Path, description = "Specification slug")),
    responses((status = 200, description = "The specification and its newest versions", body = SpecDetail),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 404, description = "No specification the caller may read by this slug; drafts of other groups are not found either (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
) -> ApiResult<Json<SpecDetail>> {
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let newest = state
        .store
        .versions_page(row.id, &charta_store::PageRequest::first(NEWEST_VERSIONS))
        .await?;
    Ok(Json(SpecDetail {
        spec: row.into(),
        versions: newest.items.into_iter().map(VersionSummary::from).collect(),
        versions_complete: newest.next.is_none(),
    }))
}

/// The versions of a specification, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/versions", tag = "specs", operation_id = "list_versions",
    params(("spec" = String, Path, description = "Specification slug"), crate::paging::PageParams),
    responses((status = 200, description = "A page of versions, newest first", body = Vec<VersionSummary>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, description = "`limit` is not 1 to 200, or `after` is not a cursor this list handed out (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 404, description = "No specification the caller may read by this slug (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn versions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<crate::paging::PageParams>,
) -> ApiResult<Response> {
    let request = p.request()?;
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let page = state.store.versions_page(row.id, &request).await?;
    Ok(paging::respond(
        &state.config.public_url,
        &uri,
        page.items
            .into_iter()
            .map(VersionSummary::from)
            .collect::<Vec<_>>(),
        page.next.as_ref(),
    ))
}

/// One version of a specification: every section and control. Versions
/// never change; the response carries a strong `ETag` for revalidation.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/versions/{version}", tag = "specs", operation_id = "show_version",
    params(("spec" = String, Path, description = "Specification slug"),
           ("version" = i64, Path, description = "Version number, from 1", minimum = 1),
           ("If-None-Match" = Option<String>, Header, description = "The `ETag` of a copy the client holds")),
    responses((status = 200, description = "The version; gzip-encoded for clients that accept it", body = charta_app::lookup::VersionDocument<'static>,
                   headers(("ETag" = String, description = "Strong tag of this representation"))),
              (status = 304, description = "Not modified: the copy named by `If-None-Match` is current",
                   headers(("ETag" = String, description = "Strong tag of this representation"))),
              (status = 400, description = "The version is not a number from 1 (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 404, description = "No such specification the caller may read, or no such version (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn version(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let n = parse_version(&version, "the version in the path")?;
    let v = lookup::version(&state, &viewer, &spec, Some(n)).await?;
    Ok(json_with_etag(
        &headers,
        crate::api::Encoded {
            etag: &v.etag,
            body: v.json.clone(),
            gzip: if crate::api::accepts_gzip(&headers) {
                v.gzipped().map(|(tag, gz)| (tag.as_str(), gz.clone()))
            } else {
                None
            },
        },
    ))
}

/// One version in the reviewable file format (canonical YAML), as
/// `charta export` writes it.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/versions/{version}/source", tag = "specs", operation_id = "version_source",
    params(("spec" = String, Path, description = "Specification slug"),
           ("version" = i64, Path, description = "Version number, from 1", minimum = 1)),
    responses((status = 200, description = "The version's canonical file, as YAML", content_type = "application/yaml", body = charta_domain::Spec),
              (status = 400, description = "The version is not a number from 1 (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 404, description = "No such specification the caller may read, or no such version (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn source(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, version)): Path<(String, String)>,
) -> ApiResult<Response> {
    let n = parse_version(&version, "the version in the path")?;
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let v = state.store.version(&row, n).await?;
    let disposition = format!("inline; filename=\"{}-v{n}.yaml\"", row.slug);
    let mut resp = v.content.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/yaml; charset=utf-8"),
    );
    if let Ok(d) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    Ok(resp)
}

/// One control of the newest version, with its history.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/controls/{control}", tag = "specs", operation_id = "show_control",
    params(("spec" = String, Path, description = "Specification slug"),
           ("control" = String, Path, description = "Control identifier, such as SVH-VM-03")),
    responses((status = 200, description = "The control in the newest version, with its history", body = ControlDetail),
        (status = 308, description = "The identifier in another case: redirects to the canonical address",
            headers(("Location" = String, description = "The canonical address"))),
        (status = 401, response = crate::api::openapi::Unauthorized),
        (status = 404, description = "No such specification the caller may read, or no such control in its newest version (`not_found`)", body = crate::error::ErrorBody),
        (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn control(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((spec, control)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    if let Some(canonical) = canonical_control(&state, &viewer, &spec, &control).await? {
        return Ok(moved_permanently(&format!(
            "/api/v1/specs/{}/controls/{}",
            url_encode(&spec),
            url_encode(&canonical)
        )));
    }
    let (detail, _) = control_detail(&state, &viewer, &spec, &control).await?;
    Ok(Json(ControlDetail::from(detail)).into_response())
}

/// A control as it stands in the newest version, with every version that
/// contains it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ControlDetail {
    pub spec: String,
    pub version: i64,
    pub control: charta_domain::Control,
    /// Oldest first; `changed` is true where the control differs from the
    /// previous version.
    pub history: Vec<HistoryEntry>,
}

/// One version of a control's history.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    #[serde(flatten)]
    pub revision: ControlRevision,
    pub changed: bool,
}

impl From<charta_app::specs::ControlDetail> for ControlDetail {
    fn from(d: charta_app::specs::ControlDetail) -> ControlDetail {
        ControlDetail {
            spec: d.spec,
            version: d.version,
            control: d.control,
            history: d
                .history
                .into_iter()
                .map(|h| HistoryEntry {
                    revision: h.revision.into(),
                    changed: h.changed,
                })
                .collect(),
        }
    }
}

/// Which versions to compare.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DiffParams {
    /// The older version (default: the one before `to`).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub from: Option<String>,
    /// The newer version (default: the newest).
    #[param(value_type = Option<i64>, minimum = 1)]
    pub to: Option<String>,
}

/// A diff between two versions.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DiffDocument {
    pub spec: String,
    pub from: i64,
    pub to: i64,
    #[serde(flatten)]
    pub diff: SpecDiff,
}

/// Compare two versions: the specification's title and summary, its
/// sections, and control by control, paired by identifier, with word-level
/// changes in prose.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/diff", tag = "specs", operation_id = "diff_versions",
    params(("spec" = String, Path, description = "Specification slug"), DiffParams),
    responses((status = 200, description = "The comparison", body = DiffDocument),
              (status = 400, description = "`from` or `to` is not a version number (`bad_request`)", body = crate::error::ErrorBody),
              (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 404, description = "No such specification the caller may read, or `from` or `to` is past its newest version (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn diff(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    Query(q): Query<DiffParams>,
) -> ApiResult<Json<DiffDocument>> {
    let (row, c) =
        lookup::compare(&state, &viewer, &spec, q.from.as_deref(), q.to.as_deref()).await?;
    Ok(Json(DiffDocument {
        spec: row.slug,
        from: c.from.meta.number,
        to: c.to.meta.number,
        diff: c.diff,
    }))
}
