//! Seeding the demo instance.

use anyhow::{Context, Result};
use charta_domain::CatalogSet;
use charta_domain::ballot::{BallotKind, Position, Rules, Threshold};
use charta_store::{
    Backend, NewAmendment, NewBallot, NewRevision, NewThread, NewVersion, NewVote, Store,
    import_group_text, import_spec_text,
};
use charta_web::AppState;
use time::{Duration, OffsetDateTime};

const GROUP: &str = include_str!("../../../specs/groups/oss-stewards.yaml");
/// The seed specification's history, oldest first, with the message each
/// version was published with.
const SEED: [(&str, &str); 3] = [
    (
        include_str!("../../../specs/seed/steward-baseline/v1.yaml"),
        "First public draft",
    ),
    (
        include_str!("../../../specs/seed/steward-baseline/v2.yaml"),
        "Tighten disclosure timelines and add supply-chain controls after member review",
    ),
    (
        include_str!("../../../specs/seed/steward-baseline/v3.yaml"),
        "Reorganise release controls, withdraw superseded ones, add incident reporting",
    ),
];
const SEED_SLUG: &str = "steward-baseline";

/// Loads the demo working group, the seed specification's versions,
/// amendments, ballots and releases, unless they are already there.
pub async fn seed(state: &AppState) -> Result<()> {
    let store = &state.store;
    let catalogs: &CatalogSet = &state.catalogs;
    import_group_text(store, GROUP, "demo seed")
        .await
        .context("seeding the demo working group")?;
    // The people get their roles before anything else, and again on every
    // start, so that a demo database seeded by an older build gains them too.
    charta_web::auth::demo::seed_people(store, "oss-stewards")
        .await
        .context("giving the demo people their roles")?;
    if store.spec(SEED_SLUG).await.is_ok() {
        tracing::info!("demo data already present; start with --reset to seed it again");
        return Ok(());
    }
    for (i, (text, message)) in SEED.iter().enumerate() {
        import_spec_text(store, catalogs, text, message, "demo seed")
            .await
            .with_context(|| format!("seeding version {} of the demo specification", i + 1))?;
    }
    let group = store.group("oss-stewards").await?;
    store
        .set_group_rules(group.id, &group.slug, &demo_rules(), None, "demo seed")
        .await
        .context("setting the demo group's ballot rules")?;
    seed_amendments(store)
        .await
        .context("seeding the demo amendments")?;
    seed_releases(state)
        .await
        .context("seeding the demo releases")?;
    seed_assessments(state)
        .await
        .context("seeding the demo self-assessments")?;
    tracing::info!("demo data seeded");
    Ok(())
}

/// Ballot rules in the spirit of the Eclipse Foundation Specification
/// Process: amendments merge after a simple majority of the votes cast,
/// releases need two thirds of the member foundations, seven-day ballots
/// that members may extend to thirty, no blocking objections, and early
/// closing once the outcome is settled; what merges is exactly the text
/// the members approved. Ballots may be as short as a day so that the demo
/// can be clicked through.
fn demo_rules() -> Rules {
    Rules {
        amendment: Threshold::MajorityOfVotesCast,
        release: Threshold::TWO_THIRDS,
        amendment_ballot_required: true,
        quorum_percent: 50,
        default_days: 7,
        min_days: 1,
        members_may_extend: true,
        objection_blocks: false,
        early_close: true,
        editors_may_merge: false,
        editorial_changes_after_approval: false,
        release_scheme: charta_domain::release::ReleaseScheme::Semantic,
    }
}

