import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;

/**
 * The content checks of fixtures/vectors/labs.json (the labs aggregated-scan family), with
 * the JDK alone; the signatures are checked like every open-platform case by
 * {@link CheckVectors}.
 *
 * <p>The JDK has no SM4 ({@code Cipher.getInstance("SM4/ECB/PKCS5Padding")} throws without a
 * provider such as BouncyCastle, which Lakala's own SDK adds). So for the encrypted
 * ({@code *_encry}) cases this checks what needs no SM4: the body is strict base64 of a
 * whole number of 16-byte blocks, exactly as long as PKCS#5-padded UTF-8 {@code json}, and
 * the signature covers that base64 text; the decryption itself is checked by the Python
 * and Node.js consumers (and by the Rust tests). Should a provider offer SM4, the bodies
 * are decrypted here too.
 *
 * <p>Every case's {@code json} is checked against the file's tables: the route's required
 * fields, the pre-order kind's account_type x trans_type, the acc_busi_fields it requires
 * and forbids, subject; answers' acc_resp_fields, and the payment request built from them
 * equals the case's payment_request. A case whose content_valid is false passes when the
 * first error found is its content_error.
 */
final class LabsVectors {
    private static final Pattern DIGITS_14 = Pattern.compile("\\d{14}");
    private static final Pattern AMOUNT = Pattern.compile("\\d{1,12}");

    private final Map<String, Map<String, Object>> routes = new HashMap<>();
    private final Map<String, Map<String, Object>> kinds = new HashMap<>();

    @SuppressWarnings("unchecked")
    LabsVectors(Map<String, Object> file) {
        for (Object r : (List<Object>) file.get("routes")) {
            Map<String, Object> route = (Map<String, Object>) r;
            routes.put((String) route.get("path"), route);
            if (route.get("encrypted_path") != null) {
                routes.put((String) route.get("encrypted_path"), route);
            }
        }
        for (Object k : (List<Object>) file.get("preorder_kinds")) {
            Map<String, Object> kind = (Map<String, Object>) k;
            kinds.put((String) kind.get("kind"), kind);
        }
    }

