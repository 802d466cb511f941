//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::OpenApi;

/// Every API route. A test checks this list against the route table.
#[derive(OpenApi)]
#[openapi(
    info(title = "Charta API", description = "Read specifications, their versions, diffs, the reference catalogs and search; validate specification files; propose and review amendments; vote in ballots."),
    paths(
        crate::api::health::healthz,
        crate::api::health::readyz,
        crate::api::groups::list,
        crate::api::groups::show,
        crate::api::specs::list,
        crate::api::specs::show,
        crate::api::specs::versions,
        crate::api::specs::version,
        crate::api::specs::source,
        crate::api::specs::control,
        crate::api::specs::diff,
        crate::api::coverage::coverage,
        crate::api::validate::validate,
        crate::api::catalogs::list,
        crate::api::catalogs::show,
        crate::api::catalogs::item,
        crate::api::search::search,
        crate::api::account::me,
        crate::api::account::list,
        crate::api::account::create,
        crate::api::account::revoke,
        crate::api::amendments::list,
        crate::api::amendments::create,
        crate::api::amendments::show,
        crate::api::amendments::revise,
        crate::api::amendments::thread,
        crate::api::amendments::merge,
        crate::api::ballots::list,
        crate::api::ballots::show,
        crate::api::ballots::audit,
        crate::api::ballots::vote,
        crate::api::ballots::rules,
        crate::api::delegations::list,
        crate::api::delegations::give,
        crate::api::delegations::revoke,
        crate::api::releases::list,
        crate::api::publishing::publish,
        crate::api::publishing::supersede,
        crate::api::review::reply,
        crate::api::review::settle,
        crate::api::review::change_state,
        crate::api::review::rebase_preview,
        crate::api::review::rebase,
        crate::api::review::audit,
        crate::api::voting::open_on_amendment,
        crate::api::voting::open_on_version,
        crate::api::voting::extend,
        crate::api::voting::cancel,
        crate::api::voting::close,
        crate::api::voting::set_rules,
        crate::api::members::list,
        crate::api::work::my_work,
        document,
    ),
    tags(
        (name = "specs", description = "Specifications and their immutable versions"),
        (name = "groups", description = "Working groups and member organisations"),
        (name = "catalogs", description = "Reference catalogs: CRA, OpenSSF Principles, OSPS Baseline"),
        (name = "search", description = "Full-text search over controls"),
        (name = "amendments", description = "Proposed changes, their revisions, review threads and merging"),
        (name = "ballots", description = "Ballots on amendments and releases: one vote per member organisation, tallies, results and their audit trail"),
        (name = "releases", description = "Signed, immutable releases; their artefacts live at /releases/{spec}/{version}/"),
        (name = "account", description = "The signed-in person and personal API tokens"),
        (name = "probes", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "probes",
    responses((status = 200, description = "The OpenAPI 3.1 document")))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
