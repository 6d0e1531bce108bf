//! The sandbox's key material: both sides' keys, the certificates, the ids, and the files
//! they are written to.

use crate::error::{io_error, Result, SandboxError};
use lakala_crypto::{Certificate, CryptoError, PrivateKey, PublicKey, Sm4Key, ValidityCheck};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The cross-border merchant id the sandbox issues (AN12).
pub const DEFAULT_MER_ID: &str = "SBXCHN000001";
/// The open-platform appid the sandbox issues.
pub const DEFAULT_APPID: &str = "OPSANDBOX001";

/// Certificates are valid from 2024-01-01T00:00:00Z ...
const NOT_BEFORE: i64 = 1_704_067_200;
/// ... to 2049-12-31T23:59:59Z.
const NOT_AFTER: i64 = 2_524_607_999;

/// Common names of the three certificates: each says whose it is and what it signs.
mod subjects {
    pub(super) const PLATFORM: &str = "lakala-rs sandbox open-platform API gateway (signs answers)";
    pub(super) const NOTIFY: &str =
        "lakala-rs sandbox open-platform notifications (signs notifications)";
    pub(super) const MERCHANT: &str = "lakala-rs sandbox open-platform merchant (signs requests)";
}

/// File names inside a keys directory ([`SandboxKeys::write`], [`SandboxKeys::load`],
/// [`SandboxKeys::write_client_config`]). All keys are PEM: private keys PKCS#8, public
/// keys SubjectPublicKeyInfo, certificates X.509.
pub mod files {
    /// The ids (`mer_id`, `appid`), TOML. Read by [`super::SandboxKeys::load`].
    pub const IDS: &str = "sandbox.toml";
    /// The client configuration, TOML, in the format `lakala-client` reads
    /// (`lakala_client::Config::from_file_and_env`); key paths are relative to it.
    pub const CLIENT_CONFIG: &str = "lakala.toml";
    /// Cross-border platform private key (RSA-1024). Sandbox side only.
    pub const CROSSBORDER_PLATFORM_KEY: &str = "crossborder-platform.key.pem";
    /// Cross-border platform public key (what the merchant is given).
    pub const CROSSBORDER_PLATFORM_PUBLIC: &str = "crossborder-platform.pub.pem";
    /// Cross-border merchant private key (RSA-1024; the merchant's).
    pub const CROSSBORDER_MERCHANT_KEY: &str = "crossborder-merchant.key.pem";
    /// Cross-border merchant public key (what the platform keeps).
    pub const CROSSBORDER_MERCHANT_PUBLIC: &str = "crossborder-merchant.pub.pem";
    /// Open-platform platform signing key (RSA-2048). Sandbox side only.
    pub const OPEN_PLATFORM_KEY: &str = "open-platform.key.pem";
    /// Open-platform platform certificate (verifies the `Lklapi-*` answers).
    pub const OPEN_PLATFORM_CERT: &str = "open-platform.cert.pem";
    /// Open-platform notification signing key (RSA-2048). Sandbox side only.
    pub const OPEN_NOTIFY_KEY: &str = "open-notify.key.pem";
    /// Open-platform notification certificate (verifies notifications).
    pub const OPEN_NOTIFY_CERT: &str = "open-notify.cert.pem";
    /// Open-platform merchant private key (RSA-2048; the merchant's).
    pub const OPEN_MERCHANT_KEY: &str = "open-merchant.key.pem";
    /// Open-platform merchant certificate; its serial is the `serial_no`.
    pub const OPEN_MERCHANT_CERT: &str = "open-merchant.cert.pem";
    /// The SM4 key of the `*_encry` routes, shared by the merchant and the platform: the
    /// base64 of 16 bytes on one line, as Lakala gives it (Lakala's Java SDK's `sm4Key`
    /// setting). Readable by the owner only.
    pub const OPEN_SM4_KEY: &str = "open-sm4.key";
}

/// One setting of Lakala's open-platform SDKs (the Java SDK's `Config` names) and its
/// value for this sandbox: what a Java or PHP team configures
/// ([`SandboxKeys::sdk_settings`]). Key material is named by its file, never shown.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SdkSetting {
    /// The setting, as Lakala's Java SDK names it (`serverUrl`, `appId`, `serialNo`,
    /// `priKeyPath`, `lklCerPath`, `lklNotifyCerPath`, `sm4Key`).
    pub name: &'static str,
    /// Its value: a URL or id, or the path of the file that holds it.
    pub value: String,
}

