#!/usr/bin/env bash
# `npm test`: every check and every test, against the real Kafka and PostgreSQL.
# Starts the services when they are not running (scripts/services.sh up is idempotent) and leaves
# them running for the next run; `npm run services:down` stops them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/services.sh up
npm run --silent typecheck
npm run --silent lint
# One file at a time: the suites share two cores with Kafka and PostgreSQL.
node --test --test-concurrency=1 --test-timeout=300000 'test/**/*.test.ts'
