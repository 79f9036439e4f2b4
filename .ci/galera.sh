#!/usr/bin/env bash
# A local three-node MariaDB Galera cluster for the cluster tests:
# 127.0.0.1:3307, 3308, 3309 (root from 127.0.0.1, no password), Galera on
# 4567/4577/4587 (IST one above), rsync SST on 4444/4445/4446. Each node has
# its own data directory, socket and pid file under $LBACK_GALERA_DIR
# (default: a folder in the system's temp directory). The MariaDB on 3306 is
# not touched.
#
#   .ci/galera.sh start    # starts what is not running; waits for size 3
#   .ci/galera.sh stop     # stops every node cleanly (kills what hangs)
#   .ci/galera.sh status   # cluster size and readiness of each node
#   .ci/galera.sh urls     # the three URLs, space-separated
#
# `start` is idempotent: a healthy cluster is left as it is; a node that is
# down (killed by a test) rejoins the running ones (IST or rsync SST); with
# no node running, whatever an earlier run left is wiped and a new cluster
# is bootstrapped from node 1. Runs as root; the nodes run as `mysql`
# (their folders are mysql's): the rsync daemon that receives an SST, started
# by root, would drop to `nobody` and could not write into the data folder.
set -euo pipefail

BASE="${LBACK_GALERA_DIR:-${TMPDIR:-/tmp}/lback-galera}"
NODES=(1 2 3)
PROVIDER="${LBACK_GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}"
WAIT_SECONDS="${LBACK_GALERA_WAIT:-120}"

port() { echo $((3306 + $1)); }
gport() { echo $((4557 + 10 * $1)); }
sst_port() { echo $((4443 + $1)); }
dir() { echo "$BASE/node$1"; }
sock() { echo "$(dir "$1")/mysqld.sock"; }
pidfile() { echo "$(dir "$1")/mysqld.pid"; }
cluster_address() {
  local list=() n
  for n in "${NODES[@]}"; do list+=("127.0.0.1:$(gport "$n")"); done
  local IFS=,
  echo "gcomm://${list[*]}"
}

log() { printf 'galera: %s\n' "$*" >&2; }

# The pid of node $1's mariadbd when it runs, else nothing.
running_pid() {
  local file pid
  # mariadbd writes its pid file late (a joiner: after the state transfer);
  # until then, the pid it was started with.
  for file in "$(pidfile "$1")" "$(dir "$1")/launch.pid"; do
    [ -f "$file" ] && break
  done
  [ -f "$file" ] || return 0
  pid="$(cat "$file" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
    && grep -q mariadbd "/proc/$pid/cmdline" 2>/dev/null \
    && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$(dir "$1")/my.cnf"; then
    echo "$pid"
  fi
}

# A query on node $1 through its socket; prints the value, nothing on error.
query() {
  mariadb --no-defaults --protocol=socket -S "$(sock "$1")" -uroot -N -B \
    -e "$2" 2>/dev/null || true
}

status_of() {
  query "$1" "SELECT CONCAT(
      (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE'), ' ',
      (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_READY'), ' ',
      (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_CLUSTER_STATUS'), ' ',
      (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE_COMMENT'))"
}

healthy() { [ "$(status_of "$1")" = "3 ON Primary Synced" ]; }

write_config() {
  local n="$1" d
  d="$(dir "$n")"
  mkdir -p "$d/data"
  chown mysql:mysql "$d" "$d/data"
  cat >"$d/my.cnf" <<EOF
[mariadbd]
user = mysql
datadir = $d/data
socket = $d/mysqld.sock
pid-file = $d/mysqld.pid
log-error = $d/error.log
port = $(port "$n")
bind-address = 127.0.0.1
skip-name-resolve
skip-log-bin
performance-schema = OFF
innodb-buffer-pool-size = 64M
innodb-log-file-size = 32M
innodb-flush-log-at-trx-commit = 2
binlog-format = ROW
default-storage-engine = InnoDB
innodb-autoinc-lock-mode = 2
max-connections = 200

wsrep-on = ON
wsrep-provider = $PROVIDER
wsrep-cluster-name = lback_test
wsrep-cluster-address = $(cluster_address)
wsrep-node-name = node$n
wsrep-node-address = 127.0.0.1:$(gport "$n")
wsrep-provider-options = "gmcast.listen_addr=tcp://127.0.0.1:$(gport "$n");ist.recv_addr=127.0.0.1:$(($(gport "$n") + 1));gcache.size=64M"
wsrep-sst-method = rsync
wsrep-sst-receive-address = 127.0.0.1:$(sst_port "$n")

[client]
socket = $d/mysqld.sock
EOF
}

start_node() {
  local n="$1" extra="${2:-}"
  write_config "$n"
  rm -f "$(pidfile "$n")" "$(dir "$n")/launch.pid"
  log "starting node $n on port $(port "$n")${extra:+ ($extra)}"
  # shellcheck disable=SC2086
  setsid mariadbd --defaults-file="$(dir "$n")/my.cnf" $extra \
    </dev/null >>"$(dir "$n")/stdout.log" 2>&1 &
  echo $! >"$(dir "$n")/launch.pid"
}

# Polls `$2 $1` (a probe of node $1) every $3 seconds for WAIT_SECONDS.
# Status 0 once the probe passes; 2 when the node has exited (counted after
# its first 5 seconds); 1 when the time ran out.
poll_node() {
  local n="$1" probe="$2" interval="$3" deadline=$((SECONDS + WAIT_SECONDS))
  while [ "$SECONDS" -lt "$deadline" ]; do
    "$probe" "$n" && return 0
    if [ -z "$(running_pid "$n")" ] && [ "$SECONDS" -gt $((deadline - WAIT_SECONDS + 5)) ]; then
      return 2
    fi
    sleep "$interval"
  done
  return 1
}

# The end of node $1's error log, on stderr.
show_node_log() { tail -n 40 "$(dir "$1")/error.log" >&2 || true; }

# Whether node $1 is Synced in a primary component; its state is left in
# `last_state` for the message when it never is.
synced() {
  last_state="$(status_of "$1")"
  case "$last_state" in
    *" ON Primary Synced") return 0 ;;
  esac
  return 1
}

# Whether node $1 answers a query on its socket.
answers() { [ "$(query "$1" "SELECT 1")" = 1 ]; }

# Waits until node $1 accepts queries on its socket and is Synced.
wait_synced() {
  local n="$1" polled=0
  last_state=""
  poll_node "$n" synced 0.3 || polled=$?
  case "$polled" in
    0) return 0 ;;
    2) log "node $n exited; its log:" ;;
    *) log "node $n not synced after ${WAIT_SECONDS}s (state: ${last_state:-no answer}); its log:" ;;
  esac
  show_node_log "$n"
  return 1
}

