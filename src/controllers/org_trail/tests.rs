//! Every branch of the trail lifecycle, run against in-memory AWS: what AWS ends up
//! holding, the calls it took, the events and the outcome users see.

use crate::api::{OrgTrail, OrgTrailStatus, TrustedAccess};
use crate::aws::memory::MANAGEMENT;
use crate::aws::{ErrorKind, Prerequisite, Trail, trail_arn};
use crate::controllers::fixtures::{Fixture, World, ready, reason, reasons};
use crate::controllers::org_scoped::plan::Plan;

const ARN: &str = "arn:aws:cloudtrail:us-east-1:111111111111:trail/audit";

fn audit() -> OrgTrail {
    Fixture::trail("audit").build()
}

fn trail(w: &World) -> Trail {
    w.aws.state.lock().unwrap().trails[ARN].trail.clone()
}

/// A world holding the converged `audit` trail, its status, and no calls logged.
async fn converged() -> (World, OrgTrailStatus) {
    let w = World::management(true);
    let mut status = OrgTrailStatus::default();
    assert!(ready(&w.trail(&audit(), &mut status).await.0));
    w.calls();
    (w, status)
}

#[tokio::test]
async fn creates_an_organization_trail_and_starts_logging() {
    let w = World::management(true);
    let mut status = OrgTrailStatus::default();
    let (outcome, notes) = w.trail(&audit(), &mut status).await;
    assert_eq!(reason(&outcome), "Ready");
    assert_eq!(reasons(&notes), ["Created"]);
    // A new trail has AWS's defaults and the tags sent: nothing is read back.
    assert_eq!(
        w.calls(),
        [
            "DescribeOrganization",
            "GetTrail",
            "CreateTrail",
            "StartLogging"
        ]
    );
    let t = trail(&w);
    assert!(t.is_organization_trail && t.is_multi_region_trail && t.log_file_validation_enabled);
    assert!(w.aws.state.lock().unwrap().trails[ARN].logging);
    assert_eq!(status.arn.as_deref(), Some(ARN));
    assert_eq!(status.owner_account_id.as_deref(), Some(MANAGEMENT));
    assert_eq!(
        (status.is_organization_trail, status.is_logging),
        (Some(true), Some(true))
    );
}

#[tokio::test]
async fn a_converged_trail_costs_four_reads_and_no_writes() {
    let (w, mut status) = converged().await;
    let (outcome, notes) = w.trail(&audit(), &mut status).await;
    assert!(ready(&outcome));
    assert!(notes.is_empty());
    // No GetInsightSelectors on a trail without Insights: AWS would log an error for it.
    assert_eq!(
        w.calls(),
        [
            "GetTrail",
            "ListTags",
            "GetEventSelectors",
            "GetTrailStatus"
        ]
    );
}

