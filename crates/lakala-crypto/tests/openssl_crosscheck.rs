//! Cross-checks against an independent implementation: the `openssl` command line (and
//! `iconv` for GBK). What we seal, openssl opens; what openssl seals, we open.

mod common;

use common::{each_backend, gbk, openssl, OnBackend};
use lakala_crypto::crossborder::{
    Merchant, NotificationEnvelope, Platform, RequestEnvelope, VERSION,
};
use lakala_crypto::open_platform::{
    request_message, LklapiHeaders, RequestSigner, RequestVerifier, ResponseVerifier,
};
use lakala_crypto::{PrivateKey, PublicKey};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A key pair made by `openssl genpkey`, as PEM files in a temporary directory.
struct OpensslKey {
    dir: TempDir,
}

impl OpensslKey {
    fn generate(bits: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.pem");
        let bits_opt = format!("rsa_keygen_bits:{bits}");
        openssl(
            &[
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                &bits_opt,
                "-out",
                key.to_str().unwrap(),
            ],
            b"",
        );
        openssl(
            &[
                "pkey",
                "-in",
                key.to_str().unwrap(),
                "-pubout",
                "-out",
                dir.path().join("pub.pem").to_str().unwrap(),
            ],
            b"",
        );
        Self { dir }
    }
    fn private_path(&self) -> PathBuf {
        self.dir.path().join("key.pem")
    }
    fn public_path(&self) -> PathBuf {
        self.dir.path().join("pub.pem")
    }
    fn private(&self) -> PrivateKey {
        PrivateKey::load(std::fs::read(self.private_path()).unwrap())
            .unwrap()
            .on_backend()
    }
    fn public(&self) -> PublicKey {
        PublicKey::load(std::fs::read(self.public_path()).unwrap())
            .unwrap()
            .on_backend()
    }
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// AES key of a secKey, with openssl: first 16 bytes of SHA1(SHA1(key)), as hex.
fn aes_key_hex(sec_key: &str) -> String {
    let once = openssl(&["dgst", "-sha1", "-binary"], sec_key.as_bytes());
    let twice = openssl(&["dgst", "-sha1", "-binary"], &once);
    hex::encode(&twice[..16])
}

fn aes_ecb(decrypt: bool, key_hex: &str, data: &[u8]) -> Vec<u8> {
    let mut args = vec!["enc", "-aes-128-ecb", "-K", key_hex];
    if decrypt {
        args.push("-d");
    }
    openssl(&args, data)
}

/// The MAC as an independent signer makes it: hex SHA-256 of GBK text, PKCS#1 type 1.
fn openssl_mac(signer: &OpensslKey, mac_text: &str) -> String {
    let digest = hex::encode(openssl(&["dgst", "-sha256", "-binary"], &gbk(mac_text)));
    let input = signer.file("mac-in", digest.as_bytes());
    let sig = openssl(
        &[
            "pkeyutl",
            "-sign",
            "-inkey",
            s(&signer.private_path()),
            "-pkeyopt",
            "rsa_padding_mode:pkcs1",
            "-in",
            s(&input),
        ],
        b"",
    );
    hex::encode_upper(sig)
}

/// Checks a MAC the way an independent verifier does: recover the padded block, compare.
fn openssl_check_mac(signer: &OpensslKey, mac_text: &str, mac_hex: &str) {
    let sig = signer.file("mac-sig", &hex::decode(mac_hex).unwrap());
    let recovered = openssl(
        &[
            "pkeyutl",
            "-verifyrecover",
            "-pubin",
            "-inkey",
            s(&signer.public_path()),
            "-pkeyopt",
            "rsa_padding_mode:pkcs1",
            "-in",
            s(&sig),
        ],
        b"",
    );
    let digest = hex::encode(openssl(&["dgst", "-sha256", "-binary"], &gbk(mac_text)));
    assert_eq!(
        recovered,
        digest.as_bytes(),
        "MAC does not carry the digest of {mac_text:?}"
    );
}

fn openssl_encrypt(recipient: &OpensslKey, data: &[u8]) -> String {
    let input = recipient.file("ek-in", data);
    hex::encode_upper(openssl(
        &[
            "pkeyutl",
            "-encrypt",
            "-pubin",
            "-inkey",
            s(&recipient.public_path()),
            "-pkeyopt",
            "rsa_padding_mode:pkcs1",
            "-in",
            s(&input),
        ],
        b"",
    ))
}

fn openssl_decrypt(recipient: &OpensslKey, hex_ct: &str) -> Vec<u8> {
    let input = recipient.file("ek-ct", &hex::decode(hex_ct).unwrap());
    openssl(
        &[
            "pkeyutl",
            "-decrypt",
            "-inkey",
            s(&recipient.private_path()),
            "-pkeyopt",
            "rsa_padding_mode:pkcs1",
            "-in",
            s(&input),
        ],
        b"",
    )
}

const BIZ: &str = r#"{"orderNo":"O-1","bizType":"02","name":"张三丰","certNo":"11010519491231002X","certType":"00","bankCardNo":"6222020200112233445","bankMobile":"13800138000","memo":"中文 text, longer than one AES block and one RSA-1024 block of plaintext: 一二三四五六七八九十"}"#;

#[test]
fn openssl_encrypted_enc_key_decrypts_with_our_code() {
    each_backend(|_| {
        // The issue's explicit check: an encKey made by `openssl pkeyutl -encrypt`.
        for bits in [1024, 2048] {
            let platform = OpensslKey::generate(bits);
            let merchant = OpensslKey::generate(1024);
            let ts = "20240102030405000001";
            let sec_key = "abcdefghijklmnopqrstuvwxyz012345";
            let key_hex = aes_key_hex(sec_key);
            let enc_data = hex::encode_upper(aes_ecb(false, &key_hex, &gbk(BIZ)));
            let mer_id = "DOPCHN000258";
            let env = RequestEnvelope {
                mer_id: mer_id.into(),
                ver: VERSION.into(),
                ts: ts.into(),
                enc_key: openssl_encrypt(&platform, format!("{ts}{sec_key}").as_bytes()),
                mac: openssl_mac(&merchant, &format!("{mer_id}{VERSION}{ts}{enc_data}")),
                enc_data,
            };
            let opened = Platform::new(platform.private(), merchant.public())
                .open_request(&env)
                .unwrap();
            assert_eq!(opened.biz.as_str(), BIZ);
            assert_eq!(opened.sec_key.expose_text(), sec_key);
        }
    });
}

#[test]
fn what_we_seal_openssl_opens() {
    each_backend(|_| {
        let platform = OpensslKey::generate(2048);
        let merchant = OpensslKey::generate(1024);
        let m = Merchant::new("DOPCHN000258", merchant.private(), platform.public());
        let sealed = m.seal_request("20240102030405000002", BIZ).unwrap();
        let env = &sealed.envelope;

        let block = openssl_decrypt(&platform, &env.enc_key);
        let block = String::from_utf8(block).unwrap();
        assert_eq!(&block[..20], env.ts);
        let key_hex = aes_key_hex(&block[20..]);
        assert_eq!(key_hex, hex::encode(sealed.sec_key.aes_key()));
        let plain = aes_ecb(true, &key_hex, &hex::decode(&env.enc_data).unwrap());
        assert_eq!(plain, gbk(BIZ));
        openssl_check_mac(
            &merchant,
            &format!("{}{}{}{}", env.mer_id, env.ver, env.ts, env.enc_data),
            &env.mac,
        );
    });
}

#[test]
fn response_sealed_by_us_checks_with_openssl_and_back() {
    each_backend(|_| {
        let platform = OpensslKey::generate(1024);
        let merchant = OpensslKey::generate(1024);
        let m = Merchant::new("DOPCHN000258", merchant.private(), platform.public());
        let p = Platform::new(platform.private(), merchant.public());
        let sealed = m.seal_request("20240102030405000003", BIZ).unwrap();
        let request = p.open_request(&sealed.envelope).unwrap();
        let resp = p
            .seal_response(
                &request,
                "20240102030406000001",
                "9001",
                "认证失败-信息不符",
                Some(r#"{"retCode":"9001"}"#),
            )
            .unwrap();
        let text = format!(
            "{}{}{}{}{}{}",
            resp.ret_code,
            resp.ret_msg,
            resp.mer_id,
            resp.ver,
            resp.ts,
            resp.enc_data.as_deref().unwrap()
        );
        openssl_check_mac(&platform, &text, resp.mac.as_deref().unwrap());

        // An answer signed by openssl opens with our merchant code.
        let key_hex = hex::encode(sealed.sec_key.aes_key());
        let enc = hex::encode_upper(aes_ecb(false, &key_hex, &gbk(r#"{"retMsg":"成功"}"#)));
        let mut forged = resp.clone();
        forged.ret_code = "0000".into();
        forged.ret_msg = "成功".into();
        forged.enc_data = Some(enc.clone());
        let text = format!(
            "0000成功{}{}{}{}",
            forged.mer_id, forged.ver, forged.ts, enc
        );
        forged.mac = Some(openssl_mac(&platform, &text));
        let opened = m.open_response(&forged, &sealed.sec_key).unwrap();
        assert_eq!(opened.biz.unwrap().as_str(), r#"{"retMsg":"成功"}"#);
    });
}

#[test]
fn notification_from_openssl_opens_and_our_answer_checks() {
    each_backend(|_| {
        let platform = OpensslKey::generate(1024);
        let merchant = OpensslKey::generate(2048);
        let ts = "20240102030405123456";
        let sec_key = "ZYXWVUTSRQPONMLKJIHGFEDCBA987654";
        let key_hex = aes_key_hex(sec_key);
        let enc_data = hex::encode_upper(aes_ecb(
            false,
            &key_hex,
            &gbk(r#"{"orderNo":"O-1","status":"认证成功"}"#),
        ));
        let n = NotificationEnvelope {
            mer_id: "DOPCHN000455".into(),
            ver: VERSION.into(),
            ts: ts.into(),
            req_type: "B0005".into(),
            enc_key: openssl_encrypt(&merchant, format!("{ts}{sec_key}").as_bytes()),
            mac: openssl_mac(&platform, &format!("{ts}B0005{enc_data}")),
            enc_data,
        };
        let m = Merchant::new("DOPCHN000455", merchant.private(), platform.public());
        let opened = m.open_notification(&n).unwrap();
        assert_eq!(
            opened.biz.as_str(),
            r#"{"orderNo":"O-1","status":"认证成功"}"#
        );

        let answer = m
            .seal_notification_answer(&opened, "0000", "成功", r#"{"result":"ok"}"#)
            .unwrap();
        assert_eq!(answer.ts, ts);
        openssl_check_mac(&merchant, &format!("0000成功{ts}B0005"), &answer.mac);
        let plain = aes_ecb(true, &key_hex, &hex::decode(&answer.enc_data).unwrap());
        assert_eq!(plain, br#"{"result":"ok"}"#);
    });
}

#[test]
fn sha256withrsa_header_both_directions() {
    each_backend(|_| {
        let merchant = OpensslKey::generate(2048);
        let body = r#"{"req_time":"20240929033128","version":"3.0","req_data":{"subject":"测试","goods_detail":"[{\"goods_id\":\"1\"}]"}}"#;
        let signer = RequestSigner::new("OP00000003", "00dfba8194c41b84cf", merchant.private());
        let auth = signer
            .sign(
                body.as_bytes(),
                1_727_580_688,
                "0123456789abcdefABCDEF0123456789",
            )
            .unwrap();

        // openssl verifies ours.
        let msg = request_message(
            "OP00000003",
            "00dfba8194c41b84cf",
            "1727580688",
            &auth.nonce_str,
            body.as_bytes(),
        );
        let msg_path = merchant.file("msg", &msg);
        use base64::Engine;
        let sig = base64::engine::general_purpose::STANDARD
            .decode(&auth.signature)
            .unwrap();
        let sig_path = merchant.file("sig", &sig);
        let out = openssl(
            &[
                "dgst",
                "-sha256",
                "-verify",
                s(&merchant.public_path()),
                "-signature",
                s(&sig_path),
                s(&msg_path),
            ],
            b"",
        );
        assert_eq!(String::from_utf8_lossy(&out).trim(), "Verified OK");

        // We verify openssl's, as a request (sandbox side) and as a response (merchant side).
        let theirs = openssl(
            &[
                "dgst",
                "-sha256",
                "-sign",
                s(&merchant.private_path()),
                s(&msg_path),
            ],
            b"",
        );
        let theirs_b64 = base64::engine::general_purpose::STANDARD.encode(&theirs);
        assert_eq!(
            theirs_b64, auth.signature,
            "PKCS#1 v1.5 signatures are deterministic"
        );
        let header = format!(
            r#"LKLAPI-SHA256withRSA signature="{theirs_b64}", nonce_str="{}", timestamp="1727580688", serial_no="00dfba8194c41b84cf", appid="OP00000003""#,
            auth.nonce_str
        );
        RequestVerifier::new(merchant.public())
            .verify(&header, body.as_bytes(), 1_727_580_690)
            .unwrap();
        let headers = LklapiHeaders::from_pairs([
            ("lklapi-appid", "OP00000003"),
            ("LKLAPI-SERIAL", "00dfba8194c41b84cf"),
            ("Lklapi-Timestamp", "1727580688"),
            ("Lklapi-Nonce", auth.nonce_str.as_str()),
            ("Lklapi-Signature", theirs_b64.as_str()),
        ])
        .unwrap();
        ResponseVerifier::new(merchant.public())
            .verify(&headers, body.as_bytes(), 1_727_580_688)
            .unwrap();
    });
}

#[test]
fn every_key_form_loads_to_the_same_key() {
    each_backend(|_| {
        let k = OpensslKey::generate(1024);
        let pkcs8_pem = std::fs::read(k.private_path()).unwrap();
        let pkcs1_pem = openssl(&["rsa", "-in", s(&k.private_path()), "-traditional"], b"");
        let pkcs8_der = openssl(
            &["pkey", "-in", s(&k.private_path()), "-outform", "DER"],
            b"",
        );
        let pkcs1_der = openssl(
            &[
                "rsa",
                "-in",
                s(&k.private_path()),
                "-traditional",
                "-outform",
                "DER",
            ],
            b"",
        );
        use base64::Engine;
        let raw_b64 = base64::engine::general_purpose::STANDARD.encode(&pkcs8_der);
        let spki_pem = std::fs::read(k.public_path()).unwrap();
        let spki_der = openssl(
            &[
                "pkey",
                "-pubin",
                "-in",
                s(&k.public_path()),
                "-outform",
                "DER",
            ],
            b"",
        );
        let rsa_pub_pem = openssl(
            &[
                "rsa",
                "-pubin",
                "-in",
                s(&k.public_path()),
                "-RSAPublicKey_out",
            ],
            b"",
        );
        let raw_pub_b64 = base64::engine::general_purpose::STANDARD.encode(&spki_der);

        let expected = k.public();
        for (name, input) in [
            ("pkcs8 pem", &pkcs8_pem),
            ("pkcs1 pem", &pkcs1_pem),
            ("pkcs8 der", &pkcs8_der),
            ("pkcs1 der", &pkcs1_der),
            ("raw base64", &raw_b64.clone().into_bytes()),
        ] {
            let key = PrivateKey::load(input).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(key.public_key(), expected, "{name}");
        }
        for (name, input) in [
            ("spki pem", spki_pem),
            ("spki der", spki_der),
            ("pkcs1 pem", rsa_pub_pem),
            ("raw base64", raw_pub_b64.clone().into_bytes()),
            (
                "raw base64, wrapped",
                raw_pub_b64
                    .as_bytes()
                    .chunks(64)
                    .collect::<Vec<_>>()
                    .join(&b'\n')
                    .to_vec(),
            ),
        ] {
            assert_eq!(
                PublicKey::load(&input).unwrap_or_else(|e| panic!("{name}: {e}")),
                expected,
                "{name}"
            );
        }
        assert_eq!(
            PublicKey::load(expected.to_base64_der().unwrap()).unwrap(),
            expected
        );
    });
}
