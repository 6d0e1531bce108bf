//! `lakala demo`: every flow against an embedded sandbox, with a short report of each step.

use crate::args::Cli;
use crate::embedded::Embedded;
use crate::exit::Exit;
use crate::failure::Failure;
use crate::report::Report;
use crate::settings::{self, Family};
use lakala_client::notification::InMemoryReplayGuard;
use lakala_client::{
    AuthOutcome, Confirmation, LakalaClient, MicropayOptions, PaymentOutcome, PendingPolicy,
    PollSchedule, PreOrderOutcome, PreorderOptions, PreorderOutcome,
};
use lakala_sandbox::behaviour::{auth_codes, cert_numbers, preorder_amounts, MERCHANT_NO, TERM_NO};
use lakala_sandbox::SandboxConfig;
use lakala_types::crossborder::{AuthRequest, BizType, CertType, RetCode};
use lakala_types::labs::{PreorderRequest as LabsPreorderRequest, PreorderScenario};
use lakala_types::micropay::{LocationInfo, MicropayRequest, RefundRequest, RevokeRequest};
use lakala_types::preauth::{AccountType, PaymentData, PreOrderRequest, TransType};
use lakala_types::Amount;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

struct Steps {
    results: Vec<(String, bool, String)>,
    json: bool,
}

impl Steps {
    fn record(&mut self, step: &str, result: Result<String, String>) {
        let (ok, detail) = match result {
            Ok(d) => (true, d),
            Err(d) => (false, d),
        };
        if !self.json {
            eprintln!("{} {step}: {detail}", if ok { "ok  " } else { "FAIL" });
        }
        self.results.push((step.to_owned(), ok, detail));
    }
}

fn location() -> Result<LocationInfo, Failure> {
    Ok(LocationInfo::builder().request_ip("127.0.0.1").build()?)
}

fn pay(out_trade_no: &str, auth_code: &str, fen: u64) -> Result<MicropayRequest, Failure> {
    Ok(MicropayRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(out_trade_no)
        .auth_code(auth_code)
        .total_amount(Amount::from_fen(fen)?)
        .location_info(location()?)
        .subject("lakala demo")
        .build()?)
}

fn auth(order_no: &str, cert_no: &str) -> Result<AuthRequest, Failure> {
    Ok(AuthRequest::builder()
        .order_no(order_no)
        .biz_type(BizType::Identity)
        .name("张三")
        .cert_no(cert_no)
        .cert_type(CertType::IdCard)
        .build()?)
}

fn pre_order(
    sno: &str,
    account: AccountType,
    trans: TransType,
) -> Result<PreOrderRequest, Failure> {
    let mut b = PreOrderRequest::builder()
        .mer_id(MERCHANT_NO)
        .term_id(TERM_NO)
        .account_type(account.clone())
        .trans_type(trans)
        .amount(Amount::from_fen(1)?)
        .mer_req_sno(sno)
        .subject("lakala demo");
    if account == AccountType::Wechat {
        b = b
            .app_id("wx9ef39b708f16694d")
            .open_id("olpr-0pHIp1AjaAr29LENlHi0cJ0");
    }
    Ok(b.build()?)
}

