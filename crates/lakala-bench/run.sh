#!/usr/bin/env bash
# Whole-call and load benchmarks of the SDK against the sandbox on loopback (BENCHMARKS.md):
#   1. client-calls: LakalaClient gate/auth and micropay calls, sequential and 64 in flight,
#      client and sandbox in one process on separate runtimes;
#   2. sandbox-server + loadgen: the sandbox in its own process, signed micropay requests
#      from another.
# Needs only cargo and a C compiler (libssl-dev only for FEATURES=openssl). Bounded in time
# (about a minute plus the build). Usage, from anywhere:
#   crates/lakala-bench/run.sh                    # the default (AWS-LC) backend on both sides
#   FEATURES=openssl crates/lakala-bench/run.sh   # the system OpenSSL
#   FEATURES= crates/lakala-bench/run.sh          # pure-Rust backend
# Knobs: BENCH_SEQ_CALLS, BENCH_CONC_CALLS, BENCH_CONCURRENCY, BENCH_MAX_SECS (client-calls);
# LOAD_SECS, LOAD_CONCURRENCY, LOAD_REQUESTS (loadgen).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
features=${FEATURES-aws-lc}
# seam-timing: RSA time measured where it runs, in the client and sandbox threads.
cargo build --release -p lakala-bench --no-default-features --features "seam-timing${features:+,$features}" >&2
bin=$target/release

echo "### Whole client calls (client-calls)"
echo
"$bin/client-calls"
echo

echo "### The sandbox under load from another process (sandbox-server + loadgen)"
echo
dir=$(mktemp -d)
server=
cleanup() {
  exec 3>&- 2>/dev/null || true
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
mkfifo "$dir/stdin"
"$bin/sandbox-server" "$dir/keys" <"$dir/stdin" >"$dir/url" 2>"$dir/server.log" &
server=$!
exec 3>"$dir/stdin" # the server stops when this closes
for _ in $(seq 1 600); do
  [ -s "$dir/url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$dir/url" ] || { echo "sandbox-server did not start" >&2; exit 1; }
"$bin/loadgen" "$(head -n1 "$dir/url")" "$dir/keys" "$server"
exec 3>&-
wait "$server"
server=
echo
# The same bound from OpenSSL itself, all cores at once (the cores may not scale linearly).
cores=$(nproc)
openssl speed -seconds 3 -multi "$cores" rsa2048 2>/dev/null | awk -v cores="$cores" '
  /^rsa 2048 bits/ { sign = $(NF-1); verify = $NF }
  END { if (sign > 0) printf "openssl speed -multi %d rsa2048: %.0f sign/s, %.0f verify/s: one of each per request allows %.0f requests/s\n", cores, sign, verify, 1 / (1 / sign + 1 / verify) }'
