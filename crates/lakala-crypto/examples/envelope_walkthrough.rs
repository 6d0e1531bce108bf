//! Seals a gate/auth request with the public sandbox merchant key, shows that it matches
//! the reference vector of `fixtures/lakala/` byte for byte, then plays both sides of one exchange and a
//! notification with a locally generated platform key.
//!
//! Run from the workspace root: `cargo run -p lakala-crypto --example envelope_walkthrough`.

use lakala_crypto::crossborder::{Merchant, Platform};
use lakala_crypto::open_platform::RequestSigner;
use lakala_crypto::{PrivateKey, PublicKey, SecKey, TsGenerator};
use std::error::Error;
use std::path::PathBuf;

fn shared(rel: &str) -> Result<Vec<u8>, Box<dyn Error>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/lakala")
        .join(rel);
    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn main() -> Result<(), Box<dyn Error>> {
    // 1. The reference vector.
    let vector: serde_json::Value =
        serde_json::from_slice(&shared("crossborder/gate-auth-request-example.json")?)?;
    let field = |k: &str| vector[k].as_str().unwrap_or_default().to_owned();
    let merchant_key = PrivateKey::load(shared(
        "crossborder/sandbox-merchant-RZCP161200000-key.pem",
    )?)?;
    let platform_public = PublicKey::load(shared("crossborder/sandbox-platform-public-key.pem")?)?;
    let merchant = Merchant::new(field("mer_id"), merchant_key.clone(), platform_public);
    let sealed = merchant.seal_request_with_key(
        &field("ts"),
        &field("biz_json"),
        SecKey::from_text(&field("sec_key"))?,
        &mut rand::rngs::OsRng,
    )?;
    let matches =
        sealed.envelope.enc_data == field("enc_data") && sealed.envelope.mac == field("mac");
    println!("reference gate/auth request reproduced byte for byte: {matches}");
    println!("{}\n", serde_json::to_string_pretty(&sealed.envelope)?);
    if !matches {
        return Err("the reference vector was not reproduced".into());
    }

    // 2. A whole exchange, with a platform key generated here (Lakala's is not public).
    let platform_key = PrivateKey::generate(&mut rand::thread_rng(), 1024)?;
    let merchant = Merchant::new(
        "RZCP161200000",
        merchant_key.clone(),
        platform_key.public_key(),
    );
    let platform = Platform::new(platform_key, merchant_key.public_key());
    let ts = TsGenerator::new();

    let request = merchant.seal_request(&ts.next(), r#"{"orderNo":"DEMO-1","bizType":"00","name":"张三","certNo":"110105194912310029","certType":"00"}"#)?;
    let opened = platform.open_request(&request.envelope)?;
    println!(
        "platform opened request ts={} ({:?})",
        opened.ts, opened.biz
    );
    let response = platform.seal_response(
        &opened,
        &ts.next(),
        "0000",
        "成功",
        Some(r#"{"orderNo":"DEMO-1","retCode":"0000","retMsg":"认证成功"}"#),
    )?;
    let answer = merchant.open_response(&response, &request.sec_key)?;
    println!(
        "merchant verified response retCode={} retMsg={}",
        answer.ret_code, answer.ret_msg
    );

    let (notification, _) = platform.seal_notification(
        "RZCP161200000",
        &ts.next(),
        "B0005",
        r#"{"orderNo":"DEMO-1"}"#,
    )?;
    let note = merchant.open_notification(&notification)?;
    let reply = merchant.seal_notification_answer(&note, "0000", "成功", "{}")?;
    println!(
        "notification {} verified; signed answer:\n{}\n",
        note.req_type,
        serde_json::to_string_pretty(&reply)?
    );

    // 3. An open-platform request signature with the public sandbox key of OP00000003.
    let op_key = PrivateKey::load(shared("openplatform/sandbox-OP00000003-merchant-key.pem")?)?;
    let signer = RequestSigner::new("OP00000003", "00dfba8194c41b84cf", op_key);
    let body = br#"{"req_time":"20240929033128","version":"3.0","req_data":{}}"#;
    println!("Authorization: {}", signer.sign_now(body)?);
    Ok(())
}
