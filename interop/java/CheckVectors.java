import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks every vector of fixtures/ with the JDK alone, as a Java merchant (or Lakala's Java
 * side) would receive and send each message:
 *
 * <ul>
 *   <li>vectors/crossborder.json: the AES key both by SHA1PRNG (Lakala's Java code) and by
 *       SHA1(SHA1(secKey)); the MAC string rebuilt from the envelope, its GBK bytes and
 *       digest; the MAC verified with RSA/ECB/PKCS1Padding in DECRYPT_MODE; encKey opened,
 *       its ts checked; encData opened; valid cases re-sealed byte for byte; invalid ones
 *       refused with their expected_error.
 *   <li>vectors/open-platform.json: the Authorization header (or Lklapi-* headers) parsed,
 *       the string to sign rebuilt, SHA256withRSA verified with
 *       Signature.initVerify(X509Certificate) (which enforces key usage), the serial; valid
 *       cases re-signed byte for byte.
 *   <li>vectors/labs.json: every case's signature as above (encrypted bodies: over the base64
 *       text), and its content against the file's route and pre-order-kind tables
 *       ({@link LabsVectors}; the JDK has no SM4, so encrypted bodies are checked for shape).
 *   <li>keys/*.cert.pem: signing certificates (CA:FALSE, critical key usage digitalSignature).
 *   <li>lakala/: Lakala's material: the reference gate/auth request reproduced, the published
 *       notification verified with Lakala's notification certificate (not with the other),
 *       the OP00000003 signing examples reproduced and verified.
 * </ul>
 *
 * Usage: java CheckVectors FIXTURES_DIR. Prints each failure and "N passed, M failed";
 * exits 1 on any failure.
 */
public final class CheckVectors {
    private final Path fixtures;
    private final Map<String, Object> cache = new HashMap<>();
    private int passed;
    private int failed;

