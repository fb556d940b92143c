#!/usr/bin/env bash
# Groups per second through Kafka (`winnow serve`) against `winnow score` on the same groups,
# the same model and the same machine, one after the other: does the service keep the model busy?
#
#   scripts/bench-serve.sh [MODEL_DIR]    (default: the Qwen3-0.6B-shaped bench checkpoint with
#                                          Qwen3's real tokenizer and chat template)
#
# Environment: GROUPS_N (48), CANDIDATES (4), PORT (19492), WINNOW (.build/release/winnow),
# SERVE_ARGS (extra serve flags, e.g. "--exactly-once").
#
# Both sides are timed from the first group scored to the last, so model loading and the consumer
# group join are left out of both: `winnow score` over the JSONL (minus the same run on one group,
# i.e. its load and warm-up), and for serve the span between the first and the last result
# record's broker timestamp plus one group's share. It also prints the share of serve's wall time
# the model spent in forward passes (winnow_forward_seconds_sum from /metrics).
#
# The default model: make bench-models/qwen3-0.6b-shape with scripts/make-bench-checkpoint.py (or
# `make bench`); the Qwen3 tokenizer comes from scripts/fetch-test-tokenizers.sh (.local/qwen3).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
winnow="${WINNOW:-$root/.build/release/winnow}"
groups="${GROUPS_N:-48}"
candidates="${CANDIDATES:-4}"
port="${PORT:-19492}"
work="$(mktemp -d)"
trap 'kill $serve_pid 2>/dev/null || true; bash "$root/deploy/local/broker.sh" stop "$port" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
serve_pid=""

model="${1:-}"
if [ -z "$model" ]; then
  shape="$root/bench-models/qwen3-0.6b-shape"
  [ -f "$shape/config.json" ] || { echo "bench-serve: no $shape (make bench, or scripts/make-bench-checkpoint.py)" >&2; exit 2; }
  [ -f "$root/.local/qwen3/tokenizer.json" ] || bash "$root/scripts/fetch-test-tokenizers.sh"
  model="$root/bench-models/qwen3-0.6b-serve"
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

# Best-of-N groups: a long-ish user turn (a few hundred tokens) and N answers of ~100 tokens.
python3 - "$groups" "$candidates" > "$work/groups.jsonl" <<'PY'
import json, random, sys
n, k = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(7)
words = ("the model reads every candidate and scores how well it answers the question about numbers "
         "trains tables rivers cities music proofs code tests kafka partitions offsets rewards").split()
def text(count): return " ".join(rng.choice(words) for _ in range(count))
for i in range(n):
    prompt = [{"role": "user", "content": f"Question {i}: " + text(220)}]
    print(json.dumps({"group_id": f"bench-{i}", "prompt": prompt,
                      "candidates": [{"id": f"c{j}", "response": text(90)} for j in range(k)]}))
PY

now() { date +%s.%N; }
echo "model: $model; $groups groups x $candidates candidates"

# winnow score: all groups, minus one group's run (model load, first-call warm-up).
head -1 "$work/groups.jsonl" > "$work/one.jsonl"
t0=$(now); "$winnow" score --model "$model" --input "$work/one.jsonl" --output /dev/null; t1=$(now)
"$winnow" score --model "$model" --input "$work/groups.jsonl" --output /dev/null; t2=$(now)
score_seconds=$(python3 -c "print(($t2 - $t1) - ($t1 - $t0) * 1.0)")
score_rate=$(python3 -c "print(($groups - 1) / $score_seconds)")

# winnow serve: the same groups, already in the input topic when it starts.
bash "$root/deploy/local/broker.sh" start "$port" >/dev/null
bash "$root/deploy/local/topics.sh" --port "$port" bench-in:3 bench-out:1 bench-dead:1 >/dev/null
"$winnow" produce --brokers "127.0.0.1:$port" --topic bench-in --key-field group_id < "$work/groups.jsonl" >/dev/null
read -r -a serve_args <<< "${SERVE_ARGS:-}"
"$winnow" serve --model "$model" --brokers "127.0.0.1:$port" --group bench --input-topic bench-in \
  --results-topic bench-out --dead-letter-topic bench-dead --metrics-address 127.0.0.1:0 \
  -X session.timeout.ms=6000 "${serve_args[@]}" 2> "$work/serve.log" &
serve_pid=$!
"$winnow" consume --brokers "127.0.0.1:$port" --topic bench-out --count "$groups" --timeout 1800 --timestamps > "$work/results.jsonl"
metrics_port=$(grep -o 'address=127.0.0.1:[0-9]*' "$work/serve.log" | head -1 | cut -d: -f2)
forward=$(curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '/^winnow_forward_seconds_sum/ {print $2}')
kill -TERM $serve_pid; wait $serve_pid || true; serve_pid=""

python3 - "$work/results.jsonl" "$groups" "$score_rate" "${forward:-0}" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
groups, score_rate, forward = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
stamps = sorted(l["timestamp_ms"] for l in lines)
assert len(stamps) == groups, f"{len(stamps)} results for {groups} groups"
first_score_ms = min(json.loads(l["value"])["timings"]["score_ms"] for l in lines)
span = (stamps[-1] - stamps[0]) / 1000
serve_rate = (groups - 1) / span
print(f"winnow score : {score_rate:8.3f} groups/s")
print(f"winnow serve : {serve_rate:8.3f} groups/s  (first to last result over Kafka, {span:.1f} s)")
print(f"ratio        : {serve_rate / score_rate:8.1%} of winnow score")
print(f"model busy   : {forward:.1f} s of forward passes in serve")
PY
