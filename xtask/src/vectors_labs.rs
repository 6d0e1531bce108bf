//! `fixtures/vectors/labs.json`: the labs aggregated-scan family (pre-order per
//! combination, labs micropay, idmrefund) and one SM4-encrypted (`*_encry`) exchange.
//!
//! Requests are written by `lakala-types`' validating builders and wrapped in the v3
//! envelope; answers are written here as the platform would, and each is parsed back with
//! `lakala-types` before it is accepted (a fixture the crate would flag is a generation
//! error, unless the case is meant to break a rule). Every body is signed like the
//! open-platform vectors (same keys, same `Case` fields); the encrypted bodies are sealed
//! with `lakala_crypto::Sm4Key` under a key drawn from the seeded generator, and signed as
//! sealed. Byte-for-byte reproducible. Fields: `fixtures/README.md`.

use crate::generation::{Context, Output};
use crate::test_keys;
use crate::vectors_open_platform::{case, request, response, Case, Signed, GATEWAY, MERCHANT};
use lakala_crypto::open_platform::{generate_nonce, SCHEME};
use lakala_crypto::{Sm4Error, Sm4Key};
use lakala_types::labs::{
    AlipayPreorderFields, IdentityInfo, IdmRefundRequest, IdmRefundResponse, LabsMicropayFields,
    LabsMicropayRequest, LabsMicropayResponse, LabsRoute, PreorderKind, PreorderRequest,
    PreorderResponse, PreorderScenario, ScanType, UnionPayPreorderFields, WechatPreorderFields,
};
use lakala_types::micropay::{LocationInfo, MicropayRequest, V3Request, V3Response};
use lakala_types::timestamp::DateTime14;
use lakala_types::validation::Broken;
use lakala_types::{parse, Amount, JsonString, Validate};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The output file, relative to the workspace root.
pub const PATH: &str = "fixtures/vectors/labs.json";

/// Seed of the generator that draws the nonces and the SM4 keys.
const SEED: u64 = 0x6c61_6b61_6c61_0003;

/// 2024-09-02 10:30:00 in China.
const T0: i64 = 1_725_244_200;
const REQ_TIME: &str = "20240902103000";

const MERCHANT_NO: &str = "822TEST00000001";
const TERM_NO: &str = "T0000001";

/// GB/T 32907-2016 appendix A.1, example 1.
const GBT_HEX: &str = "0123456789abcdeffedcba9876543210";
const GBT_CIPHERTEXT_HEX: &str = "681edf34d206965e86b3e94f536e4246";

#[derive(Serialize)]
struct File {
    description: &'static str,
    format_version: u32,
    scheme: &'static str,
    sm4_standard_vector: StandardVector,
    routes: Vec<RouteRules>,
    preorder_kinds: Vec<KindRules>,
    cases: Vec<LabsCase>,
}

#[derive(Serialize)]
struct StandardVector {
    source: &'static str,
    key_hex: &'static str,
    plaintext_hex: &'static str,
    ciphertext_hex: &'static str,
}

/// What every request and answer of a route must carry.
#[derive(Serialize)]
struct RouteRules {
    path: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    encrypted_path: Option<&'static str>,
    request_required: Vec<&'static str>,
    request_one_of: Vec<Vec<&'static str>>,
    response_required: Vec<&'static str>,
}

/// One pre-order combination's rules.
#[derive(Serialize)]
struct KindRules {
    kind: &'static str,
    account_type: String,
    trans_type: String,
    subject_required: bool,
    acc_busi_fields_required: Vec<&'static str>,
    acc_busi_fields_forbidden: Vec<&'static str>,
    acc_resp_fields_required: Vec<&'static str>,
    payment_request_type: &'static str,
}

#[derive(Serialize)]
struct ContentError {
    field: &'static str,
    rule: &'static str,
}

