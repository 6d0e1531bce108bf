#!/usr/bin/env bash
# Runs, in one run on one machine: the JDK doing what Lakala's Java SDKs do
# (interop/java/bench/LakalaBench.java), `openssl speed`, the criterion benches of
# lakala-crypto on every backend (the default build's AWS-LC, the system OpenSSL of the
# `openssl` feature, the pure-Rust backend of `--no-default-features`) and the `rsa` crate
# called directly; then `openssl speed` and the JDK again. Prints the ratios the project
# promises (BENCHMARKS.md):
#   - each whole merchant operation, per backend, against the JDK (target for the default
#     build: at least 1.0x on every operation);
#   - each RSA operation, per backend, against `openssl speed`;
#   - the pure-Rust backend against the `rsa` crate called directly.
# The JDK and `openssl speed` run before and after the criterion run; the reference is the
# mean of the two, and both are printed so drift from other load shows. Both sides use the
# same keys (PKCS#8 files generated here with openssl) and the same messages.
#
# Needs cargo, a C compiler, openssl, python3, a JDK (javac, java) and, for the `openssl`
# feature, libssl-dev + pkg-config. Usage, from anywhere:
#   crates/lakala-crypto/benches/vs-openssl.sh                   # every backend
#   FEATURES= crates/lakala-crypto/benches/vs-openssl.sh         # default build only (AWS-LC, pure Rust)
#   LAKALA_BENCH_QUICK=1 ...                                     # short, less precise run
#   OPENSSL_SECONDS=3 ...                                        # seconds per openssl speed test
#   LAKALA_JAVA_WARMUP_MS / LAKALA_JAVA_ROUND_MS / LAKALA_JAVA_ROUNDS   # the JDK side's timing
# Writes the tables to $CARGO_TARGET_DIR/lakala-crypto-report.md as well.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
seconds=${OPENSSL_SECONDS:-3}
features=${FEATURES-openssl}
# Lakala's public material, as committed in the project.
vectors=${LAKALA_VECTORS:-$root/fixtures/lakala}
mkdir -p "$target"

for tool in openssl javac java python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is needed" >&2; exit 1; }
done

# The keys both sides use: "a" the merchant's, "b" the platform's, at each size.
keys=$target/bench-keys
mkdir -p "$keys"
for bits in 1024 2048; do
  for who in a b; do
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:$bits -out "$keys/rsa$bits-$who.pem" 2>/dev/null
  done
done

# The JDK side, standard library only; it first reproduces fixtures/lakala byte for byte.
javac -d "$target/java-bench" "$root/interop/java/bench/LakalaBench.java"
jdk() {
  if [ -d "$vectors" ]; then
    java -cp "$target/java-bench" LakalaBench "$keys" "$vectors"
  else
    java -cp "$target/java-bench" LakalaBench "$keys"
  fi
}

speed() {
  openssl speed -seconds "$seconds" rsa1024 rsa2048 2>/dev/null
}

