//! Publishing a release in headless Chromium, on both databases: after a
//! passed release ballot the chair publishes version 1 from the releases
//! page, the release page opens with its notes and controls, and every
//! artefact it links downloads and verifies against the instance's public
//! key.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::CatalogSet;
use charta_domain::ballot::{BallotKind, Position, Rules};
use charta_store::testing::TestDb;
use charta_store::{NewBallot, NewVote, both_backends, import_group_text, import_spec_text};
use charta_tests::pages::{PAGE, assert_no_inline_scripts, sign_in, submit, text_of};
use charta_tests::{Browser, Server};
use charta_web::{AppState, WebConfig};
use fantoccini::{Client, Locator};
use std::collections::BTreeMap;
use std::sync::Arc;

const GROUP: &str = "\
group: wg
name: Release Working Group
members:
  - slug: aurora
    name: Aurora Foundation
  - slug: borealis
    name: Borealis Foundation
  - slug: cobalt
    name: Cobalt Open Source Foundation
";

const V1: &str = "\
spec: release-demo
group: wg
title: Release Demo Baseline
sections:
  - id: VM
    title: Vulnerability management
controls:
  - id: RD-VM-01
    section: VM
    title: Acknowledge reports
    level: 1
    status: active
    statement: Reports MUST be acknowledged within seven days.
    mappings:
      - target: CRA:AnnexI.P2.5
        relationship: subset
        rationale: Acknowledging is part of coordinated disclosure.
";

both_backends! {
    the_chair_publishes_a_release_and_its_artefacts_verify => |db: TestDb| async move {
        let Some(browser) = Browser::launch().await else { return };
        let catalogs = CatalogSet::builtin().unwrap();
        import_group_text(&db.store, GROUP, "test").await.unwrap();
        import_spec_text(&db.store, &catalogs, V1, "first draft", "test").await.unwrap();
        charta_web::auth::demo::seed_people(&db.store, "wg").await.unwrap();
        // A release ballot on version 1 that passed at its deadline.
        let wg = db.store.group("wg").await.unwrap();
        let spec = db.store.spec("release-demo").await.unwrap();
        let chair = db.store.upsert_user(charta_web::auth::demo::DEMO_ISSUER, "chair", "", "Carmen Chávez").await.unwrap();
        let opened = time::OffsetDateTime::now_utc() - time::Duration::days(8);
        let id = db.store.open_ballot(NewBallot {
            group_id: wg.id, spec_id: spec.id, kind: BallotKind::Release, amendment_id: None, version: Some(1), revision: None,
            title: "Release version 1", rules: &Rules::default(), opened_by: chair.id, opened_at: opened,
            closes_at: opened + time::Duration::days(7), subject: "spec:release-demo@1",
        }).await.unwrap();
        let ballot = db.store.ballot(id).await.unwrap();
        // Each organisation's representative votes for it.
        let orgs = db.store.organizations(wg.id).await.unwrap();
        let members = db.store.group_members(wg.id).await.unwrap();
        for (i, org) in orgs.iter().enumerate() {
            let rep = members.iter().find(|m| m.role == "representative" && m.organization_id == Some(org.id)).expect("the demo gives every organisation a representative");
            db.store.cast_vote(&ballot, NewVote { organization_id: org.id, user_id: rep.user_id, position: Position::Approve, rationale: "", at: opened + time::Duration::hours(i as i64 + 1) }).await.unwrap();
        }
        db.store.close_due_ballots(time::OffsetDateTime::now_utc()).await.unwrap();

        let key = charta_release::SigningKey::from_bytes(&[3u8; 32]);
        let server_key = key.clone();
        let server = Server::start_with(|base| {
            let config = WebConfig { demo: true, public_url: base, ..WebConfig::default() };
            AppState::with_release_key(db.store.clone(), Arc::new(catalogs), config, Some(server_key))
        })
        .await
        .unwrap();
        let base = server.base();
        let c: &Client = &browser;

        // The chair signs in and publishes version 1 as 1.0.0.
        sign_in(c, &base, "Carmen Chávez", "/specs/release-demo/releases").await;
        let form = c.find(Locator::Css("section.publish form")).await.unwrap();
        form.find(Locator::Id("version")).await.unwrap().select_by_value("1").await.unwrap();
        form.find(Locator::Id("name")).await.unwrap().send_keys("1.0.0").await.unwrap();
        submit(c, "section.publish form", "Publish and sign…", "section.confirm").await;
        assert_no_inline_scripts(c, "the publishing confirmation").await;
        let confirm = text_of(c, "section.confirm").await;
        assert!(confirm.contains("Publishing freezes version 1") && confirm.contains("signs their manifest"), "{confirm}");
        submit(c, "section.confirm", "Publish and sign 1.0.0", "section.notes").await;
        let notes = c.wait().at_most(PAGE).for_element(Locator::Css("section.notes")).await.unwrap();
        assert_eq!(c.current_url().await.unwrap().path(), "/releases/release-demo/1.0.0/");
        assert!(notes.text().await.unwrap().contains("First release"));
        let control = c.find(Locator::Css("article.control#RD-VM-01")).await.unwrap();
        assert!(control.text().await.unwrap().contains("within seven days"));
        assert_no_inline_scripts(c, "the release page").await;

        // Every artefact the page links downloads, and the bundle verifies.
        let links = c.find_all(Locator::Css("section.artefacts table a")).await.unwrap();
        let mut files = BTreeMap::new();
        let http = reqwest::Client::new();
        for link in links {
            let name = link.text().await.unwrap();
            let href = link.prop("href").await.unwrap().unwrap();
            let resp = http.get(&href).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{href}");
            assert!(resp.headers()["cache-control"].to_str().unwrap().contains("immutable"));
            files.insert(name, resp.bytes().await.unwrap().to_vec());
        }
        // Every artefact, the audit checkpoint, the manifest and its signature.
        assert_eq!(files.len(), charta_release::ARTEFACTS.len() + 3, "{:?}", files.keys().collect::<Vec<_>>());
        for name in charta_release::ARTEFACTS {
            assert!(files.contains_key(name), "{name} is linked from the page");
        }
        assert!(files.contains_key("audit-checkpoint.json"));
        let served_key = http.get(format!("{base}/.well-known/charta/release-key")).send().await.unwrap().bytes().await.unwrap();
        let public = charta_release::parse_public_key(&served_key).unwrap();
        assert_eq!(public, key.verifying_key());
        charta_release::verify_bundle(&files, &public).expect("the downloaded release verifies");
    };
}
