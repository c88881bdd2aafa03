#!/usr/bin/env bash
# Flowline dev/CI services: real Apache Kafka (KRaft) and PostgreSQL on loopback, no Docker.
#
#   scripts/services.sh up [--cluster]   start Kafka (single broker) + PostgreSQL; --cluster also the 3-broker cluster
#   scripts/services.sh down             stop everything this script started (single broker, cluster, PostgreSQL)
#   scripts/services.sh status           what runs where (exit 1 when the single broker or PostgreSQL is not running)
#   scripts/services.sh env              print the connection settings the app/tests use (KEY=value lines)
#
#   kafka-start | kafka-stop | kafka-kill | kafka-restart     single broker (kill = SIGKILL)
#   pg-start    | pg-stop    | pg-kill    | pg-restart        PostgreSQL (kill = SIGKILL to the whole server)
#   cluster-up  | cluster-down                                3-broker cluster
#   cluster-start-broker N | cluster-stop-broker N | cluster-kill-broker N     N in 1..3
#   kafka-cli TOOL [args...]   run a Kafka CLI tool against the cached jars, e.g.
#                              kafka-cli topics --bootstrap-server 127.0.0.1:9092 --list
#                              (TOOL: topics, console-producer, console-consumer, consumer-groups, metadata-quorum,
#                               get-offsets, broker-api-versions, delete-records, storage, or a main class name)
#   wipe                       delete all state (data dirs, logs); services must be stopped first
#
# Layout (override with env):
#   FLOWLINE_STATE_DIR  (default ~/.local/state/flowline)  kafka/, kafka-cluster/broker-N/, postgres/
#   FLOWLINE_CACHE_DIR  (default ~/.cache/flowline)        kafka-<version>/libs (filled by scripts/kafka/install.sh)
# Ports (all on 127.0.0.1):
#   FLOWLINE_KAFKA_PORT=9092  FLOWLINE_KAFKA_CONTROLLER_PORT=9093 (default: kafka port + 1)
#   FLOWLINE_CLUSTER_PORT=19092 -> brokers on 19092,19093,19094
#   FLOWLINE_CLUSTER_CONTROLLER_PORT=19192 -> controllers on 19192,19193,19194
#   FLOWLINE_PG_PORT=5433
# Other: FLOWLINE_KAFKA_HEAP_OPTS ("-Xms256m -Xmx512m"), FLOWLINE_KAFKA_JVM_OPTS (extra single-broker JVM flags),
#        FLOWLINE_CLUSTER_JVM_OPTS (extra cluster-broker JVM flags; default -XX:TieredStopAtLevel=1),
#        FLOWLINE_KAFKA_SESSION_TIMEOUT_MS (6000), FLOWLINE_START_TIMEOUT (60 s), FLOWLINE_STOP_TIMEOUT (30 s),
#        FLOWLINE_PG_BINDIR (default: /usr/lib/postgresql/15/bin, else the newest installed).
#
# Progress goes to stderr; the final summary lines to stdout. Nothing is exported.
set -euo pipefail

SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Absolute paths: they end up in server.properties and in the processes' command lines (used to recognise them).
STATE_DIR="$(realpath -m "${FLOWLINE_STATE_DIR:-$HOME/.local/state/flowline}")"
CACHE_DIR="$(realpath -m "${FLOWLINE_CACHE_DIR:-$HOME/.cache/flowline}")"
export FLOWLINE_CACHE_DIR="$CACHE_DIR" # for scripts/kafka/install.sh (this process and its children only)

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$SCRIPTS_DIR/kafka/pom.xml" | head -n1)"
KAFKA_LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
HOST=127.0.0.1
KAFKA_PORT="${FLOWLINE_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${FLOWLINE_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_DIR="$STATE_DIR/kafka"
CLUSTER_PORT="${FLOWLINE_CLUSTER_PORT:-19092}"
CLUSTER_CONTROLLER_PORT="${FLOWLINE_CLUSTER_CONTROLLER_PORT:-$((CLUSTER_PORT + 100))}"
CLUSTER_DIR="$STATE_DIR/kafka-cluster"
CLUSTER_SIZE=3
CLUSTER_DIRS=()
for ((i = 1; i <= CLUSTER_SIZE; i++)); do CLUSTER_DIRS+=("$CLUSTER_DIR/broker-$i"); done
unset i
KAFKA_HEAP_OPTS="${FLOWLINE_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_JVM_OPTS="${FLOWLINE_KAFKA_JVM_OPTS:-}"
# Cluster brokers (fault tests, not throughput) run C1-only: ~40% less CPU to boot, which matters with 3 JVMs on 2 cores.
CLUSTER_JVM_OPTS="${FLOWLINE_CLUSTER_JVM_OPTS:--XX:TieredStopAtLevel=1}"
KAFKA_SESSION_TIMEOUT_MS="${FLOWLINE_KAFKA_SESSION_TIMEOUT_MS:-6000}"
START_TIMEOUT="${FLOWLINE_START_TIMEOUT:-60}"
STOP_TIMEOUT="${FLOWLINE_STOP_TIMEOUT:-30}"

