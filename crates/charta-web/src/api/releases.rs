//! Releases through the API.

use crate::auth::Viewer;
use crate::error::{ApiResult, Error};
use crate::paging;
use crate::state::AppState;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::Response;
use charta_app::lookup;
use charta_store::ReleaseRow;
use serde::Serialize;

/// A release with the addresses of its artefacts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReleaseEntry {
    #[serde(flatten)]
    pub release: crate::api::records::Release,
    /// The release page; the artefacts are beside it.
    pub url: String,
    /// Artefact name → absolute URL, including `manifest.json` and
    /// `manifest.sig`.
    pub artefacts: std::collections::BTreeMap<String, String>,
}

/// List the releases of a specification, newest first. Each release's
/// artefacts live beside its page at permanent addresses and never change.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/releases", tag = "releases", operation_id = "list_releases",
    params(("spec" = String, Path, description = "Specification slug"), crate::paging::PageParams),
    responses((status = 200, description = "A page of the specification's releases, newest first", body = Vec<ReleaseEntry>, headers(("Link" = String, description = "`<…>; rel=\"next\"`: the address of the next page; absent on the last"))),
              (status = 400, description = "`limit` is not 1 to 200, or `after` is not a cursor this list handed out (`bad_request`)", body = crate::error::ErrorBody), (status = 401, response = crate::api::openapi::Unauthorized),
              (status = 404, description = "No specification the caller may read by this slug (`not_found`)", body = crate::error::ErrorBody),
              (status = 429, response = crate::api::openapi::TooManyRequests)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
    OriginalUri(uri): OriginalUri,
    Query(p): Query<crate::paging::PageParams>,
) -> ApiResult<Response> {
    let request = p.request()?;
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let page = state.store.releases_page(row.id, &request).await?;
    let mut out = Vec::new();
    for r in page.items {
        out.push(entry(&state, r).await?);
    }
    Ok(paging::respond(
        &state.config.public_url,
        &uri,
        out,
        page.next.as_ref(),
    ))
}

/// A release with the addresses of its artefacts.
pub(crate) async fn entry(state: &AppState, r: ReleaseRow) -> Result<ReleaseEntry, Error> {
    let url = format!(
        "{}/releases/{}/{}/",
        state.config.public_url, r.spec_slug, r.name
    );
    let artefacts = state
        .store
        .release_file_list(r.id)
        .await?
        .into_iter()
        .map(|(name, _, _)| {
            let link = format!("{url}{name}");
            (name, link)
        })
        .collect();
    Ok(ReleaseEntry {
        release: r.into(),
        url,
        artefacts,
    })
}
