#!/usr/bin/env bash
# Runs Debian's tempest (tempest.api.network) against a Neutrino behind the Keystone of
# scripts/keystone/setup.sh, with a Linux bridge, a DHCP and an L3 agent running in one lab
# host (network namespaces, `neutrino up --lab`). Every extension Neutrino advertises is
# enabled in tempest.conf. Prints tempest's totals and exits non-zero on any failure.
#
#   sudo bash scripts/tempest/run.sh                 # the whole tempest.api.network
#   sudo bash scripts/tempest/run.sh 'test_ports'    # a regex within tempest.api.network
#
# Environment (defaults in brackets):
#   TEMPEST_PREFIX       names of the lab's namespaces                   [tp<pid>-]
#   TEMPEST_DIR          the cloud's dir and tempest's workspace         [$TMPDIR/neutrino-tempest-<prefix>]
#   TEMPEST_CONCURRENCY  tempest workers                                 [2]
#   TEMPEST_SERVICE_PLUGINS  the server's service_plugins          [router,auto_allocate,port_forwarding]
#   TEMPEST_KEEP=1       leave the cloud up afterwards (neutrino down --dir D undoes it)
#   KEYSTONE_ADMIN_PASSWORD, NEUTRINO_SERVICE_PASSWORD as for scripts/keystone/setup.sh
#
# The network endpoint is registered in a region of its own (tempest-<prefix>), so tests
# that use RegionOne's endpoint at the same time are not disturbed; it is removed at the end.
# Needs root, Debian's tempest package, a built tree (npx tsc) and the Keystone running.
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REGEX=${1:-}
PREFIX=${TEMPEST_PREFIX:-tp$(($$ % 100000))-}
TAG=${PREFIX%-}
DIR=${TEMPEST_DIR:-${TMPDIR:-/tmp}/neutrino-tempest-$TAG}
CONCURRENCY=${TEMPEST_CONCURRENCY:-2}
ADMIN_PASSWORD=${KEYSTONE_ADMIN_PASSWORD:-admin-secret}
SERVICE_PASSWORD=${NEUTRINO_SERVICE_PASSWORD:-neutrino-secret}
KEYSTONE=http://127.0.0.1:5000/v3
REGION=tempest-$TAG
NEUTRINO=(node "$ROOT/dist/src/cli/main.js")
WS=$DIR/tempest
started=$(date +%s)
say() { printf '[tempest %4ss] %s\n' "$(($(date +%s) - started))" "$*"; }
die() {
  printf '[tempest] FAILED: %s\n' "$*" >&2
  exit 2
}

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, bridges, dnsmasq)"
command -v tempest >/dev/null || die "Debian's tempest is not installed: apt-get install tempest"
[ -f "$ROOT/dist/src/cli/main.js" ] || die "build first: npx tsc -p tsconfig.json"
curl -fsS -m 3 -o /dev/null "$KEYSTONE" || die "Keystone does not answer on $KEYSTONE: run scripts/keystone/setup.sh"
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV || true
# tempest's own clients must not go through a proxy to loopback
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT

admin_env=(env -u OS_CLOUD OS_AUTH_TYPE=password OS_AUTH_URL=$KEYSTONE OS_IDENTITY_API_VERSION=3 OS_USERNAME=admin OS_PASSWORD=$ADMIN_PASSWORD
  OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne OS_INTERFACE=public)
os() { "${admin_env[@]}" openstack "$@"; }

cleanup() {
  local rc=$?
  if [ "${TEMPEST_KEEP:-0}" = 1 ]; then
    say "kept: $URL (region $REGION); undo: neutrino down --dir $DIR; openstack endpoint/region delete"
    exit $rc
  fi
  say "cleaning up"
  for e in $(os endpoint list --region "$REGION" -f value -c ID 2>/dev/null); do os endpoint delete "$e" >/dev/null 2>&1 || true; done
  os region delete "$REGION" >/dev/null 2>&1 || true
  tempest workspace remove --name "neutrino-$TAG" >/dev/null 2>&1 || true
  "${NEUTRINO[@]}" down --dir "$DIR" >/dev/null 2>&1 || true
  exit $rc
}
trap cleanup EXIT

mkdir -p "$DIR"
say "cloud: neutrino up --lab --prefix $PREFIX --port $PORT (dir $DIR)"
"${NEUTRINO[@]}" up --lab --prefix "$PREFIX" --port "$PORT" --dir "$DIR" --timeout 120 >"$DIR/up.out" 2>&1 || {
  cat "$DIR/up.out"
  die "neutrino up failed"
}

