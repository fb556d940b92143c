#!/usr/bin/env bash
# Scoring throughput of winnow against Hugging Face transformers (float32, CPU) on the same model,
# the same shape and the same machine, measured in the same run.
#
#   scripts/bench-vs-peer.sh [MODEL_DIR]        (default bench-models/qwen3-0.6b-shape)
#
# Environment: SEQUENCES (8), TOKENS (512), REPEATS (3), THREADS (default: each engine's own,
# i.e. every core), WINNOW (.build/release/winnow), VENV (.venv; created from PyPI if missing),
# WINNOW_ARGS (extra winnow bench flags, e.g. "--weights bfloat16" or "--compute int8").
# Group mode: set BENCH_GROUPS (and CANDIDATES 8, PROMPT_TOKENS 384, RESPONSE_TOKENS 128): best-of-N
# groups sharing a prompt; the ratio is then of candidates per second.
# The two engines run one after the other, never together, so neither steals the other's cores.
# Make the random model with: .venv/bin/python scripts/make-bench-checkpoint.py
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
model="${1:-$root/bench-models/qwen3-0.6b-shape}"
sequences="${SEQUENCES:-8}"
tokens="${TOKENS:-512}"
repeats="${REPEATS:-3}"
winnow="${WINNOW:-$root/.build/release/winnow}"
venv="${VENV:-$root/.venv}"

[ -f "$model/config.json" ] || { echo "bench-vs-peer: no config.json in $model (make one with scripts/make-bench-checkpoint.py)" >&2; exit 2; }
[ -x "$winnow" ] || { echo "bench-vs-peer: $winnow not built (swift build -c release)" >&2; exit 2; }
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, transformers" 2>/dev/null; then
  echo "bench-vs-peer: creating $venv (torch + transformers from PyPI; a few GB, once)" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "torch==2.15.*" "transformers==5.23.*" safetensors
fi

threads=()
[ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")
shape=(--model "$model" --repeats "$repeats" "${threads[@]}")
if [ -n "${BENCH_GROUPS:-}" ]; then
  shape+=(--groups "$BENCH_GROUPS" --candidates "${CANDIDATES:-8}" --prompt-tokens "${PROMPT_TOKENS:-384}"
          --response-tokens "${RESPONSE_TOKENS:-128}")
else
  shape+=(--sequences "$sequences" --tokens "$tokens")
fi
read -r -a winnow_args <<< "${WINNOW_ARGS:-}"

echo "bench-vs-peer: winnow ${shape[*]} ${winnow_args[*]} ..." >&2
winnow_json="$("$winnow" bench "${shape[@]}" "${winnow_args[@]}" --json | grep '^{' | tail -n 1)"
echo "bench-vs-peer: transformers ${shape[*]} ..." >&2
peer_json="$("$venv/bin/python" "$root/scripts/peer-bench.py" "${shape[@]}" | grep '^{' | tail -n 1)"

# Plain python3 (standard library only) for the arithmetic and the table.
WINNOW_JSON="$winnow_json" PEER_JSON="$peer_json" python3 - <<'EOF'
import json, os
w = json.loads(os.environ["WINNOW_JSON"])
p = json.loads(os.environ["PEER_JSON"])
def mib(x):
    return f"{x / 1048576:.0f} MiB" if x else "-"
groups = w.get("mode") == "groups"
def cps(x):
    return f"{x['candidates_per_s']:.2f}" if "candidates_per_s" in x else "-"
rows = [
    ("engine", "tokens/s", "candidates/s", "seconds (median)", "threads", "peak RSS"),
    (f"winnow ({w.get('compute_mode', 'float32')} compute, {w.get('weights', 'float32')} weights, GEMM {w.get('gemm_gflops', 0):.0f} GFLOP/s)",
     f"{w['tokens_per_s']:.1f}", cps(w), f"{w['seconds']:.3f}", str(w.get("threads", "?")), mib(w.get("peak_rss_bytes"))),
    (f"transformers {p['version']} (torch {p['torch'].split('+')[0]}, fp32, sdpa)",
     f"{p['tokens_per_s']:.1f}", cps(p), f"{p['seconds']:.3f}", str(p["threads"]), mib(p.get("peak_rss_bytes"))),
]
widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
if groups:
    print(f"shape: {w['groups']} groups x {w['candidates']} candidates, {w['prompt_tokens']}-token prompt + {w['response_tokens']}-token responses")
else:
    print(f"shape: {p['sequences']} sequences x {p['tokens']} tokens")
print(f"load average: {os.getloadavg()[0]:.2f}")
for r in rows:
    print("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
print(f"ratio winnow/transformers: {w['tokens_per_s'] / p['tokens_per_s']:.2f}x tokens/s"
      + (f", {w['candidates_per_s'] / p['candidates_per_s']:.2f}x candidates/s" if groups else ""))
print(json.dumps({"winnow": w, "transformers": p,
                  "ratio_tokens_per_s": w["tokens_per_s"] / p["tokens_per_s"]}))
EOF
