#!/usr/bin/env python3
"""Checks lakala-rs' test vectors (fixtures/vectors/*.json) independently of the Rust code.

Python standard library plus the `cryptography` package, nothing else. Every case of both
files is checked as a receiver would (and, for valid cases, as a sender would):

cross-border (crossborder.json)
  * AES key = SHA1(SHA1(sec_key))[:16] equals aes_key_hex;
  * mac_input is rebuilt from the envelope's fields, its GBK bytes and their SHA-256
    (lowercase hex) equal mac_input_gbk_hex and mac_sha256_hex;
  * the MAC is RSA-public-decrypted with the signer's public key (PKCS#1 v1.5 block type 1,
    no DigestInfo) and must give those 64 hex characters;
  * where there is an encKey: RSA PKCS#1 v1.5 decryption with recipient_private_key gives
    ts + sec_key (enc_key_block), whose first 20 characters must equal the envelope's ts;
  * encData is AES-128-ECB/PKCS#7-decrypted, decoded as GBK and compared with biz_json;
  * for valid cases, re-encrypting biz_json and re-signing the digest with
    signer_private_key reproduce encData and mac exactly (both are deterministic).
open platform (open-platform.json)
  * the Authorization header (or the Lklapi-* response headers) is parsed, the string to
    sign rebuilt from it and the body, and compared with string_to_sign;
  * SHA256withRSA is verified with the certificate's public key; the certificate's serial
    (DER integer bytes, leading 00 kept) equals serial_no;
  * for valid cases, re-signing with signer_private_key reproduces the signature.
labs (labs.json)
  * every case's signature as an open-platform case (encrypted bodies: over the base64 text);
  * encrypted bodies: SM4/ECB/PKCS#7 with sm4_key (base64 of 16 bytes) opens the base64
    body to exactly `json` (and re-encrypting `json` gives the body), or fails on the
    padding where decrypt_error says so; the GB/T 32907 standard vector;
  * `json` against the file's tables: the route's required fields, the pre-order kind's
    account_type x trans_type, acc_busi_fields required / forbidden, subject; answers'
    acc_resp_fields, and the payment request built from them equals payment_request;
    content_valid false: the first error found is content_error.
A `valid: false` case passes only if the receiver's checks fail with its expected_error.

Usage: check_vectors.py [FIXTURES_DIR]   (default: the repository's fixtures/)
Prints one line per failure and `N passed, M failed` last; exits 1 on any failure.
"""

import base64
import hashlib
import json
import re
import sys
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding as sym_padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# The fixtures directory: the first argument, or the repository's.
FIXTURES = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "fixtures"
SCHEME = "LKLAPI-SHA256withRSA"