    private CheckVectors(Path fixtures) {
        this.fixtures = fixtures;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java CheckVectors FIXTURES_DIR");
            System.exit(2);
        }
        CheckVectors check = new CheckVectors(Path.of(args[0]));
        check.run();
        System.out.println(check.passed + " passed, " + check.failed + " failed");
        System.exit(check.failed == 0 ? 0 : 1);
    }

    private String text(String rel) throws Exception {
        return Files.readString(fixtures.resolve(rel), StandardCharsets.UTF_8);
    }

    private PrivateKey privateKey(String rel) throws Exception {
        Object k = cache.get("priv:" + rel);
        if (k == null) {
            k = Wire.privateKey(text(rel));
            cache.put("priv:" + rel, k);
        }
        return (PrivateKey) k;
    }

    private PublicKey publicKey(String rel) throws Exception {
        Object k = cache.get("pub:" + rel);
        if (k == null) {
            k = Wire.publicKey(text(rel));
            cache.put("pub:" + rel, k);
        }
        return (PublicKey) k;
    }

    private X509Certificate certificate(String rel) throws Exception {
        Object c = cache.get("cert:" + rel);
        if (c == null) {
            c = Wire.certificate(text(rel));
            cache.put("cert:" + rel, c);
        }
        return (X509Certificate) c;
    }

    /** One named check: its problems, none meaning passed. A crash is that check's failure. */
    private interface Check {
        void run(List<String> problems) throws Exception;
    }

    private void check(String name, Check body) {
        List<String> problems = new ArrayList<>();
        try {
            body.run(problems);
        } catch (Exception e) {
            problems.add(e.toString());
        }
        if (problems.isEmpty()) {
            passed++;
        } else {
            failed++;
            System.out.println("FAIL " + name + ": " + String.join("; ", problems));
        }
    }

    private static void expect(List<String> problems, boolean ok, String what) {
        if (!ok) {
            problems.add(what);
        }
    }

    private static String str(Map<String, Object> map, String key) {
        Object v = map.get(key);
        return v == null ? null : (String) v;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> cases(Map<String, Object> file) {
        return (List<Map<String, Object>>) (List<?>) file.get("cases");
    }

    private void run() throws Exception {
        for (Map<String, Object> c : cases(Json.object(text("vectors/crossborder.json")))) {
            check("crossborder.json " + c.get("name"), p -> crossborder(c, p));
        }
        for (Map<String, Object> c : cases(Json.object(text("vectors/open-platform.json")))) {
            check("open-platform.json " + c.get("name"), p -> openPlatform(c, p));
        }
        Map<String, Object> labsFile = Json.object(text("vectors/labs.json"));
        LabsVectors labs = new LabsVectors(labsFile);
        if (!LabsVectors.jdkHasSm4()) {
            System.out.println("note: this JDK has no SM4; labs.json's encrypted bodies are checked for shape,"
                    + " signature and padding length, their decryption by interop/python and interop/node");
        }
        for (Map<String, Object> c : cases(labsFile)) {
            check("labs.json " + c.get("name"), p -> {
                openPlatform(c, p);
                labs.content(c, p);
            });
        }
        for (String name : new String[] {"merchant", "platform", "notify"}) {
            String rel = "keys/open-platform-" + name + "-2048.cert.pem";
            check(rel, p -> {
                String problem = Wire.signingCertificateProblem(certificate(rel));
                expect(p, problem == null, "not a signing certificate: " + problem);
            });
        }
        lakalaMaterial();
    }

    // ---------------------------------------------------------------- cross-border

    private static String macString(String kind, Map<String, Object> e) {
        String encData = str(e, "encData") == null ? "" : str(e, "encData");
        switch (kind) {
            case "request":
                return str(e, "merId") + str(e, "ver") + str(e, "ts") + encData;
            case "response":
                return str(e, "retCode") + str(e, "retMsg") + str(e, "merId") + str(e, "ver") + str(e, "ts") + encData;
            case "notification":
                return str(e, "ts") + str(e, "reqType") + encData;
            case "notification_answer":
                return str(e, "retCode") + str(e, "retMsg") + str(e, "ts") + str(e, "reqType");
            default:
                throw new IllegalArgumentException("kind " + kind);
        }
    }

    @SuppressWarnings("unchecked")
    private void crossborder(Map<String, Object> c, List<String> p) throws Exception {
        String kind = str(c, "kind");
        Map<String, Object> env = (Map<String, Object>) c.get("envelope");
        String secKey = str(c, "sec_key");
        byte[] aes = Wire.aesKey(secKey);
        expect(p, Wire.hex(aes).equals(str(c, "aes_key_hex")), "SHA1PRNG AES key = aes_key_hex");
        expect(p, Wire.hex(Wire.aesKeyBySha1(secKey)).equals(str(c, "aes_key_hex")), "SHA1(SHA1) AES key = aes_key_hex");
        String macInput = macString(kind, env);
        expect(p, macInput.equals(str(c, "mac_input")), "mac_input rebuilt from the envelope");
        expect(p, Wire.hex(Wire.gbk(macInput)).equals(str(c, "mac_input_gbk_hex")), "mac_input_gbk_hex");
        expect(p, Wire.macDigest(macInput).equals(str(c, "mac_sha256_hex")), "mac_sha256_hex");
        String biz = str(c, "biz_json");
        if (biz != null) {
            expect(p, Wire.hex(Wire.gbk(biz)).equals(str(c, "biz_gbk_hex")), "biz_gbk_hex");
        }

        Wire.Refused refused = null;
        try {
            Wire.macVerify(publicKey(str(c, "signer_public_key")), macInput, str(env, "mac"));
            String key = secKey;
            if (env.containsKey("encKey")) {
                PrivateKey recipient = privateKey(str(c, "recipient_private_key"));
                String block = Wire.openKeyBlock(recipient, str(env, "encKey"));
                expect(p, block.equals(str(c, "enc_key_block")), "encKey opens to enc_key_block");
                key = Wire.openKey(recipient, str(env, "ts"), str(env, "encKey"));
                expect(p, key.equals(secKey), "encKey holds sec_key");
            }
            String encData = str(env, "encData");
            if (encData != null && !encData.isEmpty()) {
                String opened = Wire.openData(Wire.aesKey(key), encData);
                expect(p, opened.equals(biz), "encData opens to biz_json");
            } else {
                expect(p, biz == null, "no encData, no biz_json");
            }
        } catch (Wire.Refused r) {
            refused = r;
        }

        if (Boolean.TRUE.equals(c.get("valid"))) {
            expect(p, refused == null, "valid case refused: " + refused);
            String resigned = Wire.macSign(privateKey(str(c, "signer_private_key")), macInput);
            expect(p, resigned.equals(str(env, "mac")), "re-signing reproduces mac");
            if (biz != null) {
                expect(p, Wire.sealData(aes, biz).equals(str(env, "encData")), "re-sealing reproduces encData");
            }
        } else {
            expect(p, refused != null, "invalid case accepted");
            if (refused != null) {
                expect(p, refused.code.equals(str(c, "expected_error")),
                        "refused with " + refused.getMessage() + ", expected " + str(c, "expected_error"));
            }
        }
    }

    // ---------------------------------------------------------------- open platform

    @SuppressWarnings("unchecked")
    private void openPlatform(Map<String, Object> c, List<String> p) throws Exception {
        String kind = str(c, "kind");
        boolean notification = kind.equals("notification");
        String body = str(c, "body");
        String rebuilt = Wire.stringToSign(notification ? null : str(c, "appid"), str(c, "serial_no"),
                str(c, "timestamp"), str(c, "nonce_str"), body);
        expect(p, rebuilt.equals(str(c, "string_to_sign")), "string_to_sign rebuilt from the case's fields");
        X509Certificate cert = certificate(str(c, "certificate"));

        Map<String, String> fields;
        Wire.Refused refused = null;
        boolean verified = false;
        try {
            if (kind.equals("response")) {
                Map<String, Object> h = (Map<String, Object>) c.get("response_headers");
                fields = Map.of(
                        "appid", str(h, "Lklapi-Appid"),
                        "serial_no", str(h, "Lklapi-Serial"),
                        "timestamp", str(h, "Lklapi-Timestamp"),
                        "nonce_str", str(h, "Lklapi-Nonce"),
                        "signature", str(h, "Lklapi-Signature"));
            } else {
                fields = Wire.parseAuthorization(str(c, "authorization"));
                if (kind.equals("request") && (fields.get("appid") == null || fields.get("serial_no") == null)) {
                    throw new Wire.Refused("malformed_authorization", "appid or serial_no missing");
                }
            }
            String received = Wire.stringToSign(notification ? null : fields.get("appid"), fields.get("serial_no"),
                    fields.get("timestamp"), fields.get("nonce_str"), body);
            // initVerify(X509Certificate): throws on a certificate that may not verify
            // signatures; that is a failure of the case, not a refusal.
            verified = Wire.verify(cert, received, fields.get("signature"));
            if (!verified) {
                throw new Wire.Refused("signature_mismatch", "SHA256withRSA does not verify");
            }
            if (Boolean.TRUE.equals(c.get("valid"))) {
                for (String name : new String[] {"appid", "serial_no", "timestamp", "nonce_str", "signature"}) {
                    if (notification && (name.equals("appid") || name.equals("serial_no"))) {
                        continue;
                    }
                    expect(p, fields.get(name) != null && fields.get(name).equals(str(c, name)), "header field " + name);
                }
            }
        } catch (Wire.Refused r) {
            refused = r;
        }

        if (Boolean.TRUE.equals(c.get("valid"))) {
            expect(p, refused == null, "valid case refused: " + refused);
            if (!notification) {
                expect(p, Wire.serialHex(cert).equals(str(c, "serial_no")), "certificate serial = serial_no");
            }
            String resigned = Wire.sign(privateKey(str(c, "signer_private_key")), str(c, "string_to_sign"));
            expect(p, resigned.equals(str(c, "signature")), "re-signing reproduces signature");
        } else {
            expect(p, refused != null, "invalid case accepted");
            if (refused != null) {
                expect(p, refused.code.equals(str(c, "expected_error")),
                        "refused with " + refused.getMessage() + ", expected " + str(c, "expected_error"));
            }
        }
    }

    // ---------------------------------------------------------------- Lakala's material

    @SuppressWarnings("unchecked")
    private void lakalaMaterial() throws Exception {
        check("lakala/crossborder/gate-auth-request-example.json", p -> {
            Map<String, Object> v = Json.object(text("lakala/crossborder/gate-auth-request-example.json"));
            String secKey = str(v, "sec_key");
            byte[] aes = Wire.aesKey(secKey);
            expect(p, Wire.hex(aes).equals(str(v, "aes_key_hex")), "SHA1PRNG AES key");
            String encData = Wire.sealData(aes, str(v, "biz_json"));
            expect(p, encData.equals(str(v, "enc_data")), "encData reproduced");
            String macInput = str(v, "mer_id") + str(v, "ver") + str(v, "ts") + encData;
            expect(p, macInput.equals(str(v, "mac_input")), "mac_input");
            expect(p, Wire.macDigest(macInput).equals(str(v, "mac_sha256_hex_lower")), "digest");
            String mac = Wire.macSign(privateKey("lakala/crossborder/" + str(v, "merchant_private_key")), macInput);
            expect(p, mac.equals(str(v, "mac")), "mac reproduced");
            Wire.macVerify(publicKey("lakala/crossborder/" + str(v, "merchant_public_key")), macInput, str(v, "mac"));
            // The platform opens what the merchant sealed: encKey with the platform's key is
            // not checkable (its private key is Lakala's), so seal one and check its size.
            PublicKey platform = publicKey("lakala/crossborder/sandbox-platform-public-key.pem");
            expect(p, Wire.sealKey(platform, str(v, "ts"), secKey).length() == 256, "encKey is one RSA-1024 block");
        });

        String notifyCert = "lakala/openplatform/lakala-apigw-notify-cert.pem";
        String v2Cert = "lakala/openplatform/lakala-apigw-v2-cert.pem";
        for (String rel : new String[] {notifyCert, v2Cert}) {
            check(rel, p -> {
                X509Certificate cert = certificate(rel);
                String problem = Wire.signingCertificateProblem(cert);
                expect(p, problem == null, "Lakala's certificate: " + problem);
                expect(p, cert.getSubjectX500Principal().getName().contains("CN=APIGW.LAKALA.COM"), "subject");
            });
        }
        check("lakala/openplatform/lakala-notify-sample.json", p -> {
            Map<String, Object> s = Json.object(text("lakala/openplatform/lakala-notify-sample.json"));
            Map<String, String> f = Wire.parseAuthorization(str(s, "authorization"));
            String toVerify = Wire.stringToSign(null, null, f.get("timestamp"), f.get("nonce_str"), str(s, "body"));
            expect(p, toVerify.equals(str(s, "string_to_verify")), "string to verify");
            expect(p, Wire.verify(certificate(notifyCert), toVerify, f.get("signature")), "verifies with the notification certificate");
            expect(p, !Wire.verify(certificate(v2Cert), toVerify, f.get("signature")), "does not verify with the v2 certificate");
        });
        check("lakala/openplatform/sandbox-signing-examples.json", p -> {
            Map<String, Object> v = Json.object(text("lakala/openplatform/sandbox-signing-examples.json"));
            PrivateKey key = privateKey("lakala/openplatform/sandbox-OP00000003-merchant-key.pem");
            X509Certificate cert = certificate("lakala/openplatform/sandbox-OP00000003-cert.pem");
            expect(p, Wire.serialHex(cert).equals("00dfba8194c41b84cf"), "OP00000003 serial_no");
            boolean[] usage = cert.getKeyUsage();
            expect(p, usage != null && usage[0] && usage[2], "digitalSignature and keyEncipherment");
            for (String part : new String[] {"request_signing", "notify_signing"}) {
                Map<String, Object> e = (Map<String, Object>) v.get(part);
                String sts = str(e, "string_to_sign");
                expect(p, Wire.sign(key, sts).equals(str(e, "signature_b64")), part + ": signature reproduced");
                expect(p, Wire.verify(cert, sts, str(e, "signature_b64")), part + ": verifies with the certificate");
                Map<String, String> f = Wire.parseAuthorization(str(e, "authorization"));
                expect(p, str(e, "signature_b64").equals(f.get("signature")), part + ": header signature");
                String rebuilt = Wire.stringToSign(part.equals("request_signing") ? f.get("appid") : null,
                        f.get("serial_no"), f.get("timestamp"), f.get("nonce_str"),
                        part.equals("request_signing") ? str(e, "body") : str((Map<String, Object>) v.get("request_signing"), "body"));
                expect(p, rebuilt.equals(sts), part + ": string to sign rebuilt from the header");
            }
        });
    }
}
