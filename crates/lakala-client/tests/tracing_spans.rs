//! The spans and events carry order numbers and outcomes, never personal data or secrets.

mod support;

use lakala_client::{MicropayOptions, PendingPolicy};
use lakala_types::crossborder::{AuthRequest, BizType, CertType};
use lakala_types::micropay::{LocationInfo, MicropayRequest};
use lakala_types::Amount;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use support::{harness, Reply};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_name_orders_and_outcomes_but_no_personal_data() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h = harness();
    h.platform.push(
        "/api/v3/dcp/trans/micropay",
        Reply::Json(json!({"code": "DCP10000", "msg": "支付中",
        "resp_data": {"need_query": "1", "out_trade_no": "TRACE1"}})),
    );
    h.platform.push(
        "/api/v3/labs/query/tradequery",
        Reply::Json(json!({"code": "BBS00000", "msg": "成功",
        "resp_data": {"out_trade_no": "TRACE1", "trade_state": "SUCCESS",
            "merchant_no": "822290070111135"}})),
    );
    let request = MicropayRequest::builder()
        .merchant_no("822290070111135")
        .term_no("29034705")
        .out_trade_no("TRACE1")
        .auth_code("288576824003652810")
        .total_amount(Amount::from_fen(101).unwrap())
        .location_info(
            LocationInfo::builder()
                .request_ip("127.0.0.1")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    h.client
        .micropay(request, MicropayOptions::new(PendingPolicy::ReturnPending))
        .await
        .unwrap();

    h.platform.push(
        "/gate/auth",
        Reply::Json(json!({"retCode": "9001", "retMsg": "信息不符"})),
    );
    let auth = AuthRequest::builder()
        .order_no("AUTH1")
        .biz_type(BizType::BankCard4)
        .name("张三")
        .cert_no("11010519491231002X")
        .cert_type(CertType::IdCard)
        .bank_card_no("6222020200112233445")
        .bank_mobile("13800138000")
        .build()
        .unwrap();
    h.client.auth(&auth).await.unwrap();

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("TRACE1"), "{logs}");
    assert!(logs.contains("succeeded"), "{logs}");
    assert!(logs.contains("AUTH1"), "{logs}");
    for secret in [
        "288576824003652810",
        "张三",
        "11010519491231002X",
        "6222020200112233445",
        "13800138000",
    ] {
        assert!(!logs.contains(secret), "{secret} logged:\n{logs}");
    }
}
