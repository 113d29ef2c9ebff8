#!/usr/bin/env bash
# Starts a Redis for the tests and the demo when none answers on 127.0.0.1:$REDIS_PORT, and stops
# only a Redis that this script started (it keeps a pid file for those). BullMQ needs
# `maxmemory-policy noeviction`: an evicted job key is a lost or duplicated job.
#
# With REDIS_TOPOLOGY=sentinel or cluster it starts a whole topology of fresh redis-server
# processes on loopback ports instead (for the tests, the chaos suite and trying the settings):
#   sentinel  a master on REDIS_PORT (default 7400), REDIS_REPLICAS replicas (default 1) on the
#             next ports, and REDIS_SENTINELS_COUNT sentinels (default 3) from SENTINEL_PORT
#             (default 26400) monitoring it as REDIS_SENTINEL_NAME (default cpd-master), quorum 2,
#             down-after REDIS_SENTINEL_DOWN_AFTER_MS (default 1000), failover-timeout
#             REDIS_SENTINEL_FAILOVER_TIMEOUT_MS (default 10000)
#   cluster   REDIS_CLUSTER_MASTERS masters (default 3) from REDIS_PORT (default 7400), each with
#             REDIS_CLUSTER_REPLICAS replicas (default 0) on the ports after them,
#             cluster-node-timeout REDIS_CLUSTER_NODE_TIMEOUT_MS (default 2000)
# Every topology start begins from empty data (the run dir is wiped; processes a previous start
# left there are stopped first); AOF is on, as for the single Redis.
#
# usage: scripts/redis.sh start|stop|status
#        REDIS_TOPOLOGY=sentinel|cluster scripts/redis.sh start|stop|status|env
#        REDIS_TOPOLOGY=... scripts/redis.sh kill PORT      SIGKILL the server on PORT (started here)
#        REDIS_TOPOLOGY=... scripts/redis.sh restart PORT   start that server again from its config
#        REDIS_TOPOLOGY=sentinel scripts/redis.sh master    print the master's host:port (sentinels' view)
# env: REDIS_PORT, REDIS_RUN_DIR, and the topology settings above. `env` prints the variables
# a worker needs (REDIS_SENTINELS/REDIS_SENTINEL_NAME or REDIS_CLUSTER_NODES), one per line.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOPOLOGY="${REDIS_TOPOLOGY:-single}"
if [[ "$TOPOLOGY" == "single" ]]; then PORT="${REDIS_PORT:-6379}"; else PORT="${REDIS_PORT:-7400}"; fi
RUN_DIR="${REDIS_RUN_DIR:-$REPO_ROOT/.cache/redis-run/$([[ "$TOPOLOGY" == "single" ]] || printf '%s-' "$TOPOLOGY")$PORT}"
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


# ---- topologies (REDIS_TOPOLOGY=sentinel|cluster) --------------------------------------------

SENTINEL_PORT="${SENTINEL_PORT:-26400}"
SENTINEL_NAME="${REDIS_SENTINEL_NAME:-cpd-master}"
REPLICAS="${REDIS_REPLICAS:-1}"
SENTINELS_COUNT="${REDIS_SENTINELS_COUNT:-3}"
CLUSTER_MASTERS="${REDIS_CLUSTER_MASTERS:-3}"
CLUSTER_REPLICAS="${REDIS_CLUSTER_REPLICAS:-0}"

