//! The coverage view of a version, through the real router on both
//! databases: the seed specification against the built-in catalogs (gaps,
//! mapped clauses, grouping, the level filter, withdrawn controls, the
//! caveat), bad input, and drafts kept inside their group.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use charta_domain::CatalogSet;
use charta_store::testing::TestDb;
use charta_store::{both_backends, import_group_text, import_spec_text};
use charta_web::{AppState, WebConfig, router};
use serde_json::Value;
use std::sync::Arc;

mod support;

const GROUP: &str = include_str!("../../../specs/groups/oss-stewards.yaml");
const SEED: [&str; 3] = [
    include_str!("../../../specs/seed/steward-baseline/v1.yaml"),
    include_str!("../../../specs/seed/steward-baseline/v2.yaml"),
    include_str!("../../../specs/seed/steward-baseline/v3.yaml"),
];
const PAGE: &str = "/specs/steward-baseline/versions/3/coverage";
const API: &str = "/api/v1/specs/steward-baseline/versions/3/coverage";

struct App {
    router: axum::Router,
    _db: TestDb,
}

struct Resp {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The table row of a catalog item on the page.
    fn row(&self, item: &str) -> &str {
        let link = format!("/items/{item}\">");
        self.body
            .split("<tr")
            .find(|r| r.contains("<a href=\"/catalogs/") && r.contains(&link))
            .unwrap_or_else(|| panic!("no row for {item}"))
    }
}

/// The seed specification's three versions, public, with the built-in
/// catalogs.
async fn app(db: TestDb) -> App {
    let cats = CatalogSet::builtin().unwrap();
    import_group_text(&db.store, GROUP, "t").await.unwrap();
    for (i, text) in SEED.iter().enumerate() {
        import_spec_text(&db.store, &cats, text, &format!("v{}", i + 1), "t")
            .await
            .unwrap();
    }
    let state = AppState::new(db.store.clone(), Arc::new(cats), WebConfig::default());
    App {
        router: router(state),
        _db: db,
    }
}

