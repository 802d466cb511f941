//! A ballot in headless Chromium, on both databases: the chair opens a
//! ballot on an amendment the group's rules say must pass one, the three
//! foundations' representatives vote in turn while the live tally follows,
//! and the chair sees the outcome, closes the ballot early and merges.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::CatalogSet;
use charta_domain::ballot::Rules;
use charta_store::testing::TestDb;
use charta_store::{NewAmendment, NewRevision, both_backends, import_group_text, import_spec_text};
use charta_tests::pages::{assert_no_inline_scripts, follow, sign_in, sign_out, submit, text_of};
use charta_tests::{Browser, Server};
use charta_web::{AppState, WebConfig};
use fantoccini::{Client, Locator};
use std::sync::Arc;

const GROUP: &str = "\
group: wg
name: Ballot Working Group
members:
  - slug: aurora
    name: Aurora Foundation
  - slug: borealis
    name: Borealis Foundation
  - slug: cobalt
    name: Cobalt Open Source Foundation
";

const V1: &str = "\
spec: ballot-demo
group: wg
title: Ballot Demo Baseline
sections:
  - id: VM
    title: Vulnerability management
controls:
  - id: BD-VM-01
    section: VM
    title: Acknowledge reports
    level: 1
    status: active
    statement: Reports MUST be acknowledged within fourteen days.
    mappings:
      - target: CRA:AnnexI.P2.5
        relationship: subset
        rationale: Acknowledging is part of coordinated disclosure.
";

const AMENDMENT: &str = "/specs/ballot-demo/amendments/1";
/// Votes `position` on the ballot page, with a rationale, and waits for the
/// page to come back showing it.
async fn vote(c: &Client, position: &str, rationale: &str) {
    let form = c.find(Locator::Css("section.vote form")).await.unwrap();
    for radio in form
        .find_all(Locator::Css("input[name='position']"))
        .await
        .unwrap()
    {
        assert!(
            !radio.is_selected().await.unwrap(),
            "no position is preselected"
        );
    }
    form.find(Locator::Css(&format!(
        "input[name='position'][value='{position}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    form.find(Locator::Id("rationale"))
        .await
        .unwrap()
        .send_keys(rationale)
        .await
        .unwrap();
    submit(c, "section.vote form", "Cast vote", "section.tally").await;
    let notice = text_of(c, "p.notice").await;
    assert!(
        notice.starts_with("Your vote (") && notice.ends_with("was recorded."),
        "{notice}"
    );
    let current = text_of(c, "p.current-vote").await;
    assert!(
        current.contains("current vote") && current.contains(rationale),
        "{current}"
    );
}

both_backends! {
    three_representatives_vote_and_the_chair_merges => |db: TestDb| async move {
        let Some(browser) = Browser::launch().await else { return };
        let catalogs = CatalogSet::builtin().unwrap();
        import_group_text(&db.store, GROUP, "test").await.unwrap();
        import_spec_text(&db.store, &catalogs, V1, "first draft", "test").await.unwrap();
        charta_web::auth::demo::seed_people(&db.store, "wg").await.unwrap();
        let wg = db.store.group("wg").await.unwrap();
        db.store
            .set_group_rules(wg.id, "wg", &Rules { amendment_ballot_required: true, ..Rules::default() }, None, "test")
            .await
            .unwrap();
        let spec = db.store.spec("ballot-demo").await.unwrap();
        let editor = db.store.upsert_user(charta_web::auth::demo::DEMO_ISSUER, "editor", "", "Eli Okafor").await.unwrap();
        let proposed = V1.replace("fourteen days", "seven days");
        let hash = charta_domain::format::content_hash(&proposed);
        db.store
            .create_amendment(NewAmendment {
                spec_id: spec.id,
                spec_slug: "ballot-demo",
                title: "Acknowledge sooner",
                description: "",
                author_id: editor.id,
                state: "open",
                revision: NewRevision { base_version: 1, content: &proposed, content_hash: &hash, author_id: editor.id, message: "m" },
            })
            .await
            .unwrap();

        let server = Server::start_with(|base| {
            let config = WebConfig { demo: true, public_url: base, ..WebConfig::default() };
            AppState::new(db.store.clone(), Arc::new(catalogs), config)
        })
        .await
        .unwrap();
        let base = server.base();
        let c: &Client = &browser;

        // The chair sees the gate waiting for a ballot and opens one.
        sign_in(c, &base, "Carmen Chávez", AMENDMENT).await;
        let gate = text_of(c, "section.gate li.check-ballot").await;
        assert!(gate.contains("A ballot must pass first"), "{gate}");
        submit(c, "section.ballots", "Open ballot", "section.tally").await;
        let ballot = c.current_url().await.unwrap().path().to_string();
        assert!(ballot.starts_with("/ballots/"), "{ballot}");
        assert!(text_of(c, "section.tally").await.contains("None of the 3 organisations has voted yet."));
        sign_out(c).await;

        // Three representatives vote in turn; the tally follows.
        let turns = [
            ("Ana Lindqvist", "approve", "", "1 of 3 organisations has voted: 1 approve. It needs 1 more vote to reach the quorum"),
            ("Bram de Vries", "object", "Seven days is too short for volunteers.", "It needs 1 more approval to pass."),
            ("Chen Wei", "approve", "", "3 of 3 organisations have voted: 2 approve and 1 object. It would pass if it closed now."),
        ];
        for (name, position, rationale, tally) in turns {
            sign_in(c, &base, name, &ballot).await;
            vote(c, position, rationale).await;
            let shown = text_of(c, "section.tally").await;
            assert!(shown.contains(tally), "after {name}: {shown}");
            sign_out(c).await;
        }

        // The chair sees the settled outcome, closes early and merges.
        sign_in(c, &base, "Carmen Chávez", &ballot).await;
        let positions = text_of(c, "table.positions").await;
        assert!(positions.contains("Seven days is too short for volunteers."), "{positions}");
        assert!(text_of(c, "section.tally").await.contains("cannot change this"));
        follow(c, "section.ballot-actions", "Close now…", "section.confirm").await;
        assert_no_inline_scripts(c, "the closing confirmation").await;
        let confirm = text_of(c, "section.confirm").await;
        assert!(confirm.contains("Closing now ends the ballot") && confirm.contains("result: passed"), "{confirm}");
        submit(c, "section.confirm", "Close the ballot now", "p.outcome").await;
        let outcome = text_of(c, "p.outcome").await;
        assert!(outcome.starts_with("Passed"), "{outcome}");
        c.goto(&format!("{base}{AMENDMENT}")).await.unwrap();
        let gate = text_of(c, "section.gate li.check-ballot").await;
        assert!(gate.contains("Ballot passed"), "{gate}");
        follow(c, "section.gate", "Merge into a new version…", "section.confirm").await;
        submit(c, "section.confirm", "Merge into version 2", "article.control#BD-VM-01").await;
        assert_eq!(c.current_url().await.unwrap().path(), "/specs/ballot-demo/versions/2");
        assert!(text_of(c, "article.control#BD-VM-01 .statement").await.contains("seven days"));
    };
}