#[tokio::test]
async fn waits_while_trusted_access_is_disabled_then_converts_back() {
    let (w, mut status) = converged().await;
    w.disable_trust();
    let (outcome, notes) = w.trail(&audit(), &mut status).await;
    assert_eq!(reason(&outcome), "TrustedAccessDisabled");
    assert!(notes.is_empty());
    assert_eq!(status.is_organization_trail, Some(false));
    // Nothing is written, and no details are read of a trail that can't be converted.
    assert_eq!(
        w.calls(),
        [
            "GetTrail",
            "ListTags",
            "ListAWSServiceAccessForOrganization"
        ]
    );

    w.enable_trust();
    let (outcome, notes) = w.trail(&audit(), &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(reasons(&notes), ["Reconverted"]);
    assert!(trail(&w).is_organization_trail);
    assert_eq!(status.is_organization_trail, Some(true));
    assert!(w.calls().contains(&"UpdateTrail"));
}

#[tokio::test]
async fn a_declared_disable_blocks_the_conversion_even_when_aws_trusts() {
    let (w, mut status) = converged().await;
    w.disable_trust();
    // Someone enabled it by hand while a TrustedAccess object declares it Disabled: the
    // TrustedAccess controller is about to disable it again.
    w.enable_trust();
    w.declare(vec![
        Fixture::trusted_access("cloudtrail", "Disabled").build::<TrustedAccess>(),
    ]);
    let (outcome, _) = w.trail(&audit(), &mut status).await;
    assert_eq!(reason(&outcome), "TrustedAccessDisabled");
    assert!(!trail(&w).is_organization_trail);
    assert!(!w.calls().contains(&"UpdateTrail"));

    w.declare(vec![
        Fixture::trusted_access("cloudtrail", "Enabled").build::<TrustedAccess>(),
    ]);
    assert!(ready(&w.trail(&audit(), &mut status).await.0));
    assert!(trail(&w).is_organization_trail);
}

#[tokio::test]
async fn recreates_a_trail_deleted_by_hand() {
    let (w, mut status) = converged().await;
    w.aws.state.lock().unwrap().trails.clear();
    let (outcome, notes) = w.trail(&audit(), &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(reasons(&notes), ["Recreated", "Created"]);
    assert!(w.aws.state.lock().unwrap().trails[ARN].logging);
}

#[tokio::test]
async fn restarts_logging_stopped_by_hand() {
    let (w, mut status) = converged().await;
    w.aws
        .state
        .lock()
        .unwrap()
        .trails
        .get_mut(ARN)
        .unwrap()
        .logging = false;
    let (outcome, notes) = w.trail(&audit(), &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(reasons(&notes), ["LoggingRestarted"]);
    assert_eq!(w.calls().last(), Some(&"StartLogging"));
}

#[tokio::test]
async fn stops_logging_when_declared_off_without_calling_it_tampering() {
    let (w, mut status) = converged().await;
    let off: OrgTrail = Fixture::trail("audit").with("logging", false).build();
    let (outcome, notes) = w.trail(&off, &mut status).await;
    assert!(ready(&outcome));
    assert!(notes.is_empty());
    assert!(!w.aws.state.lock().unwrap().trails[ARN].logging);
    assert_eq!(status.is_logging, Some(false));
}

#[tokio::test]
async fn corrects_drift_field_by_field() {
    let (w, mut status) = converged().await;
    {
        let mut s = w.aws.state.lock().unwrap();
        let t = &mut s.trails.get_mut(ARN).unwrap().trail;
        t.s3_bucket_name = "elsewhere".into();
        t.log_file_validation_enabled = false;
    }
    let (outcome, notes) = w.trail(&audit(), &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(
        notes[0].message,
        "corrected S3BucketName, EnableLogFileValidation"
    );
    let t = trail(&w);
    assert!(t.s3_bucket_name == "logs" && t.log_file_validation_enabled);
    assert!(t.is_organization_trail, "a correction never changes scope");
}

#[tokio::test]
async fn puts_declared_selectors_and_insights() {
    let (w, mut status) = converged().await;
    let declared: OrgTrail = Fixture::trail("audit")
        .with(
            "insightSelectors",
            serde_json::json!(["ApiCallRateInsight"]),
        )
        .with(
            "eventSelectors",
            serde_json::json!([{ "readWriteType": "WriteOnly" }]),
        )
        .build();
    assert!(ready(&w.trail(&declared, &mut status).await.0));
    let calls = w.calls();
    assert!(calls.contains(&"PutEventSelectors") && calls.contains(&"PutInsightSelectors"));
    // Converged: Insights are read now that the trail has them, and nothing is put again.
    assert!(ready(&w.trail(&declared, &mut status).await.0));
    let calls = w.calls();
    assert!(calls.contains(&"GetInsightSelectors"));
    assert!(!calls.iter().any(|c| c.starts_with("Put")));
}

#[tokio::test]
async fn restores_tags_and_removes_strays() {
    let (w, mut status) = converged().await;
    {
        let mut s = w.aws.state.lock().unwrap();
        let tags = s.tags.get_mut(ARN).unwrap();
        tags.insert("stray".into(), "x".into());
    }
    let tagged: OrgTrail = Fixture::trail("audit")
        .with("tags", serde_json::json!({ "team": "security" }))
        .build();
    assert!(ready(&w.trail(&tagged, &mut status).await.0));
    let tags = w.aws.state.lock().unwrap().tags[ARN].clone();
    assert_eq!(tags.get("team").map(String::as_str), Some("security"));
    assert!(!tags.contains_key("stray"));
    assert!(tags.contains_key(crate::controllers::tags::OWNER_TAG));
}

/// A trail of that name made by someone else: in the model, one without our owner tag.
async fn foreign_trail(w: &World) {
    let other = World::management(true);
    let mut status = OrgTrailStatus::default();
    let theirs: OrgTrail = Fixture::trail("audit").build();
    // Their operator, under another object name, made it with its own owner tag.
    let mut theirs = theirs;
    theirs.metadata.name = Some("someone-else".into());
    let _ = other.trail(&theirs, &mut status).await;
    let state = std::mem::take(&mut *other.aws.state.lock().unwrap());
    *w.aws.state.lock().unwrap() = state;
    w.calls();
}

#[tokio::test]
async fn a_name_clash_stalls_without_touching_the_trail() {
    let w = World::management(true);
    foreign_trail(&w).await;
    let mut status = OrgTrailStatus::default();
    let (outcome, notes) = w.trail(&audit(), &mut status).await;
    assert_eq!(reason(&outcome), "NameClash");
    assert!(notes.is_empty());
    assert_eq!(
        w.calls(),
        ["DescribeOrganization", "GetTrail", "ListTags"],
        "no details of someone else's trail, no writes"
    );
}

#[tokio::test]
async fn adopts_an_existing_trail_when_asked() {
    let w = World::management(true);
    foreign_trail(&w).await;
    let adopt: OrgTrail = Fixture::trail("audit").with("adoptExisting", true).build();
    let mut status = OrgTrailStatus::default();
    let (outcome, notes) = w.trail(&adopt, &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(reasons(&notes), ["Adopted"]);
    let owner = w.aws.state.lock().unwrap().tags[ARN][crate::controllers::tags::OWNER_TAG].clone();
    assert_eq!(owner, "OrgTrail/audit");
}

#[tokio::test]
async fn creating_while_trusted_access_is_off_fails_with_the_reason() {
    let w = World::management(false);
    let err = w
        .trail(&audit(), &mut OrgTrailStatus::default())
        .await
        .0
        .unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::PrerequisiteMissing(Prerequisite::TrustedAccessDisabled)
    );
    assert!(w.aws.state.lock().unwrap().trails.is_empty());
}

#[tokio::test]
async fn an_account_level_trail_stays_so() {
    let w = World::management(false);
    let local: OrgTrail = Fixture::trail("audit")
        .with("isOrganizationTrail", false)
        .build();
    let mut status = OrgTrailStatus::default();
    assert!(ready(&w.trail(&local, &mut status).await.0));
    assert!(!trail(&w).is_organization_trail);
    assert!(ready(&w.trail(&local, &mut status).await.0));
    assert!(!w.calls().contains(&"UpdateTrail"));
}

#[tokio::test]
async fn a_delegated_admin_cannot_see_the_converted_trail_and_says_why() {
    let (mgmt, _) = converged().await;
    mgmt.disable_trust();
    let da = World::delegated(&mgmt, "222222222222", false);
    da.enable_trust();
    let mut status = OrgTrailStatus {
        is_logging: Some(true),
        ..Default::default()
    };
    let (outcome, _) = da.trail(&audit(), &mut status).await;
    assert_eq!(reason(&outcome), "NotVisible");
    assert!(!trail(&mgmt).is_organization_trail, "nothing converted");
    assert_eq!(status.arn.as_deref(), Some(ARN), "addressed by ARN");
}

#[tokio::test]
async fn a_delegated_admin_with_a_management_role_converts_it_back() {
    let (mgmt, _) = converged().await;
    mgmt.disable_trust();
    let da = World::delegated(&mgmt, "222222222222", true);
    da.enable_trust();
    let mut status = OrgTrailStatus {
        is_logging: Some(true),
        ..Default::default()
    };
    let (outcome, notes) = da.trail(&audit(), &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(reasons(&notes), ["Reconverted"]);
    assert!(trail(&mgmt).is_organization_trail);
}

#[test]
fn the_plan_for_nothing_found_is_to_create_and_say_why_if_it_existed() {
    use crate::controllers::org_scoped::observe::{Creds, Observed};
    use crate::controllers::org_scoped::{Declared, plan::plan};
    use crate::controllers::org_trail::lifecycle::Trails;
    let t = audit();
    let mut d = Declared::<Trails> {
        spec: &t.spec,
        region: "us-east-1",
        name: "audit",
        arn: Some(trail_arn("us-east-1", MANAGEMENT, "audit")),
        owner: "OrgTrail/audit".into(),
        settings: super::plan::settings(&t.spec, "OrgTrail/audit"),
        organization: true,
        adopt_existing: false,
        existed: false,
        was_ready: false,
    };
    let nothing = Observed::<Trails> {
        creds: Creds::Primary,
        found: None,
    };
    let status = OrgTrailStatus::default();
    assert_eq!(plan(&d, &status, &nothing), Plan::Create(vec![]));
    d.existed = true;
    match plan(&d, &status, &nothing) {
        Plan::Create(notes) => assert_eq!(reasons(&notes), ["Recreated"]),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_correction_that_does_not_stick_is_reported_not_fought_silently() {
    let (w, mut status) = converged().await;
    let revert = || {
        let mut s = w.aws.state.lock().unwrap();
        s.trails.get_mut(ARN).unwrap().trail.s3_bucket_name = "elsewhere".into();
    };
    for _ in 0..2 {
        revert();
        assert!(ready(&w.trail(&audit(), &mut status).await.0));
    }
    revert();
    let (outcome, _) = w.trail(&audit(), &mut status).await;
    assert_eq!(reason(&outcome), "Contested");
    let Ok(crate::controllers::outcome::Outcome::Stalled { message, .. }) = &outcome else {
        panic!("{outcome:?}");
    };
    assert!(message.contains("S3BucketName"), "{message}");
    assert_eq!(trail(&w).s3_bucket_name, "logs", "still corrected");
    // Left alone, the next look finds it as declared: Ready again.
    assert!(ready(&w.trail(&audit(), &mut status).await.0));
}

#[tokio::test]
async fn deletion_follows_the_policy() {
    let (w, status) = converged().await;
    let mut retained = audit();
    retained.status = Some(status.clone());
    assert_eq!(super::cleanup(&retained, &w.access).await.unwrap(), None);
    assert!(
        w.aws.state.lock().unwrap().trails.contains_key(ARN),
        "Retain"
    );

    let mut deleted: OrgTrail = Fixture::trail("audit")
        .with("deletionPolicy", "Delete")
        .build();
    deleted.status = Some(status);
    let note = super::cleanup(&deleted, &w.access).await.unwrap();
    assert_eq!(note.map(|n| n.reason), Some("Deleted"));
    assert!(w.aws.state.lock().unwrap().trails.is_empty());
    // Already gone (deleted by hand meanwhile): nothing to do, no error.
    assert_eq!(super::cleanup(&deleted, &w.access).await.unwrap(), None);
}

#[test]
fn a_trail_found_but_not_fully_read_is_looked_at_again_not_changed() {
    use crate::controllers::org_scoped::observe::{Creds, Found, Observed};
    use crate::controllers::org_scoped::{Declared, plan::plan};
    use crate::controllers::org_trail::lifecycle::Trails;
    let t = audit();
    let owner = "OrgTrail/audit".to_string();
    let settings = super::plan::settings(&t.spec, &owner);
    let d = Declared::<Trails> {
        spec: &t.spec,
        region: "us-east-1",
        name: "audit",
        arn: Some(ARN.into()),
        owner,
        settings: settings.clone(),
        organization: true,
        adopt_existing: false,
        existed: true,
        was_ready: false,
    };
    let found = Observed::<Trails> {
        creds: Creds::Primary,
        found: Some(Found {
            resource: Trail {
                arn: ARN.into(),
                is_organization_trail: true,
                ..Default::default()
            },
            tags: Some(settings.tags.clone()),
            blocked: None,
            details: None,
        }),
    };
    match plan(&d, &OrgTrailStatus::default(), &found) {
        Plan::Stop(outcome) => assert_eq!(
            reason(&Ok(outcome)),
            "Observing",
            "no step without the details"
        ),
        other => panic!("{other:?}"),
    }
}

/// The object as the engine hands it over once Ready for its generation: differences
/// found now were made in AWS.
fn ready_object(mut t: OrgTrail) -> OrgTrail {
    t.status = Some(OrgTrailStatus {
        conditions: crate::controllers::fixtures::ready_conditions(t.metadata.generation),
        ..Default::default()
    });
    t
}

fn with_settings() -> OrgTrail {
    Fixture::trail("audit")
        .with("recursiveLogging", false)
        .with(
            "insightSelectors",
            serde_json::json!(["ApiCallRateInsight"]),
        )
        .with(
            "insightEventCategories",
            serde_json::json!({"ApiCallRateInsight": ["Management", "Data"]}),
        )
        .with(
            "aggregationConfigurations",
            serde_json::json!([{"templates": ["USER_ACTIONS", "API_ACTIVITY"]}]),
        )
        .build()
}

#[tokio::test]
async fn new_settings_are_applied_on_create_and_cost_one_read_per_resync() {
    use crate::aws::{CloudTrail, Target};
    let w = World::management(true);
    let mut status = OrgTrailStatus::default();
    let t = with_settings();
    let (outcome, _) = w.trail(&t, &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(
        w.calls(),
        [
            "DescribeOrganization",
            "GetTrail",
            "CreateTrail",
            "PutInsightSelectors",
            "PutEventConfiguration",
            "StartLogging"
        ],
        "RecursiveLogging goes with CreateTrail"
    );
    assert!(!trail(&w).recursive_logging);
    let insights = w
        .aws
        .get_insight_selectors("us-east-1", Target::Trail(ARN))
        .await
        .unwrap();
    assert_eq!(insights, super::plan::desired_insights(&t.spec));
    assert_eq!(
        insights.selectors[0].event_categories.len(),
        2,
        "{insights:?}"
    );
    w.calls();
    // A resync reads the aggregations (declared) and Insights (the trail has them).
    let (outcome, notes) = w.trail(&t, &mut status).await;
    assert!(ready(&outcome) && notes.is_empty(), "{notes:?}");
    assert_eq!(
        w.calls(),
        [
            "GetTrail",
            "ListTags",
            "GetEventSelectors",
            "GetInsightSelectors",
            "GetEventConfiguration",
            "GetTrailStatus"
        ]
    );
}

#[tokio::test]
async fn settings_changed_by_hand_are_restored_with_one_warning() {
    use crate::api::settings::{AggregationConfiguration, AggregationTemplate};
    use crate::aws::{CloudTrail, EventConfiguration, Target};
    let w = World::management(true);
    let mut status = OrgTrailStatus::default();
    let t = with_settings();
    assert!(ready(&w.trail(&t, &mut status).await.0));
    // By hand: recursive logging back on, Insights on management events only, another
    // aggregation template.
    w.aws
        .state
        .lock()
        .unwrap()
        .trails
        .get_mut(ARN)
        .unwrap()
        .trail
        .recursive_logging = true;
    let mut insights = super::plan::desired_insights(&t.spec);
    insights.selectors[0].event_categories.pop();
    w.aws
        .put_insight_selectors("us-east-1", Target::Trail(ARN), &insights)
        .await
        .unwrap();
    let other = EventConfiguration {
        aggregation_configurations: vec![AggregationConfiguration {
            templates: vec![AggregationTemplate::ResourceAccess],
            event_category: Default::default(),
        }],
        ..Default::default()
    };
    w.aws
        .put_event_configuration("us-east-1", Target::Trail(ARN), &other)
        .await
        .unwrap();
    w.calls();
    let (outcome, notes) = w.trail(&ready_object(t.clone()), &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(reasons(&notes), ["DriftCorrected", "Updated"]);
    let message = &notes[0].message;
    for what in [
        "RecursiveLogging",
        "InsightSelectors",
        "AggregationConfigurations",
    ] {
        assert!(message.contains(what), "{message}");
    }
    assert!(!trail(&w).recursive_logging);
    assert_eq!(
        w.aws
            .get_insight_selectors("us-east-1", Target::Trail(ARN))
            .await
            .unwrap(),
        super::plan::desired_insights(&t.spec)
    );
    assert_eq!(
        Some(
            w.aws
                .get_event_configuration("us-east-1", Target::Trail(ARN))
                .await
                .unwrap()
        ),
        super::plan::desired_event_configuration(&t.spec)
    );
    // A spec change is no drift: no warning for what the user asked.
    let changed: OrgTrail = Fixture::trail("audit").build();
    let (_, notes) = w.trail(&changed, &mut status).await;
    assert!(!reasons(&notes).contains(&"DriftCorrected"), "{notes:?}");
}

#[tokio::test]
async fn unset_new_settings_are_left_as_aws_has_them_and_never_read() {
    use crate::aws::{CloudTrail, EventConfiguration, Target};
    let (w, mut status) = converged().await;
    w.aws
        .state
        .lock()
        .unwrap()
        .trails
        .get_mut(ARN)
        .unwrap()
        .trail
        .recursive_logging = false;
    let agg = EventConfiguration {
        aggregation_configurations: vec![crate::api::settings::AggregationConfiguration {
            templates: vec![crate::api::settings::AggregationTemplate::ApiActivity],
            event_category: Default::default(),
        }],
        ..Default::default()
    };
    w.aws
        .put_event_configuration("us-east-1", Target::Trail(ARN), &agg)
        .await
        .unwrap();
    w.calls();
    let (outcome, notes) = w.trail(&ready_object(audit()), &mut status).await;
    assert!(ready(&outcome) && notes.is_empty(), "{notes:?}");
    assert!(!w.calls().contains(&"GetEventConfiguration"));
    assert!(!trail(&w).recursive_logging, "left alone");
}

#[tokio::test]
async fn a_trail_logging_its_own_bucket_gets_the_condition_and_one_warning() {
    let w = World::management(true);
    let mut status = OrgTrailStatus::default();
    let looping: OrgTrail = Fixture::trail("audit")
        .with(
            "advancedEventSelectors",
            serde_json::json!([{"fieldSelectors": [
                {"field": "eventCategory", "equals": ["Data"]},
                {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                {"field": "resources.ARN", "startsWith": ["arn:aws:s3:::logs/"]},
            ]}]),
        )
        .build();
    let (outcome, notes) = w.trail(&looping, &mut status).await;
    assert!(ready(&outcome), "a warning, not a failure");
    assert_eq!(reasons(&notes), ["Created", "RecursiveLogging"]);
    assert!(status.records_own_deliveries.is_some());
    let conditions = <OrgTrail as crate::controllers::Reconciled>::kind_conditions(
        &status,
        outcome.as_ref().unwrap(),
    );
    let c = conditions
        .iter()
        .find(|c| c.type_ == super::RECURSIVE_LOGGING)
        .expect("condition");
    assert!(c.status && c.message.contains("recursiveLogging: false"));
    // Once: the next look publishes nothing.
    let (_, notes) = w.trail(&looping, &mut status).await;
    assert!(notes.is_empty(), "{notes:?}");
    // Fixed as the message says: the condition goes.
    let mut fixed = looping.clone();
    fixed.spec.recursive_logging = Some(false);
    let (outcome, _) = w.trail(&fixed, &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(status.records_own_deliveries, None);
    assert!(!trail(&w).recursive_logging);
}
