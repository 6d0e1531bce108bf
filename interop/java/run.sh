#!/usr/bin/env bash
# The Java consumer: compiles interop/java/ with javac (JDK standard library only), checks
# every vector of fixtures/ (CheckVectors), then starts a `lakala sandbox` and runs a Java
# merchant against it (SandboxInterop). Fails on any failure.
#
# Usage: interop/java/run.sh [LAKALA_BINARY]   (default: target/debug/lakala, built if missing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
lakala="${1:-${CARGO_TARGET_DIR:-$root/target}/debug/lakala}"

command -v javac >/dev/null || { echo "error: javac is missing (Debian: openjdk-17-jdk-headless)" >&2; exit 1; }
if [ ! -x "$lakala" ]; then
  (cd "$root" && cargo build -q -p lakala-cli)
fi

work="$(mktemp -d)"
sandbox_pid=""
cleanup() {
  if [ -n "$sandbox_pid" ]; then
    kill "$sandbox_pid" 2>/dev/null || true
    wait "$sandbox_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

javac -Xlint:all -Werror -d "$work/classes" "$here"/*.java
echo "== Java: fixtures/"
java -cp "$work/classes" CheckVectors "$root/fixtures"

echo "== Java: a live lakala sandbox ($lakala)"
"$lakala" sandbox --listen 127.0.0.1:0 --keys-dir "$work/sandbox" --pending-delay 1 \
  >"$work/sandbox.out" 2>"$work/sandbox.err" &
sandbox_pid=$!
base_url=""
for _ in $(seq 1 600); do
  base_url="$(head -n 1 "$work/sandbox.out" 2>/dev/null || true)"
  [ -n "$base_url" ] && break
  if ! kill -0 "$sandbox_pid" 2>/dev/null; then
    cat "$work/sandbox.err" >&2
    echo "error: the sandbox exited" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$base_url" ]; then
  echo "error: the sandbox printed no base URL within 60 s" >&2
  exit 1
fi
java -cp "$work/classes" SandboxInterop "$base_url" "$work/sandbox"