PG_PORT="${FLOWLINE_PG_PORT:-5433}"
PG_USER=flowline
PG_PASSWORD=flowline
PG_DB=flowline
PG_DIR="$STATE_DIR/postgres"
PGDATA_DIR="$PG_DIR/data"
PG_SOCK_DIR="$PG_DIR/run"
PG_LOG="$PG_DIR/postgres.log"
PG_URL="postgres://$PG_USER:$PG_PASSWORD@$HOST:$PG_PORT/$PG_DB"

# ---------------------------------------------------------------- helpers

log() { echo "services: $*" >&2; }
die() { echo "services: error: $*" >&2; exit 1; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# elapsed START_MS -> "7.3"
elapsed() { local d=$(($(now_ms) - $1)); printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100)); }

# True when pid $1 exists and is not a zombie (PID 1 here may reap orphans late).
alive() {
  local st
  st="$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null || true)"
  [[ -n $st && $st != Z && $st != X ]]
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# Anything this script launches must not inherit fd 9 (the state lock), or the lock would live as long as the server.
lock_state() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  if ! flock -w 180 9; then die "another services.sh holds $STATE_DIR/.lock for more than 180 s"; fi
}

need_java() {
  command -v java >/dev/null 2>&1 || die "java not found: install a JDK/JRE 17+ (apt-get install -y openjdk-17-jre-headless)"
}

ensure_kafka_jars() {
  need_java
  bash "$SCRIPTS_DIR/kafka/install.sh" >/dev/null 9>&- || die "could not install the Kafka jars (scripts/kafka/install.sh)"
}

# ---------------------------------------------------------------- kafka (shared by the single broker and the cluster)

# Kafka cluster ids are 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints).
new_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ $id != -* ]] && { echo "$id"; return; }
  done
}

cluster_id_for() { # FILE -> prints the id stored there, creating it once
  [[ -s $1 ]] || new_cluster_id >"$1"
  cat "$1"
}

# Prints the pid of the broker whose dir is $1 when it is running; removes a stale pid file.
kafka_pid() {
  local dir=$1 pid
  [[ -f $dir/kafka.pid ]] || return 1
  pid="$(cat "$dir/kafka.pid" 2>/dev/null || true)"
  if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" \
    && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir/server.properties"; then
    echo "$pid"
    return 0
  fi
  rm -f "$dir/kafka.pid"
  return 1
}

# write_kafka_props DIR NODE_ID BROKER_PORT CONTROLLER_PORT VOTERS MODE(single|cluster)
write_kafka_props() {
  local dir=$1 id=$2 bport=$3 cport=$4 voters=$5 mode=$6 rf=1 isr=1
  if [[ $mode == cluster ]]; then rf=3; isr=2; fi
  mkdir -p "$dir/data" "$dir/logs"
  cat >"$dir/server.properties.tmp" <<EOF
# Generated by scripts/services.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://$HOST:$bport,CONTROLLER://$HOST:$cport
advertised.listeners=PLAINTEXT://$HOST:$bport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data

auto.create.topics.enable=false
num.partitions=4
default.replication.factor=$rf
min.insync.replicas=$isr
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
group.initial.rebalance.delay.ms=0
# Faster fencing of a dead broker (default 9 s); also how long a SIGKILLed broker's restart waits before it can
# re-register (DUPLICATE_BROKER_REGISTRATION until the old session expires).
broker.session.timeout.ms=$KAFKA_SESSION_TIMEOUT_MS
broker.heartbeat.interval.ms=1000
num.network.threads=2
num.io.threads=4
EOF
  mv "$dir/server.properties.tmp" "$dir/server.properties"
}