    /** Whether this JDK offers SM4 (the plain JDK does not). */
    static boolean jdkHasSm4() {
        try {
            Cipher.getInstance("SM4/ECB/PKCS5Padding");
            return true;
        } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
            return false;
        }
    }

    private static void expect(List<String> problems, boolean ok, String what) {
        if (!ok) {
            problems.add(what);
        }
    }

    private static boolean filled(Map<String, Object> obj, String name) {
        Object v = obj.get(name);
        if (v == null || "".equals(v)) {
            return false;
        }
        return !(v instanceof Map && ((Map<?, ?>) v).isEmpty());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map ? (Map<String, Object>) value : new HashMap<>();
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<Object>) value) {
            out.add((String) o);
        }
        return out;
    }

    /** The body of an encrypted case, as far as the JDK can check it. */
    void encrypted(Map<String, Object> c, List<String> p) throws Exception {
        String body = (String) c.get("body");
        String json = (String) c.get("json");
        expect(p, ((String) c.get("route")).endsWith("_encry"), "encrypted case on an _encry route");
        byte[] key = Base64.getDecoder().decode((String) c.get("sm4_key"));
        expect(p, key.length == 16, "sm4_key is 16 bytes");
        byte[] ciphertext = Base64.getDecoder().decode(body);
        expect(p, Base64.getEncoder().encodeToString(ciphertext).equals(body), "body is canonical base64");
        int plain = json.getBytes(StandardCharsets.UTF_8).length;
        expect(p, ciphertext.length == (plain / 16 + 1) * 16,
                "body is PKCS#5-padded json in 16-byte blocks (" + ciphertext.length + " bytes for " + plain + ")");
        expect(p, !body.equals(json), "body is not the plaintext");
        if (jdkHasSm4()) {
            Cipher cipher = Cipher.getInstance("SM4/ECB/PKCS5Padding");
            cipher.init(Cipher.DECRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "SM4"));
            String error = null;
            String opened = null;
            try {
                opened = new String(cipher.doFinal(ciphertext), StandardCharsets.UTF_8);
            } catch (javax.crypto.BadPaddingException e) {
                error = "bad_padding";
            }
            expect(p, Objects.equals(error, c.get("decrypt_error")), "decrypt error " + error);
            expect(p, error != null || json.equals(opened), "decrypted body = json");
        }
    }

    /** The rules of routes and pre-order kinds, as "field:rule" in the order found. */
    List<String> contentErrors(Map<String, Object> c, Map<String, Object> message) {
        Map<String, Object> rules = routes.get((String) c.get("route"));
        List<String> errors = new ArrayList<>();
        if (rules == null) {
            errors.add("route:unknown");
            return errors;
        }
        String kindName = (String) c.get("preorder_kind");
        Map<String, Object> kind = kindName == null ? null : kinds.get(kindName);
        if ("request".equals(c.get("kind"))) {
            Object time = message.get("req_time");
            if (!"3.0".equals(message.get("version")) || !(time instanceof String) || !DIGITS_14.matcher((String) time).matches()) {
                errors.add("envelope:version/req_time");
            }
            Map<String, Object> data = map(message.get("req_data"));
            for (String name : strings(rules.get("request_required"))) {
                if (!filled(data, name)) {
                    errors.add(name + ":missing");
                }
            }
            for (Object group : (List<?>) rules.get("request_one_of")) {
                List<String> names = strings(group);
                if (names.stream().noneMatch(n -> filled(data, n))) {
                    errors.add(names.get(0) + ":missing");
                }
            }
            Object amount = data.containsKey("total_amount") ? data.get("total_amount") : data.getOrDefault("refund_amount", "1");
            if (!(amount instanceof String) || !AMOUNT.matcher((String) amount).matches()) {
                errors.add("amount:digits");
            }
            if (kind != null) {
                if (!Objects.equals(data.get("account_type"), kind.get("account_type"))
                        || !Objects.equals(data.get("trans_type"), kind.get("trans_type"))) {
                    errors.add("trans_type:combination");
                }
                Map<String, Object> fields = map(data.get("acc_busi_fields"));
                for (String name : strings(kind.get("acc_busi_fields_required"))) {
                    if (!filled(fields, name)) {
                        errors.add("acc_busi_fields." + name + ":missing");
                    }
                }
                for (String name : strings(kind.get("acc_busi_fields_forbidden"))) {
                    if (filled(fields, name)) {
                        errors.add("acc_busi_fields." + name + ":forbidden");
                    }
                }
                if (Boolean.TRUE.equals(kind.get("subject_required")) && !filled(data, "subject")) {
                    errors.add("subject:missing");
                }
            }
        } else {
            if (message.get("code") == null || !message.containsKey("msg")) {
                errors.add("envelope:code/msg");
            }
            Map<String, Object> data = map(message.get("resp_data"));
            for (String name : strings(rules.get("response_required"))) {
                if (!filled(data, name)) {
                    errors.add(name + ":missing");
                }
            }
            if (kind != null) {
                Map<String, Object> fields = map(data.get("acc_resp_fields"));
                for (String name : strings(kind.get("acc_resp_fields_required"))) {
                    Object v = fields.get(name);
                    if (!(v instanceof String) || ((String) v).isEmpty()) {
                        errors.add("acc_resp_fields." + name + ":missing");
                    }
                }
            }
        }
        return errors;
    }

    /** What the shop hands the customer, built from acc_resp_fields by the kind's type. */
    static Map<String, Object> paymentRequest(Map<String, Object> kind, Map<String, Object> f) {
        String type = (String) kind.get("payment_request_type");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("type", type);
        switch (type) {
            case "qr_code":
                out.put("code", f.get("code"));
                if (filled(f, "code_image")) {
                    out.put("code_image", f.get("code_image"));
                }
                break;
            case "wechat_pay":
                for (String n : new String[] {"app_id", "time_stamp", "nonce_str", "package", "sign_type", "pay_sign"}) {
                    out.put(n, f.get(n));
                }
                if (filled(f, "prepay_id")) {
                    out.put("prepay_id", f.get("prepay_id"));
                }
                break;
            case "alipay_trade":
                out.put("trade_no", f.get("prepay_id"));
                break;
            default:
                out.put("redirect_url", f.get("redirect_url"));
        }
        return out;
    }

    /** Every content check of one case. */
    void content(Map<String, Object> c, List<String> p) throws Exception {
        if (Boolean.TRUE.equals(c.get("encrypted"))) {
            encrypted(c, p);
        } else {
            expect(p, c.get("body").equals(c.get("json")) && !c.containsKey("sm4_key"), "plain body = json");
        }
        Map<String, Object> message = Json.object((String) c.get("json"));
        List<String> errors = contentErrors(c, message);
        if (Boolean.TRUE.equals(c.get("content_valid"))) {
            expect(p, errors.isEmpty(), "content errors " + errors);
        } else {
            Map<String, Object> want = map(c.get("content_error"));
            String expected = want.get("field") + ":" + want.get("rule");
            expect(p, !errors.isEmpty() && errors.get(0).equals(expected), "content errors " + errors + ", expected " + expected);
        }
        if (c.containsKey("payment_request")) {
            Map<String, Object> kind = kinds.get((String) c.get("preorder_kind"));
            Map<String, Object> got = paymentRequest(kind, map(map(message.get("resp_data")).get("acc_resp_fields")));
            expect(p, got.equals(map(c.get("payment_request"))), "payment request " + got);
        }
    }
}
