//! The README's quick-start story, walked through the real `charta demo`
//! binary over HTTP exactly as the README tells a newcomer to, on SQLite
//! (the default, in an empty directory) and on PostgreSQL.
//!
//! Nothing here gives anyone a role or seeds anything: whatever the story
//! needs, `charta demo` must have provided. When the README's story changes,
//! this test changes with it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a failing test panics with its message"
)]

mod visitor;

use charta_store::Backend;
use charta_store::both_backends;
use charta_store::testing::TestDb;
use std::process::Command;
use visitor::{Instance, Page, Visitor, empty_dir};

const README: &str = include_str!("../../../README.md");
const SPEC: &str = "steward-baseline";

/// The demo people the README names, with the role `/api/v1/me` must report
/// for them in the demo group (and their organisation for representatives).
const PEOPLE: [(&str, &str, Option<&str>); 7] = [
    ("Carmen Chávez", "chair", None),
    ("Eli Okafor", "editor", None),
    (
        "Ana Lindqvist",
        "representative",
        Some("Aurora Software Foundation"),
    ),
    (
        "Bram de Vries",
        "representative",
        Some("Borealis Foundation"),
    ),
    (
        "Chen Wei",
        "representative",
        Some("Cobalt Open Source Foundation"),
    ),
    ("Riya Menon", "reviewer", None),
    ("Olu Adeyemi", "observer", None),
];

/// Signs in with the demo's one-click form and checks where it lands.
async fn sign_in(v: &mut Visitor, name: &str) -> Page {
    v.clear_cookies();
    let login = v.get("/auth/login").await.ok();
    let page = v.click(&login, name).await.ok();
    assert!(
        page.says(name),
        "after signing in as {name}, the page does not name them: {}",
        page.path
    );
    page
}

/// Clicks a weighty action, which must first show a page that says what
/// will happen (and changes nothing), then confirms it there.
async fn click_and_confirm(v: &mut Visitor, page: &Page, label: &str, confirm: &str) -> Page {
    let asked = v.click(page, label).await.ok();
    assert!(
        asked.path != page.path && asked.form(confirm).is_some(),
        "{label:?} on {} should ask for confirmation first, with a {confirm:?} button; got {}",
        page.path,
        asked.path
    );
    assert!(
        asked.body.contains("class=\"danger\""),
        "the confirming button looks different from routine buttons"
    );
    v.click(&asked, confirm).await
}

fn readme_says(text: &str) {
    let folded = README.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        folded.contains(text),
        "the README's story no longer says {text:?}: update this test with it"
    );
}

