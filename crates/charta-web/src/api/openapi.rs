//! The OpenAPI document, generated from the handlers' annotations.
//!
//! Each handler documents what it answers itself: its bodies, parameters
//! and the errors its own work and its extractors can produce. What every
//! route shares because of the layers around all of them is added here, by
//! [`Layers`], so that it cannot be forgotten on a new route:
//!
//! * `421 Misdirected Request` on every API route, for a `Host` Charta is
//!   not configured for ([`crate::middleware`]);
//! * `400 Bad Request` (the JSON error body, made from the extractor's
//!   reason by `error::json_refusals`) on every route with path or query
//!   parameters: axum's `Path` and `Query` extractors refuse a segment that
//!   is not UTF-8 or a query parameter given twice before the handler runs;
//! * `413 Payload Too Large` on every route that takes a body;
//! * `500 Internal Server Error` on every route that uses the database or
//!   the work pool (all but [`IN_MEMORY`]);
//! * `503 Service Unavailable`, without a body, on every route, when the
//!   request takes longer than the configured timeout.
//!
//! [`Layers`] also says what the generated schemas cannot: the values of
//! the text columns the store keeps ([`STORED_ENUMS`]), the stable error
//! codes, and that a flattened specification in a version document is not
//! closed to the version's own fields.
//!
//! The HTTP tests check every response against this document, so a status,
//! field or header the document does not describe fails the build.

use axum::Json;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{
    AdditionalProperties, Object, OneOfBuilder, Ref, Schema, SchemaType, Type,
};
use utoipa::openapi::{Content, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};

use crate::error::ErrorBody;

/// Every API route. A test checks this list against the route table.
#[derive(OpenApi)]
#[openapi(
    info(title = "Charta API", description = "Read specifications, their versions, diffs, the reference catalogs and search; validate specification files; propose and review amendments; vote in ballots.

Errors are JSON: `{\"error\": {\"code\", \"message\", \"problems\"}}` (see `ErrorBody`), with a stable `code`. Lists come a page at a time: follow the `Link: <…>; rel=\"next\"` header until there is none. API tokens go in `Authorization: Bearer charta_…`; a state-changing call made with a browser session must carry this site's `Origin`."),
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
        crate::api::review::reviewers,
        crate::api::review::apply_suggestions,
        crate::api::edits::edit_control,
        crate::api::review::request_review,
        crate::api::voting::open_on_amendment,
        crate::api::voting::open_on_version,
        crate::api::voting::extend,
        crate::api::voting::cancel,
        crate::api::voting::close,
        crate::api::voting::set_rules,
        crate::api::members::list,
        crate::api::work::my_work,
        crate::api::notifications::show,
        crate::api::notifications::set,
        crate::api::notifications::follow_list,
        crate::api::notifications::follow,
        crate::api::notifications::unfollow,
        crate::api::webhooks::list,
        crate::api::webhooks::create,
        crate::api::webhooks::delete,
        crate::api::webhooks::deliveries,
        crate::api::webhooks::redeliver,
        crate::api::assessments::list,
        crate::api::assessments::start,
        crate::api::assessments::show,
        crate::api::assessments::answer,
        crate::api::assessments::move_to,
        crate::api::assessments::publish,
        crate::api::assessments::of_release,
        document,
    ),
    components(
        schemas(
            ErrorBody,
            Visibility,
            charta_domain::amendment::AmendmentState,
            charta_domain::ballot::BallotKind,
            charta_domain::ballot::BallotState,
            charta_domain::ballot::Outcome,
            charta_domain::ballot::Position,
            charta_domain::spec::ControlStatus,
            charta_domain::spec::Relationship,
            WebhookEvent,
        ),
        responses(Unauthorized, TooManyRequests, Misdirected, Internal, Unavailable),
    ),
    modifiers(&Layers, &Events),
    tags(
        (name = "specs", description = "Specifications and their immutable versions"),
        (name = "groups", description = "Working groups and member organisations"),
        (name = "catalogs", description = "Reference catalogs: CRA, OpenSSF Principles, OSPS Baseline"),
        (name = "search", description = "Full-text search over controls"),
        (name = "amendments", description = "Proposed changes, their revisions, review threads and merging"),
        (name = "ballots", description = "Ballots on amendments and releases: one vote per member organisation, tallies, results and their audit trail"),
        (name = "releases", description = "Signed, immutable releases; their artefacts live at /releases/{spec}/{version}/"),
        (name = "assessments", description = "Self-assessments of projects against a release: drafts private to their owner, published ones public, frozen and signed; not certifications"),
        (name = "account", description = "The signed-in person, personal API tokens, notification choices and what they follow"),
        (name = "probes", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "probes", operation_id = "openapi_document",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The routes that answer from memory, without the database or the work
/// pool, and so cannot fail inside.
pub const IN_MEMORY: [&str; 4] = [
    "/healthz",
    "/api/v1/openapi.json",
    "/api/v1/catalogs",
    "/api/v1/catalogs/{catalog}",
];

/// The stable error codes of [`crate::error::Error::code`], and
/// `misdirected` for a request to a host Charta does not serve.
pub const ERROR_CODES: [&str; 14] = [
    "not_found",
    "bad_request",
    "invalid",
    "conflict",
    "payload_too_large",
    "unauthorized",
    "sign_in_required",
    "reauthentication_required",
    "forbidden",
    "mfa_required",
    "too_many_requests",
    "unavailable",
    "internal",
    "misdirected",
];

/// Text columns of the store whose values are fixed (by the database's own
/// checks), as (schema, property, the component listing the values). The
/// rows are generated as plain strings; the document names the values.
pub const STORED_ENUMS: [(&str, &str, &str); 4] = [
    ("SpecificationSummary", "visibility", "Visibility"),
    ("MappedControl", "relationship", "Relationship"),
    ("MappedControl", "status", "ControlStatus"),
    ("ControlRevision", "status", "ControlStatus"),
];

/// Who may read a specification: the working group's members (`draft`) or
/// everyone (`public`).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum Visibility {
    Draft,
    Public,
}

/// How the caller is signed in.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum CredentialKind {
    /// A browser session.
    Session,
    /// A personal API token.
    Token,
}

