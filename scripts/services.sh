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
#   FLOWLINE_STATE_DIR  kafka/, kafka-cluster/broker-N/, postgres/. Default ~/.local/state/flowline; as root
#                       /var/lib/flowline (PostgreSQL then runs as the `postgres` user, which cannot enter /root),
#                       unless ~/.local/state/flowline already exists from an earlier version.
#   FLOWLINE_CACHE_DIR  (default ~/.cache/flowline)        kafka-<version>/libs (filled by scripts/kafka/install.sh)
# Ports (all on 127.0.0.1):
#   FLOWLINE_KAFKA_PORT=9092  FLOWLINE_KAFKA_CONTROLLER_PORT=9093 (default: kafka port + 1)
#   FLOWLINE_CLUSTER_PORT=19092 -> brokers on 19092,19093,19094
#   FLOWLINE_CLUSTER_CONTROLLER_PORT=19192 -> controllers on 19192,19193,19194
#   FLOWLINE_PG_PORT=5433
# Other: FLOWLINE_KAFKA_HEAP_OPTS ("-Xms256m -Xmx512m"), FLOWLINE_KAFKA_JVM_OPTS (extra single-broker JVM flags),
#        FLOWLINE_CLUSTER_JVM_OPTS (extra cluster-broker JVM flags; default -XX:TieredStopAtLevel=1),
#        FLOWLINE_KAFKA_SESSION_TIMEOUT_MS (6000), FLOWLINE_START_TIMEOUT (180 s), FLOWLINE_STOP_TIMEOUT (30 s),
#        FLOWLINE_PG_BINDIR (default: /usr/lib/postgresql/15/bin, else the newest installed).
#
# The work is done by harness/cli.ts (the typed harness the tests, benchmarks and fault suite use); this script
# only picks Node 24 and serialises the commands that change state with a lock in the state directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2; }

case ${1:-} in
  -h | --help | help) usage; exit 0 ;;
  up | down | status | env | kafka-cli | wipe | kafka-start | kafka-stop | kafka-kill | kafka-restart | pg-start | pg-stop | \
    pg-kill | pg-restart | cluster-up | cluster-down | cluster-start-broker | cluster-stop-broker | cluster-kill-broker) ;;
  *) usage; exit 2 ;;
esac

# The project's Node (the `node` devDependency, 24) runs TypeScript directly; an older one on the PATH cannot.
NODE="$ROOT/node_modules/.bin/node"
if [[ ! -x $NODE ]]; then
  NODE="$(command -v node || true)"
  if [[ -z $NODE ]] || (($("$NODE" -p 'process.versions.node.split(".")[0]') < 24)); then
    echo "services: error: Node 24 not found; run 'npm ci' in $ROOT first" >&2
    exit 1
  fi
fi
CLI=("$NODE" --no-warnings "$ROOT/harness/cli.ts")

case $1 in
  status | env | kafka-cli) exec "${CLI[@]}" "$@" ;;
esac

# State-changing commands run one at a time per state directory (the same lock file as earlier versions).
# flock -o: the lock is not passed on to the servers started, or it would live as long as they do.
STATE_DIR="$("$NODE" --no-warnings -e 'import("'"$ROOT"'/harness/layout.ts").then((m) => console.log(m.defaultStateDir()))')"
mkdir -p "$STATE_DIR"
exec flock -o -w 180 "$STATE_DIR/.lock" "${CLI[@]}" "$@"
