#!/usr/bin/env bash
# Runs the criterion benches of lakala-crypto and `openssl speed` in the same run, and
# prints the ratios the project promises (BENCHMARKS.md):
#   - each RSA operation, per backend, against `openssl speed` (target for the OpenSSL
#     backend: at least 0.9x);
#   - the pure-Rust backend against the `rsa` crate called directly (target: at least 1x,
#     within noise);
#   - whole envelope operations against the JDK figures of issue 7 (target: at least 2x).
# `openssl speed` runs before and after the criterion run; the reference is their mean,
# and both are printed so drift from other load shows.
#
# Needs only cargo, openssl and python3. Usage, from anywhere:
#   crates/lakala-crypto/benches/vs-openssl.sh             # both backends (needs libssl-dev)
#   FEATURES= crates/lakala-crypto/benches/vs-openssl.sh   # pure Rust only
#   LAKALA_BENCH_QUICK=1 ...                               # short, less precise run
#   OPENSSL_SECONDS=3 ...                                  # seconds per openssl speed test
# Writes the tables to $CARGO_TARGET_DIR/lakala-crypto-report.md as well.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
seconds=${OPENSSL_SECONDS:-3}
features=${FEATURES-openssl}

speed() {
  openssl speed -seconds "$seconds" rsa1024 rsa2048 2>/dev/null
}

speed >"$target/openssl-speed-before.txt"
cargo bench -p lakala-crypto ${features:+--features "$features"} --bench crypto -- --noplot >&2
speed >"$target/openssl-speed-after.txt"

python3 - "$target" <<'PY'
import json, re, sys, pathlib, platform, subprocess
target = pathlib.Path(sys.argv[1])

def parse_speed(path):
    speed = {}
    for line in path.read_text().splitlines():
        m = re.match(r"\s*rsa\s+(\d+)\s+bits\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            speed[int(m.group(1))] = (float(m.group(2)), float(m.group(3)))
    return speed

before = parse_speed(target / "openssl-speed-before.txt")
after = parse_speed(target / "openssl-speed-after.txt")
speed = {b: tuple((x + y) / 2 for x, y in zip(before[b], after[b])) for b in before}

def ours(group, name):
    path = target / "criterion" / group / name / "new" / "estimates.json"
    if not path.exists():
        return None
    est = json.loads(path.read_text())
    return 1e9 / est["median"]["point_estimate"]  # median: robust to other load

backends = [b for b in ("openssl", "rustcrypto")
            if (target / "criterion" / f"{b}-rsa1024" / "private_op" / "new").exists()]
out = []
def p(line=""):
    out.append(line)
    print(line)

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
ver = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
load = open("/proc/loadavg").read().split()[:3]
p(f"machine: {nproc} cores, {cpu}; {ver}; load average {' '.join(load)} at the end")
p()
p("RSA operations alone (the seam: exactly the RSA work), single thread, per second;")
p("criterion median; `openssl speed` sign/s for private-key operations, verify/s for public-key ones")
p()
seam = [("seam_private_op", 0, "raw private op (MAC sign)"), ("seam_public_op", 1, "raw public op (MAC verify)"),
        ("seam_sha256_sign", 0, "SHA256withRSA sign"), ("seam_sha256_verify", 1, "SHA256withRSA verify"),
        ("seam_decrypt", 0, "PKCS#1 v1.5 decrypt"), ("seam_encrypt", 1, "PKCS#1 v1.5 encrypt")]
p("| operation | bits | backend | ours/s | openssl speed/s (before, after) | ratio | target |")
p("|---|---|---|---|---|---|---|")
for bits in (1024, 2048):
    for name, col, label in seam:
        ref = speed[bits][col]
        for b in backends + ["rsa-crate"]:
            o = ours(f"{b}-rsa{bits}", name)
            if o is None:
                continue
            target_txt = {"openssl": ">= 0.90 " + ("ok" if o / ref >= 0.9 else "MISS"), "rustcrypto": "", "rsa-crate": "(`rsa` crate direct)"}[b]
            p(f"| {label} | {bits} | {b} | {o:,.0f} | {ref:,.0f} ({before[bits][col]:,.0f}, {after[bits][col]:,.0f}) | {o/ref:.2f} | {target_txt} |")
p()
p("Pure-Rust backend against the `rsa` crate called directly (same keys and inputs, blinded, parsed once; target >= 1, noise is a few %)")
p()
p("| operation | bits | rustcrypto/s | rsa crate/s | ratio |")
p("|---|---|---|---|---|")
for bits in (1024, 2048):
    for name, _, label in seam:
        o, r = ours(f"rustcrypto-rsa{bits}", name), ours(f"rsa-crate-rsa{bits}", name)
        if o and r:
            p(f"| {label} | {bits} | {o:,.0f} | {r:,.0f} | {o/r:.2f} |")
p()
api = [("private_op", 0, "MAC sign"), ("public_op", 1, "MAC verify"),
       ("sha256withrsa_sign", 0, "SHA256withRSA sign (RequestSigner)"), ("sha256withrsa_verify", 1, "SHA256withRSA verify (ResponseVerifier)")]
p("The same through the public API (adds GBK, SHA-256, hex/base64, message assembly), against `openssl speed`")
p()
p("| operation | bits | " + " | ".join(f"{b}/s | ratio" for b in backends) + " |")
p("|---|---|" + "---|---|" * len(backends))
for bits in (1024, 2048):
    for name, col, label in api:
        ref = speed[bits][col]
        cells = []
        for b in backends:
            o = ours(f"{b}-rsa{bits}", name)
            cells.append(f"{o:,.0f} | {o/ref:.2f}" if o else " | ")
        p(f"| {label} | {bits} | " + " | ".join(cells) + " |")
p()
jdk = {("seal_request", 1024): 1635, ("open_response", 1024): 32383,
       ("sign_request", 2048): 952, ("verify_response", 2048): 28011}
p("Whole operations, single thread, per second (JDK 17 figures: issue 7; target >= 2x)")
p()
whole = ["seal_request", "open_response", "open_notification", "seal_answer", "open_request",
         "seal_response", "open_answer", "sign_request", "verify_response", "verify_notification"]
p("| operation | bits | " + " | ".join(f"{b}/s" for b in backends) + " | JDK/s | " + " | ".join(f"{b}/JDK" for b in backends) + " |")
p("|---|---|" + "---|" * (2 * len(backends) + 1))
for bits in (1024, 2048):
    for name in whole:
        vals = [ours(f"{b}-rsa{bits}", name) for b in backends]
        j = jdk.get((name, bits))
        ratios = [(f"{v/j:.2f}" + (" ok" if v / j >= 2 else " MISS")) if (j and v) else "" for v in vals]
        p(f"| {name} | {bits} | " + " | ".join(f"{v:,.0f}" if v else "" for v in vals)
          + f" | {j if j else ''} | " + " | ".join(ratios) + " |")
(target / "lakala-crypto-report.md").write_text("\n".join(out) + "\n")
PY
