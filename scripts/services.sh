#!/usr/bin/env bash
# Make sure a real Postgres (with pgvector), a real Redis and Chromium are reachable for the tests; start (or install)
# what is missing. Prints the two URLs as shell exports for the caller to eval. Run after scripts/install.sh
# dev (the Postgres comes from the pgserver package in .venv). Idempotent, and quick when both are running.
#
# Postgres: Debian 12 packages no pgvector, so the tests use PostgreSQL 16.2 + pgvector 0.6.2 from the PyPI
# package `pgserver`, started here with its own binaries in a data folder on 127.0.0.1:$HABLA_PGSERVER_PORT
# (5433) with trust auth, as the unprivileged system user `habla`, never as root. We call pg_ctl ourselves
# instead of pgserver's Python API: run as root, that API runs useradd and opens permissions on every parent
# folder of its data and binaries. The binaries are copied to $HABLA_PGSERVER_HOME so the habla user can read
# them wherever this checkout lives.
set -euo pipefail
cd "$(dirname "$0")/.."

pg_port="${HABLA_PGSERVER_PORT:-5433}"
pg_home="${HABLA_PGSERVER_HOME:-/var/tmp/habla-pgserver}"
pg_url="${HABLA_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:$pg_port/test}"
redis_url="${HABLA_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u habla -- "$@"; else "$@"; fi
}

start_pgserver() {
  local site version dist bin data
  site=$(.venv/bin/python -c 'import importlib.util, os; print(os.path.dirname(list(importlib.util.find_spec("pgserver").submodule_search_locations)[0]))') \
    || { echo "pgserver is not installed in .venv: run scripts/install.sh dev" >&2; exit 1; }
  version=$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("pgserver"))')
  dist="$pg_home/dist-$version"
  bin="$dist/pgserver/pginstall/bin"
  data="$pg_home/data"
  if [ -x "$bin/pg_isready" ] && "$bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" 2>/dev/null; then
    return 0
  fi
  echo "starting PostgreSQL 16 + pgvector (pgserver $version) on 127.0.0.1:$pg_port" >&2
  if [ "$(id -u)" -eq 0 ] && ! id -u habla >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin habla
  fi
  mkdir -p "$pg_home"
  chmod 755 "$pg_home"
  if [ ! -x "$bin/postgres" ]; then
    local staging
    staging=$(mktemp -d "$pg_home/.dist.XXXXXX")
    cp -a "$site/pgserver" "$site/pgserver.libs" "$staging/"
    chmod -R a+rX "$staging"
    rm -rf "$dist"
    mv "$staging" "$dist"
  fi
  mkdir -p "$data"
  if [ "$(id -u)" -eq 0 ]; then chown habla: "$data"; fi
  chmod 700 "$data"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg_user "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-locale >&2
  fi
  # Test data is disposable: no fsync, so creating a database per test stays fast.
  as_pg_user "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-h 127.0.0.1 -p $pg_port -k $data -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2 || { tail -20 "$data/server.log" >&2; exit 1; }
  # the tests connect as postgres over TCP to a database named test
  if ! "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres test >&2
  fi
}

if [ -z "${HABLA_TEST_DATABASE_URL:-}" ]; then
  start_pgserver
fi

if [ -z "${HABLA_TEST_REDIS_URL:-}" ] && ! redis_up; then
  if ! command -v redis-server >/dev/null; then
    echo "installing Redis" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
  fi
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2
  for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
  redis_up || { echo "Redis did not start" >&2; exit 1; }
fi

# A real browser for tests/web: Debian's chromium, driven by Playwright (whose own browser download cannot
# work offline).
if ! command -v chromium >/dev/null; then
  echo "installing Chromium" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >&2
fi

echo "export HABLA_TEST_DATABASE_URL='$pg_url'"
echo "export HABLA_TEST_REDIS_URL='$redis_url'"
