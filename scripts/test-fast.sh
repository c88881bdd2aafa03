#!/usr/bin/env bash
# `npm run test:fast`: unit tests and the contract suites on the embedded adapters (no service needed),
# in three processes at once. Each process runs its files in-process (--test-isolation=none: one
# module load, one migrated PGlite template the three share, see test/helpers/pglite.ts). The
# contract suites on PGlite are mostly one thread of CPU each, so the longest would set the wall time
# of two shards; three keep both cores busy to the end (measured 2026-12-03: 51-59 s, against 64-65 s
# with two). The heaviest suites are placed by hand; a new contract suite goes to the last process
# until someone rebalances.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Node's compile cache, as in scripts/test.sh.
export NODE_COMPILE_CACHE=${NODE_COMPILE_CACHE:-$PWD/node_modules/.cache/node-compile}

first=(platform storage inventory-http broker ingest)
second=(platform-admission streams)
first_files=()
second_files=()
third_files=()
for file in test/contracts/*.test.ts; do
  name=$(basename "$file" .test.ts)
  if [[ " ${first[*]} " == *" $name "* ]]; then first_files+=("$file")
  elif [[ " ${second[*]} " == *" $name "* ]]; then second_files+=("$file")
  else third_files+=("$file"); fi
done
mapfile -t unit_files < <(find test/unit -name '*.test.ts' | sort)
third_files+=("${unit_files[@]}")

export FLOWLINE_ADAPTERS=embedded
# The shards share one PGlite template, named after this script's process (test/helpers/pglite.ts).
export FLOWLINE_TEST_RUN_PID=$$
run() {
  local label=$1
  shift
  # Each line carries its process's label: the outputs interleave.
  node --test --test-isolation=none "$@" 2>&1 | sed -u "s/^/[$label] /"
}
run 1 "${first_files[@]}" &
first_pid=$!
run 2 "${second_files[@]}" &
second_pid=$!
run 3 "${third_files[@]}" &
third_pid=$!
status=0
wait "$first_pid" || status=$?
wait "$second_pid" || status=$?
wait "$third_pid" || status=$?
exit "$status"
