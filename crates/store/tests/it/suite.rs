//! What the store promises, on every backend.

use crate::on_every_backend;
use rise_aggregate::rows::{AggregateRow, MeasureInfo};
use rise_aggregate::upload::Upload;
use rise_store::model::{
    Actor, Application, CommitmentStatus, MailStatus, OrgKind, OrgStatus, PlanInput, Role,
};
use rise_store::{FrameworkFile, Store, StoreError};

fn admin() -> Actor {
    Actor::system("test-admin")
}

fn application(name: &str, kind: OrgKind) -> Application {
    Application {
        name: name.into(),
        kind: kind.key().into(),
        state: "MA".into(),
        contact_name: "Ana López".into(),
        contact_email: format!(
            "contact@{}.example.org",
            name.to_lowercase().replace(' ', "-")
        ),
        why: "We want to close our gap in blood pressure control.".into(),
    }
}

/// A store with the seed framework and one approved member of `kind`.
async fn member(s: &Store, name: &str, kind: OrgKind) -> i64 {
    if s.current_framework().await.is_err() {
        s.publish_framework(&FrameworkFile::seed().unwrap(), "Seed", &admin())
            .await
            .unwrap();
    }
    let o = s
        .apply(&application(name, kind), &Actor::system("public"))
        .await
        .unwrap();
    s.decide(o.id, true, "", &admin()).await.unwrap();
    o.id
}

/// The token of the newest invitation link mailed to `email` (as its recipient reads it).
async fn link_to(s: &Store, email: &str) -> String {
    let mail = s.mail_to_send(1000, "https://rise.example").await.unwrap();
    let m = mail
        .iter()
        .rev()
        .find(|m| m.to == email && m.body.contains("/invitations/"))
        .unwrap_or_else(|| panic!("no invitation to {email} in {mail:?}"));
    m.body
        .split("https://rise.example/invitations/")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .unwrap()
        .to_string()
}

fn fields(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(v) => v.into_iter().map(|f| f.field).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn applications_are_validated_decided_and_audited() {
    on_every_backend("applications", |s| async move {
        let bad = Application {
            contact_email: "not an email".into(),
            state: "XX".into(),
            why: "short".into(),
            ..application("Valley Clinic", OrgKind::CommunityHealthCenter)
        };
        let f = fields(s.apply(&bad, &Actor::system("public")).await.unwrap_err());
        assert_eq!(f, vec!["state", "contact_email", "why"]);
        assert!(
            s.organizations(None).await.unwrap().is_empty(),
            "nothing written"
        );

        let a = application("Valley Clinic", OrgKind::CommunityHealthCenter);
        let o = s.apply(&a, &Actor::system("public")).await.unwrap();
        assert_eq!(o.status, OrgStatus::Applied);
        assert_eq!(o.region, "Northeast");
        assert!(matches!(
            s.apply(&a, &Actor::system("public")).await,
            Err(StoreError::Conflict(_))
        ));
        // Declining needs a reason; the applicant is told.
        assert_eq!(
            fields(s.decide(o.id, false, " ", &admin()).await.unwrap_err()),
            vec!["reason"]
        );
        let d = s
            .decide(o.id, false, "Outside our region", &admin())
            .await
            .unwrap();
        assert_eq!(d.status, OrgStatus::Declined);
        assert!(matches!(
            s.decide(o.id, true, "", &admin()).await,
            Err(StoreError::Conflict(_))
        ));
        let mail = s.outbox(10).await.unwrap();
        assert_eq!(mail[0].to, a.contact_email);
        let sent = s.mail_to_send(10, "").await.unwrap();
        assert!(sent.last().unwrap().body.contains("Outside our region"));
        let log = s
            .audit_log(Some(("organization", &o.id.to_string())), 10)
            .await
            .unwrap();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].action, "decline");
        assert_eq!(log[0].actor, "test-admin");
        assert!(log[0].before.as_deref().unwrap().contains("\"applied\""));
        assert!(log[0].after.as_deref().unwrap().contains("\"declined\""));

        // Approving invites the contact as the organization's first admin.
        let b = application("Hill Hospital", OrgKind::Hospital);
        let o = s.apply(&b, &Actor::system("public")).await.unwrap();
        s.decide(o.id, true, "", &admin()).await.unwrap();
        let mail = s.outbox(2).await.unwrap();
        assert_eq!(mail[0].to, b.contact_email);
        assert!(mail[1].subject.contains("approved"));
        let token = link_to(&s, &b.contact_email).await;
        let rise_store::model::Invitation {
            organization: org_name,
            email,
            role,
        } = s.invitation(&token).await.unwrap();
        assert_eq!(
            (org_name.as_str(), email.as_str()),
            ("Hill Hospital", b.contact_email.as_str())
        );
        assert_eq!(role, Role::OrgAdmin);
        let (_, session) = s
            .accept_invitation(&token, "Hill Admin", "a long enough password")
            .await
            .unwrap();
        let u = session.user;
        assert_eq!((u.role, u.organization_id), (Role::OrgAdmin, Some(o.id)));
        assert!(matches!(
            s.invitation(&token).await,
            Err(StoreError::NotFound)
        ));
    });
}