/// The part of a control a comment is on.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum CommentField {
    Statement,
    Guidance,
}

/// The liveness probe's answer.
#[derive(ToSchema)]
pub struct Liveness {
    /// Always `ok`.
    #[schema(pattern = "^ok$")]
    pub status: String,
}

/// The readiness probe's answer.
#[derive(ToSchema)]
pub struct Readiness {
    /// Always `ready`.
    #[schema(pattern = "^ready$")]
    pub status: String,
    /// The database in use: `sqlite` or `postgres`.
    #[schema(pattern = "^(sqlite|postgres)$")]
    pub database: String,
}

/// No valid credential. An `Authorization` header was sent that is not a
/// live personal API token (malformed, unknown, expired or revoked), or the
/// action needs a signed-in person (`unauthorized`); or creating a token
/// needs a recent sign-in (`reauthentication_required`).
#[derive(ToResponse)]
#[expect(dead_code, reason = "a response schema only")]
pub struct Unauthorized(ErrorBody);

/// Too many requests (`too_many_requests`): the expensive public endpoints
/// (validating, diffs, coverage, search) allow each client address a number
/// per minute, and an address that sends too many invalid API tokens is
/// refused for a while on every route that reads credentials.
#[derive(ToResponse)]
#[response(headers(("Retry-After" = u64, description = "Seconds to wait before trying again; sent by the per-endpoint limit")))]
#[expect(dead_code, reason = "a response schema only")]
pub struct TooManyRequests(ErrorBody);

/// The request named a host this server is not configured to answer for
/// (`misdirected`); use the address in `CHARTA_PUBLIC_URL`.
#[derive(ToResponse)]
#[expect(dead_code, reason = "a response schema only")]
pub struct Misdirected(ErrorBody);

/// Something failed on the server's side (`internal`); the detail is
/// logged, not sent.
#[derive(ToResponse)]
#[expect(dead_code, reason = "a response schema only")]
pub struct Internal(ErrorBody);

/// The request took longer than the server's request timeout. No body.
#[derive(ToResponse)]
pub struct Unavailable;

/// Adds what the layers around every route contribute; see the module
/// documentation.
pub struct Layers;

impl Modify for Layers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let decoded = op.parameters.iter().flatten().any(|p| {
                    matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query))
                });
                let responses = &mut op.responses.responses;
                if decoded {
                    undecodable_refusal(responses);
                }
                if op.request_body.is_some() {
                    responses
                        .entry("413".to_string())
                        .or_insert_with(|| error_response(TOO_LARGE));
                }
                let mut shared = |status: &str, name: &str| {
                    responses
                        .entry(status.to_string())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                };
                if path.starts_with("/api/") {
                    shared("421", "Misdirected");
                }
                if !IN_MEMORY.contains(&path.as_str()) {
                    shared("500", "Internal");
                }
                shared("503", "Unavailable");
            }
        }
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let schemas = &mut components.schemas;
        for (schema, property, values) in STORED_ENUMS {
            if let Some(RefOr::T(Schema::Object(o))) = schemas.get_mut(schema)
                && let Some(p) = o.properties.get_mut(property)
            {
                let description = match p {
                    RefOr::T(Schema::Object(s)) => s.description.clone(),
                    _ => None,
                };
                let nullable = matches!(p, RefOr::T(Schema::Object(s))
                    if matches!(&s.schema_type, SchemaType::Array(types) if types.contains(&Type::Null)));
                let mut reference = Ref::from_schema_name(values);
                if let Some(d) = description {
                    reference.description = d;
                }
                *p = if nullable {
                    OneOfBuilder::new()
                        .item(reference)
                        .item(Object::with_type(Type::Null))
                        .into()
                } else {
                    RefOr::Ref(reference)
                };
            }
        }
        if let Some(RefOr::T(Schema::Object(detail))) = schemas.get_mut("ErrorDetail")
            && let Some(RefOr::T(Schema::Object(code))) = detail.properties.get_mut("code")
        {
            code.enum_values = Some(ERROR_CODES.iter().map(|c| (*c).into()).collect());
        }
        open_flattened_parts(schemas);
    }
}

