// The JDK side of lakala-crypto's benchmark (crates/lakala-crypto/benches/vs-openssl.sh):
// the operations a merchant's code runs with Lakala's Java SDKs, done the way those SDKs do
// them, with the JDK's standard library only:
//
//   - the cross-border one-time key: 32 random alphanumerics; its AES key from a
//     SHA1PRNG SecureRandom seeded with them (KeyGenerator "AES", 128 bits);
//   - encData: Cipher "AES/ECB/PKCS5Padding" over the GBK bytes, upper-case hex;
//   - encKey: Cipher "RSA/ECB/PKCS1Padding" (public key) over ts + secKey, upper-case hex;
//   - the MAC: lower-case hex SHA-256 of the GBK bytes of the MAC string, through Cipher
//     "RSA/ECB/PKCS1Padding" with the private key (block type 1, no DigestInfo), upper hex;
//     verified by decrypting with the public key and comparing;
//   - open platform: Signature "SHA256withRSA" over "appid\nserial\ntimestamp\nnonce\nbody\n"
//     (responses) or "timestamp\nnonce\nbody\n" (notifications), base64.
//
// Same keys (PKCS#8 PEM files written by the script, read by the Rust bench too), same
// messages (BIZ, BODY, ts below are the Rust bench's), single thread. Before measuring, it
// reproduces the shared gate/auth vector and the open-platform signing example byte for
// byte, so a wrong implementation cannot be timed.
//
//   javac -d OUT interop/java/bench/LakalaBench.java
//   java -cp OUT LakalaBench KEY_DIR [SHARED_VECTORS_DIR]
//
// KEY_DIR holds rsa1024-a.pem, rsa1024-b.pem, rsa2048-a.pem, rsa2048-b.pem ("a" is the
// merchant's key, "b" the platform's). Prints one line per operation:
//   jdk <bits> <operation> <operations per second>
// the median of LAKALA_JAVA_ROUNDS (default 5) rounds of LAKALA_JAVA_ROUND_MS (default
// 400) ms each, after LAKALA_JAVA_WARMUP_MS (default 1500) ms of warm-up (JIT).

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;

public final class LakalaBench {
    static final Charset GBK = Charset.forName("GBK");
    static final HexFormat HEX_UPPER = HexFormat.of().withUpperCase();
    static final HexFormat HEX_LOWER = HexFormat.of();
    static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    // The Rust bench's messages (crates/lakala-crypto/benches/crypto.rs).
    static final String BIZ = "{\"orderNo\":\"202401020304050001\",\"bizType\":\"02\",\"name\":\"张三\",\"certNo\":\"110105194912310029\",\"certType\":\"00\",\"bankCardNo\":\"6222020200112233445\",\"bankMobile\":\"13800138000\"}";
    static final byte[] BODY = "{\"req_time\":\"20240929033128\",\"version\":\"3.0\",\"req_data\":{\"merchant_no\":\"822290070111135\",\"term_no\":\"29034705\",\"out_trade_no\":\"20240929033128\",\"auth_code\":\"288576824003652810\",\"total_amount\":\"101\",\"location_info\":{\"request_ip\":\"127.0.0.1\"}}}".getBytes(StandardCharsets.UTF_8);
    static final String MER_ID = "DOPCHN000258";
    static final String VER = "3.0.0";

