#!/usr/bin/env bash
# A small Python venv with the real clients the HTTP front-door tests drive Winnow with:
# `requests` and `transformers.AutoTokenizer` (with jinja2 for apply_chat_template), as the
# Skywork-Reward-V2 model card's SGLang client uses them; no torch. Into $1/http-client-venv.
# Idempotent: an existing venv that imports all of them is kept.
set -euo pipefail
dest="${1:?usage: fetch-http-client-venv.sh DEST}"
venv="$dest/http-client-venv"
PACKAGES=(requests==2.34.2 transformers==5.23.0 tokenizers==0.23.3 jinja2==3.1.6)

if [[ -x "$venv/bin/python" ]] && "$venv/bin/python" -c 'import requests, jinja2, transformers' 2>/dev/null; then
  echo "http client venv: already in $venv"
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "${PACKAGES[@]}"
"$venv/bin/python" -c 'import requests, jinja2, transformers; print("http client venv: transformers", transformers.__version__, "requests", requests.__version__)'
