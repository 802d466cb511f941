//! Authorization, checked through the real router on both databases: every
//! route of the route table against every kind of person, object-level
//! access to drafts, CSRF and Origin checks, API tokens and their scopes,
//! sessions and sign-out, step-up for privileged actions, invitations and
//! the demo sign-in.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use charta_store::testing::TestDb;
use charta_store::{NewSession, both_backends};
use charta_web::auth::secret;
use charta_web::routes::table;

mod support;
use support::*;

/// What a request's answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Served (2xx, or a redirect somewhere other than sign-in).
    Ok,
    /// Asked to sign in: 401, or a redirect to /auth/login.
    Login,
    /// Asked for a multi-factor sign-in: 403 mfa_required, or a redirect to step-up.
    StepUp,
    Forbidden,
    NotFound,
    Conflict,
    BadRequest,
    /// A form shown again with its problems (422).
    Unprocessable,
    Unavailable,
}

fn outcome(r: &Resp) -> Outcome {
    match r.status.as_u16() {
        303 if r.location.starts_with("/auth/login?step_up=1") => Outcome::StepUp,
        303 if r.location.starts_with("/auth/login") => Outcome::Login,
        200..=399 => Outcome::Ok,
        401 => Outcome::Login,
        403 if r.body.contains("mfa_required") => Outcome::StepUp,
        403 => Outcome::Forbidden,
        404 => Outcome::NotFound,
        409 => Outcome::Conflict,
        400 => Outcome::BadRequest,
        422 => Outcome::Unprocessable,
        503 => Outcome::Unavailable,
        other => panic!("unexpected status {other}: {}", r.body),
    }
}

use Outcome::*;

/// One line of the access table: a route, how to call it, and the outcome
/// for each of [`PEOPLE`] in order.
struct Case {
    method: Method,
    pattern: &'static str,
    uri: String,
    body: String,
    expect: [Outcome; 10],
}

const ALL_OK: [Outcome; 10] = [Ok; 10];
/// Signed-in people only, whatever their roles.
const SIGNED_IN: [Outcome; 10] = [Login, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok];
/// Members of `wg` (and administrators) only.
const WG_MEMBERS: [Outcome; 10] = [Login, Forbidden, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok];
/// The chair of `wg` with MFA, or an administrator.
const WG_CHAIR: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, StepUp, Ok, Ok,
];
/// Members who may propose: representatives, alternates, editors and the chair.
const PROPOSERS: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Ok, Ok, Ok, Ok, Ok, Forbidden,
];
/// Members who may comment: everyone but observers.
const COMMENTERS: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Ok, Ok, Ok, Ok, Ok, Ok, Forbidden,
];
/// The amendment's author (the editor) acts first; afterwards the chair
/// finds the amendment already changed.
const AUTHOR_THEN_CHANGED: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok, Conflict, Conflict, Forbidden,
];
/// The author revises first; the same text again is refused as no change.
const AUTHOR_THEN_SAME: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok, BadRequest, BadRequest,
    Forbidden,
];
/// Merging or rejecting: the chair with a multi-factor sign-in (the
/// fixture's rules do not let editors merge).
const MERGERS: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, StepUp, Ok, Forbidden,
];
/// The amendment's author (the editor), the chair and editors.
const STEWARDS: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok, Ok, Ok, Forbidden,
];
/// The chair with MFA acts first; an administrator then finds it done.
const CHAIR_THEN_CONFLICT: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, StepUp, Ok, Conflict,
];
/// Everyone allowed runs into the state of the ballot (open, not decided).
const CHAIR_CONFLICT: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, StepUp, Conflict,
    Conflict,
];
/// Aurora's one voter: its representative, as no delegation hands the vote
/// to the alternate.
const AURORA_VOTER: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Forbidden, Ok, Forbidden, Forbidden, Forbidden,
    Forbidden,
];
/// The chair (without step-up) and Aurora's voters, as the default rules
/// let members extend.
const EXTENDERS: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Ok, Ok, Forbidden, Ok, Ok, Forbidden,
];
/// The chair with MFA acts first; an administrator then finds it gone.
const CHAIR_THEN_GONE: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, StepUp, Ok, NotFound,
];
/// A draft assessment owned by Aurora: its representative and alternate;
/// everyone else is told it does not exist.
const AURORA_ASSESSMENT: [Outcome; 10] = [
    NotFound, NotFound, NotFound, NotFound, Ok, Ok, NotFound, NotFound, NotFound, NotFound,
];
const ADMIN: [Outcome; 10] = [
    Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden,
    Ok,
];