#[derive(Serialize)]
struct LabsCase {
    #[serde(flatten)]
    signed: Case,
    route: &'static str,
    encrypted: bool,
    json: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sm4_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decrypt_error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preorder_kind: Option<&'static str>,
    content_valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_error: Option<ContentError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_request: Option<serde_json::Value>,
}

fn routes() -> Vec<RouteRules> {
    vec![
        RouteRules {
            path: LabsRoute::Preorder.path(),
            encrypted_path: LabsRoute::Preorder.encrypted_path(),
            request_required: vec![
                "merchant_no",
                "term_no",
                "out_trade_no",
                "account_type",
                "trans_type",
                "total_amount",
                "location_info",
            ],
            request_one_of: vec![],
            response_required: vec!["merchant_no", "out_trade_no", "trade_no", "acc_resp_fields"],
        },
        RouteRules {
            path: LabsRoute::Micropay.path(),
            encrypted_path: LabsRoute::Micropay.encrypted_path(),
            request_required: vec![
                "merchant_no",
                "term_no",
                "out_trade_no",
                "auth_code",
                "total_amount",
                "location_info",
            ],
            request_one_of: vec![],
            response_required: vec![
                "out_trade_no",
                "trade_no",
                "account_type",
                "total_amount",
                "trade_time",
            ],
        },
        RouteRules {
            path: LabsRoute::IdmRefund.path(),
            encrypted_path: None,
            request_required: vec![
                "merchant_no",
                "term_no",
                "out_refund_order_no",
                "refund_amount",
                "location_info",
            ],
            request_one_of: vec![vec![
                "origin_out_trade_no",
                "origin_trade_no",
                "origin_log_no",
            ]],
            response_required: vec!["trade_state"],
        },
    ]
}

const WECHAT_RESP: [&str; 6] = [
    "app_id",
    "time_stamp",
    "nonce_str",
    "package",
    "sign_type",
    "pay_sign",
];

fn kind_rules(kind: PreorderKind) -> Result<KindRules, String> {
    let (required, forbidden, resp, payment): (Vec<&str>, Vec<&str>, Vec<&str>, &str) = match kind {
        PreorderKind::WechatJsapi | PreorderKind::WechatMiniProgram => (
            vec!["sub_appid", "user_id"],
            vec![],
            WECHAT_RESP.to_vec(),
            "wechat_pay",
        ),
        PreorderKind::AlipayNative => (vec![], vec!["user_id"], vec!["code"], "qr_code"),
        PreorderKind::AlipayJsapi => (vec!["user_id"], vec![], vec!["prepay_id"], "alipay_trade"),
        PreorderKind::UnionPayNative => (
            vec![],
            vec!["user_id", "front_url", "front_fail_url"],
            vec!["code"],
            "qr_code",
        ),
        PreorderKind::UnionPayJsapi => (vec![], vec![], vec!["redirect_url"], "unionpay_redirect"),
        other => return Err(format!("no rules for pre-order kind {other:?}")),
    };
    Ok(KindRules {
        kind: kind.as_str(),
        account_type: kind.account_type().as_str().to_owned(),
        trans_type: kind.trans_type().as_str().to_owned(),
        subject_required: kind.account_type().as_str() == "WECHAT",
        acc_busi_fields_required: required,
        acc_busi_fields_forbidden: forbidden,
        acc_resp_fields_required: resp,
        payment_request_type: payment,
    })
}

fn location() -> Result<LocationInfo, String> {
    LocationInfo::builder()
        .request_ip("10.176.1.192")
        .location("+31.221345,+121.544057")
        .build()
        .map_err(|e| e.to_string())
}

fn envelope<T: Serialize + Validate>(data: T) -> Result<String, String> {
    let at = DateTime14::parse(REQ_TIME).map_err(|e| e.to_string())?;
    let request = V3Request::new(at, data).map_err(|e| e.to_string())?;
    serde_json::to_string(&request).map_err(|e| e.to_string())
}

