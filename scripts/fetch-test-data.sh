#!/usr/bin/env bash
# Fetches large reference files that tests read but the repository does not commit, into $1.
set -euo pipefail
dest="${1:?usage: fetch-test-data.sh DEST}"
mkdir -p "$dest"
