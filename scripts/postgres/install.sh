#!/usr/bin/env bash
# Installs PostgreSQL (Debian package) only when its server binaries are missing.
# Prints the bin dir (e.g. /usr/lib/postgresql/15/bin) on stdout; progress goes to stderr.
set -euo pipefail

find_bindir() {
  local d
  if [[ -n "${FLOWLINE_PG_BINDIR:-}" ]]; then
    [[ -x "$FLOWLINE_PG_BINDIR/postgres" ]] && echo "$FLOWLINE_PG_BINDIR"
    return 0
  fi
  # Newest installed major version first.
  for d in $(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -t/ -k4,4 -rn); do
    if [[ -x "$d/postgres" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
  done
}

bindir="$(find_bindir)"
if [[ -z "$bindir" ]]; then
  if [[ "$(id -u)" != 0 ]]; then
    echo "postgres/install.sh: PostgreSQL server binaries not found and not root; run: sudo apt-get install -y postgresql" >&2
    exit 1
  fi
  echo "postgres/install.sh: installing PostgreSQL (apt-get) ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bindir="$(find_bindir)"
  if [[ -z "$bindir" ]]; then
    echo "postgres/install.sh: apt-get install postgresql finished but no server binaries under /usr/lib/postgresql/*/bin" >&2
    exit 1
  fi
fi
echo "$bindir"