class Refused(Exception):
    """What a receiver reports: the error code of the vectors' expected_error."""

    def __init__(self, code, detail=""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


_cache = {}


def load(rel, kind):
    key = (rel, kind)
    if key not in _cache:
        data = (FIXTURES / rel).read_bytes()
        if kind == "private":
            _cache[key] = serialization.load_pem_private_key(data, password=None)
        elif kind == "public":
            _cache[key] = serialization.load_pem_public_key(data)
        else:
            _cache[key] = x509.load_pem_x509_certificate(data)
    return _cache[key]


# ---------------------------------------------------------------- cross-border

def aes_key(sec_key):
    return hashlib.sha1(hashlib.sha1(sec_key.encode("ascii")).digest()).digest()[:16]


def aes_ecb_encrypt(key, plaintext):
    padder = sym_padding.PKCS7(128).padder()
    data = padder.update(plaintext) + padder.finalize()
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(data) + enc.finalize()


def aes_ecb_decrypt(key, ciphertext):
    if not ciphertext or len(ciphertext) % 16:
        raise ValueError("not whole blocks")
    dec = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
    data = dec.update(ciphertext) + dec.finalize()
    unpadder = sym_padding.PKCS7(128).unpadder()
    return unpadder.update(data) + unpadder.finalize()


def mac_string(kind, env):
    get = lambda name: env.get(name) or ""  # an absent encData counts as empty
    fields = {
        "request": ["merId", "ver", "ts", "encData"],
        "response": ["retCode", "retMsg", "merId", "ver", "ts", "encData"],
        "notification": ["ts", "reqType", "encData"],
        "notification_answer": ["retCode", "retMsg", "ts", "reqType"],
    }[kind]
    return "".join(get(f) for f in fields)


def raw_type1_sign(private_key, message):
    """RSA 'private-key encryption' with PKCS#1 v1.5 block type 1, no DigestInfo."""
    numbers = private_key.private_numbers()
    n, d = numbers.public_numbers.n, numbers.d
    k = (n.bit_length() + 7) // 8
    block = b"\x00\x01" + b"\xff" * (k - 3 - len(message)) + b"\x00" + message
    return pow(int.from_bytes(block, "big"), d, n).to_bytes(k, "big")


def receive_crossborder(case, expect):
    """Verifies and opens the envelope as its recipient; raises Refused."""
    env, kind = case["envelope"], case["kind"]
    signer = load(case["signer_public_key"], "public")
    mac = env.get("mac")
    if not mac:
        raise Refused("missing_mac")
    digest = hashlib.sha256(mac_string(kind, env).encode("gbk")).hexdigest()
    try:
        recovered = signer.recover_data_from_signature(
            bytes.fromhex(mac), padding.PKCS1v15(), None
        )
    except (InvalidSignature, ValueError) as e:
        raise Refused("mac_mismatch", str(e) or "bad block")
    if recovered != digest.encode("ascii"):
        raise Refused("mac_mismatch", "other digest")

    sec_key = case["sec_key"]
    if "encKey" in env:
        recipient = load(case["recipient_private_key"], "private")
        try:
            block = recipient.decrypt(bytes.fromhex(env["encKey"]), padding.PKCS1v15())
        except ValueError as e:
            raise Refused("decryption_failed", f"encKey: {e}")
        block = block.decode("ascii")
        expect(block == case["enc_key_block"], "encKey decrypts to enc_key_block")
        if len(block) != 52:
            raise Refused("malformed_enc_key")
        if block[:20] != env["ts"]:
            raise Refused("enc_key_ts_mismatch", f"{block[:20]} != {env['ts']}")
        expect(block[20:] == sec_key, "encKey carries sec_key")
        sec_key = block[20:]

    enc_data = env.get("encData") or ""
    if enc_data:
        try:
            plain = aes_ecb_decrypt(aes_key(sec_key), bytes.fromhex(enc_data))
            text = plain.decode("gbk")
        except ValueError as e:
            raise Refused("decryption_failed", f"encData: {e}")
        expect(plain.hex() == case["biz_gbk_hex"], "decrypted bytes equal biz_gbk_hex")
        expect(text == case["biz_json"], "decrypted text equals biz_json")
    else:
        expect(case["biz_json"] is None, "no encData, so biz_json is null")


def check_crossborder(case):
    problems = []

    def expect(ok, what):
        if not ok:
            problems.append(what)

    env, kind = case["envelope"], case["kind"]
    expect(aes_key(case["sec_key"]).hex() == case["aes_key_hex"], "aes_key_hex")
    text = mac_string(kind, env)
    expect(text == case["mac_input"], "mac_input rebuilt from the envelope")
    gbk = text.encode("gbk")
    expect(gbk.hex() == case["mac_input_gbk_hex"], "mac_input_gbk_hex")
    expect(hashlib.sha256(gbk).hexdigest() == case["mac_sha256_hex"], "mac_sha256_hex")
    if case["biz_json"] is not None:
        expect(case["biz_json"].encode("gbk").hex() == case["biz_gbk_hex"], "biz_gbk_hex")
    expect(
        set(env) >= {"merId", "ver", "ts", "mac"} and env["ver"] == "3.0.0",
        "envelope has merId, ver 3.0.0, ts, mac",
    )
    expect(("encKey" in env) == (kind in ("request", "notification")), "encKey presence")

    try:
        receive_crossborder(case, expect)
        error = None
    except Refused as e:
        error = e

    if case["valid"]:
        if error:
            problems.append(f"valid case refused: {error}")
        signer = load(case["signer_private_key"], "private")
        resigned = raw_type1_sign(signer, case["mac_sha256_hex"].encode("ascii"))
        expect(resigned.hex().upper() == env["mac"], "re-signing reproduces mac")
        if case["biz_json"] is not None:
            sealed = aes_ecb_encrypt(aes_key(case["sec_key"]), case["biz_json"].encode("gbk"))
            expect(sealed.hex().upper() == env["encData"], "re-encrypting reproduces encData")
    else:
        if error is None:
            problems.append("invalid case accepted")
        elif error.code != case["expected_error"]:
            problems.append(f"refused with {error}, expected {case['expected_error']}")
    return problems


# --------------------------------------------------------------- open platform

def parse_authorization(header):
    """`LKLAPI-SHA256withRSA k="v",k="v"...`, fields in any order; raises Refused."""
    def bad(why):
        return Refused("malformed_authorization", why)

    header = header.strip()
    scheme, _, rest = header.partition(" ")
    if scheme != SCHEME:
        raise bad("scheme")
    fields, i = {}, 0
    while True:
        while i < len(rest) and (rest[i].isspace() or rest[i] == ","):
            i += 1
        if i == len(rest):
            break
        m = re.compile(r"([A-Za-z0-9_]+)\s*=\s*").match(rest, i)
        if not m:
            raise bad("parameter")
        name, i = m.group(1), m.end()
        if rest[i:i + 1] == '"':
            end = rest.find('"', i + 1)
            if end < 0:
                raise bad(f"{name}: unterminated quote")
            value, i = rest[i + 1:end], end + 1
            while i < len(rest) and rest[i].isspace():
                i += 1
            if i < len(rest) and rest[i] != ",":
                raise bad(f"{name}: text after quote")
        else:
            end = rest.find(",", i)
            end = len(rest) if end < 0 else end
            value, i = rest[i:end].strip(), end
            if not value or any(c.isspace() or c == '"' for c in value):
                raise bad(f"{name}: bare value")
        if name in fields:
            raise bad(f"{name} twice")
        fields[name] = value
    for name in ("timestamp", "nonce_str", "signature"):
        if not fields.get(name):
            raise bad(f"{name} missing")
    if not fields["timestamp"].isdigit():
        raise bad("timestamp")
    return fields


def serial_hex(cert):
    """The serial as Lakala registers it: hex of the DER integer bytes (leading 00 kept)."""
    n = cert.serial_number
    return n.to_bytes(n.bit_length() // 8 + 1, "big").hex()


def string_to_sign(kind, f, body):
    parts = [f["timestamp"], f["nonce_str"], body]
    if kind != "notification":
        parts = [f["appid"], f["serial_no"]] + parts
    return "".join(p + "\n" for p in parts)


def receive_open_platform(case):
    """Returns the fields as received; raises Refused."""
    kind = case["kind"]
    if kind == "response":
        h = case["response_headers"]
        fields = {
            "appid": h["Lklapi-Appid"],
            "serial_no": h["Lklapi-Serial"],
            "timestamp": h["Lklapi-Timestamp"],
            "nonce_str": h["Lklapi-Nonce"],
            "signature": h["Lklapi-Signature"],
        }
    else:
        fields = parse_authorization(case["authorization"])
        if kind == "request" and not (fields.get("appid") and fields.get("serial_no")):
            raise Refused("malformed_authorization", "appid or serial_no missing")
    message = string_to_sign(kind, fields, case["body"]).encode("utf-8")
    public = load(case["certificate"], "cert").public_key()
    try:
        public.verify(
            base64.b64decode(fields["signature"], validate=True),
            message,
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError) as e:
        raise Refused("signature_mismatch", str(e))
    return fields, message


def check_open_platform(case):
    problems = []

    def expect(ok, what):
        if not ok:
            problems.append(what)

    kind = case["kind"]
    expected_fields = {k: case.get(k) for k in ("appid", "serial_no", "timestamp", "nonce_str")}
    expect(
        string_to_sign(kind, expected_fields, case["body"]) == case["string_to_sign"],
        "string_to_sign rebuilt from the case's fields",
    )
    expect(("authorization" in case) == (kind != "response"), "authorization presence")
    try:
        fields, _ = receive_open_platform(case)
        error = None
    except Refused as e:
        error = e

    if case["valid"]:
        if error:
            problems.append(f"valid case refused: {error}")
        else:
            for name in ("appid", "serial_no", "timestamp", "nonce_str", "signature"):
                expect(fields.get(name) == case.get(name), f"header field {name}")
        if kind != "notification":
            cert = load(case["certificate"], "cert")
            expect(serial_hex(cert) == case["serial_no"], "certificate serial = serial_no")
        signer = load(case["signer_private_key"], "private")
        sig = signer.sign(case["string_to_sign"].encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
        expect(base64.b64encode(sig).decode() == case["signature"],
               "re-signing reproduces signature")
    else:
        if error is None:
            problems.append("invalid case accepted")
        elif error.code != case["expected_error"]:
            problems.append(f"refused with {error}, expected {case['expected_error']}")
    return problems


# --- labs.json: the labs aggregated-scan family and SM4-encrypted (*_encry) bodies ---

def sm4_ecb(key, data, encrypt):
    """SM4/ECB with PKCS#7 (Java's PKCS5Padding); raises ValueError on bad padding."""
    cipher = Cipher(algorithms.SM4(key), modes.ECB())
    if encrypt:
        padder = sym_padding.PKCS7(128).padder()
        e = cipher.encryptor()
        return e.update(padder.update(data) + padder.finalize()) + e.finalize()
    d = cipher.decryptor()
    raw = d.update(data) + d.finalize()
    unpadder = sym_padding.PKCS7(128).unpadder()
    return unpadder.update(raw) + unpadder.finalize()


_labs = {}


def labs_tables():
    if not _labs:
        file = json.loads((FIXTURES / "vectors" / "labs.json").read_text(encoding="utf-8"))
        _labs["routes"] = {}
        for r in file["routes"]:
            _labs["routes"][r["path"]] = r
            if r.get("encrypted_path"):
                _labs["routes"][r["encrypted_path"]] = r
        _labs["kinds"] = {k["kind"]: k for k in file["preorder_kinds"]}
    return _labs


def filled(obj, name):
    value = obj.get(name)
    return value is not None and value != "" and value != {}


def labs_content_errors(case, message):
    """The rules of routes and pre-order kinds, as (field, rule) pairs in order."""
    tables = labs_tables()
    rules = tables["routes"][case["route"]]
    errors = []
    if case["kind"] == "request":
        if message.get("version") != "3.0" or not re.fullmatch(r"\d{14}", message.get("req_time", "")):
            errors.append(("envelope", "version/req_time"))
        data = message.get("req_data") or {}
        for name in rules["request_required"]:
            if not filled(data, name):
                errors.append((name, "missing"))
        for group in rules["request_one_of"]:
            if not any(filled(data, n) for n in group):
                errors.append((group[0], "missing"))
        if not re.fullmatch(r"\d{1,12}", str(data.get("total_amount", data.get("refund_amount", "1")))):
            errors.append(("amount", "digits"))
        kind = case.get("preorder_kind")
        if kind:
            k = tables["kinds"][kind]
            if data.get("account_type") != k["account_type"] or data.get("trans_type") != k["trans_type"]:
                errors.append(("trans_type", "combination"))
            fields = data.get("acc_busi_fields") or {}
            for name in k["acc_busi_fields_required"]:
                if not filled(fields, name):
                    errors.append(("acc_busi_fields." + name, "missing"))
            for name in k["acc_busi_fields_forbidden"]:
                if filled(fields, name):
                    errors.append(("acc_busi_fields." + name, "forbidden"))
            if k["subject_required"] and not filled(data, "subject"):
                errors.append(("subject", "missing"))
    else:
        if not message.get("code") or "msg" not in message:
            errors.append(("envelope", "code/msg"))
        data = message.get("resp_data") or {}
        for name in rules["response_required"]:
            if not filled(data, name):
                errors.append((name, "missing"))
        kind = case.get("preorder_kind")
        if kind:
            fields = data.get("acc_resp_fields") or {}
            for name in tables["kinds"][kind]["acc_resp_fields_required"]:
                if not isinstance(fields.get(name), str) or not fields[name]:
                    errors.append(("acc_resp_fields." + name, "missing"))
    return errors


def payment_request(kind_rules, fields):
    """What the shop hands the customer, built from acc_resp_fields by the kind's type."""
    kind = kind_rules["payment_request_type"]
    if kind == "qr_code":
        out = {"type": kind, "code": fields["code"]}
        if fields.get("code_image"):
            out["code_image"] = fields["code_image"]
    elif kind == "wechat_pay":
        out = {"type": kind}
        for name in ("app_id", "time_stamp", "nonce_str", "package", "sign_type", "pay_sign"):
            out[name] = fields[name]
        if fields.get("prepay_id"):
            out["prepay_id"] = fields["prepay_id"]
    elif kind == "alipay_trade":
        out = {"type": kind, "trade_no": fields["prepay_id"]}
    else:
        out = {"type": kind, "redirect_url": fields["redirect_url"]}
    return out


def check_labs(case):
    problems = check_open_platform(case)

    def expect(ok, what):
        if not ok:
            problems.append(what)

    body, plain = case["body"], case["json"]
    if case["encrypted"]:
        expect(case["route"].endswith("_encry"), "encrypted case on an _encry route")
        key = base64.b64decode(case["sm4_key"], validate=True)
        expect(len(key) == 16, "sm4_key is 16 bytes")
        ciphertext = base64.b64decode(body, validate=True)
        try:
            opened = sm4_ecb(key, ciphertext, False).decode("utf-8")
            error = None
        except ValueError:
            opened, error = None, "bad_padding"
        expect(error == case.get("decrypt_error"), f"decrypt error {error}, expected {case.get('decrypt_error')}")
        if error is None:
            expect(opened == plain, "decrypted body = json")
            expect(base64.b64encode(sm4_ecb(key, plain.encode("utf-8"), True)).decode() == body,
                   "encrypting json reproduces body")
    else:
        expect(body == plain and "sm4_key" not in case, "plain body = json")

    message = json.loads(plain)
    errors = labs_content_errors(case, message)
    if case["content_valid"]:
        expect(not errors, f"content errors {errors}")
    else:
        want = (case["content_error"]["field"], case["content_error"]["rule"])
        expect(errors[:1] == [want], f"content errors {errors}, expected {want}")
    if "payment_request" in case:
        rules = labs_tables()["kinds"][case["preorder_kind"]]
        got = payment_request(rules, message["resp_data"]["acc_resp_fields"])
        expect(got == case["payment_request"], f"payment request {got}")
    return problems


def check_sm4_standard_vector():
    v = json.loads((FIXTURES / "vectors" / "labs.json").read_text(encoding="utf-8"))["sm4_standard_vector"]
    e = Cipher(algorithms.SM4(bytes.fromhex(v["key_hex"])), modes.ECB()).encryptor()
    block = e.update(bytes.fromhex(v["plaintext_hex"])) + e.finalize()
    return [] if block.hex() == v["ciphertext_hex"] else [f"SM4 standard vector gives {block.hex()}"]


def main():
    passed = failed = 0
    for file, check in (
        ("crossborder.json", check_crossborder),
        ("open-platform.json", check_open_platform),
        ("labs.json", check_labs),
    ):
        cases = json.loads((FIXTURES / "vectors" / file).read_text(encoding="utf-8"))["cases"]
        if not cases:
            print(f"FAIL {file}: no cases")
            failed += 1
        for case in cases:
            try:
                problems = check(case)
            except Exception as e:  # a crash on one case is that case's failure
                problems = [f"{type(e).__name__}: {e}"]
            if problems:
                failed += 1
                print(f"FAIL {file} {case.get('name')}: " + "; ".join(problems))
            else:
                passed += 1
    vector_problems = check_sm4_standard_vector()
    if vector_problems:
        failed += 1
        print("FAIL labs.json sm4_standard_vector: " + "; ".join(vector_problems))
    else:
        passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
