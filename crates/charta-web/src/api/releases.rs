//! Releases through the API.

use crate::auth::Viewer;
use crate::error::ApiResult;
use crate::lookup;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use charta_store::ReleaseRow;
use serde::Serialize;

/// A release with the addresses of its artefacts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReleaseEntry {
    #[serde(flatten)]
    pub release: ReleaseRow,
    /// The release page; the artefacts are beside it.
    pub url: String,
    /// Artefact name → absolute URL, including `manifest.json` and
    /// `manifest.sig`.
    pub artefacts: std::collections::BTreeMap<String, String>,
}

/// List the releases of a specification, newest first. Each release's
/// artefacts live beside its page at permanent addresses and never change.
#[utoipa::path(get, path = "/api/v1/specs/{spec}/releases", tag = "releases",
    params(("spec" = String, Path, description = "Specification slug")),
    responses((status = 200, body = Vec<ReleaseEntry>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(spec): Path<String>,
) -> ApiResult<Json<Vec<ReleaseEntry>>> {
    let row = lookup::spec(&state, &viewer, &spec).await?;
    let mut out = Vec::new();
    for r in state.store.releases(row.id).await? {
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
        out.push(ReleaseEntry {
            release: r,
            url,
            artefacts,
        });
    }
    Ok(Json(out))
}