/// A ballot on an amendment, opened `days_ago` days ago for seven days,
/// with the given votes cast an hour apart after it opened.
async fn ballot_on(
    store: &Store,
    amendment: &charta_store::AmendmentRow,
    revision: i64,
    chair: i64,
    days_ago: i64,
    votes: &[(&str, i64, Position, &str)],
) -> Result<i64> {
    let spec = store.spec(SEED_SLUG).await?;
    let group = store.group("oss-stewards").await?;
    let orgs = store.organizations(group.id).await?;
    let now = OffsetDateTime::now_utc();
    let opened_at = now.replace_nanosecond(0).unwrap_or(now) - Duration::days(days_ago);
    let title = format!("Merge amendment {}: {}", amendment.number, amendment.title);
    let subject = format!("amendment:{SEED_SLUG}/{}", amendment.number);
    let id = store
        .open_ballot(NewBallot {
            group_id: group.id,
            spec_id: spec.id,
            kind: BallotKind::Amendment,
            amendment_id: Some(amendment.id),
            version: None,
            revision: Some(revision),
            title: &title,
            rules: &demo_rules(),
            opened_by: chair,
            opened_at,
            closes_at: opened_at + Duration::days(7),
            subject: &subject,
        })
        .await?;
    let ballot = store.ballot(id).await?;
    for (i, (org, user, position, rationale)) in votes.iter().enumerate() {
        let organization_id = orgs
            .iter()
            .find(|o| o.slug == *org)
            .with_context(|| format!("demo organisation {org}"))?
            .id;
        store
            .cast_vote(
                &ballot,
                NewVote {
                    organization_id,
                    user_id: *user,
                    position: *position,
                    rationale,
                    at: opened_at + Duration::hours(i as i64 + 1),
                },
            )
            .await?;
    }
    Ok(id)
}

/// A release ballot on `version` that closed at its deadline, with every
/// foundation approving.
async fn release_ballot(store: &Store, version: i64, chair: i64, days_ago: i64) -> Result<()> {
    let spec = store.spec(SEED_SLUG).await?;
    let group = store.group("oss-stewards").await?;
    let now = OffsetDateTime::now_utc();
    let opened_at = now.replace_nanosecond(0).unwrap_or(now) - Duration::days(days_ago);
    let title = format!("Release version {version} of {}", spec.title);
    let subject = format!("spec:{SEED_SLUG}@{version}");
    let id = store
        .open_ballot(NewBallot {
            group_id: group.id,
            spec_id: spec.id,
            kind: BallotKind::Release,
            amendment_id: None,
            version: Some(version),
            revision: None,
            title: &title,
            rules: &demo_rules(),
            opened_by: chair,
            opened_at,
            closes_at: opened_at + Duration::days(7),
            subject: &subject,
        })
        .await?;
    let ballot = store.ballot(id).await?;
    let orgs = store.organizations(group.id).await?;
    for (i, (org, who)) in [
        ("aurora", "rep-aurora"),
        ("borealis", "rep-borealis"),
        ("cobalt", "rep-cobalt"),
    ]
    .into_iter()
    .enumerate()
    {
        let organization_id = orgs
            .iter()
            .find(|o| o.slug == org)
            .with_context(|| format!("demo organisation {org}"))?
            .id;
        store
            .cast_vote(
                &ballot,
                NewVote {
                    organization_id,
                    user_id: person(store, who).await?,
                    position: Position::Approve,
                    rationale: "",
                    at: opened_at + Duration::hours(i as i64 + 2),
                },
            )
            .await?;
    }
    store.close_due_ballots(OffsetDateTime::now_utc()).await?;
    Ok(())
}

/// Two published releases (1.0.0 of version 2 and 1.1.0 of version 3), each
/// after a passed release ballot, and a passed ballot on version 4 that
/// waits for the chair to publish it.
async fn seed_releases(state: &AppState) -> Result<()> {
    let store = &state.store;
    let chair = person(store, "chair").await?;
    for (version, name, days_ago) in [(2, Some("1.0.0"), 30), (3, Some("1.1.0"), 20), (4, None, 9)]
    {
        release_ballot(store, version, chair, days_ago).await?;
        if let Some(name) = name {
            let spec = store.spec(SEED_SLUG).await?;
            charta_app::release::publish_as(state, chair, &spec, version, name)
                .await
                .map_err(|e| anyhow::anyhow!("publishing release {name}: {e}"))?;
        }
    }
    Ok(())
}

