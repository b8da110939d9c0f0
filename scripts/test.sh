#!/usr/bin/env bash
# Run every test: starts a throwaway PostGIS cluster for the PostGIS backend tests.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
pgdir=$(mktemp -d /tmp/geoapp-pg.XXXXXX)
chmod 755 "$pgdir"
port=${GEOAPP_TEST_PG_PORT:-$((50000 + RANDOM % 10000))}
trap 'bash scripts/pg-test-cluster.sh stop "$pgdir"' EXIT
export GEOAPP_TEST_DATABASE_URL=$(bash scripts/pg-test-cluster.sh start "$pgdir" "$port")
echo "PostGIS test cluster: $GEOAPP_TEST_DATABASE_URL"
"$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
