import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.spec.SecretKeySpec;

/**
 * Lakala's wire cryptography with the JDK's standard library only, written from the
 * protocol description (../../fixtures/README.md, the project's PROTOCOL notes), not from
 * any SDK. Everything a Java merchant does: GBK text, the AES key Lakala's Java code derives
 * with {@code SecureRandom.getInstance("SHA1PRNG")}, AES/ECB/PKCS5Padding,
 * RSA/ECB/PKCS1Padding for encKey and for the cross-border "MAC", SHA256withRSA verified
 * with {@code Signature.initVerify(X509Certificate)}, which enforces the certificate's key
 * usage.
 */
final class Wire {
    static final Charset GBK = Charset.forName("GBK");
    static final String SCHEME = "LKLAPI-SHA256withRSA";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALNUM =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private Wire() {}

    /** A receiver's refusal, with the code the vectors' expected_error uses. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final String code;

        Refused(String code, String detail) {
            super(code + ": " + detail);
            this.code = code;
        }
    }

    // ---------------------------------------------------------------- text and hex

    /** GBK bytes; refuses text GBK cannot encode instead of writing '?'. */
    static byte[] gbk(String text) {
        try {
            ByteBuffer b = GBK.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            return Arrays.copyOfRange(b.array(), b.position(), b.limit());
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not GBK-encodable: " + e);
        }
    }

    /** Text from GBK bytes; refuses bytes that are not GBK. */
    static String fromGbk(byte[] bytes) throws CharacterCodingException {
        return GBK.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }

