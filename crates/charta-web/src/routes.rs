//! The route table: every path Charta serves, declared once.
//!
//! The router is built from [`table`], and tests read the same table to check
//! that every API route is in the OpenAPI document and every route has an
//! entry in the access table. A route added anywhere else would not be served.

use axum::Router;
use axum::http::Method;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, delete, get, post, put};

use crate::error::{ApiError, Error, PageError};
use crate::state::AppState;
use crate::{api, middleware, pages};

/// What kind of client a route serves; decides the error format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// HTML for people.
    Page,
    /// JSON under `/api/v1/`.
    Api,
    /// Stylesheets and other files.
    Asset,
    /// Health and readiness probes.
    Probe,
}

/// One entry of the route table.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub kind: Kind,
    handler: MethodRouter<AppState>,
}

fn route(kind: Kind, method: Method, path: &'static str, handler: MethodRouter<AppState>) -> Route {
    Route {
        method,
        path,
        kind,
        handler,
    }
}

/// Every route of the application.
pub fn table() -> Vec<Route> {
    use Kind::*;
    let g = Method::GET;
    let p = Method::POST;
    vec![
        // Pages.
        route(Page, g.clone(), "/", get(pages::home::home)),
        route(Page, g.clone(), "/groups/{group}", get(pages::home::group)),
        route(Page, g.clone(), "/specs", get(pages::specs::list)),
        route(Page, g.clone(), "/specs/{spec}", get(pages::specs::head)),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/versions",
            get(pages::specs::versions),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/versions/{version}",
            get(pages::specs::version),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/controls/{control}",
            get(pages::specs::control),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/diff",
            get(pages::diff::diff),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/versions/{version}/coverage",
            get(pages::coverage::coverage),
        ),
        route(Page, g.clone(), "/catalogs", get(pages::catalogs::list)),
        route(
            Page,
            g.clone(),
            "/catalogs/{catalog}",
            get(pages::catalogs::catalog),
        ),
        route(
            Page,
            g.clone(),
            "/catalogs/{catalog}/items/{item}",
            get(pages::catalogs::item),
        ),
        route(Page, g.clone(), "/search", get(pages::search::search)),
        route(
            Page,
            g.clone(),
            "/docs/spec-format",
            get(pages::docs::spec_format),
        ),
        route(
            Page,
            g.clone(),
            "/groups/{group}/members",
            get(pages::members::show),
        ),
        route(
            Page,
            p.clone(),
            "/groups/{group}/invitations",
            post(pages::members::invite),
        ),
        route(
            Page,
            g.clone(),
            "/groups/{group}/members/{membership}/remove",
            get(pages::members::confirm_remove),
        ),
        route(
            Page,
            p.clone(),
            "/groups/{group}/members/{membership}/remove",
            post(pages::members::remove),
        ),
        route(
            Page,
            p.clone(),
            "/groups/{group}/delegations",
            post(pages::members::delegate),
        ),
        route(
            Page,
            p.clone(),
            "/groups/{group}/delegations/{delegation}/revoke",
            post(pages::members::revoke_delegation),
        ),
        route(
            Page,
            g.clone(),
            "/invitations/{token}",
            get(pages::members::invitation),
        ),
        route(
            Page,
            p.clone(),
            "/invitations/{token}/accept",
            post(pages::members::accept),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/publish",
            post(pages::members::publish),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/amendments",
            get(pages::amendments::list),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/amendments",
            post(pages::amendments::create),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/amendments/new",
            get(pages::amendments::new),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/amendments/{number}",
            get(pages::amendments::show),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/amendments/{number}/revisions",
            post(pages::amendments::revise),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/amendments/{number}/threads",
            post(pages::amendments::thread),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/amendments/{number}/threads/{thread}/replies",
            post(pages::amendments::reply),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/amendments/{number}/threads/{thread}/resolve",
            post(pages::amendments::resolve),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/amendments/{number}/state",
            get(pages::amendments::confirm_transition),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/amendments/{number}/state",
            post(pages::amendments::transition),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/amendments/{number}/merge",
            get(pages::amendments::confirm_merge),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/amendments/{number}/merge",
            post(pages::amendments::merge),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/amendments/{number}/rebase",
            get(pages::rebase::preview),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/amendments/{number}/rebase",
            post(pages::rebase::apply_rebase),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/amendments/{number}/ballots",
            post(pages::ballots::open_amendment),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/ballots",
            get(pages::ballots::list),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/ballots",
            post(pages::ballots::open_release),
        ),
        route(Page, g.clone(), "/ballots/{id}", get(pages::ballots::show)),
        route(
            Page,
            p.clone(),
            "/ballots/{id}/votes",
            post(pages::ballots::vote),
        ),
        route(
            Page,
            p.clone(),
            "/ballots/{id}/extend",
            post(pages::ballots::extend),
        ),
        route(
            Page,
            g.clone(),
            "/ballots/{id}/cancel",
            get(pages::ballots::confirm_cancel),
        ),
        route(
            Page,
            p.clone(),
            "/ballots/{id}/cancel",
            post(pages::ballots::cancel),
        ),
        route(
            Page,
            g.clone(),
            "/ballots/{id}/close",
            get(pages::ballots::confirm_close),
        ),
        route(
            Page,
            p.clone(),
            "/ballots/{id}/close",
            post(pages::ballots::close),
        ),
        route(
            Page,
            g.clone(),
            "/groups/{group}/rules",
            get(pages::ballots::rules),
        ),
        route(
            Page,
            p.clone(),
            "/groups/{group}/rules",
            post(pages::ballots::set_rules),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/releases",
            get(pages::releases::list),
        ),
        route(
            Page,
            p.clone(),
            "/specs/{spec}/releases",
            post(pages::releases::publish),
        ),
        route(
            Page,
            g.clone(),
            "/specs/{spec}/releases/confirm",
            get(pages::releases::confirm),
        ),
        route(
            Page,
            g.clone(),
            "/releases/{spec}/{version}",
            get(pages::releases::show_redirect),
        ),
        route(
            Page,
            g.clone(),
            "/releases/{spec}/{version}/",
            get(pages::releases::show),
        ),
        route(
            Page,
            g.clone(),
            "/releases/{spec}/{version}/{file}",
            get(pages::releases::artefact),
        ),
        route(
            Page,
            p.clone(),
            "/releases/{spec}/{version}/supersede",
            post(pages::releases::supersede),
        ),
        route(
            Page,
            g.clone(),
            "/.well-known/charta/release-key",
            get(pages::releases::public_key),
        ),
        route(
            Page,
            g.clone(),
            "/.well-known/charta/audit-checkpoint",
            get(crate::checkpoint::latest),
        ),
        route(
            Page,
            g.clone(),
            "/feeds/groups/{file}",
            get(pages::feeds::group),
        ),
        route(
            Page,
            g.clone(),
            "/feeds/specs/{file}",
            get(pages::feeds::spec),
        ),
        route(
            Page,
            g.clone(),
            "/feeds/clauses/{file}",
            get(pages::feeds::clause),
        ),
        route(Page, g.clone(), "/my-work", get(pages::amendments::my_work)),
        // Signing in and out.
        route(Page, g.clone(), "/auth/login", get(pages::auth::login)),
        route(
            Page,
            g.clone(),
            "/auth/callback",
            get(pages::auth::callback),
        ),
        route(Page, p.clone(), "/auth/logout", post(pages::auth::logout)),
        route(
            Page,
            p.clone(),
            "/auth/demo",
            post(pages::auth::demo_sign_in),
        ),
        // The person's own account, and administration.
        route(Page, g.clone(), "/account", get(pages::account::show)),
        route(
            Page,
            p.clone(),
            "/account/tokens",
            post(pages::account::create),
        ),
        route(
            Page,
            p.clone(),
            "/account/tokens/{id}/revoke",
            post(pages::account::revoke),
        ),
        route(
            Page,
            p.clone(),
            "/account/notifications",
            post(pages::account::notifications),
        ),
        // Notifications: one-click unsubscribe, the demo's mailbox and a
        // group's webhooks.
        route(
            Page,
            g.clone(),
            "/unsubscribe/{token}",
            get(pages::notify::confirm),
        ),
        route(
            Page,
            p.clone(),
            "/unsubscribe/{token}",
            post(pages::notify::unsubscribe),
        ),
        route(Page, g.clone(), "/mailbox", get(pages::notify::mailbox)),
        route(
            Page,
            g.clone(),
            "/groups/{group}/webhooks",
            get(pages::webhooks::list),
        ),
        route(
            Page,
            p.clone(),
            "/groups/{group}/webhooks",
            post(pages::webhooks::create),
        ),
        route(
            Page,
            g.clone(),
            "/groups/{group}/webhooks/{id}",
            get(pages::webhooks::show),
        ),
        route(
            Page,
            p.clone(),
            "/groups/{group}/webhooks/{id}/delete",
            post(pages::webhooks::delete),
        ),
        route(
            Page,
            p.clone(),
            "/groups/{group}/webhooks/{id}/deliveries/{delivery}/redeliver",
            post(pages::webhooks::redeliver),
        ),
        route(Page, g.clone(), "/admin", get(pages::admin::show)),
        route(
            Page,
            p.clone(),
            "/admin/groups",
            post(pages::admin::create_group),
        ),
        route(
            Page,
            p.clone(),
            "/admin/groups/{group}/organizations",
            post(pages::admin::add_organization),
        ),
        // API.
        route(
            Api,
            g.clone(),
            "/api/v1/openapi.json",
            get(api::openapi::document),
        ),
        route(Api, g.clone(), "/api/v1/groups", get(api::groups::list)),
        route(
            Api,
            g.clone(),
            "/api/v1/groups/{group}",
            get(api::groups::show),
        ),
        route(Api, g.clone(), "/api/v1/specs", get(api::specs::list)),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}",
            get(api::specs::show),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/versions",
            get(api::specs::versions),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/versions/{version}",
            get(api::specs::version),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/versions/{version}/source",
            get(api::specs::source),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/controls/{control}",
            get(api::specs::control),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/diff",
            get(api::specs::diff),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/versions/{version}/coverage",
            get(api::coverage::coverage),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/validate",
            post(api::validate::validate),
        ),
        route(Api, g.clone(), "/api/v1/catalogs", get(api::catalogs::list)),
        route(
            Api,
            g.clone(),
            "/api/v1/catalogs/{catalog}",
            get(api::catalogs::show),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/catalogs/{catalog}/items/{item}",
            get(api::catalogs::item),
        ),
        route(Api, g.clone(), "/api/v1/search", get(api::search::search)),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/amendments",
            get(api::amendments::list),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/amendments",
            post(api::amendments::create),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/amendments/{number}",
            get(api::amendments::show),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/revisions",
            post(api::amendments::revise),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/threads",
            post(api::amendments::thread),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/merge",
            post(api::amendments::merge),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/ballots",
            get(api::ballots::list),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/ballots/{id}",
            get(api::ballots::show),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/ballots/{id}/audit",
            get(api::ballots::audit),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/ballots/{id}/votes",
            post(api::ballots::vote),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/groups/{group}/delegations",
            get(api::delegations::list),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/groups/{group}/delegations",
            post(api::delegations::give),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/groups/{group}/delegations/{delegation}/revoke",
            post(api::delegations::revoke),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/groups/{group}/rules",
            get(api::ballots::rules),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/releases",
            get(api::releases::list),
        ),
        route(Api, g.clone(), "/api/v1/me", get(api::account::me)),
        route(Api, g.clone(), "/api/v1/tokens", get(api::account::list)),
        route(Api, p.clone(), "/api/v1/tokens", post(api::account::create)),
        route(
            Api,
            Method::DELETE,
            "/api/v1/tokens/{id}",
            delete(api::account::revoke),
        ),
        route(Api, g.clone(), "/api/v1/my-work", get(api::work::my_work)),
        route(
            Api,
            g.clone(),
            "/api/v1/account/notifications",
            get(api::notifications::show),
        ),
        route(
            Api,
            Method::PUT,
            "/api/v1/account/notifications",
            put(api::notifications::set),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/groups/{group}/webhooks",
            get(api::webhooks::list),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/groups/{group}/webhooks",
            post(api::webhooks::create),
        ),
        route(
            Api,
            Method::DELETE,
            "/api/v1/groups/{group}/webhooks/{id}",
            delete(api::webhooks::delete),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/groups/{group}/webhooks/{id}/deliveries",
            get(api::webhooks::deliveries),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/groups/{group}/webhooks/{id}/deliveries/{delivery}/redeliver",
            post(api::webhooks::redeliver),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/groups/{group}/members",
            get(api::members::list),
        ),
        route(
            Api,
            Method::PUT,
            "/api/v1/groups/{group}/rules",
            put(api::voting::set_rules),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/threads/{thread}/replies",
            post(api::review::reply),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/threads/{thread}/resolve",
            post(api::review::settle),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/state",
            post(api::review::change_state),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/rebase",
            get(api::review::rebase_preview),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/rebase",
            post(api::review::rebase),
        ),
        route(
            Api,
            g.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/audit",
            get(api::review::audit),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/ballots",
            post(api::voting::open_on_amendment),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/ballots",
            post(api::voting::open_on_version),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/ballots/{id}/extend",
            post(api::voting::extend),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/ballots/{id}/cancel",
            post(api::voting::cancel),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/ballots/{id}/close",
            post(api::voting::close),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/releases",
            post(api::publishing::publish),
        ),
        route(
            Api,
            p.clone(),
            "/api/v1/specs/{spec}/releases/{name}/supersede",
            post(api::publishing::supersede),
        ),
        // Assets and probes.
        route(
            Asset,
            g.clone(),
            "/static/charta.css",
            get(pages::assets::stylesheet),
        ),
        route(Probe, g.clone(), "/healthz", get(api::health::healthz)),
        route(Probe, g, "/readyz", get(api::health::readyz)),
    ]
}

/// Builds the complete application: every route, the fallback and the
/// shared middleware.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let mut app = Router::new();
    for r in table() {
        app = app.route(r.path, r.handler);
    }
    let app = app
        .fallback(not_found)
        .layer(axum::middleware::from_fn(crate::error::json_refusals))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::error::page_chrome,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::csrf::protect,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::rate::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::record,
        ))
        .with_state(state);
    middleware::apply(app, &config)
}

/// Unknown paths: JSON under `/api/`, an HTML page elsewhere.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    let err = Error::NotFound(format!("page {}", uri.path()));
    if uri.path().starts_with("/api/") {
        ApiError(err).into_response()
    } else {
        PageError(err).into_response()
    }
}