/// Parses an answer with lakala-types; it must follow every rule.
fn clean_answer<T: DeserializeOwned + Validate>(name: &str, body: &str) -> Result<(), String> {
    let parsed = parse::<V3Response<T>>(body).map_err(|e| format!("{name}: {e}"))?;
    if !parsed.violations.is_empty() {
        return Err(format!("{name}: {:?}", parsed.violations));
    }
    Ok(())
}

struct Builder<'a> {
    context: &'a Context,
    rng: ChaCha20Rng,
    at: i64,
    cases: Vec<LabsCase>,
}

impl Builder<'_> {
    fn nonce(&mut self) -> String {
        generate_nonce(&mut self.rng)
    }

    fn tick(&mut self) -> i64 {
        self.at += 1;
        self.at
    }

    fn sign(
        &mut self,
        name: &'static str,
        description: &'static str,
        is_request: bool,
        body: &str,
    ) -> Result<Signed, String> {
        let merchant = test_keys::get(self.context, MERCHANT)?;
        let gateway = test_keys::get(self.context, GATEWAY)?;
        let at = self.tick();
        let nonce = self.nonce();
        if is_request {
            request(
                name,
                description,
                merchant,
                merchant,
                MERCHANT,
                body,
                at,
                nonce,
            )
        } else {
            response(name, description, gateway, body, at, nonce)
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn plain(
        &mut self,
        name: &'static str,
        description: &'static str,
        route: LabsRoute,
        is_request: bool,
        body: String,
        kind: Option<PreorderKind>,
        content_error: Option<ContentError>,
        payment_request: Option<serde_json::Value>,
    ) -> Result<(), String> {
        let signed = self.sign(name, description, is_request, &body)?;
        self.cases.push(LabsCase {
            signed: case(signed),
            route: route.path(),
            encrypted: false,
            json: body,
            sm4_key: None,
            decrypt_error: None,
            preorder_kind: kind.map(PreorderKind::as_str),
            content_valid: content_error.is_none(),
            content_error,
            payment_request,
        });
        Ok(())
    }

    fn preorder(
        &mut self,
        kind: PreorderKind,
        request: PreorderRequest,
        answer: &str,
        names: (&'static str, &'static str),
        descriptions: (&'static str, &'static str),
    ) -> Result<(), String> {
        if request.kind() != Some(kind) {
            return Err(format!("{}: built for another kind", names.0));
        }
        self.plain(
            names.0,
            descriptions.0,
            LabsRoute::Preorder,
            true,
            envelope(request)?,
            Some(kind),
            None,
            None,
        )?;
        clean_answer::<PreorderResponse>(names.1, answer)?;
        let parsed: V3Response<PreorderResponse> =
            serde_json::from_str(answer).map_err(|e| e.to_string())?;
        let pay = parsed
            .resp_data()
            .ok_or("no resp_data")?
            .payment_request(kind)
            .map_err(|e| format!("{}: {e}", names.1))?;
        let pay = serde_json::to_value(pay).map_err(|e| e.to_string())?;
        self.plain(
            names.1,
            descriptions.1,
            LabsRoute::Preorder,
            false,
            answer.to_owned(),
            Some(kind),
            None,
            Some(pay),
        )
    }
}

fn preorder_base(out_trade_no: &str) -> Result<lakala_types::labs::PreorderRequestBuilder, String> {
    Ok(PreorderRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(out_trade_no)
        .total_amount(Amount::from_fen(1999).map_err(|e| e.to_string())?)
        .location_info(location()?)
        .subject("云南小粒咖啡（250克）")
        .notify_url("https://merchant.example/lakala/notify"))
}

const OPENID: &str = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M";
const SUB_APPID: &str = "wx0123456789abcdef";

fn answer(out_trade_no: &str, trade_no: &str, acc_resp_fields: &str) -> String {
    format!(
        r#"{{"code":"BBS00000","msg":"成功","resp_time":"20240902103001","resp_data":{{"merchant_no":"{MERCHANT_NO}","out_trade_no":"{out_trade_no}","trade_no":"{trade_no}","log_no":"{}","settle_merchant_no":"{MERCHANT_NO}","settle_term_no":"{TERM_NO}","acc_resp_fields":{acc_resp_fields}}}}}"#,
        &trade_no[trade_no.len() - 14..]
    )
}

const WECHAT_SIGN: &str = r#"{"prepay_id":"wx02103001234567890123456789012","app_id":"wx0123456789abcdef","time_stamp":"1725244201","nonce_str":"5K8264ILTKCH16CQ2502SI8ZNMTM67VS","package":"prepay_id=wx02103001234567890123456789012","sign_type":"RSA","pay_sign":"oR9d8PuhnIc+YZ8cBHFCwfgpaK9gd7vaRvkYD7rthRAZ/X+QBhcCYL21N7cHCTUxbQ+EAt6Uy+lwSN22f5YZvI45MLko8Pfso0jm46v5hqcVwrk6uddkGuT+Cdvu4WBqDzaDjnNa5UK3GfE1Wfl2gHxIIY5lLdUgWFts17D4WuolLLkiFZV+JSHMvH7eaLdT9N5GBovBwu5yYKUR7skR8Fu+LozcSqQixnlEZUfyE55feLOQTUYzLmR9pNtPbPsu6WVhbNHMS3Ss2+AehHvz+n64GDmXxbX++IOBvm2olHu3PsOUGRwhudhVf7UcGcunXt8cqNjKNqZLhLw4jq/xDg==","sub_mch_id":"1900000109"}"#;

fn preorders(b: &mut Builder) -> Result<(), String> {
    let fields = WechatPreorderFields::builder()
        .sub_appid(SUB_APPID)
        .user_id(OPENID)
        .timeout_express("15")
        .device_info("WEB")
        .build()
        .map_err(|e| e.to_string())?;
    let request = preorder_base("PRE20240902103000000001")?
        .scenario(PreorderScenario::WechatJsapi(fields))
        .build()
        .map_err(|e| e.to_string())?;
    b.preorder(
        PreorderKind::WechatJsapi,
        request,
        &answer("PRE20240902103000000001", "20240902110113130266250000001", WECHAT_SIGN),
        ("preorder-wechat-jsapi-request", "preorder-wechat-jsapi-response"),
        (
            "WECHAT x 51 (official account page): sub_appid and the payer's openid (user_id) in acc_busi_fields.",
            "Its answer: the seven WeChat pay-sign fields (plus prepay_id and sub_mch_id) in acc_resp_fields.",
        ),
    )?;

    let request = preorder_base("PRE20240902103000000002")?
        .scenario(
            PreorderScenario::wechat_mini_program(SUB_APPID, OPENID).map_err(|e| e.to_string())?,
        )
        .build()
        .map_err(|e| e.to_string())?;
    b.preorder(
        PreorderKind::WechatMiniProgram,
        request,
        &answer(
            "PRE20240902103000000002",
            "20240902110113130266250000002",
            WECHAT_SIGN,
        ),
        (
            "preorder-wechat-mini-program-request",
            "preorder-wechat-mini-program-response",
        ),
        (
            "WECHAT x 71 (mini-program): the same wallet fields as JSAPI.",
            "Its answer: the pay-sign fields for wx.requestPayment.",
        ),
    )?;

    let fields = AlipayPreorderFields::builder()
        .timeout_express("5")
        .store_id("SHOP-001")
        .build()
        .map_err(|e| e.to_string())?;
    let request = preorder_base("PRE20240902103000000003")?
        .scenario(PreorderScenario::AlipayNative(fields))
        .build()
        .map_err(|e| e.to_string())?;
    b.preorder(
        PreorderKind::AlipayNative,
        request,
        &answer(
            "PRE20240902103000000003",
            "20240902110113130266250000003",
            r#"{"code":"https://qr.alipay.com/bax08431dqgkwvkyuqbq0048","code_image":""}"#,
        ),
        (
            "preorder-alipay-native-request",
            "preorder-alipay-native-response",
        ),
        (
            "ALIPAY x 41 (QR code): no user_id; timeout_express 5 minutes.",
            "Its answer: the QR code's text in code (code_image empty, as the platform documents).",
        ),
    )?;

    let request = preorder_base("PRE20240902103000000004")?
        .scenario(PreorderScenario::alipay_jsapi("2088102146225135").map_err(|e| e.to_string())?)
        .build()
        .map_err(|e| e.to_string())?;
    b.preorder(
        PreorderKind::AlipayJsapi,
        request,
        &answer(
            "PRE20240902103000000004",
            "20240902110113130266250000004",
            r#"{"prepay_id":"2024090222001427551400000004"}"#,
        ),
        (
            "preorder-alipay-jsapi-request",
            "preorder-alipay-jsapi-response",
        ),
        (
            "ALIPAY x 51 (service window / mini-program): the payer's buyer_user_id as user_id.",
            "Its answer: Alipay's trade number in prepay_id, for my.tradePay.",
        ),
    )?;

    let request = preorder_base("PRE20240902103000000005")?
        .scenario(PreorderScenario::unionpay_native())
        .build()
        .map_err(|e| e.to_string())?;
    b.preorder(
        PreorderKind::UnionPayNative,
        request,
        &answer(
            "PRE20240902103000000005",
            "20240902110113130266250000005",
            r#"{"code":"https://qr.95516.com/00010000/01012409021030000000000000000005"}"#,
        ),
        (
            "preorder-unionpay-native-request",
            "preorder-unionpay-native-response",
        ),
        (
            "UQRCODEPAY x 41 (QR code): no acc_busi_fields at all.",
            "Its answer: the UnionPay QR code's text.",
        ),
    )?;

    let fields = UnionPayPreorderFields::builder()
        .user_id("uPb0xGhTqV3u2v5QW1p0lMSb8Lk=")
        .front_url("https://merchant.example/pay/done")
        .build()
        .map_err(|e| e.to_string())?;
    let request = preorder_base("PRE20240902103000000006")?
        .scenario(PreorderScenario::UnionPayJsapi(fields))
        .build()
        .map_err(|e| e.to_string())?;
    b.preorder(
        PreorderKind::UnionPayJsapi,
        request,
        &answer(
            "PRE20240902103000000006",
            "20240902110113130266250000006",
            r#"{"redirect_url":"https://qr.95516.com/qrcGtwWeb-web/api/pay?orderNo=20240902110113130266250000006"}"#,
        ),
        ("preorder-unionpay-jsapi-request", "preorder-unionpay-jsapi-response"),
        (
            "UQRCODEPAY x 51 (UnionPay JS payment): the payer's UnionPay user_id and a front_url.",
            "Its answer: the page to send the payer's browser to.",
        ),
    )?;

    // Content that breaks a combination's rules (signed correctly: only the content is wrong).
    let alipay_native_with_user = r#"{"req_data":{"merchant_no":"822TEST00000001","term_no":"T0000001","out_trade_no":"PRE20240902103000000007","account_type":"ALIPAY","trans_type":"41","total_amount":"1999","location_info":{"request_ip":"10.176.1.192"},"acc_busi_fields":{"user_id":"2088102146225135"}},"req_time":"20240902103000","version":"3.0"}"#;
    let wechat_without_openid = r#"{"req_data":{"merchant_no":"822TEST00000001","term_no":"T0000001","out_trade_no":"PRE20240902103000000008","account_type":"WECHAT","trans_type":"51","total_amount":"1999","location_info":{"request_ip":"10.176.1.192"},"subject":"咖啡","acc_busi_fields":{"sub_appid":"wx0123456789abcdef"}},"req_time":"20240902103000","version":"3.0"}"#;
    for (body, field, rule) in [
        (
            alipay_native_with_user,
            "acc_busi_fields.user_id",
            "forbidden",
        ),
        (wechat_without_openid, "acc_busi_fields.user_id", "missing"),
    ] {
        let parsed = parse::<V3Request<PreorderRequest>>(body).map_err(|e| e.to_string())?;
        let as_expected = match parsed.violations.as_slice() {
            [v] => {
                v.field == format!("req_data.{field}")
                    && match rule {
                        "missing" => matches!(v.broken, Broken::MissingWhen(_)),
                        _ => matches!(v.broken, Broken::Conflict(_)),
                    }
            }
            _ => false,
        };
        if !as_expected {
            return Err(format!(
                "an invalid pre-order is flagged as {:?}",
                parsed.violations
            ));
        }
    }
    b.plain(
        "preorder-alipay-native-with-user-id",
        "Invalid content: ALIPAY x 41 with a user_id, which only JSAPI sends.",
        LabsRoute::Preorder,
        true,
        alipay_native_with_user.to_owned(),
        Some(PreorderKind::AlipayNative),
        Some(ContentError {
            field: "acc_busi_fields.user_id",
            rule: "forbidden",
        }),
        None,
    )?;
    b.plain(
        "preorder-wechat-jsapi-without-openid",
        "Invalid content: WECHAT x 51 without the payer's openid (user_id).",
        LabsRoute::Preorder,
        true,
        wechat_without_openid.to_owned(),
        Some(PreorderKind::WechatJsapi),
        Some(ContentError {
            field: "acc_busi_fields.user_id",
            rule: "missing",
        }),
        None,
    )?;
    let without_pay_sign = answer(
        "PRE20240902103000000001",
        "20240902110113130266250000001",
        r#"{"prepay_id":"wx02103001234567890123456789012","app_id":"wx0123456789abcdef","time_stamp":"1725244201","nonce_str":"5K8264ILTKCH16CQ2502SI8ZNMTM67VS","package":"prepay_id=wx02103001234567890123456789012","sign_type":"RSA"}"#,
    );
    let parsed: V3Response<PreorderResponse> =
        serde_json::from_str(&without_pay_sign).map_err(|e| e.to_string())?;
    let err = parsed
        .resp_data()
        .ok_or("no resp_data")?
        .payment_request(PreorderKind::WechatJsapi)
        .err()
        .ok_or("an answer without pay_sign made a payment request")?;
    if !err.to_string().starts_with("acc_resp_fields.pay_sign") {
        return Err(format!("unexpected error {err}"));
    }
    b.plain(
        "preorder-wechat-jsapi-response-without-pay-sign",
        "Invalid content: a WECHAT x 51 answer without pay_sign cannot be handed to the payer.",
        LabsRoute::Preorder,
        false,
        without_pay_sign,
        Some(PreorderKind::WechatJsapi),
        Some(ContentError {
            field: "acc_resp_fields.pay_sign",
            rule: "missing",
        }),
        None,
    )
}

fn micropay_request() -> Result<LabsMicropayRequest, String> {
    let base = MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no("MP20240902103000000001")
        .auth_code("284519823761298344")
        .total_amount(Amount::from_fen(101).map_err(|e| e.to_string())?)
        .location_info(location()?)
        .subject("测试商品")
        .build()
        .map_err(|e| e.to_string())?;
    let labs = LabsMicropayFields::builder()
        .busi_mode("ACQ")
        .scan_type(ScanType::Code)
        .build()
        .map_err(|e| e.to_string())?;
    LabsMicropayRequest::new(base, labs).map_err(|e| e.to_string())
}

const MICROPAY_ANSWER: &str = r#"{"code":"BBS00000","msg":"成功","resp_time":"20240902103002","resp_data":{"merchant_no":"822TEST00000001","out_trade_no":"MP20240902103000000001","trade_no":"20240902110113130266250000101","log_no":"66250000000101","acc_trade_no":"2024090222001400001000000101","need_query":"0","settle_channel_type":"ALIPAY","account_type":"ALIPAY","total_amount":"101","payer_amount":"101","acc_settle_amount":"101","trade_time":"20240902103002","acc_resp_fields":{"user_id":"2088102146225135","buyer_login_id":"138****1111"}}}"#;

const IDMREFUND_ANSWER: &str = r#"{"code":"BBS00000","msg":"成功","resp_time":"20240902113000","resp_data":{"merchant_no":"822TEST00000001","out_refund_order_no":"RF20240902113000000001","trade_no":"20240902110113130266250000201","log_no":"66250000000201","account_type":"ALIPAY","trade_state":"DEAL","trade_state_desc":"退款处理中","total_amount":"101","refund_amount":"50","trade_time":"20240902113000","origin_out_trade_no":"MP20240902103000000001"}}"#;

fn micropay_and_refund(b: &mut Builder) -> Result<(), String> {
    b.plain(
        "micropay-labs-request",
        "A barcode payment on the labs route: the dcp micropay's req_data plus busi_mode and scan_type.",
        LabsRoute::Micropay,
        true,
        envelope(micropay_request()?)?,
        None,
        None,
        None,
    )?;
    clean_answer::<LabsMicropayResponse>("micropay-labs-response", MICROPAY_ANSWER)?;
    b.plain(
        "micropay-labs-response",
        "Its answer: paid (BBS00000), the dcp micropay's resp_data.",
        LabsRoute::Micropay,
        false,
        MICROPAY_ANSWER.to_owned(),
        None,
        None,
        None,
    )?;
    let refund = IdmRefundRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_refund_order_no("RF20240902113000000001")
        .refund_amount(Amount::from_fen(50).map_err(|e| e.to_string())?)
        .refund_reason("顾客退货")
        .origin_out_trade_no("MP20240902103000000001")
        .location_info(location()?)
        .build()
        .map_err(|e| e.to_string())?;
    b.plain(
        "idmrefund-request",
        "A refund by the merchant's refund number (out_refund_order_no) of half the payment above.",
        LabsRoute::IdmRefund,
        true,
        envelope(refund)?,
        None,
        None,
        None,
    )?;
    clean_answer::<IdmRefundResponse>("idmrefund-response", IDMREFUND_ANSWER)?;
    b.plain(
        "idmrefund-response",
        "Its answer: accepted, in progress (trade_state DEAL): query it, never send it again.",
        LabsRoute::IdmRefund,
        false,
        IDMREFUND_ANSWER.to_owned(),
        None,
        None,
        None,
    )
}

fn sm4_key(rng: &mut ChaCha20Rng) -> Result<Sm4Key, String> {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    Sm4Key::from_bytes(&bytes).map_err(|e| e.to_string())
}

fn encrypted(b: &mut Builder) -> Result<(), String> {
    let key = sm4_key(&mut b.rng)?;
    let other = sm4_key(&mut b.rng)?;
    let identity = IdentityInfo::builder()
        .identity_no("110101199003071234")
        .name("张三")
        .identity_type("01")
        .build()
        .map_err(|e| e.to_string())?;
    let request = preorder_base("PRE20240902103000000009")?
        .scenario(PreorderScenario::alipay_native())
        .identity_info(JsonString::new(identity).map_err(|e| e.to_string())?)
        .build()
        .map_err(|e| e.to_string())?;
    if !request.needs_encryption() {
        return Err("a request with identity_info does not need encryption".into());
    }
    let json = envelope(request)?;
    let answer = answer(
        "PRE20240902103000000009",
        "20240902110113130266250000009",
        r#"{"code":"https://qr.alipay.com/bax09431dqgkwvkyuqbq0049"}"#,
    );
    clean_answer::<PreorderResponse>("preorder-encry-response", &answer)?;
    let path = LabsRoute::Preorder
        .encrypted_path()
        .ok_or("no encrypted pre-order path")?;
    let push = |b: &mut Builder,
                name: &'static str,
                description: &'static str,
                is_request: bool,
                json: &str,
                sealed_with: &Sm4Key,
                decrypt_error: Option<&'static str>|
     -> Result<(), String> {
        let body = sealed_with.seal(json);
        let signed = b.sign(name, description, is_request, &body)?;
        let payment_request = if is_request || decrypt_error.is_some() {
            None
        } else {
            let parsed: V3Response<PreorderResponse> =
                serde_json::from_str(json).map_err(|e| e.to_string())?;
            let pay = parsed
                .resp_data()
                .ok_or("no resp_data")?
                .payment_request(PreorderKind::AlipayNative)
                .map_err(|e| e.to_string())?;
            Some(serde_json::to_value(pay).map_err(|e| e.to_string())?)
        };
        b.cases.push(LabsCase {
            signed: case(signed),
            route: path,
            encrypted: true,
            json: json.to_owned(),
            sm4_key: Some(key.expose_base64().to_string()),
            decrypt_error,
            preorder_kind: Some(PreorderKind::AlipayNative.as_str()),
            content_valid: true,
            content_error: None,
            payment_request,
        });
        Ok(())
    };
    push(
        b,
        "preorder-encry-request",
        "A real-name pre-order (identity_info) on preorder_encry: the whole v3 JSON (json) SM4/ECB/PKCS5Padding-encrypted under sm4_key and base64'd is the body; the signature covers that base64 text.",
        true,
        &json,
        &key,
        None,
    )?;
    push(
        b,
        "preorder-encry-response",
        "Its answer, encrypted the same way; verify the signature over the base64 body, then decrypt.",
        false,
        &answer,
        &key,
        None,
    )?;
    // Sealed under another key: the signature is good, decryption must fail on the padding.
    match key.open(&other.seal(&answer)) {
        Err(Sm4Error::BadPadding) => {}
        other => return Err(format!("wrong-key answer opened as {other:?}")),
    }
    push(
        b,
        "preorder-encry-response-wrong-key",
        "An answer encrypted under another key (signature valid): decrypting with sm4_key must fail (bad PKCS#5 padding), never yield JSON.",
        false,
        &answer,
        &other,
        Some("bad_padding"),
    )
}

/// The generator of `fixtures/vectors/labs.json`.
pub fn generate(context: &Context) -> Result<Vec<Output>, String> {
    let key = Sm4Key::from_hex(GBT_HEX).map_err(|e| e.to_string())?;
    let block = hex_lower(&key.encrypt(&hex_bytes(GBT_HEX)?)[..16]);
    if block != GBT_CIPHERTEXT_HEX {
        return Err(format!("SM4 standard vector: got {block}"));
    }
    let mut b = Builder {
        context,
        rng: ChaCha20Rng::seed_from_u64(SEED),
        at: T0,
        cases: Vec::new(),
    };
    preorders(&mut b)?;
    micropay_and_refund(&mut b)?;
    encrypted(&mut b)?;
    let file = File {
        description: "lakala-rs labs (aggregated scan) test vectors: pre-orders per account_type x trans_type, labs micropay, idmrefund and one SM4-encrypted (*_encry) exchange, generated by `cargo xtask fixtures` with TEST keys (fixtures/keys/) and a TEST SM4 key. Fields: fixtures/README.md.",
        format_version: 1,
        scheme: SCHEME,
        sm4_standard_vector: StandardVector {
            source: "GB/T 32907-2016, appendix A.1, example 1 (one block, no padding)",
            key_hex: GBT_HEX,
            plaintext_hex: GBT_HEX,
            ciphertext_hex: GBT_CIPHERTEXT_HEX,
        },
        routes: routes(),
        preorder_kinds: PreorderKind::ALL
            .into_iter()
            .map(kind_rules)
            .collect::<Result<_, _>>()?,
        cases: b.cases,
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(vec![Output {
        path: PATH.to_owned(),
        bytes: text.into_bytes(),
    }])
}

fn hex_bytes(text: &str) -> Result<Vec<u8>, String> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