    static final SecureRandom RANDOM = new SecureRandom();
    static volatile Object sink;

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java LakalaBench KEY_DIR [SHARED_VECTORS_DIR]");
            System.exit(2);
        }
        if (args.length > 1) {
            selfCheck(Path.of(args[1]));
        }
        Path keys = Path.of(args[0]);
        for (int bits : new int[] {1024, 2048}) {
            PrivateKey merchant = loadPrivate(keys.resolve("rsa" + bits + "-a.pem"));
            PrivateKey platform = loadPrivate(keys.resolve("rsa" + bits + "-b.pem"));
            bench(bits, merchant, publicOf(merchant), platform, publicOf(platform));
        }
    }

    // ---- what the SDK does -------------------------------------------------------------

    static String newSecKey() {
        char[] out = new char[32];
        for (int i = 0; i < out.length; i++) {
            out[i] = ALNUM.charAt(RANDOM.nextInt(ALNUM.length()));
        }
        return new String(out);
    }

    /** The SDK's AES key: KeyGenerator("AES", 128) over SHA1PRNG seeded with secKey. */
    static SecretKey aesKey(String secKey) throws Exception {
        SecureRandom prng = SecureRandom.getInstance("SHA1PRNG");
        prng.setSeed(secKey.getBytes(StandardCharsets.UTF_8));
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(128, prng);
        return generator.generateKey();
    }

    static String aesEncrypt(String secKey, String text) throws Exception {
        Cipher cipher = Cipher.getInstance("AES/ECB/PKCS5Padding");
        cipher.init(Cipher.ENCRYPT_MODE, aesKey(secKey));
        return HEX_UPPER.formatHex(cipher.doFinal(text.getBytes(GBK)));
    }

    static String aesDecrypt(String secKey, String hex) throws Exception {
        Cipher cipher = Cipher.getInstance("AES/ECB/PKCS5Padding");
        cipher.init(Cipher.DECRYPT_MODE, aesKey(secKey));
        return new String(cipher.doFinal(HEX_UPPER.parseHex(hex)), GBK);
    }

    static String rsaEncrypt(PublicKey key, String text) throws Exception {
        Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        cipher.init(Cipher.ENCRYPT_MODE, key);
        return HEX_UPPER.formatHex(cipher.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    static String rsaDecrypt(PrivateKey key, String hex) throws Exception {
        Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        cipher.init(Cipher.DECRYPT_MODE, key);
        return new String(cipher.doFinal(HEX_UPPER.parseHex(hex)), StandardCharsets.UTF_8);
    }

    static String macDigest(String macString) throws Exception {
        return HEX_LOWER.formatHex(MessageDigest.getInstance("SHA-256").digest(macString.getBytes(GBK)));
    }

    static String macSign(PrivateKey key, String macString) throws Exception {
        Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        cipher.init(Cipher.ENCRYPT_MODE, key);
        return HEX_UPPER.formatHex(cipher.doFinal(macDigest(macString).getBytes(StandardCharsets.US_ASCII)));
    }

    static void macVerify(PublicKey key, String macString, String mac) throws Exception {
        Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        cipher.init(Cipher.DECRYPT_MODE, key);
        byte[] recovered = cipher.doFinal(HEX_UPPER.parseHex(mac));
        if (!MessageDigest.isEqual(recovered, macDigest(macString).getBytes(StandardCharsets.US_ASCII))) {
            throw new IllegalStateException("MAC mismatch");
        }
    }

    static String sign(PrivateKey key, byte[] message) throws Exception {
        Signature signature = Signature.getInstance("SHA256withRSA");
        signature.initSign(key);
        signature.update(message);
        return Base64.getEncoder().encodeToString(signature.sign());
    }

    static void verify(PublicKey key, byte[] message, String signatureB64) throws Exception {
        Signature signature = Signature.getInstance("SHA256withRSA");
        signature.initVerify(key);
        signature.update(message);
        if (!signature.verify(Base64.getDecoder().decode(signatureB64))) {
            throw new IllegalStateException("signature mismatch");
        }
    }

    static byte[] lines(String... parts) {
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            out.append(part).append('\n');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[] head, byte[] body) {
        byte[] out = Arrays.copyOf(head, head.length + body.length + 1);
        System.arraycopy(body, 0, out, head.length, body.length);
        out[out.length - 1] = '\n';
        return out;
    }

    /** "appid\nserial_no\ntimestamp\nnonce_str\nbody\n". */
    static byte[] requestMessage(String appid, String serial, String timestamp, String nonce, byte[] body) {
        return concat(lines(appid, serial, timestamp, nonce), body);
    }

    /** The Authorization header's fields, as the SDK's verifier splits them. */
    static Map<String, String> authorizationFields(String header) {
        String prefix = "LKLAPI-SHA256withRSA ";
        if (!header.startsWith(prefix)) {
            throw new IllegalStateException("not an LKLAPI-SHA256withRSA header");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : header.substring(prefix.length()).split(",")) {
            int eq = pair.indexOf('=');
            String value = pair.substring(eq + 1).trim();
            if (value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            fields.put(pair.substring(0, eq).trim(), value);
        }
        return fields;
    }

    // ---- the benchmarked operations -----------------------------------------------------

    static void bench(int bits, PrivateKey merchant, PublicKey merchantPublic, PrivateKey platform,
            PublicKey platformPublic) throws Exception {
        String ts = "20240102030405000001";

        // What the platform sends, made once (as the Rust bench does).
        String responseKey = newSecKey();
        String responseData = aesEncrypt(responseKey, BIZ);
        String responseMac = macSign(platform, "0000" + "成功" + MER_ID + VER + "20240102030406000001" + responseData);
        String notifyTs = "20240102030407000001";
        String notifyKey = newSecKey();
        String notifyEncKey = rsaEncrypt(merchantPublic, notifyTs + notifyKey);
        String notifyData = aesEncrypt(notifyKey, BIZ);
        String notifyMac = macSign(platform, notifyTs + "B0005" + notifyData);
        String appid = "OP00000003";
        String serial = "01745381c327";
        String timestamp = "1700000000";
        String nonce = "n";
        String responseSignature = sign(platform, requestMessage(appid, serial, timestamp, nonce, BODY));
        Map<String, String> responseHeaders = new LinkedHashMap<>();
        responseHeaders.put("Lklapi-Appid", appid);
        responseHeaders.put("Lklapi-Serial", serial);
        responseHeaders.put("Lklapi-Timestamp", timestamp);
        responseHeaders.put("Lklapi-Nonce", nonce);
        responseHeaders.put("Lklapi-Signature", responseSignature);
        String notifyAuthorization = "LKLAPI-SHA256withRSA timestamp=\"" + timestamp + "\",nonce_str=\"" + nonce
                + "\",signature=\"" + sign(platform, concat(lines(timestamp, nonce), BODY)) + "\"";

        Map<String, Op> ops = new LinkedHashMap<>();
        // gate/auth request sealed whole: one-time key, encData, encKey, MAC.
        ops.put("seal_request", () -> {
            String secKey = newSecKey();
            String encData = aesEncrypt(secKey, BIZ);
            String encKey = rsaEncrypt(platformPublic, ts + secKey);
            String mac = macSign(merchant, MER_ID + VER + ts + encData);
            return new String[] {encData, encKey, mac};
        });
        // gate/auth answer opened whole: MAC verified, encData decrypted.
        ops.put("open_response", () -> {
            macVerify(platformPublic, "0000" + "成功" + MER_ID + VER + "20240102030406000001" + responseData, responseMac);
            return aesDecrypt(responseKey, responseData);
        });
        // Cross-border notification opened whole: MAC, encKey decrypted, ts checked, encData.
        ops.put("open_notification", () -> {
            macVerify(platformPublic, notifyTs + "B0005" + notifyData, notifyMac);
            String block = rsaDecrypt(merchant, notifyEncKey);
            if (!block.startsWith(notifyTs) || block.length() != notifyTs.length() + 32) {
                throw new IllegalStateException("encKey does not carry ts");
            }
            return aesDecrypt(block.substring(notifyTs.length()), notifyData);
        });
        // Open-platform request signed, Authorization header text included.
        ops.put("sign_request", () -> {
            String signature = sign(merchant, requestMessage("OP00000003", "00dfba8194c41b84cf", "1700000000", "nonce", BODY));
            return "LKLAPI-SHA256withRSA appid=\"OP00000003\",serial_no=\"00dfba8194c41b84cf\",timestamp=\"1700000000\",nonce_str=\"nonce\",signature=\""
                    + signature + "\"";
        });
        // Open-platform answer verified from its Lklapi-* headers.
        ops.put("verify_response", () -> {
            byte[] message = requestMessage(responseHeaders.get("Lklapi-Appid"), responseHeaders.get("Lklapi-Serial"),
                    responseHeaders.get("Lklapi-Timestamp"), responseHeaders.get("Lklapi-Nonce"), BODY);
            verify(platformPublic, message, responseHeaders.get("Lklapi-Signature"));
            return message;
        });
        // Open-platform notification verified from its Authorization header.
        ops.put("verify_notification", () -> {
            Map<String, String> fields = authorizationFields(notifyAuthorization);
            byte[] message = concat(lines(fields.get("timestamp"), fields.get("nonce_str")), BODY);
            verify(platformPublic, message, fields.get("signature"));
            return message;
        });

        int warmup = intEnv("LAKALA_JAVA_WARMUP_MS", 1500);
        int roundMs = intEnv("LAKALA_JAVA_ROUND_MS", 400);
        int rounds = intEnv("LAKALA_JAVA_ROUNDS", 5);
        for (Map.Entry<String, Op> e : ops.entrySet()) {
            Op op = e.getValue();
            run(op, warmup);
            List<Double> rates = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                rates.add(run(op, roundMs));
            }
            rates.sort(null);
            System.out.printf("jdk %d %s %.1f%n", bits, e.getKey(), rates.get(rates.size() / 2));
        }
    }

    interface Op {
        Object call() throws Exception;
    }

    /** Runs `op` for about `ms` milliseconds; operations per second. */
    static double run(Op op, int ms) throws Exception {
        long start = System.nanoTime();
        long end = start + ms * 1_000_000L;
        long n = 0;
        long now;
        do {
            sink = op.call();
            n++;
            now = System.nanoTime();
        } while (now < end);
        return n * 1e9 / (now - start);
    }

    static int intEnv(String name, int fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : Integer.parseInt(value);
    }

    // ---- keys and the self-check --------------------------------------------------------

    static PrivateKey loadPrivate(Path pem) throws Exception {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new IllegalArgumentException(pem + ": expected a PKCS#8 PEM private key");
        }
        String b64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    }

    static PublicKey publicOf(PrivateKey key) throws Exception {
        RSAPrivateCrtKey crt = (RSAPrivateCrtKey) key;
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
    }

    /** Reproduces shared/vectors byte for byte, or exits with status 1. */
    static void selfCheck(Path vectors) throws Exception {
        Path cb = vectors.resolve("crossborder");
        String json = Files.readString(cb.resolve("gate-auth-request-example.json"), StandardCharsets.UTF_8);
        String secKey = field(json, "sec_key");
        String encData = aesEncrypt(secKey, field(json, "biz_json").replace("\\\"", "\""));
        PrivateKey merchant = loadPrivate(cb.resolve("sandbox-merchant-RZCP161200000-key.pem"));
        String mac = macSign(merchant, field(json, "mer_id") + field(json, "ver") + field(json, "ts") + encData);
        expect("gate/auth encData", field(json, "enc_data"), encData);
        expect("gate/auth MAC", field(json, "mac"), mac);
        macVerify(publicOf(merchant), field(json, "mer_id") + field(json, "ver") + field(json, "ts") + encData, mac);
        String block = rsaDecrypt(merchant, rsaEncrypt(publicOf(merchant), field(json, "ts") + secKey));
        expect("gate/auth encKey round trip", field(json, "ts") + secKey, block);

        Path op = vectors.resolve("openplatform");
        String examples = Files.readString(op.resolve("sandbox-signing-examples.json"), StandardCharsets.UTF_8);
        int at = examples.indexOf("\"request_signing\"");
        String req = examples.substring(at);
        PrivateKey opKey = loadPrivate(op.resolve("sandbox-OP00000003-merchant-key.pem"));
        byte[] message = requestMessage(field(req, "appid"), field(req, "serial_no"), field(req, "timestamp"),
                field(req, "nonce_str"), field(req, "body").replace("\\\"", "\"").getBytes(StandardCharsets.UTF_8));
        String signature = sign(opKey, message);
        expect("open-platform request signature", field(req, "signature_b64"), signature);
        verify(publicOf(opKey), message, signature);
        System.err.println("LakalaBench: shared vectors reproduced (gate/auth encData and MAC, SHA256withRSA request signature)");
    }

    /** The string value of the first `"name": "..."` in `json` (no nested escapes but \"). */
    static String field(String json, String name) {
        String key = "\"" + name + "\"";
        int at = json.indexOf(key);
        if (at < 0) {
            throw new IllegalArgumentException("missing " + name);
        }
        int start = json.indexOf('"', json.indexOf(':', at + key.length()) + 1) + 1;
        int end = start;
        while (json.charAt(end) != '"' || json.charAt(end - 1) == '\\') {
            end++;
        }
        return json.substring(start, end);
    }

    static void expect(String what, String expected, String actual) {
        if (!expected.equals(actual)) {
            System.err.println("LakalaBench: " + what + " differs from shared/vectors:\n  expected " + expected + "\n  actual   " + actual);
            System.exit(1);
        }
    }

    private LakalaBench() {}
}
