#!/usr/bin/env bash
# Runs the criterion benches of lakala-crypto and `openssl speed` in the same run, and
# prints, for each RSA operation, our operations per second divided by OpenSSL's.
# Needs only cargo, openssl and python3. Usage: crates/lakala-crypto/benches/vs-openssl.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
seconds=${OPENSSL_SECONDS:-3}

cargo bench -p lakala-crypto --bench crypto -- --noplot >&2
openssl speed -seconds "$seconds" rsa1024 rsa2048 2>/dev/null >"$target/openssl-speed.txt"

python3 - "$target" <<'PY'
import json, re, sys, pathlib
target = pathlib.Path(sys.argv[1])
speed = {}
for line in (target / "openssl-speed.txt").read_text().splitlines():
    m = re.match(r"\s*rsa\s+(\d+)\s+bits\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", line)
    if m:
        speed[int(m.group(1))] = (float(m.group(2)), float(m.group(3)))
def ours(bits, name):
    est = json.loads((target / "criterion" / f"rsa{bits}" / name / "new" / "estimates.json").read_text())
    return 1e9 / est["mean"]["point_estimate"]
rows = [("private_op", 0, "raw private op (MAC sign)"), ("public_op", 1, "raw public op (MAC verify)"),
        ("sha256withrsa_sign", 0, "SHA256withRSA sign"), ("sha256withrsa_verify", 1, "SHA256withRSA verify")]
print(f"{'operation':32} {'bits':>5} {'ours/s':>10} {'openssl/s':>10} {'ratio':>6}")
for bits in (1024, 2048):
    for name, col, label in rows:
        o, ref = ours(bits, name), speed[bits][col]
        print(f"{label:32} {bits:>5} {o:>10.0f} {ref:>10.0f} {o/ref:>6.2f}")
print()
print(f"{'whole operation':32} {'bits':>5} {'ours/s':>10}")
for bits in (1024, 2048):
    for name in ("seal_request", "open_request", "open_response", "open_notification", "sign_request", "verify_response"):
        print(f"{name:32} {bits:>5} {ours(bits, name):>10.0f}")
PY
