//! Ballots, votes, deadlines and group rules, on both backends.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::ballot::{BallotKind, Outcome, Position, Rules, Threshold};
use charta_domain::catalog::{Catalog, CatalogSet};
use charta_domain::diff::TextChange;
use charta_domain::format::content_hash;
use charta_store::testing::TestDb;
use charta_store::{
    BallotRow, Closing, NewAmendment, NewBallot, NewDelegation, NewRevision, NewVote, StoreError,
    both_backends, current_positions, import_group_text, import_spec_text,
};
use time::{Duration, OffsetDateTime};

fn catalogs() -> CatalogSet {
    let cat = Catalog::parse("catalog: t\ntitle: T\nversion: '1'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n      - id: T:1\n        title: One\n        text: x\n").unwrap();
    CatalogSet::new(vec![cat]).unwrap()
}

const V1: &str = "spec: demo\ngroup: wg\ntitle: Demo\nsections:\n  - id: VM\n    title: V\ncontrols:\n  - id: D-VM-01\n    section: VM\n    title: Policy\n    level: 1\n    status: active\n    statement: MUST publish a policy.\n";

struct Setup {
    group_id: i64,
    spec_id: i64,
    /// Organisation ids: aurora, borealis, cygnus.
    orgs: Vec<i64>,
    /// A user per organisation, and a chair.
    voters: Vec<i64>,
    chair: i64,
    amendment_id: i64,
}

/// Whole seconds in the past, so that deadlines compare exactly on both
/// backends.
fn t0() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap() - Duration::days(1)
}

async fn setup(db: &TestDb) -> Setup {
    import_group_text(
        &db.store,
        "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: Aurora\n  - slug: borealis\n    name: Borealis\n  - slug: cygnus\n    name: Cygnus\n",
        "t",
    )
    .await
    .unwrap();
    import_spec_text(&db.store, &catalogs(), V1, "", "t")
        .await
        .unwrap();
    let group = db.store.group("wg").await.unwrap();
    let orgs: Vec<i64> = db
        .store
        .organizations(group.id)
        .await
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    let mut voters = Vec::new();
    for (i, org) in orgs.iter().enumerate() {
        let u = db
            .store
            .upsert_user("i", &format!("rep{i}"), "r@x", &format!("Rep {i}"))
            .await
            .unwrap();
        db.store
            .add_membership(group.id, u.id, "representative", Some(*org))
            .await
            .unwrap();
        voters.push(u.id);
    }
    let chair = db
        .store
        .upsert_user("i", "chair", "c@x", "Chair")
        .await
        .unwrap()
        .id;
    let spec_id = db.store.spec("demo").await.unwrap().id;
    let text = V1.replace("a policy", "a disclosure policy");
    let hash = content_hash(&text);
    db.store
        .create_amendment(NewAmendment {
            spec_id,
            spec_slug: "demo",
            title: "Clarify",
            description: "",
            author_id: chair,
            state: "open",
            revision: NewRevision {
                base_version: 1,
                content: &text,
                content_hash: &hash,
                author_id: chair,
                message: "m",
            },
        })
        .await
        .unwrap();
    let amendment_id = db.store.amendment(spec_id, 1).await.unwrap().id;
    Setup {
        group_id: group.id,
        spec_id,
        orgs,
        voters,
        chair,
        amendment_id,
    }
}

async fn open(
    db: &TestDb,
    s: &Setup,
    rules: &Rules,
    opened_at: OffsetDateTime,
    days: i64,
) -> BallotRow {
    let id = db
        .store
        .open_ballot(NewBallot {
            group_id: s.group_id,
            spec_id: s.spec_id,
            kind: BallotKind::Amendment,
            amendment_id: Some(s.amendment_id),
            version: None,
            revision: Some(1),
            title: "Merge amendment 1",
            rules,
            opened_by: s.chair,
            opened_at,
            closes_at: opened_at + Duration::days(days),
            subject: "amendment:demo/1",
        })
        .await
        .unwrap();
    db.store.ballot(id).await.unwrap()
}

