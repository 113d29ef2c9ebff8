#!/usr/bin/env bash
# Starts, stops and reports on a real single-node Elasticsearch on 127.0.0.1
# for the integration tests and the demo.
#
# The node is the "integ-test-zip" distribution that Elastic publishes on Maven
# Central (org.elasticsearch.distribution.integ-test-zip:elasticsearch:<v>:zip):
# the only complete, runnable Elasticsearch that Central carries. It has server
# core, transport-netty4, x-pack-core and x-pack-security, and lacks the other
# modules (no `GET /`, no painless, no reindex/_delete_by_query, no wildcard...).
#
# Which version runs on which Java (see resolve_java): without ES_VERSION, the
# newest supported one the Java found can run: 9.x on Java 21+, else 8.19.x on
# Java 17+. Java is looked for in ES_JAVA_HOME (only there when set), JAVA_HOME,
# /usr/lib/jvm/* and `java` on PATH; as root on Debian with none usable, one is
# installed with apt-get.
#
# ES_SECURITY=1 starts a secured node instead (HTTPS with the given certificate,
# a file-realm superuser, native users and roles, API keys), for the security
# tests on a spare port. It runs from a copy of the distribution with one small
# plugin added (scripts/es-security-analysis/): see ensure_secured_home.
#
# ES_NODES=3 starts a cluster of that many nodes instead, from the same
# distribution, on consecutive ports from ES_PORT (HTTP) and ES_TRANSPORT_PORT
# (transport): for the node-loss tests and chaos runs. Each node is a member
# started by this same script (ES_MEMBER_OF, set by the script itself), so it
# has its own run dir, pid file, lock and logs exactly like a single node;
# kill-node/stop-node/start-node act on one of them by index.
#
# Usage: scripts/es.sh start|stop|status|plan|kill-node|stop-node|start-node|help
set -euo pipefail
# Everything we create must be readable by the ES user, whatever the caller's umask.
umask 022

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO_DIR
# Cluster commands run this script once per node.
SELF="$REPO_DIR/scripts/${BASH_SOURCE[0]##*/}"
readonly SELF

