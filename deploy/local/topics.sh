#!/usr/bin/env bash
# Creates topics on the local Tansu broker.
#
#   deploy/local/topics.sh [--port PORT] NAME[:PARTITIONS] ...
#
# PARTITIONS defaults to 3, PORT to 9092. Creating a topic that exists is reported and skipped.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port=9092
if [ "${1:-}" = "--port" ]; then port="${2:?--port needs a value}"; shift 2; fi
[ $# -gt 0 ] || { echo "usage: topics.sh [--port PORT] NAME[:PARTITIONS] ..." >&2; exit 2; }
bin="${TANSU_BIN:-$root/.local/tansu/tansu}"
[ -x "$bin" ] || bash "$here/fetch-tansu.sh" "$(dirname "$bin")"

for spec in "$@"; do
  name="${spec%%:*}"
  partitions=3
  [ "$spec" != "$name" ] && partitions="${spec#*:}"
  if out="$("$bin" topic create "$name" --partitions "$partitions" --broker "tcp://127.0.0.1:$port" 2>&1)"; then
    echo "topics: created $name ($partitions partitions)"
  elif grep -qi "exist" <<<"$out"; then
    echo "topics: $name already exists"
  else
    echo "topics: creating $name failed: $out" >&2; exit 1
  fi
done
