#!/usr/bin/env bash
# Stops the Keystone (uwsgi) and its memcached that scripts/keystone/setup.sh
# started, by their pid files. Safe to run when they are not running.
set -euo pipefail

KEYSTONE_STATE=${KEYSTONE_STATE:-/var/lib/neutrino-keystone}

stop() { # name pidfile
  local pid
  if [ ! -s "$2" ]; then
    echo "[keystone-stop] $1: no pid file at $2, nothing to stop"
    return
  fi
  pid=$(cat "$2")
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "[keystone-stop] $1: pid $pid is not running; removing stale $2"
    rm -f "$2"
    return
  fi
  # uwsgi's master was started with --die-on-term: SIGTERM takes its workers
  # down with it.
  echo "[keystone-stop] $1: stopping pid $pid"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "[keystone-stop] $1: still running after 15 s; sending SIGKILL to $pid and its children"
    pkill -KILL -P "$pid" || true
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$2"
}

stop keystone "$KEYSTONE_STATE/keystone.pid"
# After Keystone, so that it never runs without its shared cache.
stop memcached "$KEYSTONE_STATE/memcached.pid"
echo "[keystone-stop] OK: stopped"
