#!/usr/bin/env bash
# A single-node Ceph RADOS Gateway on loopback for the tests: one monitor, one OSD on memstore (RAM), radosgw, as
# plain background processes (no systemd), all under one state directory. Debian packages: radosgw ceph-mon
# ceph-osd ceph-common.
#
#   scripts/rgw.sh start    starts a fresh cluster, or keeps the one already running and answering; prints the
#                           path of its environment file (TRANCHE_TEST_S3_* variables)
#   scripts/rgw.sh stop     stops every process of the cluster and removes the state directory
#   scripts/rgw.sh status   exit 0 when it runs and answers S3 requests
#   scripts/rgw.sh env      prints `export NAME=VALUE` lines for the running cluster (eval "$(scripts/rgw.sh env)")
#
# TRANCHE_RGW_DIR (default /tmp/tranche-rgw) holds ceph.conf, the daemons' data, pid files, logs and `env`.
# Ports are picked free at every fresh start, so a port someone else holds never gets in the way. A start after a
# crash or a kill finds what is left by the pid files and by the config path on the command lines, stops it and
# starts from nothing. Every start is from scratch (memstore keeps nothing worth keeping), so no stale state ever
# carries over. The data lives in the OSD's memory: the tests delete what they write and the garbage collector
# runs every few seconds, so memory follows what the tests hold.
set -euo pipefail

DIR=${TRANCHE_RGW_DIR:-/tmp/tranche-rgw}
CONF=$DIR/ceph.conf
ENV_FILE=$DIR/env
REGION=us-east-1
DAEMONS=(radosgw ceph-osd ceph-mon)

log() { echo "rgw: $*" >&2; }
fail() { log "$*"; exit 1; }

need_tools() {
  local missing=()
  for tool in ceph-mon ceph-osd radosgw radosgw-admin monmaptool ceph curl node; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] || fail "missing ${missing[*]} (apt-get install radosgw ceph-mon ceph-osd ceph-common curl)"
}

# Pids of processes started with our config file (whatever the pid files say): the daemons, nothing else.
our_pids() {
  local file pid cmdline
  for file in $(grep -lsaF -- "$CONF" /proc/[0-9]*/cmdline); do
    pid=${file#/proc/}
    pid=${pid%/cmdline}
    cmdline=$(tr '\0' ' ' 2>/dev/null <"$file") || continue
    case "$cmdline" in
      ceph-mon\ -c\ "$CONF"\ * | ceph-osd\ -c\ "$CONF"\ * | radosgw\ -c\ "$CONF"\ *) echo "$pid" ;;
    esac
  done
}

alive() { kill -0 "$1" 2>/dev/null; }