# Formats the metadata/log dir once (KRaft). kafka_format DIR CLUSTER_ID
kafka_format() {
  local dir=$1 cid=$2
  [[ -f $dir/data/meta.properties ]] && return 0
  log "formatting KRaft storage in $dir/data (cluster id $cid)"
  if ! java -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j2.configurationFile="$SCRIPTS_DIR/kafka/tools-log4j2.xml" -cp "$KAFKA_LIBS/*" \
    kafka.tools.StorageTool format --ignore-formatted -t "$cid" -c "$dir/server.properties" \
    >"$dir/logs/format.log" 2>&1 9>&-; then
    cat "$dir/logs/format.log" >&2
    die "kafka-storage format failed for $dir"
  fi
}

# Launches the broker JVM detached (new session, stdin from /dev/null). kafka_launch DIR [EXTRA_JVM_OPTS]
kafka_launch() {
  local dir=$1 extra=${2:-} f
  for f in server.log stdout.log; do
    if [[ -f $dir/logs/$f ]]; then mv -f "$dir/logs/$f" "$dir/logs/$f.prev"; fi
  done
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS / extra are lists of JVM flags
  setsid nohup java $KAFKA_HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true $extra \
    -Dkafka.logs.dir="$dir/logs" -Dlog4j2.configurationFile="$SCRIPTS_DIR/kafka/log4j2.xml" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties" \
    </dev/null >"$dir/logs/stdout.log" 2>&1 9>&- &
  echo $! >"$dir/kafka.pid"
}

kafka_fail() { # kafka_fail DIR MESSAGE
  local dir=$1
  log "$2"
  log "--- tail of $dir/logs/server.log"
  tail -n 40 "$dir/logs/server.log" >&2 2>/dev/null || true
  if [[ -s $dir/logs/stdout.log ]]; then
    log "--- tail of $dir/logs/stdout.log"
    tail -n 20 "$dir/logs/stdout.log" >&2
  fi
  exit 1
}

# Waits until the broker logged "Kafka Server started" (it is then unfenced) and its port accepts connections.
# kafka_wait DIR PORT DEADLINE_EPOCH_S
kafka_wait() {
  local dir=$1 port=$2 deadline=$3
  while :; do
    kafka_pid "$dir" >/dev/null || kafka_fail "$dir" "Kafka broker in $dir exited during start-up"
    if grep -q 'Kafka Server started' "$dir/logs/server.log" 2>/dev/null && port_open "$HOST" "$port"; then
      return 0
    fi
    ((SECONDS < deadline)) || kafka_fail "$dir" "Kafka broker in $dir not ready after ${START_TIMEOUT} s"
    sleep 0.2
  done
}

kafka_tool() { # kafka_tool MAINCLASS ARGS... (quiet logging, fast-starting JVM)
  java -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xms32m -Xmx256m \
    -Dlog4j2.configurationFile="$SCRIPTS_DIR/kafka/tools-log4j2.xml" -cp "$KAFKA_LIBS/*" "$@" 9>&-
}

# Metadata round trip through a real client: every expected broker id is listed as a live, unfenced broker.
# kafka_check_metadata BOOTSTRAP ID...
kafka_check_metadata() {
  local bootstrap=$1 out id
  shift
  out="$(kafka_tool org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$bootstrap" 2>&1)" || {
    echo "$out" >&2
    return 1
  }
  for id in "$@"; do
    grep -qE "\(id: $id rack: [^)]*isFenced: false\)" <<<"$out" || { echo "$out" >&2; return 1; }
  done
}

# SIGTERM all given broker dirs, wait up to STOP_TIMEOUT, then SIGKILL. kafka_stop_dirs DIR...
# A cluster broker without a controller quorum (fewer than 2 of 3 voters alive) cannot finish its controlled
# shutdown and would hang for minutes: it only gets a short grace period.
kafka_stop_dirs() {
  local dir pid deadline=$((SECONDS + STOP_TIMEOUT)) pending=() name live=0 limit
  for dir in "${CLUSTER_DIRS[@]}"; do
    if kafka_pid "$dir" >/dev/null; then live=$((live + 1)); fi
  done
  for dir in "$@"; do
    if pid="$(kafka_pid "$dir")"; then
      kill -TERM "$pid" 2>/dev/null || true
      pending+=("$dir")
    fi
  done
  for dir in "${pending[@]}"; do
    name="$(kafka_name "$dir")"
    limit=$deadline
    if [[ $dir != "$KAFKA_DIR" ]] && ((live <= CLUSTER_SIZE / 2)); then limit=$((SECONDS + 5)); fi
    while pid="$(kafka_pid "$dir")"; do
      if ((SECONDS >= limit)); then
        log "$name (pid $pid) still running after SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
        continue
      fi
      sleep 0.2
    done
    rm -f "$dir/kafka.pid"
    log "stopped $name"
  done
}

