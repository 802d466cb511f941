//! Assessments in the store, on both backends: answers replace each other,
//! a move only succeeds from the release the caller read, and once
//! published nothing about an assessment changes, whoever asks (the
//! schema's triggers refuse raw statements too).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_domain::assessment::{Answer, Review, Status};
use charta_domain::catalog::{Catalog, CatalogSet};
use charta_store::testing::TestDb;
use charta_store::{
    NewAnswer, NewAssessment, NewRelease, StoreError, both_backends, import_group_text,
    import_spec_text,
};

const SPEC: &str = "spec: demo\ngroup: wg\ntitle: Demo\nsections:\n  - id: VM\n    title: V\ncontrols:\n  - id: D-VM-01\n    section: VM\n    title: Policy\n    level: 1\n    status: active\n    statement: MUST publish a policy.\n";

fn catalogs() -> CatalogSet {
    let cat = Catalog::parse("catalog: t\ntitle: T\nversion: '1'\npublisher: P\nsource: s\ndescription: d\nsections:\n  - id: a\n    title: A\n    items:\n      - id: T:1\n        title: One\n        text: x\n").unwrap();
    CatalogSet::new(vec![cat]).unwrap()
}

fn answer(status: Status) -> Answer {
    Answer {
        control: "D-VM-01".into(),
        status: Some(status),
        justification: "j".into(),
        evidence: vec!["https://example.org/e".into()],
        review: None,
    }
}

both_backends! {
    published_assessments_never_change => |db: TestDb| async move {
        let s = &db.store;
        import_group_text(s, "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: Aurora\n", "t").await.unwrap();
        import_spec_text(s, &catalogs(), SPEC, "", "t").await.unwrap();
        let spec = s.spec("demo").await.unwrap();
        let user = s.upsert_user("https://idp", "ada", "ada@example.org", "Ada").await.unwrap();
        let release = s
            .create_release(NewRelease {
                spec_id: spec.id,
                spec_slug: "demo",
                version: 1,
                name: "1.0.0",
                published_on: "2026-12-07",
                published_by: user.id,
                predecessor_id: None,
                ballot_id: None,
                manifest_sha256: "00",
                key_id: "k",
                audit_checkpoint_seq: None,
                files: vec![],
            })
            .await
            .unwrap();
        let id = s
            .create_assessment(NewAssessment {
                owner_id: user.id,
                organization_id: None,
                subject_kind: "project",
                subject_name: "W",
                subject_url: "https://example.org/w",
                release_id: release,
                target_level: 1,
            })
            .await
            .unwrap();
        let actor = format!("user:{}", user.id);
        s.save_answer(id, &actor, &answer(Status::NotMet)).await.unwrap();
        s.save_answer(id, &actor, &answer(Status::Met)).await.unwrap();
        let answers = s.assessment_answers(id).await.unwrap();
        assert_eq!(answers.len(), 1);
        assert_eq!(answers[0].answer(), answer(Status::Met));

        // A move from a release the assessment is not on is refused.
        let flagged = NewAnswer { answer: Answer { review: Some(Review::Changed), ..answer(Status::Met) }, redline: "{}".into() };
        let err = s.move_assessment(id, &actor, release + 1, release, std::slice::from_ref(&flagged), &[], "[]").await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");

        s.publish_assessment(id, &actor, release, Some(3), &[("attestation.json", b"{}", "44".into())]).await.unwrap();
        let row = s.assessment(id).await.unwrap();
        assert!(row.is_published());
        assert_eq!(row.achieved_level, Some(3));
        assert_eq!(s.assessment_level_counts(release).await.unwrap()[0].assessments, 1);
        let counts = s.assessment_control_counts(release).await.unwrap();
        assert_eq!((counts[0].not_met, counts[0].answered), (0, 1));

        // Through the store: refused with a reason.
        assert!(matches!(s.save_answer(id, &actor, &answer(Status::NotMet)).await, Err(StoreError::Conflict(_))));
        assert!(matches!(s.move_assessment(id, &actor, release, release, &[], &[], "[]").await, Err(StoreError::Conflict(_))));
        assert!(matches!(s.publish_assessment(id, &actor, release, None, &[]).await, Err(StoreError::Conflict(_))));
        // Around the store: the schema refuses.
        for sql in [
            "UPDATE assessments SET subject_name = 'X'",
            "DELETE FROM assessments",
            "UPDATE assessment_answers SET status = 'not-met'",
            "DELETE FROM assessment_answers",
            "UPDATE assessment_files SET content = content",
            "DELETE FROM assessment_files",
        ] {
            assert!(db.execute_raw(sql).await.is_err(), "{sql} was allowed");
        }
        assert_eq!(s.assessment_answers(id).await.unwrap()[0].answer(), answer(Status::Met));
        assert_eq!(s.assessment_file(id, "attestation.json").await.unwrap().content, b"{}");
    };
}

