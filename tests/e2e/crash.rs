//! The operator killed mid-conversion converges on restart, without duplicates.

use super::*;

const BULK: usize = 20;

fn bulk_names() -> Vec<String> {
    (0..BULK).map(|i| format!("bulk-{i:02}")).collect()
}

/// Trails named `bulk-*` in the emulator state: (total, organization trails).
fn bulk_in_state(s: &Scenario) -> (Vec<String>, usize) {
    let state = s.emu.state();
    let trails: Vec<&Value> = state["trails"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|t| t["name"].as_str().is_some_and(|n| n.starts_with("bulk-")))
                .collect()
        })
        .unwrap_or_default();
    let names = trails
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    let org = trails
        .iter()
        .filter(|t| t["is_organization_trail"] == true)
        .count();
    (names, org)
}

#[test]
fn s8_kill_during_reconversion_then_converge_without_duplicates() {
    let mut s = Scenario::start();
    s.emu.configure(json!({"trail_quota": 1000}));
    s.start_operator();
    s.apply_example("00-trusted-access.yaml");
    let mut manifest = String::new();
    for name in bulk_names() {
        manifest.push_str(&format!(
            "---\napiVersion: orgtrail.dev/v1alpha1\nkind: OrgTrail\nmetadata: {{name: {name}}}\n\
             spec:\n  name: {name}\n  homeRegion: us-east-1\n  s3BucketName: orgtrail-logs\n\
             \x20 isOrganizationTrail: true\n  logging: true\n  deletionPolicy: Delete\n"
        ));
    }
    s.apply_ok(&manifest);
    for name in bulk_names() {
        s.wait_ready("orgtrail", &name);
    }

    // Slow conversions down so the kill lands in the middle of them.
    s.emu.add_fault(
        json!({"operation": "UpdateTrail", "kind": "latency", "latency_ms": 3000, "count": 10000}),
    );
    set_trusted_access_by_hand(&s, false);
    // The operator turns trusted access back on first, then converts the trails.
    s.wait_for("trusted access re-enabled", Duration::from_secs(60), |s| {
        (!s.emu.calls_of("EnableAWSServiceAccess").is_empty()).then_some(())
    });
    // Conversions run concurrently; with 3 s of latency each, they are all in flight now.
    std::thread::sleep(Duration::from_millis(500));
    s.kill_operator();
    let (_, at_kill) = bulk_in_state(&s);
    assert!(at_kill < BULK, "every trail converged before the kill");
    s.emu.clear_faults();

    s.start_operator();
    s.wait_for(
        "all bulk trails organization trails again",
        Duration::from_secs(120),
        |s| {
            let (_, org) = bulk_in_state(s);
            (org == BULK).then_some(())
        },
    );
    for name in bulk_names() {
        s.wait_ready("orgtrail", &name);
    }
    let (mut names, _) = bulk_in_state(&s);
    names.sort();
    assert_eq!(names, bulk_names(), "exactly one trail per name");
    let member_view = s
        .trails(AKID_MEMBER)
        .into_iter()
        .filter(|t| t["Name"].as_str().is_some_and(|n| n.starts_with("bulk-")))
        .count();
    assert_eq!(
        member_view, BULK,
        "member accounts see every organization trail once"
    );
    s.finish();
}