kafka_kill_dir() {
  local dir=$1 pid
  if pid="$(kafka_pid "$dir")"; then
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.05; done
    rm -f "$dir/kafka.pid"
    log "killed $(kafka_name "$dir") (SIGKILL, pid $pid)"
  else
    log "$(kafka_name "$dir") is not running"
  fi
}

kafka_name() {
  case $1 in
    "$KAFKA_DIR") echo kafka ;;
    "$CLUSTER_DIR"/broker-*) echo "kafka-cluster broker ${1##*-}" ;;
    *) echo "$1" ;;
  esac
}

# ---------------------------------------------------------------- single broker

KAFKA_STARTED_MS=""
KAFKA_ELAPSED=""
KAFKA_FORMATTED=""

# Non-blocking part of starting the single broker. Sets KAFKA_STARTED_MS when a JVM was launched.
kafka_single_launch() {
  local t0 pid
  KAFKA_STARTED_MS=""
  KAFKA_FORMATTED=""
  if pid="$(kafka_pid "$KAFKA_DIR")"; then
    log "kafka already running (pid $pid)"
    return 0
  fi
  ensure_kafka_jars
  t0="$(now_ms)"
  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    port_open "$HOST" "$p" && die "port $HOST:$p is already in use by another process (not the broker in $KAFKA_DIR); free it or set FLOWLINE_KAFKA_PORT / FLOWLINE_KAFKA_CONTROLLER_PORT"
  done
  mkdir -p "$KAFKA_DIR"
  write_kafka_props "$KAFKA_DIR" 1 "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "1@$HOST:$KAFKA_CONTROLLER_PORT" single
  if [[ ! -f $KAFKA_DIR/data/meta.properties ]]; then
    kafka_format "$KAFKA_DIR" "$(cluster_id_for "$KAFKA_DIR/cluster.id")"
    KAFKA_FORMATTED=1
  fi
  kafka_launch "$KAFKA_DIR" "$KAFKA_JVM_OPTS"
  KAFKA_STARTED_MS="$t0"
  log "kafka launched (pid $(cat "$KAFKA_DIR/kafka.pid")), waiting for it on $HOST:$KAFKA_PORT"
}

kafka_single_wait() {
  [[ -n $KAFKA_STARTED_MS ]] || return 0
  kafka_wait "$KAFKA_DIR" "$KAFKA_PORT" $((SECONDS + START_TIMEOUT))
  kafka_check_metadata "$HOST:$KAFKA_PORT" 1 || kafka_fail "$KAFKA_DIR" "broker started but a metadata request to $HOST:$KAFKA_PORT failed"
  KAFKA_ELAPSED="$(elapsed "$KAFKA_STARTED_MS")"
}

kafka_single_line() {
  local pid how
  if pid="$(kafka_pid "$KAFKA_DIR")"; then
    if [[ -n $KAFKA_ELAPSED ]]; then
      how="started in $KAFKA_ELAPSED s${KAFKA_FORMATTED:+, storage formatted}"
    else
      how="running"
    fi
    printf '%-10s %s (KRaft, Kafka %s, %s, pid %s)  log: %s\n' kafka "$HOST:$KAFKA_PORT" "$KAFKA_VERSION" "$how" "$pid" "$KAFKA_DIR/logs/server.log"
  else
    printf '%-10s %s  NOT RUNNING  log: %s\n' kafka "$HOST:$KAFKA_PORT" "$KAFKA_DIR/logs/server.log"
    return 1
  fi
}

kafka_single_start() {
  kafka_single_launch
  kafka_single_wait
  kafka_single_line
}

# ---------------------------------------------------------------- 3-broker cluster