/// A private key with the self-signed certificate issued for it: a signing certificate
/// like Lakala's (`CA:FALSE`, critical key usage `digitalSignature`; see
/// [`Certificate::self_signed`]), so that Java's `Signature.initVerify(X509Certificate)`
/// accepts it.
#[derive(Debug, Clone)]
pub struct IssuedKey {
    key: PrivateKey,
    cert: Certificate,
    cert_pem: String,
}

impl IssuedKey {
    fn generate(bits: usize, common_name: &str) -> Result<Self> {
        let key = PrivateKey::generate(&mut rand::rngs::OsRng, bits)?;
        // Eight random bytes with the top bit set: the DER integer gains a leading 00, as
        // the serial numbers Lakala registers often show (`00dfba8194c41b84cf`).
        let mut serial = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut serial);
        serial[0] |= 0x80;
        Self::issue(key, &serial, common_name)
    }

    fn issue(key: PrivateKey, serial: &[u8], common_name: &str) -> Result<Self> {
        let (cert, cert_pem) =
            Certificate::self_signed(&key, common_name, serial, NOT_BEFORE, NOT_AFTER)?;
        Ok(Self {
            key,
            cert,
            cert_pem,
        })
    }

    /// The private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The certificate.
    pub fn cert(&self) -> &Certificate {
        &self.cert
    }

    /// The certificate as PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The certificate's serial as lowercase hex of its DER bytes (leading `00` kept).
    pub fn serial_hex(&self) -> String {
        self.cert.serial_hex()
    }
}

/// Everything the sandbox and its merchant need: both sides' keys for both API families,
/// the certificates and the ids.
///
/// | material | used for |
/// |---|---|
/// | cross-border platform key, RSA-1024 | the platform's MACs, opening `encKey` |
/// | cross-border merchant key, RSA-1024 | the merchant's MACs, opening notification `encKey` |
/// | open-platform platform key + certificate, RSA-2048 | `Lklapi-*` answer signatures |
/// | open-platform notification key + certificate, RSA-2048 | notification signatures |
/// | open-platform merchant key + certificate, RSA-2048 | request signatures; `serial_no` |
/// | SM4 key, 128 bits | the `*_encry` routes' whole-message encryption, both ways |
/// | `mer_id` ([`DEFAULT_MER_ID`]), `appid` ([`DEFAULT_APPID`]) | the ids the sandbox accepts |
///
/// Certificates are self-signed signing certificates (`CA:FALSE`, critical key usage
/// `digitalSignature`, like Lakala's), valid 2024-01-01 to 2049-12-31, with random 8-byte
/// serials and a subject naming each one's role. None of this material belongs to any real party. Cloning is cheap (keys are
/// shared).
#[derive(Debug, Clone)]
pub struct SandboxKeys {
    mer_id: String,
    appid: String,
    crossborder_platform: PrivateKey,
    crossborder_merchant: PrivateKey,
    platform: IssuedKey,
    notify: IssuedKey,
    merchant: IssuedKey,
    sm4: Sm4Key,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Ids {
    mer_id: String,
    appid: String,
}

impl SandboxKeys {
    /// Generates fresh keys and certificates with the default ids.
    ///
    /// CPU-heavy (two RSA-1024 and three RSA-2048 keys: around a second optimised, more
    /// in a debug build): from async code, run it on a blocking thread, as
    /// [`crate::Sandbox::start`] does when it is given no keys.
    pub fn generate() -> Result<Self> {
        let mut rng = rand::rngs::OsRng;
        Ok(Self {
            mer_id: DEFAULT_MER_ID.to_owned(),
            appid: DEFAULT_APPID.to_owned(),
            crossborder_platform: PrivateKey::generate(&mut rng, 1024)?,
            crossborder_merchant: PrivateKey::generate(&mut rng, 1024)?,
            platform: IssuedKey::generate(2048, subjects::PLATFORM)?,
            notify: IssuedKey::generate(2048, subjects::NOTIFY)?,
            merchant: IssuedKey::generate(2048, subjects::MERCHANT)?,
            sm4: Sm4Key::generate(&mut rng),
        })
    }