/// Two projects' self-assessments, made through the same use cases as the
/// pages: the Aurora Foundation's HTTP library, published as meeting level
/// 1 of release 1.1.0, and a Borealis command-line tool assessed against
/// 1.0.0 for level 2 and then moved to 1.1.0, so that its changed and new
/// controls wait for review.
async fn seed_assessments(state: &AppState) -> Result<()> {
    use charta_app::assessments::{self, Start};
    use charta_domain::assessment::{Status, SubjectKind};
    use charta_domain::spec::Level;

    let ana = viewer(&state.store, "rep-aurora").await?;
    let aurora = Start {
        spec: SEED_SLUG,
        release: "1.1.0",
        kind: SubjectKind::Project,
        name: "aurora-http",
        url: "https://code.aurora.example/aurora-http",
        target: Level::new(1).map_err(anyhow::Error::msg)?,
        organization: Some("aurora"),
    };
    let id = answered(state, &ana, aurora, |_, control, level| match level {
        1 if control == "SVH-IR-01" => Some((
            Status::NotApplicable,
            "aurora-http runs no infrastructure of its own; the Aurora Foundation's incident response plan covers the hosts it uses.",
            Vec::new(),
        )),
        1 => Some((
            Status::Met,
            "In place for every release since 3.0; the linked page shows how.",
            vec![format!(
                "https://code.aurora.example/aurora-http/security#{}",
                control.to_lowercase()
            )],
        )),
        2 => Some((
            Status::PartlyMet,
            "Done for the main repository; the plugins repository follows in the next quarter.",
            Vec::new(),
        )),
        _ => None,
    })
    .await?;
    assessments::publish(state, &ana, id)
        .await
        .map_err(|e| anyhow::anyhow!("publishing aurora-http's assessment: {e}"))?;

    let bram = viewer(&state.store, "rep-borealis").await?;
    let borealis = Start {
        spec: SEED_SLUG,
        release: "1.0.0",
        kind: SubjectKind::Repository,
        name: "borealis-cli",
        url: "https://git.borealis.example/tools/borealis-cli",
        target: Level::new(2).map_err(anyhow::Error::msg)?,
        organization: Some("borealis"),
    };
    let security = "https://git.borealis.example/tools/borealis-cli/-/blob/main/SECURITY.md";
    let id = answered(state, &bram, borealis, |i, _, level| match (level, i % 7) {
        (3.., _) => None,
        (_, 3) => Some((
            Status::NotMet,
            "Not yet: planned for the 2.0 release.",
            vec![security.to_string()],
        )),
        _ => Some((
            Status::Met,
            "Checked by the release manager at the last release.",
            vec![security.to_string()],
        )),
    })
    .await?;
    assessments::move_to(state, &bram, id, "1.1.0")
        .await
        .map_err(|e| anyhow::anyhow!("moving borealis-cli's assessment to 1.1.0: {e}"))?;
    Ok(())
}

/// Starts an assessment as `who` and answers each active control of its
/// release for which `answer` (given the control's position, identifier
/// and level) has a status, justification and evidence; returns its id.
async fn answered<'a>(
    state: &AppState,
    who: &charta_app::viewer::Viewer,
    start: charta_app::assessments::Start<'_>,
    answer: impl Fn(
        usize,
        &str,
        u8,
    ) -> Option<(charta_domain::assessment::Status, &'a str, Vec<String>)>,
) -> Result<i64> {
    use charta_app::assessments::{self, Given};
    let subject = start.name.to_string();
    let fail = |what: String| move |e: charta_app::Error| anyhow::anyhow!("{what}: {e}");
    let id = assessments::start(state, who, start)
        .await
        .map_err(fail(format!("starting {subject}'s assessment")))?
        .id;
    let a = assessments::get(state, who, id)
        .await
        .map_err(fail(format!("reading {subject}'s assessment")))?;
    for (i, c) in a.version.spec.active_controls().enumerate() {
        let Some((status, justification, evidence)) = answer(i, &c.id, c.level.get()) else {
            continue;
        };
        let given = Given {
            control: &c.id,
            status,
            justification,
            evidence,
        };
        assessments::answer(state, who, id, given)
            .await
            .map_err(fail(format!("answering {} for {subject}", c.id)))?;
    }
    Ok(id)
}