both_backends! {
    a_large_move_writes_every_answer_in_batches => |db: TestDb| async move {
        let s = &db.store;
        import_group_text(s, "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: Aurora\n", "t").await.unwrap();
        import_spec_text(s, &catalogs(), SPEC, "", "t").await.unwrap();
        for v in ["two", "three"] {
            import_spec_text(s, &catalogs(), &SPEC.replace("title: Policy", &format!("title: Policy {v}")), "", "t").await.unwrap();
        }
        let spec = s.spec("demo").await.unwrap();
        let user = s.upsert_user("https://idp", "ada", "ada@example.org", "Ada").await.unwrap();
        let mut releases = Vec::new();
        for (version, name) in [(1, "1.0.0"), (2, "1.1.0"), (3, "1.2.0")] {
            releases.push(
                s.create_release(NewRelease {
                    spec_id: spec.id,
                    spec_slug: "demo",
                    version,
                    name,
                    published_on: "2026-12-07",
                    published_by: user.id,
                    predecessor_id: releases.last().copied(),
                    ballot_id: None,
                    manifest_sha256: "00",
                    key_id: "k",
                    audit_checkpoint_seq: None,
                    files: vec![],
                })
                .await
                .unwrap(),
            );
        }
        let id = s
            .create_assessment(NewAssessment {
                owner_id: user.id,
                organization_id: None,
                subject_kind: "project",
                subject_name: "W",
                subject_url: "https://example.org/w",
                release_id: releases[0],
                target_level: 1,
            })
            .await
            .unwrap();
        let actor = format!("user:{}", user.id);
        let flagged = |n: usize, status: Status| NewAnswer {
            answer: Answer {
                control: format!("C-{n:05}"),
                review: Some(Review::New),
                ..answer(status)
            },
            redline: format!("{{\"n\":{n}}}"),
        };
        // More answers than one statement carries: every one is written.
        let first: Vec<NewAnswer> = (0..1_200).map(|n| flagged(n, Status::Met)).collect();
        s.move_assessment(id, &actor, releases[0], releases[1], &first, &[], "[]").await.unwrap();
        let stored = s.assessment_answers(id).await.unwrap();
        assert_eq!(stored.len(), 1_200);
        assert!(stored.iter().all(|a| a.review.as_deref() == Some("new")));
        assert_eq!(stored[1_199].redline, "{\"n\":1199}");
        // The next move removes 700 and rewrites the other 500 in place.
        let removed: Vec<String> = (0..700).map(|n| format!("C-{n:05}")).collect();
        let again: Vec<NewAnswer> = (700..1_200).map(|n| flagged(n, Status::PartlyMet)).collect();
        s.move_assessment(id, &actor, releases[1], releases[2], &again, &removed, "[]").await.unwrap();
        let stored = s.assessment_answers(id).await.unwrap();
        assert_eq!(stored.len(), 500);
        assert_eq!(stored[0].control, "C-00700");
        assert!(stored.iter().all(|a| a.status.as_deref() == Some("partly-met")));
        assert_eq!(s.assessment(id).await.unwrap().release_id, releases[2]);
        // A move that fails its check writes nothing.
        let err = s.move_assessment(id, &actor, releases[0], releases[2], &first, &[], "[]").await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert_eq!(s.assessment_answers(id).await.unwrap().len(), 500);
    };
}