    /// Loads keys written by [`SandboxKeys::write`] from `dir`, and checks that every
    /// certificate is valid now and matches its private key.
    ///
    /// A keys directory written before the sandbox had an SM4 key gets a fresh one here
    /// ([`SandboxKeys::write`] then adds its file); an SM4 key file that does not hold the
    /// base64 of 16 bytes is refused.
    ///
    /// Earlier versions of the sandbox wrote CA certificates (`CA:TRUE`, key usage `keyCertSign,
    /// cRLSign`), which Java clients refuse to verify signatures with. Such a certificate is
    /// re-issued here as a signing certificate over the same key and serial number, so a
    /// client configured with the old `serial_no` keeps working; [`SandboxKeys::write`]
    /// then replaces the file.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let ids_path = dir.join(files::IDS);
        let text = std::fs::read_to_string(&ids_path).map_err(io_error(&ids_path))?;
        let ids: Ids = toml::from_str(&text).map_err(|e| SandboxError::Key {
            path: ids_path.clone(),
            reason: e.message().to_owned(),
        })?;
        let private = |name: &str| -> Result<PrivateKey> {
            let path = dir.join(name);
            let bytes = std::fs::read(&path).map_err(io_error(&path))?;
            PrivateKey::load(bytes).map_err(|e| SandboxError::Key {
                path,
                reason: e.to_string(),
            })
        };
        let issued = |key_name: &str, cert_name: &str, role: &str| -> Result<IssuedKey> {
            let key = private(key_name)?;
            let path = dir.join(cert_name);
            let refused = |e: CryptoError| SandboxError::Key {
                path: path.clone(),
                reason: e.to_string(),
            };
            let cert_pem = std::fs::read_to_string(&path).map_err(io_error(&path))?;
            let issued = match Certificate::load(&cert_pem, ValidityCheck::Now) {
                Ok(cert) => IssuedKey {
                    key,
                    cert,
                    cert_pem,
                },
                Err(CryptoError::CertificateKeyUsage { serial, .. }) => {
                    // Re-issued only over the key it certifies.
                    if PublicKey::load(&cert_pem).ok() != Some(key.public_key()) {
                        return Err(SandboxError::Key {
                            path,
                            reason: format!("does not certify the key in {key_name}"),
                        });
                    }
                    tracing::warn!(
                        path = %path.display(),
                        "a CA certificate from an older sandbox: re-issued as a signing certificate, same key and serial"
                    );
                    let serial = hex::decode(&serial).map_err(|e| SandboxError::Key {
                        path: path.clone(),
                        reason: format!("serial: {e}"),
                    })?;
                    IssuedKey::issue(key, &serial, role)?
                }
                Err(e) => return Err(refused(e)),
            };
            if *issued.cert.public_key() != issued.key.public_key() {
                return Err(SandboxError::Key {
                    path,
                    reason: format!("does not certify the key in {key_name}"),
                });
            }
            Ok(issued)
        };
        let sm4_path = dir.join(files::OPEN_SM4_KEY);
        let sm4 = match std::fs::read_to_string(&sm4_path) {
            Ok(text) => Sm4Key::from_base64(&text).map_err(|e| SandboxError::Key {
                path: sm4_path.clone(),
                reason: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(
                    path = %sm4_path.display(),
                    "no SM4 key in this keys directory (an older sandbox's): a fresh one is drawn"
                );
                Sm4Key::generate(&mut rand::rngs::OsRng)
            }
            Err(e) => return Err(io_error(&sm4_path)(e)),
        };
        Ok(Self {
            sm4,
            mer_id: ids.mer_id,
            appid: ids.appid,
            crossborder_platform: private(files::CROSSBORDER_PLATFORM_KEY)?,
            crossborder_merchant: private(files::CROSSBORDER_MERCHANT_KEY)?,
            platform: issued(
                files::OPEN_PLATFORM_KEY,
                files::OPEN_PLATFORM_CERT,
                subjects::PLATFORM,
            )?,
            notify: issued(
                files::OPEN_NOTIFY_KEY,
                files::OPEN_NOTIFY_CERT,
                subjects::NOTIFY,
            )?,
            merchant: issued(
                files::OPEN_MERCHANT_KEY,
                files::OPEN_MERCHANT_CERT,
                subjects::MERCHANT,
            )?,
        })
    }

