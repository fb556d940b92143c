#!/usr/bin/env bash
# Fetches large reference files that tests read but the repository does not commit, into $1.
set -euo pipefail
dest="${1:?usage: fetch-test-data.sh DEST}"
mkdir -p "$dest"

# Tansu, the Kafka-compatible broker the Kafka integration tests start: $dest/tansu/tansu.
bash "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/fetch-tansu.sh" "$dest/tansu"

# The Llama-3 and Qwen3 tokenizer.json files the tokenizer tests compare against: $dest/llama3, $dest/qwen3.
bash "$(dirname "${BASH_SOURCE[0]}")/fetch-test-tokenizers.sh" "$dest"

# requests + transformers (no torch) for the HTTP front-door tests' real clients: $dest/http-client-venv.
bash "$(dirname "${BASH_SOURCE[0]}")/fetch-http-client-venv.sh" "$dest"
