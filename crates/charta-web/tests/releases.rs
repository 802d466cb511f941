//! Releases through the real router, on both databases: publishing after a
//! passed ballot, artefacts at permanent addresses with strong ETags and
//! immutable caching, signatures that verify, reproducible bytes, feeds,
//! superseding, and that nothing can change a published release.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use charta_store::testing::TestDb;
use charta_store::{Backend, both_backends};
use std::collections::BTreeMap;

mod support;
use support::*;

const FILES: [&str; 15] = [
    "annex-za.csv",
    "annex-za.html",
    "annex-za.odt",
    "audit-checkpoint.json",
    "catalog.gemara.yaml",
    "catalog.oscal.json",
    "crosswalk.csv",
    "manifest.json",
    "manifest.sig",
    "mapping.oscal.json",
    "notes.md",
    "profile-level-1.oscal.json",
    "profile-level-2.oscal.json",
    "profile-level-3.oscal.json",
    "release.json",
];

/// Validates a document against NIST's OSCAL 1.2.3 JSON schema, the copy
/// the release crate's tests keep.
fn assert_valid_oscal(doc: &serde_json::Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../charta-release/tests/oscal/oscal_complete_schema.json");
    let schema: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    assert!(validator.is_valid(doc), "not valid OSCAL 1.2.3");
}

/// GET without cookies, as a consumer's tool would, returning status,
/// headers and raw bytes.
async fn fetch(
    f: &Fixture,
    uri: &str,
    if_none_match: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut b = Request::get(uri);
    if let Some(tag) = if_none_match {
        b = b.header(header::IF_NONE_MATCH, tag);
    }
    let resp = support::openapi::call(f.router.clone(), b.body(Body::empty()).unwrap()).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().to_vec();
    (status, headers, bytes)
}

async fn bundle(f: &Fixture, name: &str) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for file in FILES {
        let (status, _, bytes) = fetch(f, &format!("/releases/demo/{name}/{file}"), None).await;
        assert_eq!(status, StatusCode::OK, "{file}");
        files.insert(file.to_string(), bytes);
    }
    files
}

