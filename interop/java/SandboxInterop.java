import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Java merchant, with the JDK alone, against a running {@code lakala sandbox}: what
 * Lakala's Java SDKs do, written independently (see Wire.java), so that the sandbox and the
 * certificates it issues are checked by code that shares nothing with the Rust crates.
 *
 * <ol>
 *   <li>gate/auth: seals requests (SHA1PRNG AES key, GBK, RSA/ECB/PKCS1Padding), the sandbox
 *       accepts them; verifies and opens its answers (0000, 9001, 9003); a request with a
 *       MAC by another key is refused unsigned.
 *   <li>open platform: signs a micropay and a pre-order (SHA256withRSA), the sandbox accepts
 *       them; verifies the answers on the platform certificate with
 *       Signature.initVerify(X509Certificate); a request signed by another key gets 401.
 *   <li>labs (聚合扫码), at the paths of Lakala's SDK: labs micropay; pre-orders (QR paid and
 *       notified, a late close refused; WeChat JSAPI and mini-program pay-sign fields; one
 *       never paid, closed); idmrefund DEAL then SUCCESS on the refund query; serial_no
 *       without its leading 00 refused; an altered answer does not verify.
 *   <li>{@code *_encry}: pre-order and micropay sealed with SM4 in Java (Sm4.java, JDK
 *       only), the sealed answers verified then opened; a plain body refused, sealed.
 *   <li>notifications: an endpoint on loopback verifies open-platform notifications on the
 *       notification certificate (one asked for through the sandbox's control endpoint, one
 *       sent when a pending micropay with notify_url settles), and opens a cross-border
 *       notification and answers it so that the sandbox accepts the answer; an answer with
 *       a bad MAC is refused by the sandbox.
 * </ol>
 *
 * Usage: java SandboxInterop BASE_URL KEYS_DIR, where KEYS_DIR holds the lakala.toml and
 * keys {@code lakala sandbox --keys-dir} wrote. Prints each failure and "N passed, M
 * failed"; exits 1 on any failure.
 */
public final class SandboxInterop {
    private static final String MERCHANT_NO = "822290059430001";
    private static final String TERM_NO = "SBX00001";
    private static final ZoneId CHINA = ZoneId.of("Asia/Shanghai");

    private final String base;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final AtomicLong tsCounter = new AtomicLong(System.nanoTime() % 1_000_000L);

    // Configuration read from lakala.toml.
    private String merId;
    private String appid;
    private String serialNo;
    private PrivateKey cbMerchantKey;
    private PublicKey cbPlatformKey;
    private PrivateKey opMerchantKey;
    private X509Certificate platformCert;
    private X509Certificate notifyCert;
    private Sm4 sm4;

    /** What the notification endpoint saw: a key per notification, and its verdict. */
    private final Map<String, String> received = new ConcurrentHashMap<>();
    private volatile boolean answerWithBadMac;

    private int passed;
    private int failed;

