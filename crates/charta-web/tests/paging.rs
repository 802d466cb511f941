//! Every API list comes a page at a time, through the real router on both
//! databases: following `Link: rel="next"` with small pages visits each item
//! exactly once and in the order of one large page, bad limits and cursors
//! are refused with `400` and a message, and the OpenAPI document describes
//! the parameters and the header.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use charta_store::both_backends;
use charta_store::testing::TestDb;
use serde_json::Value;

mod support;
use support::*;

/// One GET as `person`: the status, the next page's path (from `Link`)
/// and the body.
async fn page(f: &Fixture, person: &str, uri: &str) -> (StatusCode, Option<String>, Value) {
    let mut b = Request::get(uri).header(header::HOST, "127.0.0.1:8080");
    if let Some(s) = f.sessions.get(person) {
        b = b.header(header::COOKIE, format!("charta_session={s}"));
    }
    let resp = support::openapi::call(f.router.clone(), b.body(Body::empty()).unwrap()).await;
    let status = resp.status();
    let next = resp.headers().get(header::LINK).map(|v| {
        let v = v.to_str().unwrap();
        let url = v
            .strip_prefix('<')
            .unwrap()
            .split_once(">; rel=\"next\"")
            .unwrap()
            .0;
        url.strip_prefix(ORIGIN)
            .expect("an address under the public URL")
            .to_string()
    });
    let bytes = resp.into_body();
    (
        status,
        next,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Follows `Link` from `first` to the end; returns every item and the
/// number of pages.
async fn walk(f: &Fixture, person: &str, first: &str) -> (Vec<Value>, usize) {
    let (mut items, mut pages, mut uri) = (Vec::new(), 0, Some(first.to_string()));
    while let Some(u) = uri {
        let (status, next, body) = page(f, person, &u).await;
        assert_eq!(status, StatusCode::OK, "{u}: {body}");
        items.extend(
            body.as_array()
                .unwrap_or_else(|| panic!("{u}: {body}"))
                .iter()
                .cloned(),
        );
        pages += 1;
        assert!(pages < 100, "{u} never ends");
        uri = next;
    }
    (items, pages)
}

/// The numbers in links to `prefix{number}` on a list page, in order, once
/// each (a row may link its item twice).
fn linked(body: &str, prefix: &str) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    for part in body.split(&format!("href=\"{prefix}")).skip(1) {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse()
            && part[digits.len()..].starts_with('"')
            && out.last() != Some(&n)
        {
            out.push(n);
        }
    }
    out
}

fn with(path: &str, query: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}{query}")
}