/// A date `days` from today, as a form's date field sends it.
fn in_days(days: i64) -> String {
    let d = (time::OffsetDateTime::now_utc() + time::Duration::days(days)).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn cases(f: &Fixture) -> Vec<Case> {
    let case =
        |method: Method, pattern: &'static str, uri: &str, body: &str, expect: [Outcome; 10]| {
            Case {
                method,
                pattern,
                uri: uri.into(),
                body: body.into(),
                expect,
            }
        };
    let g = Method::GET;
    let p = Method::POST;
    let inv = &f.invitation_token;
    let valid_spec = spec("demo", "wg", "publish a policy");
    let proposal = spec("demo", "wg", "publish a signed policy");
    let form = |pairs: &[(&str, &str)]| serde_urlencoded::to_string(pairs).unwrap();
    let propose_form = form(&[
        ("title", "Sign it"),
        ("content", &proposal),
        ("open", "open"),
    ]);
    let revise_form = form(&[("content", &proposal), ("expected", "1")]);
    let propose_json = serde_json::json!({"title": "Sign it", "content": proposal}).to_string();
    let revise_json = serde_json::json!({"content": proposal, "expected": 1}).to_string();
    let t = f.thread_id;
    let b = f.ballot_id;
    let rules_form = "amendment=majority&release=2%2F3&quorum_percent=50&default_days=7&min_days=1&members_may_extend=on&early_close=on";
    vec![
        case(g.clone(), "/", "/", "", ALL_OK),
        case(g.clone(), "/groups/{group}", "/groups/wg", "", ALL_OK),
        case(g.clone(), "/specs", "/specs", "", ALL_OK),
        case(g.clone(), "/specs/{spec}", "/specs/demo", "", ALL_OK),
        case(
            g.clone(),
            "/specs/{spec}/versions",
            "/specs/demo/versions",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/specs/{spec}/versions/{version}",
            "/specs/demo/versions/1",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/specs/{spec}/controls/{control}",
            "/specs/demo/controls/X-VM-01",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/specs/{spec}/diff",
            "/specs/demo/diff",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/specs/{spec}/versions/{version}/coverage",
            "/specs/demo/versions/1/coverage",
            "",
            ALL_OK,
        ),
        case(g.clone(), "/catalogs", "/catalogs", "", ALL_OK),
        case(
            g.clone(),
            "/catalogs/{catalog}",
            "/catalogs/cra",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/catalogs/{catalog}/items/{item}",
            "/catalogs/cra/items/T:1",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/catalogs/{catalog}/catalog.oscal.json",
            "/catalogs/cra/catalog.oscal.json",
            "",
            ALL_OK,
        ),
        case(g.clone(), "/search", "/search?q=policy", "", ALL_OK),
        case(
            g.clone(),
            "/docs/spec-format",
            "/docs/spec-format",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/docs/oscal-props",
            "/docs/oscal-props",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/groups/{group}/members",
            "/groups/wg/members",
            "",
            WG_MEMBERS,
        ),
        case(
            p.clone(),
            "/groups/{group}/invitations",
            "/groups/wg/invitations",
            "email=new%40example.org&role=reviewer",
            WG_CHAIR,
        ),
        case(
            g.clone(),
            "/groups/{group}/members/{membership}/remove",
            &format!("/groups/wg/members/{}/remove", f.observer_membership),
            "",
            WG_CHAIR,
        ),
        case(
            p.clone(),
            "/groups/{group}/members/{membership}/remove",
            &format!("/groups/wg/members/{}/remove", f.observer_membership),
            "",
            // The chair removes the role first, so the administrator finds it gone.
            [
                Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, StepUp,
                Ok, NotFound,
            ],
        ),
        case(
            g.clone(),
            "/invitations/{token}",
            &format!("/invitations/{inv}"),
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/invitations/{token}/accept",
            &format!("/invitations/{inv}/accept"),
            "",
            // Addressed to the outsider's e-mail address; nobody else may use it.
            [
                Login, Ok, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden,
                Forbidden, Forbidden,
            ],
        ),
        case(
            p.clone(),
            "/specs/{spec}/publish",
            "/specs/wg-draft/publish",
            "",
            // Outsiders cannot even see the draft; after the chair publishes, it is public.
            [
                NotFound, NotFound, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, StepUp,
                Ok, Conflict,
            ],
        ),
        case(
            g.clone(),
            "/specs/{spec}/amendments",
            "/specs/demo/amendments",
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/specs/{spec}/amendments",
            "/specs/demo/amendments",
            &propose_form,
            PROPOSERS,
        ),
        case(
            g.clone(),
            "/specs/{spec}/amendments/new",
            "/specs/demo/amendments/new",
            "",
            PROPOSERS,
        ),
        case(
            g.clone(),
            "/specs/{spec}/amendments/{number}",
            "/specs/demo/amendments/1",
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/specs/{spec}/amendments/{number}/revisions",
            "/specs/demo/amendments/1/revisions",
            &revise_form,
            AUTHOR_THEN_SAME,
        ),
        case(
            p.clone(),
            "/specs/{spec}/amendments/{number}/threads",
            "/specs/demo/amendments/1/threads",
            "body=Looks+good",
            COMMENTERS,
        ),
        case(
            p.clone(),
            "/specs/{spec}/amendments/{number}/threads/{thread}/replies",
            &format!("/specs/demo/amendments/1/threads/{t}/replies"),
            "body=Agreed",
            COMMENTERS,
        ),
        case(
            p.clone(),
            "/specs/{spec}/amendments/{number}/threads/{thread}/resolve",
            &format!("/specs/demo/amendments/1/threads/{t}/resolve"),
            "resolved=true",
            COMMENTERS,
        ),
        case(
            g.clone(),
            "/specs/{spec}/controls/{control}/edit",
            "/specs/demo/controls/X-VM-01/edit",
            "",
            PROPOSERS,
        ),
        case(
            p.clone(),
            "/specs/{spec}/controls/{control}/edit",
            "/specs/demo/controls/X-VM-01/edit",
            "title=Control+of+demo&section=VM&level=2&status=active&statement=Projects+MUST+publish+a+policy.&target=T%3A1&relationship=subset&rationale=Part+of+it.&into=new&amendment_title=Level+2",
            PROPOSERS,
        ),
        case(g.clone(), "/specs/{spec}/new-control", "/specs/demo/new-control?section=VM", "", PROPOSERS),
        case(
            p.clone(),
            "/specs/{spec}/new-control",
            "/specs/demo/new-control",
            "id=X-VM-02&title=New&section=VM&level=1&status=active&statement=Projects+MUST+sign+releases.&into=new&amendment_title=Add",
            PROPOSERS,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/control-edits",
            "/api/v1/specs/demo/control-edits",
            r#"{"action": "add", "title": "Add", "control": {"id": "X-VM-02", "section": "VM", "title": "New", "level": 1, "statement": "Projects MUST sign releases."}}"#,
            PROPOSERS,
        ),
        case(
            p.clone(),
            "/specs/{spec}/amendments/{number}/suggestions",
            "/specs/demo/amendments/1/suggestions",
            &format!("thread={}", f.suggestion_thread),
            AUTHOR_THEN_CHANGED,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/suggestions",
            "/api/v1/specs/demo/amendments/1/suggestions",
            &format!(r#"{{"threads": [{}]}}"#, f.suggestion_thread),
            AUTHOR_THEN_CHANGED,
        ),
        case(
            p.clone(),
            "/specs/{spec}/amendments/{number}/review-requests",
            "/specs/demo/amendments/1/review-requests",
            &format!("reviewer={}", f.ids["reviewer"]),
            STEWARDS,
        ),
        case(
            g.clone(),
            "/specs/{spec}/amendments/{number}/state",
            "/specs/demo/amendments/1/state?to=withdrawn",
            "",
            STEWARDS,
        ),
        case(
            p.clone(),
            "/specs/{spec}/amendments/{number}/state",
            "/specs/demo/amendments/1/state",
            "event=withdraw",
            AUTHOR_THEN_CHANGED,
        ),
        case(
            g.clone(),
            "/specs/{spec}/amendments/{number}/merge",
            "/specs/demo/amendments/1/merge",
            "",
            // Merging is the group's decision: the chair, with a
            // multi-factor sign-in; editors only where the rules say so.
            MERGERS,
        ),
        case(
            p.clone(),
            "/specs/{spec}/amendments/{number}/merge",
            "/specs/demo/amendments/1/merge",
            "",
            MERGERS,
        ),
        case(
            g.clone(),
            "/specs/{spec}/amendments/{number}/rebase",
            "/specs/demo/amendments/1/rebase",
            "",
            STEWARDS,
        ),
        case(
            p.clone(),
            "/specs/{spec}/amendments/{number}/rebase",
            "/specs/demo/amendments/1/rebase",
            "expected=1",
            // Amendment 1 is based on the current version: nothing to update.
            [
                Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Conflict, Conflict,
                Conflict, Forbidden,
            ],
        ),
        case(
            p.clone(),
            "/specs/{spec}/amendments/{number}/ballots",
            "/specs/demo/amendments/1/ballots",
            "days=7",
            CHAIR_THEN_CONFLICT,
        ),
        case(
            g.clone(),
            "/specs/{spec}/ballots",
            "/specs/demo/ballots",
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/specs/{spec}/ballots",
            "/specs/demo/ballots",
            "version=1&days=7",
            CHAIR_THEN_CONFLICT,
        ),
        case(
            g.clone(),
            "/ballots/{id}",
            &format!("/ballots/{b}"),
            "",
            WG_MEMBERS,
        ),
        case(
            p.clone(),
            "/ballots/{id}/votes",
            &format!("/ballots/{b}/votes"),
            "organization=aurora&position=approve",
            AURORA_VOTER,
        ),
        case(
            p.clone(),
            "/ballots/{id}/extend",
            &format!("/ballots/{b}/extend"),
            "days=1",
            EXTENDERS,
        ),
        case(
            g.clone(),
            "/ballots/{id}/cancel",
            &format!("/ballots/{b}/cancel"),
            "",
            WG_CHAIR,
        ),
        case(
            p.clone(),
            "/ballots/{id}/cancel",
            &format!("/ballots/{b}/cancel"),
            "reason=Wrong+text",
            CHAIR_THEN_CONFLICT,
        ),
        case(
            g.clone(),
            "/ballots/{id}/close",
            &format!("/ballots/{b}/close"),
            "",
            // Nobody voted: the outcome can still change.
            CHAIR_CONFLICT,
        ),
        case(
            p.clone(),
            "/ballots/{id}/close",
            &format!("/ballots/{b}/close"),
            "",
            // Nobody voted: the outcome can still change.
            CHAIR_CONFLICT,
        ),
        case(
            g.clone(),
            "/groups/{group}/rules",
            "/groups/wg/rules",
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/groups/{group}/rules",
            "/groups/wg/rules",
            rules_form,
            WG_CHAIR,
        ),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/ballots",
            "/api/v1/specs/demo/ballots",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/ballots/{id}",
            &format!("/api/v1/ballots/{b}"),
            "",
            WG_MEMBERS,
        ),
        case(
            g.clone(),
            "/api/v1/ballots/{id}/audit",
            &format!("/api/v1/ballots/{b}/audit"),
            "",
            WG_MEMBERS,
        ),
        case(
            p.clone(),
            "/api/v1/ballots/{id}/votes",
            &format!("/api/v1/ballots/{b}/votes"),
            r#"{"organization":"aurora","position":"approve"}"#,
            AURORA_VOTER,
        ),
        case(
            g.clone(),
            "/api/v1/groups/{group}/rules",
            "/api/v1/groups/wg/rules",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/specs/{spec}/releases",
            "/specs/demo/releases",
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/specs/{spec}/releases",
            "/specs/demo/releases",
            "version=1&name=1.0.1",
            // Version 1 is released already.
            CHAIR_CONFLICT,
        ),
        case(
            g.clone(),
            "/specs/{spec}/releases/confirm",
            "/specs/demo/releases/confirm?version=1&name=1.0.1",
            "",
            // Version 1 is released already.
            CHAIR_CONFLICT,
        ),
        case(
            g.clone(),
            "/releases/{spec}/{version}",
            "/releases/demo/1.0.0",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/releases/{spec}/{version}/",
            "/releases/demo/1.0.0/",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/releases/{spec}/{version}/{file}",
            "/releases/demo/1.0.0/catalog.oscal.json",
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/releases/{spec}/{version}/supersede",
            "/releases/demo/1.0.0/supersede",
            "reason=Replaced+by+1.1.0",
            CHAIR_THEN_CONFLICT,
        ),
        case(
            g.clone(),
            "/.well-known/charta/release-key",
            "/.well-known/charta/release-key",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/.well-known/charta/audit-checkpoint",
            "/.well-known/charta/audit-checkpoint",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/feeds/groups/{file}",
            "/feeds/groups/wg.atom",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/feeds/amendments/{spec}/{file}",
            "/feeds/amendments/demo/1.atom",
            "",
            ALL_OK,
        ),
        // An open ballot's activity is the group's; others are told
        // nothing exists (feed readers cannot sign in).
        case(
            g.clone(),
            "/feeds/ballots/{file}",
            &format!("/feeds/ballots/{}.atom", f.ballot_id),
            "",
            [NotFound, NotFound, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok],
        ),
        case(
            g.clone(),
            "/feeds/specs/{file}",
            "/feeds/specs/demo.atom",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/feeds/clauses/{file}",
            "/feeds/clauses/T:1.atom",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/releases",
            "/api/v1/specs/demo/releases",
            "",
            ALL_OK,
        ),
        case(g.clone(), "/my-work", "/my-work", "", SIGNED_IN),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/amendments",
            "/api/v1/specs/demo/amendments",
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/amendments",
            "/api/v1/specs/demo/amendments",
            &propose_json,
            PROPOSERS,
        ),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/amendments/{number}",
            "/api/v1/specs/demo/amendments/1",
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/revisions",
            "/api/v1/specs/demo/amendments/1/revisions",
            &revise_json,
            AUTHOR_THEN_SAME,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/threads",
            "/api/v1/specs/demo/amendments/1/threads",
            r#"{"body":"Looks good"}"#,
            COMMENTERS,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/merge",
            "/api/v1/specs/demo/amendments/1/merge",
            "",
            MERGERS,
        ),
        case(
            g.clone(),
            "/auth/login",
            "/auth/login",
            "",
            [Unavailable; 10],
        ),
        case(
            g.clone(),
            "/auth/callback",
            "/auth/callback",
            "",
            [BadRequest; 10],
        ),
        case(p.clone(), "/auth/logout", "/auth/logout", "", ALL_OK),
        case(
            p.clone(),
            "/auth/demo",
            "/auth/demo",
            "person=chair",
            [NotFound; 10],
        ),
        case(g.clone(), "/account", "/account", "", SIGNED_IN),
        case(
            p.clone(),
            "/account/tokens",
            "/account/tokens",
            "name=ci&scopes=read&days=30",
            SIGNED_IN,
        ),
        case(
            p.clone(),
            "/account/tokens/{id}/revoke",
            &format!("/account/tokens/{}/revoke", f.rep_token_id),
            "",
            [
                Login, NotFound, NotFound, NotFound, NotFound, Ok, NotFound, NotFound, NotFound,
                NotFound,
            ],
        ),
        case(
            p.clone(),
            "/account/notifications",
            "/account/notifications",
            "ballot.opened=digest&release.published=never",
            SIGNED_IN,
        ),
        case(
            g.clone(),
            "/unsubscribe/{token}",
            &format!("/unsubscribe/{}", f.unsubscribe_token),
            "",
            ALL_OK,
        ),
        // State-changing cases run on a fresh database, whose unsubscribe
        // key differs: a link signed by another deployment is refused
        // (tests/notifications.rs follows a link of the same one).
        case(
            p.clone(),
            "/unsubscribe/{token}",
            &format!("/unsubscribe/{}", f.unsubscribe_token),
            "",
            [NotFound; 10],
        ),
        case(g.clone(), "/mailbox", "/mailbox", "", [NotFound; 10]),
        case(
            g.clone(),
            "/groups/{group}/webhooks",
            "/groups/wg/webhooks",
            "",
            WG_CHAIR,
        ),
        case(
            p.clone(),
            "/groups/{group}/webhooks",
            "/groups/wg/webhooks",
            "url=https%3A%2F%2Fhooks.example.org%2Fnew&events=ballot.opened&events=release.published",
            WG_CHAIR,
        ),
        case(
            g.clone(),
            "/groups/{group}/webhooks/{id}",
            &format!("/groups/wg/webhooks/{}", f.hooks[0]),
            "",
            WG_CHAIR,
        ),
        case(
            p.clone(),
            "/groups/{group}/webhooks/{id}/deliveries/{delivery}/redeliver",
            &format!("/groups/wg/webhooks/{}/deliveries/{}/redeliver", f.hooks[0], f.hook_delivery),
            "",
            WG_CHAIR,
        ),
        case(
            Method::GET,
            "/api/v1/groups/{group}/webhooks/{id}/deliveries",
            &format!("/api/v1/groups/wg/webhooks/{}/deliveries", f.hooks[0]),
            "",
            WG_CHAIR,
        ),
        case(
            p.clone(),
            "/api/v1/groups/{group}/webhooks/{id}/deliveries/{delivery}/redeliver",
            &format!("/api/v1/groups/wg/webhooks/{}/deliveries/{}/redeliver", f.hooks[0], f.hook_delivery),
            "",
            WG_CHAIR,
        ),
        case(
            p.clone(),
            "/groups/{group}/webhooks/{id}/delete",
            &format!("/groups/wg/webhooks/{}/delete", f.hooks[0]),
            "",
            CHAIR_THEN_GONE,
        ),
        case(
            Method::DELETE,
            "/api/v1/groups/{group}/webhooks/{id}",
            &format!("/api/v1/groups/wg/webhooks/{}", f.hooks[1]),
            "",
            CHAIR_THEN_GONE,
        ),
        case(
            Method::GET,
            "/api/v1/groups/{group}/webhooks",
            "/api/v1/groups/wg/webhooks",
            "",
            WG_CHAIR,
        ),
        case(
            p.clone(),
            "/api/v1/groups/{group}/webhooks",
            "/api/v1/groups/wg/webhooks",
            r#"{"url": "https://hooks.example.org/api", "events": ["ballot.closed"]}"#,
            WG_CHAIR,
        ),
        case(
            p.clone(),
            "/account/follows",
            "/account/follows",
            "kind=spec&subject=demo",
            SIGNED_IN,
        ),
        case(
            p.clone(),
            "/account/follows/{id}/delete",
            &format!("/account/follows/{}/delete", f.rep_follow),
            "",
            [
                Login, NotFound, NotFound, NotFound, NotFound, Ok, NotFound, NotFound, NotFound,
                NotFound,
            ],
        ),
        case(
            Method::GET,
            "/api/v1/account/follows",
            "/api/v1/account/follows",
            "",
            SIGNED_IN,
        ),
        case(
            Method::GET,
            "/assessments",
            "/assessments",
            "",
            SIGNED_IN,
        ),
        case(
            p.clone(),
            "/assessments",
            "/assessments",
            "spec=demo&release=1.0.0&kind=project&name=W&url=https%3A%2F%2Fexample.org%2Fw&target_level=1",
            SIGNED_IN,
        ),
        case(
            Method::GET,
            "/assessments/{id}",
            &format!("/assessments/{}", f.assessment),
            "",
            AURORA_ASSESSMENT,
        ),
        case(
            p.clone(),
            "/assessments/{id}/answers",
            &format!("/assessments/{}/answers", f.assessment),
            "control=X-VM-01&status=met&justification=Yes&evidence=https%3A%2F%2Fexample.org%2Fp",
            AURORA_ASSESSMENT,
        ),
        case(
            p.clone(),
            "/assessments/{id}/move",
            &format!("/assessments/{}/move", f.assessment),
            "release=1.0.0",
            [
                NotFound, NotFound, NotFound, NotFound, Conflict, Conflict, NotFound, NotFound,
                NotFound, NotFound,
            ],
        ),
        case(
            Method::GET,
            "/assessments/{id}/publish",
            &format!("/assessments/{}/publish", f.assessment),
            "",
            AURORA_ASSESSMENT,
        ),
        case(
            p.clone(),
            "/assessments/{id}/publish",
            &format!("/assessments/{}/publish", f.assessment),
            "",
            [
                NotFound, NotFound, NotFound, NotFound, Ok, Conflict, Forbidden, Forbidden,
                Forbidden, Forbidden,
            ],
        ),
        case(
            Method::GET,
            "/assessments/{id}/files/{name}",
            &format!("/assessments/{}/files/attestation.json", f.assessment),
            "",
            // A draft has no files yet, for anyone.
            [NotFound; 10],
        ),
        case(
            Method::GET,
            "/assessments/{id}/badge.svg",
            &format!("/assessments/{}/badge.svg", f.assessment),
            "",
            AURORA_ASSESSMENT,
        ),
        case(
            Method::GET,
            "/releases/{spec}/{name}/assessments",
            "/releases/demo/1.0.0/assessments",
            "",
            ALL_OK,
        ),
        case(
            Method::GET,
            "/api/v1/assessments",
            "/api/v1/assessments",
            "",
            SIGNED_IN,
        ),
        case(
            p.clone(),
            "/api/v1/assessments",
            "/api/v1/assessments",
            r#"{"spec":"demo","release":"1.0.0","kind":"package","name":"P","url":"https://example.org/p","target_level":2}"#,
            SIGNED_IN,
        ),
        case(
            Method::GET,
            "/api/v1/assessments/{id}",
            &format!("/api/v1/assessments/{}", f.assessment),
            "",
            AURORA_ASSESSMENT,
        ),
        case(
            Method::PUT,
            "/api/v1/assessments/{id}/answers/{control}",
            &format!("/api/v1/assessments/{}/answers/X-VM-01", f.assessment),
            r#"{"status":"met","justification":"We do.","evidence":["https://example.org/policy"]}"#,
            AURORA_ASSESSMENT,
        ),
        case(
            p.clone(),
            "/api/v1/assessments/{id}/move",
            &format!("/api/v1/assessments/{}/move", f.assessment),
            r#"{"release":"1.0.0"}"#,
            [
                NotFound, NotFound, NotFound, NotFound, Conflict, Conflict, NotFound, NotFound,
                NotFound, NotFound,
            ],
        ),
        case(
            p.clone(),
            "/api/v1/assessments/{id}/publish",
            &format!("/api/v1/assessments/{}/publish", f.assessment),
            "",
            // The alternate publishes; from then on it is public and
            // frozen: Aurora's representative finds it published, everyone
            // else may read but not change it.
            [
                NotFound, NotFound, NotFound, NotFound, Ok, Conflict, Forbidden, Forbidden,
                Forbidden, Forbidden,
            ],
        ),
        case(
            Method::GET,
            "/api/v1/specs/{spec}/releases/{name}/assessments",
            "/api/v1/specs/demo/releases/1.0.0/assessments",
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/api/v1/account/follows",
            "/api/v1/account/follows",
            r#"{"kind": "clause", "subject": "T:1"}"#,
            SIGNED_IN,
        ),
        case(
            Method::DELETE,
            "/api/v1/account/follows/{id}",
            &format!("/api/v1/account/follows/{}", f.rep_follow),
            "",
            [
                Login, NotFound, NotFound, NotFound, NotFound, Ok, NotFound, NotFound, NotFound,
                NotFound,
            ],
        ),
        case(
            Method::GET,
            "/api/v1/account/notifications",
            "/api/v1/account/notifications",
            "",
            SIGNED_IN,
        ),
        case(
            Method::PUT,
            "/api/v1/account/notifications",
            "/api/v1/account/notifications",
            r#"{"ballot.opened": "digest"}"#,
            SIGNED_IN,
        ),
        case(g.clone(), "/admin", "/admin", "", ADMIN),
        case(
            p.clone(),
            "/admin/groups",
            "/admin/groups",
            "slug=new-group&name=New",
            ADMIN,
        ),
        case(
            p.clone(),
            "/admin/groups/{group}/organizations",
            "/admin/groups/wg/organizations",
            "slug=new-org&name=New",
            ADMIN,
        ),
        case(
            g.clone(),
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            "",
            ALL_OK,
        ),
        case(g.clone(), "/api/v1/groups", "/api/v1/groups", "", ALL_OK),
        case(
            g.clone(),
            "/api/v1/groups/{group}",
            "/api/v1/groups/wg",
            "",
            ALL_OK,
        ),
        case(g.clone(), "/api/v1/specs", "/api/v1/specs", "", ALL_OK),
        case(
            g.clone(),
            "/api/v1/specs/{spec}",
            "/api/v1/specs/demo",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/versions",
            "/api/v1/specs/demo/versions",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/versions/{version}",
            "/api/v1/specs/demo/versions/1",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/versions/{version}/source",
            "/api/v1/specs/demo/versions/1/source",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/controls/{control}",
            "/api/v1/specs/demo/controls/X-VM-01",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/diff",
            "/api/v1/specs/demo/diff",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/versions/{version}/coverage",
            "/api/v1/specs/demo/versions/1/coverage?level=1",
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/api/v1/validate",
            "/api/v1/validate",
            &valid_spec,
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/catalogs",
            "/api/v1/catalogs",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/catalogs/{catalog}",
            "/api/v1/catalogs/cra",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/catalogs/{catalog}/items/{item}",
            "/api/v1/catalogs/cra/items/T:1",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/api/v1/search",
            "/api/v1/search?q=policy",
            "",
            ALL_OK,
        ),
        case(g.clone(), "/api/v1/me", "/api/v1/me", "", SIGNED_IN),
        case(g.clone(), "/api/v1/tokens", "/api/v1/tokens", "", SIGNED_IN),
        case(
            p.clone(),
            "/api/v1/tokens",
            "/api/v1/tokens",
            r#"{"name":"ci","scopes":["read"],"days":7}"#,
            SIGNED_IN,
        ),
        case(
            Method::DELETE,
            "/api/v1/tokens/{id}",
            &format!("/api/v1/tokens/{}", f.rep_token_id),
            "",
            [
                Login, NotFound, NotFound, NotFound, NotFound, Ok, NotFound, NotFound, NotFound,
                NotFound,
            ],
        ),
        // The API's twins of the pages' actions answer the same people.
        case(g.clone(), "/api/v1/my-work", "/api/v1/my-work", "", SIGNED_IN),
        case(
            g.clone(),
            "/api/v1/groups/{group}/members",
            "/api/v1/groups/wg/members",
            "",
            WG_MEMBERS,
        ),
        case(
            Method::PUT,
            "/api/v1/groups/{group}/rules",
            "/api/v1/groups/wg/rules",
            &serde_json::to_string(&charta_domain::ballot::Rules::default()).unwrap(),
            WG_CHAIR,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/threads/{thread}/replies",
            &format!("/api/v1/specs/demo/amendments/1/threads/{t}/replies"),
            r#"{"body":"Agreed"}"#,
            COMMENTERS,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/threads/{thread}/resolve",
            &format!("/api/v1/specs/demo/amendments/1/threads/{t}/resolve"),
            r#"{"resolved":true}"#,
            COMMENTERS,
        ),
        case(
            Method::GET,
            "/api/v1/specs/{spec}/amendments/{number}/reviewers",
            "/api/v1/specs/demo/amendments/1/reviewers",
            "",
            WG_MEMBERS,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/review-requests",
            "/api/v1/specs/demo/amendments/1/review-requests",
            &format!(r#"{{"reviewer": {}}}"#, f.ids["reviewer"]),
            STEWARDS,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/state",
            "/api/v1/specs/demo/amendments/1/state",
            r#"{"event":"withdraw"}"#,
            AUTHOR_THEN_CHANGED,
        ),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/rebase",
            "/api/v1/specs/demo/amendments/1/rebase",
            "",
            STEWARDS,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/rebase",
            "/api/v1/specs/demo/amendments/1/rebase",
            r#"{"expected":1}"#,
            // Amendment 1 is based on the current version: nothing to update.
            [
                Login, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Conflict, Conflict,
                Conflict, Forbidden,
            ],
        ),
        case(
            g.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/audit",
            "/api/v1/specs/demo/amendments/1/audit",
            "",
            ALL_OK,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/amendments/{number}/ballots",
            "/api/v1/specs/demo/amendments/1/ballots",
            r#"{"days":7}"#,
            CHAIR_THEN_CONFLICT,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/ballots",
            "/api/v1/specs/demo/ballots",
            r#"{"version":1,"days":7}"#,
            CHAIR_THEN_CONFLICT,
        ),
        case(
            p.clone(),
            "/api/v1/ballots/{id}/extend",
            &format!("/api/v1/ballots/{b}/extend"),
            r#"{"days":1}"#,
            EXTENDERS,
        ),
        case(
            p.clone(),
            "/api/v1/ballots/{id}/cancel",
            &format!("/api/v1/ballots/{b}/cancel"),
            r#"{"reason":"Wrong text"}"#,
            CHAIR_THEN_CONFLICT,
        ),
        case(
            p.clone(),
            "/api/v1/ballots/{id}/close",
            &format!("/api/v1/ballots/{b}/close"),
            "",
            // Nobody voted: the outcome can still change.
            CHAIR_CONFLICT,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/releases",
            "/api/v1/specs/demo/releases",
            r#"{"version":1,"name":"1.0.1"}"#,
            // Version 1 is released already.
            CHAIR_CONFLICT,
        ),
        case(
            p.clone(),
            "/api/v1/specs/{spec}/releases/{name}/supersede",
            "/api/v1/specs/demo/releases/1.0.0/supersede",
            r#"{"reason":"Replaced by 1.1.0"}"#,
            CHAIR_THEN_CONFLICT,
        ),
        case(
            g.clone(),
            "/static/charta.css",
            "/static/charta.css",
            "",
            ALL_OK,
        ),
        case(
            g.clone(),
            "/static/review.js",
            "/static/review.js",
            "",
            ALL_OK,
        ),
        case(g.clone(), "/healthz", "/healthz", "", ALL_OK),
        case(g.clone(), "/readyz", "/readyz", "", ALL_OK),
        // Aurora's representative delegates its vote for a day next week,
        // and revokes the fixture's two delegations; nobody else may.
        case(
            g,
            "/api/v1/groups/{group}/delegations",
            "/api/v1/groups/wg/delegations",
            "",
            WG_MEMBERS,
        ),
        case(
            p.clone(),
            "/groups/{group}/delegations",
            "/groups/wg/delegations",
            &form(&[("organization", "aurora"), ("alternate", "alternate@example.org"), ("starts", &in_days(7)), ("ends", &in_days(7))]),
            AURORA_VOTER,
        ),
        case(
            p.clone(),
            "/api/v1/groups/{group}/delegations",
            "/api/v1/groups/wg/delegations",
            &serde_json::json!({"organization": "aurora", "alternate": "alternate@example.org", "starts_at": in_days(9), "ends_at": in_days(9)}).to_string(),
            AURORA_VOTER,
        ),
        case(
            p.clone(),
            "/groups/{group}/delegations/{delegation}/revoke",
            &format!("/groups/wg/delegations/{}/revoke", f.delegations[0]),
            "",
            AURORA_VOTER,
        ),
        case(
            p.clone(),
            "/api/v1/groups/{group}/delegations/{delegation}/revoke",
            &format!("/api/v1/groups/wg/delegations/{}/revoke", f.delegations[1]),
            "",
            AURORA_VOTER,
        ),
    ]
}

