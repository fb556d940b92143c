#!/usr/bin/env bash
# The main job end to end on this machine (`make demo`): a local Tansu broker, topics, the shipped
# demo reward model, sample prompt groups produced, `winnow serve` scoring them, each group's
# ranking printed, the SFT rows and preference pairs its selection policy made from the same pass,
# one prompt group scored over HTTP by the same process (--http-address), a clean shutdown (SIGTERM
# drains and commits), the broker stopped.
#
#   deploy/local/demo.sh            (expects .build/release/winnow: `make demo` builds it first)
#
# Environment: WINNOW_DEMO_PORT (19392), WINNOW_DEMO_HTTP_PORT (19393), WINNOW (.build/release/winnow).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${WINNOW_DEMO_PORT:-19392}"
http_port="${WINNOW_DEMO_HTTP_PORT:-19393}"
winnow="${WINNOW:-$root/.build/release/winnow}"
brokers="127.0.0.1:$port"
work="$root/.local/demo"
groups="$here/sample-groups.jsonl"
model="$here/demo-model"
mkdir -p "$work"

[ -x "$winnow" ] || { echo "demo: $winnow is not built (make demo builds it)" >&2; exit 2; }
bash "$here/fetch-tansu.sh" "$root/.local/tansu" >/dev/null

serve_pid=""
cleanup() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then kill -KILL "$serve_pid" 2>/dev/null || true; fi
  bash "$here/broker.sh" stop "$port" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "== broker: Tansu on $brokers (memory storage)"
bash "$here/broker.sh" stop "$port" >/dev/null 2>&1 || true
bash "$here/broker.sh" start "$port"
bash "$here/topics.sh" --port "$port" prompt-groups:3 selections:3 prompt-groups.dead-letter:1 sft-samples:1 preference-pairs:1

echo "== model"
"$winnow" inspect --model "$model" --max-length 2048 | sed 's/^/   /'

total=$(grep -c . "$groups")
good=$(grep -vc '"candidates": \[\]' "$groups")
echo "== producing $total prompt groups (one of them poison) to prompt-groups"
"$winnow" produce --brokers "$brokers" --topic prompt-groups --input "$groups"

# Keep each group's best answer as an SFT row and pair it against the answers it clearly beats.
policy='{"rejection": {"top_k": 1}, "pairs": {"strategy": "best_vs_rest", "min_margin": 5.0, "max_pairs": 2}}'
echo "== winnow serve (log: $work/serve.log), policy $policy"
"$winnow" serve --model "$model" --max-length 2048 --brokers "$brokers" --group winnow-demo \
  --input-topic prompt-groups --results-topic selections --dead-letter-topic prompt-groups.dead-letter \
  --policy "$policy" --sft-topic sft-samples --pairs-topic preference-pairs \
  --http-address "127.0.0.1:$http_port" \
  -X session.timeout.ms=6000 -X heartbeat.interval.ms=1000 >"$work/serve.log" 2>&1 &
serve_pid=$!

"$winnow" consume --brokers "$brokers" --topic selections --count "$good" --timeout 120 >"$work/selections.jsonl"
"$winnow" consume --brokers "$brokers" --topic prompt-groups.dead-letter --count 1 --timeout 30 >"$work/dead-letters.jsonl"
# Each selection says what its policy decided: as many SFT rows and pairs must be on their topics.
count() {  # SFT rows (accepted candidates) or pairs the selections announce
  python3 - "$1" "$work/selections.jsonl" <<'PY'
import json, sys
what, path = sys.argv[1], sys.argv[2]
selections = [json.loads(line) for line in open(path) if line.strip()]
if what == "rejection":
    print(sum(len(s.get("rejection", {}).get("accepted", [])) for s in selections))
else:
    print(sum(len(s.get("pairs", [])) for s in selections))
PY
}
"$winnow" consume --brokers "$brokers" --topic sft-samples --count "$(count rejection)" --timeout 30 >"$work/sft-samples.jsonl"
"$winnow" consume --brokers "$brokers" --topic preference-pairs --count "$(count pairs)" --timeout 30 >"$work/preference-pairs.jsonl"

echo "== the same process over HTTP: POST /v1/groups on 127.0.0.1:$http_port"
group='{"group_id": "http-demo", "prompt": [{"role": "user", "content": "What is 7 + 2?"}], "candidates": ["7 + 2 = 9.", "It is 5.", "The answer is 72."]}'
echo "   curl -s 127.0.0.1:$http_port/v1/groups -d '$group'"
curl -sf "127.0.0.1:$http_port/v1/groups" -d "$group" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("   ranking: " + ", ".join("c%d %.2f" % (e["index"], e["score"]) for e in s["ranking"]) + "   (argmax c%d)" % s["argmax"]["index"])'

echo "== stopping winnow serve with SIGTERM (drain, commit, exit 0)"
kill -TERM "$serve_pid"
status=0
wait "$serve_pid" || status=$?
serve_pid=""
echo "   winnow serve exited with status $status"

echo "== rankings"
python3 "$here/show-results.py" "$groups" "$work/selections.jsonl" "$work/dead-letters.jsonl"
echo "== training data from the same pass"
echo "   $(grep -c . "$work/sft-samples.jsonl") SFT rows on sft-samples, $(grep -c . "$work/preference-pairs.jsonl") preference pairs on preference-pairs ($work/)"
head -1 "$work/preference-pairs.jsonl" | python3 -c '
import json, sys
p = json.loads(sys.stdin.read())
print("   e.g. %s: chosen %r over %r, margin %.2f" % (p["group_id"], p["chosen"], p["rejected"], p["margin"]))'
[ "$status" -eq 0 ]
