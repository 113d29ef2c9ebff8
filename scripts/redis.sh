#!/usr/bin/env bash
# Starts a Redis for the tests and the demo when none answers on 127.0.0.1:$REDIS_PORT, and stops
# only a Redis that this script started (it keeps a pid file for those). BullMQ needs
# `maxmemory-policy noeviction`: an evicted job key is a lost or duplicated job.
#
# usage: scripts/redis.sh start|stop|status      env: REDIS_PORT (default 6379), REDIS_RUN_DIR
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${REDIS_PORT:-6379}"
RUN_DIR="${REDIS_RUN_DIR:-$REPO_ROOT/.cache/redis-run/$PORT}"
PID_FILE="$RUN_DIR/redis.pid"

log() { printf 'redis.sh: %s\n' "$*" >&2; }

answers() {
  command -v redis-cli >/dev/null 2>&1 || return 1
  [[ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" == "PONG" ]]
}

ensure_installed() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" -ne 0 ]]; then
    log "redis-server is not installed; install it (Debian: apt-get install redis-server) or run as root"
    exit 1
  fi
  log "installing redis-server from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null 2>&1 || {
    apt-get update -q >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null
  }
}

warn_on_eviction_policy() {
  local policy
  policy="$(redis-cli -h 127.0.0.1 -p "$PORT" config get maxmemory-policy 2>/dev/null | sed -n 2p || true)"
  if [[ -n "$policy" && "$policy" != "noeviction" ]]; then
    log "WARNING: the Redis on port $PORT has maxmemory-policy=$policy; BullMQ needs noeviction"
  fi
}

start() {
  if answers; then
    log "a Redis already answers on 127.0.0.1:$PORT; using it (this script will not stop it)"
    warn_on_eviction_policy
    return 0
  fi
  ensure_installed
  mkdir -p "$RUN_DIR"
  # AOF on: a Redis restart must not lose queued jobs or aggregation state.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$PORT" \
    --dir "$RUN_DIR" --pidfile "$PID_FILE" --logfile "$RUN_DIR/redis.log" \
    --appendonly yes --save "" --maxmemory-policy noeviction
  for _ in $(seq 1 100); do
    if answers; then
      log "started Redis on 127.0.0.1:$PORT (pid $(cat "$PID_FILE" 2>/dev/null || echo '?'))"
      return 0
    fi
    sleep 0.1
  done
  log "Redis did not answer within 10 s; last log lines:"
  tail -n 20 "$RUN_DIR/redis.log" >&2 || true
  exit 1
}

stop() {
  if [[ ! -f "$PID_FILE" ]]; then
    log "no Redis started by this script on port $PORT; nothing to stop"
    return 0
  fi
  local pid
  pid="$(cat "$PID_FILE")"
  if kill -0 "$pid" 2>/dev/null; then
    redis-cli -h 127.0.0.1 -p "$PORT" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  log "stopped the Redis this script started on port $PORT"
}

status() {
  if answers; then
    if [[ -f "$PID_FILE" ]]; then log "running on port $PORT, started by this script (pid $(cat "$PID_FILE"))"
    else log "running on port $PORT, not started by this script"; fi
  else
    log "nothing answers on port $PORT"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