broker_dir() { echo "$CLUSTER_DIR/broker-$1"; }
broker_port() { echo $((CLUSTER_PORT + $1 - 1)); }
broker_cport() { echo $((CLUSTER_CONTROLLER_PORT + $1 - 1)); }
cluster_voters() {
  local n v=""
  for ((n = 1; n <= CLUSTER_SIZE; n++)); do v+="${v:+,}$n@$HOST:$(broker_cport "$n")"; done
  echo "$v"
}
cluster_bootstrap() {
  local n b=""
  for ((n = 1; n <= CLUSTER_SIZE; n++)); do b+="${b:+,}$HOST:$(broker_port "$n")"; done
  echo "$b"
}
check_broker_arg() {
  if ! [[ ${1:-} =~ ^[1-9][0-9]*$ ]] || (($1 > CLUSTER_SIZE)); then
    die "broker number must be 1..$CLUSTER_SIZE (got '${1:-}')"
  fi
}

# Port check and server.properties for broker N (which must not be running).
cluster_prepare_broker() {
  local n=$1 p
  for p in "$(broker_port "$n")" "$(broker_cport "$n")"; do
    port_open "$HOST" "$p" && die "port $HOST:$p is already in use by another process; free it or set FLOWLINE_CLUSTER_PORT / FLOWLINE_CLUSTER_CONTROLLER_PORT"
  done
  write_kafka_props "$(broker_dir "$n")" "$n" "$(broker_port "$n")" "$(broker_cport "$n")" "$(cluster_voters)" cluster
}

cluster_launch_broker() {
  local n=$1 dir
  dir="$(broker_dir "$n")"
  kafka_launch "$dir" "$CLUSTER_JVM_OPTS"
  log "kafka-cluster broker $n launched (pid $(cat "$dir/kafka.pid")) on $HOST:$(broker_port "$n")"
}

cluster_lines() {
  local n dir pid rc=0
  for ((n = 1; n <= CLUSTER_SIZE; n++)); do
    dir="$(broker_dir "$n")"
    if pid="$(kafka_pid "$dir")"; then
      printf '%-10s %s (KRaft broker+controller node %s of %s, pid %s)  log: %s\n' "kafka-c$n" "$HOST:$(broker_port "$n")" "$n" "$CLUSTER_SIZE" "$pid" "$dir/logs/server.log"
    else
      printf '%-10s %s  NOT RUNNING  log: %s\n' "kafka-c$n" "$HOST:$(broker_port "$n")" "$dir/logs/server.log"
      rc=1
    fi
  done
  return $rc
}

