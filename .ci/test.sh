#!/usr/bin/env bash
# The test command behind `make test`: every package with the race
# detector, against a PostgreSQL server started here when none is given.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${IGGYFLOW_TEST_POSTGRES_URL:-}" ]; then
  pgdir=$(mktemp -d /tmp/iggyflow-pg.XXXXXX)
  trap 'bash .ci/postgres.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir"' EXIT
  eval "$(bash .ci/postgres.sh start "$pgdir")"
fi

go test -race -count=1 -timeout 40m ./...
