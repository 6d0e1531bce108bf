//! `fixtures/vectors/labs.json` read with this crate's types: every case's JSON parses by
//! its route (and pre-order kind), follows every rule exactly when the case says its
//! content is valid, and each answer makes the payment request the case expects. The
//! file's `preorder_kinds` table (what consumers in other languages check against) is
//! checked here against the types' own rules, field by field.
//!
//! Signatures and SM4 are checked by `lakala-crypto`'s `tests/fixture_vectors.rs`.

use lakala_types::labs::{
    IdmRefundRequest, IdmRefundResponse, LabsMicropayRequest, LabsMicropayResponse, LabsRoute,
    PreorderKind, PreorderRequest, PreorderResponse,
};
use lakala_types::micropay::{V3Request, V3Response};
use lakala_types::{parse, Violation};
use serde_json::Value;
use std::path::Path;

fn file() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/vectors/labs.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn kind_named(name: &str) -> PreorderKind {
    PreorderKind::ALL
        .into_iter()
        .find(|k| k.as_str() == name)
        .unwrap_or_else(|| panic!("unknown kind {name}"))
}

fn violations_of(route: LabsRoute, request: bool, json: &str) -> Vec<Violation> {
    match (route, request) {
        (LabsRoute::Preorder, true) => {
            parse::<V3Request<PreorderRequest>>(json)
                .unwrap()
                .violations
        }
        (LabsRoute::Preorder, false) => {
            parse::<V3Response<PreorderResponse>>(json)
                .unwrap()
                .violations
        }
        (LabsRoute::Micropay, true) => {
            parse::<V3Request<LabsMicropayRequest>>(json)
                .unwrap()
                .violations
        }
        (LabsRoute::Micropay, false) => {
            parse::<V3Response<LabsMicropayResponse>>(json)
                .unwrap()
                .violations
        }
        (LabsRoute::IdmRefund, true) => {
            parse::<V3Request<IdmRefundRequest>>(json)
                .unwrap()
                .violations
        }
        (LabsRoute::IdmRefund, false) => {
            parse::<V3Response<IdmRefundResponse>>(json)
                .unwrap()
                .violations
        }
        other => panic!("no fixture route {other:?}"),
    }
}

#[test]
fn every_case_parses_by_its_route_and_kind() {
    let file = file();
    let cases = file["cases"].as_array().unwrap();
    let mut kinds_seen = std::collections::BTreeSet::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (route, _) = LabsRoute::from_path(case["route"].as_str().unwrap()).unwrap();
        let request = case["kind"] == "request";
        let json = case["json"].as_str().unwrap();
        let violations = violations_of(route, request, json);
        let kind = case["preorder_kind"].as_str().map(kind_named);
        let content_error = case["content_error"]["field"].as_str();
        if request {
            let expected: Vec<String> = content_error
                .map(|f| vec![format!("req_data.{f}")])
                .unwrap_or_default();
            let found: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
            assert_eq!(found, expected, "{name}");
            if let Some(kind) = kind {
                let parsed: V3Request<PreorderRequest> = serde_json::from_str(json).unwrap();
                assert_eq!(parsed.req_data().unwrap().kind(), Some(kind), "{name}");
                if case["content_valid"] == true {
                    kinds_seen.insert(kind.as_str());
                }
            }
        } else {
            assert!(violations.is_empty(), "{name}: {violations:?}");
            if let Some(kind) = kind {
                let parsed: V3Response<PreorderResponse> = serde_json::from_str(json).unwrap();
                let pay = parsed.resp_data().unwrap().payment_request(kind);
                match content_error {
                    None if case.get("decrypt_error").is_none() => {
                        let pay = serde_json::to_value(pay.unwrap()).unwrap();
                        assert_eq!(pay, case["payment_request"], "{name}");
                    }
                    None => {}
                    Some(field) => {
                        let err = pay.unwrap_err().to_string();
                        assert!(err.starts_with(field), "{name}: {err}");
                    }
                }
            }
        }
    }
    assert_eq!(
        kinds_seen.len(),
        PreorderKind::ALL.len(),
        "a valid request per kind"
    );
}