cluster_up() {
  local n t0 cid todo=() ids=() fmt=() p deadline
  ensure_kafka_jars
  mkdir -p "$CLUSTER_DIR"
  t0="$(now_ms)"
  cid="$(cluster_id_for "$CLUSTER_DIR/cluster.id")"
  for ((n = 1; n <= CLUSTER_SIZE; n++)); do
    ids+=("$n")
    kafka_pid "$(broker_dir "$n")" >/dev/null && continue
    cluster_prepare_broker "$n"
    todo+=("$n")
    if [[ ! -f $(broker_dir "$n")/data/meta.properties ]]; then
      kafka_format "$(broker_dir "$n")" "$cid" &
      fmt+=($!)
    fi
  done
  for p in "${fmt[@]}"; do wait "$p" || die "formatting the cluster storage failed"; done
  if ((${#todo[@]} == 0)); then
    log "kafka-cluster already running"
  else
    # All voters must be up for the controller quorum to form: launch them all, then wait.
    for n in "${todo[@]}"; do cluster_launch_broker "$n"; done
    deadline=$((SECONDS + START_TIMEOUT))
    for n in "${todo[@]}"; do kafka_wait "$(broker_dir "$n")" "$(broker_port "$n")" "$deadline"; done
    kafka_check_metadata "$(cluster_bootstrap)" "${ids[@]}" \
      || kafka_fail "$(broker_dir 1)" "cluster brokers started but not all of them are registered and unfenced"
    log "kafka-cluster ready in $(elapsed "$t0") s${fmt[0]:+ (storage formatted)}, bootstrap $(cluster_bootstrap)"
  fi
  cluster_lines
}

cluster_start_broker() {
  local n=$1 t0 dir
  check_broker_arg "$n"
  dir="$(broker_dir "$n")"
  if kafka_pid "$dir" >/dev/null; then
    log "kafka-cluster broker $n already running"
    return 0
  fi
  ensure_kafka_jars
  mkdir -p "$CLUSTER_DIR"
  t0="$(now_ms)"
  cluster_prepare_broker "$n"
  kafka_format "$dir" "$(cluster_id_for "$CLUSTER_DIR/cluster.id")"
  cluster_launch_broker "$n"
  # Needs a controller quorum (2 of 3 voters) to finish starting.
  kafka_wait "$dir" "$(broker_port "$n")" $((SECONDS + START_TIMEOUT))
  log "kafka-cluster broker $n ready in $(elapsed "$t0") s"
}

# ---------------------------------------------------------------- postgresql

PG_BINDIR=""
find_pg_bindir() {
  local d
  if [[ -n ${FLOWLINE_PG_BINDIR:-} ]]; then
    [[ -x $FLOWLINE_PG_BINDIR/postgres ]] || die "FLOWLINE_PG_BINDIR=$FLOWLINE_PG_BINDIR has no postgres binary"
    PG_BINDIR="$FLOWLINE_PG_BINDIR"
    return
  fi
  for d in /usr/lib/postgresql/15/bin $(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -t/ -k4,4 -rn); do
    if [[ -x $d/postgres && -x $d/initdb && -x $d/pg_ctl && -x $d/pg_isready ]]; then
      PG_BINDIR="$d"
      return
    fi
  done
  die "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin). Install them with: apt-get install -y postgresql   (or: bash scripts/postgres/install.sh)"
}

is_root() { [[ $(id -u) == 0 ]]; }

# initdb/postgres refuse to run as root: as root, run them as the `postgres` OS user.
as_pg() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_version() { "$PG_BINDIR/postgres" --version | sed -n 's/.*(PostgreSQL) \([0-9][0-9.]*\).*/\1/p'; }

pg_prepare_dirs() {
  mkdir -p "$PG_DIR"
  is_root || return 0
  id postgres >/dev/null 2>&1 || die "OS user 'postgres' is missing (it comes with: apt-get install -y postgresql)"
  chown postgres:postgres "$PG_DIR"
  # The postgres user must be able to traverse every parent of the state dir (e.g. /root is 0700).
  local d="$PG_DIR" parents=()
  while [[ $d != / ]]; do
    d="$(dirname "$d")"
    parents=("$d" "${parents[@]}")
  done
  for d in "${parents[@]}"; do
    if ! runuser -u postgres -- test -x "$d"; then
      chmod o+x "$d"
      log "note: chmod o+x $d (traverse only) so the postgres user can reach $PG_DIR"
    fi
  done
}

# Prints the postmaster pid when our server runs; drops a postmaster.pid left by a dead server whose pid was reused.
pg_pid() {
  local pid
  [[ -f $PGDATA_DIR/postmaster.pid ]] || return 1
  pid="$(head -n1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true)"
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  if alive "$pid" && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == postgres ]]; then
    echo "$pid"
    return 0
  fi
  if alive "$pid"; then
    log "removing stale $PGDATA_DIR/postmaster.pid (pid $pid is now $(cat "/proc/$pid/comm" 2>/dev/null))"
    rm -f "$PGDATA_DIR/postmaster.pid"
  else
    pg_drop_zombie_lock "$PGDATA_DIR/postmaster.pid"
  fi
  return 1
}

# A postmaster killed with SIGKILL can stay a zombie for seconds (PID 1 here reaps late); postgres sees its pid as
# alive and refuses to start on its lock files. A lock file whose pid is a zombie is stale: remove it.
pg_drop_zombie_lock() {
  local f=$1 pid
  [[ -f $f ]] || return 0
  pid="$(head -n1 "$f" 2>/dev/null || true)"
  [[ $pid =~ ^[0-9]+$ ]] || return 0
  if kill -0 "$pid" 2>/dev/null && ! alive "$pid"; then
    rm -f "$f"
  fi
}

psql_local() { # runs psql as the bootstrap superuser over our unix socket (trust auth)
  PGCONNECT_TIMEOUT=5 "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK_DIR" -p "$PG_PORT" -U "$PG_USER" "$@"
}

PG_ELAPSED=""
PG_INITIALIZED=""

pg_start() {
  local t0 pid pwfile
  PG_ELAPSED=""
  PG_INITIALIZED=""
  find_pg_bindir
  if pid="$(pg_pid)"; then
    log "postgres already running (pid $pid)"
    return 0
  fi
  t0="$(now_ms)"
  port_open "$HOST" "$PG_PORT" && die "port $HOST:$PG_PORT is already in use by another process (not the server in $PGDATA_DIR); free it or set FLOWLINE_PG_PORT"
  pg_prepare_dirs
  if [[ ! -s $PGDATA_DIR/PG_VERSION ]]; then
    log "initdb $PGDATA_DIR (superuser $PG_USER)"
    rm -rf "$PGDATA_DIR"
    pwfile="$PG_DIR/.initdb-pw"
    (umask 077 && echo "$PG_PASSWORD" >"$pwfile")
    is_root && chown postgres:postgres "$pwfile"
    if ! as_pg "$PG_BINDIR/initdb" -D "$PGDATA_DIR" -U "$PG_USER" --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-instructions \
      >"$PG_DIR/initdb.log" 2>&1 9>&-; then
      rm -f "$pwfile"
      cat "$PG_DIR/initdb.log" >&2
      die "initdb failed"
    fi
    rm -f "$pwfile"
    echo "include_if_exists = 'flowline.conf'" >>"$PGDATA_DIR/postgresql.conf"
    PG_INITIALIZED=1
  fi
  as_pg mkdir -p "$PG_SOCK_DIR"
  pg_drop_zombie_lock "$PG_SOCK_DIR/.s.PGSQL.$PG_PORT.lock"
  # Rewritten on every start so port/tuning changes here take effect.
  as_pg tee "$PGDATA_DIR/flowline.conf" >/dev/null <<EOF
# Generated by scripts/services.sh on every start; edits are overwritten.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK_DIR'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
full_page_writes = on
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  if ! as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t "$START_TIMEOUT" -s start 9>&-; then
    log "--- tail of $PG_LOG"
    tail -n 30 "$PG_LOG" >&2 || true
    die "PostgreSQL did not start"
  fi
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$PG_BINDIR/pg_isready" -q -h "$HOST" -p "$PG_PORT" -d postgres; do
    ((SECONDS < deadline)) || die "pg_isready on $HOST:$PG_PORT still failing after ${START_TIMEOUT} s (log: $PG_LOG)"
    sleep 0.1
  done
  if [[ "$(psql_local -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]]; then
    psql_local -d postgres -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
  fi
  PG_ELAPSED="$(elapsed "$t0")"
}

pg_line() {
  local pid how
  find_pg_bindir
  if pid="$(pg_pid)"; then
    if [[ -n $PG_ELAPSED ]]; then
      how="started in $PG_ELAPSED s${PG_INITIALIZED:+, initdb}"
    else
      how="running"
    fi
    printf '%-10s %s (PostgreSQL %s, %s, pid %s)  log: %s\n' postgres "$PG_URL" "$(pg_version)" "$how" "$pid" "$PG_LOG"
  else
    printf '%-10s %s  NOT RUNNING  log: %s\n' postgres "$PG_URL" "$PG_LOG"
    return 1
  fi
}

pg_stop() {
  local pid
  find_pg_bindir
  pid="$(pg_pid)" || { log "postgres is not running"; return 0; }
  if ! as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t "$STOP_TIMEOUT" -s stop; then
    log "postgres did not stop within ${STOP_TIMEOUT} s: immediate shutdown"
    as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m immediate -w -t 10 -s stop || kill -KILL "$pid" 2>/dev/null || true
  fi
  log "stopped postgres"
}

# SIGKILL to the postmaster and all its children at once, like a machine crash (each backend is its own
# session leader, so this goes by parent pid, not by process group).
pg_kill() {
  local pid kids p
  find_pg_bindir
  pid="$(pg_pid)" || { log "postgres is not running"; return 0; }
  kids="$(pgrep -P "$pid" || true)"
  # shellcheck disable=SC2086 # kids is a list of pids
  kill -KILL "$pid" $kids 2>/dev/null || true
  for p in $pid $kids; do
    while alive "$p"; do sleep 0.05; done
  done
  log "killed postgres (SIGKILL, postmaster $pid and $(wc -w <<<"$kids") children); the next start runs crash recovery"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  local cluster=""
  while (($#)); do
    case $1 in
      --cluster) cluster=1 ;;
      *) die "up: unknown option $1" ;;
    esac
    shift
  done
  find_pg_bindir # fail before launching anything when PostgreSQL is not installed
  kafka_single_launch # the broker JVM boots while PostgreSQL starts
  pg_start
  kafka_single_wait
  if [[ -n $cluster ]]; then cluster_up >/dev/null; fi
  kafka_single_line
  pg_line
  if [[ -n $cluster ]]; then cluster_lines; fi
}

cmd_status() {
  local rc=0 n any=""
  kafka_single_line || rc=1
  if (find_pg_bindir) 2>/dev/null; then
    pg_line || rc=1
  else
    printf '%-10s %s  NOT INSTALLED (apt-get install -y postgresql)\n' postgres "$PG_URL"
    rc=1
  fi
  for ((n = 1; n <= CLUSTER_SIZE; n++)); do
    if kafka_pid "$(broker_dir "$n")" >/dev/null; then any=1; fi
  done
  if [[ -n $any ]]; then
    cluster_lines || true
  else
    printf '%-10s %s  not running (start: scripts/services.sh cluster-up)\n' cluster "$(cluster_bootstrap)"
  fi
  printf '%-10s %s\n' state "$STATE_DIR" jars "$KAFKA_LIBS"
  return $rc
}

cmd_env() {
  echo "KAFKA_BROKERS=$HOST:$KAFKA_PORT"
  echo "DATABASE_URL=$PG_URL"
  echo "KAFKA_CLUSTER_BROKERS=$(cluster_bootstrap)"
}

cmd_kafka_cli() {
  (($#)) || die "usage: services.sh kafka-cli TOOL [args...]"
  local tool=$1 cls
  shift
  case $tool in
    topics | kafka-topics) cls=org.apache.kafka.tools.TopicCommand ;;
    console-producer | kafka-console-producer) cls=org.apache.kafka.tools.ConsoleProducer ;;
    console-consumer | kafka-console-consumer) cls=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    consumer-groups | kafka-consumer-groups) cls=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    metadata-quorum | kafka-metadata-quorum) cls=org.apache.kafka.tools.MetadataQuorumCommand ;;
    get-offsets | kafka-get-offsets) cls=org.apache.kafka.tools.GetOffsetShell ;;
    broker-api-versions | kafka-broker-api-versions) cls=org.apache.kafka.tools.BrokerApiVersionsCommand ;;
    delete-records | kafka-delete-records) cls=org.apache.kafka.tools.DeleteRecordsCommand ;;
    storage | kafka-storage) cls=kafka.tools.StorageTool ;;
    *.*) cls=$tool ;;
    *) cls=org.apache.kafka.tools.$tool ;;
  esac
  ensure_kafka_jars
  exec java -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xms32m -Xmx256m \
    -Dlog4j2.configurationFile="$SCRIPTS_DIR/kafka/tools-log4j2.xml" -cp "$KAFKA_LIBS/*" "$cls" "$@"
}