#[test]
fn sign_in_is_throttled_and_sessions_end() {
    on_every_backend("accounts", |s| async move {
        let org = member(&s, "North Hospital", OrgKind::Hospital).await;
        let u = s
            .create_user(
                "Dana@North.example.org",
                "Dana",
                "correct horse battery",
                Role::OrgAdmin,
                Some(org),
                &admin(),
            )
            .await
            .unwrap();
        assert_eq!(u.email, "dana@north.example.org");
        assert_eq!(
            fields(
                s.create_user(
                    "x@y.org",
                    "X",
                    "short",
                    Role::OrgMember,
                    Some(org),
                    &admin()
                )
                .await
                .unwrap_err()
            ),
            vec!["password"]
        );
        assert!(
            s.create_user(
                "staff@c.org",
                "S",
                "a long enough pass",
                Role::Reviewer,
                Some(org),
                &admin()
            )
            .await
            .is_err()
        );

        let (token, session) = s
            .sign_in(
                "dana@north.example.org",
                "correct horse battery",
                "192.0.2.1",
            )
            .await
            .unwrap();
        assert_eq!(session.user.id, u.id);
        assert_eq!(
            s.session(&token).await.unwrap().csrf_token,
            session.csrf_token
        );
        s.sign_out(&token).await.unwrap();
        assert!(matches!(s.session(&token).await, Err(StoreError::NotFound)));

        for _ in 0..5 {
            assert!(matches!(
                s.sign_in("dana@north.example.org", "wrong", "192.0.2.1")
                    .await,
                Err(StoreError::NotFound)
            ));
        }
        // Even the right password is refused while throttled.
        assert!(matches!(
            s.sign_in(
                "dana@north.example.org",
                "correct horse battery",
                "192.0.2.1"
            )
            .await,
            Err(StoreError::Throttled { .. })
        ));
        assert!(matches!(
            s.sign_in("nobody@x.org", "whatever", "192.0.2.1").await,
            Err(StoreError::NotFound)
        ));
    });
}

#[test]
fn invitations_and_api_tokens() {
    on_every_backend("invitations", |s| async move {
        let org = member(&s, "South Practice", OrgKind::PhysicianPractice).await;
        let boss = s
            .create_user(
                "boss@south.example.org",
                "Boss",
                "a long enough pass",
                Role::OrgAdmin,
                Some(org),
                &admin(),
            )
            .await
            .unwrap();
        s.invite(
            org,
            "new@south.example.org",
            Role::OrgMember,
            &Actor::user(&boss),
        )
        .await
        .unwrap();
        let token = link_to(&s, "new@south.example.org").await;
        let (cookie, session) = s
            .accept_invitation(&token, "New Person", "another long pass")
            .await
            .unwrap();
        let u = session.user;
        // Accepting signs in: the session is there, in the same transaction.
        assert_eq!(s.session(&cookie).await.unwrap().user.id, u.id);
        assert_eq!((u.role, u.organization_id), (Role::OrgMember, Some(org)));
        assert!(matches!(
            s.accept_invitation(&token, "Again", "another long pass")
                .await,
            Err(StoreError::NotFound)
        ));
        let api = s.create_api_token(&boss, "analysis server").await.unwrap();
        assert_eq!(s.api_token_user(&api).await.unwrap().id, boss.id);
        assert!(s.api_token_user("rise_0000").await.is_err());
        assert!(s.api_token_user(&api.replace("rise_", "")).await.is_err());
        // Staff may hold tokens too; theirs act for no organization.
        let reviewer = s
            .create_user(
                "reviewer@coalition.example.org",
                "Reviewer",
                "a long enough pass",
                Role::Reviewer,
                None,
                &admin(),
            )
            .await
            .unwrap();
        let staff = s
            .create_api_token(&reviewer, "dashboard export")
            .await
            .unwrap();
        let back = s.api_token_user(&staff).await.unwrap();
        assert_eq!((back.id, back.organization_id), (reviewer.id, None));
        assert!(matches!(
            s.create_api_token(&reviewer, " ").await,
            Err(StoreError::Invalid(_))
        ));
    });
}

