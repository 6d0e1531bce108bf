#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for lakala-journal's tests.
#
#   eval "$(scripts/test-postgres.sh start)"   # prints the two exports below
#   cargo test --workspace                     # the tests read LAKALA_TEST_POSTGRES_URL
#   scripts/test-postgres.sh stop              # stops it and removes its directory
#
# start [DIR]: initdb into DIR (default: a new temporary directory) as an unprivileged
#   user (initdb refuses root: `postgres` if it exists, else `nobody`), start the server
#   on a free 127.0.0.1 port with trust authentication, create the database
#   `lakala_test`, and print
#     export LAKALA_TEST_POSTGRES_URL=postgres://lakala@127.0.0.1:PORT/lakala_test
#     export LAKALA_TEST_POSTGRES_DIR=DIR
# stop [DIR]: stop the server in DIR (default: $LAKALA_TEST_POSTGRES_DIR) and remove DIR.
#
# Needs the PostgreSQL server binaries (initdb, pg_ctl, createdb) on PATH or in
# /usr/lib/postgresql/*/bin (Debian's `postgresql` package), and python3 to find a port.
# Everything it prints to stdout is meant for eval; progress goes to stderr.
set -euo pipefail

MARKER=lakala-test-postgres

find_bin_dir() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
    return
  fi
  echo "error: initdb/pg_ctl not found on PATH or in /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
  exit 1
}

run_as() {
  # Runs a command as the server's user ($PG_USER), or as ourselves when not root.
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

pick_user() {
  if [ "$(id -u)" != 0 ]; then
    id -un
  elif id postgres >/dev/null 2>&1; then
    echo postgres
  else
    echo nobody
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local bin dir port
  bin=$(find_bin_dir)
  dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/lakala-test-postgres.XXXXXX")}
  mkdir -p "$dir"
  touch "$dir/$MARKER"
  PG_USER=$(pick_user)
  if [ "$(id -u)" = 0 ]; then
    chown -R "$PG_USER" "$dir"
  fi
  run_as "$bin/initdb" -D "$dir/data" -U lakala --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # A port can be taken between choosing and binding it: try a few.
  local attempt
  for attempt in 1 2 3 4 5; do
    port=$(free_port)
    if run_as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300" start >&2; then
      break
    fi
    if [ "$attempt" = 5 ]; then
      cat "$dir/server.log" >&2
      exit 1
    fi
  done
  echo "$port" >"$dir/port"
  if ! run_as "$bin/createdb" -h 127.0.0.1 -p "$port" -U lakala lakala_test; then
    run_as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >&2 || true
    exit 1
  fi
  echo "PostgreSQL $(run_as "$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
  echo "export LAKALA_TEST_POSTGRES_URL=postgres://lakala@127.0.0.1:$port/lakala_test"
  echo "export LAKALA_TEST_POSTGRES_DIR=$dir"
}

stop() {
  local bin dir=${1:-${LAKALA_TEST_POSTGRES_DIR:-}}
  if [ -z "$dir" ]; then
    echo "error: no directory given and LAKALA_TEST_POSTGRES_DIR is not set" >&2
    exit 1
  fi
  if [ ! -e "$dir/$MARKER" ]; then
    echo "error: $dir was not made by this script; not touching it" >&2
    exit 1
  fi
  bin=$(find_bin_dir)
  PG_USER=$(stat -c %U "$dir/data" 2>/dev/null || pick_user)
  if [ -f "$dir/data/postmaster.pid" ]; then
    run_as "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2 \
      || run_as "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >&2 || true
  fi
  rm -rf "$dir"
  echo "stopped and removed $dir" >&2
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *)
    echo "usage: $0 start [DIR] | stop [DIR]" >&2
    exit 2
    ;;
esac