# The same process again, now behind Keystone (the cloud it made stays: SQLite file, namespaces)
say "restarting it with auth_strategy = keystone"
CONF=$DIR/neutrino.conf
PIDFILE=$DIR/run/server.pid
pid=$(cat "$PIDFILE")
kill -TERM "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && die "the up process $pid did not stop"
cat >>"$CONF" <<EOF

# scripts/tempest/run.sh: behind the Keystone of scripts/keystone/setup.sh
[DEFAULT]
auth_strategy = keystone
service_plugins = ${TEMPEST_SERVICE_PLUGINS:-router,auto_allocate,port_forwarding}
dns_domain = tempest.example.org.

[ml2]
extension_drivers = port_security,dns,tag_ports_during_bulk_creation

[keystone_authtoken]
www_authenticate_uri = $KEYSTONE
auth_url = $KEYSTONE
username = neutrino
password = $SERVICE_PASSWORD
project_name = service
user_domain_name = Default
project_domain_name = Default
EOF
setsid nohup "${NEUTRINO[@]}" up --in-process --config-file "$CONF" >>"$DIR/logs/neutrino-up.log" 2>&1 </dev/null &
echo $! >"$PIDFILE"

say "registering $URL as the network endpoint of region $REGION"
os region create "$REGION" >/dev/null 2>&1 || true
svc=$(os service list -f value -c ID -c Type | awk '$2=="network"{print $1; exit}')
[ -n "$svc" ] || die "Keystone has no network service: run scripts/keystone/setup.sh"
for iface in public internal admin; do os endpoint create --region "$REGION" "$svc" "$iface" "$URL" >/dev/null; done

TOKEN=$(os token issue -f value -c id)
api() { curl -fsS -m 10 -H "X-Auth-Token: $TOKEN" "$URL/v2.0$1"; }
for _ in $(seq 120); do
  alive=$(api /agents 2>/dev/null | python3 -c 'import json,sys; print(sum(1 for a in json.load(sys.stdin)["agents"] if a["alive"]))' 2>/dev/null || echo 0)
  [ "$alive" -ge 3 ] && break
  sleep 0.5
done
[ "$alive" -ge 3 ] || die "the agents did not come back alive behind Keystone (log $DIR/logs/neutrino-up.log)"
PUBLIC=$(api '/networks?name=public' | python3 -c 'import json,sys; print(json.load(sys.stdin)["networks"][0]["id"])')
EXTENSIONS=$(api /extensions | python3 -c 'import json,sys; print(",".join(sorted(e["alias"] for e in json.load(sys.stdin)["extensions"])))')
say "agents alive; public network $PUBLIC; $(tr ',' '\n' <<<"$EXTENSIONS" | wc -l) extensions advertised"

rm -rf "$WS"
# tempest keeps a registry of workspaces by name (~/.tempest/workspace.yaml): a name of this run's own
tempest workspace remove --name "neutrino-$TAG" >/dev/null 2>&1 || true
(cd "$DIR" && tempest init --name "neutrino-$TAG" "$WS" >"$DIR/tempest-init.out" 2>&1) || {
  cat "$DIR/tempest-init.out"
  die "tempest init failed"
}
"$ROOT/scripts/tempest/tempest-conf.sh" "$ADMIN_PASSWORD" "$REGION" "$PUBLIC" "$EXTENSIONS" "$WS" >"$WS/etc/tempest.conf"

say "tempest run --regex 'tempest\\.api\\.network.*${REGEX}' --concurrency $CONCURRENCY"
cd "$WS"
set +e
tempest run --regex "tempest\\.api\\.network.*${REGEX}" --concurrency "$CONCURRENCY" >"$DIR/tempest.out" 2>&1
rc=$?
set -e
grep -E '^\{[0-9]+\} .*(FAILED|\.\.\. ok|\.\.\. SKIPPED)' "$DIR/tempest.out" >"$DIR/tempest-results.txt" || true
grep -E 'FAILED' "$DIR/tempest-results.txt" || true
sed -n '/^Totals/,/^Worker Balance/p' "$DIR/tempest.out"
passed=$(sed -n 's/^ *- Passed: *\([0-9]*\).*/\1/p' "$DIR/tempest.out" | tail -1)
failed=$(sed -n 's/^ *- Failed: *\([0-9]*\).*/\1/p' "$DIR/tempest.out" | tail -1)
skipped=$(sed -n 's/^ *- Skipped: *\([0-9]*\).*/\1/p' "$DIR/tempest.out" | tail -1)
echo "tempest: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped (full output $DIR/tempest.out)"
[ -n "$passed" ] || {
  tail -40 "$DIR/tempest.out"
  die "tempest printed no totals"
}
exit $rc