    /// Writes every key (the platform's private keys included), certificate and the ids
    /// into `dir` (created if missing), under the names of [`files`]. Private keys are
    /// written readable by the owner only (on Unix). [`SandboxKeys::load`] reads them back.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let ids = toml::to_string(&Ids {
            mer_id: self.mer_id.clone(),
            appid: self.appid.clone(),
        })
        .map_err(|e| SandboxError::Io {
            path: dir.join(files::IDS),
            reason: e.to_string(),
        })?;
        let header =
            "# lakala-sandbox keys directory: sandbox test material, never real credentials.\n";
        write_file(
            &dir.join(files::IDS),
            format!("{header}{ids}").as_bytes(),
            false,
        )?;
        write_private(
            dir,
            files::CROSSBORDER_PLATFORM_KEY,
            &self.crossborder_platform,
        )?;
        write_private(dir, files::OPEN_PLATFORM_KEY, &self.platform.key)?;
        write_private(dir, files::OPEN_NOTIFY_KEY, &self.notify.key)?;
        write_file(
            &dir.join(files::CROSSBORDER_MERCHANT_PUBLIC),
            self.crossborder_merchant
                .public_key()
                .to_spki_pem()?
                .as_bytes(),
            false,
        )?;
        self.write_merchant_side(dir)
    }

    /// The files a merchant (client) needs: its two private keys, its certificate, the
    /// platform's cross-border public key, the two platform certificates and the SM4 key.
    fn write_merchant_side(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
        let mut line = self.sm4.expose_base64();
        line.push('\n');
        write_file(&dir.join(files::OPEN_SM4_KEY), line.as_bytes(), true)?;
        write_private(
            dir,
            files::CROSSBORDER_MERCHANT_KEY,
            &self.crossborder_merchant,
        )?;
        write_private(dir, files::OPEN_MERCHANT_KEY, &self.merchant.key)?;
        write_file(
            &dir.join(files::CROSSBORDER_PLATFORM_PUBLIC),
            self.crossborder_platform
                .public_key()
                .to_spki_pem()?
                .as_bytes(),
            false,
        )?;
        for (name, issued) in [
            (files::OPEN_PLATFORM_CERT, &self.platform),
            (files::OPEN_NOTIFY_CERT, &self.notify),
            (files::OPEN_MERCHANT_CERT, &self.merchant),
        ] {
            write_file(&dir.join(name), issued.cert_pem.as_bytes(), false)?;
        }
        Ok(())
    }

    /// Writes the merchant's side of the keys and a client configuration pointing at
    /// `base_url` into `dir`, and returns the configuration's path
    /// (`dir/`[`files::CLIENT_CONFIG`]).
    ///
    /// The configuration is exactly the TOML `lakala-client` reads, with key paths relative
    /// to the file:
    ///
    /// ```toml
    /// base_url = "http://127.0.0.1:PORT"
    ///
    /// [crossborder]
    /// mer_id = "SBXCHN000001"
    /// merchant_key = "crossborder-merchant.key.pem"
    /// platform_public_key = "crossborder-platform.pub.pem"
    ///
    /// [open_platform]
    /// appid = "OPSANDBOX001"
    /// serial_no = "00…"
    /// merchant_key = "open-merchant.key.pem"
    /// platform_cert = "open-platform.cert.pem"
    /// notify_cert = "open-notify.cert.pem"
    /// sm4_key = "open-sm4.key"
    /// ```
    ///
    /// No platform private key is written here.
    pub fn write_client_config(&self, dir: impl AsRef<Path>, base_url: &str) -> Result<PathBuf> {
        let dir = dir.as_ref();
        self.write_merchant_side(dir)?;
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let text = format!(
            "# Client configuration for a lakala-sandbox (test keys only). Key paths are relative to this file.\n\
             base_url = {base_url}\n\
             \n\
             [crossborder]\n\
             mer_id = {mer_id}\n\
             merchant_key = {cb_key}\n\
             platform_public_key = {cb_pub}\n\
             \n\
             [open_platform]\n\
             appid = {appid}\n\
             serial_no = {serial}\n\
             merchant_key = {op_key}\n\
             platform_cert = {op_cert}\n\
             notify_cert = {op_notify}\n\
             sm4_key = {op_sm4}\n",
            base_url = q(base_url),
            mer_id = q(&self.mer_id),
            cb_key = q(files::CROSSBORDER_MERCHANT_KEY),
            cb_pub = q(files::CROSSBORDER_PLATFORM_PUBLIC),
            appid = q(&self.appid),
            serial = q(&self.serial_no()),
            op_key = q(files::OPEN_MERCHANT_KEY),
            op_cert = q(files::OPEN_PLATFORM_CERT),
            op_notify = q(files::OPEN_NOTIFY_CERT),
            op_sm4 = q(files::OPEN_SM4_KEY),
        );
        let path = dir.join(files::CLIENT_CONFIG);
        write_file(&path, text.as_bytes(), false)?;
        Ok(path)
    }

    /// What to configure in Lakala's open-platform SDKs to use this sandbox, with the
    /// merchant's files in `dir` (where [`SandboxKeys::write`] or
    /// [`SandboxKeys::write_client_config`] put them): `serverUrl` (`base_url`), `appId`,
    /// `serialNo` (with its leading `00`), `priKeyPath`, `lklCerPath`, `lklNotifyCerPath`,
    /// and `sm4Key` (the file holding its base64 text). Nothing secret is in the values.
    pub fn sdk_settings(&self, dir: impl AsRef<Path>, base_url: &str) -> Vec<SdkSetting> {
        let dir = dir.as_ref();
        let file = |name: &str| dir.join(name).display().to_string();
        let setting = |name, value| SdkSetting { name, value };
        vec![
            setting("serverUrl", base_url.to_owned()),
            setting("appId", self.appid.clone()),
            setting("serialNo", self.serial_no()),
            setting("priKeyPath", file(files::OPEN_MERCHANT_KEY)),
            setting("lklCerPath", file(files::OPEN_PLATFORM_CERT)),
            setting("lklNotifyCerPath", file(files::OPEN_NOTIFY_CERT)),
            setting(
                "sm4Key",
                format!("the text of {}", file(files::OPEN_SM4_KEY)),
            ),
        ]
    }

    /// The cross-border merchant id (`merId`) the sandbox accepts.
    pub fn mer_id(&self) -> &str {
        &self.mer_id
    }

    /// The open-platform appid the sandbox accepts.
    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// The `serial_no` the sandbox accepts: the merchant certificate's serial.
    pub fn serial_no(&self) -> String {
        self.merchant.serial_hex()
    }

    /// Cross-border platform private key (the sandbox's).
    pub fn crossborder_platform_key(&self) -> &PrivateKey {
        &self.crossborder_platform
    }

    /// Cross-border platform public key (give it to the merchant).
    pub fn crossborder_platform_public_key(&self) -> PublicKey {
        self.crossborder_platform.public_key()
    }

    /// Cross-border merchant private key (the merchant's).
    pub fn crossborder_merchant_key(&self) -> &PrivateKey {
        &self.crossborder_merchant
    }

    /// Open-platform answer-signing key and certificate (the sandbox's).
    pub fn open_platform(&self) -> &IssuedKey {
        &self.platform
    }

    /// Open-platform notification-signing key and certificate (the sandbox's).
    pub fn open_notify(&self) -> &IssuedKey {
        &self.notify
    }

    /// Open-platform merchant key and certificate (the merchant's).
    pub fn open_merchant(&self) -> &IssuedKey {
        &self.merchant
    }

    /// The SM4 key of the `*_encry` routes (both sides').
    pub fn sm4_key(&self) -> &Sm4Key {
        &self.sm4
    }
}

fn write_private(dir: &Path, name: &str, key: &PrivateKey) -> Result<()> {
    let pem = key.to_pkcs8_pem()?;
    write_file(&dir.join(name), pem.as_bytes(), true)
}

fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(io_error(path))?;
    file.write_all(bytes).map_err(io_error(path))?;
    Ok(())
}
