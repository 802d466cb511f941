//! Accounts, sessions, sign-ins, roles, invitations and tokens on both
//! backends.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failing test panics with its message"
)]

use charta_store::testing::TestDb;
use charta_store::{
    LoginRow, NewInvitation, NewSession, NewToken, StoreError, both_backends, import_group_text,
};
use time::{Duration, OffsetDateTime};

const GROUP: &str = "group: wg\nname: WG\nmembers:\n  - slug: aurora\n    name: Aurora\n  - slug: borealis\n    name: Borealis\n";

both_backends! {
    sign_ins_tokens_and_administration_write_their_audit_entry_with_the_change => |db: TestDb| async move {
        let u = db.store.upsert_user("https://idp.one", "ada", "ada@example.org", "Ada").await.unwrap();
        let actions = |entries: Vec<charta_store::AuditEntry>| entries.into_iter().map(|e| (e.action, e.object)).collect::<Vec<_>>();
        let user = format!("user:{}", u.id);
        let at = OffsetDateTime::now_utc() - Duration::minutes(2);
        db.store.sign_in(NewSession { id_hash: "h1", user_id: u.id, lifetime: Duration::hours(8), mfa: true, amr: "mfa", acr: "" }, Some(at), serde_json::json!({"mfa": true})).await.unwrap();
        let s = db.store.session("h1", Duration::hours(1)).await.unwrap().unwrap();
        assert_eq!(s.auth_time.map(|t| t.unix_timestamp()), Some(at.unix_timestamp()), "auth_time stored with the session");
        let token = db.store.create_token(NewToken { user_id: u.id, name: "ci", prefix: "charta_abc", token_hash: "th", scopes: "read", expires_at: OffsetDateTime::now_utc() + Duration::days(30) }).await.unwrap();
        db.store.revoke_token(u.id, token).await.unwrap();
        db.store.set_platform_admin(u.id, true, "charta admin").await.unwrap();
        db.store.sign_out("h1", u.id).await.unwrap();
        assert!(db.store.session("h1", Duration::hours(1)).await.unwrap().is_none());
        let token_object = format!("token:{token}");
        assert_eq!(actions(db.store.audit_entries(0, 100).await.unwrap()), vec![
            ("auth.sign_in".to_string(), user.clone()),
            ("token.create".to_string(), token_object.clone()),
            ("token.revoke".to_string(), token_object.clone()),
            ("admin.grant".to_string(), user.clone()),
            ("auth.sign_out".to_string(), user.clone()),
        ]);
        // A refused change writes no entry: revoking twice, another
        // person's token, an unknown account, a duplicate session.
        let before = db.store.audit_head().await.unwrap().seq;
        assert!(matches!(db.store.revoke_token(u.id, token).await, Err(StoreError::NotFound(_))));
        assert!(matches!(db.store.revoke_token(u.id + 1, token).await, Err(StoreError::NotFound(_))));
        assert!(matches!(db.store.set_platform_admin(9999, true, "charta admin").await, Err(StoreError::NotFound(_))));
        db.store.sign_in(NewSession { id_hash: "h2", user_id: u.id, lifetime: Duration::hours(8), mfa: false, amr: "", acr: "" }, None, serde_json::json!({})).await.unwrap();
        let after_one = db.store.audit_head().await.unwrap().seq;
        assert!(db.store.sign_in(NewSession { id_hash: "h2", user_id: u.id, lifetime: Duration::hours(8), mfa: false, amr: "", acr: "" }, None, serde_json::json!({})).await.is_err());
        assert_eq!(db.store.audit_head().await.unwrap().seq, after_one);
        assert_eq!(after_one, before + 1);
        assert!(db.store.verify_audit().await.unwrap().is_ok());
    };

    users_are_keyed_by_issuer_and_subject => |db: TestDb| async move {
        let a = db.store.upsert_user("https://idp.one", "alice", "alice@example.org", "Alice").await.unwrap();
        let same = db.store.upsert_user("https://idp.one", "alice", "alice@new.example", "Alice B").await.unwrap();
        assert_eq!(a.id, same.id);
        assert_eq!(same.email, "alice@new.example");
        let other = db.store.upsert_user("https://idp.two", "alice", "alice@new.example", "Imposter").await.unwrap();
        assert_ne!(other.id, a.id, "same subject and e-mail at another provider is another account");
        assert!(!same.platform_admin);
        db.store.set_platform_admin(a.id, true, "test").await.unwrap();
        assert!(db.store.user(a.id).await.unwrap().platform_admin);
        assert!(matches!(db.store.set_platform_admin(9999, true, "test").await, Err(StoreError::NotFound(_))));
    };

    sessions_expire_idle_and_absolute => |db: TestDb| async move {
        let u = db.store.upsert_user("i", "s", "", "").await.unwrap();
        let new = |id: &'static str, lifetime| NewSession { id_hash: id, user_id: u.id, lifetime, mfa: true, amr: "pwd mfa", acr: "" };
        db.store.create_session(new("live", Duration::hours(8))).await.unwrap();
        let s = db.store.session("live", Duration::minutes(30)).await.unwrap().unwrap();
        assert_eq!((s.user_id, s.mfa, s.amr.as_str()), (u.id, true, "pwd mfa"));
        assert!(db.store.session("live", Duration::ZERO).await.unwrap().is_none(), "idle expiry");
        assert!(db.store.session("live", Duration::hours(1)).await.unwrap().is_none(), "an idle-expired session is deleted");

        db.store.create_session(new("short", Duration::seconds(-1))).await.unwrap();
        assert!(db.store.session("short", Duration::hours(1)).await.unwrap().is_none(), "absolute expiry");
        db.store.create_session(new("bye", Duration::hours(1))).await.unwrap();
        db.store.delete_session("bye").await.unwrap();
        assert!(db.store.session("bye", Duration::hours(1)).await.unwrap().is_none());
        assert!(db.store.session("never", Duration::hours(1)).await.unwrap().is_none());
    };

    auth_time_and_email_verification_are_recorded => |db: TestDb| async move {
        let u = db.store.upsert_user("i", "s", "s@example.org", "S").await.unwrap();
        assert!(!u.email_verified, "an address is unverified until the provider says so");
        db.store.set_email_verified(u.id, true).await.unwrap();
        assert!(db.store.user(u.id).await.unwrap().email_verified);
        db.store.create_session(NewSession { id_hash: "h", user_id: u.id, lifetime: Duration::hours(1), mfa: true, amr: "", acr: "" }).await.unwrap();
        let s = db.store.session("h", Duration::hours(1)).await.unwrap().unwrap();
        assert_eq!(s.auth_time, None);
        assert_eq!(s.authenticated_at(), s.created_at, "without auth_time, the session's start counts");
        let earlier = (OffsetDateTime::now_utc() - Duration::hours(3)).replace_nanosecond(0).unwrap();
        db.store.set_session_auth_time("h", earlier).await.unwrap();
        let s = db.store.session("h", Duration::hours(1)).await.unwrap().unwrap();
        assert_eq!(s.authenticated_at(), earlier);
    };

    expired_sessions_and_unfinished_sign_ins_are_purged => |db: TestDb| async move {
        let u = db.store.upsert_user("i", "p", "", "").await.unwrap();
        let new = |id: &'static str, lifetime| NewSession { id_hash: id, user_id: u.id, lifetime, mfa: false, amr: "", acr: "" };
        db.store.create_session(new("expired", Duration::seconds(-1))).await.unwrap();
        db.store.create_session(new("live", Duration::hours(8))).await.unwrap();
        let login = |at| LoginRow {
            browser_hash: "b".into(), provider: "default".into(), nonce: "n".into(), pkce_verifier: "v".into(),
            return_to: "/".into(), step_up: false, created_at: at,
        };
        db.store.create_login("old", &login(OffsetDateTime::now_utc() - Duration::hours(2))).await.unwrap();
        db.store.create_login("new", &login(OffsetDateTime::now_utc())).await.unwrap();
        let (sessions, logins) = db.store.purge_sign_ins(Duration::hours(2), Duration::minutes(10)).await.unwrap();
        assert_eq!((sessions, logins), (1, 1));
        assert!(db.store.session("live", Duration::hours(2)).await.unwrap().is_some());
        assert!(db.store.take_login("new").await.unwrap().is_some());
        assert!(db.store.take_login("old").await.unwrap().is_none());
        // An idle session goes too, and a second purge finds nothing.
        let (sessions, _) = db.store.purge_sign_ins(Duration::ZERO, Duration::minutes(10)).await.unwrap();
        assert_eq!(sessions, 1);
        assert_eq!(db.store.purge_sign_ins(Duration::ZERO, Duration::minutes(10)).await.unwrap(), (0, 0));
    };

    logins_are_single_use => |db: TestDb| async move {
        let l = LoginRow {
            browser_hash: "b".into(), provider: "default".into(), nonce: "n".into(), pkce_verifier: "v".into(),
            return_to: "/".into(), step_up: true, created_at: OffsetDateTime::now_utc(),
        };
        db.store.create_login("state", &l).await.unwrap();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move { store.take_login("state").await.unwrap() }));
        }
        let mut taken = 0;
        for t in tasks {
            if let Some(row) = t.await.unwrap() {
                assert_eq!((row.nonce.as_str(), row.step_up), ("n", true));
                taken += 1;
            }
        }
        assert_eq!(taken, 1, "a state completes at most one sign-in");
    };

    roles_respect_one_representative_per_organisation => |db: TestDb| async move {
        import_group_text(&db.store, GROUP, "tester").await.unwrap();
        let g = db.store.group("wg").await.unwrap();
        let orgs = db.store.organizations(g.id).await.unwrap();
        let a = db.store.upsert_user("i", "a", "a@x", "A").await.unwrap();
        let b = db.store.upsert_user("i", "b", "b@x", "B").await.unwrap();
        db.store.add_membership(g.id, a.id, "representative", Some(orgs[0].id)).await.unwrap();
        let err = db.store.add_membership(g.id, b.id, "representative", Some(orgs[0].id)).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        db.store.add_membership(g.id, b.id, "alternate", Some(orgs[0].id)).await.unwrap();
        db.store.add_membership(g.id, b.id, "representative", Some(orgs[1].id)).await.unwrap();
        let err = db.store.add_membership(g.id, a.id, "representative", Some(orgs[0].id)).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "same role twice");
        let err = db.store.add_membership(g.id, a.id, "chair", Some(9999)).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err}");
        let chair = db.store.add_membership(g.id, a.id, "chair", None).await.unwrap();
        let roles: Vec<_> = db.store.memberships_of(a.id).await.unwrap().into_iter().map(|m| m.role).collect();
        assert_eq!(roles, ["chair", "representative"]);
        assert_eq!(db.store.group_members(g.id).await.unwrap().len(), 4);
        // The last chair keeps the role: a group needs someone to manage it.
        let err = db.store.remove_membership(g.id, chair, "test").await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        assert_eq!(db.store.group_members(g.id).await.unwrap().len(), 4);
        db.store.add_membership(g.id, b.id, "chair", None).await.unwrap();
        assert!(db.store.remove_membership(g.id, chair, "test").await.unwrap());
        assert!(!db.store.remove_membership(g.id, chair, "test").await.unwrap());
    };

    voting_roles_need_an_address_in_the_organisation_s_domain => |db: TestDb| async move {
        import_group_text(&db.store, &GROUP.replace("name: Aurora\n", "name: Aurora\n    email-domain: Aurora.org\n"), "tester").await.unwrap();
        let g = db.store.group("wg").await.unwrap();
        let orgs = db.store.organizations(g.id).await.unwrap();
        assert_eq!(orgs.iter().map(|o| o.email_domain.as_deref()).collect::<Vec<_>>(), [Some("aurora.org"), None]);
        let (aurora, borealis) = (orgs[0].id, orgs[1].id);
        let person = |subject: &'static str, email: &'static str, verified: bool| {
            let store = db.store.clone();
            async move {
                let u = store.upsert_user("i", subject, email, subject).await.unwrap();
                store.set_email_verified(u.id, verified).await.unwrap();
                u.id
            }
        };
        let chair = person("chair", "carmen@aurora.org", true).await;
        let admin = person("admin", "root@platform.example", true).await;
        db.store.set_platform_admin(admin, true, "test").await.unwrap();
        let ana = person("ana", "ana@aurora.org", true).await;
        let bob = person("bob", "bob@example.com", true).await;
        let eve = person("eve", "eve@aurora.org", false).await;
        let mut n = 0;
        let mut try_accept = |role: &'static str, org: i64, by: i64, user: i64| {
            n += 1;
            let hash = format!("tok-{n}");
            let store = db.store.clone();
            async move {
                store.create_invitation(NewInvitation {
                    token_hash: &hash, group_id: g.id, role, organization_id: Some(org),
                    email: "someone@x", invited_by: by, expires_at: OffsetDateTime::now_utc() + Duration::days(1), mail: None,
                }).await.unwrap();
                store.accept_invitation(&hash, user).await
            }
        };
        try_accept("representative", aurora, chair, ana).await.unwrap();
        let err = try_accept("alternate", aurora, chair, bob).await.unwrap_err();
        assert!(matches!(&err, StoreError::Forbidden(m) if m.contains("verified e-mail address in aurora.org")), "{err}");
        assert!(matches!(try_accept("alternate", aurora, chair, eve).await, Err(StoreError::Forbidden(_))), "an unverified address is not enough");
        try_accept("alternate", aurora, admin, bob).await.expect("an administrator's invitation confirms it");
        // The chair cannot make themselves the voter of an organisation
        // without a domain on record, but can of their own.
        let err = try_accept("representative", borealis, chair, chair).await.unwrap_err();
        assert!(matches!(&err, StoreError::Forbidden(m) if m.contains("no e-mail domain on record")), "{err}");
        try_accept("alternate", aurora, chair, chair).await.unwrap();
        // Refused acceptances leave the invitation open and grant nothing.
        assert!(db.store.memberships_of(eve).await.unwrap().is_empty());
        assert_eq!(db.store.open_invitations(g.id).await.unwrap().len(), 3);
    };

    invitations_are_accepted_once => |db: TestDb| async move {
        import_group_text(&db.store, GROUP, "tester").await.unwrap();
        let g = db.store.group("wg").await.unwrap();
        let chair = db.store.upsert_user("i", "chair", "c@x", "C").await.unwrap();
        let invitee = db.store.upsert_user("i", "inv", "inv@x", "I").await.unwrap();
        let new = |hash: &'static str, expires_at| NewInvitation {
            token_hash: hash, group_id: g.id, role: "reviewer", organization_id: None,
            email: "inv@x", invited_by: chair.id, expires_at, mail: None,
        };
        db.store.create_invitation(new("tok", OffsetDateTime::now_utc() + Duration::days(7))).await.unwrap();
        assert_eq!(db.store.open_invitations(g.id).await.unwrap().len(), 1);
        db.store.accept_invitation("tok", invitee.id).await.unwrap();
        let err = db.store.accept_invitation("tok", invitee.id).await.unwrap_err();
        assert!(err.to_string().contains("already been used"), "{err}");
        assert!(db.store.open_invitations(g.id).await.unwrap().is_empty());
        assert_eq!(db.store.memberships_of(invitee.id).await.unwrap()[0].role, "reviewer");

        db.store.create_invitation(new("old", OffsetDateTime::now_utc() - Duration::days(1))).await.unwrap();
        let err = db.store.accept_invitation("old", invitee.id).await.unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
        assert!(matches!(db.store.accept_invitation("nope", invitee.id).await, Err(StoreError::NotFound(_))));

        // Each change carries its audit entry; each refusal writes none.
        let actions: Vec<(String, String)> = db.store.audit_entries(0, 100).await.unwrap().into_iter()
            .filter(|e| e.action.starts_with("role."))
            .map(|e| (e.action, e.actor)).collect();
        let (c, i) = (format!("user:{}", chair.id), format!("user:{}", invitee.id));
        assert_eq!(actions, vec![
            ("role.invite".to_string(), c.clone()),
            ("role.accept".to_string(), i),
            ("role.invite".to_string(), c),
        ]);
    };

    publishing_a_draft_writes_its_audit_entry_once => |db: TestDb| async move {
        import_group_text(&db.store, GROUP, "tester").await.unwrap();
        let cats = charta_domain::CatalogSet::builtin().unwrap();
        let text = include_str!("../../../specs/seed/steward-baseline/v1.yaml").replace("group: oss-stewards", "group: wg");
        let spec = charta_domain::format::parse_spec(&text).unwrap();
        charta_store::import_spec(&db.store, &cats, &text, charta_store::ImportMeta { message: "m", created_by: "t", draft: true }).await.unwrap();
        let row = db.store.spec(&spec.spec).await.unwrap();
        assert!(db.store.publish_spec(row.id, "user:7").await.unwrap());
        let before = db.store.audit_head().await.unwrap();
        assert!(!db.store.publish_spec(row.id, "user:7").await.unwrap(), "already public");
        assert_eq!(db.store.audit_head().await.unwrap(), before, "a refused publication writes nothing");
        let entries = db.store.audit_entries_for(&format!("spec:{}", spec.spec)).await.unwrap();
        assert_eq!(entries.iter().filter(|e| e.action == "spec.publish").count(), 1);
        assert_eq!(entries[0].actor, "user:7");
    };

    tokens_are_scoped_expiring_and_revocable => |db: TestDb| async move {
        let u = db.store.upsert_user("i", "u", "", "").await.unwrap();
        let other = db.store.upsert_user("i", "o", "", "").await.unwrap();
        let new = |hash: &'static str, expires_at| NewToken { user_id: u.id, name: "ci", prefix: "charta_abc", token_hash: hash, scopes: "read vote", expires_at };
        let id = db.store.create_token(new("h1", OffsetDateTime::now_utc() + Duration::days(30))).await.unwrap();
        db.store.create_token(new("h2", OffsetDateTime::now_utc() - Duration::seconds(1))).await.unwrap();
        let (t, holder) = db.store.live_token("h1").await.unwrap().unwrap();
        assert_eq!(holder, db.store.user(t.user_id).await.unwrap(), "the token's holder, read with it");
        assert_eq!((t.user_id, t.scopes.as_str()), (u.id, "read vote"));
        assert!(db.store.live_token("h1").await.unwrap().unwrap().0.last_used_at.is_some());
        assert!(db.store.live_token("h2").await.unwrap().is_none(), "expired");
        assert!(db.store.live_token("nope").await.unwrap().is_none());
        assert!(matches!(db.store.revoke_token(other.id, id).await, Err(StoreError::NotFound(_))), "not someone else's");
        db.store.revoke_token(u.id, id).await.unwrap();
        assert!(db.store.live_token("h1").await.unwrap().is_none(), "revoked");
        assert_eq!(db.store.tokens_of(u.id).await.unwrap().len(), 2);
    };
}