/// The valid request and answer of a kind, as JSON values.
fn valid_pair(file: &Value, kind: &str) -> (Value, Value) {
    let find = |k: &str| -> Value {
        let case = file["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                c["preorder_kind"] == kind
                    && c["kind"] == k
                    && c["content_valid"] == true
                    && c["encrypted"] == false
            })
            .unwrap_or_else(|| panic!("no valid {k} for {kind}"));
        serde_json::from_str(case["json"].as_str().unwrap()).unwrap()
    };
    (find("request"), find("response"))
}

fn request_violations(request: &Value) -> Vec<String> {
    let parsed = parse::<V3Request<PreorderRequest>>(&request.to_string()).unwrap();
    parsed.violations.into_iter().map(|v| v.field).collect()
}

#[test]
fn the_kinds_table_says_what_the_types_enforce() {
    let file = file();
    let table = file["preorder_kinds"].as_array().unwrap();
    assert_eq!(table.len(), PreorderKind::ALL.len());
    for rules in table {
        let name = rules["kind"].as_str().unwrap();
        let kind = kind_named(name);
        assert_eq!(
            rules["account_type"],
            kind.account_type().as_str(),
            "{name}"
        );
        assert_eq!(rules["trans_type"], kind.trans_type().as_str(), "{name}");
        let (request, response) = valid_pair(&file, name);
        assert!(request_violations(&request).is_empty(), "{name}");

        for field in rules["acc_busi_fields_required"].as_array().unwrap() {
            let field = field.as_str().unwrap();
            let mut without = request.clone();
            without["req_data"]["acc_busi_fields"]
                .as_object_mut()
                .unwrap()
                .remove(field);
            assert_eq!(
                request_violations(&without),
                [format!("req_data.acc_busi_fields.{field}")],
                "{name}: without {field}"
            );
        }
        for field in rules["acc_busi_fields_forbidden"].as_array().unwrap() {
            let field = field.as_str().unwrap();
            let mut with = request.clone();
            let data = with["req_data"].as_object_mut().unwrap();
            let fields = data
                .entry("acc_busi_fields")
                .or_insert_with(|| Value::Object(Default::default()));
            fields[field] = Value::from("https://merchant.example/x");
            // Flagged at the field (front_fail_url alone also lacks its front_url).
            let flagged = request_violations(&with);
            assert!(
                flagged.contains(&format!("req_data.acc_busi_fields.{field}"))
                    && flagged
                        .iter()
                        .all(|f| f.starts_with("req_data.acc_busi_fields.")),
                "{name}: with {field}: {flagged:?}"
            );
        }
        let mut without_subject = request.clone();
        without_subject["req_data"]
            .as_object_mut()
            .unwrap()
            .remove("subject");
        let flagged = request_violations(&without_subject) == ["req_data.subject"];
        assert_eq!(
            flagged,
            rules["subject_required"] == true,
            "{name}: subject"
        );

        let data: V3Response<PreorderResponse> = serde_json::from_value(response.clone()).unwrap();
        let pay =
            serde_json::to_value(data.resp_data().unwrap().payment_request(kind).unwrap()).unwrap();
        assert_eq!(pay["type"], rules["payment_request_type"], "{name}");
        for field in rules["acc_resp_fields_required"].as_array().unwrap() {
            let field = field.as_str().unwrap();
            let mut without = response.clone();
            without["resp_data"]["acc_resp_fields"]
                .as_object_mut()
                .unwrap()
                .remove(field);
            let data: V3Response<PreorderResponse> = serde_json::from_value(without).unwrap();
            let err = data.resp_data().unwrap().payment_request(kind).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with(&format!("acc_resp_fields.{field}:")),
                "{name}: without {field}: {err}"
            );
        }
    }
}
