#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need. Idempotent: a machine that has them
# pays only a dpkg query.
set -euo pipefail

# python3-venv: test-data venvs (fetch-test-tokenizers.sh, fetch-http-client-venv.sh). curl: the HTTP
# front-door tests and `make demo`. python3-jsonschema: the tests validate
# messages against schemas/ with scripts/validate-json.py, run by /usr/bin/python3 (bookworm: 4.10).
# zlib1g-dev, libzstd-dev: `winnow score`'s .gz/.zst JSONL; gzip, zstd: the tools its tests check against.
# libdnnl-dev: oneDNN for `--compute int8` (opened at run time; the int8 tests need it installed).
packages=(pkg-config libopenblas-dev librdkafka-dev libssl-dev python3-venv python3-jsonschema zlib1g-dev libzstd-dev gzip zstd curl libdnnl-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Bookworm's librdkafka 2.0.2 cannot talk to the Tansu test broker; build 2.8.0 when pkg-config
# reports anything older than 2.3 (no-op otherwise).
bash "$(dirname "${BASH_SOURCE[0]}")/install-librdkafka.sh"
