//! The committed `crds/` match what the code generates, and `kubectl explain` has something
//! to say about every field.

use orgtrail_operator::api::crds;
use serde_json::Value;

#[test]
fn committed_crds_match_the_code() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crds");
    for (stem, crd) in crds::all() {
        let path = dir.join(format!("{stem}.yaml"));
        let committed = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run `make crds`", path.display()));
        assert!(
            committed == crds::to_yaml(&crd),
            "{} is stale: run `make crds` and commit the result",
            path.display()
        );
    }
}

/// Paths of schema properties that have no description.
fn undescribed(path: &str, schema: &Value, out: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if !obj.contains_key("description") {
        out.push(path.to_string());
    }
    if let Some(Value::Object(props)) = obj.get("properties") {
        for (name, sub) in props {
            undescribed(&format!("{path}.{name}"), sub, out);
        }
    }
    if let Some(items) = obj.get("items") {
        // Array items are described by their array field; look inside them.
        if let Some(Value::Object(props)) = items.get("properties") {
            for (name, sub) in props {
                undescribed(&format!("{path}[].{name}"), sub, out);
            }
        }
    }
    if let Some(Value::Object(extra)) = obj.get("additionalProperties")
        && let Some(Value::Object(props)) = extra.get("properties")
    {
        for (name, sub) in props {
            undescribed(&format!("{path}{{}}.{name}"), sub, out);
        }
    }
}

#[test]
fn every_field_has_a_description() {
    for (_, crd) in crds::all() {
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
        let mut missing = vec![];
        for top in ["spec", "status"] {
            undescribed(top, &schema["properties"][top], &mut missing);
        }
        assert!(
            missing.is_empty(),
            "{}: fields without description: {missing:?}",
            crd.spec.names.kind
        );
    }
}
