#!/usr/bin/env bash
# Make sure a real Postgres and a real Redis are reachable for the tests; start (or install) what is
# missing. Prints the two URLs as shell exports for the caller to eval.
set -euo pipefail

pg_url="${HABLA_TEST_DATABASE_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}"
redis_url="${HABLA_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if [ -z "${HABLA_TEST_DATABASE_URL:-}" ] && ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null; then
    echo "installing PostgreSQL" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  fi
  version=$(ls /etc/postgresql | sort -n | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
  pg_up || { echo "PostgreSQL did not start" >&2; exit 1; }
  # the tests connect as postgres over TCP to a database named test
  su postgres -c "psql -qtc \"SELECT 1 FROM pg_database WHERE datname='test'\" | grep -q 1 || createdb test" >&2
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

echo "export HABLA_TEST_DATABASE_URL='$pg_url'"
echo "export HABLA_TEST_REDIS_URL='$redis_url'"
