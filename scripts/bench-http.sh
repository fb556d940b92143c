#!/usr/bin/env bash
# Candidates per second through the HTTP front door as RL trainers call it — every GRPO group as
# 8 concurrent single-sample requests — against the same requests sent one at a time, and against
# `winnow score` on the same groups (same model, same machine, one after the other).
#
#   scripts/bench-http.sh [MODEL_DIR]   default: the random Qwen3-0.6B-shaped checkpoint
#                                       (scripts/make-bench-checkpoint-numpy.py, no torch needed)
#
# Environment: GROUPS_N (6), SEQUENTIAL_GROUPS (2), CANDIDATES (8), PROMPT_TOKENS (384),
# RESPONSE_TOKENS (128), PORT (19592), WINNOW (.build/release/winnow), SERVE_ARGS.
#
# Requests carry token ids (SGLang's `input_ids`), and `winnow score` reads the same ids as group
# lines, so neither side tokenizes. On a CPU Debian's OpenBLAS 0.3.21 does not know (the Xeon family 6
# model 207 of DESIGN.md) export OPENBLAS_CORETYPE=SkylakeX first, or GEMMs run generic kernels. `winnow score`'s time is its run on all groups minus its run on
# one group (model loading and warm-up); the HTTP runs start after a warm-up group.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
winnow="${WINNOW:-$root/.build/release/winnow}"
groups="${GROUPS_N:-6}"
sequential="${SEQUENTIAL_GROUPS:-2}"
candidates="${CANDIDATES:-8}"
port="${PORT:-19592}"
work="$(mktemp -d)"
serve_pid=""
trap '[ -n "$serve_pid" ] && kill $serve_pid 2>/dev/null; rm -rf "$work"' EXIT

model="${1:-}"
if [ -z "$model" ]; then
  shape="$root/bench-models/qwen3-0.6b-shape"
  if [ ! -f "$shape/config.json" ]; then
    python=python3
    if ! python3 -c 'import numpy' 2>/dev/null; then  # numpy from PyPI into a gitignored venv
      [ -x "$root/.venv-bench/bin/python" ] || { python3 -m venv "$root/.venv-bench" && "$root/.venv-bench/bin/pip" install -q numpy; }
      python="$root/.venv-bench/bin/python"
    fi
    "$python" "$root/scripts/make-bench-checkpoint-numpy.py" "$shape"
  fi
  [ -f "$root/.local/qwen3/tokenizer.json" ] || bash "$root/scripts/fetch-test-tokenizers.sh" "$root/.local"
  model="$root/bench-models/qwen3-0.6b-http"
  mkdir -p "$model"
  for f in "$shape"/*; do ln -sf "$f" "$model/"; done
  ln -sf "$root/.local/qwen3/tokenizer.json" "$model/tokenizer.json"
  python3 - "$root/Tests/WinnowJinjaTests/References/templates/Qwen-Qwen3-0.6B.jinja" "$model/tokenizer_config.json" <<'PY'
import json, sys
template = open(sys.argv[1], encoding="utf-8").read()
json.dump({"chat_template": template, "bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"},
          open(sys.argv[2], "w", encoding="utf-8"))
PY
fi

python3 - "$((groups + 1))" "$candidates" "${PROMPT_TOKENS:-384}" "${RESPONSE_TOKENS:-128}" > "$work/all.jsonl" <<'PY'
import json, random, sys
n, k, p, r = map(int, sys.argv[1:])
rng = random.Random(11)
for g in range(n):
    print(json.dumps({"id": g, "prompt_ids": [rng.randrange(1000, 150000) for _ in range(p)],
                      "candidate_ids": [[rng.randrange(1000, 150000) for _ in range(r)] for _ in range(k)]}))
PY
head -1 "$work/all.jsonl" > "$work/warmup.jsonl"
tail -n +2 "$work/all.jsonl" > "$work/groups.jsonl"

echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== winnow score on $groups groups x $candidates candidates"
t0=$(date +%s.%N); "$winnow" score --model "$model" --input "$work/warmup.jsonl" --output /dev/null; t1=$(date +%s.%N)
"$winnow" score --model "$model" --input "$work/all.jsonl" --output /dev/null; t2=$(date +%s.%N)
score_cps=$(python3 -c "print(round($groups * $candidates / (($t2 - $t1) - ($t1 - $t0)), 4))")
echo "   $score_cps candidates/s"

"$winnow" serve --model "$model" --http-address "127.0.0.1:$port" ${SERVE_ARGS:-} >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
python3 "$root/scripts/http-load.py" "http://127.0.0.1:$port" "$work/warmup.jsonl" concurrent >/dev/null
echo "== HTTP: each group as $candidates concurrent single-sample requests"
concurrent=$(python3 "$root/scripts/http-load.py" "http://127.0.0.1:$port" "$work/groups.jsonl" concurrent)
echo "   $concurrent"
echo "== HTTP: the same requests one at a time ($sequential groups)"
alone=$(python3 "$root/scripts/http-load.py" "http://127.0.0.1:$port" "$work/groups.jsonl" sequential "$sequential")
echo "   $alone"
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^winnow_http_(prefix_tokens_reused_total|batch_requests_(sum|count)) ' | sed 's/^/   /'
python3 - "$concurrent" "$alone" "$score_cps" <<'PY'
import json, sys
c, a, s = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
print(f"== concurrent / one at a time: {c['candidates_per_s'] / a['candidates_per_s']:.2f}x   "
      f"concurrent / winnow score: {100 * c['candidates_per_s'] / s:.0f}%   "
      f"latency at that load: p50 {c['p50_ms']:.0f} ms, p99 {c['p99_ms']:.0f} ms")
PY