both_backends! {
    files_consumers_fetch_set_no_cookie => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // Caches and CDNs keep responses without cookies: release files,
        // feeds, the public key and the checkpoint never set one.
        for path in [
            "/releases/demo/1.0.0/manifest.json",
            "/feeds/specs/demo.atom",
            "/.well-known/charta/audit-checkpoint",
        ] {
            let r = f.request("anon", Method::GET, path, "").await;
            assert!(r.set_cookies.is_empty(), "{path} set {:?}", r.set_cookies);
        }
        // The release page carries the supersede form, so it hands out the
        // CSRF cookie a form needs.
        let r = f.request("anon", Method::GET, "/releases/demo/1.0.0/", "").await;
        assert_eq!(r.status, StatusCode::OK);
        // A first visit, without the cookie the test browser holds.
        let req = axum::http::Request::builder()
            .uri("/releases/demo/1.0.0/")
            .header(axum::http::header::HOST, "127.0.0.1:8080")
            .body(axum::body::Body::empty())
            .unwrap();
        let r = f.send(req).await;
        assert!(r.set_cookies.iter().any(|c| c.starts_with("charta_csrf=")), "{:?}", r.set_cookies);
    };

    published_artefacts_are_signed_immutable_and_reproducible => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // Every artefact: strong ETag, immutable caching, 304 on revalidation.
        for file in FILES {
            let uri = format!("/releases/demo/1.0.0/{file}");
            let (status, headers, bytes) = fetch(&f, &uri, None).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert!(!bytes.is_empty());
            let etag = headers[header::ETAG].to_str().unwrap().to_string();
            assert!(etag.starts_with("\"sha256-") && !etag.starts_with("W/"), "strong tag: {etag}");
            assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
            let (status, headers, body) = fetch(&f, &uri, Some(&etag)).await;
            assert_eq!(status, StatusCode::NOT_MODIFIED);
            assert!(body.is_empty());
            assert_eq!(headers[header::ETAG].to_str().unwrap(), etag);
            // Answered from the cache before the other layers, with the
            // same headers as every response.
            assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
            assert!(headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().starts_with("default-src 'none'"));
            assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            // No request id: no layer of the router saw it.
            assert!(!headers.contains_key("x-request-id"), "{uri}: the 304 went through the router");
            let (status, headers, again) = fetch(&f, &uri, None).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(again, bytes);
            assert_eq!(headers[header::ETAG].to_str().unwrap(), etag);
            assert!(headers.contains_key(header::CONTENT_TYPE) && headers.contains_key(header::CONTENT_SECURITY_POLICY));
            // A host Charta does not answer for is refused, cached or not.
            let req = Request::get(&uri)
                .header(header::HOST, "evil.example")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap();
            let resp = support::openapi::call(f.router.clone(), req).await;
            assert_eq!(resp.status(), StatusCode::MISDIRECTED_REQUEST, "{uri}");
        }
        // Names that need percent-decoding, HEAD and other paths under a
        // release take the full stack.
        let (status, headers, _) = fetch(&f, "/releases/demo/1.0.0/manifest%2Ejson", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.contains_key("x-request-id"), "the full stack sets a request id");
        let (status, _, _) = fetch(&f, "/releases/demo/1.0.0/no-such-file.json", None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, headers, _) = fetch(&f, "/releases/demo/1.0.0/crosswalk.csv", None).await;
        assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");

        // The bundle verifies against the served public key, and not against another.
        let files = bundle(&f, "1.0.0").await;
        let (status, _, key_doc) = fetch(&f, "/.well-known/charta/release-key", None).await;
        assert_eq!(status, StatusCode::OK);
        let key = charta_release::parse_public_key(&key_doc).unwrap();
        assert_eq!(key, release_key().verifying_key());
        let manifest = charta_release::verify_bundle(&files, &key).unwrap();
        assert_eq!(manifest.artefacts.len(), FILES.len() - 2);

        // It carries a checkpoint of the audit log made just before it was
        // published: signed with the release key, pinning an entry that
        // still has that hash, older than the publication's own entry.
        let pinned = manifest.audit_checkpoint.clone().expect("the manifest names its checkpoint");
        let checkpoint = charta_release::checkpoint::verify_checkpoint(&files["audit-checkpoint.json"], &key).unwrap();
        assert_eq!((checkpoint.seq, &checkpoint.hash), (pinned.seq, &pinned.hash));
        let entries = f.store.audit_entries(0, 10_000).await.unwrap();
        let entry = entries.iter().find(|e| e.seq == pinned.seq).expect("the pinned entry exists");
        assert_eq!(entry.hash, pinned.hash);
        let published = entries.iter().find(|e| e.action == "release.publish" && e.object == "release:demo/1.0.0").unwrap();
        assert!(pinned.seq < published.seq, "pinned before publication");
        let details: serde_json::Value = serde_json::from_str(&published.details).unwrap();
        assert_eq!(details["audit_checkpoint"], pinned.seq);
        let other = charta_release::SigningKey::from_bytes(&[9u8; 32]).verifying_key();
        assert!(charta_release::verify_bundle(&files, &other).is_err());

        // Built again from the stored data, the release is byte-identical.
        let state = charta_web::AppState::with_release_key(f.store.clone(), std::sync::Arc::new(catalogs()), charta_web::WebConfig::default(), Some(release_key()));
        let spec = f.store.spec("demo").await.unwrap();
        let row = f.store.release(spec.id, "1.0.0").await.unwrap();
        let rebuilt = charta_app::release::rebuild(&state, &row).await.unwrap();
        assert_eq!(rebuilt, files, "same stored data, same bytes");

        // The page: anchors per control, artefacts, the caveat, the ballot.
        let page = f.request("anon", Method::GET, "/releases/demo/1.0.0/", "").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"X-VM-01\""), "stable anchor per control");
        assert!(page.body.contains("href=\"catalog.oscal.json\""));
        assert!(page.body.contains("not a claim of compliance"));
        assert!(page.body.contains("approved by <a href=\"/ballots/"));
        assert!(page.body.contains("/releases/demo/1.0.0/audit-checkpoint.json\">checkpoint of the audit log</a> at entry"), "{}", page.body);
        assert_eq!(f.request("anon", Method::GET, "/releases/demo/1.0.0", "").await.location, "/releases/demo/1.0.0/");

        // The API lists it with absolute artefact URLs; unknown things are 404.
        let list: serde_json::Value = serde_json::from_str(&f.request("anon", Method::GET, "/api/v1/specs/demo/releases", "").await.body).unwrap();
        assert_eq!(list[0]["name"], "1.0.0");
        assert_eq!(list[0]["artefacts"]["manifest.sig"], "http://127.0.0.1:8080/releases/demo/1.0.0/manifest.sig");
        assert_eq!(fetch(&f, "/releases/demo/9.9.9/release.json", None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(fetch(&f, "/releases/demo/1.0.0/secrets.txt", None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(fetch(&f, "/releases/other-draft/1.0.0/release.json", None).await.0, StatusCode::NOT_FOUND);

        // Feeds announce it, per group, per specification and per clause.
        for uri in ["/feeds/groups/wg.atom", "/feeds/specs/demo.atom", "/feeds/clauses/T:1.atom"] {
            let (status, headers, body) = fetch(&f, uri, None).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert_eq!(headers[header::CONTENT_TYPE], "application/atom+xml; charset=utf-8");
            let body = String::from_utf8(body).unwrap();
            assert!(body.contains("<entry>") && body.contains("/releases/demo/1.0.0/"), "{uri}: {body}");
        }
        assert_eq!(fetch(&f, "/feeds/clauses/NOPE:1.atom", None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(fetch(&f, "/feeds/specs/demo.rss", None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(fetch(&f, "/feeds/specs/other-draft.atom", None).await.0, StatusCode::NOT_FOUND, "drafts have no public feed");
    };

    mapping_targets_resolve_in_the_served_reference_catalogs => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let (_, _, bytes) = fetch(&f, "/releases/demo/1.0.0/mapping.oscal.json", None).await;
        let m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let m = &m["mapping-collection"];
        let resources = m["back-matter"]["resources"].as_array().unwrap();
        let mut resolved = 0;
        for mapping in m["mappings"].as_array().unwrap() {
            let href = mapping["target-resource"]["href"].as_str().unwrap();
            let resource = resources.iter().find(|r| format!("#{}", r["uuid"].as_str().unwrap()) == href).unwrap();
            let url = resource["rlinks"][0]["href"].as_str().unwrap();
            let path = url.strip_prefix("http://127.0.0.1:8080").expect("a catalog on this instance");
            let (status, headers, body) = fetch(&f, path, None).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(headers[header::CONTENT_TYPE], "application/json");
            let etag = headers[header::ETAG].to_str().unwrap().to_string();
            assert_eq!(fetch(&f, path, Some(&etag)).await.0, StatusCode::NOT_MODIFIED);
            let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_valid_oscal(&doc);
            let mut ids = Vec::new();
            let mut stack: Vec<&serde_json::Value> = doc["catalog"]["groups"].as_array().unwrap().iter().collect();
            while let Some(v) = stack.pop() {
                for c in v["controls"].as_array().into_iter().flatten() {
                    ids.push(c["id"].as_str().unwrap().to_string());
                    stack.push(c);
                }
            }
            for map in mapping["maps"].as_array().unwrap() {
                let target = map["targets"][0]["id-ref"].as_str().unwrap();
                assert!(ids.iter().any(|i| i == target), "{target} is not in {path}");
                resolved += 1;
            }
        }
        assert!(resolved > 0);
        assert_eq!(fetch(&f, "/catalogs/nope/catalog.oscal.json", None).await.0, StatusCode::NOT_FOUND);
    };

    publishing_needs_a_passed_ballot_and_a_forward_name => |db: TestDb| async move {
        let f = fixture(db, false).await;
        // Version 2 exists after merging amendment 1; no ballot on it yet.
        assert_eq!(f.request("chair", Method::POST, "/specs/demo/amendments/1/merge", "").await.status, StatusCode::SEE_OTHER);
        let r = f.request("chair", Method::POST, "/specs/demo/releases", "version=2&name=1.1.0").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("needs a passed release ballot"), "{}", r.body);
        let r = f.request("chair-nomfa", Method::POST, "/specs/demo/releases", "version=2&name=1.1.0").await;
        assert!(r.location.starts_with("/auth/login?step_up=1"), "publishing needs MFA: {}", r.location);
        // A release ballot on version 2 passes.
        let r = f.request("chair", Method::POST, "/specs/demo/ballots", "version=2&days=1").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let ballot = r.location.clone();
        assert_eq!(f.request("rep", Method::POST, &format!("{ballot}/votes"), "position=approve").await.status, StatusCode::SEE_OTHER);
        assert_eq!(f.request("chair", Method::POST, &format!("{ballot}/close"), "").await.status, StatusCode::SEE_OTHER);
        // Names follow the scheme and move forward.
        for (name, why) in [("v1.1", "MAJOR.MINOR.PATCH"), ("1.0.0", "move forward"), ("0.9.0", "move forward"), ("", "MAJOR.MINOR.PATCH")] {
            let r = f.request("chair", Method::POST, "/specs/demo/releases", &format!("version=2&name={name}")).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert!(r.body.contains(why), "{name}: {}", r.body);
            // The confirmation page refuses it the same way: the releases
            // page again, the name kept and the problem next to it.
            let r = f.request("chair", Method::GET, &format!("/specs/demo/releases/confirm?version=2&name={name}"), "").await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert!(r.body.contains(&format!("id=\"name\" name=\"name\" required placeholder=\"1.2.0\" value=\"{name}\" aria-invalid=\"true\"")), "{name}: {}", r.body);
            assert!(r.body.contains("<p class=\"field-error\" id=\"name-error\">") && r.body.contains(why), "{name}: {}", r.body);
            assert!(r.body.contains("<header class=\"site\">") && r.body.contains("<h1>Releases</h1>"), "inside the normal page");
        }
        let r = f.request("chair", Method::POST, "/specs/demo/releases", "version=abc&name=1.1.0").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("value=\"1.1.0\""), "the name is kept");
        // The confirmation page says what will happen and publishes nothing.
        let r = f.request("chair", Method::GET, "/specs/demo/releases/confirm?version=2&name=1.1.0", "").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Publishing freezes version 2 of") && r.body.contains("signs their manifest") && r.body.contains("never changes"), "{}", r.body);
        assert!(r.body.contains("action=\"/specs/demo/releases\"") && r.body.contains("class=\"danger\"") && r.body.contains("name=\"_csrf\""), "{}", r.body);
        assert_eq!(f.request("anon", Method::GET, "/releases/demo/1.1.0/", "").await.status, StatusCode::NOT_FOUND, "nothing published yet");
        let r = f.request("chair-nomfa", Method::GET, "/specs/demo/releases/confirm?version=2&name=1.1.0", "").await;
        assert!(r.location.starts_with("/auth/login?step_up=1"), "the confirmation asks for MFA like publishing: {}", r.location);
        let r = f.request("chair", Method::POST, "/specs/demo/releases", "version=2&name=1.1.0").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location, "/releases/demo/1.1.0/");
        // The notes describe the change since 1.0.0 and link the amendment.
        let page = f.request("anon", Method::GET, "/releases/demo/1.1.0/", "").await.body;
        assert!(page.contains("Changes since 1.0.0") && page.contains("#1 Clarify"), "{page}");
        let notes = String::from_utf8(fetch(&f, "/releases/demo/1.1.0/notes.md", None).await.2).unwrap();
        assert!(notes.contains("1.0.0"), "{notes}");
        // Both show the changed wording as a redline, by the review pages'
        // engine: the page as HTML, the notes in Markdown.
        let redline = &page[page.find("<h3>Wording changes</h3>").expect("a wording section")..];
        assert!(redline.contains("id=\"wording-X-VM-01\"") && redline.contains("<ins>"), "{redline}");
        assert!(notes.contains("## Wording changes") && notes.contains("- Statement: Projects MUST "), "{notes}");
        assert!(notes.contains("<ins>"), "{notes}");
        // A draft specification cannot be released.
        let r = f.request("chair", Method::POST, "/specs/wg-draft/releases", "version=1&name=1.0.0").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains("draft"), "{}", r.body);
        // The audit log records each publication.
        let entries = f.store.audit_entries_for("release:demo/1.1.0").await.unwrap();
        assert_eq!(entries.iter().filter(|e| e.action == "release.publish").count(), 1);
    };

    nothing_changes_a_published_release => |db: TestDb| async move {
        let f = fixture(db, false).await;
        let before = bundle(&f, "1.0.0").await;
        // Every mutating method on every address of the release is refused.
        let mut addresses: Vec<String> = FILES.iter().map(|n| format!("/releases/demo/1.0.0/{n}")).collect();
        addresses.push("/releases/demo/1.0.0/".into());
        addresses.push("/releases/demo/1.0.0".into());
        for uri in &addresses {
            for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
                let r = f.request("chair", method.clone(), uri, "").await;
                assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {uri}: {}", r.body);
            }
        }
        // Every state-changing route of the router that names a release, or
        // could write one, refuses to change it.
        for r in charta_web::routes::table() {
            if r.method == Method::GET || !(r.path.starts_with("/releases/") || r.path.contains("/releases")) {
                continue;
            }
            // Publishing the same name or version again is refused; superseding
            // only marks the release (checked below: the bytes stay).
            let (uri, body, allowed): (&str, &str, &[StatusCode]) = match r.path {
                "/specs/{spec}/releases" => ("/specs/demo/releases", "version=1&name=1.0.0", &[StatusCode::UNPROCESSABLE_ENTITY, StatusCode::CONFLICT]),
                "/releases/{spec}/{version}/supersede" => ("/releases/demo/1.0.0/supersede", "reason=Replaced", &[StatusCode::SEE_OTHER]),
                "/api/v1/specs/{spec}/releases" => ("/api/v1/specs/demo/releases", r#"{"version":1,"name":"1.0.0"}"#, &[StatusCode::BAD_REQUEST, StatusCode::CONFLICT]),
                // The page marked it superseded already: once only.
                "/api/v1/specs/{spec}/releases/{name}/supersede" => ("/api/v1/specs/demo/releases/1.0.0/supersede", r#"{"reason":"Replaced"}"#, &[StatusCode::CONFLICT]),
                other => panic!("a new route that can change releases needs a line here: {} {other}", r.method),
            };
            let resp = f.request("chair", r.method.clone(), uri, body).await;
            assert!(allowed.contains(&resp.status), "{uri}: {} {}", resp.status, resp.body);
        }
        // Publishing the same name or version again is refused.
        let r = f.request("chair", Method::POST, "/specs/demo/releases", "version=1&name=1.0.1").await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        // Superseding marks it once, and the bytes stay served.
        let r = f.request("chair", Method::POST, "/releases/demo/1.0.0/supersede", "reason=Again").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "superseded once only");
        let page = f.request("anon", Method::GET, "/releases/demo/1.0.0/", "").await.body;
        assert!(page.contains("Superseded:") && page.contains("Replaced"), "{page}");
        // The bytes served afterwards are the same.
        let after = bundle(&f, "1.0.0").await;
        assert_eq!(before, after);
        // The database itself refuses changes.
        let refused = match f.store.backend() {
            Backend::Sqlite => {
                use sqlx::Connection;
                let mut c = sqlx::SqliteConnection::connect(&f._db.url).await.unwrap();
                let a = sqlx::query("UPDATE release_files SET content = x'00'").execute(&mut c).await.is_err();
                let b = sqlx::query("DELETE FROM release_files").execute(&mut c).await.is_err();
                let d = sqlx::query("UPDATE releases SET name = '6.6.6'").execute(&mut c).await.is_err();
                let e = sqlx::query("DELETE FROM releases").execute(&mut c).await.is_err();
                let g = sqlx::query("UPDATE releases SET audit_checkpoint_seq = NULL").execute(&mut c).await.is_err();
                a && b && d && e && g
            }
            Backend::Postgres => {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(&f._db.url).await.unwrap();
                let a = sqlx::query("UPDATE release_files SET content = '\\x00'").execute(&mut c).await.is_err();
                let b = sqlx::query("DELETE FROM release_files").execute(&mut c).await.is_err();
                let d = sqlx::query("UPDATE releases SET name = '6.6.6'").execute(&mut c).await.is_err();
                let e = sqlx::query("DELETE FROM releases").execute(&mut c).await.is_err();
                let g = sqlx::query("UPDATE releases SET audit_checkpoint_seq = NULL").execute(&mut c).await.is_err();
                a && b && d && e && g
            }
        };
        assert!(refused, "triggers refuse every change to a published release");
        assert_eq!(bundle(&f, "1.0.0").await, before);
    };
}