# Only this run's results: no backend left over from an earlier run with other features.
rm -rf "$target"/criterion/*-rsa1024 "$target"/criterion/*-rsa2048
jdk >"$target/jdk-before.txt"
speed >"$target/openssl-speed-before.txt"
LAKALA_BENCH_KEYS=$keys cargo bench -p lakala-crypto ${features:+--features "$features"} --bench crypto -- --noplot >&2
speed >"$target/openssl-speed-after.txt"
jdk >"$target/jdk-after.txt"

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

backends = [b for b in ("aws-lc", "openssl", "rustcrypto")
            if (target / "criterion" / f"{b}-rsa1024" / "private_op" / "new").exists()]
out = []
def p(line=""):
    out.append(line)
    print(line)

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
ver = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
load = open("/proc/loadavg").read().split()[:3]
p(f"machine: {nproc} cores, {cpu}; {ver}; {java}; load average {' '.join(load)} at the end")
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
            target_txt = {"openssl": ">= 0.90 " + ("ok" if o / ref >= 0.9 else "MISS"), "aws-lc": "", "rustcrypto": "", "rsa-crate": "(`rsa` crate direct)"}[b]
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
def parse_jdk(path):
    out = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "jdk":
            out[(parts[2], int(parts[1]))] = float(parts[3])
    return out

jdk_before = parse_jdk(target / "jdk-before.txt")
jdk_after = parse_jdk(target / "jdk-after.txt")
jdk = {k: (jdk_before[k] + jdk_after[k]) / 2 for k in jdk_before if k in jdk_after}
names = {"aws-lc": "default build (AWS-LC)", "openssl": "`openssl` feature", "rustcrypto": "pure Rust (`--no-default-features`)"}
order = [b for b in ("aws-lc", "openssl", "rustcrypto") if b in backends]
p()
p("Whole merchant operations against the JDK doing what Lakala's Java SDKs do, single thread, per second;")
p("JDK: mean of the runs before and after the benches (both shown); target: the default build >= 1.0x")
p()
required = [("sign_request", 2048, "RSA-2048 request signing (`RequestSigner`, header text included)"),
            ("verify_response", 2048, "RSA-2048 answer verification (`ResponseVerifier`)"),
            ("verify_notification", 2048, "RSA-2048 notification verification (`NotificationVerifier`)"),
            ("seal_request", 1024, "RSA-1024 gate/auth request sealed whole (`seal_request`)"),
            ("open_response", 1024, "RSA-1024 gate/auth answer opened whole (`open_response`)"),
            ("open_notification", 1024, "RSA-1024 cross-border notification opened whole (`open_notification`)")]
p("| operation | JDK/s (before, after) | " + " | ".join(f"{names[b]}/s | /JDK" for b in order) + " | default >= 1.0x |")
p("|---|---|" + "---|---|" * len(order) + "---|")
for name, bits, label in required:
    j = jdk.get((name, bits))
    if not j:
        continue
    cells = []
    for b in order:
        v = ours(f"{b}-rsa{bits}", name)
        cells.append(f"{v:,.0f} | **{v/j:.2f}**" if v else " | ")
    d = ours(f"{order[0]}-rsa{bits}", name)
    verdict = ("ok" if d / j >= 1.0 else "MISS") if d else ""
    p(f"| {label} | {j:,.0f} ({jdk_before[(name, bits)]:,.0f}, {jdk_after[(name, bits)]:,.0f}) | " + " | ".join(cells) + f" | {verdict} |")
p()
p("The same operations at the other key size, and `openssl speed` beside them (sign/s, verify/s, mean of before and after)")
p()
p("| operation | bits | JDK/s | " + " | ".join(f"{b}/s | /JDK" for b in order) + " |")
p("|---|---|---|" + "---|---|" * len(order))
for name, bits, _ in required:
    other = 1024 if bits == 2048 else 2048
    j = jdk.get((name, other))
    if not j:
        continue
    cells = []
    for b in order:
        v = ours(f"{b}-rsa{other}", name)
        cells.append(f"{v:,.0f} | {v/j:.2f}" if v else " | ")
    p(f"| {name} | {other} | {j:,.0f} | " + " | ".join(cells) + " |")
for bits in (1024, 2048):
    p(f"| `openssl speed` rsa{bits} | {bits} | | sign {speed[bits][0]:,.0f}/s, verify {speed[bits][1]:,.0f}/s |" + " |" * (2 * len(order) - 1))
p()
p("Every whole operation, single thread, per second (" + " / ".join(order) + ")")
p()
whole = ["seal_request", "open_response", "open_notification", "seal_answer", "open_request",
         "seal_response", "open_answer", "sign_request", "verify_response", "verify_notification"]
p("| bits | " + " | ".join(whole) + " |")
p("|---|" + "---|" * len(whole))
for bits in (1024, 2048):
    cells = []
    for name in whole:
        vals = [ours(f"{b}-rsa{bits}", name) for b in order]
        cells.append(" / ".join(f"{v:,.0f}" if v else "-" for v in vals))
    p(f"| {bits} | " + " | ".join(cells) + " |")
(target / "lakala-crypto-report.md").write_text("\n".join(out) + "\n")
PY
