#!/usr/bin/env bash
# Makes the PostgreSQL the tests use available (run as root, before the tests; safe to run again):
# a server answering on 127.0.0.1:5432 (starting the installed cluster when nothing answers) and a role
# tranche/tranche with LOGIN CREATEDB, which the tests use to create and drop throwaway databases; also drops
# throwaway databases that killed test runs left behind. The role is also a member of pg_signal_backend: a test
# drops its database WITH (FORCE), which must end every session in it, and an autovacuum worker busy there (no
# role of its own) may be ended only by a superuser or a member of pg_signal_backend; without it the drop failed
# now and then, under load.
set -euo pipefail

HOST=127.0.0.1
PORT=5432

fail() { echo "ensure-postgres: $*" >&2; exit 1; }

# A server of one's own (a role that may CREATE DATABASE): only check that it answers.
if [ -n "${TRANCHE_TEST_PG_URL:-}" ]; then
  command -v psql >/dev/null 2>&1 || fail "TRANCHE_TEST_PG_URL is set but psql is missing to check it"
  psql "$TRANCHE_TEST_PG_URL" -qAtc 'select 1' >/dev/null || fail "TRANCHE_TEST_PG_URL does not answer"
  echo "ensure-postgres: using TRANCHE_TEST_PG_URL"
  exit 0
fi

command -v pg_isready >/dev/null 2>&1 || fail "PostgreSQL is not installed (apt-get install postgresql)"
[ "$(id -u)" -eq 0 ] || fail "must run as root (it starts the cluster and creates a role as user postgres)"

if ! pg_isready -q -h "$HOST" -p "$PORT"; then
  command -v pg_lsclusters >/dev/null 2>&1 || fail "nothing answers on $HOST:$PORT and pg_lsclusters is missing to start a cluster"
  read -r version cluster _ < <(pg_lsclusters --no-header | awk -v port="$PORT" '$3 == port { print $1, $2 }') ||
    fail "nothing answers on $HOST:$PORT and no installed cluster uses port $PORT (see pg_lsclusters)"
  pg_ctlcluster "$version" "$cluster" start || fail "pg_ctlcluster $version $cluster start failed (see /var/log/postgresql/)"
  for _ in $(seq 1 30); do pg_isready -q -h "$HOST" -p "$PORT" && break; sleep 1; done
  pg_isready -q -h "$HOST" -p "$PORT" || fail "cluster $version/$cluster started but $HOST:$PORT does not answer after 30 s"
fi

# Create the role, or bring an existing one back to what the tests need.
runuser -u postgres -- psql -p "$PORT" -d postgres -v ON_ERROR_STOP=1 -qAt >/dev/null <<'SQL' || fail "could not create role tranche as user postgres"
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tranche') THEN
    CREATE ROLE tranche LOGIN CREATEDB PASSWORD 'tranche';
  ELSE
    ALTER ROLE tranche LOGIN CREATEDB PASSWORD 'tranche';
  END IF;
END
$$;
GRANT pg_signal_backend TO tranche;
SQL

# Throwaway test databases are named tranche_test_<pid>_<random>; drop those whose test process is gone
# (a run killed before it could clean up).
while read -r database; do
  pid=${database#tranche_test_}
  pid=${pid%%_*}
  kill -0 "$pid" 2>/dev/null && continue
  runuser -u postgres -- psql -p "$PORT" -d postgres -qAtc "drop database if exists \"$database\" with (force)" >/dev/null ||
    echo "ensure-postgres: could not drop stale test database $database" >&2
done < <(runuser -u postgres -- psql -p "$PORT" -d postgres -qAtc "select datname from pg_database where datname ~ '^tranche_test_[0-9]+_[0-9a-f]+$'")

PGPASSWORD=tranche psql -h "$HOST" -p "$PORT" -U tranche -d postgres -qAtc 'select 1' >/dev/null 2>&1 ||
  fail "role tranche exists but cannot log in with a password over TCP on $HOST:$PORT (check pg_hba.conf)"
echo "ensure-postgres: PostgreSQL on $HOST:$PORT, role tranche ready"