pub async fn run(cli: &Cli) -> Result<Report, Failure> {
    // Pending payments settle after 3 s here, and the client polls every second, so the
    // demo takes seconds rather than the spec's minute.
    let embedded =
        Embedded::start_with(SandboxConfig::default().pending_delay(Duration::from_secs(3)))
            .await?;
    if !cli.json {
        eprintln!("lakala demo: embedded sandbox at {}", embedded.base_url());
    }
    let mut config = settings::load(cli, Family::OpenPlatform, Some(embedded.config_path()))?;
    config.poll_schedule = PollSchedule::from_secs(&[1, 1, 1, 1, 2, 2, 4]);
    let client = LakalaClient::builder(config).build()?;
    let mut steps = Steps {
        results: Vec::new(),
        json: cli.json,
    };
    let stamp = super::fresh_number("");

    // Identity verification, verified and refused.
    let verified = client
        .auth(&auth(&format!("DEMOA{stamp}"), cert_numbers::VERIFIED)?)
        .await;
    steps.record(
        "identity verification (verified)",
        match verified {
            Ok(a) if matches!(a.value, AuthOutcome::Verified(_)) => Ok("retCode 0000".into()),
            other => Err(format!("{other:?}")),
        },
    );
    let refused = client
        .auth(&auth(
            &format!("DEMOB{stamp}"),
            cert_numbers::MISMATCH_9001,
        )?)
        .await;
    steps.record(
        "identity verification (refused)",
        match refused {
            Ok(a) if a.value.code() == RetCode::InfoMismatch => {
                Ok("retCode 9001, information mismatch".into())
            }
            other => Err(format!("{other:?}")),
        },
    );

    // Pre-orders.
    let native = client
        .preauth_pre_order(
            pre_order(
                &format!("DEMON{stamp}"),
                AccountType::Alipay,
                TransType::Native,
            )?,
            None,
        )
        .await;
    steps.record(
        "pre-order NATIVE (Alipay)",
        match native {
            Ok(a) => match &a.value {
                PreOrderOutcome::Created {
                    payment: PaymentData::Native(n),
                    ..
                } => Ok(format!("QR code {}", n.code().unwrap_or("?"))),
                other => Err(format!("{other:?}")),
            },
            Err(e) => Err(e.to_string()),
        },
    );
    let jsapi = client
        .preauth_pre_order(
            pre_order(
                &format!("DEMOJ{stamp}"),
                AccountType::Wechat,
                TransType::Jsapi,
            )?,
            None,
        )
        .await;
    steps.record(
        "pre-order JSAPI (WeChat)",
        match jsapi {
            Ok(a) => match &a.value {
                PreOrderOutcome::Created {
                    payment: PaymentData::WechatJsapi(p),
                    ..
                } => Ok(format!("package {}", p.package().unwrap_or("?"))),
                other => Err(format!("{other:?}")),
            },
            Err(e) => Err(e.to_string()),
        },
    );

    // Labs pre-orders (聚合主扫): one the customer pays, one never paid and closed by the
    // SDK; both followed at the same time.
    let qr = |no: String, fen: u64| -> Result<LabsPreorderRequest, Failure> {
        Ok(LabsPreorderRequest::builder()
            .merchant_no(MERCHANT_NO)
            .term_no(TERM_NO)
            .out_trade_no(no)
            .total_amount(Amount::from_fen(fen)?)
            .location_info(location()?)
            .subject("lakala demo")
            .scenario(PreorderScenario::alipay_native())
            .build()?)
    };
    let paid_qr = client
        .preorder(
            qr(format!("DEMOQP{stamp}"), preorder_amounts::PAID)?,
            PreorderOptions::default(),
        )
        .await;
    let closed_qr = client
        .preorder(
            qr(format!("DEMOQC{stamp}"), preorder_amounts::NEVER_PAID)?,
            PreorderOptions::default().close_after(Duration::from_secs(2)),
        )
        .await;
    let (paid_qr, closed_qr) = tokio::join!(followed(paid_qr), followed(closed_qr));
    steps.record(
        "QR pre-order (labs), paid",
        match paid_qr {
            Ok((code, PreorderOutcome::Paid { attempt, .. })) => {
                Ok(format!("QR {code}, paid (trade query {attempt})"))
            }
            Ok((_, other)) => Err(other.to_string()),
            Err(e) => Err(e),
        },
    );
    steps.record(
        "QR pre-order (labs), never paid",
        match closed_qr {
            Ok((code, PreorderOutcome::Closed { closed_by, .. })) => Ok(format!(
                "QR {code}, closed by the {} (trade query: CLOSE), never reported paid",
                closed_by.as_str()
            )),
            Ok((_, other)) => Err(other.to_string()),
            Err(e) => Err(e),
        },
    );

    // Micropay: at once, then pending and resolved by polling.
    let paid_no = format!("DEMOP{stamp}");
    let now = client
        .micropay(
            pay(&paid_no, auth_codes::SUCCEED, 101)?,
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await;
    steps.record(
        "micropay (succeeds at once)",
        match now {
            // The answer names no merchant_no: bound to the merchant by one query.
            Ok(PaymentOutcome::Succeeded {
                confirmation: Confirmation::Immediate(_) | Confirmation::Query { attempt: 1, .. },
                order,
            }) => Ok(format!(
                "paid, trade_no {}",
                order.trade_no.unwrap_or_default()
            )),
            other => Err(format!("{other:?}")),
        },
    );
    let pending = client
        .micropay(
            pay(
                &format!("DEMOQ{stamp}"),
                auth_codes::PENDING_THEN_SUCCEED,
                202,
            )?,
            MicropayOptions::new(PendingPolicy::ReturnPending),
        )
        .await;
    steps.record(
        "micropay (pending, resolved by polling)",
        match pending {
            Ok(PaymentOutcome::Succeeded {
                confirmation: Confirmation::Query { attempt, .. },
                ..
            }) => Ok(format!("DCP10000, then SUCCESS on query {attempt}")),
            other => Err(format!("{other:?}")),
        },
    );

    // Revoke a payment the payer never confirms; refund part of the first one.
    let stuck_no = format!("DEMOR{stamp}");
    let stuck = client
        .micropay_once(pay(&stuck_no, auth_codes::PENDING_UNTIL_REVOKED, 303)?)
        .await;
    let revoke = match stuck {
        Ok(_) => {
            let request = RevokeRequest::builder()
                .merchant_no(MERCHANT_NO)
                .term_no(TERM_NO)
                .out_trade_no(lakala_client::revoke_number(&stuck_no, "V"))
                .origin_out_trade_no(stuck_no.clone())
                .location_info(location()?)
                .build()?;
            client.revoke(request).await.map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    steps.record(
        "revoke (pending payment cancelled)",
        match revoke {
            Ok(o) if o.word() == "revoked" => Ok(format!("{stuck_no} revoked")),
            other => Err(format!("{other:?}")),
        },
    );
    let refund = RefundRequest::builder()
        .merchant_no(MERCHANT_NO)
        .term_no(TERM_NO)
        .out_trade_no(format!("{paid_no}F"))
        .origin_out_trade_no(paid_no.clone())
        .refund_amount(Amount::from_fen(50)?)
        .refund_reason("demo")
        .location_info(location()?)
        .build()?;
    steps.record(
        "refund (50 of 101 fen)",
        match client.refund(refund).await {
            Ok(o) if o.word() == "refunded" => Ok(format!("{paid_no} refunded 50 fen")),
            other => Err(format!("{other:?}")),
        },
    );

    // A cross-border notification, delivered over HTTP to a handler with the merchant's keys.
    let cb_config = settings::load(cli, Family::CrossBorder, Some(embedded.config_path()))?;
    let cb_client = LakalaClient::builder(cb_config).build()?;
    let handler =
        cb_client.crossborder_notification_handler(Arc::new(InMemoryReplayGuard::new()))?;
    let (url, received, receiver) = crate::receiver::start(handler).await?;
    let delivered = embedded
        .sandbox
        .send_crossborder_notification(
            &url,
            &format!(r#"{{"orderNo":"DEMOA{stamp}","retCode":"0000"}}"#),
        )
        .await;
    let got = received.lock().await.clone();
    steps.record(
        "cross-border notification B0005",
        match delivered {
            Ok(answer) if answer.ret_code == "0000" && got.len() == 1 => Ok(format!(
                "verified, opened, answered; platform checked the signed answer (ts {})",
                answer.ts
            )),
            other => Err(format!("{other:?}, received {}", got.len())),
        },
    );
    receiver.abort();

    let failed = steps.results.iter().filter(|(_, ok, _)| !ok).count();
    let mut report = if failed == 0 {
        Report::new("completed", Exit::Success)
    } else {
        Report::new("failed", Exit::Internal)
    };
    report = report
        .response(json!(steps
            .results
            .iter()
            .map(|(s, ok, d)| json!({"step": s, "ok": ok, "detail": d}))
            .collect::<Vec<_>>()))
        .line(format!(
            "{} of {} steps as expected",
            steps.results.len() - failed,
            steps.results.len()
        ));
    Ok(report)
}

/// What the customer was shown, and how the pre-order ended.
async fn followed(
    started: Result<lakala_client::PreorderHandle, lakala_client::ClientError>,
) -> Result<(String, PreorderOutcome), String> {
    let handle = started.map_err(|e| e.to_string())?;
    let shown = handle
        .payment_request()
        .and_then(|p| p.qr_text())
        .unwrap_or("?")
        .to_owned();
    Ok((shown, handle.outcome().await))
}
