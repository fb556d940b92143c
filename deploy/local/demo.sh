#!/usr/bin/env bash
# The main job end to end on this machine (`make demo`): a local Tansu broker, topics, the shipped
# demo reward model, sample prompt groups produced, `winnow serve` scoring them, each group's
# ranking printed, a clean shutdown (SIGTERM drains and commits), the broker stopped.
#
#   deploy/local/demo.sh            (expects .build/release/winnow: `make demo` builds it first)
#
# Environment: WINNOW_DEMO_PORT (19392), WINNOW (.build/release/winnow).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${WINNOW_DEMO_PORT:-19392}"
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
bash "$here/topics.sh" --port "$port" prompt-groups:3 selections:3 prompt-groups.dead-letter:1

echo "== model"
"$winnow" inspect --model "$model" --max-length 2048 | sed 's/^/   /'

total=$(grep -c . "$groups")
good=$(grep -vc '"candidates": \[\]' "$groups")
echo "== producing $total prompt groups (one of them poison) to prompt-groups"
"$winnow" produce --brokers "$brokers" --topic prompt-groups --input "$groups"

echo "== winnow serve (log: $work/serve.log)"
"$winnow" serve --model "$model" --max-length 2048 --brokers "$brokers" --group winnow-demo \
  --input-topic prompt-groups --results-topic selections --dead-letter-topic prompt-groups.dead-letter \
  -X session.timeout.ms=6000 -X heartbeat.interval.ms=1000 >"$work/serve.log" 2>&1 &
serve_pid=$!

"$winnow" consume --brokers "$brokers" --topic selections --count "$good" --timeout 120 >"$work/selections.jsonl"
"$winnow" consume --brokers "$brokers" --topic prompt-groups.dead-letter --count 1 --timeout 30 >"$work/dead-letters.jsonl"

echo "== stopping winnow serve with SIGTERM (drain, commit, exit 0)"
kill -TERM "$serve_pid"
status=0
wait "$serve_pid" || status=$?
serve_pid=""
echo "   winnow serve exited with status $status"

echo "== rankings"
python3 "$here/show-results.py" "$groups" "$work/selections.jsonl" "$work/dead-letters.jsonl"
[ "$status" -eq 0 ]