both_backends! {
    every_route_has_an_access_rule_and_obeys_it => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let cases = cases(&f);
        // A route without a line in the table fails here.
        for r in table() {
            assert!(
                cases.iter().any(|c| c.method == r.method && c.pattern == r.path),
                "route {} {} has no entry in the access table",
                r.method, r.path
            );
        }
        for c in &cases {
            assert!(table().iter().any(|r| r.method == c.method && r.path == c.pattern), "stale table entry {} {}", c.method, c.pattern);
        }
        // Reads share one fixture; each state-changing route gets a fresh one,
        // tried by everyone in turn.
        let mut failures = Vec::new();
        let (api_requests, checked_before) = (cases.iter().filter(|c| c.uri.starts_with("/api/")).count() * PEOPLE.len(), openapi::checked());
        for c in cases {
            let fx = if c.method == Method::GET { None } else {
                let db = TestDb::new(f.store.backend()).await.unwrap();
                Some(fixture(db, false).await)
            };
            let fx = fx.as_ref().unwrap_or(&f);
            for (person, expected) in PEOPLE.iter().zip(c.expect) {
                let r = fx.request(person, c.method.clone(), &c.uri, &c.body).await;
                let got = outcome(&r);
                if got != expected {
                    failures.push(format!("{} {} as {person}: expected {expected:?}, got {got:?} ({} {})", c.method, c.uri, r.status, r.body.chars().take(160).collect::<String>()));
                }
            }
        }
        assert!(failures.is_empty(), "{} access mismatches:\n{}", failures.len(), failures.join("\n"));
        // Every answer of an API route was held to the OpenAPI document.
        assert!(openapi::checked() - checked_before >= api_requests, "{api_requests} API answers, {} checked", openapi::checked() - checked_before);
    };

    drafts_stay_inside_their_group => |db: TestDb| async move {
        let f = fixture(db, false).await;
        for uri in ["/specs/other-draft", "/specs/other-draft/versions/1", "/specs/other-draft/controls/X-VM-01", "/specs/other-draft/diff",
                    "/api/v1/specs/other-draft", "/api/v1/specs/other-draft/versions/1", "/api/v1/specs/other-draft/versions/1/source",
                    "/api/v1/specs/other-draft/controls/X-VM-01", "/api/v1/specs/other-draft/diff"] {
            for person in ["anon", "chair", "editor"] {
                let r = f.request(person, Method::GET, uri, "").await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{person} reads {uri}");
                assert!(!r.body.contains("sign releases"), "draft text leaked to {person} at {uri}");
            }
            assert_eq!(f.request("outsider", Method::GET, uri, "").await.status, StatusCode::OK, "outsider is a member of `other`: {uri}");
            assert_eq!(f.request("admin", Method::GET, uri, "").await.status, StatusCode::OK, "admin: {uri}");
        }
        // Lists and search do not show drafts to outsiders either.
        for (uri, needle) in [("/api/v1/specs", "other-draft"), ("/api/v1/search?q=releases", "other-draft"), ("/specs", "other-draft"), ("/api/v1/catalogs/cra/items/T:1", "other-draft"), ("/api/v1/groups/other", "other-draft")] {
            assert!(!f.request("chair", Method::GET, uri, "").await.body.contains(needle), "{uri} shows another group's draft");
            assert!(f.request("outsider", Method::GET, uri, "").await.body.contains(needle), "{uri} hides the draft from its own group");
        }
    };

    forged_requests_are_refused => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let cookie = format!("charta_csrf={CSRF}; charta_session={}", f.sessions["chair"]);
        let form = |body: &str, origin: Option<&str>, cookie: &str| {
            let mut b = Request::post("/account/tokens").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").header(header::COOKIE, cookie.to_string());
            if let Some(o) = origin { b = b.header(header::ORIGIN, o); }
            b.body(Body::from(body.to_string())).unwrap()
        };
        let ok = format!("_csrf={CSRF}&name=x&scopes=read&days=1");
        assert_eq!(f.send(form(&ok, Some(ORIGIN), &cookie)).await.status, StatusCode::OK);
        assert_eq!(f.send(form("name=x&scopes=read&days=1", Some(ORIGIN), &cookie)).await.status, StatusCode::FORBIDDEN, "no token");
        assert_eq!(f.send(form(&ok.replace(CSRF, "wrong-token-wrong-token-wrong-token-xx"), Some(ORIGIN), &cookie)).await.status, StatusCode::FORBIDDEN, "wrong token");
        assert_eq!(f.send(form(&ok, Some("https://evil.example"), &cookie)).await.status, StatusCode::FORBIDDEN, "foreign origin");
        let no_csrf_cookie = format!("charta_session={}", f.sessions["chair"]);
        assert_eq!(f.send(form(&ok, Some(ORIGIN), &no_csrf_cookie)).await.status, StatusCode::FORBIDDEN, "no CSRF cookie");

        // A cookie-authenticated API call must show where it comes from.
        let api = |origin: Option<&str>| {
            let mut b = Request::post("/api/v1/tokens").header(header::CONTENT_TYPE, "application/json").header(header::COOKIE, cookie.clone());
            if let Some(o) = origin { b = b.header(header::ORIGIN, o); }
            b.body(Body::from(r#"{"name":"x","scopes":["read"],"days":1}"#)).unwrap()
        };
        assert_eq!(f.send(api(None)).await.status, StatusCode::FORBIDDEN);
        assert_eq!(f.send(api(Some("https://evil.example"))).await.status, StatusCode::FORBIDDEN);
        assert_eq!(f.send(api(Some(ORIGIN))).await.status, StatusCode::CREATED);

        // Every page with a form sets a CSRF cookie for browsers without one.
        let r = f.send(Request::get("/").body(Body::empty()).unwrap()).await;
        let c = r.set_cookies.iter().find(|c| c.starts_with("charta_csrf=")).expect("csrf cookie");
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict"), "{c}");
    };

    api_tokens_work_within_their_scopes => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let bearer = |token: &str, method: Method, uri: &str, body: &str| {
            Request::builder().method(method).uri(uri).header(header::AUTHORIZATION, format!("Bearer {token}")).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())).unwrap()
        };
        // A session creates a token; the secret is shown once.
        let r = f.request("rep", Method::POST, "/api/v1/tokens", r#"{"name":"vote bot","scopes":["vote"],"days":30}"#).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let vote_token = v["token"].as_str().unwrap().to_string();
        assert!(vote_token.starts_with("charta_"));
        let listed = f.request("rep", Method::GET, "/api/v1/tokens", "").await.body;
        assert!(listed.contains("vote bot") && !listed.contains(&vote_token), "secret never listed");

        // The read token reads the group's draft; the vote token may not.
        let read = f.send(bearer(&f.rep_token, Method::GET, "/api/v1/specs/wg-draft", "")).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(f.send(bearer(&vote_token, Method::GET, "/api/v1/specs/wg-draft", "")).await.status, StatusCode::NOT_FOUND);
        assert!(f.send(bearer(&f.rep_token, Method::GET, "/api/v1/me", "")).await.body.contains("\"credential\":\"token\""));
        // Tokens cannot mint tokens, whatever their scopes.
        let r = f.send(bearer(&f.rep_token, Method::POST, "/api/v1/tokens", r#"{"name":"x","scopes":["read"],"days":1}"#)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        // Bad requests are explained.
        let r = f.request("rep", Method::POST, "/api/v1/tokens", r#"{"name":"x","scopes":["root"],"days":1}"#).await;
        assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("Unknown scope"), "{}", r.body);
        let r = f.request("rep", Method::POST, "/api/v1/tokens", r#"{"name":"x","scopes":["read"],"days":4000}"#).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);

        // Revoked tokens stop working at once.
        let id = v["id"].as_i64().unwrap();
        assert_eq!(f.send(bearer(&f.rep_token, Method::DELETE, &format!("/api/v1/tokens/{id}"), "")).await.status, StatusCode::NO_CONTENT);
        let r = f.send(bearer(&vote_token, Method::GET, "/api/v1/me", "")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("expired or revoked"), "{}", r.body);

        // Guessing is rate-limited per address.
        let mut last = StatusCode::OK;
        for i in 0..25 {
            last = f.send(bearer(&format!("charta_guess{i}"), Method::GET, "/api/v1/me", "")).await.status;
        }
        assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
        // Tokens work on the API only, never on pages or their forms.
        let r = f.send(bearer(&f.rep_token, Method::GET, "/my-work", "")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert!(r.body.contains("/api/v1 only"), "{}", r.body);
        let r = f.send(bearer(&f.rep_token, Method::POST, "/specs/demo/amendments/1/threads", "control=X-VM-01&body=hi")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        // The limit slows guessing down; it never refuses a valid token
        // from the same address.
        assert_eq!(f.send(bearer(&f.rep_token, Method::GET, "/api/v1/me", "")).await.status, StatusCode::OK);
        let r = f.send(Request::get("/api/v1/me").header(header::AUTHORIZATION, "Basic abc").body(Body::empty()).unwrap()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    };

    sign_out_ends_the_session => |db: TestDb| async move {
        let f = fixture(db, false).await;
        assert_eq!(f.request("editor", Method::GET, "/api/v1/me", "").await.status, StatusCode::OK);
        let r = f.request("editor", Method::POST, "/auth/logout", "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.set_cookies.iter().any(|c| c.starts_with("charta_session=;") && c.contains("Max-Age=0")), "{:?}", r.set_cookies);
        assert_eq!(f.request("editor", Method::GET, "/api/v1/me", "").await.status, StatusCode::UNAUTHORIZED, "the old cookie is dead");
        let entries = f.store.audit_entries(0, 100).await.unwrap();
        assert!(entries.iter().any(|e| e.action == "auth.sign_out"));
    };

    invitations_grant_roles_and_are_audited => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let r = f.request("chair", Method::POST, "/groups/wg/invitations", "email=newbie%40example.org&role=representative&organization=aurora").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let link = r.body.split("/invitations/").nth(1).and_then(|s| s.split('<').next()).expect("invitation link shown");
        let token = link.to_string();
        let r = f.request("chair", Method::POST, "/groups/wg/invitations", "email=newbie%40example.org&role=representative").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "a representative needs an organisation");
        let newbie = f.store.upsert_user("https://idp.test", "newbie", "newbie@example.org", "Newbie").await.unwrap();
        let cookie = "session-of-newbie";
        f.store.create_session(NewSession { id_hash: &secret::hash(cookie), user_id: newbie.id, lifetime: time::Duration::hours(1), mfa: false, amr: "pwd", acr: "" }).await.unwrap();
        let accept = || Request::post(format!("/invitations/{token}/accept")).header(header::COOKIE, format!("charta_csrf={CSRF}; charta_session={cookie}")).header(header::ORIGIN, ORIGIN).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(format!("_csrf={CSRF}"))).unwrap();
        // The provider has not verified the address: the link alone does
        // not give anyone a role.
        let r = f.send(accept()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains("verified"), "{}", r.body);
        f.store.set_email_verified(newbie.id, true).await.unwrap();
        let r = f.send(accept()).await;
        // Aurora already has a voting representative: the invitation cannot
        // make a second one, and nothing is half-written.
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert!(f.store.memberships_of(newbie.id).await.unwrap().is_empty());
        let actions: Vec<String> = f.store.audit_entries(0, 100).await.unwrap().into_iter().map(|e| e.action).collect();
        assert!(actions.contains(&"role.invite".to_string()), "{actions:?}");
        assert_eq!(f.store.verify_audit().await.unwrap().unwrap(), actions.len());
    };

    demo_sign_in_only_in_demo_mode => |db: TestDb| async move {
        let f = fixture(db, true).await;
        let r = f.request("anon", Method::GET, "/auth/login", "").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Carmen") && r.body.contains("name=\"person\""), "demo people listed");
        // The demo people exist once seeded.
        charta_web::auth::demo::seed_people(&f.store, "wg").await.unwrap_err();
        let r = f.request("anon", Method::POST, "/auth/demo", "person=chair&return_to=%2Fspecs").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location, "/specs");
        let session = r.set_cookies.iter().find(|c| c.starts_with("charta_session=")).expect("session cookie");
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax") && !session.contains("Secure"), "{session}");
        let value = session.trim_start_matches("charta_session=").split(';').next().unwrap();
        let me = f.send(Request::get("/api/v1/me").header(header::COOKIE, format!("charta_session={value}")).body(Body::empty()).unwrap()).await;
        assert!(me.body.contains("Carmen"), "{}", me.body);
        let r = f.request("anon", Method::POST, "/auth/demo", "person=nobody").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        let r = f.request("anon", Method::POST, "/auth/demo", "person=chair&return_to=https%3A%2F%2Fevil.example").await;
        assert_eq!(r.location, "/my-work", "no open redirect: lands on my work");
    };
}
