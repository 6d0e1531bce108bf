//! A local stand-in for the Lakala (拉卡拉) platform, with the platform's own cryptography
//! and wire format, deterministic test values, and notifications: the cross-border
//! verification gateway (`/gate/auth`), the open platform's v2 pre-authorization pre-order,
//! v3 micropay and the labs (aggregated-scan, 聚合扫码) family at the paths of Lakala's
//! open-platform SDK (micropay, pre-order for QR / JSAPI / mini-program payments, trade
//! query, revoke, close, refund, idmrefund, refund query, and the SM4-encrypted
//! `*_encry` routes). A hyper 1.x server on Tokio, on loopback only (by default), with all
//! state in memory. Java and PHP teams: see [For Java and PHP teams](#for-java-and-php-teams).
//!
//! # Starting one
//!
//! [`Sandbox::start`] binds (by default) a free port on `127.0.0.1`, generates keys and
//! certificates unless given [`SandboxKeys`], and serves both API families under one base
//! URL: use [`RunningSandbox::base_url`] as the client's `Environment::Custom(base_url)`.
//! [`RunningSandbox::write_client_config`] writes the merchant's keys, the platform's
//! public key and certificates and a `lakala.toml` the client reads
//! (`lakala_client::Config::from_file_and_env`). [`SandboxKeys::write`] /
//! [`SandboxKeys::load`] keep the same keys across runs.
//!
//! The certificates are signing certificates shaped like Lakala's own (`CA:FALSE`, critical
//! key usage `digitalSignature`, a subject naming each one's role), so Java clients, whose
//! `Signature.initVerify(X509Certificate)` enforces key usage, accept them. A keys directory
//! written by an older sandbox, whose certificates were CA certificates, is loaded with each
//! certificate re-issued over the same key and serial number.
//!
//! ```
//! use lakala_crypto::open_platform::{generate_nonce, LklapiHeaders, RequestSigner, ResponseVerifier};
//! use lakala_crypto::{format_china_time, Clock, SystemClock};
//! use lakala_sandbox::{behaviour, Sandbox, SandboxConfig};
//! use lakala_transport::{HttpRequest, HttpTransport, HyperTransport};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?; // 127.0.0.1, a free port
//! let keys = sandbox.keys().clone();
//!
//! // A micropay, signed as a merchant signs it.
//! let now = SystemClock.unix_seconds();
//! let body = serde_json::json!({
//!     "req_time": format_china_time(now),
//!     "version": "3.0",
//!     "req_data": {
//!         "merchant_no": behaviour::MERCHANT_NO, "term_no": behaviour::TERM_NO,
//!         "out_trade_no": "DOC0001", "auth_code": behaviour::auth_codes::SUCCEED,
//!         "total_amount": "101", "location_info": {"request_ip": "127.0.0.1"}
//!     }
//! }).to_string().into_bytes();
//! let signer = RequestSigner::new(keys.appid(), keys.serial_no(), keys.open_merchant().key().clone());
//! let authorization = signer.sign(&body, now, &generate_nonce(&mut rand::rngs::OsRng))?;
//!
//! let transport = HyperTransport::builder().timeout(std::time::Duration::from_secs(10)).build()?;
//! let url = format!("{}/api/v3/dcp/trans/micropay", sandbox.base_url());
//! let answer = transport
//!     .send(
//!         HttpRequest::post(url, body)
//!             .header("Content-Type", "application/json;charset=utf-8")
//!             .header("Authorization", authorization.to_string()),
//!     )
//!     .await?;
//!
//! // The answer is signed with the sandbox's platform certificate, like the platform's.
//! let headers = LklapiHeaders::from_pairs(answer.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
//! ResponseVerifier::new(keys.open_platform().cert().public_key().clone())
//!     .verify(&headers, &answer.body, SystemClock.unix_seconds())?;
//! let json: serde_json::Value = serde_json::from_slice(&answer.body)?;
//! assert_eq!(json["code"], "DCP00000");
//!
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Verification, as the platform does it
//!
//! * **gate/auth**: the envelope must parse and name the sandbox's `merId`; the MAC
//!   (`merId + ver + ts + encData`, merchant key) is verified before anything else; then
//!   `ver` `3.0.0`, the `ts` format (`yyyyMMddHHmmss` + 6 digits), `encKey` (which must
//!   start with `ts`) and `encData` ([`lakala_crypto::crossborder::Platform::open_request`]);
//!   a `ts` the merchant used before is refused; the business JSON must follow spec 000's
//!   rules (`lakala_types::crossborder::AuthRequest`).
//! * **open platform**: `Authorization: LKLAPI-SHA256withRSA appid=..,serial_no=..,
//!   timestamp=..,nonce_str=..,signature=..` must name the sandbox's appid and the merchant
//!   certificate's serial, its SHA256withRSA signature over
//!   `appid\nserial_no\ntimestamp\nnonce_str\nbody\n` must verify with the merchant
//!   certificate, its timestamp must be within [`SandboxConfig::freshness`] (default ±300 s)
//!   of the sandbox clock, and a `timestamp` + `nonce_str` pair is accepted once. Then the
//!   envelope and its `req_data` / `reqData` must follow the specs' rules
//!   (`lakala_types`, every violation named in the answer's message).
//!
//! * **`*_encry`** (`/api/v3/labs/trans/preorder_encry`, `/api/v3/labs/trans/micropay_encry`,
//!   the only encrypted twins in Lakala's SDK's `FunctionCodeEnum`): the body is the base64
//!   of the SM4/ECB/PKCS5Padding ciphertext of the whole v3 JSON envelope under the keys
//!   directory's SM4 key ([`files::OPEN_SM4_KEY`], [`SandboxKeys::sm4_key`]), as Lakala's
//!   SDK sends it (`LKLSDK.httpPost(request, true, true)`); the `Authorization` signature
//!   covers that base64 text, and is checked before the body is opened. Every
//!   authenticated answer on these routes, refusals included, is sealed the same way and
//!   signed as sealed; a body that does not open (plain JSON, another key, not base64) is
//!   answered `SBX00010` (sealed) and nothing is done. The JSON inside follows the plain
//!   route's rules.
//! * **both**: the `Content-Type` must be `application/json`, with no `charset` or
//!   `charset=utf-8`. A request in `text/plain`, `application/x-www-form-urlencoded`,
//!   another charset (`application/json; charset=gbk`) or without the header is refused
//!   with HTTP 415 and an unsigned error in the family's shape, before any verification:
//!   the platform reads JSON in UTF-8 only, and the bytes a signature covers must be read
//!   as the merchant meant them.
//!
//! The developer page, `GET /_dev` (loopback clients only; `lakala sandbox` prints its
//! address), shows every request the sandbox received with each check's result in the order
//! above — Authorization header, appid, serial, signature, freshness, replay, validation:
//! the first that fails decides the answer code, so the checks after it were not run — and
//! its answer; the orders and their states; the notifications and their deliveries, each
//! with a redeliver button; and the scenario table below. The first place to look when a
//! signature is refused.
//!
//! # Answers
//!
//! | case | HTTP | body | signed |
//! |---|---|---|---|
//! | gate/auth, envelope unparsable, unknown `merId`, MAC fails | 200 | `{"retCode":"9999","retMsg":"系统异常: ..."}` | no: nothing authenticated the request |
//! | gate/auth, MAC verifies but `ver`, `ts`, `encKey`, `encData` are bad, or `ts` repeats | 200 | `{retCode 9999, retMsg, merId, ver, ts, mac}`, no `encData` | MAC |
//! | gate/auth, opened | 200 | `{retCode, retMsg, merId, ver, ts, encData, mac}`; `encData` = the request's fields + `retCode` + `retMsg`, under the request's one-time key; envelope and business codes are the same | MAC + encData |
//! | open platform, `Authorization` missing, malformed, unknown appid or serial, bad signature, stale, replayed | **401** | `{"code":"SBX401xx","msg":"..."}` | no |
//! | open platform, authenticated | 200 | v2 `{retCode, retMsg, timestamp, ver, reqId, cmdRetCode, respData?}`; v3 `{code, msg, resp_time, resp_data?}` | `Lklapi-Appid`, `Lklapi-Serial` (platform certificate), `Lklapi-Timestamp`, `Lklapi-Nonce`, `Lklapi-Signature` |
//! | `*_encry`, authenticated | 200 | the v3 answer sealed: base64 of its SM4 ciphertext | as above, over the base64 text |
//! | unknown path / not POST / body over [`SandboxConfig::max_body_bytes`] / body not read within [`SandboxConfig::read_timeout`] / `Content-Type` not JSON in UTF-8 | 404 / 405 / 413 / 408 / 415 | gate/auth: `{"retCode":"9999","retMsg":...}`; others `{"code":"SBX40400"/"SBX40500"/"SBX41300"/"SBX40800"/"SBX41500","msg":...}` | no |
//!
//! Open-platform authentication failures are HTTP 401 because no merchant was
//! authenticated to sign for; business failures after authentication are HTTP 200 and
//! signed, like successes. Codes starting `SBX` are the sandbox's own
//! ([`behaviour::codes`]): the real platform's error codes are not in the specs.
//!
//! # Behaviour: the test values
//!
//! **gate/auth** ([`behaviour::auth_verdict`], values in [`behaviour::cert_numbers`]):
//!
//! | request | retCode |
//! |---|---|
//! | breaks a rule of spec 000 (missing field, bad `bizType`, `bankCardNo` missing for 01/02, ...) | `9999` 系统异常: 参数错误 ... |
//! | `orderNo` seen before with the same fields | `9004` 认证订单重复 |
//! | `orderNo` seen before with other fields | `9003` 请求信息与已存在订单信息不符 |
//! | `certNo` ending `9001`, `9002`, `9003`, `9004`, `9005`, `9006`, `9007` or `9999` | that code |
//! | bizType `01`/`02` and `bankCardNo` ending `9001`; bizType `02` and `bankMobile` ending `9001` | `9001` 信息不符 |
//! | anything else, e.g. `110101199003072316` | `0000` 认证成功 |
//!
//! Every answered `orderNo` is remembered, except after the transient codes `9002`, `9007`
//! and `9999`, so a retry of those is decided afresh.
//!
//! **micropay** `/api/v3/dcp/trans/micropay` (spec 003) and `/api/v3/labs/trans/micropay`
//! (and `micropay_encry`; Lakala's SDK's 聚合被扫), by the last four digits of `auth_code`
//! ([`behaviour::micropay_scenario`], values in [`behaviour::auth_codes`]); the wallet
//! (`account_type`) by its first two: `10`–`15` WECHAT, `62` UQRCODEPAY, else ALIPAY. The
//! labs route has the same scenarios with the labs codes: `BBS00000` where the table says
//! `DCP00000`, `BBS10000` 交易状态为支付中 (with `resp_data`, `need_query` `1`) where it says
//! `DCP10000`; it also takes the labs-only fields (`busi_mode`, `scan_type`,
//! `identity_info`, ...) and the labs rules (`subject` at most 42 characters;
//! `lakala_types::labs::LabsMicropayRequest`).
//!
//! | `auth_code` ends | answer | trade query `trade_state` |
//! |---|---|---|
//! | anything else (e.g. `288576824003652810`) | `DCP00000`, `need_query` `0` | `SUCCESS` |
//! | `1001` | `DCP10000`, `need_query` `1` | `DEAL` until [`SandboxConfig::pending_delay`] (default 12 s; `lakala sandbox --pending-delay SECS`) has passed on the sandbox clock, then `SUCCESS` |
//! | `1002` | `DCP10000`, `need_query` `1` | `DEAL`, then `FAIL` (用户取消支付) |
//! | `1003` | `DCP10000`, `need_query` `1` | `DEAL` until revoked |
//! | `1004` | `BBS10000` 交易状态为支付中, no `resp_data` (the labs APIs' "paying") | `DEAL`, then `SUCCESS` after the pending delay |
//! | `1005` | `DCP10000`, `need_query` `1` | `DEAL`, then `CLOSE` (交易已关闭) after the pending delay |
//! | `1006` | `DCP10000`, `need_query` `1` | `DEAL` until the **first revoke**, which answers `SBX29001` (an unlisted "system busy", no `resp_data`) **without executing**, while the payer's payment lands: `SUCCESS` from then on (notified like a settled payment). A later revoke (any number, the same one included) executes: `REFUND`, money given back |
//! | `1007` | `DCP00000`, but held back for [`SandboxConfig::slow_answer_delay`] (default 40 s, real time, longer than the client's 30 s timeout; `lakala sandbox --slow-answer-delay SECS`): charged at once | the first trade query answers `000101` 网络请求超时 with no `resp_data`; then `SUCCESS` |
//! | `2001` | `SBX20001` 余额不足, no `resp_data` (a code-only decline: names no order) | `FAIL` |
//! | `2002` | `SBX20002` 付款码已失效, no `resp_data` | `FAIL` |
//! | `2003` | `BBS16111` (a definite refusal) with `resp_data` naming the order | `FAIL` |
//! | not all digits | `SBX20003` 付款码无效 | `FAIL` |
//!
//! A repeated `out_trade_no` (per `merchant_no`) is answered with the duplicate-order code
//! `SBX00002` and no `resp_data`, while the first order stands unchanged (a till retrying
//! an order that was in fact paid must query, not conclude "failed"); a zero amount or a rule violation gets `SBX00001`. Any non-empty
//! `merchant_no` / `term_no` is accepted. No discounts: `payer_amount` and
//! `acc_settle_amount` equal `total_amount`.
//!
//! **notifications**: when a pending micropay (answered `DCP10000` or `BBS10000`) carries
//! `notify_url` and settles by itself after the pending delay (`1001` → SUCCESS, `1002` →
//! FAIL, `1004` → SUCCESS, `1005` → CLOSE; not `1003`, which waits to be revoked, and not
//! when revoked), and when a labs pre-order with `notify_url` is paid, fails or expires
//! (not when closed by a close call), the sandbox POSTs
//! the trade query's fields as JSON (`merchant_no`, `out_trade_no`, `trade_no`, `log_no`,
//! `trade_state`, `total_amount`, `trade_time`, ...) with
//! `Authorization: LKLAPI-SHA256withRSA timestamp="..",nonce_str="..",signature=".."` made
//! with the notification key over `timestamp\nnonce_str\nbody\n`, freshly signed for each
//! attempt. It redelivers on Lakala's published schedule ([`NotifyPolicy`],
//! [`LAKALA_SCHEDULE_SECS`]: 1 s, 5 s, 5 s, 10 s, 3 min, 10 min, 20 min, 30 min, 1 h, 2 h,
//! in real time; [`NotifyPolicy::time_factor`] compresses it for tests) until the merchant
//! answers HTTP 200 with `{"code":"SUCCESS",...}`: an answer lost or refused means the same
//! notification again, signed afresh, as Lakala does. A `notify_url`
//! that is not a loopback `http://` URL is accepted in the request but never contacted
//! ([`DeliveryStatus::Refused`]). [`RunningSandbox::notification_deliveries`] shows them
//! all. Cross-border notifications, and open-platform ones with any body, are sent on
//! request: see below.
//!
//! **pre-order** `/api/v2/labs/txn/preAuth/preAuthPreOrder` (`transType` absent = 41):
//! `000000` 交易成功 with `tradeTime`, `merReqSno`, `lklOrderNo` (32 digits), `logNo` (its
//! last 14) and by combination:
//!
//! | transType / accountType | extra `respData` fields |
//! |---|---|
//! | 41 NATIVE, any wallet but WECHAT | `code`: `https://qr.sandbox.lakala.invalid/<wallet>/<lklOrderNo>` (the QR code content) |
//! | 41 with WECHAT | refused `SBX00003` (spec: "WECHAT暂不支持") |
//! | 51 JSAPI WECHAT | `appId` (the request's), `timeStamp`, `nonceStr`, `package` `prepay_id=wx…`, `signType` `RSA`, `paySign` (random: no wallet verifies sandbox orders) |
//! | 51 ALIPAY, 51 LKLACC | `prepayId` |
//! | 51 UQRCODEPAY | `redirectUrl` |
//! | 51 BESTPAY, SUNING, DCPAY | none (the spec lists none) |
//! | 71 mini-program (WECHAT only) | `prepayId`, `paySign`, `appId`, `timeStamp`, `nonceStr`, `package`, `signType` |
//! | 61 app (WECHAT only) | `prepayId`, `paySign`, `appId`, `timeStamp`, `nonceStr`, `package` `Sign=WXPay`, `partnerId` |
//! | 81 Alipay H5 (ALIPAY only) | `formData` (an HTML form, ≤ 128 characters) |
//!
//! A repeated `merReqSno` gets `SBX00002`; a pre-order is queryable by trade query
//! (`out_trade_no` = `merReqSno`) in state `CREATE`, and can be revoked or closed.
//!
//! **labs pre-order** `/api/v3/labs/trans/preorder` (and `preorder_encry`; 聚合主扫):
//! checked with `lakala_types::labs::PreorderRequest`'s rules (the combinations
//! `account_type` × `trans_type` Lakala's SDK documents, and what each needs in
//! `acc_busi_fields`: `sub_appid` and `user_id` for WeChat 51 / 71, `user_id` for Alipay
//! 51, none on a NATIVE order; `subject` for WeChat); a violation is `SBX00001` naming the
//! fields, a repeated `out_trade_no` `SBX00002`. Made: `BBS00000` with `merchant_no`,
//! `out_trade_no`, `trade_no`, `log_no` and `acc_resp_fields` by combination, every value
//! deterministic:
//!
//! | trans_type / account_type | `acc_resp_fields` |
//! |---|---|
//! | 41 NATIVE, ALIPAY or UQRCODEPAY | `code`: `https://qr.sandbox.lakala.invalid/<wallet>/<trade_no>` (the QR code's content) |
//! | 51 JSAPI or 71 mini-program, WECHAT | `app_id` (the request's `sub_appid`, echoed), `time_stamp` (the order's creation, Unix seconds), `nonce_str` (`trade_no` left-padded with `0` to 32), `prepay_id` `wx<trade_no>`, `package` `prepay_id=wx<trade_no>`, `sign_type` `RSA`, `pay_sign`: the base64 of WeChat's JSAPI string to sign `app_id\ntime_stamp\nnonce_str\npackage\n` (recompute it to check the echo; it is no signature) |
//! | 51 ALIPAY | `prepay_id` `2088<log_no>` |
//! | 51 UQRCODEPAY | `redirect_url` `https://qr.sandbox.lakala.invalid/unionpay/<trade_no>` |
//!
//! What the payer does, by the last two digits of `total_amount` in fen
//! ([`behaviour::preorder_scenario`], values in [`behaviour::preorder_amounts`]):
//!
//! | `total_amount` ends | trade query `trade_state` |
//! |---|---|
//! | anything else (e.g. `100`) | `CREATE`, then `SUCCESS` once [`SandboxConfig::pending_delay`] has passed (paid; notified) |
//! | `44` (e.g. `144`) | `CREATE`, never paid; at its expiry `CLOSE` (notified), except WeChat's (below) |
//! | `45` (e.g. `145`) | `CREATE`, then `FAIL` after the pending delay (notified) |
//!
//! A pre-order expires `acc_busi_fields.timeout_express` minutes after it was made, or
//! [`SandboxConfig::preorder_expiry`] without it (default 5 minutes, the default Lakala's SDK
//! documents); an order its payer has not paid by then is never paid afterwards. Alipay and
//! UnionPay orders are then `CLOSE` (notified); a WeChat (JSAPI, mini-program) order stays
//! `CREATE` (`trade_state_desc` 订单已过期,未支付,请关单) until a close call, as Lakala's SDK
//! documents that WeChat only lets the `prepay_id` expire and never closes the order by
//! itself: close what you give up on. A close call closes a `CREATE` order at once (`CLOSE`, never paid, no
//! notification); a close arriving after the payment is refused with `SBX00008` and the
//! order stays `SUCCESS` (revoke or refund it). `trade_main_type` is `PREORDER`.
//!
//! **trade query, revoke, refund, refund query, close** act on the same order book (per
//! `merchant_no`; the origin by `out_trade_no`, `trade_no` or, for refunds, `log_no`):
//!
//! * trade query: `BBS00000` 查询成功 with `trade_state` (above) and `trade_state_desc`,
//!   `trade_main_type` (`MICROPAY` / `PREORDER`), amounts, and `refund_amount` (refunded so
//!   far); unknown order `SBX00004`. A revoke's or refund's own `out_trade_no` is found too:
//!   `trade_main_type` `CANCEL` (state `SUCCESS`) or `REFUND` (the refund's state).
//! * revoke: `BBS00000` for a created or pending order (it will never be paid) and for a
//!   paid one, **which is refunded in full** (what is left after earlier refunds;
//!   `refund_amount` in the answer); the order's `trade_state` becomes `REFUND` (how the
//!   platform reports a revoked order) with `trade_state_desc` 交易已撤销. A failed, closed
//!   or already revoked order: `SBX00006`.
//! * refund: only a `SUCCESS` order (else `SBX00007`), cumulative refunds never exceed the
//!   total (else `SBX00005`, nothing changes); a partly refunded order's `trade_state` is
//!   `PART_REFUND`, a fully refunded one's `REFUND`. By `refund_amount`
//!   ([`behaviour::refund_scenario`]): an amount whose last two digits are `77` fen (`77`,
//!   `177`, ...) is answered `BBS00000` 退款受理成功 with `trade_state` **`DEAL`** and stays
//!   `DEAL` on the refund query forever, or ([`SandboxConfig::deal_refunds`]
//!   [`DealRefunds::SucceedAfterQueries`]`(n)`) (`lakala sandbox --deal-refund-queries N`) for `n` refund queries and `SUCCESS` from the
//!   next one; while `DEAL` it is not in the order's `refund_amount` but cannot be refunded
//!   again. An amount ending `78` fen (`78`, `178`, ...) is `DEAL` too, and `SUCCESS` once
//!   the pending delay has passed on the sandbox clock (a refund in progress that finishes
//!   by itself; the `n` queries above finish it earlier). Every other amount: `trade_state`
//!   `SUCCESS` at once.
//! * idmrefund `/api/v3/labs/relation/idmrefund` (商户订单退款: `out_refund_order_no`,
//!   `refund_amount`, the origin by `origin_trade_no`, `origin_log_no` or
//!   `origin_out_trade_no`, in that precedence): a refund like the above whose own number
//!   is `out_refund_order_no`; its answer is the refund query's `resp_data`. A refused
//!   idmrefund (the order not paid yet, too much) may be sent again with the same number.
//! * refund query `/api/v3/labs/query/idmrefundquery` (`merchant_no`, `term_no`,
//!   `out_refund_order_no`): the refund with that own number (an idmrefund's
//!   `out_refund_order_no`, or a refund's `out_trade_no`), `BBS00000` 查询成功 with `out_refund_order_no`, `out_trade_no`,
//!   `trade_no`, `trade_state` (`SUCCESS` / `DEAL`), `refund_amount`, `origin_out_trade_no`,
//!   `origin_trade_no`, ...; unknown refund `SBX00004`.
//! * close `/api/v3/labs/relation/close` (`origin_out_trade_no` or `origin_trade_no`): a
//!   created or pending order is closed for good, `BBS00000` 关单成功 with the origin numbers
//!   and `trade_time`, trade query `CLOSE` (closing it again answers the same); a paid order
//!   is refused with `SBX00008` (revoke or refund it), as is a failed or revoked one.
//! * repeating a revoke or refund with the **same** `out_trade_no` and content answers the
//!   first answer again without acting twice; the same number with other content gets
//!   `SBX00002`. Refused and inconclusive revokes and refunds are not remembered (a DEAL
//!   refund repeated is answered as it stands now).
//! * counters for tests: [`RunningSandbox::revokes_executed`],
//!   [`refunds_executed`](RunningSandbox::refunds_executed) and [`refunded_amount`](RunningSandbox::refunded_amount) (per original `out_trade_no`),
//!   next to `micropay_requests(out_trade_no)` (both micropay routes),
//!   [`preorder_requests`](RunningSandbox::preorder_requests) (labs pre-orders) and
//!   [`paid_amount`](RunningSandbox::paid_amount) (what the payer paid for a micropay or a
//!   pre-order, counted once when it became paid), and
//!   [`sealed_requests`](RunningSandbox::sealed_requests) (`*_encry` requests that opened).
//!
//! Pending payments settle by the sandbox clock ([`SandboxConfig::clock`]): checked on
//! every request and every 100 ms, so a [`lakala_crypto::ManualClock`] moved forward
//! settles them without waiting.
//!
//! # Notifications on request
//!
//! To test a notification endpoint, tell the sandbox to send one to it, of either family,
//! while it runs. From Rust: [`RunningSandbox::send_crossborder_notification`] (and
//! `..._of_type`) seals a cross-border notification (`B0005` by default) with the platform's
//! keys, POSTs it and verifies and opens the merchant's signed answer
//! ([`lakala_crypto::crossborder::Platform::open_notification_answer`]; `ts` and `reqType`
//! must be copied); [`RunningSandbox::send_open_platform_notification`] signs a body with the
//! notification key, POSTs it once and checks the answer is `{"code":"SUCCESS",...}`.
//!
//! From anything else, a standing sandbox (`lakala sandbox`) takes the same orders over HTTP
//! (module [`control`]), from loopback clients only:
//!
//! | `POST` | JSON body | does |
//! |---|---|---|
//! | `/sandbox/notify/crossborder` | `{"url", "req_type"?, "biz"?}` | seals `biz` (an object, or the exact JSON text as a string; default `{"orderNo":"SBXN<ts>","retCode":"0000","retMsg":"认证成功"}`) as a `req_type` (default `B0005`) notification, sends it to `url`, verifies and opens the answer |
//! | `/sandbox/notify/open-platform` | `{"url", "body"}` or `{"url", "merchant_no", "out_trade_no"}`, and `"repeat"?`, `"as_merchant_no"?` | signs `body` (an object, or the exact text), or the result notification of that order in its current state, sends it to `url` `repeat` times (default 1), each freshly signed, expects `{"code":"SUCCESS",...}` each time; `as_merchant_no` sends it as another merchant's |
//! | `/sandbox/orders/state` | `{"merchant_no", "out_trade_no", "trade_state"}` | changes the order behind the merchant's back (an operator's revoke in the portal, a late settlement): `REFUND` revokes it (anything paid given back), `SUCCESS` pays it, `FAIL` fails it, `CLOSE` closes it; no notification. For reconciliation tests |
//!
//! Cross-border answers are read as Lakala reads them: `retCode`, `ts`, `reqType` and `mac`
//! (over `retCode + retMsg + ts + reqType`) are required; `retMsg` may be absent (it then
//! counts as empty, as in the answers of Lakala's Java SDK, which also sends `ver` `1.0.0`);
//! `encData`, `merId` and `ver` may be absent and are not checked.
//!
//! The answer: HTTP 200 `{"code":"SBX00000", "msg", ...}` with what was sent and what your
//! endpoint answered (cross-border: `ts`, `req_type`, `biz`, `answer` {`ret_code`, `ret_msg`,
//! `biz`}; open platform: `body`, `authorization`, `answer`); HTTP 502 `SBX50201` when your
//! endpoint could not be reached, timed out or answered another HTTP status, `SBX50202` when
//! it answered but the answer does not verify or is not a success; HTTP 400 `SBX40001` for an
//! order that cannot be followed (not JSON, no `url`, a `url` that is not loopback `http://`,
//! an unknown order, text GBK cannot encode); HTTP 403 `SBX40300` from a non-loopback client.
//! `url` must be a loopback `http://` URL, like every URL the sandbox sends to.
//!
//! With the `lakala` command line, which finds the sandbox through `--config` (the
//! `lakala.toml` it wrote) or `--base-url`:
//!
//! ```sh
//! lakala sandbox --keys-dir ./sandbox --pending-delay 2 &     # prints http://127.0.0.1:8787
//! lakala --config ./sandbox/lakala.toml sandbox notify crossborder \
//!     --url http://127.0.0.1:9000/lakala/crossborder --biz '{"orderNo":"N1","retCode":"0000"}'
//! lakala --config ./sandbox/lakala.toml sandbox notify open-platform \
//!     --url http://127.0.0.1:9000/lakala/notify --body '{"out_trade_no":"T1","trade_state":"SUCCESS"}'
//! ```
//!
//! or with `curl`:
//!
//! ```sh
//! curl -s http://127.0.0.1:8787/sandbox/notify/crossborder \
//!     -d '{"url":"http://127.0.0.1:9000/lakala/crossborder","biz":{"orderNo":"N1"}}'
//! ```
//!
//! `lakala sandbox notify` exits 0 when your endpoint's answer was accepted, 5 when it
//! answered but the answer was refused, 6 when it could not be reached, 2 for a bad order. It
//! prints the answer's code and size, not what was sent or the decrypted answer (they may hold
//! personal data): `--json` prints the control endpoint's whole answer.
//!
//! # For Java and PHP teams
//!
//! `lakala sandbox --keys-dir DIR` writes everything a merchant configures into `DIR` (and
//! keeps it across runs); [`RunningSandbox::sdk_settings`] lists the settings with their
//! values. Lakala's open-platform SDKs take the same material as for Lakala's own test
//! environment:
//!
//! | Java SDK (`Config`, or `LKLSDK.init(path)`'s properties) | PHP SDK (`.lklopensdk.env`) | file in `DIR` / value | format |
//! |---|---|---|---|
//! | `serverUrl` | `host_test` with `app_debug=true` | the base URL the sandbox prints, `http://127.0.0.1:PORT` (the SDKs append `/api/v3/...`) | |
//! | `appId` | `app_id` | `appid` in `lakala.toml` (`OPSANDBOX001`) | |
//! | `serialNo` | `serial_no` | `serial_no` in `lakala.toml` | hex of the merchant certificate's serial **as Lakala registers it, with its leading `00`** (e.g. `00d2…`); upper case is accepted too; the serial stripped of `00` or in decimal is refused (`SBX40103`, 401, saying so) |
//! | `priKeyPath` | `merchant_private_key_path` | `open-merchant.key.pem` | RSA-2048 private key, PKCS#8 PEM (`BEGIN PRIVATE KEY`) |
//! | `lklCerPath` | `lkl_certificate_path` | `open-platform.cert.pem` | X.509 PEM, RSA-2048, `CA:FALSE`, key usage `digitalSignature` (verifies the `Lklapi-*` answer signatures) |
//! | `lklNotifyCerPath` | (none: see below) | `open-notify.cert.pem` | X.509 PEM, RSA-2048, as above (verifies notifications) |
//! | `sm4Key` | `sm4_key` | the one line of `open-sm4.key` (`sm4_key` in `lakala.toml` names it) | base64 of a 16-byte (128-bit) SM4 key; only the `*_encry` routes use it |
//! | (for reference) | | `open-merchant.cert.pem` | X.509 PEM; its serial is `serialNo` |
//! | cross-border (gate/auth) | | `sandbox.toml` `mer_id`; `crossborder-merchant.key.pem`; `crossborder-platform.pub.pem` | RSA-1024, PKCS#8 PEM; SubjectPublicKeyInfo PEM |
//!
//! Notifications are signed with their own certificate, `open-notify.cert.pem`, as Lakala's
//! are (the Java SDK's `lklNotifyCerPath`). The PHP SDK's notification handler verifies with
//! `lkl_certificate_path`: give the handler a configuration whose `lkl_certificate_path` is
//! `open-notify.cert.pem`, and keep `open-platform.cert.pem` for the API calls.
//!
//! `sandbox.toml` and the `*.key.pem` files without `merchant` in their name are the
//! platform's side; a merchant configures none of them. The sandbox checks what Lakala's
//! gateway checks: `Authorization: LKLAPI-SHA256withRSA appid="…",serial_no="…",
//! timestamp="…",nonce_str="…",signature="…"` (any nonce length: Lakala's PHP SDK sends 12
//! characters, its Java SDK 32), timestamps within 300 s, each nonce once.
//!
//! Envelopes: v3 (every `/api/v3/...` path) `{"req_time":"yyyyMMddHHmmss","version":"3.0",
//! "req_data":{…}}` (other top-level fields, such as the Java SDK's `out_org_code`, are
//! kept and ignored); v2 (`/api/v2/labs/txn/preAuth/preAuthPreOrder`)
//! `{"ver":"1.0.0","timestamp":<Unix milliseconds, number or string>,"reqId":"<32 hex
//! characters>","reqData":{…},"termExtInfo":{…}}` (`ver`, `timestamp`, `reqId` and
//! `reqData` required). Both in UTF-8 with `Content-Type: application/json`
//! (`;charset=UTF-8` is fine).
//!
//! # Limits
//!
//! * State is in memory and lost at shutdown. All requests share one lock (short critical
//!   sections, no I/O under it). Only plain HTTP/1.1; no TLS.
//! * Where the specs are silent the sandbox chooses, and says so: the `SBX` codes, the
//!   micropay notification body, the 401 for open-platform authentication failures, the
//!   revoke-refunds-a-paid-order rule. The real platform may differ on each.
//! * gate/auth checks the `ts` format and its uniqueness, not its distance from the clock
//!   (the spec states no window). Replay memory (gate/auth `ts`, open-platform nonces)
//!   keeps the last 100,000 entries.
//! * Pending delays are whole seconds of the sandbox clock; notification retries wait in
//!   real time. Wallet fields (`paySign`, `prepayId`, QR URLs) are placeholders no wallet
//!   accepts.
//! * Expiry follows Lakala's SDK's notes (Alipay and UnionPay orders close, WeChat's wait
//!   for a close); what the real platform's trade query says of an expired WeChat order
//!   before it is closed is not documented (the sandbox says `CREATE`). The labs
//!   pre-order's kinds beyond lakala-types' (BESTPAY, SUNING, LKLACC, NUCSPAY, trans_type 61
//!   and 81) are refused.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod api;
pub mod behaviour;
mod config;
pub mod control;
mod delivery;
mod dev_page;
mod error;
mod gate;
mod keys;
mod labs_preorder;
mod micropay;
mod notify;
mod open;
mod order_book;
mod request_log;
mod server;
mod shared;
mod state;
mod v3_wire;

pub use config::{
    DealRefunds, NotifyPolicy, SandboxConfig, DEFAULT_PENDING_DELAY, DEFAULT_PREORDER_EXPIRY,
    DEFAULT_SLOW_ANSWER_DELAY, LAKALA_SCHEDULE_SECS,
};
pub use delivery::{
    CrossBorderNotificationAnswer, DeliveryStatus, NotificationDelivery,
    OpenPlatformNotificationAnswer,
};
pub use error::{Result, SandboxError};
pub use keys::{files, IssuedKey, SandboxKeys, SdkSetting, DEFAULT_APPID, DEFAULT_MER_ID};
pub use server::{RunningSandbox, Sandbox};