cmd_down() {
  kafka_stop_dirs "$KAFKA_DIR" "${CLUSTER_DIRS[@]}"
  pg_stop
}

cmd_wipe() {
  local d
  for d in "$KAFKA_DIR" "${CLUSTER_DIRS[@]}"; do
    kafka_pid "$d" >/dev/null && die "$(kafka_name "$d") is running; run 'scripts/services.sh down' first"
  done
  find_pg_bindir
  pg_pid >/dev/null && die "postgres is running; run 'scripts/services.sh down' first"
  rm -rf "$KAFKA_DIR" "$CLUSTER_DIR" "$PG_DIR"
  log "wiped $KAFKA_DIR $CLUSTER_DIR $PG_DIR"
}

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2; }

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    status) cmd_status ;;
    env) cmd_env ;;
    kafka-cli) cmd_kafka_cli "$@" ;;
    up) lock_state; cmd_up "$@" ;;
    down) lock_state; cmd_down ;;
    kafka-start) lock_state; kafka_single_start ;;
    kafka-stop) lock_state; kafka_stop_dirs "$KAFKA_DIR" ;;
    kafka-kill) lock_state; kafka_kill_dir "$KAFKA_DIR" ;;
    kafka-restart) lock_state; kafka_stop_dirs "$KAFKA_DIR"; kafka_single_start ;;
    pg-start) lock_state; pg_start; pg_line ;;
    pg-stop) lock_state; pg_stop ;;
    pg-kill) lock_state; pg_kill ;;
    pg-restart) lock_state; pg_stop; pg_start; pg_line ;;
    cluster-up) lock_state; cluster_up ;;
    cluster-down) lock_state; kafka_stop_dirs "${CLUSTER_DIRS[@]}" ;;
    cluster-start-broker) check_broker_arg "${1:-}"; lock_state; cluster_start_broker "$1"; cluster_lines || true ;;
    cluster-stop-broker) check_broker_arg "${1:-}"; lock_state; kafka_stop_dirs "$(broker_dir "$1")" ;;
    cluster-kill-broker) check_broker_arg "${1:-}"; lock_state; kafka_kill_dir "$(broker_dir "$1")" ;;
    wipe) lock_state; cmd_wipe ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