# Stops every process of the cluster with SIGKILL: the cluster is thrown away with its directory, and a clean stop
# only costs time (radosgw and the monitor take 2-3 s each on SIGTERM; memstore would first write all it holds to
# disk).
stop_all() {
  local pids=() pid
  mapfile -t pids < <(our_pids)
  [ ${#pids[@]} -gt 0 ] || return 0
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 100); do
    local left=0
    for pid in "${pids[@]}"; do alive "$pid" && left=1; done
    [ $left -eq 0 ] && return 0
    sleep 0.05
  done
  fail "processes ${pids[*]} survived SIGKILL"
}

free_port() {
  node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# A signed S3 request with curl's SigV4; prints the HTTP status.
s3_request() {
  local method=$1 path=$2
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  # RGW refuses a SigV4 request without x-amz-content-sha256, which curl does not add by itself.
  curl -s -o /dev/null -w '%{http_code}' -X "$method" --max-time 10 -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --aws-sigv4 "aws:amz:$REGION:s3" --user "$TRANCHE_TEST_S3_ACCESS_KEY:$TRANCHE_TEST_S3_SECRET_KEY" \
    "$TRANCHE_TEST_S3_ENDPOINT$path" || echo 000
}

# Running and answering: every daemon's pid file names a live process, and a signed ListBuckets succeeds.
healthy() {
  [ -f "$ENV_FILE" ] || return 1
  local daemon
  for daemon in mon.a osd.0 client.rgw; do
    [ -f "$DIR/run/$daemon.pid" ] && alive "$(cat "$DIR/run/$daemon.pid")" || return 1
  done
  [ "$(s3_request GET /)" = 200 ]
}

write_conf() {
  local mon_port=$1 rgw_port=$2 fsid=$3
  cat >"$CONF" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
public network = 127.0.0.1/32
# Loopback only, one trusted user: no cephx, and the v2 messenger without encryption.
auth cluster required = none
auth service required = none
auth client required = none
ms bind ipv6 = false
ms bind msgr1 = false
ms cluster mode = crc
ms service mode = crc
ms client mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
ms mon client mode = crc
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = false
mon cluster log file = $DIR/log/cluster.log
# One OSD: pools of one copy, few placement groups, no autoscaler (it lives in the manager, which we do not run).
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000

[mon]
mon data = $DIR/mon
# Short commit interval: pool creation and map changes take effect in milliseconds, not a second each.
paxos propose interval = 0.01
paxos min wait = 0.01
mon osd report timeout = 3600

[osd]
osd data = $DIR/osd
osd objectstore = memstore
memstore device bytes = 8589934592
osd max object size = 134217728

[client]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw thread pool size = 64
rgw enable usage log = false
rgw enable ops log = false
# Deleted objects' data is freed by the garbage collector: after seconds, not hours, so memstore gives the
# memory back while the tests run.
rgw gc obj min wait = 5
rgw gc processor period = 5
rgw gc processor max time = 5
# Lifecycle rules count days as seconds (tests of rules that abort incomplete uploads).
rgw lc debug interval = 10
EOF
}

start_fresh() {
  stop_all
  rm -rf "$DIR"
  mkdir -p "$DIR/run" "$DIR/log" "$DIR/mon" "$DIR/osd"
  local mon_port rgw_port fsid osd_uuid access secret
  mon_port=$(free_port)
  rgw_port=$(free_port)
  while [ "$rgw_port" = "$mon_port" ]; do rgw_port=$(free_port); done
  fsid=$(cat /proc/sys/kernel/random/uuid)
  write_conf "$mon_port" "$rgw_port" "$fsid"

  monmaptool --create --clobber --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$DIR/monmap" >/dev/null
  ceph-mon -c "$CONF" -i a --mkfs --monmap "$DIR/monmap" >>"$DIR/log/setup.log" 2>&1 || fail "ceph-mon --mkfs failed (see $DIR/log/)"
  ceph-mon -c "$CONF" -i a >>"$DIR/log/setup.log" 2>&1 || fail "ceph-mon did not start (see $DIR/log/)"

  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  local id
  id=$(ceph -c "$CONF" --connect-timeout 20 osd new "$osd_uuid" 2>>"$DIR/log/setup.log") || fail "ceph osd new failed (see $DIR/log/)"
  [ "$id" = 0 ] || fail "the new OSD got id $id, not 0"
  ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" >>"$DIR/log/setup.log" 2>&1 || fail "ceph-osd --mkfs failed (see $DIR/log/)"
  ceph-osd -c "$CONF" -i 0 >>"$DIR/log/setup.log" 2>&1 || fail "ceph-osd did not start (see $DIR/log/)"

  access=tranche$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
  secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  cat >"$ENV_FILE" <<EOF
TRANCHE_TEST_S3_ENDPOINT=http://127.0.0.1:$rgw_port
TRANCHE_TEST_S3_ACCESS_KEY=$access
TRANCHE_TEST_S3_SECRET_KEY=$secret
TRANCHE_TEST_S3_REGION=$REGION
TRANCHE_TEST_S3_NAME=rgw
EOF
  radosgw -c "$CONF" -n client.rgw >>"$DIR/log/setup.log" 2>&1 || fail "radosgw did not start (see $DIR/log/)"
  # The user (and RGW's pools) once the OSD serves I/O; radosgw-admin waits for that itself.
  timeout 60 radosgw-admin -c "$CONF" -n client.admin user create --uid tranche --display-name "Tranche tests" \
    --access-key "$access" --secret-key "$secret" >>"$DIR/log/setup.log" 2>&1 || fail "radosgw-admin user create failed (see $DIR/log/)"

  # Answering a signed request: a fresh bucket is created and removed.
  local bucket=/tranche-probe-$RANDOM$RANDOM status=000
  for _ in $(seq 1 300); do
    status=$(s3_request PUT "$bucket")
    [ "$status" = 200 ] && break
    sleep 0.1
  done
  [ "$status" = 200 ] || fail "RGW on 127.0.0.1:$rgw_port does not create a bucket (last status $status; see $DIR/log/)"
  [ "$(s3_request DELETE "$bucket")" = 204 ] || fail "RGW on 127.0.0.1:$rgw_port does not delete a bucket"
}

case "${1:-}" in
  start)
    need_tools
    if healthy; then
      log "already running ($(grep ENDPOINT "$ENV_FILE" | cut -d= -f2))"
    else
      started=$(date +%s%N)
      start_fresh
      log "started in $((($(date +%s%N) - started) / 1000000)) ms: $(grep ENDPOINT "$ENV_FILE" | cut -d= -f2)"
    fi
    echo "$ENV_FILE"
    ;;
  stop)
    stop_all
    rm -rf "$DIR"
    ;;
  status)
    healthy
    ;;
  env)
    healthy || fail "not running (scripts/rgw.sh start)"
    sed 's/^/export /' "$ENV_FILE"
    ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
