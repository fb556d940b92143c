#!/usr/bin/env bash
# Retrains the demo reward model in deploy/local/demo-model/ (tokenizer, bf16 checkpoint, model
# card) and rewrites its transformers references (expected.json). See make-demo-model.py.
#
# Dev-time only: needs torch + transformers, which CI never has. Uses the repository's .venv
# (override with VENV=...) and creates it from PyPI when it is missing. Seeded, CPU only, about
# ten minutes on one thread.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${VENV:-$root/.venv}"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, transformers, tokenizers, jinja2, safetensors" 2>/dev/null; then
  echo "make-demo-model: creating $venv (torch + transformers from PyPI; a few GB, once)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==2.15.*" "transformers==5.23.*" "tokenizers==0.23.*" "jinja2==3.1.*" safetensors
fi

exec "$venv/bin/python" "$root/scripts/make-demo-model.py" --out "${1:-$root/deploy/local/demo-model}"