ping_port() { [[ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" == "PONG" ]]; }

# The redis-server ports of the topology (sentinels excluded).
server_ports() {
  local count
  if [[ "$TOPOLOGY" == "sentinel" ]]; then count=$((1 + REPLICAS)); else count=$((CLUSTER_MASTERS * (1 + CLUSTER_REPLICAS))); fi
  seq "$PORT" $((PORT + count - 1))
}
sentinel_ports() { seq "$SENTINEL_PORT" $((SENTINEL_PORT + SENTINELS_COUNT - 1)); }

# Writes the config of one redis-server (once: a restart reuses it, with Sentinel's rewrites).
write_server_conf() {
  local port="$1" dir="$RUN_DIR/$1"
  mkdir -p "$dir"
  {
    printf 'port %s\nbind 127.0.0.1\ndaemonize yes\ndir %s\npidfile %s/redis.pid\nlogfile %s/redis.log\n' "$port" "$dir" "$dir" "$dir"
    printf 'appendonly yes\nsave ""\nmaxmemory-policy noeviction\n'
    if [[ "$TOPOLOGY" == "cluster" ]]; then
      printf 'cluster-enabled yes\ncluster-config-file nodes.conf\ncluster-node-timeout %s\n' "${REDIS_CLUSTER_NODE_TIMEOUT_MS:-2000}"
    elif [[ "$port" != "$PORT" ]]; then
      printf 'replicaof 127.0.0.1 %s\n' "$PORT"
    fi
  } >"$dir/redis.conf"
}

write_sentinel_conf() {
  local port="$1" dir="$RUN_DIR/sentinel-$1"
  mkdir -p "$dir"
  {
    printf 'port %s\nbind 127.0.0.1\ndaemonize yes\ndir %s\npidfile %s/redis.pid\nlogfile %s/redis.log\n' "$port" "$dir" "$dir" "$dir"
    printf 'sentinel monitor %s 127.0.0.1 %s 2\n' "$SENTINEL_NAME" "$PORT"
    printf 'sentinel down-after-milliseconds %s %s\n' "$SENTINEL_NAME" "${REDIS_SENTINEL_DOWN_AFTER_MS:-1000}"
    printf 'sentinel failover-timeout %s %s\n' "$SENTINEL_NAME" "${REDIS_SENTINEL_FAILOVER_TIMEOUT_MS:-10000}"
    printf 'sentinel parallel-syncs %s 1\n' "$SENTINEL_NAME"
  } >"$dir/sentinel.conf"
}

# Starts the server whose config is in DIR and waits until it answers PING.
start_from() {
  local dir="$1" port="$2"
  if [[ -f "$dir/sentinel.conf" ]]; then redis-server "$dir/sentinel.conf" --sentinel; else redis-server "$dir/redis.conf"; fi
  for _ in $(seq 1 100); do ping_port "$port" && return 0; sleep 0.1; done
  log "the server on port $port did not answer within 10 s; last log lines:"
  tail -n 20 "$dir/redis.log" >&2 || true
  return 1
}

dir_of_port() {
  if [[ -d "$RUN_DIR/$1" ]]; then printf '%s' "$RUN_DIR/$1"; else printf '%s' "$RUN_DIR/sentinel-$1"; fi
}

# SIGKILLs (or shuts down) the process of one pid file, waiting until it is gone.
stop_pidfile() {
  local file="$1" signal="${2:-TERM}" pid
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && grep -q redis "/proc/$pid/cmdline" 2>/dev/null; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

topology_stop() {
  [[ -d "$RUN_DIR" ]] || { log "no $TOPOLOGY topology started in $RUN_DIR; nothing to stop"; return 0; }
  local f
  for f in "$RUN_DIR"/*/redis.pid; do [[ -e "$f" ]] && stop_pidfile "$f" TERM; done
  log "stopped the $TOPOLOGY topology in $RUN_DIR"
}

cluster_ok() {
  local port
  for port in $(server_ports); do
    redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

topology_start() {
  ensure_installed
  for port in $(server_ports) $([[ "$TOPOLOGY" == "sentinel" ]] && sentinel_ports); do
    if ping_port "$port" && [[ ! -f "$(dir_of_port "$port")/redis.pid" ]]; then
      log "port $port is taken by a Redis this script did not start; choose other ports (REDIS_PORT, SENTINEL_PORT)"
      exit 1
    fi
  done
  topology_stop >/dev/null 2>&1
  rm -rf "$RUN_DIR"
  mkdir -p "$RUN_DIR"
  local port
  for port in $(server_ports); do write_server_conf "$port"; start_from "$RUN_DIR/$port" "$port"; done
  if [[ "$TOPOLOGY" == "sentinel" ]]; then
    # The replicas must be in sync before a failover can promote one.
    for port in $(server_ports | tail -n +2); do
      for _ in $(seq 1 100); do
        redis-cli -h 127.0.0.1 -p "$port" info replication 2>/dev/null | grep -q '^master_link_status:up' && break
        sleep 0.1
      done
    done
    for port in $(sentinel_ports); do write_sentinel_conf "$port"; start_from "$RUN_DIR/sentinel-$port" "$port"; done
    # Every sentinel must know the replicas and the other sentinels before it can fail over.
    for port in $(sentinel_ports); do
      for _ in $(seq 1 200); do
        local info
        info="$(redis-cli -h 127.0.0.1 -p "$port" sentinel master "$SENTINEL_NAME" 2>/dev/null | tr '\n' ' ')"
        [[ "$info" =~ num-slaves\ ([0-9]+) && "${BASH_REMATCH[1]}" -ge "$REPLICAS" && "$info" =~ num-other-sentinels\ ([0-9]+) && "${BASH_REMATCH[1]}" -ge $((SENTINELS_COUNT - 1)) ]] && break
        sleep 0.1
      done
    done
  else
    local nodes=()
    for port in $(server_ports); do nodes+=("127.0.0.1:$port"); done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas "$CLUSTER_REPLICAS" --cluster-yes >"$RUN_DIR/cluster-create.log" 2>&1 || {
      log "redis-cli --cluster create failed:"; tail -n 20 "$RUN_DIR/cluster-create.log" >&2; exit 1
    }
    for _ in $(seq 1 200); do cluster_ok && break; sleep 0.1; done
    cluster_ok || { log "the cluster did not reach cluster_state:ok within 20 s"; exit 1; }
  fi
  log "started a $TOPOLOGY topology in $RUN_DIR"
  topology_env | sed 's/^/redis.sh:   /' >&2
}

topology_env() {
  local list=()
  if [[ "$TOPOLOGY" == "sentinel" ]]; then
    for port in $(sentinel_ports); do list+=("127.0.0.1:$port"); done
    printf 'REDIS_SENTINELS=%s\nREDIS_SENTINEL_NAME=%s\n' "$(IFS=,; echo "${list[*]}")" "$SENTINEL_NAME"
  else
    for port in $(server_ports); do list+=("127.0.0.1:$port"); done
    printf 'REDIS_CLUSTER_NODES=%s\n' "$(IFS=,; echo "${list[*]}")"
  fi
}

topology_status() {
  local port up=0 down=0
  for port in $(server_ports) $([[ "$TOPOLOGY" == "sentinel" ]] && sentinel_ports); do
    if ping_port "$port"; then up=$((up + 1)); else down=$((down + 1)); log "port $port does not answer"; fi
  done
  [[ "$TOPOLOGY" == "sentinel" ]] && log "master: $(sentinel_master || echo unknown)"
  log "$TOPOLOGY topology in $RUN_DIR: $up answering, $down not"
  [[ "$down" -eq 0 ]]
}

sentinel_master() {
  local port
  for port in $(sentinel_ports); do
    local addr
    addr="$(redis-cli -h 127.0.0.1 -p "$port" sentinel get-master-addr-by-name "$SENTINEL_NAME" 2>/dev/null | paste -sd: -)"
    [[ -n "$addr" ]] && { printf '%s\n' "$addr"; return 0; }
  done
  return 1
}

topology_kill() {
  local port="${1:?usage: redis.sh kill PORT}"
  local dir
  dir="$(dir_of_port "$port")"
  [[ -f "$dir/redis.pid" ]] || { log "no server of this topology runs on port $port"; exit 1; }
  stop_pidfile "$dir/redis.pid" KILL
  log "killed the server on port $port (SIGKILL)"
}

topology_restart() {
  local port="${1:?usage: redis.sh restart PORT}"
  local dir
  dir="$(dir_of_port "$port")"
  [[ -d "$dir" ]] || { log "no server of this topology was on port $port"; exit 1; }
  ping_port "$port" && { log "port $port answers already"; return 0; }
  start_from "$dir" "$port"
  log "started the server on port $port again"
}

if [[ "$TOPOLOGY" != "single" ]]; then
  [[ "$TOPOLOGY" == "sentinel" || "$TOPOLOGY" == "cluster" ]] || { echo "REDIS_TOPOLOGY: expected single, sentinel or cluster, got $TOPOLOGY" >&2; exit 2; }
  case "${1:-}" in
    start) topology_start ;;
    stop) topology_stop ;;
    status) topology_status ;;
    env) topology_env ;;
    kill) topology_kill "${2:-}" ;;
    restart) topology_restart "${2:-}" ;;
    master) [[ "$TOPOLOGY" == "sentinel" ]] || { echo "master: only with REDIS_TOPOLOGY=sentinel" >&2; exit 2; }; sentinel_master ;;
    *) echo "usage: REDIS_TOPOLOGY=$TOPOLOGY $0 start|stop|status|env|kill PORT|restart PORT|master" >&2; exit 2 ;;
  esac
  exit $?
fi

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
