#!/usr/bin/env bash
# Installs, configures, starts and provisions a local Keystone (Debian's
# package, OpenStack Zed) on 127.0.0.1:5000 for Neutrino's Keystone tests.
# Idempotent: run it as often as you like; a second run changes nothing and
# only checks. Needs root and Debian's package archive.
#
# Environment (defaults in brackets):
#   KEYSTONE_STATE            state dir: config, SQLite db, keys, pid, logs [/var/lib/neutrino-keystone]
#   KEYSTONE_ADMIN_PASSWORD   bootstrap user "admin" on project "admin"     [admin-secret]
#   NEUTRINO_SERVICE_PASSWORD service user "neutrino" on project "service"  [neutrino-secret]
#   ALICE_PASSWORD            "alice", member of neutrino-a                 [alice-secret]
#   ALAN_PASSWORD             "alan", reader of neutrino-a                  [alan-secret]
#   BOB_PASSWORD              "bob", member of neutrino-b                   [bob-secret]
#   NEUTRINO_ENDPOINT         URL registered for the "network" service     [http://127.0.0.1:9696]
#   KEYSTONE_REGION           region of every endpoint                      [RegionOne]
#   KEYSTONE_PROCESSES        uwsgi worker processes                      [4]
#   KEYSTONE_MEMCACHED_PORT   Keystone's private memcached on 127.0.0.1    [11212]
#
# All users live in domain "Default". Passwords are (re)set whenever the one in
# the environment no longer works, so changing a variable and re-running works.
set -euo pipefail
# Failures inside $(...) must stop the script too.
shopt -s inherit_errexit

