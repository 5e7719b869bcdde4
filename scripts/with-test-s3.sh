#!/usr/bin/env bash
# Runs a command (the test suite) with an S3 server for the tests, named by TRANCHE_TEST_S3_* variables:
#   - TRANCHE_TEST_S3_ENDPOINT already set: that server (MinIO, AWS, another RGW…), as it is;
#   - TRANCHE_TEST_S3=fauxqs: the in-memory emulator the tests start themselves (fast, but not a real store);
#   - otherwise a single-node Ceph RADOS Gateway on loopback (scripts/rgw.sh). One already running is used as it
#     is and left running; one started here is stopped when the last command using it ends, so a test run leaves
#     no ceph process behind.
# The command's exit status is this script's.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG…]" >&2; exit 2; }

if [ -n "${TRANCHE_TEST_S3_ENDPOINT:-}" ]; then
  echo "with-test-s3: S3 at $TRANCHE_TEST_S3_ENDPOINT (TRANCHE_TEST_S3_ENDPOINT)" >&2
  exec "$@"
fi
if [ "${TRANCHE_TEST_S3:-rgw}" = fauxqs ]; then
  echo "with-test-s3: fauxqs, the in-memory emulator (TRANCHE_TEST_S3=fauxqs)" >&2
  exec "$@"
fi
[ "${TRANCHE_TEST_S3:-rgw}" = rgw ] || { echo "with-test-s3: TRANCHE_TEST_S3 is rgw or fauxqs, not $TRANCHE_TEST_S3" >&2; exit 2; }

DIR=${TRANCHE_RGW_DIR:-/tmp/tranche-rgw}
export TRANCHE_RGW_DIR=$DIR
mkdir -p "$(dirname "$DIR")"
LOCK=$DIR.lock

# Under the lock: start (or find) the gateway and register this run as a user of it.
exec 9>"$LOCK"
flock 9
if bash scripts/rgw.sh status; then
  started_here=0
else
  bash scripts/rgw.sh start >/dev/null
  touch "$DIR/started-for-tests"
  started_here=1
fi
mkdir -p "$DIR/users"
touch "$DIR/users/$$"
flock -u 9
[ $started_here -eq 1 ] || echo "with-test-s3: using the RGW already running under $DIR" >&2

set -a
# shellcheck disable=SC1091
. "$DIR/env"
set +a

# The last user out stops a gateway that was started for tests (not one started by hand with scripts/rgw.sh start).
finish() {
  exec 9>"$LOCK"
  flock 9
  rm -f "$DIR/users/$$"
  local others=0 user
  for user in "$DIR"/users/*; do
    [ -e "$user" ] || continue
    if kill -0 "${user##*/}" 2>/dev/null; then others=1; else rm -f "$user"; fi
  done
  if [ $others -eq 0 ] && [ -e "$DIR/started-for-tests" ]; then
    bash scripts/rgw.sh stop
    echo "with-test-s3: stopped the RGW started for the tests" >&2
  fi
  flock -u 9
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

status=0
"$@" || status=$?
exit $status