    static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) {
            out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return out.toString();
    }

    static String hexUpper(byte[] bytes) {
        return hex(bytes).toUpperCase();
    }

    /** Bytes of hex text in either case; refuses anything else. */
    static byte[] unhex(String text) {
        if (text.length() % 2 != 0) {
            throw new IllegalArgumentException("odd hex length");
        }
        byte[] out = new byte[text.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = Character.digit(text.charAt(2 * i), 16);
            int lo = Character.digit(text.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("not hex at " + 2 * i);
            }
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }

    static byte[] digest(String algorithm, byte[] data) throws Exception {
        return MessageDigest.getInstance(algorithm).digest(data);
    }

    /** n random characters of [0-9A-Za-z] (one-time keys, nonces). */
    static String randomAlnum(int n) {
        StringBuilder out = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            out.append(ALNUM.charAt(RANDOM.nextInt(ALNUM.length())));
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- keys

    private static byte[] pemBody(String pem, String label) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("no " + label + " PEM block");
        }
        return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    }

    static PrivateKey privateKey(String pem) throws Exception {
        return KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(pemBody(pem, "PRIVATE KEY")));
    }

    static PublicKey publicKey(String pem) throws Exception {
        return KeyFactory.getInstance("RSA")
                .generatePublic(new X509EncodedKeySpec(pemBody(pem, "PUBLIC KEY")));
    }

    static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The serial as Lakala registers serial_no: hex of the DER integer bytes, leading 00 kept. */
    static String serialHex(X509Certificate cert) {
        return hex(cert.getSerialNumber().toByteArray());
    }

    /** Is this the kind of certificate Lakala signs with: not a CA, digitalSignature allowed? */
    static String signingCertificateProblem(X509Certificate cert) {
        boolean[] usage = cert.getKeyUsage();
        if (usage != null && !usage[0]) {
            return "key usage without digitalSignature";
        }
        if (cert.getBasicConstraints() != -1) {
            return "a CA certificate (basicConstraints CA:TRUE)";
        }
        if (cert.getCriticalExtensionOIDs() == null
                || !cert.getCriticalExtensionOIDs().contains("2.5.29.15")) {
            return "key usage is not critical";
        }
        return null;
    }

    // ---------------------------------------------------------------- cross-border

    /**
     * The AES key exactly as Lakala's Java code makes it: a SHA1PRNG SecureRandom seeded with
     * the one-time key's bytes feeds KeyGenerator("AES").init(128).
     */
    static byte[] aesKey(String secKey) throws Exception {
        SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
        random.setSeed(secKey.getBytes(StandardCharsets.US_ASCII));
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(128, random);
        return generator.generateKey().getEncoded();
    }

    /** The same key by its documented derivation: the first 16 bytes of SHA1(SHA1(secKey)). */
    static byte[] aesKeyBySha1(String secKey) throws Exception {
        byte[] twice = digest("SHA-1", digest("SHA-1", secKey.getBytes(StandardCharsets.US_ASCII)));
        return Arrays.copyOf(twice, 16);
    }

    /** encData: uppercase hex of AES/ECB/PKCS5Padding over the GBK bytes of the JSON. */
    static String sealData(byte[] aesKey, String json) throws Exception {
        Cipher cipher = Cipher.getInstance("AES/ECB/PKCS5Padding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, "AES"));
        return hexUpper(cipher.doFinal(gbk(json)));
    }

    static String openData(byte[] aesKey, String encData) throws Refused {
        try {
            Cipher cipher = Cipher.getInstance("AES/ECB/PKCS5Padding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aesKey, "AES"));
            return fromGbk(cipher.doFinal(unhex(encData)));
        } catch (Exception e) {
            throw new Refused("decryption_failed", "encData: " + e);
        }
    }

    /** encKey: RSA/ECB/PKCS1Padding (block type 2) of GBK(ts + secKey), uppercase hex. */
    static String sealKey(PublicKey recipient, String ts, String secKey) throws Exception {
        Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        cipher.init(Cipher.ENCRYPT_MODE, recipient);
        return hexUpper(cipher.doFinal(gbk(ts + secKey)));
    }

    /** Decrypts encKey: the whole ts + secKey block. */
    static String openKeyBlock(PrivateKey recipient, String encKey) throws Refused {
        try {
            Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
            cipher.init(Cipher.DECRYPT_MODE, recipient);
            return new String(cipher.doFinal(unhex(encKey)), StandardCharsets.US_ASCII);
        } catch (Exception e) {
            throw new Refused("decryption_failed", "encKey: " + e);
        }
    }

    /** Opens encKey and checks it: 52 characters, the envelope's ts first; returns secKey. */
    static String openKey(PrivateKey recipient, String ts, String encKey) throws Refused {
        String block = openKeyBlock(recipient, encKey);
        if (block.length() != 52) {
            throw new Refused("malformed_enc_key", block.length() + " characters");
        }
        if (!block.startsWith(ts)) {
            throw new Refused("enc_key_ts_mismatch", "encKey does not start with ts " + ts);
        }
        return block.substring(20);
    }

    /** The 64 lowercase hex characters of SHA-256 over the GBK bytes: what the MAC signs. */
    static String macDigest(String macInput) throws Exception {
        return hex(digest("SHA-256", gbk(macInput)));
    }

    /** The MAC: the digest's 64 ASCII bytes "private-key encrypted" (block type 1, no DigestInfo). */
    static String macSign(PrivateKey signer, String macInput) throws Exception {
        Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        cipher.init(Cipher.ENCRYPT_MODE, signer);
        return hexUpper(cipher.doFinal(macDigest(macInput).getBytes(StandardCharsets.US_ASCII)));
    }

    /** Verifies a MAC: public-key decrypt, compare with the digest. */
    static void macVerify(PublicKey signer, String macInput, String mac) throws Refused {
        byte[] recovered;
        try {
            Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding");
            cipher.init(Cipher.DECRYPT_MODE, signer);
            recovered = cipher.doFinal(unhex(mac));
        } catch (Exception e) {
            throw new Refused("mac_mismatch", e.toString());
        }
        String expected;
        try {
            expected = macDigest(macInput);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (!MessageDigest.isEqual(recovered, expected.getBytes(StandardCharsets.US_ASCII))) {
            throw new Refused("mac_mismatch", "another digest");
        }
    }

    // ---------------------------------------------------------------- open platform

    /** SHA256withRSA, base64. */
    static String sign(PrivateKey key, String stringToSign) throws Exception {
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(key);
        s.update(stringToSign.getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(s.sign());
    }

    /**
     * Verifies SHA256withRSA with the certificate itself, as Lakala's Java SDK does:
     * {@code initVerify(X509Certificate)} throws InvalidKeyException ("Wrong key usage") for a
     * certificate whose critical key usage leaves digitalSignature out. That exception is not
     * caught here: it must fail the run, not read as a bad signature.
     */
    static boolean verify(X509Certificate cert, String stringToSign, String signatureB64)
            throws java.security.InvalidKeyException, Exception {
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(cert);
        s.update(stringToSign.getBytes(StandardCharsets.UTF_8));
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(signatureB64);
        } catch (IllegalArgumentException e) {
            return false;
        }
        try {
            return s.verify(signature);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }

    private static final Pattern PARAMETER = Pattern.compile("([A-Za-z0-9_]+)\\s*=\\s*");

    /** Parses {@code LKLAPI-SHA256withRSA name="value",...}, fields in any order. */
    static Map<String, String> parseAuthorization(String header) throws Refused {
        String h = header.trim();
        int space = h.indexOf(' ');
        if (space < 0 || !h.substring(0, space).equals(SCHEME)) {
            throw new Refused("malformed_authorization", "scheme");
        }
        String rest = h.substring(space + 1);
        Map<String, String> fields = new LinkedHashMap<>();
        int i = 0;
        while (true) {
            while (i < rest.length() && (Character.isWhitespace(rest.charAt(i)) || rest.charAt(i) == ',')) {
                i++;
            }
            if (i == rest.length()) {
                break;
            }
            Matcher m = PARAMETER.matcher(rest);
            if (!m.find(i) || m.start() != i) {
                throw new Refused("malformed_authorization", "parameter at " + i);
            }
            String name = m.group(1);
            i = m.end();
            String value;
            if (i < rest.length() && rest.charAt(i) == '"') {
                int close = rest.indexOf('"', i + 1);
                if (close < 0) {
                    throw new Refused("malformed_authorization", name + ": unterminated quote");
                }
                value = rest.substring(i + 1, close);
                i = close + 1;
                while (i < rest.length() && Character.isWhitespace(rest.charAt(i))) {
                    i++;
                }
                if (i < rest.length() && rest.charAt(i) != ',') {
                    throw new Refused("malformed_authorization", name + ": text after the quote");
                }
            } else {
                int comma = rest.indexOf(',', i);
                int end = comma < 0 ? rest.length() : comma;
                value = rest.substring(i, end).trim();
                i = end;
                if (value.isEmpty() || value.matches(".*[\\s\"].*")) {
                    throw new Refused("malformed_authorization", name + ": bare value");
                }
            }
            if (fields.put(name, value) != null) {
                throw new Refused("malformed_authorization", name + " twice");
            }
        }
        for (String required : new String[] {"timestamp", "nonce_str", "signature"}) {
            String v = fields.get(required);
            if (v == null || v.isEmpty()) {
                throw new Refused("malformed_authorization", required + " missing");
            }
        }
        if (!fields.get("timestamp").matches("[0-9]+")) {
            throw new Refused("malformed_authorization", "timestamp");
        }
        return fields;
    }

    /** appid\nserial\ntimestamp\nnonce\nbody\n (requests, answers) or timestamp\nnonce\nbody\n. */
    static String stringToSign(String appid, String serial, String timestamp, String nonce, String body) {
        StringBuilder out = new StringBuilder();
        if (appid != null) {
            out.append(appid).append('\n').append(serial).append('\n');
        }
        return out.append(timestamp).append('\n').append(nonce).append('\n').append(body).append('\n').toString();
    }

    /** A big-endian unsigned integer's bytes, for comparing serials. */
    static BigInteger unsigned(String hex) {
        return new BigInteger(1, unhex(hex));
    }
}