#[test]
fn the_framework_is_versioned_and_validated() {
    on_every_backend("framework", |s| async move {
        let seed = FrameworkFile::seed().unwrap();
        let v1 = s.publish_framework(&seed, "Seed", &admin()).await.unwrap();
        assert_eq!(v1.version, 1);
        assert_eq!(v1.categories.len(), 6);
        assert_eq!(v1.categories[0].title, "Commit to acting for equity");
        // Every type of organization can commit in every category.
        for kind in OrgKind::ALL {
            assert_eq!(v1.required_categories(*kind).len(), 6, "{kind:?}");
        }
        let mut edited = seed.clone();
        edited.actions[0].title = "A clearer title".into();
        let v2 = s
            .publish_framework(&edited, "Clearer title", &admin())
            .await
            .unwrap();
        assert_eq!(v2.version, 2);
        assert_eq!(
            s.current_framework().await.unwrap().actions[0].title,
            "A clearer title"
        );
        assert_eq!(
            s.framework(1).await.unwrap().actions[0].title,
            seed.actions[0].title
        );
        assert_eq!(s.framework_versions().await.unwrap().len(), 2);

        let mut bad = seed.clone();
        bad.actions[1].fits = vec!["bank".into()];
        bad.actions[2].category = "nowhere".into();
        let f = fields(
            s.publish_framework(&bad, "Broken", &admin())
                .await
                .unwrap_err(),
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(s.current_framework().await.unwrap().version, 2);
    });
}

fn rows() -> Vec<AggregateRow> {
    let r = |sub: &str, n: u64, d: u64| {
        AggregateRow::counted("bp_control", "race_ethnicity", sub, "2024", n, d)
    };
    vec![
        r("White", 600, 1000),
        r("Black or African American", 200, 500),
        AggregateRow {
            subgroup: "Asian".into(),
            numerator: None,
            denominator: None,
            suppressed: true,
            ..r("", 0, 0)
        },
    ]
}

fn labelled(label: &str) -> Upload {
    Upload::new(
        label,
        "rise analyze 0.1.0",
        rows(),
        vec![MeasureInfo::new(
            "bp_control",
            "Blood pressure controlled",
            "CMS165",
            true,
        )],
        false,
    )
}

fn dataset() -> Upload {
    labelled("EHR 2024")
}

fn plan_input(dataset_id: i64) -> PlanInput {
    PlanInput {
        dataset_id,
        measure: "bp_control".into(),
        dimension: "race_ethnicity".into(),
        subgroup: "Black or African American".into(),
        reference: "White".into(),
        period: "2024".into(),
        target_rate: 0.55,
        owner: "Dr. Rivera".into(),
        changes: "Home blood-pressure cuffs and pharmacist follow-up calls.".into(),
        start_date: "2025-01-01".into(),
        target_date: "2025-12-31".into(),
        ..PlanInput::default()
    }
}

#[test]
fn members_commit_upload_plan_and_adopt_behind_tenant_walls() {
    on_every_backend("adoption", |s| async move {
        let a = member(&s, "Alpha Health", OrgKind::HealthSystem).await;
        let b = member(&s, "Beta Plan", OrgKind::HealthPlan).await;
        let fw = s.current_framework().await.unwrap();
        let actor = admin();

        // An action that does not fit the type is refused.
        let pharma_only = fw
            .actions
            .iter()
            .find(|x| !x.fits.contains(&OrgKind::HealthSystem))
            .unwrap();
        assert_eq!(
            fields(s.commit(a, &pharma_only.key, &actor).await.unwrap_err()),
            vec!["action"]
        );

        for c in fw.required_categories(OrgKind::HealthSystem) {
            let action = fw.fitting(&c.key, OrgKind::HealthSystem).next().unwrap();
            s.commit(a, &action.key, &actor).await.unwrap();
        }
        let first = s.commitments(a).await.unwrap()[0].clone();
        assert!(matches!(
            s.commit(a, &first.action_key, &actor).await,
            Err(StoreError::Conflict(_))
        ));
        let done = s
            .update_commitment(
                a,
                first.id,
                CommitmentStatus::Done,
                "Board approved",
                "https://alpha.example.org/report",
                &actor,
            )
            .await
            .unwrap();
        assert_eq!(done.status, CommitmentStatus::Done);
        // The audit row holds the commitment as it was and as it became.
        let log = s
            .audit_log(Some(("commitment", &first.id.to_string())), 1)
            .await
            .unwrap();
        assert_eq!(log[0].action, "update");
        assert!(log[0].before.as_deref().unwrap().contains("\"planned\""));
        assert!(log[0].after.as_deref().unwrap().contains("Board approved"));
        assert_eq!(
            fields(
                s.update_commitment(
                    a,
                    first.id,
                    CommitmentStatus::Done,
                    "",
                    "javascript:alert(1)",
                    &actor
                )
                .await
                .unwrap_err()
            ),
            vec!["evidence_url"]
        );
        // Another organization cannot touch it.
        assert!(matches!(
            s.update_commitment(b, first.id, CommitmentStatus::Planned, "", "", &actor)
                .await,
            Err(StoreError::NotFound)
        ));

        let status = |all: Vec<rise_store::AdoptionStatus>, id: i64| {
            all.into_iter().find(|x| x.organization.id == id).unwrap()
        };
        assert!(status(s.adoption().await.unwrap(), a).adopted_at.is_none());

        let empty = labelled("");
        assert_eq!(
            fields(s.add_dataset(a, &empty, &actor).await.unwrap_err()),
            vec!["label"]
        );
        let ds = s.add_dataset(a, &dataset(), &actor).await.unwrap();
        assert_eq!((ds.rows, ds.suppressed_rows), (3, 1));
        let stored = s.aggregates(a, ds.id).await.unwrap();
        assert_eq!(stored.len(), 3);
        assert!(
            stored
                .iter()
                .any(|r| r.subgroup == "Asian" && r.suppressed && r.numerator.is_none())
        );
        assert!(matches!(
            s.aggregates(b, ds.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.dataset_measures(b, ds.id).await,
            Err(StoreError::NotFound)
        ));

        let mut wrong = plan_input(ds.id);
        wrong.reference = "Black or African American".into();
        wrong.target_date = "2024-06-01".into();
        wrong.target_rate = 55.0;
        let f = fields(s.create_plan(a, &wrong, &actor).await.unwrap_err());
        assert_eq!(f, vec!["reference", "target_rate", "target_date"]);
        assert_eq!(
            fields(
                s.create_plan(b, &plan_input(ds.id), &actor)
                    .await
                    .unwrap_err()
            ),
            vec!["dataset_id"]
        );
        let p = s.create_plan(a, &plan_input(ds.id), &actor).await.unwrap();
        assert_eq!(p.baseline_rate, Some(0.4));
        assert_eq!(p.reference_rate, Some(0.6));
        assert!(matches!(s.plan(b, p.id).await, Err(StoreError::NotFound)));

        let all = s.adoption().await.unwrap();
        let alpha = status(all.clone(), a);
        assert!(alpha.missing.is_empty());
        assert!(alpha.adopted_at.is_some());
        let beta = status(all, b);
        assert_eq!(beta.missing.len(), 6);
        assert!(beta.adopted_at.is_none());
        assert!(
            s.commitment_counts()
                .await
                .unwrap()
                .iter()
                .all(|(_, n)| *n == 1)
        );
    });
}

/// 150 simultaneous wrong guesses for one account: only the limit's worth may be evaluated,
/// the rest are refused as throttled before any password is checked.
#[test]
fn parallel_wrong_sign_ins_are_evaluated_at_most_the_limit() {
    on_every_backend("parallel_sign_ins", |s| async move {
        s.create_user(
            "erin@coalition.example.org",
            "Erin",
            "violet harbour lantern 42",
            Role::Reviewer,
            None,
            &admin(),
        )
        .await
        .unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..150 {
            let s = s.clone();
            tasks.spawn(async move {
                s.sign_in(
                    "erin@coalition.example.org",
                    &format!("guess number {i}"),
                    "192.0.2.1",
                )
                .await
            });
        }
        let (mut evaluated, mut throttled) = (0, 0);
        while let Some(r) = tasks.join_next().await {
            match r.unwrap() {
                Err(StoreError::NotFound) => evaluated += 1,
                Err(StoreError::Throttled { .. }) => throttled += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(evaluated <= 5, "{evaluated} guesses were evaluated");
        assert_eq!(evaluated + throttled, 150);
    });
}

/// Length alone is not enough (NIST SP 800-63B): common, repetitive or guessable passwords
/// of 12 characters or more are refused with zxcvbn's advice.
#[test]
fn weak_passwords_are_refused() {
    on_every_backend("weak_passwords", |s| async move {
        let org = member(&s, "East Clinic", OrgKind::CommunityHealthCenter).await;
        for weak in [
            "            ",
            "123456789012",
            "passwordpassword",
            "qwertyuiopasdf",
            "aaaaaaaaaaaaaaaa",
            "Password123!",
        ] {
            let e = s
                .create_user(
                    "frank@east-clinic.example.org",
                    "Frank East",
                    weak,
                    Role::OrgMember,
                    Some(org),
                    &admin(),
                )
                .await
                .unwrap_err();
            match e {
                StoreError::Invalid(v) => {
                    assert_eq!(v.len(), 1, "{weak:?}: {v:?}");
                    assert_eq!(v[0].field, "password");
                    assert!(!v[0].message.is_empty());
                }
                other => panic!("{weak:?}: expected invalid input, got {other:?}"),
            }
        }
        // The user's own name and email count as guessable.
        assert!(
            s.create_user(
                "frank.oduya@east.example.org",
                "Frank Oduya",
                "frankoduya1234",
                Role::OrgMember,
                Some(org),
                &admin(),
            )
            .await
            .is_err()
        );
        s.invite(
            org,
            "gina@east.example.org",
            Role::OrgMember,
            &Actor::system("test"),
        )
        .await
        .unwrap();
        let token = link_to(&s, "gina@east.example.org").await;
        assert!(matches!(
            s.accept_invitation(&token, "Gina", "123456789012").await,
            Err(StoreError::Invalid(_))
        ));
        // A passphrase passes.
        s.create_user(
            "frank@east-clinic.example.org",
            "Frank East",
            "violet harbour lantern 42",
            Role::OrgMember,
            Some(org),
            &admin(),
        )
        .await
        .unwrap();
    });
}

/// Guesses from one address use up that address's attempts only: the account's owner, from
/// elsewhere, still signs in, and a success starts the owner's count again.
#[test]
fn failures_from_one_address_do_not_lock_out_another() {
    on_every_backend("per_address", |s| async move {
        s.create_user(
            "hana@coalition.example.org",
            "Hana",
            "violet harbour lantern 42",
            Role::CoalitionAdmin,
            None,
            &admin(),
        )
        .await
        .unwrap();
        let email = "hana@coalition.example.org";
        for _ in 0..5 {
            assert!(matches!(
                s.sign_in(email, "a wrong guess", "203.0.113.7").await,
                Err(StoreError::NotFound)
            ));
        }
        match s
            .sign_in(email, "violet harbour lantern 42", "203.0.113.7")
            .await
        {
            Err(StoreError::Throttled { seconds }) => assert!((840..=900).contains(&seconds)),
            other => panic!("expected throttled, got {other:?}"),
        }
        for _ in 0..3 {
            let _ = s.sign_in(email, "a wrong guess", "198.51.100.2").await;
        }
        s.sign_in(email, "violet harbour lantern 42", "198.51.100.2")
            .await
            .unwrap();
        // The success reset 198.51.100.2's count: five more attempts from there.
        for _ in 0..5 {
            assert!(matches!(
                s.sign_in(email, "a wrong guess", "198.51.100.2").await,
                Err(StoreError::NotFound)
            ));
        }
        assert!(matches!(
            s.sign_in(email, "a wrong guess", "198.51.100.2").await,
            Err(StoreError::Throttled { .. })
        ));
    });
}

/// Accepting an invitation is one transaction: when any part fails (here the email already
/// has an account), nothing is written and the invitation stays open.
#[test]
fn accepting_an_invitation_is_all_or_nothing() {
    on_every_backend("accept_whole", |s| async move {
        let org = member(&s, "West Clinic", OrgKind::CommunityHealthCenter).await;
        s.invite(org, "ivan@west.example.org", Role::OrgMember, &admin())
            .await
            .unwrap();
        let token = link_to(&s, "ivan@west.example.org").await;
        s.create_user(
            "ivan@west.example.org",
            "Ivan",
            "violet harbour lantern 42",
            Role::OrgMember,
            Some(org),
            &admin(),
        )
        .await
        .unwrap();
        let audit_before = s.audit_log(None, 1000).await.unwrap().len();
        assert!(matches!(
            s.accept_invitation(&token, "Ivan Again", "another long pass")
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(
            s.invitation(&token).await.is_ok(),
            "the invitation is still open"
        );
        assert_eq!(s.audit_log(None, 1000).await.unwrap().len(), audit_before);
        assert_eq!(s.users_of(org).await.unwrap().len(), 1);
    });
}

#[test]
fn of_parallel_decisions_on_one_application_exactly_one_wins() {
    on_every_backend("decision_race", |s| async move {
        s.publish_framework(&FrameworkFile::seed().unwrap(), "Seed", &admin())
            .await
            .unwrap();
        for round in 0..3 {
            let a = application(&format!("Race Clinic {round}"), OrgKind::Hospital);
            let o = s.apply(&a, &Actor::system("public")).await.unwrap();
            // Three reviewers approve and three decline, all at once.
            let racers: Vec<_> = (0..6)
                .map(|i| {
                    let s = s.clone();
                    tokio::spawn(async move {
                        s.decide(o.id, i % 2 == 0, "Not this year", &admin()).await
                    })
                })
                .collect();
            let mut won = Vec::new();
            for r in racers {
                match r.await.unwrap() {
                    Ok(org) => won.push(org.status),
                    Err(StoreError::Conflict(m)) => assert!(m.contains("already"), "{m}"),
                    Err(e) => panic!("a loser must be told it lost, not {e:?}"),
                }
            }
            assert_eq!(won.len(), 1, "round {round}: {won:?}");
            let now = s.organization(o.id).await.unwrap();
            assert_eq!(now.status, won[0]);
            let mail = s.outbox(1000).await.unwrap();
            let to_them = |what: &str| {
                mail.iter()
                    .filter(|m| m.to == a.contact_email && m.subject.contains(what))
                    .count()
            };
            assert_eq!(to_them("Your application:"), 1, "one decision is told");
            let invitations = usize::from(now.status == OrgStatus::Approved);
            assert_eq!(to_them("You are invited"), invitations);
            let log = s
                .audit_log(Some(("organization", &o.id.to_string())), 10)
                .await
                .unwrap();
            assert_eq!(log.len(), 2, "applied, then one decision");
        }
    });
}

#[test]
fn the_outbox_keeps_links_for_their_recipients_and_resends_fresh_ones() {
    on_every_backend("outbox", |s| async move {
        let org = member(&s, "North Clinic", OrgKind::CommunityHealthCenter).await;
        let contact = "contact@north-clinic.example.org";
        let token = link_to(&s, contact).await;
        // Staff see who, what and where it stands; never the link.
        let entries = s.outbox(10).await.unwrap();
        let shown = serde_json::to_string(&entries).unwrap();
        assert!(
            !shown.contains(&token) && !shown.contains("/invitations/"),
            "{shown}"
        );
        let invite = entries
            .iter()
            .find(|m| m.subject.contains("invited"))
            .unwrap()
            .clone();
        assert_eq!(invite.status, MailStatus::Queued);
        assert!(!invite.resendable);
        assert!(matches!(
            s.resend(invite.id, &admin()).await,
            Err(StoreError::Conflict(_))
        ));
        // Delivered: the link is erased from the database.
        for m in s.mail_to_send(10, "").await.unwrap() {
            s.mail_sent(m.id).await.unwrap();
        }
        assert!(s.mail_to_send(10, "").await.unwrap().is_empty());
        let entries = s.outbox(10).await.unwrap();
        assert!(
            entries
                .iter()
                .all(|m| m.status == MailStatus::Sent && m.sent_at.is_some())
        );
        // Resent: a fresh link; the old one stops working.
        let again = s.resend(invite.id, &admin()).await.unwrap();
        let fresh = link_to(&s, contact).await;
        assert_ne!(fresh, token);
        assert!(matches!(
            s.invitation(&token).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(s.invitation(&fresh).await.unwrap().email, contact);
        // Resending the resend before it went out replaces it: one live link at a time.
        let third = s.resend(again, &admin()).await;
        assert!(
            matches!(third, Err(StoreError::Conflict(_))),
            "still queued"
        );
        for _ in 0..rise_store::MAX_ATTEMPTS {
            s.mail_failed(again, "relay refused").await.unwrap();
        }
        let newest = s.resend(again, &admin()).await.unwrap();
        let latest = link_to(&s, contact).await;
        assert!(s.invitation(&fresh).await.is_err());
        let entries = s.outbox(10).await.unwrap();
        let status = |id: i64| entries.iter().find(|m| m.id == id).unwrap().status;
        assert_eq!(status(again), MailStatus::Replaced);
        assert_eq!(status(newest), MailStatus::Queued);
        s.accept_invitation(&latest, "North Admin", "a long enough password")
            .await
            .unwrap();
        s.mail_sent(newest).await.unwrap();
        assert!(matches!(
            s.resend(newest, &admin()).await,
            Err(StoreError::Conflict(_))
        ));
        // A message the mailer keeps failing on is given up, and its link erased.
        s.invite(
            org,
            "colleague@north.example.org",
            Role::OrgMember,
            &admin(),
        )
        .await
        .unwrap();
        let m = s.mail_to_send(10, "").await.unwrap().pop().unwrap();
        for _ in 0..rise_store::MAX_ATTEMPTS {
            s.mail_failed(m.id, "no route to host").await.unwrap();
        }
        assert!(s.mail_to_send(10, "").await.unwrap().is_empty());
        let failed = s.outbox(1).await.unwrap().remove(0);
        assert_eq!(
            (failed.status, failed.attempts),
            (MailStatus::Failed, rise_store::MAX_ATTEMPTS)
        );
        assert_eq!(failed.last_error.as_deref(), Some("no route to host"));
        assert!(failed.resendable);
        let log = s.audit_log(None, 50).await.unwrap();
        assert_eq!(log.iter().filter(|e| e.action == "resend").count(), 2);
        // A failed try waits before the next one.
        s.invite(org, "third@north.example.org", Role::OrgMember, &admin())
            .await
            .unwrap();
        let m = s.mail_to_send(10, "").await.unwrap().pop().unwrap();
        s.mail_failed(m.id, "greylisted").await.unwrap();
        assert!(
            s.mail_to_send(10, "").await.unwrap().is_empty(),
            "not retried at once"
        );
        assert_eq!(s.outbox(1).await.unwrap()[0].status, MailStatus::Queued);
        // Claimed once; a claim cut off by a restart is never sent again by itself.
        s.invite(org, "fourth@north.example.org", Role::OrgMember, &admin())
            .await
            .unwrap();
        let m = s.mail_to_send(10, "").await.unwrap().pop().unwrap();
        assert!(s.mail_claim(m.id).await.unwrap());
        assert!(!s.mail_claim(m.id).await.unwrap(), "one claim");
        assert!(s.mail_to_send(10, "").await.unwrap().is_empty());
        assert_eq!(s.mail_interrupted().await.unwrap(), 1);
        let cut = s.outbox(1).await.unwrap().remove(0);
        assert_eq!(cut.status, MailStatus::Failed);
        assert!(cut.last_error.unwrap().contains("interrupted") && cut.resendable);
    });
}

#[test]
fn tokens_are_listed_revoked_at_once_and_sessions_end_everywhere() {
    on_every_backend("tokens", |s| async move {
        let org = member(&s, "Token Clinic", OrgKind::Hospital).await;
        let mut people = Vec::new();
        for email in ["ana@token.example.org", "ben@token.example.org"] {
            let u = s
                .create_user(
                    email,
                    "Person",
                    "violet harbour lantern 42",
                    Role::OrgMember,
                    Some(org),
                    &admin(),
                )
                .await
                .unwrap();
            people.push(u);
        }
        let (ana, ben) = (&people[0], &people[1]);
        let laptop = s.create_api_token(ana, "laptop").await.unwrap();
        let server = s.create_api_token(ana, "analysis server").await.unwrap();
        let bens = s.create_api_token(ben, "ben's").await.unwrap();
        let listed = s.api_tokens(ana).await.unwrap();
        assert_eq!(
            listed.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(),
            ["analysis server", "laptop"]
        );
        assert!(
            listed
                .iter()
                .all(|t| t.last_used_at.is_none() && t.revoked_at.is_none())
        );
        // Use is recorded (in the background, to the minute).
        s.api_token_user(&laptop).await.unwrap();
        let mut used = None;
        for _ in 0..100 {
            used = s
                .api_tokens(ana)
                .await
                .unwrap()
                .into_iter()
                .find(|t| t.label == "laptop")
                .unwrap()
                .last_used_at;
            if used.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(used.is_some(), "last use recorded");
        // Revoked: unknown at once. Another person's token cannot be revoked, nor one twice.
        let laptop_id = listed[1].id;
        let bens_id = s.api_tokens(ben).await.unwrap()[0].id;
        assert!(matches!(
            s.revoke_api_token(ana, bens_id).await,
            Err(StoreError::NotFound)
        ));
        assert!(s.api_token_user(&bens).await.is_ok());
        s.revoke_api_token(ana, laptop_id).await.unwrap();
        assert!(matches!(
            s.api_token_user(&laptop).await,
            Err(StoreError::NotFound)
        ));
        assert!(s.api_token_user(&server).await.is_ok());
        assert!(matches!(
            s.revoke_api_token(ana, laptop_id).await,
            Err(StoreError::NotFound)
        ));
        let listed = s.api_tokens(ana).await.unwrap();
        assert_eq!(listed[1].label, "laptop");
        assert!(listed[1].revoked_at.is_some(), "revoked ones listed last");

        // Signing out everywhere ends every session of that person only.
        let (one, _) = s
            .sign_in(
                "ana@token.example.org",
                "violet harbour lantern 42",
                "192.0.2.1",
            )
            .await
            .unwrap();
        let (two, _) = s
            .sign_in(
                "ana@token.example.org",
                "violet harbour lantern 42",
                "192.0.2.2",
            )
            .await
            .unwrap();
        let (bs, _) = s
            .sign_in(
                "ben@token.example.org",
                "violet harbour lantern 42",
                "192.0.2.3",
            )
            .await
            .unwrap();
        assert_eq!(s.sign_out_everywhere(ana).await.unwrap(), 2);
        assert!(s.session(&one).await.is_err() && s.session(&two).await.is_err());
        assert!(s.session(&bs).await.is_ok());
        assert!(
            s.api_token_user(&server).await.is_ok(),
            "tokens are not sessions"
        );
        let log = s.audit_log(None, 20).await.unwrap();
        assert!(
            log.iter()
                .any(|e| e.action == "revoke" && e.entity == "api_token")
        );
        assert!(log.iter().any(|e| e.action == "sign_out_everywhere"));
    });
}

/// The token of the newest password-reset link mailed to `email`.
async fn reset_link_to(s: &Store, email: &str) -> Option<String> {
    let mail = s.mail_to_send(1000, "https://rise.example").await.unwrap();
    mail.iter()
        .rev()
        .find(|m| m.to == email && m.body.contains("/reset/"))
        .and_then(|m| m.body.split("https://rise.example/reset/").nth(1))
        .and_then(|t| t.split_whitespace().next())
        .map(str::to_string)
}

#[test]
fn a_password_is_reset_once_by_mail_and_every_session_ends() {
    on_every_backend("resets", |s| async move {
        let org = member(&s, "Reset Clinic", OrgKind::Hospital).await;
        let email = "rae@reset.example.org";
        let old = "violet harbour lantern 42";
        s.create_user(email, "Rae", old, Role::OrgMember, Some(org), &admin())
            .await
            .unwrap();
        // An unknown address: nothing is sent, and nothing says so.
        let before = s.outbox(1000).await.unwrap().len();
        s.request_password_reset("nobody@reset.example.org")
            .await
            .unwrap();
        assert_eq!(s.outbox(1000).await.unwrap().len(), before);
        let (thief, _) = s.sign_in(email, old, "192.0.2.9").await.unwrap();
        s.request_password_reset(" Rae@Reset.example.org ")
            .await
            .unwrap();
        let first = reset_link_to(&s, email).await.unwrap();
        s.request_password_reset(email).await.unwrap();
        let token = reset_link_to(&s, email).await.unwrap();
        assert_ne!(first, token);
        assert_eq!(s.password_reset(&token).await.unwrap(), email);
        // A weak password is refused and nothing changes.
        assert_eq!(
            fields(s.reset_password(&token, "123456789012").await.unwrap_err()),
            ["password"]
        );
        assert!(s.session(&thief).await.is_ok());
        let (cookie, session) = s
            .reset_password(&token, "copper meadow violin 77")
            .await
            .unwrap();
        assert_eq!(session.user.email, email);
        assert!(s.session(&cookie).await.is_ok());
        assert!(
            s.session(&thief).await.is_err(),
            "every other session ended"
        );
        assert!(matches!(
            s.reset_password(&token, "another fine phrase 9").await,
            Err(StoreError::NotFound)
        ));
        assert!(
            matches!(s.password_reset(&first).await, Err(StoreError::NotFound)),
            "older links die too"
        );
        assert!(s.sign_in(email, old, "192.0.2.1").await.is_err());
        assert!(
            s.sign_in(email, "copper meadow violin 77", "192.0.2.1")
                .await
                .is_ok()
        );
        // The staff's outbox shows that a reset was sent, never its link.
        let shown = serde_json::to_string(&s.outbox(1000).await.unwrap()).unwrap();
        assert!(!shown.contains(&token) && shown.contains("Reset your password"));
    });
}

/// A data set of bp_control by race in quarters of `year`, Black's rate `black` of 400 and
/// White's 60 % of 800, per quarter.
fn quarters(label: &str, year: i32, black: [u64; 4]) -> Upload {
    let rows = (0..4)
        .flat_map(|q| {
            let p = format!("{year}-Q{}", q + 1);
            [
                AggregateRow::counted("bp_control", "race_ethnicity", "White", &p, 480, 800),
                AggregateRow::counted(
                    "bp_control",
                    "race_ethnicity",
                    "Black or African American",
                    &p,
                    black[q],
                    400,
                ),
            ]
        })
        .collect();
    Upload::new(
        label,
        "rise analyze 0.1.0",
        rows,
        vec![MeasureInfo::new(
            "bp_control",
            "Blood pressure controlled",
            "CMS165",
            true,
        )],
        false,
    )
}

#[test]
fn evidence_is_followed_up_submitted_reviewed_and_counted() {
    use rise_aggregate::evidence::Verdict;
    use rise_store::model::EvidenceStatus;
    use rise_store::{Review, Submission};
    on_every_backend("evidence", |s| async move {
        let a = member(&s, "Alpha Health", OrgKind::HealthSystem).await;
        let b = member(&s, "Beta Plan", OrgKind::HealthPlan).await;
        let actor = admin();
        let base = s
            .add_dataset(a, &quarters("EHR 2024", 2024, [160; 4]), &actor)
            .await
            .unwrap();
        let mut input = plan_input(base.id);
        input.period = "2024-Q4".into();
        let plan = s.create_plan(a, &input, &actor).await.unwrap();
        let follow = s
            .add_dataset(a, &quarters("EHR 2025", 2025, [200, 220, 230, 240]), &actor)
            .await
            .unwrap();
        // A data set without the plan's measure is refused, with the reason.
        let other = s.add_dataset(a, &dataset(), &actor).await.unwrap();
        let refused = s.add_followup(a, plan.id, other.id, &actor).await;
        let Err(StoreError::Invalid(v)) = refused else {
            panic!("{refused:?}")
        };
        assert_eq!(v[0].field, "dataset_id");
        assert!(
            v[0].message.contains("overlap") || v[0].message.contains("period"),
            "{v:?}"
        );
        assert_eq!(
            fields(
                s.add_followup(a, plan.id, base.id, &actor)
                    .await
                    .unwrap_err()
            ),
            vec!["dataset_id"],
            "the baseline cannot follow itself up"
        );
        // Another organization can neither add to the plan nor lend its data set.
        assert!(matches!(
            s.add_followup(b, plan.id, follow.id, &actor).await,
            Err(StoreError::NotFound)
        ));
        s.add_followup(a, plan.id, follow.id, &actor).await.unwrap();
        assert_eq!(
            fields(
                s.add_followup(a, plan.id, follow.id, &actor)
                    .await
                    .unwrap_err()
            ),
            vec!["dataset_id"]
        );
        let ups = s.followups(a, plan.id).await.unwrap();
        assert_eq!(
            ups.iter().map(|d| d.id).collect::<Vec<_>>(),
            vec![follow.id]
        );
        assert!(matches!(
            s.followups(b, plan.id).await,
            Err(StoreError::NotFound)
        ));

        let sub = |verdict| Submission {
            verdict,
            summary: "gap −20.0 → −2.5 points",
            snapshot: "{\"verdict\":\"narrowed\"}",
            note: "Cuffs and pharmacist calls from January.",
        };
        assert!(s.plan_evidence(a, plan.id).await.unwrap().is_none());
        let e = s
            .submit_evidence(a, plan.id, &sub(Verdict::WithinChance), &actor)
            .await
            .unwrap();
        assert_eq!(e.status, EvidenceStatus::Submitted);
        assert!(matches!(
            s.submit_evidence(a, plan.id, &sub(Verdict::Narrowed), &actor)
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.submit_evidence(b, plan.id, &sub(Verdict::Narrowed), &actor)
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(s.plan_evidence(b, plan.id).await.unwrap().is_none());
        // A verdict that is not "narrowed" cannot be approved; a return needs a comment.
        assert!(matches!(
            s.review_evidence(e.id, Review::Approve, "", &actor).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            fields(
                s.review_evidence(e.id, Review::Return, " ", &actor)
                    .await
                    .unwrap_err()
            ),
            vec!["comment"]
        );
        let back = s
            .review_evidence(e.id, Review::Return, "Add the last quarter.", &actor)
            .await
            .unwrap();
        assert_eq!(back.status, EvidenceStatus::Returned);
        assert_eq!(back.reviewer_comment, "Add the last quarter.");
        let again = s
            .submit_evidence(a, plan.id, &sub(Verdict::Narrowed), &actor)
            .await
            .unwrap();
        assert_eq!((again.id, again.status), (e.id, EvidenceStatus::Submitted));
        assert_eq!(again.verdict, "narrowed");
        assert_eq!(
            s.evidence_queue().await.unwrap()[0].organization,
            "Alpha Health"
        );
        let status = |all: Vec<rise_store::AdoptionStatus>| {
            all.into_iter().find(|x| x.organization.id == a).unwrap()
        };
        assert!(status(s.adoption().await.unwrap()).impact_at.is_none());
        let ok = s
            .review_evidence(e.id, Review::Approve, "Clear and sustained.", &actor)
            .await
            .unwrap();
        assert_eq!(ok.status, EvidenceStatus::Approved);
        assert!(status(s.adoption().await.unwrap()).impact_at.is_some());
        assert!(matches!(
            s.review_evidence(e.id, Review::Return, "late", &actor)
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.submit_evidence(a, plan.id, &sub(Verdict::Narrowed), &actor)
                .await,
            Err(StoreError::Conflict(_))
        ));
        let steps: Vec<String> = s
            .evidence_steps(e.id)
            .await
            .unwrap()
            .into_iter()
            .map(|x| x.action)
            .collect();
        assert_eq!(steps, ["submitted", "returned", "submitted", "approved"]);
        let log = s
            .audit_log(Some(("evidence", &e.id.to_string())), 10)
            .await
            .unwrap();
        assert_eq!(log.len(), 4, "{log:?}");
    });
}
