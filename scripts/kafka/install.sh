#!/usr/bin/env bash
# Resolves the Apache Kafka broker + tools jars (scripts/kafka/pom.xml) into a cache outside the repo:
#   ${FLOWLINE_CACHE_DIR:-$HOME/.cache/flowline}/kafka-<version>/libs
# Idempotent: does nothing when the libs dir is already filled from the current pom.xml
# (a fingerprint of pom.xml is kept in libs/.pom.sha256; editing the pom re-resolves).
# Prints the libs dir on stdout (last line); progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/pom.xml"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom" | head -n1)"
cache="${FLOWLINE_CACHE_DIR:-$HOME/.cache/flowline}"
libs="$cache/kafka-$version/libs"
want="$(sha256sum "$pom" | cut -d' ' -f1)"

if [[ -f "$libs/.pom.sha256" && "$(cat "$libs/.pom.sha256")" == "$want" ]] \
   && compgen -G "$libs/kafka_2.13-$version.jar" >/dev/null; then
  echo "$libs"
  exit 0
fi

for tool in java mvn; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "kafka/install.sh: '$tool' not found; install a JDK (17+) and Maven (apt-get install -y openjdk-17-jdk-headless maven)" >&2
    exit 1
  fi
done

echo "kafka/install.sh: resolving Kafka $version jars into $libs (maven) ..." >&2
start=$SECONDS
mkdir -p "$cache/kafka-$version"
tmp="$(mktemp -d "$cache/kafka-$version/libs.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# -q: errors only; Maven 3.8 still prints bare ANSI resets in batch mode, so strip escape sequences.
mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
  -DoutputDirectory="$tmp" -DincludeScope=runtime 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | { grep -v '^[[:space:]]*$' || true; } >&2
if ! compgen -G "$tmp/kafka_2.13-$version.jar" >/dev/null; then
  echo "kafka/install.sh: maven finished but kafka_2.13-$version.jar is missing in $tmp" >&2
  exit 1
fi
echo "$want" >"$tmp/.pom.sha256"
# Swap in the new dir (the old one may hold jars of another dependency set).
rm -rf "$libs.old"
if [[ -e "$libs" ]]; then mv "$libs" "$libs.old"; fi
mv "$tmp" "$libs"
rm -rf "$libs.old"
trap - EXIT
echo "kafka/install.sh: $(find "$libs" -name '*.jar' | wc -l) jars in $((SECONDS - start)) s" >&2
echo "$libs"
