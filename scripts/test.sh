#!/usr/bin/env bash
# Install the test dependencies (PostGIS, Chromium, Python test packages), make sure PostgreSQL is
# running with a test role, then run the whole suite: grid library, API on SpatiaLite and PostGIS,
# and the browser tests in Debian's Chromium. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "==> starting PostgreSQL"
  ver=$(ls /etc/postgresql | sort -V | tail -n 1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
# A superuser role for the tests (they create and drop their own databases with PostGIS).
as_postgres psql -q -d postgres -c "DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wangge') THEN
    CREATE ROLE wangge LOGIN SUPERUSER PASSWORD 'wangge';
  END IF; END\$\$;" >/dev/null

export WANGGE_TEST_PG=${WANGGE_TEST_PG:-postgresql://wangge:wangge@127.0.0.1:5432/}
export WANGGE_REQUIRE_POSTGIS=1
export WANGGE_REQUIRE_BROWSER=1
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