stop_node() {
  local n="$1" pid deadline
  pid="$(running_pid "$n")"
  [ -n "$pid" ] || return 0
  # SIGTERM is mariadbd's normal shutdown (mariadb-admin shutdown would
  # wait on a node that hangs).
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "node $n did not stop in 60s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  log "node $n stopped"
}

# Stray mariadbd processes of an earlier run whose pid file is gone.
kill_strays() {
  local pid
  for pid in $(pgrep -x mariadbd || true); do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--defaults-file=$BASE/"; then
      log "killing a leftover node (pid $pid)"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

bootstrap() {
  kill_strays
  rm -rf "$BASE"
  mkdir -p "$BASE"
  local n
  for n in "${NODES[@]}"; do
    write_config "$n"
    mariadb-install-db --defaults-file="$(dir "$n")/my.cnf" --user=mysql \
      --auth-root-authentication-method=normal --skip-test-db \
      >"$(dir "$n")/install.log" 2>&1 || {
      log "mariadb-install-db failed for node $n:"
      cat "$(dir "$n")/install.log" >&2
      return 1
    }
  done
  start_node 1 --wsrep-new-cluster
  wait_for_socket 1
  # Replicated to the joiners (DDL under TOI, and their SST copies it).
  query 1 "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
           GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
           CREATE DATABASE IF NOT EXISTS test;" >/dev/null
  [ "$(query 1 "SELECT COUNT(*) FROM mysql.user WHERE user = 'root' AND host = '127.0.0.1'")" = 1 ] || {
    log "could not allow root from 127.0.0.1 on node 1"
    return 1
  }
  for n in 2 3; do
    start_node "$n"
    wait_synced "$n"
  done
}

# Waits until node $1 answers a query on its socket.
wait_for_socket() {
  poll_node "$1" answers 0.2 && return 0
  log "node $1 does not answer; its log:"
  show_node_log "$1"
  return 1
}

cmd_start() {
  local n up=() down=()
  for n in "${NODES[@]}"; do
    if [ -n "$(running_pid "$n")" ]; then up+=("$n"); else down+=("$n"); fi
  done
  if [ "${#up[@]}" -eq 3 ] && healthy 1 && healthy 2 && healthy 3; then
    log "already running: $(status_of 1)"
    return 0
  fi
  local primary=""
  for n in "${up[@]}"; do
    case "$(status_of "$n")" in *" ON Primary Synced") primary="$n"; break ;; esac
  done
  if [ -z "$primary" ]; then
    # Nothing to join: start over.
    for n in "${up[@]}"; do stop_node "$n"; done
    bootstrap
  else
    for n in "${down[@]}"; do
      start_node "$n"
      wait_synced "$n"
    done
  fi
  local deadline=$((SECONDS + WAIT_SECONDS))
  until healthy 1 && healthy 2 && healthy 3; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "the cluster did not reach size 3: $(cmd_status)"
      return 1
    fi
    sleep 0.3
  done
  log "running: size 3, ready (ports 3307-3309)"
}

cmd_stop() {
  local n
  # The last node to leave is the one that may bootstrap next time; the
  # data is wiped at the next bootstrap anyway.
  for n in 3 2 1; do stop_node "$n"; done
  kill_strays
}

cmd_status() {
  local n
  for n in "${NODES[@]}"; do
    if [ -n "$(running_pid "$n")" ]; then
      printf 'node %s (port %s): %s\n' "$n" "$(port "$n")" "$(status_of "$n")"
    else
      printf 'node %s (port %s): down\n' "$n" "$(port "$n")"
    fi
  done
}

cmd_urls() {
  local n list=()
  for n in "${NODES[@]}"; do list+=("mysql://root@127.0.0.1:$(port "$n")/test"); done
  echo "${list[*]}"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  urls) cmd_urls ;;
  *)
    echo "usage: $0 start|stop|status|urls" >&2
    exit 2
    ;;
esac
