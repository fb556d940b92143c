#!/usr/bin/env bash
# Scoring throughput of winnow against Hugging Face transformers (float32, CPU) on the same model,
# the same shape and the same machine, measured in the same run.
#
#   scripts/bench-vs-peer.sh [MODEL_DIR]        (default bench-models/qwen3-0.6b-shape)
#
# Environment: SEQUENCES (8), TOKENS (512), REPEATS (3), THREADS (default: each engine's own,
# i.e. every core), WINNOW (.build/release/winnow), VENV (.venv; created from PyPI if missing).
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
shape=(--model "$model" --sequences "$sequences" --tokens "$tokens" --repeats "$repeats" "${threads[@]}")

echo "bench-vs-peer: winnow, $sequences x $tokens tokens ..." >&2
winnow_json="$("$winnow" bench "${shape[@]}" --json | grep '^{' | tail -n 1)"
echo "bench-vs-peer: transformers, $sequences x $tokens tokens ..." >&2
peer_json="$("$venv/bin/python" "$root/scripts/peer-bench.py" "${shape[@]}" | grep '^{' | tail -n 1)"

# Plain python3 (standard library only) for the arithmetic and the table.
WINNOW_JSON="$winnow_json" PEER_JSON="$peer_json" python3 - <<'EOF'
import json, os
w = json.loads(os.environ["WINNOW_JSON"])
p = json.loads(os.environ["PEER_JSON"])
def mib(x):
    return f"{x / 1048576:.0f} MiB" if x else "-"
rows = [
    ("engine", "tokens/s", "seconds (median)", "threads", "peak RSS"),
    ("winnow", f"{w['tokens_per_s']:.1f}", f"{w['seconds']:.3f}", str(w.get("threads", "?")), mib(w.get("peak_rss_bytes"))),
    (f"transformers {p['version']} (torch {p['torch'].split('+')[0]}, fp32, sdpa)",
     f"{p['tokens_per_s']:.1f}", f"{p['seconds']:.3f}", str(p["threads"]), mib(p.get("peak_rss_bytes"))),
]
widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
print(f"shape: {p['sequences']} sequences x {p['tokens']} tokens")
for r in rows:
    print("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
print(f"ratio winnow/transformers: {w['tokens_per_s'] / p['tokens_per_s']:.2f}x")
print(json.dumps({"winnow": w, "transformers": p,
                  "ratio_tokens_per_s": w["tokens_per_s"] / p["tokens_per_s"]}))
EOF