impl App {
    async fn get(&self, uri: &str) -> Resp {
        let req = Request::get(uri).body(Body::empty()).unwrap();
        let resp = support::openapi::call(self.router.clone(), req).await;
        let status = resp.status();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = resp.into_body();
        Resp {
            status,
            content_type,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn page(&self, uri: &str) -> Resp {
        let r = self.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
        assert!(
            r.content_type.starts_with("text/html"),
            "{uri}: {}",
            r.content_type
        );
        r
    }

    async fn json(&self, uri: &str) -> Value {
        let r = self.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
        r.json()
    }
}

/// Finds an item in the coverage document.
fn item<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["catalogs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["groups"].as_array().unwrap())
        .flat_map(|g| g["items"].as_array().unwrap())
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

fn control_ids(v: &Value) -> Vec<String> {
    v["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn catalog<'a>(doc: &'a Value, slug: &str) -> &'a Value {
    doc["catalogs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["catalog"] == slug)
        .unwrap_or_else(|| panic!("no catalog {slug}"))
}

fn group_ids(cat: &Value) -> Vec<&str> {
    cat["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect()
}

fn must_do_ids(doc: &Value) -> Vec<String> {
    doc["must_do"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["controls"].as_array().unwrap())
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

both_backends! {
    gaps_and_mapped_clauses_are_shown => |db: TestDb| async move {
        let app = app(db).await;
        let page = app.page(PAGE).await;
        // Every CRA part the issue names has its own table, in catalog order.
        let mut at = 0;
        for part in ["Annex I: Essential cybersecurity requirements, Part I", "Annex I: Essential cybersecurity requirements, Part II", "Article 3", "Article 13", "Article 14", "Article 15", "Article 16", "Article 24", "Article 25", "Annex II", "Annex VII"] {
            let found = page.body[at..].find(&format!("<caption>{part}")).unwrap_or_else(|| panic!("no table for {part}"));
            at += found;
        }
        // No control maps to data minimisation: a gap, and no control in its row.
        let gap = page.row("CRA:AnnexI.P1.2.g");
        assert!(gap.contains("class=\"is-gap") && gap.contains("gap-marker"), "{gap}");
        assert!(!gap.contains("/controls/"), "{gap}");
        // A mapped clause lists its controls, linked, with the relationship.
        let mapped = page.row("CRA:AnnexI.P2.5");
        assert!(mapped.contains("href=\"/specs/steward-baseline/controls/SVH-VM-01\""), "{mapped}");
        assert!(mapped.contains("subset") && !mapped.contains("gap-marker"), "{mapped}");
        assert!(mapped.contains("href=\"/catalogs/cra/items/CRA:AnnexI.P2.5\""), "{mapped}");
        // Essential requirements name the standard of the Commission's
        // standardisation request that covers them, here and on the
        // catalog's own pages; point (2) has none of its own.
        assert!(mapped.contains("standard 15 of the standardisation request"), "{mapped}");
        assert!(gap.contains("standard 8 of the standardisation request"), "{gap}");
        assert!(!page.row("CRA:AnnexI.P1.2").contains("standardisation request"));
        let clause = app.page("/catalogs/cra/items/CRA:AnnexI.P1.2.a").await;
        assert!(clause.body.contains("Standard 2 of the Commission's standardisation request"), "{}", clause.body);
        let list = app.page("/catalogs/cra").await;
        assert!(list.body.contains("point (2)(m) · standard 14 of the standardisation request"), "catalog list");
        let m = app.json("/api/v1/catalogs/cra/items/CRA:AnnexI.P1.2.m").await;
        assert_eq!(m["item"]["standardisation-request"], 14, "{m}");
        // A Baseline requirement shows the Baseline's own CRA mappings
        // beside the specification's.
        let ac = page.row("OSPS-AC-01.01");
        assert!(ac.contains("class=\"source-cra") && ac.contains("href=\"/catalogs/cra/items/CRA:AnnexI.P1.2.d\""), "{ac}");
        // The Baseline's pages mark its retired requirement and show its
        // own CRA mappings.
        let retired = app.page("/catalogs/osps-baseline/items/OSPS-BR-01.02").await;
        assert!(retired.body.contains("<strong>retired:</strong>"), "{}", retired.body);
        let control = app.page("/catalogs/osps-baseline/items/OSPS-AC-01").await;
        assert!(control.body.contains("The source maps this to CRA: 1.2d, 1.2e, 1.2f"), "{}", control.body);
        // The caveat is visible on the page and carried by the JSON.
        assert!(page.body.contains("Not a claim of compliance"), "caveat on the page");
        let doc = app.json(API).await;
        assert!(doc["caveat"].as_str().unwrap().contains("not a claim of compliance"));
        assert_eq!(doc["version"], 3);
        assert_eq!(doc["level"], Value::Null);

        // The CRA is grouped by the catalog's sections, with counts that add up.
        let cra = catalog(&doc, "cra");
        assert_eq!(group_ids(cra), ["annex-i-part-i", "annex-i-part-ii", "art-3", "art-13", "art-14", "art-15", "art-16", "art-24", "art-25", "annex-ii", "annex-vii"]);
        let mut items = 0;
        for g in cra["groups"].as_array().unwrap() {
            let rows = g["items"].as_array().unwrap();
            assert_eq!(g["covered"].as_u64().unwrap() + g["gaps"].as_u64().unwrap(), rows.len() as u64, "every CRA clause counts: {}", g["id"]);
            assert_eq!(g["gaps"].as_u64().unwrap() as usize, rows.iter().filter(|i| i["gap"] == true).count());
            items += rows.len();
        }
        assert_eq!(cra["requirements"].as_u64().unwrap() as usize, items);
        assert_eq!(cra["covered"].as_u64().unwrap() + cra["gaps"].as_u64().unwrap(), items as u64);
        assert!(cra["gaps"].as_u64().unwrap() > 0 && cra["covered"].as_u64().unwrap() > 0);
        assert_eq!(item(&doc, "CRA:AnnexI.P1.2.g")["gap"], true);
        let p25 = item(&doc, "CRA:AnnexI.P2.5");
        assert_eq!(p25["gap"], false);
        assert_eq!(control_ids(p25), ["SVH-VM-01"]);
        assert_eq!(p25["controls"][0]["relationship"], "subset");
        assert_eq!(control_ids(item(&doc, "CRA:Art24.3")), ["SVH-VM-06", "SVH-IR-01", "SVH-IR-02", "SVH-IR-03"], "in specification order");

        // The OpenSSF Principles by track and level.
        let prs = catalog(&doc, "openssf-prs");
        assert_eq!(&group_ids(prs)[..4], ["authn-level-1", "authn-level-2", "authn-level-3", "authz-level-1"]);
        for g in prs["groups"].as_array().unwrap() {
            assert!(g["items"].as_array().unwrap().iter().all(|i| i["level"] == g["level"]), "{}", g["id"]);
        }
        assert!(page.body.contains("Authentication (AUTHN), level 1"));
        assert_eq!(control_ids(item(&doc, "OSSF-PRS:GEN-1.1")), ["SVH-VM-01", "SVH-VM-04"]);

        // The OSPS Baseline by family: its controls group the requirements,
        // which are what counts.
        let osps = catalog(&doc, "osps-baseline");
        assert_eq!(group_ids(osps)[0], "ac");
        let ac01 = item(&doc, "OSPS-AC-01");
        assert_eq!((ac01["requirement"].clone(), ac01["gap"].clone()), (Value::Bool(false), Value::Bool(false)));
        assert_eq!(item(&doc, "OSPS-AC-04.02")["gap"], true);
        assert_eq!(control_ids(item(&doc, "OSPS-AC-01.01")), ["SVH-AC-01"]);
        let requirements = osps["groups"].as_array().unwrap().iter().flat_map(|g| g["items"].as_array().unwrap()).filter(|i| i["requirement"] == true).count();
        assert_eq!(osps["requirements"].as_u64().unwrap() as usize, requirements);
        assert!(page.row("OSPS-AC-01").contains("groups the requirements below"));

        // What a project must do, with no level asked: all three levels.
        assert_eq!(doc["must_do"]["level"], 3);
        let steps: Vec<u64> = doc["must_do"]["steps"].as_array().unwrap().iter().map(|s| s["level"].as_u64().unwrap()).collect();
        assert_eq!(steps, [1, 2, 3]);
        assert_eq!(doc["must_do"]["steps"][2]["controls"][0]["id"], "SVH-AC-04");
        assert_eq!(must_do_ids(&doc).len(), doc["counted_controls"].as_u64().unwrap() as usize);
        assert!(page.body.contains("What a project must do for level 3"));

        // Every version has a coverage view, linked from the version page.
        let old = app.page("/specs/steward-baseline/versions/1/coverage").await;
        assert!(old.body.contains("not the newest version"));
        let spec = app.page("/specs/steward-baseline").await;
        assert!(spec.body.contains("href=\"/specs/steward-baseline/versions/3/coverage\""));
    };

    level_filter_limits_controls => |db: TestDb| async move {
        let app = app(db).await;
        let all = app.json(API).await;
        let doc = app.json(&format!("{API}?level=1")).await;
        assert_eq!(doc["level"], 1);
        assert!(doc["counted_controls"].as_u64().unwrap() < all["counted_controls"].as_u64().unwrap());
        // Only level 1 controls count: level 2 and 3 controls drop out, and
        // a clause covered by level 2 controls alone becomes a gap.
        assert_eq!(control_ids(item(&all, "CRA:AnnexI.P1.2.d")), ["SVH-BR-06", "SVH-AC-01", "SVH-AC-02", "SVH-AC-03", "SVH-AC-04"]);
        assert_eq!(control_ids(item(&doc, "CRA:AnnexI.P1.2.d")), ["SVH-BR-06", "SVH-AC-01", "SVH-AC-02"]);
        assert_eq!(item(&all, "CRA:AnnexI.P2.7")["gap"], false);
        assert_eq!(item(&doc, "CRA:AnnexI.P2.7")["gap"], true);
        assert!(catalog(&doc, "cra")["gaps"].as_u64().unwrap() > catalog(&all, "cra")["gaps"].as_u64().unwrap());
        // What a project at level 1 must do: level 1 controls only, and the
        // OpenSSF items they map to.
        assert_eq!(doc["must_do"]["level"], 1);
        assert_eq!(doc["must_do"]["steps"].as_array().unwrap().len(), 1);
        let ids = must_do_ids(&doc);
        assert!(ids.contains(&"SVH-VM-01".to_string()) && !ids.contains(&"SVH-BR-07".to_string()), "{ids:?}");
        assert_eq!(ids.len(), doc["counted_controls"].as_u64().unwrap() as usize);
        let vm01 = doc["must_do"]["steps"][0]["controls"].as_array().unwrap().iter().find(|c| c["id"] == "SVH-VM-01").unwrap();
        let mut targets: Vec<&str> = vm01["openssf"].as_array().unwrap().iter().map(|m| m["item"].as_str().unwrap()).collect();
        targets.sort();
        assert_eq!(targets, ["OSPS-VM-01.01", "OSSF-PRS:GEN-1.1"], "OpenSSF items only, not CRA clauses");
        let reached: Vec<&str> = doc["must_do"]["openssf_items"].as_array().unwrap().iter().map(|i| i["item"].as_str().unwrap()).collect();
        assert!(reached.contains(&"OSPS-VM-01.01") && !reached.contains(&"OSPS-BR-06.01"), "{reached:?}");
        let reached_all: Vec<&str> = all["must_do"]["openssf_items"].as_array().unwrap().iter().map(|i| i["item"].as_str().unwrap()).collect();
        assert!(reached_all.contains(&"OSPS-BR-06.01"));

        // The page says the same, with the level chosen in its form.
        let page = app.page(&format!("{PAGE}?level=1")).await;
        assert!(page.body.contains("What a project must do for level 1"));
        assert!(page.body.contains("<option value=\"1\" selected>"));
        assert!(!page.body.contains("SVH-BR-07") && !page.body.contains("SVH-AC-04"), "no control above level 1 on the page");
        assert!(page.row("CRA:AnnexI.P2.7").contains("gap-marker"));
        // A clause only a higher level covers is not called a plain gap.
        let higher = item(&doc, "CRA:AnnexI.P2.7")["covered_at_level"].as_u64().expect("covered at a higher level");
        assert!(higher > 1, "{higher}");
        assert!(page.row("CRA:AnnexI.P2.7").contains(&format!("Covered only at level {higher}")));
        assert!(!page.row("CRA:AnnexI.P2.7").contains(">Gap<"));
        assert_eq!(item(&doc, "CRA:AnnexI.P1.2.g")["covered_at_level"], Value::Null);
        assert!(page.row("CRA:AnnexI.P1.2.g").contains(">Gap<"));
        assert!(page.body.contains("Showing the controls required at level 1 or below"));
        assert_eq!(item(&all, "CRA:AnnexI.P2.7")["covered_at_level"], Value::Null);
        // An empty level is no filter, as an unselected form field sends it.
        assert_eq!(app.json(&format!("{API}?level=")).await["level"], Value::Null);
    };

    withdrawn_controls_do_not_count => |db: TestDb| async move {
        let app = app(db).await;
        let doc = app.json(API).await;
        assert_eq!(doc["withdrawn_controls"], 2);
        // OSSF-PRS:CLI-2.1 is mapped only by the withdrawn SVH-SC-03.
        let cli = item(&doc, "OSSF-PRS:CLI-2.1");
        assert_eq!(cli["gap"], true);
        assert!(control_ids(cli).is_empty());
        // Clauses also mapped by a withdrawn control list only active ones.
        assert_eq!(control_ids(item(&doc, "CRA:AnnexI.P1.2.a")), ["SVH-SC-05"]);
        assert_eq!(control_ids(item(&doc, "CRA:AnnexI.P2.7")), ["SVH-BR-07", "SVH-DO-03"]);
        assert_eq!(control_ids(item(&doc, "OSPS-BR-06.01")), ["SVH-BR-07"]);
        let page = app.page(PAGE).await;
        for withdrawn in ["SVH-BR-03", "SVH-SC-03"] {
            assert!(!doc.to_string().contains(withdrawn), "{withdrawn} in the JSON");
            assert!(!page.body.contains(withdrawn), "{withdrawn} on the page");
        }
        assert!(page.row("OSSF-PRS:CLI-2.1").contains("gap-marker"));
        assert!(page.body.contains("Withdrawn controls (2) cover nothing"));
    };

    unknown_versions_and_bad_input_are_refused => |db: TestDb| async move {
        let app = app(db).await;
        for (uri, status, code) in [
            ("/specs/nope/versions/1/coverage", StatusCode::NOT_FOUND, "not_found"),
            ("/specs/steward-baseline/versions/9/coverage", StatusCode::NOT_FOUND, "not_found"),
            ("/specs/steward-baseline/versions/0/coverage", StatusCode::BAD_REQUEST, "bad_request"),
            ("/specs/steward-baseline/versions/x/coverage", StatusCode::BAD_REQUEST, "bad_request"),
            ("/specs/steward-baseline/versions/3/coverage?level=4", StatusCode::BAD_REQUEST, "bad_request"),
            ("/specs/steward-baseline/versions/3/coverage?level=0", StatusCode::BAD_REQUEST, "bad_request"),
            ("/specs/steward-baseline/versions/3/coverage?level=two", StatusCode::BAD_REQUEST, "bad_request"),
            ("/specs/nope/versions/1/coverage?level=9", StatusCode::BAD_REQUEST, "bad_request"),
        ] {
            let page = app.get(uri).await;
            assert_eq!(page.status, status, "{uri}: {}", page.body);
            assert!(page.content_type.starts_with("text/html"), "{uri}: {}", page.content_type);
            let api = app.get(&format!("/api/v1{uri}")).await;
            assert_eq!(api.status, status, "/api/v1{uri}: {}", api.body);
            assert_eq!(api.json()["error"]["code"], code, "/api/v1{uri}");
        }
        let r = app.get("/api/v1/specs/steward-baseline/versions/3/coverage?level=4").await;
        assert!(r.json()["error"]["message"].as_str().unwrap().contains("Level must be 1, 2 or 3"), "{}", r.body);
    };
}

both_backends! {
    drafts_of_another_group_are_not_found => |db: TestDb| async move {
        let f = support::fixture(db, false).await;
        for uri in ["/specs/other-draft/versions/1/coverage", "/api/v1/specs/other-draft/versions/1/coverage"] {
            for person in ["anon", "observer", "chair", "editor"] {
                let r = f.request(person, Method::GET, uri, "").await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{person} reads {uri}");
                assert!(!r.body.contains("Control of other-draft"), "draft text leaked to {person} at {uri}");
            }
            for person in ["outsider", "admin"] {
                let r = f.request(person, Method::GET, uri, "").await;
                assert_eq!(r.status, StatusCode::OK, "{person} is allowed: {uri}");
                assert!(r.body.contains("Control of other-draft"), "{person}: {uri}");
            }
        }
        // The group's own draft is readable by its members, and marked.
        let r = f.request("observer", Method::GET, "/specs/wg-draft/versions/1/coverage", "").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Draft: only members of WG"), "{}", r.body);
        // The public specification is public, with its one clause covered.
        let r = f.request("anon", Method::GET, "/api/v1/specs/demo/versions/1/coverage", "").await;
        assert_eq!(r.status, StatusCode::OK);
        let doc: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(control_ids(item(&doc, "T:1")), ["X-VM-01"]);
        assert_eq!(doc["must_do"]["openssf_items"].as_array().unwrap().len(), 0, "the test catalog is not an OpenSSF one");
    };
}