/// A demo person acting through the seed, with their stored roles.
async fn viewer(store: &Store, slug: &str) -> Result<charta_app::viewer::Viewer> {
    let id = person(store, slug).await?;
    let user = store.user(id).await?;
    let memberships = store.memberships_of(id).await?;
    Ok(charta_app::viewer::Viewer::acting_as(user, memberships))
}

/// Replaces `from` by `to` in a seed text, failing loudly if the seed no
/// longer contains it (so the demo never silently shows nothing).
fn edit(text: &str, from: &str, to: &str) -> Result<String> {
    anyhow::ensure!(
        text.contains(from),
        "the seed specification no longer contains {from:?}"
    );
    Ok(text.replacen(from, to, 1))
}

async fn person(store: &Store, slug: &str) -> Result<i64> {
    let p = charta_web::auth::demo::person(slug).with_context(|| format!("demo person {slug}"))?;
    Ok(store
        .upsert_user(charta_web::auth::demo::DEMO_ISSUER, p.slug, p.email, p.name)
        .await?
        .id)
}

async fn amend(
    store: &Store,
    spec_id: i64,
    base: i64,
    author: i64,
    title: &str,
    description: &str,
    content: &str,
) -> Result<charta_store::AmendmentRow> {
    let hash = charta_domain::format::content_hash(content);
    let number = store
        .create_amendment(NewAmendment {
            spec_id,
            spec_slug: SEED_SLUG,
            title,
            description,
            author_id: author,
            state: "open",
            revision: NewRevision {
                base_version: base,
                content,
                content_hash: &hash,
                author_id: author,
                message: "First revision",
            },
        })
        .await?;
    Ok(store.amendment(spec_id, number).await?)
}