    private SandboxInterop(String base) {
        this.base = base.replaceAll("/+$", "");
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java SandboxInterop BASE_URL KEYS_DIR");
            System.exit(2);
        }
        SandboxInterop run = new SandboxInterop(args[0]);
        run.run(Path.of(args[1]));
        System.out.println(run.passed + " passed, " + run.failed + " failed");
        System.exit(run.failed == 0 ? 0 : 1);
    }

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
            System.out.println("ok   " + name);
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
        return v instanceof String ? (String) v : null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> map, String key) {
        Object v = map.get(key);
        return v instanceof Map ? (Map<String, Object>) v : Map.of();
    }

    // ---------------------------------------------------------------- setup

    /** Reads {@code section.key = "value"} lines of the TOML the sandbox wrote. */
    private static Map<String, String> toml(Path file) throws IOException {
        Map<String, String> out = new HashMap<>();
        String section = "";
        for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1).trim() + ".";
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String value = line.substring(eq + 1).trim();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            out.put(section + line.substring(0, eq).trim(), value);
        }
        return out;
    }

    private void run(Path keys) throws Exception {
        Map<String, String> config = toml(keys.resolve("lakala.toml"));
        java.util.function.Function<String, String> file = name -> {
            try {
                return Files.readString(keys.resolve(config.get(name)), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException(name + ": " + e);
            }
        };
        merId = config.get("crossborder.mer_id");
        appid = config.get("open_platform.appid");
        serialNo = config.get("open_platform.serial_no");
        cbMerchantKey = Wire.privateKey(file.apply("crossborder.merchant_key"));
        cbPlatformKey = Wire.publicKey(file.apply("crossborder.platform_public_key"));
        opMerchantKey = Wire.privateKey(file.apply("open_platform.merchant_key"));
        platformCert = Wire.certificate(file.apply("open_platform.platform_cert"));
        notifyCert = Wire.certificate(file.apply("open_platform.notify_cert"));
        sm4 = Sm4.fromBase64(file.apply("open_platform.sm4_key"));
        X509Certificate merchantCert = Wire.certificate(Files.readString(keys.resolve("open-merchant.cert.pem")));

        check("the sandbox's certificates are signing certificates", p -> {
            for (X509Certificate cert : new X509Certificate[] {platformCert, notifyCert, merchantCert}) {
                String problem = Wire.signingCertificateProblem(cert);
                expect(p, problem == null, cert.getSubjectX500Principal() + ": " + problem);
            }
            expect(p, Wire.serialHex(merchantCert).equals(serialNo), "serial_no is the merchant certificate's serial");
        });

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/op-notify", this::openPlatformEndpoint);
        server.createContext("/cb-notify", this::crossborderEndpoint);
        server.start();
        String endpoint = "http://127.0.0.1:" + server.getAddress().getPort();
        try {
            gateAuth();
            openPlatform();
            labs(endpoint);
            encrypted();
            notifications(endpoint);
        } finally {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }

    // ---------------------------------------------------------------- HTTP

    private HttpResponse<byte[]> post(String path, byte[] body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json;charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    // ---------------------------------------------------------------- gate/auth

    private String nextTs() {
        String time = ZonedDateTime.now(CHINA).format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
        return time + String.format("%06d", tsCounter.incrementAndGet() % 1_000_000L);
    }

    /** What a verified gate/auth answer said. */
    private static final class GateAnswer {
        String retCode;
        Map<String, Object> biz;
        boolean signed;
    }

    private GateAnswer gate(Map<String, Object> biz, PrivateKey macKey) throws Exception {
        String ts = nextTs();
        String secKey = Wire.randomAlnum(32);
        byte[] aes = Wire.aesKey(secKey);
        String encData = Wire.sealData(aes, Json.write(biz));
        String encKey = Wire.sealKey(cbPlatformKey, ts, secKey);
        String mac = Wire.macSign(macKey, merId + "3.0.0" + ts + encData);
        Map<String, Object> envelope = Json.obj("merId", merId, "ver", "3.0.0", "ts", ts,
                "encKey", encKey, "encData", encData, "mac", mac);
        HttpResponse<byte[]> response = post("/gate/auth", Json.write(envelope).getBytes(StandardCharsets.UTF_8), null);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("gate/auth HTTP " + response.statusCode());
        }
        Map<String, Object> a = Json.object(utf8(response.body()));
        GateAnswer out = new GateAnswer();
        out.retCode = str(a, "retCode");
        out.signed = str(a, "mac") != null;
        if (!out.signed) {
            return out;
        }
        String answerData = str(a, "encData") == null ? "" : str(a, "encData");
        Wire.macVerify(cbPlatformKey, str(a, "retCode") + str(a, "retMsg") + str(a, "merId") + str(a, "ver")
                + str(a, "ts") + answerData, str(a, "mac"));
        if (!answerData.isEmpty()) {
            out.biz = Json.object(Wire.openData(aes, answerData));
        }
        return out;
    }

    private void gateAuth() {
        String order = "JAVA" + nextTs();
        check("gate/auth 0000: request accepted, answer verified and opened", p -> {
            GateAnswer a = gate(Json.obj("orderNo", order, "bizType", "00", "name", "张三",
                    "certNo", "110101199003072316", "certType", "00"), cbMerchantKey);
            expect(p, a.signed, "answer signed");
            expect(p, "0000".equals(a.retCode), "retCode " + a.retCode);
            expect(p, a.biz != null && order.equals(str(a.biz, "orderNo")) && "0000".equals(str(a.biz, "retCode")),
                    "encData opens to the order: " + a.biz);
        });
        check("gate/auth 9001: verified and opened", p -> {
            GateAnswer a = gate(Json.obj("orderNo", "J9001" + nextTs(), "bizType", "00", "name", "李四",
                    "certNo", "110101199003079001", "certType", "00"), cbMerchantKey);
            expect(p, a.signed && "9001".equals(a.retCode), "retCode " + a.retCode);
            expect(p, a.biz != null && "9001".equals(str(a.biz, "retCode")), "encData " + a.biz);
        });
        check("gate/auth 9003: the same orderNo with other fields, verified and opened", p -> {
            GateAnswer a = gate(Json.obj("orderNo", order, "bizType", "00", "name", "王五",
                    "certNo", "110101199003072316", "certType", "00"), cbMerchantKey);
            expect(p, a.signed && "9003".equals(a.retCode), "retCode " + a.retCode);
            expect(p, a.biz != null && "9003".equals(str(a.biz, "retCode")), "encData " + a.biz);
        });
        check("gate/auth: a MAC by another key is refused, unsigned", p -> {
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
            g.initialize(1024);
            GateAnswer a = gate(Json.obj("orderNo", "JX" + nextTs(), "bizType", "00", "name", "张三",
                    "certNo", "110101199003072316", "certType", "00"), g.generateKeyPair().getPrivate());
            expect(p, "9999".equals(a.retCode) && !a.signed, "retCode " + a.retCode + ", signed " + a.signed);
        });
    }

    // ---------------------------------------------------------------- open platform

    private String authorization(byte[] body, PrivateKey key) throws Exception {
        return authorization(body, key, serialNo);
    }

    private String authorization(byte[] body, PrivateKey key, String serial) throws Exception {
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        String nonce = Wire.randomAlnum(32);
        String signature = Wire.sign(key, Wire.stringToSign(appid, serial, timestamp, nonce, utf8(body)));
        return Wire.SCHEME + " appid=\"" + appid + "\",serial_no=\"" + serial + "\",timestamp=\"" + timestamp
                + "\",nonce_str=\"" + nonce + "\",signature=\"" + signature + "\"";
    }

    /** Signs and sends; verifies the answer's Lklapi-* signature on the platform certificate. */
    private Map<String, Object> open(String path, Map<String, Object> envelope, List<String> p) throws Exception {
        return Json.object(openRaw(path, Json.write(envelope).getBytes(StandardCharsets.UTF_8), p));
    }

    /**
     * Signs exactly {@code body} and sends it; verifies the answer's Lklapi-* signature over
     * the body as received; returns that body.
     */
    private String openRaw(String path, byte[] body, List<String> p) throws Exception {
        HttpResponse<byte[]> response = post(path, body, authorization(body, opMerchantKey));
        expect(p, response.statusCode() == 200, "HTTP " + response.statusCode() + ": " + utf8(response.body()));
        java.net.http.HttpHeaders h = response.headers();
        String respAppid = h.firstValue("Lklapi-Appid").orElse("");
        String serial = h.firstValue("Lklapi-Serial").orElse("");
        String sts = Wire.stringToSign(respAppid, serial, h.firstValue("Lklapi-Timestamp").orElse(""),
                h.firstValue("Lklapi-Nonce").orElse(""), utf8(response.body()));
        expect(p, appid.equals(respAppid), "Lklapi-Appid " + respAppid);
        expect(p, Wire.serialHex(platformCert).equals(serial), "Lklapi-Serial names the platform certificate");
        expect(p, Wire.verify(platformCert, sts, h.firstValue("Lklapi-Signature").orElse("")),
                "answer verifies on the platform certificate");
        return utf8(response.body());
    }

    private Map<String, Object> micropayBody(String outTradeNo, String authCode, String notifyUrl) {
        Map<String, Object> data = Json.obj("merchant_no", MERCHANT_NO, "term_no", TERM_NO,
                "out_trade_no", outTradeNo, "auth_code", authCode, "total_amount", "101",
                "subject", "Java 互通测试", "location_info", Json.obj("request_ip", "127.0.0.1"));
        if (notifyUrl != null) {
            data.put("notify_url", notifyUrl);
        }
        return Json.obj("req_time", ZonedDateTime.now(CHINA).format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss")),
                "version", "3.0", "req_data", data);
    }

    private void openPlatform() {
        check("micropay: signed request accepted, answer verified", p -> {
            Map<String, Object> a = open("/api/v3/dcp/trans/micropay",
                    micropayBody("JAVAMP" + nextTs(), "288576824003652810", null), p);
            expect(p, "DCP00000".equals(str(a, "code")), "code " + a.get("code"));
            expect(p, "0".equals(str(map(a, "resp_data"), "need_query")), "need_query " + a.get("resp_data"));
        });
        check("pre-order: signed request accepted, answer verified", p -> {
            String sno = "JAVAPRE" + nextTs();
            Map<String, Object> envelope = Json.obj("ver", "1.0.0",
                    "timestamp", new BigDecimal(System.currentTimeMillis()),
                    "reqId", Wire.hex(Wire.randomAlnum(16).getBytes(StandardCharsets.US_ASCII)),
                    "reqData", Json.obj("merId", MERCHANT_NO, "termId", TERM_NO, "accountType", "ALIPAY",
                            "transType", "41", "amount", "000000000100", "merReqSno", sno, "subject", "测试专用"),
                    "termExtInfo", Json.obj("termLoc", "+37.1,-121.1"));
            Map<String, Object> a = open("/api/v2/labs/txn/preAuth/preAuthPreOrder", envelope, p);
            expect(p, "000000".equals(str(a, "retCode")), "retCode " + a.get("retCode") + " " + a.get("retMsg"));
            Map<String, Object> data = map(a, "respData");
            expect(p, sno.equals(str(data, "merReqSno")), "merReqSno");
            expect(p, str(data, "code") != null && str(data, "code").startsWith("https://"), "QR code " + data);
        });
        check("open platform: a request signed by another key gets 401", p -> {
            java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            byte[] body = Json.write(micropayBody("JAVAX" + nextTs(), "288576824003652810", null))
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<byte[]> r = post("/api/v3/dcp/trans/micropay", body,
                    authorization(body, g.generateKeyPair().getPrivate()));
            expect(p, r.statusCode() == 401, "HTTP " + r.statusCode());
        });
    }

    // ---------------------------------------------------------------- labs (聚合扫码)

    private static String now14() {
        return ZonedDateTime.now(CHINA).format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"));
    }

    private static Map<String, Object> v3(Map<String, Object> reqData) {
        return Json.obj("req_time", now14(), "version", "3.0", "req_data", reqData);
    }

    private static Map<String, Object> location() {
        return Json.obj("request_ip", "127.0.0.1");
    }

    private Map<String, Object> preorderData(String out, String account, String trans, String amount) {
        return Json.obj("merchant_no", MERCHANT_NO, "term_no", TERM_NO, "out_trade_no", out,
                "account_type", account, "trans_type", trans, "total_amount", amount,
                "subject", "Java 互通测试", "location_info", location());
    }

    private Map<String, Object> tradeQuery(String out, List<String> p) throws Exception {
        return open("/api/v3/labs/query/tradequery",
                v3(Json.obj("merchant_no", MERCHANT_NO, "term_no", TERM_NO, "out_trade_no", out)), p);
    }

    /** Queries until trade_state is {@code want} (the sandbox runs with a 1 s pending delay). */
    private String awaitTradeState(String out, String want, List<String> p) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        String state = null;
        while (System.currentTimeMillis() < deadline) {
            state = str(map(tradeQuery(out, p), "resp_data"), "trade_state");
            if (want.equals(state)) {
                break;
            }
            Thread.sleep(200);
        }
        return state;
    }

    private Map<String, Object> close(String origin, List<String> p) throws Exception {
        return open("/api/v3/labs/relation/close", v3(Json.obj("merchant_no", MERCHANT_NO, "term_no", TERM_NO,
                "origin_out_trade_no", origin, "location_info", location())), p);
    }

    private Map<String, Object> refundQuery(String refundNo, List<String> p) throws Exception {
        return open("/api/v3/labs/query/idmrefundquery", v3(Json.obj("merchant_no", MERCHANT_NO,
                "term_no", TERM_NO, "out_refund_order_no", refundNo)), p);
    }

    private void labs(String endpoint) {
        check("labs micropay (/api/v3/labs/trans/micropay): signed request accepted, answer verified", p -> {
            Map<String, Object> a = open("/api/v3/labs/trans/micropay",
                    micropayBody("JAVALM" + nextTs(), "288576824003652810", null), p);
            expect(p, "BBS00000".equals(str(a, "code")), "code " + a.get("code") + " " + a.get("msg"));
            expect(p, "0".equals(str(map(a, "resp_data"), "need_query")), "need_query " + a.get("resp_data"));
        });
        String paid = "JAVAQR" + nextTs();
        check("labs pre-order (QR, ALIPAY 41): QR code, CREATE, paid, notified, a late close refused", p -> {
            Map<String, Object> data = preorderData(paid, "ALIPAY", "41", "100");
            data.put("notify_url", endpoint + "/op-notify");
            Map<String, Object> a = open("/api/v3/labs/trans/preorder", v3(data), p);
            expect(p, "BBS00000".equals(str(a, "code")), "code " + a.get("code") + " " + a.get("msg"));
            Map<String, Object> resp = map(a, "resp_data");
            String code = str(map(resp, "acc_resp_fields"), "code");
            expect(p, code != null && code.startsWith("https://") && code.endsWith(str(resp, "trade_no")),
                    "QR code " + code);
            String state = awaitTradeState(paid, "SUCCESS", p);
            expect(p, "SUCCESS".equals(state), "trade_state " + state);
            long deadline = System.currentTimeMillis() + 30_000;
            while (!received.containsKey("op:" + paid) && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            expect(p, "verified".equals(received.get("op:" + paid)), "notification: " + received.get("op:" + paid));
            Map<String, Object> late = close(paid, p);
            expect(p, "SBX00008".equals(str(late, "code")), "close after payment: " + late.get("code"));
            expect(p, "SUCCESS".equals(awaitTradeState(paid, "SUCCESS", p)), "still paid");
        });
        check("labs pre-order (WeChat JSAPI 51, mini-program 71): pay-sign fields echo sub_appid, pay_sign recomputed", p -> {
            for (String trans : new String[] {"51", "71"}) {
                Map<String, Object> data = preorderData("JAVAJS" + trans + nextTs(), "WECHAT", trans, "100");
                data.put("acc_busi_fields", Json.obj("sub_appid", "wxjava0000000001", "user_id", "oJavaUser0001"));
                Map<String, Object> a = open("/api/v3/labs/trans/preorder", v3(data), p);
                expect(p, "BBS00000".equals(str(a, "code")), trans + ": code " + a.get("code") + " " + a.get("msg"));
                Map<String, Object> f = map(map(a, "resp_data"), "acc_resp_fields");
                expect(p, "wxjava0000000001".equals(str(f, "app_id")), trans + ": app_id " + f);
                String toSign = str(f, "app_id") + "\n" + str(f, "time_stamp") + "\n" + str(f, "nonce_str") + "\n"
                        + str(f, "package") + "\n";
                expect(p, java.util.Base64.getEncoder().encodeToString(toSign.getBytes(StandardCharsets.UTF_8))
                        .equals(str(f, "pay_sign")), trans + ": pay_sign " + f);
                expect(p, ("prepay_id=" + str(f, "prepay_id")).equals(str(f, "package")), trans + ": package");
            }
            Map<String, Object> missing = preorderData("JAVAJSX" + nextTs(), "WECHAT", "51", "100");
            missing.put("acc_busi_fields", Json.obj("sub_appid", "wxjava0000000001"));
            Map<String, Object> refused = open("/api/v3/labs/trans/preorder", v3(missing), p);
            expect(p, "SBX00001".equals(str(refused, "code")) && str(refused, "msg").contains("user_id"),
                    "without user_id: " + refused);
        });
        check("labs pre-order never paid (144 fen): closed, CLOSE, a refund refused", p -> {
            String out = "JAVANP" + nextTs();
            Map<String, Object> a = open("/api/v3/labs/trans/preorder",
                    v3(preorderData(out, "UQRCODEPAY", "41", "144")), p);
            expect(p, "BBS00000".equals(str(a, "code")), "code " + a.get("code") + " " + a.get("msg"));
            expect(p, "CREATE".equals(str(map(tradeQuery(out, p), "resp_data"), "trade_state")), "CREATE first");
            Map<String, Object> closed = close(out, p);
            expect(p, "BBS00000".equals(str(closed, "code")), "close: " + closed);
            expect(p, out.equals(str(map(closed, "resp_data"), "origin_out_trade_no")), "close names the order");
            expect(p, "CLOSE".equals(str(map(tradeQuery(out, p), "resp_data"), "trade_state")), "CLOSE");
            Map<String, Object> refund = open("/api/v3/labs/relation/idmrefund", v3(Json.obj("merchant_no", MERCHANT_NO,
                    "term_no", TERM_NO, "out_refund_order_no", out + "R", "refund_amount", "144",
                    "origin_out_trade_no", out, "location_info", location())), p);
            expect(p, "SBX00007".equals(str(refund, "code")), "refund of a closed order: " + refund.get("code"));
        });
        check("idmrefund (78 fen): DEAL, then SUCCESS on the refund query, the order's refund_amount agrees", p -> {
            String refundNo = paid + "R1";
            Map<String, Object> a = open("/api/v3/labs/relation/idmrefund", v3(Json.obj("merchant_no", MERCHANT_NO,
                    "term_no", TERM_NO, "out_refund_order_no", refundNo, "refund_amount", "78",
                    "refund_reason", "Java", "origin_out_trade_no", paid, "location_info", location())), p);
            expect(p, "BBS00000".equals(str(a, "code")), "code " + a.get("code") + " " + a.get("msg"));
            expect(p, "DEAL".equals(str(map(a, "resp_data"), "trade_state")), "DEAL first: " + a.get("resp_data"));
            long deadline = System.currentTimeMillis() + 30_000;
            String state = null;
            while (System.currentTimeMillis() < deadline) {
                state = str(map(refundQuery(refundNo, p), "resp_data"), "trade_state");
                if ("SUCCESS".equals(state)) {
                    break;
                }
                Thread.sleep(200);
            }
            expect(p, "SUCCESS".equals(state), "refund query " + state);
            Map<String, Object> order = map(tradeQuery(paid, p), "resp_data");
            expect(p, "78".equals(str(order, "refund_amount")) && "PART_REFUND".equals(str(order, "trade_state")),
                    "order " + order);
            Map<String, Object> unknown = refundQuery("JAVANOSUCHREFUND", p);
            expect(p, "SBX00004".equals(str(unknown, "code")), "unknown refund: " + unknown.get("code"));
        });
        check("serial_no stripped of its leading 00 gets 401 SBX40103", p -> {
            expect(p, serialNo.startsWith("00"), "the sandbox's serial keeps a leading 00: " + serialNo);
            byte[] body = Json.write(micropayBody("JAVASN" + nextTs(), "288576824003652810", null))
                    .getBytes(StandardCharsets.UTF_8);
            HttpResponse<byte[]> r = post("/api/v3/labs/trans/micropay", body,
                    authorization(body, opMerchantKey, serialNo.substring(2)));
            expect(p, r.statusCode() == 401, "HTTP " + r.statusCode());
            expect(p, utf8(r.body()).contains("SBX40103"), utf8(r.body()));
        });
        check("an answer altered by one character does not verify on the platform certificate", p -> {
            byte[] body = Json.write(v3(Json.obj("merchant_no", MERCHANT_NO, "term_no", TERM_NO,
                    "out_trade_no", paid))).getBytes(StandardCharsets.UTF_8);
            HttpResponse<byte[]> r = post("/api/v3/labs/query/tradequery", body, authorization(body, opMerchantKey));
            java.net.http.HttpHeaders h = r.headers();
            String text = utf8(r.body());
            String altered = text.replace("\"BBS00000\"", "\"BBS00001\"");
            expect(p, !altered.equals(text), "the answer is BBS00000: " + text);
            String sig = h.firstValue("Lklapi-Signature").orElse("");
            String ts = h.firstValue("Lklapi-Timestamp").orElse("");
            String nonce = h.firstValue("Lklapi-Nonce").orElse("");
            String serial = h.firstValue("Lklapi-Serial").orElse("");
            expect(p, Wire.verify(platformCert, Wire.stringToSign(appid, serial, ts, nonce, text), sig), "original verifies");
            expect(p, !Wire.verify(platformCert, Wire.stringToSign(appid, serial, ts, nonce, altered), sig),
                    "altered does not verify");
        });
    }

    // ---------------------------------------------------------------- *_encry (SM4)

    private void encrypted() {
        check("SM4 with the JDK alone: the standard's example", p -> {
            String problem = Sm4.selfTest();
            expect(p, problem == null, String.valueOf(problem));
        });
        check("pre-order sealed with SM4 (preorder_encry, identity_info): signed as sealed, answer verified then opened", p -> {
            String out = "JAVAENC" + nextTs();
            Map<String, Object> data = preorderData(out, "ALIPAY", "41", "100");
            data.put("identity_info", Json.write(Json.obj("identityNo", "110101199003072316", "name", "张三",
                    "identityType", "01")));
            String sealed = sm4.seal(Json.write(v3(data)));
            String answer = openRaw("/api/v3/labs/trans/preorder_encry", sealed.getBytes(StandardCharsets.UTF_8), p);
            expect(p, !answer.trim().startsWith("{"), "the answer is sealed: " + answer);
            Map<String, Object> a = Json.object(sm4.open(answer));
            expect(p, "BBS00000".equals(str(a, "code")), "code " + a.get("code") + " " + a.get("msg"));
            expect(p, out.equals(str(map(a, "resp_data"), "out_trade_no")), "the order " + a.get("resp_data"));
            expect(p, "CREATE".equals(str(map(tradeQuery(out, p), "resp_data"), "trade_state")), "the same order book");
        });
        check("micropay sealed with SM4 (micropay_encry): answer verified then opened", p -> {
            String sealed = sm4.seal(Json.write(micropayBody("JAVAENCM" + nextTs(), "288576824003652810", null)));
            String answer = openRaw("/api/v3/labs/trans/micropay_encry", sealed.getBytes(StandardCharsets.UTF_8), p);
            Map<String, Object> a = Json.object(sm4.open(answer));
            expect(p, "BBS00000".equals(str(a, "code")), "code " + a.get("code") + " " + a.get("msg"));
        });
        check("*_encry: a plain JSON body is refused, the refusal sealed (SBX00010)", p -> {
            byte[] plain = Json.write(micropayBody("JAVAENCX" + nextTs(), "288576824003652810", null))
                    .getBytes(StandardCharsets.UTF_8);
            String answer = openRaw("/api/v3/labs/trans/micropay_encry", plain, p);
            Map<String, Object> a = Json.object(sm4.open(answer));
            expect(p, "SBX00010".equals(str(a, "code")), "code " + a.get("code"));
        });
    }

    // ---------------------------------------------------------------- notifications

    /** Verifies an open-platform notification on the notification certificate. */
    private void openPlatformEndpoint(HttpExchange exchange) throws IOException {
        String body = utf8(exchange.getRequestBody().readAllBytes());
        String verdict;
        try {
            Map<String, String> f = Wire.parseAuthorization(
                    exchange.getRequestHeaders().getFirst("Authorization") == null ? ""
                            : exchange.getRequestHeaders().getFirst("Authorization"));
            long skew = Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(f.get("timestamp")));
            boolean ok = Wire.verify(notifyCert, Wire.stringToSign(null, null, f.get("timestamp"),
                    f.get("nonce_str"), body), f.get("signature"));
            verdict = !ok ? "signature does not verify" : skew > 300 ? "stale timestamp" : "verified";
        } catch (Exception e) {
            verdict = e.toString();
        }
        String key;
        try {
            key = str(Json.object(body), "out_trade_no");
        } catch (RuntimeException e) {
            key = null;
        }
        received.put("op:" + key, verdict);
        answer(exchange, 200, "verified".equals(verdict)
                ? "{\"code\":\"SUCCESS\",\"message\":\"执行成功\"}"
                : Json.write(Json.obj("code", "FAIL", "message", verdict)));
    }

    /** Opens a cross-border notification and answers it under its one-time key. */
    private void crossborderEndpoint(HttpExchange exchange) throws IOException {
        String verdict;
        String reply = "";
        try {
            Map<String, Object> n = Json.object(utf8(exchange.getRequestBody().readAllBytes()));
            String ts = str(n, "ts");
            String reqType = str(n, "reqType");
            Wire.macVerify(cbPlatformKey, ts + reqType + str(n, "encData"), str(n, "mac"));
            String secKey = Wire.openKey(cbMerchantKey, ts, str(n, "encKey"));
            byte[] aes = Wire.aesKey(secKey);
            Map<String, Object> biz = Json.object(Wire.openData(aes, str(n, "encData")));
            String answerBiz = Json.write(Json.obj("received", str(biz, "orderNo"), "by", "Java"));
            String retCode = "0000";
            String retMsg = "成功";
            String macInput = answerWithBadMac ? retCode + retMsg + reqType + ts : retCode + retMsg + ts + reqType;
            reply = Json.write(Json.obj("retCode", retCode, "retMsg", retMsg, "merId", str(n, "merId"), "ts", ts,
                    "reqType", reqType, "ver", "3.0.0", "encData", Wire.sealData(aes, answerBiz),
                    "mac", Wire.macSign(cbMerchantKey, macInput)));
            verdict = "opened " + reqType + " " + Json.write(biz) + " -> " + answerBiz;
        } catch (Exception e) {
            verdict = "refused: " + e;
        }
        received.put("cb:" + received.size(), verdict);
        answer(exchange, reply.isEmpty() ? 400 : 200, reply);
    }

    private Map<String, Object> control(String path, Map<String, Object> order) throws Exception {
        HttpResponse<byte[]> r = post(path, Json.write(order).getBytes(StandardCharsets.UTF_8), null);
        Map<String, Object> a = Json.object(utf8(r.body()));
        a.put("http_status", new BigDecimal(r.statusCode()));
        return a;
    }

    private void notifications(String endpoint) {
        check("open-platform notification (control endpoint): verified on the notification certificate", p -> {
            String body = Json.write(Json.obj("out_trade_no", "JAVANOTE1", "trade_state", "SUCCESS", "remark", "通知"));
            Map<String, Object> a = control("/sandbox/notify/open-platform",
                    Json.obj("url", endpoint + "/op-notify", "body", body));
            expect(p, "verified".equals(received.get("op:JAVANOTE1")), "endpoint: " + received.get("op:JAVANOTE1"));
            expect(p, "SBX00000".equals(str(a, "code")), "sandbox: " + Json.write(a));
        });
        check("open-platform notification (pending micropay settles): verified on the notification certificate", p -> {
            String out = "JAVAPEND" + nextTs();
            Map<String, Object> a = open("/api/v3/dcp/trans/micropay",
                    micropayBody(out, "288500000000001001", endpoint + "/op-notify"), p);
            expect(p, "DCP10000".equals(str(a, "code")), "pending: " + a.get("code"));
            long deadline = System.currentTimeMillis() + 30_000;
            while (!received.containsKey("op:" + out) && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
            }
            expect(p, "verified".equals(received.get("op:" + out)), "endpoint: " + received.get("op:" + out));
        });
        check("cross-border notification: opened and answered, the sandbox accepts the answer", p -> {
            int before = received.size();
            Map<String, Object> a = control("/sandbox/notify/crossborder",
                    Json.obj("url", endpoint + "/cb-notify", "biz", Json.obj("orderNo", "JAVACB1", "retMsg", "认证成功")));
            expect(p, "SBX00000".equals(str(a, "code")), "sandbox: " + Json.write(a));
            Map<String, Object> answer = map(a, "answer");
            expect(p, "0000".equals(str(answer, "ret_code")), "ret_code " + answer);
            expect(p, "{\"received\":\"JAVACB1\",\"by\":\"Java\"}".equals(str(answer, "biz")), "biz " + answer);
            expect(p, received.size() == before + 1, "the endpoint was called once");
        });
        check("cross-border notification: an answer with a bad MAC is refused by the sandbox", p -> {
            answerWithBadMac = true;
            try {
                Map<String, Object> a = control("/sandbox/notify/crossborder",
                        Json.obj("url", endpoint + "/cb-notify", "biz", Json.obj("orderNo", "JAVACB2")));
                expect(p, "SBX50202".equals(str(a, "code")), "sandbox: " + Json.write(a));
            } finally {
                answerWithBadMac = false;
            }
        });
    }
}
