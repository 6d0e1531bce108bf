#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from fixtures/ (standard library only).

    python3 fuzz/seeds.py OUT_DIR

creates OUT_DIR/<target>/seed-* for every target of fuzz/Cargo.toml. Each target's input
format is described at the top of its file in fuzz/fuzz_targets/; the seeds follow it (a
mode byte first where the target has one). Nothing here is committed: the corpora are
made afresh from the fixtures for every run.
"""

import hashlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def spec_examples():
    """Every spec example (requests, answers, notifications), as bytes."""
    for path in sorted((FIXTURES / "spec").glob("*.json")):
        if path.name != "index.json":
            yield path.read_bytes()


def vectors(name):
    return json.loads((FIXTURES / "vectors" / name).read_text(encoding="utf-8"))["cases"]


def open_platform_answers(name="open-platform.json"):
    """`Lklapi-*` header lines, a blank line, the body (as sent: for labs.json's `*_encry`
    answers, the SM4 ciphertext the signature covers)."""
    for case in vectors(name):
        if case["kind"] != "response":
            continue
        head = (
            f"Lklapi-Appid: {case['appid']}\nLklapi-Serial: {case['serial_no']}\n"
            f"Lklapi-Timestamp: {case['timestamp']}\nLklapi-Nonce: {case['nonce_str']}\n"
            f"Lklapi-Signature: {case['signature']}\n\n"
        )
        yield head.encode() + case["body"].encode()


def open_platform_notifications():
    """The Authorization line, a newline, the body."""
    for case in vectors("open-platform.json"):
        if case["kind"] == "notification":
            yield case["authorization"].encode() + b"\n" + case["body"].encode()


def labs_json(kinds=("request", "response"), routes=None):
    """The labs messages' JSON (pre-orders, labs micropay, idmrefund; decrypted for the
    `*_encry` routes), of `kinds`, on `routes` (every route when None)."""
    for case in vectors("labs.json"):
        if case["kind"] in kinds and (routes is None or case["route"] in routes):
            yield case["json"].encode()


LABS_MICROPAY = ("/api/v3/labs/trans/micropay",)


def crossborder_envelopes():
    for case in vectors("crossborder.json"):
        if case.get("envelope"):
            yield json.dumps(case["envelope"], ensure_ascii=False).encode()
    for name in ("crossborder-request.json", "crossborder-response.json",
                 "crossborder-notification.json", "crossborder-notification-answer.json"):
        yield (FIXTURES / "spec" / name).read_bytes()


def business_json():
    for case in vectors("crossborder.json"):
        if case.get("biz_json"):
            yield case["biz_json"].encode()


def keys():
    for path in sorted((FIXTURES / "keys").glob("*.pem")):
        yield path.read_bytes()


def seeds():
    return {
        "open_answer": [b"\x00" + s for s in open_platform_answers()]
        + [b"\x00" + s for s in open_platform_answers("labs.json")]
        + [b"\x01" + s for s in spec_examples()]
        + [b"\x01" + s for s in labs_json(kinds=("response",))],
        "notification_open_platform": [b"\x00" + s for s in open_platform_notifications()]
        + [b"\x01" + s for s in spec_examples()],
        "notification_crossborder": [b"\x00" + s for s in crossborder_envelopes()]
        + [b"\x01B0005\n" + s for s in business_json()],
        "crossborder_envelope": [b"\x00" + s for s in crossborder_envelopes()]
        + [bytes([mode]) + s for s in business_json() for mode in (1, 2)],
        "key_loading": list(keys()),
        "types_roundtrip": list(spec_examples()) + list(business_json()) + list(labs_json()),
        "cli_validate": list(spec_examples()) + list(business_json()) + list(labs_json()),
        # Structured by `arbitrary`: any bytes are a script; the examples give it texts.
        "micropay_flow": list(spec_examples()) + list(labs_json(routes=LABS_MICROPAY)),
    }


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = pathlib.Path(sys.argv[1])
    for target, items in seeds().items():
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        for item in items:
            name = "seed-" + hashlib.sha1(item).hexdigest()[:16]
            (folder / name).write_bytes(item)
        print(f"{target}: {len(items)} seeds")


if __name__ == "__main__":
    main()
