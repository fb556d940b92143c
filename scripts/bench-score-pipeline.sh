#!/usr/bin/env bash
# `winnow score` at dataset scale: the share of wall time spent in forward passes, and groups/s,
# on best-of-8 real-template groups (Qwen3 tokenizer and chat template, Qwen3-0.6B shape, random
# bf16 weights), first with the stages one after the other (--pipeline-depth 0: read and
# tokenize a chunk, score it, write it), then with the pipeline (the default).
#
#   bash scripts/bench-score-pipeline.sh [GROUPS]      # default 48 groups per run
#   BENCH_CHUNK_TOKENS=4096 ...                         # smaller chunks: more of them in a short run
#
# Needs python3 with numpy (the model is made once, into bench-models/, without torch) and the
# Qwen3 tokenizer of scripts/fetch-test-data.sh (.local/qwen3, or $WINNOW_TEST_DATA/qwen3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
groups="${1:-48}"
model="${BENCH_SCORE_MODEL:-$root/bench-models/qwen3-0.6b-score}"
data="${WINNOW_TEST_DATA:-$root/.local}"
winnow="$root/.build/release/winnow"
[ -x "$winnow" ] || (cd "$root" && swift build -c release)
[ -f "$model/config.json" ] || python3 "$root/scripts/make-bench-checkpoint-numpy.py" "$model" "$data/qwen3/tokenizer.json"

# Debian's OpenBLAS 0.3.21 does not know recent Xeons and falls back to slow generic kernels
# (see BENCHMARKS.md); name the core on AVX-512 machines unless the caller did.
if grep -q avx512f /proc/cpuinfo && [ -z "${OPENBLAS_CORETYPE:-}" ]; then export OPENBLAS_CORETYPE=SkylakeX; fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$root/scripts/make-score-bench-groups.py" "$groups" 8 > "$work/groups.jsonl"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for depth in 0 2; do
  "$winnow" score --model "$model" --input "$work/groups.jsonl" --output "$work/out-$depth.jsonl" \
    --policy '{"rejection": {"top_k": 1}}' --pipeline-depth "$depth" --progress-interval 60 \
    --chunk-tokens "${BENCH_CHUNK_TOKENS:-16384}" 2> "$work/log-$depth"
  summary="$(grep 'winnow score: done' "$work/log-$depth")"
  groups_per_s="$(echo "$summary" | awk '{for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } printf "%.3f", v["groups"] / v["elapsed_s"]}')"
  echo "pipeline-depth $depth: groups_per_s=$groups_per_s ${summary#winnow score: done }"
done
cmp -s "$work/out-0.jsonl" "$work/out-2.jsonl" && echo "outputs identical" || echo "OUTPUTS DIFFER"
