//! `fixtures/keys/`: the RSA test keys the vectors are made with.
//!
//! The private keys are *inputs*: generated once (from a fixed seed, so that even a lost
//! key comes back identical) and committed. When a private key file exists it is read and
//! passed through byte for byte, never regenerated. Everything else in the directory is
//! derived from the private keys and checked by `--check` like any output: the SPKI public
//! keys, and for the open-platform keys a self-signed X.509 signing certificate
//! (SHA256withRSA, `CA:FALSE` and a critical key usage `digitalSignature` like Lakala's own,
//! fixed serial, subject and validity, hence byte-for-byte reproducible). A public key or
//! certificate that does not match its private key therefore fails the check.
//!
//! None of these keys belongs to any real party; the README written here says so.

use crate::generation::{Context, Output};
use lakala_crypto::{Certificate, PrivateKey, PublicKey};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::BTreeMap;
use std::fs;
use std::sync::OnceLock;

/// The directory, relative to the workspace root.
pub const DIR: &str = "fixtures/keys";

/// A self-signed certificate to issue for a key.
struct CertSpec {
    /// Serial number bytes (unsigned, big-endian). A first byte >= 0x80 makes the DER
    /// integer gain a leading 00, as Lakala's registered `serial_no` values often show.
    serial: &'static [u8],
    /// Subject (and issuer) distinguished name, RFC 4514.
    subject: &'static str,
}

/// One test key.
struct KeySpec {
    name: &'static str,
    bits: usize,
    /// Seed of the generator used only if the private key file is missing.
    seed: u64,
    cert: Option<CertSpec>,
}

/// Certificates are valid from 2024-01-01T00:00:00Z ...
const NOT_BEFORE: i64 = 1_704_067_200;
/// ... to 2049-12-31T23:59:59Z (the last instant a UTCTime can express).
const NOT_AFTER: i64 = 2_524_607_999;

const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "crossborder-merchant-1024",
        bits: 1024,
        seed: 0x6362_6d31,
        cert: None,
    },
    KeySpec {
        name: "crossborder-platform-1024",
        bits: 1024,
        seed: 0x6362_7031,
        cert: None,
    },
    KeySpec {
        name: "crossborder-merchant-2048",
        bits: 2048,
        seed: 0x6362_6d32,
        cert: None,
    },
    KeySpec {
        name: "crossborder-platform-2048",
        bits: 2048,
        seed: 0x6362_7032,
        cert: None,
    },
    KeySpec {
        name: "intruder-1024",
        bits: 1024,
        seed: 0x696e_7472,
        cert: None,
    },
    KeySpec {
        name: "open-platform-merchant-2048",
        bits: 2048,
        seed: 0x6f70_6d32,
        cert: Some(CertSpec {
            serial: &[0xd1, 0x5e, 0x7a, 0x11, 0x00, 0x00, 0x00, 0x01],
            subject: "CN=TEST ONLY lakala-rs open-platform merchant OPTEST00001,O=lakala-rs test fixtures (not a real party),C=CN",
        }),
    },
    KeySpec {
        name: "open-platform-platform-2048",
        bits: 2048,
        seed: 0x6f70_7032,
        cert: Some(CertSpec {
            serial: &[0x4c, 0x4b, 0x4c, 0x00, 0x00, 0x00, 0x00, 0x02],
            subject: "CN=TEST ONLY lakala-rs open-platform API gateway,O=lakala-rs test fixtures (not a real party),C=CN",
        }),
    },
    KeySpec {
        name: "open-platform-notify-2048",
        bits: 2048,
        seed: 0x6f70_6e32,
        cert: Some(CertSpec {
            serial: &[0x9a, 0x7e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03],
            subject: "CN=TEST ONLY lakala-rs open-platform notifications,O=lakala-rs test fixtures (not a real party),C=CN",
        }),
    },
];

const README: &str = "\
# TEST KEYS ONLY: never use them for anything real

Every key in this directory was generated for lakala-rs' test vectors (`cargo xtask
fixtures`, from a fixed seed) and is published on purpose. None belongs to Lakala, to a
merchant, or to any other real party; anything signed or encrypted with them proves nothing.

- `*.key.pem`: RSA private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). The inputs:
  generated once, committed, never regenerated while they exist.
- `*.pub.pem`: the matching public key, SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`).
- `*.cert.pem`: a self-signed X.509 signing certificate (SHA256withRSA) for each
  open-platform key, shaped like Lakala's own: basic constraints `CA:FALSE` and key usage
  `digitalSignature`, both critical, so that Java's `Signature.initVerify(X509Certificate)`
  accepts it. Valid 2024-01-01 to 2049-12-31; the subject names the key's role; its serial
  number, as lowercase hex of the DER integer (leading `00` kept), is the `serial_no` of the
  vectors.

Public keys and certificates are derived from the private keys on every run, so
`cargo xtask fixtures --check` fails if one of them does not match its private key.