async fn story(db: TestDb) {
    let dir = empty_dir("story");
    let mut args = vec!["demo"];
    // SQLite: the README's command as it is, in an empty directory, so the
    // database and the demo's release key are created there.
    let url = db.url.clone();
    if db.backend() == Backend::Postgres {
        args.extend(["--database-url", &url]);
    }
    let demo = Instance::start(&dir, &args, &[]);
    let mut v = Visitor::new(&demo.base());

    // "Sign in as any of the demo people with one click": each has the role
    // the README gives them.
    readme_says("Sign in as any of the demo people with one click");
    for (name, role, org) in PEOPLE {
        sign_in(&mut v, name).await;
        let me = v.get("/api/v1/me").await.ok();
        let me: serde_json::Value = serde_json::from_str(&me.body).unwrap();
        let roles = me["roles"].as_array().cloned().unwrap_or_default();
        assert!(
            roles.iter().any(|r| r["group"] == "oss-stewards"
                && r["role"] == role
                && org.is_none_or(|o| r["organization"] == o)),
            "{name} should be {role} of oss-stewards: {roles:?}"
        );
    }
    sign_in(&mut v, "Ada Admin").await;
    v.get("/admin").await.ok().expect_text("Working groups");

    // "Browse the specification, open a control to see its history, compare
    // versions side by side, follow a mapping to a CRA clause and search for
    // a word or a control identifier."
    readme_says("Browse the specification, open a control to see its history");
    v.clear_cookies();
    let spec = v.get(&format!("/specs/{SPEC}")).await.ok();
    let control = spec
        .links_starting(&format!("/specs/{SPEC}/controls/"))
        .into_iter()
        .next()
        .expect("the specification links its controls");
    let control = v.get(&control).await.ok();
    control.expect_text("History");
    let split = v
        .get(&format!("/specs/{SPEC}/diff?from=1&to=4&view=split"))
        .await
        .ok();
    assert!(split.body.contains("class=\"split\""), "side by side");
    let clause = control
        .links_starting("/catalogs/cra/items/")
        .into_iter()
        .next()
        .or_else(|| {
            spec.links_starting("/catalogs/cra/items/")
                .into_iter()
                .next()
        })
        .expect("a mapping links its CRA clause");
    v.get(&clause).await.ok().expect_text("CRA");
    v.get("/search?q=vulnerability")
        .await
        .ok()
        .expect_text("SVH-");
    v.get("/search?q=SVH-VM-03")
        .await
        .ok()
        .expect_text("SVH-VM-03");

    // "sign in as Chen Wei (Cobalt's representative) and vote on the open
    // ballot of amendment 3 from /my-work"
    readme_says(
        "sign in as Chen Wei (Cobalt's representative) and vote on the open ballot of amendment 3 from `/my-work`",
    );
    sign_in(&mut v, "Chen Wei").await;
    let work = v.get("/my-work").await.ok();
    let ballot_link = work
        .links_starting("/ballots/")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("/my-work lists no ballot for Chen Wei:\n{}", work.body));
    let ballot = v.get(&ballot_link).await.ok();
    ballot.expect_text("amendment 3");
    let mut vote = ballot
        .form("Cast vote")
        .expect("Chen Wei is offered the vote");
    vote.set("position", "approve");
    let voted = v.submit(&vote, "Cast vote").await.ok();
    assert!(
        voted.path.starts_with(&ballot_link),
        "after voting, back on the ballot: {}",
        voted.path
    );
    voted.expect_text("Your vote (Approve) for Cobalt Open Source Foundation was recorded");

    // "then, as Carmen Chávez (the chair), close it early"
    readme_says("then, as Carmen Chávez (the chair), close it early");
    sign_in(&mut v, "Carmen Chávez").await;
    let ballot = v.get(&ballot_link).await.ok();
    let closed = click_and_confirm(&mut v, &ballot, "Close now", "Close")
        .await
        .ok();
    let closed = v.get(&closed.path).await.ok();
    closed.expect_text("Passed");
    let ballot_json = v.get(&format!("/api/v1{}", ballot_link)).await.ok();
    let ballot_json: serde_json::Value = serde_json::from_str(&ballot_json.body).unwrap();
    assert_eq!(ballot_json["state"], "closed", "{ballot_json}");
    assert_eq!(ballot_json["outcome"], "passed", "{ballot_json}");

    // "once the reviewer has resolved the objection on it, merge."
    readme_says("once the reviewer has resolved the objection on it, merge");
    let amendment_path = format!("/specs/{SPEC}/amendments/3");
    let amendment = v.get(&amendment_path).await.ok();
    assert!(
        amendment.form("Merge").is_none() && amendment.link("Merge").is_none(),
        "the open objection blocks merging"
    );
    sign_in(&mut v, "Riya Menon").await;
    let amendment = v.get(&amendment_path).await.ok();
    let resolved = v.click(&amendment, "Resolve").await.ok();
    assert!(
        resolved.path.starts_with(&amendment_path),
        "{}",
        resolved.path
    );
    sign_in(&mut v, "Carmen Chávez").await;
    let amendment = v.get(&amendment_path).await.ok();
    let merged = click_and_confirm(&mut v, &amendment, "Merge", "Merge")
        .await
        .ok();
    let merged = v.get(&merged.path).await.ok();
    merged.expect_text("version 5");

    // "the demo sends no e-mail but shows every message it would have sent
    // at /mailbox": the merge tells the amendment's author and the people
    // in its threads, at once.
    readme_says("shows every message it would have sent at `/mailbox`");
    let mut told = false;
    let mut last = String::new();
    for _ in 0..100 {
        let mailbox = v.get("/mailbox").await.ok();
        if mailbox.says("was merged into version 5") {
            told = true;
            break;
        }
        last = mailbox.body;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(told, "the mailbox shows the merge's mail: {last}");
    let head: serde_json::Value =
        serde_json::from_str(&v.get(&format!("/api/v1/specs/{SPEC}")).await.ok().body).unwrap();
    assert_eq!(head["head_version"], 5, "{head}");

    // "To publish, sign in as the chair and open /specs/steward-baseline/releases:
    // version 4 has passed its release ballot and waits to be released as 1.2.0."
    readme_says("version 4 has passed its release ballot and waits to be released as 1.2.0");
    let releases = v.get(&format!("/specs/{SPEC}/releases")).await.ok();
    let mut publish = releases.form("Publish").unwrap_or_else(|| {
        panic!(
            "the chair is offered publishing: {:?}",
            releases.button_labels()
        )
    });
    assert_eq!(publish.value_of("version"), Some("4"), "{publish:?}");
    publish.set("name", "1.2.0");
    let asked = v.submit(&publish, "Publish").await.ok();
    asked.expect_text("1.2.0");
    assert!(
        asked.form("Publish").is_some(),
        "publishing asks for confirmation: {}",
        asked.path
    );
    assert!(
        !v.get(&format!("/api/v1/specs/{SPEC}/releases"))
            .await
            .body
            .contains("\"1.2.0\""),
        "nothing is published before the confirmation"
    );
    let published = v.click(&asked, "Publish").await.ok();
    assert!(
        published
            .path
            .starts_with(&format!("/releases/{SPEC}/1.2.0")),
        "after publishing, the release page: {}",
        published.path
    );

    // "Download a release and check it with charta verify … --trust-on-first-use
    // (or, as the release page shows, --key-id with the key's id)"
    readme_says(
        "Download a release and check it with `charta verify http://127.0.0.1:8080/releases/steward-baseline/1.1.0/ --trust-on-first-use` (or, as the release page shows, `--key-id` with the key's id)",
    );
    let key_id = published
        .body
        .split("--key-id ")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the release page shows the command with the key id")
        .to_string();
    for (release, trust) in [
        ("1.1.0", ["--trust-on-first-use", ""]),
        ("1.2.0", ["--key-id", key_id.as_str()]),
    ] {
        let url = format!("{}/releases/{SPEC}/{release}/", demo.base());
        let mut args = vec!["verify", url.as_str()];
        args.extend(trust.into_iter().filter(|a| !a.is_empty()));
        let out = Command::new(env!("CARGO_BIN_EXE_charta"))
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "charta {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // "open its coverage matrix, or subscribe to a clause's feed"
    readme_says(
        "open its coverage matrix, or subscribe to a clause's feed such as `/feeds/clauses/CRA:AnnexI.P2.5.atom`",
    );
    v.clear_cookies();
    let release = v.get(&format!("/releases/{SPEC}/1.2.0/")).await.ok();
    let coverage = release
        .link("overage")
        .expect("the release links its coverage matrix");
    v.get(&coverage).await.ok().expect_text("CRA");
    let feed = v.get("/feeds/clauses/CRA:AnnexI.P2.5.atom").await.ok();
    assert!(feed.content_type.contains("atom"), "{}", feed.content_type);
    assert!(feed.body.contains("<feed"), "an Atom feed");

    // "Two projects have assessed themselves against the releases": the
    // published one is public, with its badge; the draft is Bram's alone.
    readme_says("Two projects have assessed themselves against the releases");
    v.clear_cookies();
    let stats = v
        .get(&format!("/releases/{SPEC}/1.1.0/assessments"))
        .await
        .ok();
    stats
        .expect_text("aurora-http")
        .expect_text(": meets level 1");
    let published = stats
        .link("aurora-http")
        .expect("the release's assessments link the published one");
    v.get(&published)
        .await
        .ok()
        .expect_text("self-assessment")
        .expect_text("attestation.json");
    let badge = v.get(&format!("{published}/badge.svg")).await.ok();
    assert!(
        badge.body.contains("meets level 1"),
        "the badge states the level: {}",
        badge.body
    );
    readme_says("sign in as Bram de Vries and open `/assessments` to find borealis-cli's draft");
    sign_in(&mut v, "Bram de Vries").await;
    let mine = v.get("/assessments").await.ok();
    let draft = mine
        .link("borealis-cli")
        .expect("Bram's assessments list the draft");
    let page = v.get(&draft).await.ok();
    page.expect_text("Moved from 1.0.0")
        .expect_text("Changed since the answer was given");
    v.clear_cookies();
    assert_eq!(
        v.get(&draft).await.status,
        404,
        "a draft is not shown to visitors"
    );

    // "charta demo --reset starts over" (it deletes SQLite demo files only).
    readme_says("`charta demo --reset` starts over");
    demo.stop();
    if db.backend() == Backend::Sqlite {
        assert!(
            dir.join("charta-demo.db").exists(),
            "the demo database is in the working directory"
        );
        assert!(
            dir.join("charta-demo-release.key").exists(),
            "the demo's own release key is in the working directory"
        );
        let again = Instance::start(&dir, &["demo", "--reset"], &[]);
        let mut v = Visitor::new(&again.base());
        let head: serde_json::Value =
            serde_json::from_str(&v.get(&format!("/api/v1/specs/{SPEC}")).await.ok().body).unwrap();
        assert_eq!(head["head_version"], 4, "seeded afresh: {head}");
        sign_in(&mut v, "Chen Wei").await;
        let work = v.get("/my-work").await.ok();
        assert!(
            !work.links_starting("/ballots/").is_empty(),
            "the open ballot waits for Cobalt again"
        );
        again.stop();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

both_backends! {
    readme_story_runs_on_the_real_binary => |db: TestDb| async move {
        story(db).await;
    };
}