fn vote(s: &Setup, i: usize, position: Position, at: OffsetDateTime) -> NewVote<'static> {
    NewVote {
        organization_id: s.orgs[i],
        user_id: s.voters[i],
        position,
        rationale: if position == Position::Object {
            "Too vague."
        } else {
            ""
        },
        at,
    }
}

both_backends! {
    votes_are_events_and_the_newest_counts => |db: TestDb| async move {
        let s = setup(&db).await;
        let start = t0();
        let b = open(&db, &s, &Rules::default(), start, 7).await;
        assert_eq!((b.state.as_str(), b.round, b.revision), ("open", 1, Some(1)));
        assert_eq!(db.store.ballot_voters(b.id).await.unwrap().len(), 3);
        db.store.cast_vote(&b, vote(&s, 0, Position::Object, start + Duration::minutes(1))).await.unwrap();
        db.store.cast_vote(&b, vote(&s, 0, Position::Approve, start + Duration::minutes(2))).await.unwrap();
        db.store.cast_vote(&b, vote(&s, 1, Position::Abstain, start + Duration::minutes(3))).await.unwrap();
        let votes = db.store.votes(b.id).await.unwrap();
        assert_eq!(votes.len(), 3, "every change is kept");
        let current = current_positions(&db.store.ballot_voters(b.id).await.unwrap(), &votes, 1, None);
        let positions: Vec<Option<Position>> = current.iter().map(|(v, _)| v.position).collect();
        assert_eq!(positions, vec![Some(Position::Approve), Some(Position::Abstain), None]);

        // A second ballot on the same amendment cannot open while this one is open.
        let err = db.store.open_ballot(NewBallot { group_id: s.group_id, spec_id: s.spec_id, kind: BallotKind::Amendment, amendment_id: Some(s.amendment_id), version: None, revision: Some(1), title: "again", rules: &Rules::default(), opened_by: s.chair, opened_at: start, closes_at: start + Duration::days(7), subject: "amendment:demo/1" }).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("still open")), "{err}");

        // The audit log has one entry per vote, under the ballot.
        let entries = db.store.audit_entries_for(&b.audit_object()).await.unwrap();
        assert_eq!(entries.iter().filter(|e| e.action == "ballot.vote").count(), 3);
        assert_eq!(entries.iter().filter(|e| e.action == "ballot.open").count(), 1);
        assert_eq!(db.store.verify_audit().await.unwrap().unwrap(), db.store.audit_head().await.unwrap().seq as usize);
    };

    the_outcome_is_the_tally_at_the_deadline => |db: TestDb| async move {
        let s = setup(&db).await;
        let start = t0();
        let b = open(&db, &s, &Rules::default(), start, 1).await;
        let deadline = b.closes_at;
        db.store.cast_vote(&b, vote(&s, 0, Position::Approve, deadline - Duration::seconds(2))).await.unwrap();
        db.store.cast_vote(&b, vote(&s, 1, Position::Approve, deadline - Duration::seconds(1))).await.unwrap();
        // The deadline has passed but nothing closed it yet: a late vote is
        // still refused, so it cannot change the outcome.
        let late = db.store.cast_vote(&b, vote(&s, 1, Position::Object, deadline)).await.unwrap_err();
        assert!(matches!(late, StoreError::Conflict(ref m) if m.contains("deadline")), "{late}");
        // Not due yet: nothing closes.
        assert!(db.store.close_ballot(b.id, Closing::Deadline, deadline - Duration::seconds(1)).await.unwrap().is_none());
        // The closer runs an hour late; the tally is the one at the deadline.
        let closed = db.store.close_due_ballots(deadline + Duration::hours(1)).await.unwrap();
        assert_eq!(closed, vec![(b.id, Outcome::Passed)]);
        let b = db.store.ballot(b.id).await.unwrap();
        assert_eq!((b.state.as_str(), b.outcome, b.closed_by.as_deref()), ("closed", Some(charta_domain::ballot::Outcome::Passed), Some("deadline")));
        assert_eq!(b.closed_at, Some(deadline), "closed as of the deadline, not when the task ran");
        let t = b.final_tally().unwrap().unwrap();
        assert_eq!((t.approve, t.not_voted), (2, 1));
        // Closing again changes nothing; a closed ballot takes no votes,
        // extensions or cancellation.
        assert!(db.store.close_due_ballots(deadline + Duration::hours(2)).await.unwrap().is_empty());
        assert!(db.store.close_ballot(b.id, Closing::Deadline, deadline + Duration::hours(2)).await.unwrap().is_none());
        assert!(matches!(db.store.cast_vote(&b, vote(&s, 2, Position::Approve, start)).await, Err(StoreError::Conflict(_))));
        assert!(matches!(db.store.extend_ballot(&b, deadline + Duration::days(3), start, "user:1").await, Err(StoreError::Conflict(_))));
        assert!(matches!(db.store.cancel_ballot(&b, "no", deadline, "user:1").await, Err(StoreError::Conflict(_))));
        let entries = db.store.audit_entries_for(&b.audit_object()).await.unwrap();
        assert_eq!(entries.iter().filter(|e| e.action == "ballot.close").count(), 1);
    };

    closing_runs_exactly_once_across_instances => |db: TestDb| async move {
        let s = setup(&db).await;
        let start = t0();
        let mut ids = Vec::new();
        for i in 0..3 {
            // Three ballots, on three release versions.
            let id = db.store.open_ballot(NewBallot { group_id: s.group_id, spec_id: s.spec_id, kind: BallotKind::Release, amendment_id: None, version: Some(i + 1), revision: None, title: "Release", rules: &Rules::default(), opened_by: s.chair, opened_at: start, closes_at: start + Duration::hours(1), subject: "spec:demo" }).await.unwrap();
            ids.push(id);
        }
        // Several "instances" (separate connections to the same database)
        // close at the same moment.
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let store = charta_store::Store::connect(&db.url).await.unwrap();
            tasks.push(tokio::spawn(async move { store.close_due_ballots(OffsetDateTime::now_utc()).await }));
        }
        let mut closed = Vec::new();
        for t in tasks {
            closed.extend(t.await.unwrap().unwrap());
        }
        closed.sort_by_key(|(id, _)| *id);
        let expected: Vec<(i64, Outcome)> = ids.iter().map(|&id| (id, Outcome::Failed)).collect();
        assert_eq!(closed, expected, "each ballot closed once, by one of them");
        let entries = db.store.audit_entries(0, 1000).await.unwrap();
        assert_eq!(entries.iter().filter(|e| e.action == "ballot.close").count(), 3);
    };

    one_organisation_never_has_two_current_positions => |db: TestDb| async move {
        let s = setup(&db).await;
        // An alternate for Aurora, beside its representative, without a
        // delegation: racing the representative, it is refused every time.
        let alt = db.store.upsert_user("i", "alt", "a@x", "Alt").await.unwrap().id;
        db.store.add_membership(s.group_id, alt, "alternate", Some(s.orgs[0])).await.unwrap();
        let b = open(&db, &s, &Rules::default(), OffsetDateTime::now_utc() - Duration::hours(1), 7).await;
        for round in 0..5 {
            let mut tasks = Vec::new();
            for (user, position) in [(s.voters[0], Position::Approve), (alt, Position::Object)] {
                let store = charta_store::Store::connect(&db.url).await.unwrap();
                let b = b.clone();
                let org = s.orgs[0];
                tasks.push(tokio::spawn(async move {
                    store.cast_vote(&b, NewVote { organization_id: org, user_id: user, position, rationale: "Concurrent.", at: OffsetDateTime::now_utc() }).await
                }));
            }
            let mut results = Vec::new();
            for t in tasks {
                results.push(t.await.unwrap());
            }
            assert!(results[0].is_ok(), "{:?}", results[0]);
            assert!(matches!(results[1], Err(StoreError::Forbidden(ref m)) if m.contains("Rep 0")), "{:?}", results[1]);
            let votes = db.store.votes(b.id).await.unwrap();
            assert_eq!(votes.len(), round + 1);
            assert!(votes.iter().all(|v| v.user_id == s.voters[0] && v.delegation_id.is_none()));
            let voters = db.store.ballot_voters(b.id).await.unwrap();
            let current = current_positions(&voters, &votes, 1, None);
            let aurora: Vec<_> = current.iter().filter(|(_, v)| v.as_ref().is_some_and(|v| v.organization_id == s.orgs[0])).collect();
            assert_eq!(aurora.len(), 1, "exactly one current position for Aurora");
            assert_eq!(aurora[0].0.position, Some(Position::Approve));
        }
    };

    normative_revisions_reset_votes_and_editorial_ones_keep_them_where_the_rules_allow => |db: TestDb| async move {
        let s = setup(&db).await;
        let lenient = Rules { editorial_changes_after_approval: true, ..Rules::default() };
        let b = open(&db, &s, &lenient, OffsetDateTime::now_utc() - Duration::hours(1), 7).await;
        db.store.cast_vote(&b, vote(&s, 0, Position::Approve, OffsetDateTime::now_utc())).await.unwrap();
        let a = db.store.amendment(s.spec_id, 1).await.unwrap();
        let editorial = V1.replace("a policy", "a disclosure policy").replace("title: Policy", "title: Disclosure policy");
        let hash = content_hash(&editorial);
        db.store.add_classified_revision(&a, 1, NewRevision { base_version: 1, content: &editorial, content_hash: &hash, author_id: s.chair, message: "typo" }, TextChange::Editorial, &[]).await.unwrap();
        let b2 = db.store.ballot(b.id).await.unwrap();
        assert_eq!((b2.round, b2.revision), (1, Some(2)), "editorial: same round, new revision");
        let normative = editorial.replace("MUST", "SHOULD");
        let hash = content_hash(&normative);
        db.store.add_classified_revision(&a, 2, NewRevision { base_version: 1, content: &normative, content_hash: &hash, author_id: s.chair, message: "weaker" }, TextChange::Normative, &[]).await.unwrap();
        let b3 = db.store.ballot(b.id).await.unwrap();
        assert_eq!((b3.round, b3.revision), (2, Some(3)), "normative: new round");
        let votes = db.store.votes(b.id).await.unwrap();
        assert_eq!(votes.len(), 1, "the old vote stays in the history");
        let current = current_positions(&db.store.ballot_voters(b.id).await.unwrap(), &votes, b3.round, None);
        assert!(current.iter().all(|(v, _)| v.position.is_none()), "but no longer counts");
        let entries = db.store.audit_entries_for(&b.audit_object()).await.unwrap();
        assert!(entries.iter().any(|e| e.action == "ballot.reset"));
        // Votes now record revision 3.
        db.store.cast_vote(&b3, vote(&s, 0, Position::Approve, OffsetDateTime::now_utc())).await.unwrap();
        assert_eq!(db.store.votes(b.id).await.unwrap()[1].revision, Some(3));
    };

    an_editorial_revision_resets_votes_under_the_default_rules => |db: TestDb| async move {
        let s = setup(&db).await;
        let b = open(&db, &s, &Rules::default(), OffsetDateTime::now_utc() - Duration::hours(1), 7).await;
        db.store.cast_vote(&b, vote(&s, 0, Position::Approve, OffsetDateTime::now_utc())).await.unwrap();
        let a = db.store.amendment(s.spec_id, 1).await.unwrap();
        let editorial = V1.replace("a policy", "a disclosure policy").replace("title: Policy", "title: Disclosure policy");
        let hash = content_hash(&editorial);
        db.store.add_classified_revision(&a, 1, NewRevision { base_version: 1, content: &editorial, content_hash: &hash, author_id: s.chair, message: "typo" }, TextChange::Editorial, &[]).await.unwrap();
        let b2 = db.store.ballot(b.id).await.unwrap();
        assert_eq!((b2.round, b2.revision), (2, Some(2)), "the approval covered the old text only");
        let entries = db.store.audit_entries_for(&b.audit_object()).await.unwrap();
        let reset = entries.iter().find(|e| e.action == "ballot.reset").unwrap();
        assert!(reset.details.to_string().contains("an editorial revision was posted"), "{}", reset.details);
    };

    early_close_cancel_extend_and_rules => |db: TestDb| async move {
        let s = setup(&db).await;
        let now = OffsetDateTime::now_utc();
        // Rules: default until set; set ones are read back and audited.
        assert_eq!(db.store.group_rules(s.group_id).await.unwrap(), Rules::default());
        let strict = Rules { amendment: Threshold::TWO_THIRDS, objection_blocks: true, ..Rules::default() };
        db.store.set_group_rules(s.group_id, "wg", &strict, Some(s.chair), "user:1").await.unwrap();
        assert_eq!(db.store.group_rules(s.group_id).await.unwrap(), strict);

        let b = open(&db, &s, &strict, now - Duration::hours(1), 7).await;
        assert_eq!(b.rules().unwrap(), strict, "the ballot keeps the rules it opened under");
        // Not decided yet: early close refused, nothing written.
        db.store.cast_vote(&b, vote(&s, 0, Position::Approve, now)).await.unwrap();
        let err = db.store.close_ballot(b.id, Closing::Early { actor: "user:1" }, now).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(ref m) if m.contains("can still change")), "{err}");
        assert_eq!(db.store.ballot(b.id).await.unwrap().state.as_str(), "open");
        // One objection blocks under these rules: decided, closes early as failed.
        db.store.cast_vote(&b, vote(&s, 1, Position::Object, now)).await.unwrap();
        let t = db.store.close_ballot(b.id, Closing::Early { actor: "user:1" }, now).await.unwrap().unwrap();
        assert_eq!(t.outcome, Outcome::Failed);
        assert!(t.explanation.contains("blocked by an objection from Borealis"), "{}", t.explanation);

        // A new ballot can open once the old one closed; extend, then cancel.
        let b = open(&db, &s, &strict, now - Duration::hours(1), 7).await;
        db.store.extend_ballot(&b, b.closes_at + Duration::days(3), now, "user:1").await.unwrap();
        assert_eq!(db.store.ballot(b.id).await.unwrap().closes_at, b.closes_at + Duration::days(3));
        assert!(matches!(db.store.extend_ballot(&b, b.closes_at, now, "user:1").await, Err(StoreError::Conflict(_))), "an earlier deadline is refused");
        db.store.cancel_ballot(&b, "Wrong text", now, "user:1").await.unwrap();
        let b = db.store.ballot(b.id).await.unwrap();
        assert_eq!((b.state.as_str(), b.cancel_reason.as_str(), b.outcome), ("cancelled", "Wrong text", None));
        assert!(matches!(db.store.close_ballot(b.id, Closing::Early { actor: "user:1" }, now).await, Err(StoreError::Conflict(_))));
        assert_eq!(db.store.ballots_of_amendment(s.amendment_id).await.unwrap().len(), 2);
    };

    my_work_lists_ballots_awaiting_an_organisation => |db: TestDb| async move {
        let s = setup(&db).await;
        let b = open(&db, &s, &Rules::default(), OffsetDateTime::now_utc() - Duration::hours(1), 7).await;
        for v in &s.voters {
            assert_eq!(db.store.ballots_awaiting(*v).await.unwrap().len(), 1);
        }
        assert!(db.store.ballots_awaiting(s.chair).await.unwrap().is_empty(), "the chair speaks for no organisation");
        db.store.cast_vote(&b, vote(&s, 0, Position::Abstain, OffsetDateTime::now_utc())).await.unwrap();
        assert!(db.store.ballots_awaiting(s.voters[0]).await.unwrap().is_empty());
        assert_eq!(db.store.ballots_awaiting(s.voters[1]).await.unwrap().len(), 1);
    };

    votes_and_closed_ballots_cannot_be_rewritten => |db: TestDb| async move {
        let s = setup(&db).await;
        let b = open(&db, &s, &Rules::default(), OffsetDateTime::now_utc() - Duration::hours(1), 7).await;
        db.store.cast_vote(&b, vote(&s, 0, Position::Approve, OffsetDateTime::now_utc())).await.unwrap();
        let pool_url = db.url.clone();
        let tampered = match db.store.backend() {
            charta_store::Backend::Sqlite => {
                use sqlx::Connection;
                let mut c = sqlx::SqliteConnection::connect(&pool_url).await.unwrap();
                let a = sqlx::query("UPDATE ballot_votes SET position = 'object'").execute(&mut c).await.is_err();
                let d = sqlx::query("DELETE FROM ballot_votes").execute(&mut c).await.is_err();
                a && d
            }
            charta_store::Backend::Postgres => {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(&pool_url).await.unwrap();
                let a = sqlx::query("UPDATE ballot_votes SET position = 'object'").execute(&mut c).await.is_err();
                let d = sqlx::query("DELETE FROM ballot_votes").execute(&mut c).await.is_err();
                a && d
            }
        };
        assert!(tampered, "the database refuses to change or delete votes");
        assert_eq!(db.store.votes(b.id).await.unwrap()[0].position, Position::Approve);
    };
}