log() { printf 'es.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- knobs (environment) -----------------------------------------------------
# Empty: the newest of the two below that the Java found can run; "9" or "8": that
# one; a full version: exactly that (it must run on the Java found).
ES_VERSION="${ES_VERSION:-}"
# The supported versions, both tested by `npm test` (README, "Supported versions").
readonly ES9_VERSION=9.5.4 ES8_VERSION=8.19.8
ES_PORT="${ES_PORT:-9200}"
# Checked before any arithmetic: bash evaluates expressions inside $((...)).
[[ "$ES_PORT" =~ ^[0-9]{1,5}$ ]] || die "ES_PORT must be a TCP port number, got '$ES_PORT'"
# Transport is derived from the HTTP port so two nodes on different HTTP ports
# never fight over 9300 (9200 -> 9300, 9299 -> 9399).
ES_TRANSPORT_PORT="${ES_TRANSPORT_PORT:-$((ES_PORT + 100))}"
# Nodes of a cluster (ES_NODES>1): node i answers HTTP on ES_PORT+i and transport on
# ES_TRANSPORT_PORT+i. A cluster node gets a smaller default heap: several share the machine.
ES_NODES="${ES_NODES:-1}"
[[ "$ES_NODES" =~ ^[0-9]{1,2}$ ]] || die "ES_NODES must be a number of nodes (1 to 9), got '$ES_NODES'"
if ((ES_NODES > 1)); then ES_HEAP="${ES_HEAP:-384m}"; else ES_HEAP="${ES_HEAP:-512m}"; fi
# Internal, set by this script for each node of a cluster it starts:
# "<first HTTP port>:<first transport port>:<nodes>". Empty for a single node.
ES_MEMBER_OF="${ES_MEMBER_OF:-}"
# Empty: searched (resolve_java). Set: that Java and no other.
ES_JAVA_HOME="${ES_JAVA_HOME:-}"
# Where Debian (and most Linux packages) install JVMs, searched after JAVA_HOME.
ES_JVM_DIR="${ES_JVM_DIR:-/usr/lib/jvm}"
ES_USER="${ES_USER:-cpd-es}"
ES_START_TIMEOUT_S="${ES_START_TIMEOUT_S:-180}"
ES_STOP_TIMEOUT_S="${ES_STOP_TIMEOUT_S:-30}"
# Data survives restarts; 1 wipes it on start. This distribution cannot delete
# a data stream (no _data_stream API), so a wipe is the only way to drop one.
ES_WIPE_DATA="${ES_WIPE_DATA:-0}"
default_m2=~/.m2/repository   # unquoted: ~ also works when HOME is unset
MAVEN_REPO_LOCAL="${MAVEN_REPO_LOCAL:-$default_m2}"
# Opt-in secured node: HTTPS with the given PEM files and a file-realm superuser.
# status needs the same knobs as start to log in; stop needs only ES_PORT.
ES_SECURITY="${ES_SECURITY:-0}"
ES_TLS_CERT="${ES_TLS_CERT:-}"   # server certificate for 127.0.0.1 (PEM)
ES_TLS_KEY="${ES_TLS_KEY:-}"     # its unencrypted private key (PEM)
ES_TLS_CA="${ES_TLS_CA:-}"       # the CA that signed it (PEM)
ES_SUPERUSER="${ES_SUPERUSER:-cpd-admin}"
ES_SUPERUSER_PASSWORD="${ES_SUPERUSER_PASSWORD:-}"
readonly ES_GROUP_PATH="org/elasticsearch/distribution/integ-test-zip/elasticsearch"
readonly DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

usage() {
  cat <<EOF
Usage: bash scripts/es.sh <command>

  start   choose the version and Java (see plan), fetch (Maven Central, cached
          in ~/.m2), unpack once, start a single-node Elasticsearch on
          127.0.0.1:\$ES_PORT and wait for yellow. If something already answers
          /_cluster/health there, reuse it. With ES_NODES=N (N>1): start a
          cluster of N nodes on ports \$ES_PORT..\$ES_PORT+N-1 and wait until
          all N have joined; prints one URL a line.
  stop    stop the node this script started on \$ES_PORT (SIGTERM, then SIGKILL
          after \$ES_STOP_TIMEOUT_S), or every node of the cluster (ES_NODES=N).
          Exits 0 when nothing is running.
  status  say whether a node runs on \$ES_PORT, its pid and version (each node
          with ES_NODES=N). Exit code 0 when something answers, 3 when not.
  plan    print "<version> <java major> <java home>" that start would use, or
          why there is none (exit 3); never installs anything.
  kill-node I   (ES_NODES=N) SIGKILL node I (0..N-1, HTTP port \$ES_PORT+I): a
                crash, no clean shutdown. Exits 0 when it was not running.
  stop-node I   (ES_NODES=N) stop node I cleanly, like stop.
  start-node I  (ES_NODES=N) start node I again with its data and wait until it
                answers health, i.e. has rejoined the cluster.

Environment (defaults):
  ES_VERSION   empty: $ES9_VERSION on Java 21+, else $ES8_VERSION on Java 17+;
               "9" or "8": that one of the two; or an exact version
  ES_JAVA_HOME empty: a Java that can run the version, from JAVA_HOME,
               \$ES_JVM_DIR/* (/usr/lib/jvm) and java on PATH (9.x: the newest,
               8.x: the oldest that can); as root on Debian, when there
               is none, apt-get installs the newest openjdk-N-jre-headless
               (Debian 12: openjdk-17, so $ES8_VERSION)
  ES_PORT=$ES_PORT  ES_TRANSPORT_PORT=ES_PORT+100  ES_HEAP=512m (384m a node when ES_NODES>1)
  ES_NODES=1   N>1: a cluster; node I on HTTP ES_PORT+I, transport ES_TRANSPORT_PORT+I,
               run dir, data and logs per port as for a single node
  ES_CACHE_DIR=<repo>/.cache/elasticsearch (or /var/tmp/curl-proxy-detector/elasticsearch
               when root and the repo is not reachable by \$ES_USER)
  ES_USER=$ES_USER (only used when running as root)
  ES_START_TIMEOUT_S=$ES_START_TIMEOUT_S  ES_STOP_TIMEOUT_S=$ES_STOP_TIMEOUT_S
  ES_WIPE_DATA=0 (1: start with an empty data dir)
  MAVEN_REPO_LOCAL=~/.m2/repository

Secured mode (off by default; status needs the same variables as start):
  ES_SECURITY=1          HTTPS, authentication and API keys on \$ES_PORT
  ES_TLS_CERT, ES_TLS_KEY, ES_TLS_CA
                         PEM server certificate (for 127.0.0.1), its key, its CA
  ES_SUPERUSER=$ES_SUPERUSER  ES_SUPERUSER_PASSWORD (6+ characters)
                         a superuser created in the file realm on each start
  The node runs from <cache>/\$ES_VERSION-secured: the distribution plus a small
  plugin compiled for the node's Java (see scripts/es-security-analysis/); it
  needs a JDK (javac), installed as openjdk-N-jdk-headless as root on Debian.
EOF
}

is_root() { [[ "$(id -u)" == 0 ]]; }

# True if every directory from / down to $1 can be traversed by "other" users.
# Used as root to decide whether the unprivileged ES user can reach the cache;
# it must give the same answer for start, stop and status, so it looks only at
# the path's modes and not at whether the ES user exists yet.
world_traversable() {
  local dir="$1"
  while [[ "$dir" != "/" && -n "$dir" ]]; do
    if [[ -e "$dir" ]]; then
      [[ "$(stat -c %A "$dir")" == ?????????[xt] ]] || return 1
    fi
    dir="$(dirname "$dir")"
  done
}

# Where the unpacked distributions and the per-port run dirs live.
resolve_cache_dir() {
  if [[ -n "${ES_CACHE_DIR:-}" ]]; then
    echo "$ES_CACHE_DIR"
  elif is_root && ! world_traversable "$REPO_DIR"; then
    # e.g. a clone under /root (mode 700): the ES user could not read its own
    # jars there, so keep everything in a world-traversable place instead.
    echo "/var/tmp/curl-proxy-detector/elasticsearch"
  else
    echo "$REPO_DIR/.cache/elasticsearch"
  fi
}

valid_port() { [[ "$1" =~ ^[0-9]{1,5}$ ]] && (($1 > 0 && $1 < 65536)); }

validate_knobs() {
  valid_port "$ES_PORT" || die "ES_PORT must be a TCP port number, got '$ES_PORT'"
  valid_port "$ES_TRANSPORT_PORT" ||
    die "ES_TRANSPORT_PORT must be a TCP port number, got '$ES_TRANSPORT_PORT' (set it explicitly when ES_PORT > 65435)"
  [[ "$ES_VERSION" =~ ^([89]|[0-9]+\.[0-9]+\.[0-9]+)?$ ]] ||
    die "ES_VERSION must be empty, a major (9 or 8) or a version like $ES9_VERSION, got '$ES_VERSION'"
  [[ "$ES_HEAP" =~ ^[0-9]+[mMgG]$ ]] || die "ES_HEAP must look like 512m or 1g, got '$ES_HEAP'"
  [[ "$ES_START_TIMEOUT_S" =~ ^[0-9]+$ ]] || die "ES_START_TIMEOUT_S must be whole seconds, got '$ES_START_TIMEOUT_S'"
  [[ "$ES_STOP_TIMEOUT_S" =~ ^[0-9]+$ ]] || die "ES_STOP_TIMEOUT_S must be whole seconds, got '$ES_STOP_TIMEOUT_S'"
  [[ "$ES_WIPE_DATA" == [01] ]] || die "ES_WIPE_DATA must be 0 or 1, got '$ES_WIPE_DATA'"
  [[ "$ES_SECURITY" == [01] ]] || die "ES_SECURITY must be 0 or 1, got '$ES_SECURITY'"
  ((ES_NODES >= 1 && ES_NODES <= 9)) || die "ES_NODES must be 1 to 9, got '$ES_NODES'"
  if ((ES_NODES > 1)); then
    [[ "$ES_SECURITY" == 0 ]] || die "ES_SECURITY=1 runs a single node only; unset ES_NODES"
    valid_port $((ES_PORT + ES_NODES - 1)) && valid_port $((ES_TRANSPORT_PORT + ES_NODES - 1)) ||
      die "ES_NODES=$ES_NODES nodes do not fit above ES_PORT=$ES_PORT / ES_TRANSPORT_PORT=$ES_TRANSPORT_PORT"
  fi
  [[ -z "$ES_MEMBER_OF" || "$ES_MEMBER_OF" =~ ^[0-9]{1,5}:[0-9]{1,5}:[0-9]$ ]] ||
    die "ES_MEMBER_OF is set by es.sh itself; unset it"
}

# Checked by start only: stop needs none of these, and status just fails to log in.
validate_security_knobs() {
  local var
  for var in ES_TLS_CERT ES_TLS_KEY ES_TLS_CA; do
    [[ -n "${!var}" && -r "${!var}" ]] || die "ES_SECURITY=1 needs $var, a readable PEM file, got '${!var}'"
  done
  [[ "$ES_SUPERUSER" =~ ^[A-Za-z_][A-Za-z0-9_.-]{0,63}$ ]] ||
    die "ES_SUPERUSER must be a user name (letters, digits, _ . -), got '$ES_SUPERUSER'"
  # The file realm's own minimum; the value is never echoed.
  ((${#ES_SUPERUSER_PASSWORD} >= 6)) || die "ES_SECURITY=1 needs ES_SUPERUSER_PASSWORD, at least 6 characters"
}

validate_knobs
# Absolute and without symlinks: the path is matched against the JVM's command line.
CACHE_DIR="$(realpath -m "$(resolve_cache_dir)")"
# Set by set_version_paths once start knows the version: the unpacked distribution
# (shared, read-only), its hard-linked copy with the plugin (ES_SECURITY=1), and
# the one the node runs from.
ES_HOME_DIR="" SECURED_HOME_DIR="" NODE_HOME_DIR=""
RUN_DIR="$CACHE_DIR/run/$ES_PORT"        # per port: config/ data/ logs/ tmp/ es.pid
PID_FILE="$RUN_DIR/es.pid"
LAUNCHER_LOG="$RUN_DIR/launcher.log"
BASE_URL="http://127.0.0.1:$ES_PORT"
# A cluster's name is its first node's, and names its log file (<cluster.name>.log).
CLUSTER_NAME="cpd-es-${ES_MEMBER_OF%%:*}"
[[ -z "$ES_MEMBER_OF" ]] && CLUSTER_NAME="cpd-es-$ES_PORT"
readonly CLUSTER_NAME
[[ "$ES_SECURITY" == 1 ]] && BASE_URL="https://127.0.0.1:$ES_PORT"
readonly BASE_URL

# ---- probing -------------------------------------------------------------------

# curl against the node. Secured: trust only ES_TLS_CA and log in as the
# superuser; the credentials go in a curl config on stdin, never on a command line.
es_curl() {
  if [[ "$ES_SECURITY" == 1 ]]; then
    local user="$ES_SUPERUSER:$ES_SUPERUSER_PASSWORD"
    user="${user//\\/\\\\}"; user="${user//\"/\\\"}"
    curl --cacert "$ES_TLS_CA" -K - "$@" <<<"user = \"$user\""
  else
    curl "$@"
  fi
}

# HTTP status of /_cluster/health on $ES_PORT ("000" when nothing answers).
health_code() {
  es_curl -s -o /dev/null -w '%{http_code}' --max-time "${1:-3}" \
    "$BASE_URL/_cluster/health?wait_for_status=yellow&timeout=${2:-1s}" 2>/dev/null || true
}

answers_health() { [[ "$(health_code)" == 200 ]]; }

# Version of whatever answers on $ES_PORT. `GET /` is not in this distribution
# (it lives in the missing rest-root module), so ask the nodes info API.
remote_version() {
  es_curl -s --max-time 3 "$BASE_URL/_nodes/_local?filter_path=nodes.*.version" 2>/dev/null |
    grep -o '"version":"[^"]*"' | head -n1 | cut -d'"' -f4 || true
}

port_listening() {
  if command -v ss >/dev/null; then
    ss -Hltn "sport = :$1" | grep -q .
  else # no iproute2: a connect that succeeds means something listens
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

# The pid from our pid file, if it is alive and really is the ES server we
# launched for this port. The JVM command line does not carry path.conf (the
# launcher passes it on stdin), but it does carry our per-port tmp dir.
# Guards against stale pid files and recycled pids before we send signals.
our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "-Djava.io.tmpdir=$RUN_DIR/tmp " || return 1
  echo "$pid"
}

# ---- prerequisites ---------------------------------------------------------------

# Major version of the Java in home $1 (empty when its bin/java does not run).
java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

# Every Java home that runs, one "<major> <home>" a line, newest first (on a tie,
# in the order found): JAVA_HOME, every JVM under $ES_JVM_DIR, the `java` on PATH.
# Homes that are links to one another are listed once.
list_javas() {
  local -a homes=()
  local home java
  [[ -n "${JAVA_HOME:-}" ]] && homes+=("$JAVA_HOME")
  for home in "$ES_JVM_DIR"/*; do [[ -d "$home" ]] && homes+=("$home"); done
  if java="$(command -v java 2>/dev/null)"; then
    java="$(readlink -f "$java")"
    homes+=("${java%/bin/java}")
  fi
  local -A seen=()
  local real major
  for home in "${homes[@]}"; do
    [[ -x "$home/bin/java" ]] || continue
    real="$(readlink -f "$home")"
    [[ -z "${seen[$real]:-}" ]] || continue
    seen[$real]=1
    major="$(java_major "$home")"
    [[ "$major" =~ ^[0-9]+$ ]] && printf '%s %s\n' "$major" "$real"
  done | sort -s -k1,1nr
}

# The oldest Java that runs Elasticsearch version $1 (9.x: 21, 8.x and older: 17).
min_java_for() { if ((${1%%.*} >= 9)); then echo 21; else echo 17; fi; }

# The version ES_VERSION ($1: empty, a major or exact) names for a Java of major
# $2, or nothing (status 1) when that Java cannot run it.
version_for_java() {
  local wanted="$1" major="$2" version
  case "$wanted" in
    "") if ((major >= 21)); then version=$ES9_VERSION; else version=$ES8_VERSION; fi ;;
    9) version=$ES9_VERSION ;;
    8) version=$ES8_VERSION ;;
    *.*) version="$wanted" ;;
    *) return 1 ;;   # a major we do not support (validate_knobs let it through)
  esac
  ((major >= $(min_java_for "$version"))) || return 1
  echo "$version"
}

# What ES_VERSION=$1 asks for, with the Java it needs, for messages.
wanted_text() {
  local v
  case "$1" in
    "") echo "Elasticsearch $ES9_VERSION (Java 21+) or $ES8_VERSION (Java 17+)" ;;
    *) v="$(version_for_java "$1" 99)"; echo "Elasticsearch $v (ES_VERSION=$1, Java $(min_java_for "$v")+)" ;;
  esac
}

# The Debian package (openjdk-N-<kind>-headless, $2: jre or jdk) of the newest Java
# that can run version ES_VERSION=$1, when apt offers one; nothing otherwise.
debian_java_package() {
  local wanted="$1" kind="$2" major package
  for major in 25 21 17; do
    version_for_java "$wanted" "$major" >/dev/null || continue
    package="openjdk-$major-$kind-headless"
    apt-cache policy "$package" 2>/dev/null | grep -q 'Candidate: [0-9]' && { echo "$package"; return; }
  done
  return 1
}

# As root on Debian, installs a Debian Java ($2: jre or jdk) that can run ES_VERSION=$1;
# $3 says why. Fails (status 1) when this is not Debian, not root, or Debian has no such Java.
install_debian_java() {
  local wanted="$1" kind="$2" why="$3" package
  is_root && command -v apt-get >/dev/null && [[ -f /etc/debian_version ]] || return 1
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine may have empty package lists; refresh once if nothing fits.
  package="$(debian_java_package "$wanted" "$kind")" ||
    { apt-get update -q >/dev/null 2>&1; package="$(debian_java_package "$wanted" "$kind")"; } || return 1
  log "installing $package with apt-get ($why)"
  local out
  out="$(apt-get install -y -q --no-install-recommends "$package" 2>&1)" ||
    die "apt-get install $package failed: $(tail -n 5 <<<"$out")"
}

# Chooses the Java, and the version when ES_VERSION is empty or a major: sets
# ES_JAVA_HOME, JAVA_MAJOR and ES_VERSION. ES_JAVA_HOME, when given, is the only
# candidate. Otherwise the newest Java found decides the version (9.x on 21+, 8.x
# on 17+); 9.x then runs on the newest Java, 8.x on the oldest that can run it
# (the 8.x line was built for Java 17 and 21; from Java 24 it runs in another
# security mode). $1=plan: report only, never install (status 3 when none fits).
resolve_java() {
  local mode="${1:-start}" wanted="$ES_VERSION" major home version found
  if [[ -n "$ES_JAVA_HOME" ]]; then
    JAVA_MAJOR="$(java_major "$ES_JAVA_HOME")"
    [[ -n "$JAVA_MAJOR" ]] || die "ES_JAVA_HOME=$ES_JAVA_HOME: $ES_JAVA_HOME/bin/java does not run; point it at a Java home, or unset it to search for one"
    version="$(version_for_java "$wanted" "$JAVA_MAJOR")" ||
      die "ES_JAVA_HOME=$ES_JAVA_HOME is Java $JAVA_MAJOR, too old for $(wanted_text "$wanted"); point ES_JAVA_HOME at a newer Java, or unset it to search for one"
    ES_VERSION="$version"
    return 0
  fi
  local attempt order
  for attempt in found installed; do
    found="$(list_javas)"
    if [[ -n "$found" ]] && version="$(version_for_java "$wanted" "${found%% *}")"; then
      order=(cat); ((${version%%.*} >= 9)) || order=(tac)
      while read -r major home; do
        version_for_java "$version" "$major" >/dev/null || continue
        ES_JAVA_HOME="$home" JAVA_MAJOR="$major" ES_VERSION="$version"
        return 0
      done < <("${order[@]}" <<<"$found")
    fi
    [[ "$attempt" == found && "$mode" == start ]] || break
    install_debian_java "$wanted" jre "no Java found that can run $(wanted_text "$wanted")" || break
  done
  local seen="none"
  [[ -n "$found" ]] && seen="$(awk '{printf "%sJava %s at %s", (NR>1 ? ", " : ""), $1, $2}' <<<"$found")"
  local hint="install one and set ES_JAVA_HOME"
  if [[ -z "$wanted" || "$wanted" == 8 || "$wanted" == 8.* ]]; then
    hint="install one (Debian: apt-get install openjdk-17-jre-headless; as root this script does it) or set ES_JAVA_HOME"
  elif [[ -n "$found" ]] && version_for_java "" "$(head -n1 <<<"$found" | cut -d' ' -f1)" >/dev/null; then
    hint="install Java 21+ (Debian 12 packages none; e.g. Temurin) and set ES_JAVA_HOME, or unset ES_VERSION to run $ES8_VERSION on the Java found"
  fi
  local message
  message="no Java that can run $(wanted_text "$wanted") was found in JAVA_HOME, $ES_JVM_DIR or PATH (found: $seen); $hint"
  [[ "$mode" == plan ]] && { log "$message"; exit 3; }
  die "$message"
}

# The paths that depend on the version, once resolve_java chose it.
set_version_paths() {
  ES_HOME_DIR="$CACHE_DIR/$ES_VERSION"
  SECURED_HOME_DIR="$CACHE_DIR/$ES_VERSION-secured"
  NODE_HOME_DIR="$ES_HOME_DIR"
  [[ "$ES_SECURITY" == 1 ]] && NODE_HOME_DIR="$SECURED_HOME_DIR"
  readonly ES_HOME_DIR SECURED_HOME_DIR NODE_HOME_DIR
}

# A JDK to build the secured node's plugin, as "<major> <home>": the node's own Java
# when it has javac, else the newest JDK found that can compile against this
# version's jars; as root on Debian, installs one when there is none.
find_javac() {
  local need major home
  need="$(min_java_for "$ES_VERSION")"
  if [[ -x "$ES_JAVA_HOME/bin/javac" ]]; then echo "$JAVA_MAJOR $ES_JAVA_HOME"; return; fi
  local attempt
  for attempt in found installed; do
    while read -r major home; do
      [[ -n "$major" && -x "$home/bin/javac" ]] && ((major >= need)) && { echo "$major $home"; return; }
    done <<<"$(list_javas)"
    [[ "$attempt" == found ]] || break
    install_debian_java "$ES_VERSION" jdk "ES_SECURITY=1 compiles a small plugin and no JDK $need+ with javac was found" || break
  done
  die "ES_SECURITY=1 compiles a small plugin and needs a JDK $need+ (javac); none found in ES_JAVA_HOME, JAVA_HOME, $ES_JVM_DIR or PATH (Debian: apt-get install openjdk-$JAVA_MAJOR-jdk-headless)"
}

# Install a missing command from Debian when root (CI on a fresh machine),
# otherwise say what to install.
ensure_tool() {
  local cmd="$1" package="$2"
  command -v "$cmd" >/dev/null && return
  is_root || die "'$cmd' is needed; install it (apt-get install $package) or run as root"
  log "installing $package with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$package" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q "$package" >/dev/null; } ||
    die "apt-get install $package failed"
}

# Path of the distribution zip in the local Maven repo, fetched if missing.
fetch_zip() {
  local zip="$MAVEN_REPO_LOCAL/$ES_GROUP_PATH/$ES_VERSION/elasticsearch-$ES_VERSION.zip"
  local coords="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${ES_VERSION}:zip"
  if [[ ! -s "$zip" ]]; then
    ensure_tool mvn maven
    log "fetching $coords from Maven Central (~130 MB, once)"
    # The JVM that runs Maven is the system default; fall back to ours if none.
    local java_home="${JAVA_HOME:-}"
    command -v java >/dev/null || java_home="$ES_JAVA_HOME"
    JAVA_HOME="$java_home" mvn -B -q -U -Dstyle.color=never \
      -Dmaven.repo.local="$MAVEN_REPO_LOCAL" \
      "$DEPENDENCY_PLUGIN:get" -Dartifact="$coords" -Dtransitive=false >&2 ||
      die "Maven could not fetch $coords (is ES_VERSION=$ES_VERSION published on Central?)"
    [[ -s "$zip" ]] || die "Maven finished but $zip is missing"
  fi
  echo "$zip"
}

# Unpack once into $ES_HOME_DIR. Unpacks beside it and renames, so an
# interrupted run never leaves a half-unpacked distribution behind.
ensure_distribution() {
  [[ -x "$ES_HOME_DIR/bin/elasticsearch" ]] && return
  local zip tmp
  zip="$(fetch_zip)"
  ensure_tool unzip unzip
  mkdir -p "$CACHE_DIR"
  chmod a+rx "$CACHE_DIR"
  tmp="$(mktemp -d "$CACHE_DIR/.unpack-$ES_VERSION.XXXXXX")"
  log "unpacking $(basename "$zip") into $ES_HOME_DIR"
  unzip -q "$zip" -d "$tmp" || { rm -rf "$tmp"; die "could not unzip $zip (corrupt download? delete it and retry)"; }
  # The distribution stays owned by the invoking user and read-only to ES.
  chmod -R a+rX "$tmp"
  if ! mv -T "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME_DIR" 2>/dev/null; then
    [[ -x "$ES_HOME_DIR/bin/elasticsearch" ]] || { rm -rf "$tmp"; die "could not move the distribution into $ES_HOME_DIR"; }
  fi
  rm -rf "$tmp"   # only the now-empty wrapper, or a copy another run beat us to
}

# The secured node's home: the distribution hard-linked (cp -al; a plain copy
# where links fail) plus scripts/es-security-analysis built as a plugin. The
# .security index, which holds native users, roles and API keys, analyses
# e-mails with four analysis-common components this distribution lacks; the
# plugin provides them. The shared distribution stays untouched, so the
# default node never loads it. Rebuilt when the plugin's source changes.
ensure_secured_home() {
  local src="$REPO_DIR/scripts/es-security-analysis/SecurityIndexAnalysis.java"
  local plugin_dir="plugins/cpd-security-index-analysis" sum
  sum="$ES_VERSION java $JAVA_MAJOR $(sha256sum <"$src")"
  [[ -f "$SECURED_HOME_DIR/$plugin_dir/source.sha256" &&
    "$(cat "$SECURED_HOME_DIR/$plugin_dir/source.sha256")" == "$sum" ]] && return
  # Class files for the Java that runs the node (a plugin built for a newer Java does
  # not load), from the JDK find_javac gives, which may be newer than the node's.
  local javac javac_major javac_home release
  javac="$(find_javac)" || exit 1
  read -r javac_major javac_home <<<"$javac"
  release=$((javac_major < JAVA_MAJOR ? javac_major : JAVA_MAJOR))
  local tmp
  tmp="$(mktemp -d "$CACHE_DIR/.secured-$ES_VERSION.XXXXXX")"
  log "building the secured node's home $SECURED_HOME_DIR (plugin for Java $release, javac from $javac_home)"
  cp -al "$ES_HOME_DIR" "$tmp/home" 2>/dev/null || { rm -rf "${tmp:?}/home"; cp -a "$ES_HOME_DIR" "$tmp/home"; }
  mkdir -p "$tmp/classes" "$tmp/home/$plugin_dir"
  "$javac_home/bin/javac" -nowarn --release "$release" -cp "$ES_HOME_DIR/lib/*" -d "$tmp/classes" "$src" >&2 ||
    { rm -rf "$tmp"; die "could not compile $src against Elasticsearch $ES_VERSION"; }
  "$javac_home/bin/jar" --create --file "$tmp/home/$plugin_dir/cpd-security-index-analysis.jar" -C "$tmp/classes" . ||
    { rm -rf "$tmp"; die "could not package $src"; }
  cat >"$tmp/home/$plugin_dir/plugin-descriptor.properties" <<EOF
description=Test-only: the analysis components the .security index mapping needs
version=1.0
name=cpd-security-index-analysis
classname=cpd.esshim.SecurityIndexAnalysis
java.version=$release
elasticsearch.version=$ES_VERSION
EOF
  echo "$sum" >"$tmp/home/$plugin_dir/source.sha256"
  chmod -R a+rX "$tmp/home/$plugin_dir"
  # Replace a stale home; another es.sh may have just put an equal one there.
  rm -rf "$SECURED_HOME_DIR"
  mv -T "$tmp/home" "$SECURED_HOME_DIR" 2>/dev/null || [[ -d "$SECURED_HOME_DIR/$plugin_dir" ]] ||
    { rm -rf "$tmp"; die "could not move the secured home into $SECURED_HOME_DIR"; }
  rm -rf "$tmp"
}

# Elasticsearch refuses to run as root, and CI runs as root: create a system
# user (idempotent) and run the node as that user.
ensure_es_user() {
  id -u "$ES_USER" >/dev/null 2>&1 && return
  log "creating system user $ES_USER to run Elasticsearch (it refuses to run as root)"
  useradd --system --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$ES_USER" 2>/dev/null || id -u "$ES_USER" >/dev/null 2>&1 ||
    die "could not create user $ES_USER"
}

# Per-port config, data, logs and tmp, so nodes on different ports never share
# a data path, a keystore or a log file.
prepare_run_dir() {
  mkdir -p "$RUN_DIR"/{config,data,logs,tmp}
  # Data written by another version may not be readable (no downgrades): this
  # is scratch data for tests, so start clean instead of failing.
  if [[ -f "$RUN_DIR/version" && "$(cat "$RUN_DIR/version")" != "$ES_VERSION" ]]; then
    log "data in $RUN_DIR/data is from Elasticsearch $(cat "$RUN_DIR/version"); wiping it for $ES_VERSION"
    rm -rf "$RUN_DIR/data" && mkdir -p "$RUN_DIR/data"
  elif [[ "$ES_WIPE_DATA" == 1 ]]; then
    log "ES_WIPE_DATA=1: wiping $RUN_DIR/data"
    rm -rf "$RUN_DIR/data" && mkdir -p "$RUN_DIR/data"
  fi
  echo "$ES_VERSION" >"$RUN_DIR/version"
  cp -R "$NODE_HOME_DIR/config/." "$RUN_DIR/config/"
  write_settings >"$RUN_DIR/config/elasticsearch.yml"
  [[ "$ES_SECURITY" == 1 ]] && prepare_security
  # Heap fixed and small: left alone, ES sizes the heap to half of the RAM.
  # No pre-touch: ES turns it on, which makes the whole heap resident at once.
  printf -- '-Xms%s\n-Xmx%s\n-XX:-AlwaysPreTouch\n' "$ES_HEAP" "$ES_HEAP" \
    >"$RUN_DIR/config/jvm.options.d/heap.options"
  # Fresh logs each start, so a failed start shows its own lines, not old ones.
  rm -rf "$PID_FILE" "$LAUNCHER_LOG" "$RUN_DIR/logs" && mkdir -p "$RUN_DIR/logs"
  if is_root; then
    chown -R "$ES_USER:" "$RUN_DIR"
    # Parents must be traversable by the ES user (an explicit ES_CACHE_DIR may
    # not be, and /var/tmp/curl-proxy-detector is created by us as root).
    world_traversable "$RUN_DIR" || chmod a+x "$CACHE_DIR" "$CACHE_DIR/run"
    runuser -u "$ES_USER" -- test -r "$NODE_HOME_DIR/lib/elasticsearch-$ES_VERSION.jar" ||
      die "user $ES_USER cannot read $NODE_HOME_DIR; set ES_CACHE_DIR to a directory every user can traverse"
  fi
}

# Node settings. Only settings of plugins this distribution ships: ES refuses
# to start on an unknown setting (so no ingest.geoip.*, no xpack.ml.*).
write_settings() {
  cat <<EOF
# Generated by scripts/es.sh on each start; edits are overwritten.
cluster.name: $CLUSTER_NAME
node.name: cpd-es-$ES_PORT
network.host: 127.0.0.1
http.port: $ES_PORT
transport.port: $ES_TRANSPORT_PORT
$(discovery_settings)
path.data: $RUN_DIR/data
path.logs: $RUN_DIR/logs
# CI disks have been seen nearly full; never refuse shards because of that.
cluster.routing.allocation.disk.threshold_enabled: false
# Tests delete their indices by wildcard.
action.destructive_requires_name: false
$(security_settings)
# vm.max_map_count is 65530 on these machines (ES wants 262144) and we cannot
# raise it in CI; without mmap Lucene uses NIO and needs no map count.
node.store.allow_mmap: false
EOF
}

# A single node forms its own cluster; a member finds the others on their transport
# ports, and the first start of all of them elects a master among all (the setting
# is ignored once the cluster has formed, so a node restarted later just rejoins).
discovery_settings() {
  if [[ -z "$ES_MEMBER_OF" ]]; then
    echo "discovery.type: single-node"
    return
  fi
  local first_http first_transport nodes i seeds="" names=""
  IFS=: read -r first_http first_transport nodes <<<"$ES_MEMBER_OF"
  for ((i = 0; i < nodes; i++)); do
    seeds+="${seeds:+, }127.0.0.1:$((first_transport + i))"
    names+="${names:+, }cpd-es-$((first_http + i))"
  done
  echo "discovery.seed_hosts: [$seeds]"
  echo "cluster.initial_master_nodes: [$names]"
}

security_settings() {
  if [[ "$ES_SECURITY" != 1 ]]; then
    cat <<'EOF'
# Plain HTTP, no users; also stops security auto-configuration on first start.
xpack.security.enabled: false
EOF
    return
  fi
  cat <<'EOF'
# ES_SECURITY=1: HTTPS with the caller's PEM files (copied into certs/), users
# from the file realm (the superuser) and the native realm, API keys. Explicit
# security settings also stop the auto-configuration on first start.
xpack.security.enabled: true
xpack.security.http.ssl.enabled: true
xpack.security.http.ssl.key: certs/http.key
xpack.security.http.ssl.certificate: certs/http.crt
xpack.security.http.ssl.certificate_authorities: [certs/ca.crt]
# No other node ever connects. Bootstrap checks are only warnings on a single
# node bound to loopback, so the missing transport TLS costs one WARN log line.
xpack.security.transport.ssl.enabled: false
xpack.security.authc.api_key.enabled: true
EOF
}

# Copies the PEM files into the per-port config (Elasticsearch reads files only
# from there) and creates the superuser in the file realm.
prepare_security() {
  local certs="$RUN_DIR/config/certs"
  mkdir -p "$certs"
  cp "$ES_TLS_KEY" "$certs/http.key"
  chmod 600 "$certs/http.key"
  cp "$ES_TLS_CA" "$certs/ca.crt"
  # The CA follows the server certificate so the node presents the whole chain:
  # clients that pin the CA's fingerprint (elasticsearch.caFingerprint) find it there.
  cat "$ES_TLS_CERT" "$ES_TLS_CA" >"$certs/http.crt"
  # The copied distribution config has empty users files, so the user is new on every
  # start. The password goes in on stdin (the tool prompts twice), not on a command line.
  local out
  out="$(printf '%s\n%s\n' "$ES_SUPERUSER_PASSWORD" "$ES_SUPERUSER_PASSWORD" |
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$RUN_DIR" LANG=C.UTF-8 \
      ES_JAVA_HOME="$ES_JAVA_HOME" ES_PATH_CONF="$RUN_DIR/config" \
      "$NODE_HOME_DIR/bin/elasticsearch-users" useradd "$ES_SUPERUSER" -r superuser 2>&1)" ||
    die "bin/elasticsearch-users could not create the superuser $ES_SUPERUSER: ${out//$'\n'/ }"
}

# ---- commands --------------------------------------------------------------------

# One start/stop per port at a time: parallel test workers may all call start,
# and two launches would share (and clobber) one pid file and data dir.
# The lock is fd 9; the daemon must not inherit it (see cmd_start).
lock_port() {
  mkdir -p "$CACHE_DIR/run"
  exec 9>"$CACHE_DIR/run/.$ES_PORT.lock"
  flock -w $((ES_START_TIMEOUT_S + 30)) 9 || die "timed out waiting for another es.sh on port $ES_PORT"
}

print_log_tail() {
  local server_log="$RUN_DIR/logs/$CLUSTER_NAME.log"
  if [[ -s "$LAUNCHER_LOG" ]]; then
    log "---- $LAUNCHER_LOG (last 30 lines) ----"
    tail -n 30 "$LAUNCHER_LOG" >&2
  fi
  if [[ -s "$server_log" ]]; then
    log "---- $server_log (last 60 lines) ----"
    tail -n 60 "$server_log" >&2
  else
    log "(no server log at $server_log)"
  fi
}

# Kill everything a failed start left behind: the launcher's process group
# (launcher + server JVM, both in the session setsid gave them) and the pid file's pid.
kill_started() {
  local launcher_pid="$1" pid
  pid="$(our_pid || true)"
  local signal
  for signal in TERM KILL; do
    kill "-$signal" -- "-$launcher_pid" 2>/dev/null || true
    if [[ -n "$pid" ]]; then kill "-$signal" "$pid" 2>/dev/null || true; fi
    [[ "$signal" == TERM ]] && sleep 3
  done
  rm -f "$PID_FILE"
}

cmd_start() {
  [[ "$ES_SECURITY" == 1 ]] && validate_security_knobs
  ensure_tool curl curl
  lock_port
  local pid
  if answers_health; then
    local running
    running="$(remote_version)"
    if [[ -n "$ES_VERSION" && -n "$running" && "$running" != "$ES_VERSION" && "$running" != "$ES_VERSION".* ]]; then
      log "warning: ES_VERSION=$ES_VERSION, but Elasticsearch $running already answers on port $ES_PORT; set another ES_PORT to start that version"
    fi
    if pid="$(our_pid)"; then
      log "already running: Elasticsearch $(remote_version) at $BASE_URL (pid $pid, started by this script)"
    else
      log "something already answers $BASE_URL/_cluster/health (version $(remote_version)); using it, not starting another"
    fi
    return 0
  fi
  if pid="$(our_pid)"; then
    die "our node (pid $pid) runs but does not answer $BASE_URL yet; try again or run 'bash scripts/es.sh stop'"
  fi
  port_listening "$ES_PORT" && die "port $ES_PORT is in use by something that is not Elasticsearch; pick another ES_PORT"
  port_listening "$ES_TRANSPORT_PORT" && die "transport port $ES_TRANSPORT_PORT is in use; set ES_TRANSPORT_PORT"

  resolve_java
  set_version_paths
  ensure_distribution
  [[ "$ES_SECURITY" == 1 ]] && ensure_secured_home
  is_root && ensure_es_user
  prepare_run_dir

  # A clean environment: HOME=/root or JAVA_HOME from the caller would only
  # produce warnings or unreadable paths for the ES user.
  local -a env_cmd=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$RUN_DIR" LANG=C.UTF-8
    ES_JAVA_HOME="$ES_JAVA_HOME" ES_PATH_CONF="$RUN_DIR/config" ES_TMPDIR="$RUN_DIR/tmp")
  local -a run_as=()
  is_root && run_as=(runuser -u "$ES_USER" --)
  local started=$SECONDS deadline=$((SECONDS + ES_START_TIMEOUT_S))

  log "starting Elasticsearch $ES_VERSION on $BASE_URL (heap $ES_HEAP, java $JAVA_MAJOR, logs in $RUN_DIR/logs)"
  # -d daemonizes and -p writes the server JVM's pid. setsid gives the launcher
  # its own process group, so a failed start can be killed as a whole and the
  # node does not die with the caller's terminal. `cd` because the ES user may
  # not be able to read the caller's working directory.
  (cd "$RUN_DIR" && exec setsid "${run_as[@]}" "${env_cmd[@]}" \
    "$NODE_HOME_DIR/bin/elasticsearch" -d -p "$PID_FILE" \
    >"$LAUNCHER_LOG" 2>&1 </dev/null 9>&-) &
  local launcher_pid=$!

  local launcher_done=0 code
  while ((SECONDS < deadline)); do
    code="$(health_code 6 5s)"
    [[ "$code" == 200 ]] && break
    if [[ "$ES_SECURITY" == 1 && "$code" == 401 ]]; then
      log "error: the secured node refuses ES_SUPERUSER=$ES_SUPERUSER (HTTP 401)"
      print_log_tail; kill_started "$launcher_pid"; exit 1
    fi
    if ((launcher_done == 0)) && ! kill -0 "$launcher_pid" 2>/dev/null; then
      # The launcher returns once the server is up (0) or has failed (non-0).
      if wait "$launcher_pid"; then
        launcher_done=1
      else
        log "error: the Elasticsearch launcher failed (exit $?)"
        print_log_tail; kill_started "$launcher_pid"; exit 1
      fi
    fi
    if ((launcher_done == 1)) && ! our_pid >/dev/null; then
      log "error: Elasticsearch exited during start-up"
      print_log_tail; kill_started "$launcher_pid"; exit 1
    fi
    sleep 0.5
  done
  if [[ "${code:-}" != 200 ]]; then
    log "error: Elasticsearch did not report yellow within ${ES_START_TIMEOUT_S}s (ES_START_TIMEOUT_S)"
    print_log_tail; kill_started "$launcher_pid"; exit 1
  fi
  pid="$(our_pid || echo '?')"
  log "Elasticsearch $(remote_version) is up at $BASE_URL (pid $pid, $((SECONDS - started))s)"
  echo "$BASE_URL"
}

wait_ports_free() {
  local deadline=$((SECONDS + 10))
  while port_listening "$ES_PORT" || port_listening "$ES_TRANSPORT_PORT"; do
    ((SECONDS < deadline)) || { log "warning: something still listens on $ES_PORT or $ES_TRANSPORT_PORT"; return 1; }
    sleep 0.5
  done
}

cmd_stop() {
  [[ -d "$CACHE_DIR/run" ]] && lock_port
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    if answers_health; then
      log "an Elasticsearch on $BASE_URL was not started by this script; leaving it alone"
    else
      log "no Elasticsearch started by this script on port $ES_PORT; nothing to stop"
    fi
    return 0
  fi
  log "stopping Elasticsearch (pid $pid) on port $ES_PORT"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + ES_STOP_TIMEOUT_S))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "still alive after ${ES_STOP_TIMEOUT_S}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$PID_FILE"
  wait_ports_free || exit 1
  log "stopped"
}

cmd_plan() {
  resolve_java plan
  echo "$ES_VERSION $JAVA_MAJOR $ES_JAVA_HOME"
}

cmd_status() {
  local pid version
  if pid="$(our_pid)"; then
    version="$(remote_version)"
    if [[ -n "$version" ]]; then
      echo "running: Elasticsearch $version at $BASE_URL, pid $pid (started by this script; run dir $RUN_DIR)"
    else
      echo "starting or unhealthy: pid $pid on port $ES_PORT does not answer yet (logs in $RUN_DIR/logs)"
    fi
    return 0
  fi
  if answers_health; then
    echo "running: Elasticsearch $(remote_version) at $BASE_URL (not started by this script)"
    return 0
  fi
  echo "not running on port $ES_PORT"
  return 3
}

# ---- clusters (ES_NODES>1) -------------------------------------------------------

# Runs this script's command $1 for node $2 of the cluster, as a member (its own
# port, run dir, lock and pid file); more environment assignments from $3 on.
member() {
  local command="$1" index="$2"
  shift 2
  env "$@" ES_NODES=1 ES_MEMBER_OF="$ES_PORT:$ES_TRANSPORT_PORT:$ES_NODES" \
    ES_PORT=$((ES_PORT + index)) ES_TRANSPORT_PORT=$((ES_TRANSPORT_PORT + index)) \
    ES_HEAP="$ES_HEAP" bash "$SELF" "$command"
}

# The node index argument $2 of command $1, checked.
node_index() {
  ((ES_NODES > 1)) || die "$1 needs ES_NODES (the cluster's size), e.g. ES_NODES=3"
  [[ "${2:-}" =~ ^[0-9]$ ]] && (($2 < ES_NODES)) || die "$1 needs a node index 0..$((ES_NODES - 1)), got '${2:-}'"
  echo "$2"
}

# The cluster health ($1: query string) from the first node that answers within $2 s.
cluster_health() {
  local port
  for ((port = ES_PORT; port < ES_PORT + ES_NODES; port++)); do
    curl -sf --max-time "$2" "http://127.0.0.1:$port/_cluster/health?$1" 2>/dev/null && return
  done
  return 1
}

# All members start at once (a master needs a majority of them); each waits until it
# answers health, which needs an elected master, so the cluster has formed when all return.
cmd_cluster_start() {
  ensure_tool curl curl
  resolve_java
  set_version_paths
  ensure_distribution
  is_root && ensure_es_user
  local i started=$SECONDS failed=0
  local -a pids=()
  log "starting a $ES_NODES-node cluster $CLUSTER_NAME on HTTP ports $ES_PORT-$((ES_PORT + ES_NODES - 1)) (heap $ES_HEAP each)"
  for ((i = 0; i < ES_NODES; i++)); do
    member start "$i" ES_VERSION="$ES_VERSION" ES_JAVA_HOME="$ES_JAVA_HOME" >/dev/null &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || failed=1; done
  if ((failed)); then
    log "error: a node did not start; stopping the others"
    cmd_cluster_stop || true
    exit 1
  fi
  cluster_health "wait_for_nodes=$ES_NODES&wait_for_status=yellow&timeout=${ES_START_TIMEOUT_S}s" $((ES_START_TIMEOUT_S + 5)) |
    grep -q "\"number_of_nodes\":$ES_NODES," || die "the cluster did not reach $ES_NODES nodes within ${ES_START_TIMEOUT_S}s"
  log "cluster $CLUSTER_NAME of $ES_NODES nodes is up ($((SECONDS - started))s)"
  for ((i = 0; i < ES_NODES; i++)); do echo "http://127.0.0.1:$((ES_PORT + i))"; done
}

cmd_cluster_stop() {
  local i failed=0
  local -a pids=()
  for ((i = 0; i < ES_NODES; i++)); do
    member stop "$i" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || failed=1; done
  return "$failed"
}

cmd_cluster_status() {
  local i up=0 health
  for ((i = 0; i < ES_NODES; i++)); do
    printf 'node %s: ' "$i"
    if member status "$i"; then up=$((up + 1)); fi
  done
  if health="$(cluster_health "" 3)"; then echo "cluster: $health"; fi
  ((up > 0)) || return 3
}

# SIGKILL, as a crash or the OOM killer would: no clean leave, the others notice the
# closed connections. Waits until the process is gone, so its ports are free.
cmd_member_kill() {
  local pid
  if ! pid="$(our_pid)"; then
    log "no node started by this script on port $ES_PORT; nothing to kill"
    return 0
  fi
  log "killing the node on port $ES_PORT (pid $pid) with SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$PID_FILE"
}

case "${1:-}" in
  start) if ((ES_NODES > 1)); then cmd_cluster_start; else cmd_start; fi ;;
  stop) if ((ES_NODES > 1)); then cmd_cluster_stop; else cmd_stop; fi ;;
  status) if ((ES_NODES > 1)); then cmd_cluster_status; else cmd_status; fi ;;
  plan) cmd_plan ;;
  kill-node) member _kill "$(node_index kill-node "${2:-}")" ;;
  _kill) cmd_member_kill ;;
  stop-node) member stop "$(node_index stop-node "${2:-}")" ;;
  # A restarted node keeps its data: wiping it would only make the cluster copy it all again.
  start-node) member start "$(node_index start-node "${2:-}")" ES_WIPE_DATA=0 ;;
  help | -h | --help) usage ;;
  *) usage >&2; exit 2 ;;
esac
