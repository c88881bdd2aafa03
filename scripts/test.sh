#!/usr/bin/env bash
# `npm test`: every check and every test, against the real Kafka and PostgreSQL.
# Starts the services when they are not running (scripts/services.sh up is idempotent) and leaves
# them running for the next run; `npm run services:down` stops them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# V8's code cache for every node process the tests start (test files, roles, CLIs): each one
# type-strips and compiles the same ~1,900 modules, and with a warm cache a role-heavy file
# (pipeline.test.ts) spent 18 % less CPU. node_modules/.cache: a fresh clone starts it empty.
export NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-$PWD/node_modules/.cache/node-compile}

# The services start while the checks and the console build run: a broker starting on a fresh state
# directory takes tens of seconds, and the checks need neither service.
services_log=$(mktemp)
trap 'rm -f "$services_log"' EXIT
bash scripts/services.sh up >"$services_log" 2>&1 &
services=$!
npm run --silent typecheck
npm run --silent lint
# The console is built once here (skipped when up to date): the e2e and bundle tests then find it
# built, and two files running at once never build web/dist at the same time.
node web/scripts/build-console.ts
services_status=0
wait "$services" || services_status=$?
cat "$services_log"
if [[ $services_status != 0 ]]; then
  echo "test: the services did not start (scripts/services.sh up exited $services_status)" >&2
  exit "$services_status"
fi
# Two files at a time: every file uses its own topics, groups, databases, ports and state
# directories, and most of a file's time is spent waiting on Kafka, PostgreSQL or a child process.
# The slowest files start first (longest first keeps two running to the end; a slow file started late
# would run alone at the end). Slowest in the CI logs of 2026-12-02: the fault smoke, the platform and
# ETL contracts, SASL, the console e2e, tracing, dead letters.
slow_first=(
  test/faults/faults-smoke.test.ts
  test/contracts/platform.test.ts
  test/contracts/platform-admission.test.ts
  test/contracts/etl.test.ts
  test/integration/kafka-sasl.test.ts
  test/e2e/console-real.test.ts
  test/integration/tracing.test.ts
  test/integration/dead-letters.test.ts
  test/e2e/console-embedded.test.ts
  test/integration/dead-letters-cli.test.ts
)
mapfile -t files < <(
  all=$(find test -name '*.test.ts' -not -path 'test/bench/*' | sort)
  # Only those that still exist, then every other file once.
  printf '%s\n' "${slow_first[@]}" | grep -xF -f <(printf '%s\n' "$all")
  printf '%s\n' "$all" | grep -vxF -f <(printf '%s\n' "${slow_first[@]}")
)
status=0
node --test --test-concurrency=2 --test-timeout=300000 "${files[@]}" || status=$?
# The bench smoke alone: its ratio guard compares throughputs, which a neighbour would skew.
node --test --test-concurrency=1 --test-timeout=300000 'test/bench/**/*.test.ts' || status=$?
exit "$status"