/// An alternate for organisation `i` of the setup.
async fn alternate(db: &TestDb, s: &Setup, i: usize, name: &str) -> i64 {
    let alt = db
        .store
        .upsert_user("i", name, &format!("{name}@x"), name)
        .await
        .unwrap()
        .id;
    db.store
        .add_membership(s.group_id, alt, "alternate", Some(s.orgs[i]))
        .await
        .unwrap();
    alt
}

fn delegation(
    s: &Setup,
    i: usize,
    alternate: i64,
    starts_at: OffsetDateTime,
    ends_at: Option<OffsetDateTime>,
) -> NewDelegation {
    NewDelegation {
        group_id: s.group_id,
        organization_id: s.orgs[i],
        alternate_id: alternate,
        starts_at,
        ends_at,
        given_by: s.voters[i],
        at: OffsetDateTime::now_utc(),
    }
}

fn by(user: i64, org: i64, position: Position) -> NewVote<'static> {
    NewVote {
        organization_id: org,
        user_id: user,
        position,
        rationale: "",
        at: OffsetDateTime::now_utc(),
    }
}

both_backends! {
    only_the_current_voter_votes_and_a_delegation_hands_the_vote_over => |db: TestDb| async move {
        let s = setup(&db).await;
        let alt = alternate(&db, &s, 0, "alt").await;
        let b = open(&db, &s, &Rules::default(), OffsetDateTime::now_utc() - Duration::hours(1), 7).await;
        // The representative votes; the alternate cannot override it.
        db.store.cast_vote(&b, by(s.voters[0], s.orgs[0], Position::Approve)).await.unwrap();
        let err = db.store.cast_vote(&b, by(alt, s.orgs[0], Position::Recuse)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Forbidden(m) if m.contains("representative, Rep 0") && m.contains("delegate")), "{err}");
        // Under a delegation the alternate votes, and the representative no longer can.
        let now = OffsetDateTime::now_utc();
        let d = db.store.give_delegation(delegation(&s, 0, alt, now, None)).await.unwrap();
        let err = db.store.cast_vote(&b, by(s.voters[0], s.orgs[0], Position::Abstain)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Forbidden(m) if m.contains(&format!("delegation {d}")) && m.contains("alt")), "{err}");
        // Until the alternate votes, the representative's vote stands.
        let votes = db.store.votes(b.id).await.unwrap();
        let current = current_positions(&db.store.ballot_voters(b.id).await.unwrap(), &votes, 1, None);
        assert_eq!(current.iter().find(|(_, v)| v.as_ref().is_some_and(|v| v.organization_id == s.orgs[0])).unwrap().0.position, Some(Position::Approve));
        db.store.cast_vote(&b, by(alt, s.orgs[0], Position::Abstain)).await.unwrap();
        let votes = db.store.votes(b.id).await.unwrap();
        assert_eq!(votes.iter().map(|v| (v.user_id, v.delegation_id)).collect::<Vec<_>>(), vec![(s.voters[0], None), (alt, Some(d))]);
        // Revoked, the vote returns to the representative.
        db.store.revoke_delegation(s.group_id, d, s.voters[0], OffsetDateTime::now_utc()).await.unwrap();
        assert!(matches!(db.store.cast_vote(&b, by(alt, s.orgs[0], Position::Approve)).await, Err(StoreError::Forbidden(_))));
        db.store.cast_vote(&b, by(s.voters[0], s.orgs[0], Position::Approve)).await.unwrap();
        let err = db.store.revoke_delegation(s.group_id, d, s.voters[0], OffsetDateTime::now_utc()).await.unwrap_err();
        assert!(matches!(&err, StoreError::Conflict(m) if m.contains("already revoked")), "{err}");
        // Each step is in the audit log.
        let entries = db.store.audit_entries(0, 1000).await.unwrap();
        assert_eq!(entries.iter().filter(|e| e.action.starts_with("delegation.")).count(), 2);
        let cast = entries.iter().filter(|e| e.action == "ballot.vote").nth(1).unwrap();
        let details: serde_json::Value = serde_json::from_str(&cast.details).unwrap();
        assert_eq!(details["delegation"], serde_json::json!(d));
    };

    delegations_are_checked_and_append_only => |db: TestDb| async move {
        let s = setup(&db).await;
        let alt = alternate(&db, &s, 0, "alt").await;
        let other = alternate(&db, &s, 1, "other").await;
        let now = OffsetDateTime::now_utc();
        let d = db.store.give_delegation(delegation(&s, 0, alt, now + Duration::days(1), Some(now + Duration::days(3)))).await.unwrap();
        for (alternate, from, to, needle) in [
            (other, now, None, "not an alternate of this organisation"),
            (s.voters[0], now, None, "not an alternate of this organisation"),
            (alt, now + Duration::days(2), None, &*format!("delegation {d} of this organisation")),
            (alt, now, Some(now), "must end after it starts"),
            (alt, now - Duration::days(1), Some(now + Duration::hours(1)), "cannot start in the past"),
        ] {
            let err = db.store.give_delegation(delegation(&s, 0, alternate, from, to)).await.unwrap_err();
            assert!(matches!(&err, StoreError::Conflict(m) if m.contains(needle)), "{needle}: {err}");
        }
        // Touching periods are fine; an unknown one cannot be revoked.
        db.store.give_delegation(delegation(&s, 0, alt, now + Duration::days(3), None)).await.unwrap();
        assert!(matches!(db.store.revoke_delegation(s.group_id, 9999, s.voters[0], now).await, Err(StoreError::NotFound(_))));
        assert_eq!(db.store.delegations_of_group(s.group_id).await.unwrap().len(), 2);
        // Not yet in force: the representative still votes.
        assert_eq!(db.store.voice(s.orgs[0], now).await.unwrap().person(), Some(s.voters[0]));
        assert_eq!(db.store.voice(s.orgs[0], now + Duration::days(2)).await.unwrap().person(), Some(alt));
        for sql in ["UPDATE delegation_events SET alternate_id = NULL", "DELETE FROM delegation_events"] {
            let err = db.execute_raw(sql).await.unwrap_err().to_string();
            assert!(err.contains("append-only"), "{sql}: {err}");
        }
        if db.backend() == charta_store::Backend::Postgres {
            let err = db.execute_raw("TRUNCATE delegation_events CASCADE").await.unwrap_err().to_string();
            assert!(err.contains("append-only"), "{err}");
        }
        assert_eq!(db.store.delegations_of_group(s.group_id).await.unwrap().len(), 2);
    };

    one_person_votes_for_one_organisation_and_the_record_names_who_could => |db: TestDb| async move {
        let s = setup(&db).await;
        // Rep 0 is also Borealis's alternate, under a delegation.
        db.store.add_membership(s.group_id, s.voters[0], "alternate", Some(s.orgs[1])).await.unwrap();
        let mut d = delegation(&s, 1, s.voters[0], OffsetDateTime::now_utc(), None);
        d.given_by = s.voters[1];
        let given = db.store.give_delegation(d).await.unwrap();
        let b = open(&db, &s, &Rules::default(), OffsetDateTime::now_utc(), 7).await;
        let voters = db.store.ballot_voters(b.id).await.unwrap();
        let at_opening: Vec<_> = voters.iter().map(|v| (v.name.as_str(), v.voter_at_opening.as_deref(), v.delegation_id)).collect();
        assert_eq!(at_opening, vec![("Aurora", Some("Rep 0"), None), ("Borealis", Some("Rep 0"), Some(given)), ("Cygnus", Some("Rep 2"), None)]);
        db.store.cast_vote(&b, by(s.voters[0], s.orgs[0], Position::Approve)).await.unwrap();
        let err = db.store.cast_vote(&b, by(s.voters[0], s.orgs[1], Position::Approve)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Conflict(m) if m.contains("already voted for Aurora")), "{err}");
        // Changing the vote for the same organisation is still fine.
        db.store.cast_vote(&b, by(s.voters[0], s.orgs[0], Position::Abstain)).await.unwrap();
        assert_eq!(db.store.votes(b.id).await.unwrap().len(), 2);
    };

    a_refused_vote_writes_nothing_and_the_next_vote_is_taken => |db: TestDb| async move {
        let s = setup(&db).await;
        let b = open(&db, &s, &Rules::default(), OffsetDateTime::now_utc(), 7).await;
        // Delphi joins after the ballot opened: its representative has no
        // vote in this ballot.
        import_group_text(
            &db.store,
            "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: Aurora\n  - slug: borealis\n    name: Borealis\n  - slug: cygnus\n    name: Cygnus\n  - slug: delphi\n    name: Delphi\n",
            "t",
        )
        .await
        .unwrap();
        let delphi = db.store.organizations(s.group_id).await.unwrap().into_iter().find(|o| o.slug == "delphi").unwrap().id;
        let rep = db.store.upsert_user("i", "rep-delphi", "d@x", "Rep D").await.unwrap();
        db.store.add_membership(s.group_id, rep.id, "representative", Some(delphi)).await.unwrap();
        let head = db.store.audit_head().await.unwrap().seq;
        let err = db.store.cast_vote(&b, by(rep.id, delphi, Position::Approve)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Conflict(m) if m.contains("no vote in it")), "{err}");
        // Someone who does not hold the organisation's vote is refused,
        // and told who does.
        let err = db.store.cast_vote(&b, by(s.voters[1], s.orgs[0], Position::Approve)).await.unwrap_err();
        assert!(matches!(&err, StoreError::Forbidden(m) if m.contains("Rep 0")), "{err}");
        assert!(db.store.votes(b.id).await.unwrap().is_empty());
        assert_eq!(db.store.audit_head().await.unwrap().seq, head, "a refused vote writes no audit entry");
        // The writer goes on after the refusals.
        db.store.cast_vote(&b, by(s.voters[0], s.orgs[0], Position::Approve)).await.unwrap();
        assert_eq!(db.store.votes(b.id).await.unwrap().len(), 1);
        assert_eq!(db.store.audit_head().await.unwrap().seq, head + 1);
        assert!(db.store.verify_audit().await.unwrap().is_ok());
    };
}