KEYSTONE_STATE=${KEYSTONE_STATE:-/var/lib/neutrino-keystone}
KEYSTONE_ADMIN_PASSWORD=${KEYSTONE_ADMIN_PASSWORD:-admin-secret}
NEUTRINO_SERVICE_PASSWORD=${NEUTRINO_SERVICE_PASSWORD:-neutrino-secret}
ALICE_PASSWORD=${ALICE_PASSWORD:-alice-secret}
ALAN_PASSWORD=${ALAN_PASSWORD:-alan-secret}
BOB_PASSWORD=${BOB_PASSWORD:-bob-secret}
NEUTRINO_ENDPOINT=${NEUTRINO_ENDPOINT:-http://127.0.0.1:9696}
KEYSTONE_REGION=${KEYSTONE_REGION:-RegionOne}
KEYSTONE_PROCESSES=${KEYSTONE_PROCESSES:-4}
MEMCACHED_PORT=${KEYSTONE_MEMCACHED_PORT:-11212}

HOST=127.0.0.1
PORT=5000
URL="http://$HOST:$PORT/v3"
CONF="$KEYSTONE_STATE/keystone.conf"
PIDFILE="$KEYSTONE_STATE/keystone.pid"
MC_PIDFILE="$KEYSTONE_STATE/memcached.pid"
LOGDIR="$KEYSTONE_STATE/log"
# Debian's interpreter, not whatever python3 comes first on PATH (pyenv etc.).
PY=/usr/bin/python3

started=$(date +%s)
# Progress goes to fd 3 (stdout) so that it still shows from inside $(...).
exec 3>&1
say() { printf '[keystone-setup %3ss] %s\n' "$(($(date +%s) - started))" "$*" >&3; }
die() {
  printf '[keystone-setup] FAILED: %s\n' "$*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (try: sudo $0)"
# Keystone's tools and uwsgi embed Debian's Python; a foreign Python
# environment leaking in would break their imports.
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV || true

answers() { curl -fsS -m 3 -o /dev/null "$URL" 2>/dev/null; }
listening() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# ---------------------------------------------------------------- 1. install
policy_backup=""
restore_policy() {
  if [ -n "$policy_backup" ]; then
    mv -f "$policy_backup" /usr/sbin/policy-rc.d
  else
    rm -f /usr/sbin/policy-rc.d
  fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

need=()
for p in keystone uwsgi-plugin-python3 python3-openstackclient memcached sqlite3 curl; do
  installed "$p" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  say "installing Debian packages: ${need[*]}"
  # No database or admin questions: this script configures Keystone itself.
  debconf-set-selections <<'EOF'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
EOF
  # Keep the packages from starting their own Keystone (on :5000, from
  # /etc/keystone) and memcached during install. Any existing policy file (Docker images
  # ship one) is put back afterwards.
  if [ -e /usr/sbin/policy-rc.d ]; then
    policy_backup=$(mktemp /usr/sbin/policy-rc.d.neutrino.XXXXXX)
    cp -p /usr/sbin/policy-rc.d "$policy_backup"
  fi
  trap restore_policy EXIT
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  if ! apt-cache policy keystone 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    say "apt-get update (no keystone candidate in the package lists yet)"
    apt-get update -qq || die "apt-get update failed: check that Debian's archive is reachable"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${need[@]}" \
    >"/tmp/neutrino-keystone-apt.log" 2>&1 ||
    die "apt-get install ${need[*]} failed; see /tmp/neutrino-keystone-apt.log (try 'apt-get update' and re-run)"
  restore_policy
  trap - EXIT
  say "installed keystone $(dpkg-query -W -f='${Version}' keystone)"
else
  say "Debian packages already installed (keystone $(dpkg-query -W -f='${Version}' keystone))"
fi

# Debian's own keystone service (its init script, /etc/keystone) is never
# started: this script runs a separate instance from $KEYSTONE_STATE.
[ -x /usr/bin/keystone-wsgi-public ] || die "/usr/bin/keystone-wsgi-public missing: reinstall with 'apt-get install --reinstall keystone'"

# ---------------------------------------------------------------- 2. configure
mkdir -p "$KEYSTONE_STATE" "$LOGDIR" "$KEYSTONE_STATE/fernet-keys" "$KEYSTONE_STATE/credential-keys"
chmod 700 "$KEYSTONE_STATE/fernet-keys" "$KEYSTONE_STATE/credential-keys"

# Written to a temp file and moved, so a running Keystone never sees half a file.
cat >"$CONF.new" <<EOF
# Generated by scripts/keystone/setup.sh; edits are overwritten on the next run.
[DEFAULT]
log_dir = $LOGDIR
log_file = keystone.log
use_stderr = false

[database]
connection = sqlite:///$KEYSTONE_STATE/keystone.sqlite

[token]
provider = fernet
# expiration left at Keystone's default (3600 s)

[fernet_tokens]
key_repository = $KEYSTONE_STATE/fernet-keys

[fernet_receipts]
key_repository = $KEYSTONE_STATE/fernet-keys

[credential]
key_repository = $KEYSTONE_STATE/credential-keys

[identity]
# Cheapest bcrypt cost: this Keystone is for tests, where password logins
# happen by the hundred and 12 rounds would cost ~0.25 s of CPU each.
password_hash_rounds = 4

[cache]
# Without a cache Keystone re-reads role assignments a dozen times per token
# validation (~0.6 s each here); with one it answers in ~15 ms. The cache must
# be shared (memcached), not per-process memory: a revocation or role change
# seen by one uwsgi worker has to reach the others.
enabled = true
backend = dogpile.cache.memcached
memcache_servers = $HOST:$MEMCACHED_PORT
EOF
mv -f "$CONF.new" "$CONF"

km() { keystone-manage --config-file "$CONF" "$@" >>"$LOGDIR/keystone-manage.log" 2>&1; }

say "database schema (db_sync)"
km db_sync || die "keystone-manage db_sync failed; see $LOGDIR/keystone-manage.log"
# WAL lets the uwsgi workers read while one of them writes; the mode is stored
# in the database file, so this is a no-op after the first run.
[ "$(sqlite3 "$KEYSTONE_STATE/keystone.sqlite" 'PRAGMA journal_mode=WAL;')" = wal ] ||
  die "could not switch $KEYSTONE_STATE/keystone.sqlite to WAL mode"

if [ -z "$(ls -A "$KEYSTONE_STATE/fernet-keys")" ]; then
  say "creating fernet keys"
  km fernet_setup --keystone-user root --keystone-group root || die "fernet_setup failed; see $LOGDIR/keystone-manage.log"
fi
if [ -z "$(ls -A "$KEYSTONE_STATE/credential-keys")" ]; then
  say "creating credential keys"
  km credential_setup --keystone-user root --keystone-group root || die "credential_setup failed; see $LOGDIR/keystone-manage.log"
fi

# bootstrap is itself idempotent, but costs a few seconds: once is enough.
if [ ! -e "$KEYSTONE_STATE/.bootstrapped" ]; then
  say "bootstrap: admin user/project, roles admin/member/reader, identity endpoints, region $KEYSTONE_REGION"
  OS_BOOTSTRAP_PASSWORD="$KEYSTONE_ADMIN_PASSWORD" km bootstrap \
    --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id "$KEYSTONE_REGION" \
    --bootstrap-admin-url "$URL/" --bootstrap-internal-url "$URL/" --bootstrap-public-url "$URL/" ||
    die "keystone-manage bootstrap failed; see $LOGDIR/keystone-manage.log"
  touch "$KEYSTONE_STATE/.bootstrapped"
fi

# ---------------------------------------------------------------- 3. start
if answers; then
  say "Keystone already answers at $URL: not starting another"
  if ! listening "$MEMCACHED_PORT"; then
    # An empty cache is always safe to start under a running Keystone.
    say "its memcached on $HOST:$MEMCACHED_PORT was gone: starting it"
    memcached -d -l "$HOST" -p "$MEMCACHED_PORT" -U 0 -m 64 -u root -P "$MC_PIDFILE" ||
      die "memcached did not start on $HOST:$MEMCACHED_PORT"
  fi
else
  if alive "$PIDFILE"; then
    die "pid $(cat "$PIDFILE") from $PIDFILE is alive but $URL does not answer; run scripts/keystone/stop.sh and re-run"
  fi
  if listening "$PORT"; then
    die "something else listens on $HOST:$PORT but is not Keystone; stop it (ss -ltnp 'sport = :$PORT') and re-run"
  fi
  # A fresh memcached with each Keystone start: entries cached by an earlier
  # Keystone (perhaps over a since-deleted database) must not leak into this one.
  if alive "$MC_PIDFILE"; then
    kill "$(cat "$MC_PIDFILE")"
    for _ in $(seq 1 20); do alive "$MC_PIDFILE" || break; sleep 0.25; done
  fi
  rm -f "$MC_PIDFILE"
  if listening "$MEMCACHED_PORT"; then
    die "something else listens on $HOST:$MEMCACHED_PORT; stop it or choose another KEYSTONE_MEMCACHED_PORT, and re-run"
  fi
  say "starting memcached on $HOST:$MEMCACHED_PORT"
  memcached -d -l "$HOST" -p "$MEMCACHED_PORT" -U 0 -m 64 -u root -P "$MC_PIDFILE" ||
    die "memcached did not start on $HOST:$MEMCACHED_PORT"
  for _ in $(seq 1 20); do listening "$MEMCACHED_PORT" && break; sleep 0.25; done
  listening "$MEMCACHED_PORT" || die "memcached does not listen on $HOST:$MEMCACHED_PORT"
  say "starting uwsgi ($KEYSTONE_PROCESSES single-threaded processes) on $HOST:$PORT"
  rm -f "$PIDFILE"
  # Processes, not threads: with --threads, Keystone's SQLite connections get
  # used across threads (sqlite3 ProgrammingError, then 'database is locked').
  # 'Connection: close' because --http-socket hangs up after every response
  # without saying so: keep-alive clients (Node's fetch) would now and then
  # send their next request down a socket uwsgi has already closed.
  uwsgi --plugin python3 \
    --http-socket "$HOST:$PORT" \
    --wsgi-file /usr/bin/keystone-wsgi-public \
    --env "OS_KEYSTONE_CONFIG_FILES=$CONF" \
    --master --processes "$KEYSTONE_PROCESSES" --threads 1 \
    --need-app --die-on-term --vacuum --buffer-size 65535 \
    --add-header 'Connection: close' \
    --procname-prefix-spaced keystone \
    --pidfile "$PIDFILE" --daemonize "$LOGDIR/uwsgi.log" ||
    die "uwsgi did not start; see $LOGDIR/uwsgi.log"
  for _ in $(seq 1 120); do
    answers && break
    if [ -s "$PIDFILE" ] && ! alive "$PIDFILE"; then
      tail -n 30 "$LOGDIR/uwsgi.log" >&2 || true
      die "uwsgi exited; see $LOGDIR/uwsgi.log and $LOGDIR/keystone.log"
    fi
    sleep 0.5
  done
  answers || die "Keystone did not answer at $URL within 60 s; see $LOGDIR/uwsgi.log and $LOGDIR/keystone.log"
  say "Keystone answers at $URL (pid $(cat "$PIDFILE"))"
fi

# ---------------------------------------------------------------- 4. provision
# Plain REST calls with one admin token: each costs milliseconds, where an
# `openstack` CLI invocation costs a second or two of Python start-up.
json() { "$PY" -c 'import json,sys
d=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    if d is None: break
    d = d[int(k)] if isinstance(d, list) and k.lstrip("-").isdigit() else (d.get(k) if isinstance(d, dict) else None)
    if isinstance(d, list) and not d: d = None
print("" if d is None else d)' "$1"; }

# api METHOD PATH [BODY]: prints the body; fails on HTTP >= 400.
api() {
  local out code
  out=$(mktemp)
  code=$(curl -sS -m 30 -o "$out" -w '%{http_code}' -X "$1" "$URL$2" \
    -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' ${3:+--data "$3"}) || {
    rm -f "$out"
    die "$1 $2: Keystone did not answer"
  }
  if [ "$code" -ge 400 ]; then
    cat "$out" >&2
    rm -f "$out"
    die "$1 $2 answered HTTP $code"
  fi
  cat "$out"
  rm -f "$out"
}

# password_token USER PASSWORD [PROJECT]: prints the token, or nothing if refused.
password_token() {
  local scope=""
  [ -n "${3:-}" ] && scope=",\"scope\":{\"project\":{\"name\":\"$3\",\"domain\":{\"id\":\"default\"}}}"
  curl -sS -m 30 -D - -o /dev/null "$URL/auth/tokens" -H 'Content-Type: application/json' --data \
    "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"$1\",\"domain\":{\"id\":\"default\"},\"password\":\"$2\"}}}$scope}}" |
    awk 'tolower($1)=="x-subject-token:" {gsub("\r",""); print $2}' || true
}

TOKEN=$(password_token admin "$KEYSTONE_ADMIN_PASSWORD" admin)
[ -n "$TOKEN" ] || die "admin cannot log in with KEYSTONE_ADMIN_PASSWORD; if it changed, remove $KEYSTONE_STATE/.bootstrapped and re-run"

ensure_project() { # name description -> id
  local id
  id=$(api GET "/projects?name=$1&domain_id=default" | json projects.0.id)
  if [ -z "$id" ]; then
    id=$(api POST /projects "{\"project\":{\"name\":\"$1\",\"domain_id\":\"default\",\"description\":\"$2\"}}" | json project.id)
    say "created project $1 ($id)"
  fi
  echo "$id"
}

ensure_user() { # name password default_project_id -> id
  local id
  id=$(api GET "/users?name=$1&domain_id=default" | json users.0.id)
  if [ -z "$id" ]; then
    id=$(api POST /users "{\"user\":{\"name\":\"$1\",\"domain_id\":\"default\",\"password\":\"$2\",\"default_project_id\":\"$3\",\"enabled\":true}}" | json user.id)
    say "created user $1 ($id)"
  elif [ -z "$(password_token "$1" "$2")" ]; then
    api PATCH "/users/$id" "{\"user\":{\"password\":\"$2\",\"enabled\":true}}" >/dev/null
    say "reset password of user $1"
  fi
  echo "$id"
}

role_id() { api GET "/roles?name=$1" | json roles.0.id; }

grant() { # project_id user_id role_name
  local rid
  rid=$(role_id "$3")
  [ -n "$rid" ] || die "role $3 does not exist (keystone-manage bootstrap should have made it)"
  # PUT is idempotent: granting twice is a no-op.
  api PUT "/projects/$1/users/$2/roles/$rid" >/dev/null
}

say "provisioning projects, users and roles"
[ -n "$(api GET /domains/default | json domain.id)" ] || die "domain Default is missing"
for r in admin member reader; do
  [ -n "$(role_id "$r")" ] || die "role $r is missing; remove $KEYSTONE_STATE/.bootstrapped and re-run"
done

p_a=$(ensure_project neutrino-a "Neutrino test tenant A")
p_b=$(ensure_project neutrino-b "Neutrino test tenant B")
p_svc=$(ensure_project service "Service users")

u_alice=$(ensure_user alice "$ALICE_PASSWORD" "$p_a")
u_alan=$(ensure_user alan "$ALAN_PASSWORD" "$p_a")
u_bob=$(ensure_user bob "$BOB_PASSWORD" "$p_b")
u_neutrino=$(ensure_user neutrino "$NEUTRINO_SERVICE_PASSWORD" "$p_svc")

grant "$p_a" "$u_alice" member
grant "$p_a" "$u_alan" reader
grant "$p_b" "$u_bob" member
grant "$p_svc" "$u_neutrino" admin
if [ -n "$(role_id service)" ]; then
  grant "$p_svc" "$u_neutrino" service
fi

say "registering the network service at $NEUTRINO_ENDPOINT ($KEYSTONE_REGION)"
svc=$(api GET "/services?type=network" | json services.0.id)
if [ -z "$svc" ]; then
  svc=$(api POST /services '{"service":{"type":"network","name":"neutron","description":"OpenStack Networking (Neutrino)","enabled":true}}' | json service.id)
  say "created service network ($svc)"
fi
for iface in public internal admin; do
  listing=$(api GET "/endpoints?service_id=$svc&interface=$iface&region_id=$KEYSTONE_REGION")
  eid=$(json endpoints.0.id <<<"$listing")
  eurl=$(json endpoints.0.url <<<"$listing")
  if [ -z "$eid" ]; then
    api POST /endpoints "{\"endpoint\":{\"service_id\":\"$svc\",\"interface\":\"$iface\",\"region_id\":\"$KEYSTONE_REGION\",\"url\":\"$NEUTRINO_ENDPOINT\",\"enabled\":true}}" >/dev/null
    say "created $iface endpoint"
  elif [ "$eurl" != "$NEUTRINO_ENDPOINT" ]; then
    api PATCH "/endpoints/$eid" "{\"endpoint\":{\"url\":\"$NEUTRINO_ENDPOINT\"}}" >/dev/null
    say "moved $iface endpoint from $eurl"
  fi
done

# The service user must be able to validate others' tokens: prove it now
# rather than in the first test.
svc_token=$(password_token neutrino "$NEUTRINO_SERVICE_PASSWORD" service)
user_token=$(password_token alice "$ALICE_PASSWORD" neutrino-a)
if [ -z "$svc_token" ] || [ -z "$user_token" ]; then die "test logins failed; see $LOGDIR/keystone.log"; fi
code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' "$URL/auth/tokens" -H "X-Auth-Token: $svc_token" -H "X-Subject-Token: $user_token")
[ "$code" = 200 ] || die "service user neutrino could not validate a token (HTTP $code); see $LOGDIR/keystone.log"

say "OK: Keystone ready at $URL (state $KEYSTONE_STATE, pid $(cat "$PIDFILE" 2>/dev/null || echo '?'), $(($(date +%s) - started)) s)"
