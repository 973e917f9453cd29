//! `orgtrail-operator plan` (issue 14): on examples/ it lists exactly the AWS calls the
//! operator then makes, it writes nothing to AWS, and once AWS matches it says so with
//! exit code 0.

use std::process::Stdio;

use orgtrail_operator::aws::sdk::rate_limit::is_read;

use super::*;
use crate::support::operator::command;

/// `plan -f examples/ -o json`: its exit code and its report.
fn plan_examples(s: &Scenario) -> (i32, Value) {
    let no_file = s.dir.path().join("no-aws-config");
    let out = command("plan", s.emu.url(), AKID_MANAGEMENT, &no_file)
        .args(["-f", &examples_dir().to_string_lossy(), "-o", "json"])
        .stdin(Stdio::null())
        .output()
        .expect("running orgtrail-operator plan");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "plan printed no JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), report)
}

/// The operations of the calls in `report`, sorted.
fn planned_operations(report: &Value) -> Vec<String> {
    let mut ops: Vec<String> = report["objects"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["calls"].as_array().cloned().unwrap_or_default())
        .map(|c| c["operation"].as_str().unwrap_or("?").to_owned())
        .collect();
    ops.sort();
    ops
}

/// The writes in the emulator's call log that AWS accepted, sorted by operation.
fn accepted_writes(s: &Scenario) -> Vec<String> {
    let mut ops: Vec<String> = s
        .emu
        .calls()
        .iter()
        .filter(|c| c["outcome"] == "ok")
        .filter_map(|c| c["operation"].as_str())
        .filter(|op| !is_read(op))
        .map(str::to_owned)
        .collect();
    ops.sort();
    ops
}

#[test]
fn s10_plan_lists_what_the_operator_then_does_and_writes_nothing() {
    let mut s = Scenario::start();
    s.emu.clear_calls();
    let (code, report) = plan_examples(&s);
    assert_eq!(code, 2, "changes are exit code 2: {report:#}");
    let planned = planned_operations(&report);
    assert!(
        planned.contains(&"CreateTrail".to_owned())
            && planned.contains(&"EnableAWSServiceAccess".to_owned()),
        "{planned:?}"
    );
    let writes: Vec<Value> = s
        .emu
        .calls()
        .into_iter()
        .filter(|c| !is_read(c["operation"].as_str().unwrap_or("")))
        .collect();
    assert!(writes.is_empty(), "plan wrote to AWS: {writes:#?}");
    // Every planned object ends Ready: nothing waits for a prerequisite the plan leaves out.
    for o in report["objects"].as_array().expect("objects") {
        assert_eq!(o["outcome"]["state"], "Ready", "{o:#}");
    }

    s.emu.clear_calls();
    examples_ready(&mut s);
    assert_eq!(
        accepted_writes(&s),
        planned,
        "the operator's writes differ from the plan"
    );

    s.emu.clear_calls();
    let (code, report) = plan_examples(&s);
    assert_eq!(code, 0, "no changes once converged: {report:#}");
    assert!(planned_operations(&report).is_empty(), "{report:#}");
    assert!(accepted_writes(&s).is_empty(), "plan wrote to AWS");
    s.finish();
}
