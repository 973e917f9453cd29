//! Every manifest in `examples/` is a valid object of its kind: it deserializes into the
//! typed resource and passes the CRD's CEL rules.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::core::cel::Validator;
use orgtrail_operator::api::{DelegatedAdmin, OrgEventDataStore, OrgTrail, TrustedAccess, crds};
use serde_json::Value;

fn check<K: serde::de::DeserializeOwned>(doc: &Value, crd: &CustomResourceDefinition) {
    serde_json::from_value::<K>(doc.clone()).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let schema = serde_json::to_value(
        crd.spec.versions[0]
            .schema
            .as_ref()
            .unwrap()
            .open_api_v3_schema
            .as_ref()
            .unwrap(),
    )
    .unwrap();
    if let Err(errs) = Validator::new().validate(&schema, doc, None) {
        panic!("{doc}: {errs:?}");
    }
}

#[test]
fn examples_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let all = crds::all();
    let crd = |kind: &str| {
        &all.iter()
            .find(|(_, c)| c.spec.names.kind == kind)
            .unwrap()
            .1
    };
    let mut kinds = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let kind = doc["kind"].as_str().unwrap().to_string();
        match kind.as_str() {
            "TrustedAccess" => check::<TrustedAccess>(&doc, crd(&kind)),
            "DelegatedAdmin" => check::<DelegatedAdmin>(&doc, crd(&kind)),
            "OrgTrail" => check::<OrgTrail>(&doc, crd(&kind)),
            "OrgEventDataStore" => check::<OrgEventDataStore>(&doc, crd(&kind)),
            other => panic!("{}: unexpected kind {other}", path.display()),
        }
        kinds.push(kind);
    }
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "DelegatedAdmin",
            "OrgEventDataStore",
            "OrgTrail",
            "TrustedAccess"
        ]
    );
}
