#!/usr/bin/env bash
# `npm run test:fast`: unit tests and the contract suites on the embedded adapters (no service needed),
# in two processes at once, one per core of a 2-core machine. Each process runs its files in-process
# (--test-isolation=none: one module load, one migrated PGlite template the two share, see
# test/helpers/pglite.ts). The heaviest contract suites are split between the two by hand; a new
# contract suite goes to the second process until someone rebalances.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Node's compile cache, as in scripts/test.sh.
export NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-$PWD/node_modules/.cache/node-compile}

first=(platform streams storage broker inventory-http ingest)
first_files=()
second_files=()
for file in test/contracts/*.test.ts; do
  name=$(basename "$file" .test.ts)
  if [[ " ${first[*]} " == *" $name "* ]]; then first_files+=("$file"); else second_files+=("$file"); fi
done
mapfile -t unit_files < <(find test/unit -name '*.test.ts' | sort)
second_files+=("${unit_files[@]}")

export FLOWLINE_ADAPTERS=embedded
# The two shards share one PGlite template, named after this script's process (test/helpers/pglite.ts).
export FLOWLINE_TEST_RUN_PID=$$
run() {
  local label=$1
  shift
  # Each line carries its process's label: the two outputs interleave.
  node --test --test-isolation=none "$@" 2>&1 | sed -u "s/^/[$label] /"
}
run 1 "${first_files[@]}" &
first_pid=$!
run 2 "${second_files[@]}" &
second_pid=$!
status=0
wait "$first_pid" || status=$?
wait "$second_pid" || status=$?
exit "$status"