| file stem | bits | used as |
|---|---|---|
| `crossborder-merchant-1024` | 1024 | cross-border merchant (signs requests and notification answers, receives notifications) |
| `crossborder-platform-1024` | 1024 | cross-border platform (receives requests, signs responses and notifications) |
| `crossborder-merchant-2048` | 2048 | as above, 2048-bit cases |
| `crossborder-platform-2048` | 2048 | as above, 2048-bit cases |
| `intruder-1024` | 1024 | a key nobody trusts: the cross-border \"wrong signer\" cases |
| `open-platform-merchant-2048` | 2048 | open-platform merchant: signs requests (certificate serial = `serial_no` of requests) |
| `open-platform-platform-2048` | 2048 | open-platform API gateway: signs responses (`Lklapi-Serial`) |
| `open-platform-notify-2048` | 2048 | open-platform notification certificate: signs notifications |
";

/// Path of a key's private PEM relative to `fixtures/`.
pub fn private_path(name: &str) -> String {
    format!("keys/{name}.key.pem")
}

/// Path of a key's public PEM relative to `fixtures/`.
pub fn public_path(name: &str) -> String {
    format!("keys/{name}.pub.pem")
}

/// Path of a key's certificate relative to `fixtures/`.
pub fn cert_path(name: &str) -> String {
    format!("keys/{name}.cert.pem")
}

/// A loaded test key.
pub struct TestKey {
    /// The private key.
    pub private: PrivateKey,
    /// Its PKCS#8 PEM text exactly as committed (or as generated, when missing).
    pem: String,
    /// The certificate PEM and its parsed form, for open-platform keys.
    cert: Option<(String, Certificate)>,
}

impl TestKey {
    /// The public key.
    pub fn public(&self) -> PublicKey {
        self.private.public_key()
    }

    /// The certificate's serial as Lakala's `serial_no` (lowercase hex, leading 00 kept).
    pub fn serial_no(&self) -> Result<String, String> {
        self.cert
            .as_ref()
            .map(|(_, cert)| cert.serial_hex())
            .ok_or_else(|| "this key has no certificate".to_owned())
    }
}

static LOADED: OnceLock<Result<BTreeMap<&'static str, TestKey>, String>> = OnceLock::new();

/// Every test key, loaded from `fixtures/keys/` (generated from its seed if missing).
pub fn all(context: &Context) -> Result<&'static BTreeMap<&'static str, TestKey>, String> {
    LOADED
        .get_or_init(|| {
            KEYS.iter()
                .map(|spec| Ok((spec.name, load(context, spec)?)))
                .collect()
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// One test key by name.
pub fn get(context: &Context, name: &str) -> Result<&'static TestKey, String> {
    all(context)?
        .get(name)
        .ok_or_else(|| format!("no test key named {name}"))
}

fn load(context: &Context, spec: &KeySpec) -> Result<TestKey, String> {
    let path = context.root.join("fixtures").join(private_path(spec.name));
    let (private, pem) = match fs::read_to_string(&path) {
        Ok(pem) => {
            let key = PrivateKey::load(&pem).map_err(|e| format!("{}: {e}", path.display()))?;
            (key, pem)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut rng = ChaCha20Rng::seed_from_u64(spec.seed);
            let key = PrivateKey::generate(&mut rng, spec.bits)
                .map_err(|e| format!("{}: {e}", spec.name))?;
            let pem = key
                .to_pkcs8_pem()
                .map_err(|e| format!("{}: {e}", spec.name))?
                .to_string();
            (key, pem)
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    if private.bits() != spec.bits {
        return Err(format!(
            "{}: {} bits, expected {}",
            path.display(),
            private.bits(),
            spec.bits
        ));
    }
    let cert = match &spec.cert {
        None => None,
        Some(cert_spec) => {
            let (parsed, cert_pem) = Certificate::self_signed_with_subject(
                &private,
                cert_spec.subject,
                cert_spec.serial,
                NOT_BEFORE,
                NOT_AFTER,
            )
            .map_err(|e| format!("{}: certificate: {e}", spec.name))?;
            Some((cert_pem, parsed))
        }
    };
    Ok(TestKey { private, pem, cert })
}

/// The generator of `fixtures/keys/`.
pub fn generate(context: &Context) -> Result<Vec<Output>, String> {
    let mut outputs = vec![Output {
        path: format!("{DIR}/README.md"),
        bytes: README.as_bytes().to_vec(),
    }];
    for (name, key) in all(context)? {
        outputs.push(Output {
            path: format!("fixtures/{}", private_path(name)),
            bytes: key.pem.as_bytes().to_vec(),
        });
        let public = key
            .public()
            .to_spki_pem()
            .map_err(|e| format!("{name}: {e}"))?;
        outputs.push(Output {
            path: format!("fixtures/{}", public_path(name)),
            bytes: public.into_bytes(),
        });
        if let Some((cert_pem, _)) = &key.cert {
            outputs.push(Output {
                path: format!("fixtures/{}", cert_path(name)),
                bytes: cert_pem.as_bytes().to_vec(),
            });
        }
    }
    Ok(outputs)
}
