#!/usr/bin/env bash
# Regenerates the reward-model parity fixtures (tiny bf16 checkpoints + transformers float32
# reference scores) under Tests/RewardEngineTests/Fixtures/.
#
# Dev-time only: needs torch + transformers, which CI never has. Uses the repository's .venv
# (override with VENV=...) and creates it from PyPI when it is missing. The versions are pinned
# so that regenerating gives the same bytes as the committed fixtures.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${VENV:-$root/.venv}"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, transformers, safetensors" 2>/dev/null; then
  echo "make-parity-fixtures: creating $venv (torch + transformers from PyPI; a few GB, once)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==2.15.*" "transformers==5.23.*" safetensors
fi

exec "$venv/bin/python" "$root/scripts/make-parity-fixtures.py" \
  --out "${1:-$root/Tests/RewardEngineTests/Fixtures}"
