"""Native POST /v1/groups round trips: prompt-group records exactly as Kafka carries them in, the
selection schema out (validated with scripts/validate-json.py), policies included; the demo model's
reference groups must get transformers' scores, and a record Kafka would dead-letter gets a 400
with the same reason code.

    python groups_roundtrip.py BASE_URL MODEL_DIR REPO_ROOT
"""
import json
import subprocess
import sys

import requests

base, model_dir, root = sys.argv[1], sys.argv[2], sys.argv[3]
expected = json.load(open(f"{model_dir}/expected.json"))["groups"]
policy = {"rejection": {"top_k": 1}, "pairs": {"strategy": "best_vs_rest", "min_margin": 1.0, "max_pairs": 2},
          "rewards": {"baseline": "grpo"}}
records = [{"group_id": f"ref-{i}", "prompt": g["prompt"], "candidates": [{"id": f"c{j}", "response": c} for j, c in enumerate(g["candidates"])],
            "metadata": {"n": i}, "policy": policy} for i, g in enumerate(expected)]


def validate(selections):
    lines = "".join(json.dumps(s) + "\n" for s in selections)
    run = subprocess.run(["/usr/bin/python3", f"{root}/scripts/validate-json.py", "selection", "-"],
                         input=lines, capture_output=True, text=True)
    assert run.returncode == 0, f"selection schema: {run.stdout}{run.stderr}"


# One group: one selection object.
r = requests.post(f"{base}/v1/groups", json=records[0])
assert r.status_code == 200, r.text
single = r.json()
assert isinstance(single, dict) and single["group_id"] == "ref-0", single
# A list: selections in order.
r = requests.post(f"{base}/v1/groups", json=records)
assert r.status_code == 200, r.text
selections = r.json()
assert [s["group_id"] for s in selections] == [r["group_id"] for r in records]
validate([single] + selections)
for s, g in zip(selections, expected):
    assert s["argmax"]["index"] == g["argmax"], (s["argmax"], g["argmax"])
    for entry in s["ranking"]:
        want = g["scores"][entry["index"]]
        assert abs(entry["score"] - want) <= 1e-4 * max(1.0, abs(want)), (s["group_id"], entry, want)
    assert s["rejection"]["accepted"] == [g["argmax"]], s["rejection"]
    assert len(s["rewards"]["advantages"]) == len(g["candidates"])
    assert s["metadata"]["n"] == int(s["group_id"].split("-")[1])
    assert s["source"]["topic"] == "http"

# The demo's sample groups, as produced to Kafka (one is poison: no candidates).
lines = [json.loads(line) for line in open(f"{root}/deploy/local/sample-groups.jsonl") if line.strip()]
good = [l for l in lines if l.get("candidates")]
r = requests.post(f"{base}/v1/groups", json=good)
assert r.status_code == 200, r.text
validate(r.json())
poison = [l for l in lines if not l.get("candidates")][0]
r = requests.post(f"{base}/v1/groups", json=poison)
assert r.status_code == 400 and r.json()["error"]["type"] == "no_candidates", r.text
r = requests.post(f"{base}/v1/groups", json=[good[0], {"group_id": "bad", "prompt": 3, "candidates": ["a"]}])
assert r.status_code == 400 and r.json()["error"]["type"] == "schema_violation" and "group 1" in r.json()["error"]["message"], r.text
r = requests.post(f"{base}/v1/groups", json={**good[0], "policy": {"rejection": {"top_k": -1}}})
assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_policy", r.text
print(f"/v1/groups: {len(selections) + len(good) + 1} selections valid, reference scores match transformers")
