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
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        String nonce = Wire.randomAlnum(32);
        String signature = Wire.sign(key, Wire.stringToSign(appid, serialNo, timestamp, nonce, utf8(body)));
        return Wire.SCHEME + " appid=\"" + appid + "\",serial_no=\"" + serialNo + "\",timestamp=\"" + timestamp
                + "\",nonce_str=\"" + nonce + "\",signature=\"" + signature + "\"";
    }

    /** Signs and sends; verifies the answer's Lklapi-* signature on the platform certificate. */
    private Map<String, Object> open(String path, Map<String, Object> envelope, List<String> p) throws Exception {
        byte[] body = Json.write(envelope).getBytes(StandardCharsets.UTF_8);
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
        return Json.object(utf8(response.body()));
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
