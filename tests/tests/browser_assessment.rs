//! A self-assessment in headless Chromium, on both databases, on a demo
//! instance with a published release: a person starts an assessment from
//! the start form, answers the control, publishes through the
//! confirmation page, and the attestation the page links verifies against
//! the instance's public key and names the release's manifest.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::CatalogSet;
use charta_domain::ballot::{BallotKind, Position, Rules};
use charta_store::testing::TestDb;
use charta_store::{NewBallot, NewVote, both_backends, import_group_text, import_spec_text};
use charta_tests::pages::{assert_no_inline_scripts, follow, sign_in, submit, text_of};
use charta_tests::{Browser, Server};
use charta_web::{AppState, WebConfig};
use fantoccini::{Client, Locator};
use std::sync::Arc;

const GROUP: &str = "\
group: wg
name: Assessment Working Group
members:
  - slug: aurora
    name: Aurora Foundation
  - slug: borealis
    name: Borealis Foundation
  - slug: cobalt
    name: Cobalt Open Source Foundation
";

const V1: &str = "\
spec: assess-demo
group: wg
title: Assessment Demo Baseline
sections:
  - id: VM
    title: Vulnerability management
controls:
  - id: AD-VM-01
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
    a_person_assesses_a_project_publishes_and_the_attestation_verifies => |db: TestDb| async move {
        let Some(browser) = Browser::launch().await else { return };
        let catalogs = CatalogSet::builtin().unwrap();
        import_group_text(&db.store, GROUP, "test").await.unwrap();
        import_spec_text(&db.store, &catalogs, V1, "first draft", "test").await.unwrap();
        charta_web::auth::demo::seed_people(&db.store, "wg").await.unwrap();
        let wg = db.store.group("wg").await.unwrap();
        let spec = db.store.spec("assess-demo").await.unwrap();
        let chair = db.store.upsert_user(charta_web::auth::demo::DEMO_ISSUER, "chair", "", "Carmen Chávez").await.unwrap();
        let opened = time::OffsetDateTime::now_utc() - time::Duration::days(8);
        let id = db.store.open_ballot(NewBallot {
            group_id: wg.id, spec_id: spec.id, kind: BallotKind::Release, amendment_id: None, version: Some(1), revision: None,
            title: "Release version 1", rules: &Rules::default(), opened_by: chair.id, opened_at: opened,
            closes_at: opened + time::Duration::days(7), subject: "spec:assess-demo@1",
        }).await.unwrap();
        let ballot = db.store.ballot(id).await.unwrap();
        let members = db.store.group_members(wg.id).await.unwrap();
        for (i, org) in db.store.organizations(wg.id).await.unwrap().iter().enumerate() {
            let rep = members.iter().find(|m| m.role == "representative" && m.organization_id == Some(org.id)).unwrap();
            db.store.cast_vote(&ballot, NewVote { organization_id: org.id, user_id: rep.user_id, position: Position::Approve, rationale: "", at: opened + time::Duration::hours(i as i64 + 1) }).await.unwrap();
        }
        db.store.close_due_ballots(time::OffsetDateTime::now_utc()).await.unwrap();

        let key = charta_release::SigningKey::from_bytes(&[5u8; 32]);
        let server_key = key.clone();
        let server = Server::start_with(|base| {
            let config = WebConfig { demo: true, public_url: base, ..WebConfig::default() };
            AppState::with_release_key(db.store.clone(), Arc::new(catalogs), config, Some(server_key))
        })
        .await
        .unwrap();
        let base = server.base();
        let c: &Client = &browser;

        // The chair publishes release 1.0.0 of the specification.
        sign_in(c, &base, "Carmen Chávez", "/specs/assess-demo/releases").await;
        let form = c.find(Locator::Css("section.publish form")).await.unwrap();
        form.find(Locator::Id("version")).await.unwrap().select_by_value("1").await.unwrap();
        form.find(Locator::Id("name")).await.unwrap().send_keys("1.0.0").await.unwrap();
        submit(c, "section.publish form", "Publish and sign…", "section.confirm").await;
        submit(c, "section.confirm", "Publish and sign 1.0.0", "section.notes").await;

        // From the release page to the start form, filled in for this release.
        follow(c, "main", "Assess a project", "section[aria-label='Start an assessment']").await;
        assert_no_inline_scripts(c, "the assessments page").await;
        assert_eq!(c.find(Locator::Id("a-spec")).await.unwrap().prop("value").await.unwrap().as_deref(), Some("assess-demo"));
        assert_eq!(c.find(Locator::Id("a-release")).await.unwrap().prop("value").await.unwrap().as_deref(), Some("1.0.0"));
        c.find(Locator::Id("a-name")).await.unwrap().send_keys("Widget").await.unwrap();
        c.find(Locator::Id("a-url")).await.unwrap().send_keys("https://example.org/widget").await.unwrap();
        submit(c, "section[aria-label='Start an assessment']", "Start the assessment", "section[aria-label='Standing']").await;
        assert_no_inline_scripts(c, "the assessment page").await;
        let standing = text_of(c, "section[aria-label='Standing']").await;
        assert!(standing.contains("0 of the 1 controls"), "{standing}");
        let plan = text_of(c, "section[aria-label='Gap plan']").await;
        assert!(plan.contains("CRA:AnnexI.P2.5") && plan.contains("AD-VM-01"), "{plan}");

        // "Not applicable" without a reason comes back with the reason
        // beside the control's form, and what was typed kept.
        let control = c.find(Locator::Css("section#control-AD-VM-01")).await.unwrap();
        control.find(Locator::Id("s-AD-VM-01")).await.unwrap().select_by_value("not-applicable").await.unwrap();
        control.find(Locator::Id("e-AD-VM-01")).await.unwrap().send_keys("https://example.org/widget/kept").await.unwrap();
        submit(c, "section#control-AD-VM-01", "Save AD-VM-01", "section#control-AD-VM-01 p[role='alert']").await;
        let refused = text_of(c, "section#control-AD-VM-01 p[role='alert']").await;
        assert!(refused.contains("needs a reason"), "{refused}");
        let kept = c.find(Locator::Id("e-AD-VM-01")).await.unwrap().prop("value").await.unwrap().unwrap_or_default();
        assert_eq!(kept.trim(), "https://example.org/widget/kept");
        assert!(text_of(c, "section[aria-label='Standing']").await.contains("0 of the 1 controls"), "nothing was saved");
        c.find(Locator::Id("e-AD-VM-01")).await.unwrap().clear().await.unwrap();

        // The answer, with its evidence.
        let control = c.find(Locator::Css("section#control-AD-VM-01")).await.unwrap();
        control.find(Locator::Id("s-AD-VM-01")).await.unwrap().select_by_value("met").await.unwrap();
        control.find(Locator::Id("j-AD-VM-01")).await.unwrap().send_keys("Reports are acknowledged by the triage rota.").await.unwrap();
        control.find(Locator::Id("e-AD-VM-01")).await.unwrap().send_keys("https://example.org/widget/security").await.unwrap();
        submit(c, "section#control-AD-VM-01", "Save AD-VM-01", "section[aria-label='Standing']").await;
        let standing = text_of(c, "section[aria-label='Standing']").await;
        assert!(standing.contains("1 of the 1 controls") && standing.contains("meet level 3"), "{standing}");

        // Publishing, through its confirmation.
        follow(c, "section[aria-label='Move and publish']", "Publish this assessment…", "section.confirm").await;
        let confirm = text_of(c, "section.confirm").await;
        assert!(confirm.contains("frozen for good") && confirm.contains("not a certification"), "{confirm}");
        submit(c, "section.confirm", "Publish and sign", "section[aria-label='Files']").await;
        assert!(text_of(c, "main").await.contains("Self-assessment, not a certification"));
        assert!(c.find(Locator::Css("form[action$='/answers']")).await.is_err(), "a published assessment has no answer forms");

        // The attestation the page links verifies and names the release.
        let link = c.find(Locator::XPath("//section[@aria-label='Files']//a[normalize-space()='attestation.json']")).await.unwrap();
        let href = link.prop("href").await.unwrap().unwrap();
        let http = reqwest::Client::new();
        let attestation = http.get(&href).send().await.unwrap().bytes().await.unwrap();
        let served_key = http.get(format!("{base}/.well-known/charta/release-key")).send().await.unwrap().bytes().await.unwrap();
        let public = charta_release::parse_public_key(&served_key).unwrap();
        assert_eq!(public, key.verifying_key());
        let a = charta_release::assessment::verify_attestation(&attestation, &public).expect("the attestation verifies");
        let release = db.store.release(spec.id, "1.0.0").await.unwrap();
        assert_eq!(a.release_manifest_sha256, release.manifest_sha256);
        assert_eq!(a.achieved_level, Some(3));
        let json = http.get(href.replace("attestation.json", "assessment.json")).send().await.unwrap().bytes().await.unwrap();
        charta_release::assessment::check_file(&a, "assessment.json", &json).unwrap();
    };
}