/// Amendments in every state: one merged (it made version 4) after a
/// ballot, one out of date since that merge, one open with two revisions, a
/// discussion and an open ballot, one rejected.
async fn seed_amendments(store: &Store) -> Result<()> {
    let spec = store.spec(SEED_SLUG).await?;
    let v3 = store.version(&spec, 3).await?.content;
    let (eli, ana, bram, chen, riya, carmen) = (
        person(store, "editor").await?,
        person(store, "rep-aurora").await?,
        person(store, "rep-borealis").await?,
        person(store, "rep-cobalt").await?,
        person(store, "reviewer").await?,
        person(store, "chair").await?,
    );

    let merged_text = edit(
        &v3,
        "in order of severity, and MUST",
        "in order of severity and of known exploitation, and MUST",
    )?;
    let merged = amend(store, spec.id, 3, eli, "Prioritise exploited vulnerabilities", "Fixes for vulnerabilities that are being exploited should not wait behind more severe but theoretical ones.", &merged_text).await?;
    let stale_text = edit(
        &v3,
        "within 7 days of\n      receiving it",
        "within 5 working days\n      of receiving it",
    )?;
    amend(
        store,
        spec.id,
        3,
        ana,
        "Count acknowledgement in working days",
        "Volunteer projects asked for working days; five working days is about a week.",
        &stale_text,
    )
    .await?;
    // The merged amendment went through a ballot that closed at its
    // deadline, three days ago.
    ballot_on(
        store,
        &merged,
        1,
        carmen,
        10,
        &[
            ("aurora", ana, Position::Approve, ""),
            (
                "borealis",
                bram,
                Position::Approve,
                "Matches how our projects already triage.",
            ),
            (
                "cobalt",
                chen,
                Position::Abstain,
                "No exploited vulnerabilities in our projects this year; no view.",
            ),
        ],
    )
    .await?;
    store.close_due_ballots(OffsetDateTime::now_utc()).await?;
    let parsed = charta_domain::format::parse_spec(&merged_text)?;
    store
        .append_version(NewVersion {
            spec: &parsed,
            canonical: &merged_text,
            message: "Merge amendment 1: Prioritise exploited vulnerabilities",
            created_by: &format!("user:{eli}"),
            expected_head: 3,
            draft: false,
            merges_amendment: Some(merged.id),
        })
        .await?;

    let v4 = store
        .version(&store.spec(SEED_SLUG).await?, 4)
        .await?
        .content;
    let open_text = edit(
        &v4,
        "at least the\n      security contacts and the people able to publish releases",
        "at least the\n      security contacts, the release managers and the people able to publish\n      releases",
    )?;
    let open = amend(
        store,
        spec.id,
        4,
        bram,
        "Name release managers among the security roles",
        "Release managers decide what ships; they should be listed with the security contacts.",
        &open_text,
    )
    .await?;
    let thread = store
        .create_thread(&open, NewThread {
            amendment_id: open.id,
            revision: 1,
            control_id: Some("SVH-GV-02"),
            field: Some("statement"),
            first_line: Some(2),
            last_line: Some(2),
            anchor_text: "security contacts, the release managers and the people able to publish",
            blocking: true,
            author_id: riya,
            body: "Many projects have no role called release manager. Can we describe the duty instead of the title?",
            suggestion: "",
        })
        .await?;
    store
        .reply(
            &open,
            thread,
            bram,
            "Fair point; I will add a sentence to the guidance in the next revision.",
        )
        .await?;
    store
        .create_thread(
            &open,
            NewThread {
                amendment_id: open.id,
                revision: 1,
                control_id: None,
                field: None,
                first_line: None,
                last_line: None,
                anchor_text: "",
                blocking: false,
                author_id: carmen,
                body: "Let's aim to settle this at the next call.",
                suggestion: "",
            },
        )
        .await?;
    let second = edit(
        &open_text,
        "including which settings affect security",
        "including which settings affect security, which release managers to contact,",
    )?;
    let hash = charta_domain::format::content_hash(&second);
    store
        .add_revision(
            &open,
            1,
            NewRevision {
                base_version: 4,
                content: &second,
                content_hash: &hash,
                author_id: bram,
                message: "Point users to the release managers too",
            },
        )
        .await?;
    store
        .request_review(&open, riya, &format!("user:{bram}"))
        .await?;
    // Its ballot is open: Aurora and Borealis have voted, Cobalt has not.
    ballot_on(
        store,
        &open,
        2,
        carmen,
        2,
        &[
            ("aurora", ana, Position::Approve, ""),
            ("borealis", bram, Position::Approve, "We proposed it."),
        ],
    )
    .await?;

    let rejected_text = edit(
        &v4,
        "The project MUST document how to install",
        "The project SHOULD document how to install",
    )?;
    let rejected = amend(
        store,
        spec.id,
        4,
        chen,
        "Make secure-use documentation a recommendation",
        "Small projects struggle to document every setting.",
        &rejected_text,
    )
    .await?;
    store
        .set_amendment_state(&rejected, "open", "rejected", "This weakens a level 1 requirement; the group prefers to explain in the guidance how small projects can meet it.", &format!("user:{carmen}"))
        .await?;
    Ok(())
}

/// Deletes a SQLite database file and its WAL companions, for `--reset`.
pub fn remove_sqlite_file(url: &str) -> Result<()> {
    if Backend::from_url(url)? != Backend::Sqlite {
        anyhow::bail!("--reset only deletes SQLite demo databases");
    }
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{path}{suffix}");
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot delete {p}")),
        }
    }
    Ok(())
}