both_backends! {
    a_specification_lists_its_newest_versions_and_pages_the_rest => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let cats = catalogs();
        for i in 0..55 {
            let meta = charta_store::ImportMeta { message: "m", created_by: "test", draft: false };
            charta_store::import_spec(&f.store, &cats, &spec("demo", "wg", &format!("publish policy number {i}")), meta).await.unwrap();
        }
        let r = f.request("anon", Method::GET, "/api/v1/specs/demo", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let detail: Value = serde_json::from_str(&r.body).unwrap();
        let listed = detail["versions"].as_array().unwrap();
        assert_eq!(listed.len(), 50, "the newest 50");
        assert_eq!(detail["versions_complete"], false);
        let (walked, _) = walk(&f, "anon", "/api/v1/specs/demo/versions?limit=200").await;
        assert!(walked.len() > 50, "{}", walked.len());
        assert_eq!(&walked[..50], &listed[..], "the same newest versions, in the same order");
    };

    small_pages_visit_every_item_once => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let ballot = f.ballot_id;
        let lists = [
            ("admin", "/api/v1/groups".to_string()),
            ("admin", "/api/v1/specs".to_string()),
            ("anon", "/api/v1/specs".to_string()),
            ("admin", "/api/v1/specs/demo/versions".to_string()),
            ("admin", "/api/v1/specs/demo/amendments".to_string()),
            ("admin", "/api/v1/specs/demo/ballots".to_string()),
            ("admin", "/api/v1/specs/demo/releases".to_string()),
            ("admin", "/api/v1/catalogs".to_string()),
            ("rep", "/api/v1/tokens".to_string()),
            ("admin", format!("/api/v1/ballots/{ballot}/audit")),
            ("admin", "/api/v1/search?q=projects".to_string()),
        ];
        for (person, path) in &lists {
            let (status, next, whole) = page(&f, person, &with(path, "limit=200")).await;
            assert_eq!(status, StatusCode::OK, "{path}: {whole}");
            assert_eq!(next, None, "{path} fits on one page of 200");
            let whole = whole.as_array().unwrap().clone();
            let (walked, pages) = walk(&f, person, &with(path, "limit=1")).await;
            assert_eq!(walked, whole, "{path} as {person}, a page of one at a time");
            assert!(pages >= whole.len(), "{path}: {pages} pages for {} items", whole.len());
            // Without a limit, the default page holds all of these short lists.
            let (_, next, default) = page(&f, person, path).await;
            assert_eq!((next, default.as_array().unwrap().len()), (None, whole.len()), "{path}");
        }
        // Lists with more than one item really were split.
        for (person, path) in [("admin", "/api/v1/groups"), ("admin", "/api/v1/specs"), ("admin", "/api/v1/specs/demo/amendments"), ("admin", "/api/v1/search?q=projects")] {
            let (walked, pages) = walk(&f, person, &with(path, "limit=1")).await;
            assert!(walked.len() >= 2 && pages >= 2, "{path}: {} items, {pages} pages", walked.len());
        }
        // Drafts stay hidden on every page.
        let (anon, _) = walk(&f, "anon", "/api/v1/specs?limit=1").await;
        assert!(anon.iter().all(|s| s["slug"] == "demo"), "{anon:?}");
    };

    html_lists_link_to_their_next_page => |db: TestDb| async move {
        let f = fixture(db, false).await;
        for (path, item) in [("/specs/demo/amendments", "/specs/demo/amendments/"), ("/specs/demo/ballots", "/ballots/")] {
            let whole = f.request("admin", Method::GET, path, "").await;
            assert_eq!(whole.status, StatusCode::OK);
            assert!(!whole.body.contains("rel=\"next\""), "{path} fits on one page");
            let all = linked(&whole.body, item);
            assert!(!all.is_empty(), "{path}");
            let (mut seen, mut uri, mut pages) = (Vec::new(), Some(format!("{path}?limit=1")), 0);
            while let Some(u) = uri {
                let r = f.request("admin", Method::GET, &u, "").await;
                assert_eq!(r.status, StatusCode::OK, "{u}: {}", r.body);
                seen.extend(linked(&r.body, item));
                uri = r.body.split_once("\" rel=\"next\"").map(|(before, _)| {
                    before.rsplit_once("href=\"").unwrap().1.replace("&amp;", "&").replace("&#38;", "&")
                });
                pages += 1;
                assert!(pages < 20, "{path} never ends: {u}");
            }
            assert_eq!(seen, all, "{path}, one item a page");
            assert_eq!(pages, all.len(), "{path}");
        }
        let r = f.request("admin", Method::GET, "/specs/demo/amendments?limit=500", "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("1 to 200"), "{}", r.body);
    };

    a_long_audit_trail_is_cut_on_the_page_and_paged_in_the_api => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let id = f.ballot_id;
        for i in 0..55 {
            let position = if i % 2 == 0 { "approve" } else { "abstain" };
            let r = f.request("rep", Method::POST, &format!("/api/v1/ballots/{id}/votes"), &format!(r#"{{"position":"{position}"}}"#)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let (walked, pages) = walk(&f, "rep", &format!("/api/v1/ballots/{id}/audit?limit=7")).await;
        assert!(walked.len() > 55, "{} entries", walked.len());
        assert_eq!(pages, walked.len().div_ceil(7), "full pages of 7");
        let seqs: Vec<i64> = walked.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "oldest first, each once: {seqs:?}");
        let page = f.request("rep", Method::GET, &format!("/ballots/{id}"), "").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Below are the newest 50"), "the page says the trail is cut");
        let shown: Vec<i64> = page.body.split("id=\"audit-").skip(1).map(|p| p.split('"').next().unwrap().parse().unwrap()).collect();
        assert_eq!(shown, seqs[seqs.len() - 50..], "the newest 50, oldest first");
    };

    bad_limits_and_cursors_are_refused => |db: TestDb| async move {
        let f = fixture(db, false).await;
        for path in ["/api/v1/groups", "/api/v1/specs", "/api/v1/specs/demo/versions", "/api/v1/catalogs", "/api/v1/search?q=x"] {
            for limit in ["0", "201", "-5", "many"] {
                let (status, next, body) = page(&f, "admin", &with(path, &format!("limit={limit}"))).await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{path} limit={limit}: {body}");
                assert_eq!(next, None);
                assert_eq!(body["error"]["code"], "bad_request", "{body}");
                assert!(body["error"]["message"].as_str().unwrap().contains("1 to 200"), "{body}");
            }
            for after in ["not-hex", "00", "6869"] {
                let (status, _, body) = page(&f, "admin", &with(path, &format!("after={after}"))).await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{path} after={after}: {body}");
                assert!(body["error"]["message"].as_str().unwrap().contains("Link header"), "{body}");
            }
        }
        // A cursor handed out by a list starts the next page of it.
        let (_, next, _) = page(&f, "admin", "/api/v1/groups?limit=1").await;
        let next = next.expect("two groups, one per page");
        assert!(next.starts_with("/api/v1/groups?limit=1&after="), "{next}");
    };
}

/// The document describes `limit`, `after` and `Link` on every list.
#[tokio::test]
async fn the_openapi_document_describes_paging() {
    let f = fixture(TestDb::sqlite().await, false).await;
    let (_, _, doc) = page(&f, "anon", "/api/v1/openapi.json").await;
    for path in [
        "/api/v1/groups",
        "/api/v1/specs",
        "/api/v1/specs/{spec}/versions",
        "/api/v1/specs/{spec}/amendments",
        "/api/v1/specs/{spec}/ballots",
        "/api/v1/specs/{spec}/releases",
        "/api/v1/catalogs",
        "/api/v1/search",
        "/api/v1/tokens",
        "/api/v1/ballots/{id}/audit",
    ] {
        let op = &doc["paths"][path]["get"];
        let names: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: {op}"))
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert!(
            names.contains(&"limit") && names.contains(&"after"),
            "{path}: {names:?}"
        );
        let limit = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap();
        assert_eq!(limit["schema"]["maximum"], 200, "{path}: {limit}");
        assert!(
            op["responses"]["200"]["headers"]["Link"].is_object(),
            "{path}"
        );
        assert!(op["responses"]["400"].is_object(), "{path}");
    }
}