/// Why the router itself answers `400`.
const UNDECODABLE: &str = "A path segment that is not UTF-8, or a query parameter given twice, is refused before the handler runs (`bad_request`)";

/// Why a body can be refused whatever it says.
const TOO_LARGE: &str = "The request body is larger than the server accepts (`payload_too_large`)";

/// An error answer with the shared JSON body.
fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorBody"))),
            )
            .build(),
    )
}

/// Adds the extractors' `400` to an operation's responses.
fn undecodable_refusal(
    responses: &mut std::collections::BTreeMap<String, RefOr<utoipa::openapi::Response>>,
) {
    match responses.get_mut("400") {
        Some(RefOr::T(r)) => {
            if !r.description.contains(UNDECODABLE) {
                r.description = format!("{}. {UNDECODABLE}", r.description);
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            responses.insert("400".into(), error_response(UNDECODABLE));
        }
    }
}

/// A type flattened into another (`#[serde(flatten)]`) becomes a part of an
/// `allOf`. A part that forbids other properties (a type that denies
/// unknown fields when read, such as a specification) would then refuse the
/// other parts' fields, so such a part is inlined without that restriction.
fn open_flattened_parts(schemas: &mut std::collections::BTreeMap<String, RefOr<Schema>>) {
    let closed: std::collections::BTreeMap<String, Object> = schemas
        .iter()
        .filter_map(|(name, s)| match s {
            RefOr::T(Schema::Object(o))
                if matches!(
                    o.additional_properties.as_deref(),
                    Some(AdditionalProperties::FreeForm(false))
                ) =>
            {
                Some((name.clone(), o.clone()))
            }
            _ => None,
        })
        .collect();
    for schema in schemas.values_mut() {
        let RefOr::T(Schema::AllOf(all)) = schema else {
            continue;
        };
        for part in all.items.iter_mut() {
            let RefOr::Ref(r) = part else { continue };
            let Some(name) = r.ref_location.strip_prefix("#/components/schemas/") else {
                continue;
            };
            if let Some(o) = closed.get(name) {
                let mut open = o.clone();
                open.additional_properties = None;
                *part = RefOr::T(Schema::Object(open));
            }
        }
    }
}

/// What a webhook receives: one JSON object per event, posted with the
/// Standard Webhooks headers `webhook-id`, `webhook-timestamp` and
/// `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of
/// `id.timestamp.body` under the secret shown at registration).
#[derive(ToSchema)]
#[allow(dead_code, reason = "describes the payloads; they are written as JSON")]
pub struct WebhookEvent {
    /// The event, such as `ballot.opened`; the key of this entry under
    /// `webhooks`.
    #[schema(rename = "type")]
    kind: String,
    /// When it happened (RFC 3339, UTC), as the audit log records it.
    timestamp: String,
    data: WebhookEventData,
}

/// The facts of an event.
#[derive(ToSchema)]
#[allow(dead_code, reason = "describes the payloads; they are written as JSON")]
pub struct WebhookEventData {
    /// The working group's slug.
    group: String,
    /// One line for people, such as `Ballot opened: Release 1.1.0`.
    summary: String,
    /// Who did it: `user:ID`, or `system:…` for a job.
    actor: String,
    /// The audit log entry that records it; verify it in the signed log.
    audit_seq: i64,
    /// What it is about: `url` (its page) and the identifiers of the
    /// ballot, amendment, release or version, by kind of event.
    object: Object,
}

/// Adds the `webhooks` section: one entry per event a webhook can receive.
pub struct Events;

impl Modify for Events {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, PathItem};
        use utoipa::openapi::request_body::RequestBodyBuilder;
        use utoipa::openapi::{ContentBuilder, PathsBuilder, Required, ResponseBuilder};
        let mut paths = PathsBuilder::new();
        for topic in charta_app::webhooks::topics() {
            let header = |name: &str, what: &str| {
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Header)
                    .required(Required::True)
                    .description(Some(what))
                    .schema(Some(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::Type::String),
                    ))
                    .build()
            };
            let op = OperationBuilder::new()
                .summary(Some(topic.describe()))
                .operation_id(Some(format!(
                    "webhook_{}",
                    topic.as_str().replace('.', "_")
                )))
                .parameter(header(
                    "webhook-id",
                    "The delivery's id; the same on each attempt and redelivery",
                ))
                .parameter(header(
                    "webhook-timestamp",
                    "Unix seconds when this attempt was signed",
                ))
                .parameter(header(
                    "webhook-signature",
                    "`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`",
                ))
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(RefOr::Ref(Ref::from_schema_name("WebhookEvent"))))
                                .build(),
                        )
                        .build(),
                ))
                .response(
                    "2XX",
                    ResponseBuilder::new().description(
                        "Received; any other answer is retried with backoff for about 28 hours",
                    ),
                );
            paths = paths.path(topic.as_str(), PathItem::new(HttpMethod::Post, op));
        }
        openapi.webhooks = Some(paths.build());
    }
}
