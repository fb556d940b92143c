"""Requests as vLLM's clients send them, against `winnow serve --http-address`:
- vLLM's classification client example: POST /classify {"model", "input": [texts]}, reading
  data[i]["probs"] (sigmoid of the reward: vLLM's default activation for one label);
- veRL's reward loop: one sample per request, {"model", "input": text, "use_activation": False},
  reading data[-1]["probs"][-1] (the raw reward), 8 at a time from a thread pool;
- token ids as input, and POST /pooling (and /classify) with "messages".
Each score is checked against transformers' (deploy/local/demo-model/expected.json).

    python vllm_clients.py BASE_URL MODEL_DIR
"""
import json
import math
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import requests
from transformers import AutoTokenizer

base, model_dir = sys.argv[1], sys.argv[2]
tokenizer = AutoTokenizer.from_pretrained(model_dir)
conversations = json.load(open(f"{model_dir}/expected.json"))["conversations"]
texts = [tokenizer.apply_chat_template(c["messages"], tokenize=False) for c in conversations]
want = [c["score"] for c in conversations]


# vLLM's clients find the served model's name with GET /v1/models (the OpenAI client's
# models.list()); the test server runs with --max-length 2048.
models = requests.get(f"{base}/v1/models", timeout=30)
assert models.status_code == 200 and models.headers["content-type"].startswith("application/json"), models.text
assert models.json()["object"] == "list" and len(models.json()["data"]) == 1, models.text
card = models.json()["data"][0]
assert card["id"] == os.path.basename(os.path.normpath(model_dir)) and card["object"] == "model", card
assert card["max_model_len"] == 2048 and card["root"] == os.path.abspath(model_dir) and isinstance(card["created"], int), card


def close(got, expected, what):
    assert abs(got - expected) <= 1e-4 * max(1.0, abs(expected)), f"{what}: winnow {got}, expected {expected}"


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# vLLM's openai_classification_client: a list of inputs in one request.
response = requests.post(f"{base}/classify", json={"model": model_dir, "input": texts})
assert response.status_code == 200, response.text
body = response.json()
assert body["object"] == "list" and body["id"].startswith("classify-"), body
assert body["usage"]["prompt_tokens"] == sum(len(tokenizer(t)["input_ids"]) for t in texts), body["usage"]
for i, item in enumerate(body["data"]):
    assert item["index"] == i and item["num_classes"] == 1 and item["label"] == "LABEL_0", item
    close(item["probs"][0], sigmoid(want[i]), f"classify probs[{i}]")

# veRL's reward loop: one sample per request, raw scores, concurrent.
def verl_style(text):
    r = requests.post(f"{base}/classify", json={"model": "reward", "input": text, "use_activation": False})
    assert r.status_code == 200, r.text
    return r.json()["data"][-1]["probs"][-1]

with ThreadPoolExecutor(8) as pool:
    for i, score in enumerate(pool.map(verl_style, texts)):
        close(score, want[i], f"veRL-style classify {i}")

# Token ids (one list, and a list of lists), truncate_prompt_tokens keeping the whole sequence.
ids = [c["ids"] for c in conversations]
r = requests.post(f"{base}/classify", json={"model": "m", "input": ids[0], "use_activation": False})
assert r.status_code == 200, r.text
close(r.json()["data"][0]["probs"][0], want[0], "ids input")
r = requests.post(f"{base}/classify", json={"input": ids, "use_activation": False, "truncate_prompt_tokens": -1})
assert r.status_code == 200, r.text
for i, item in enumerate(r.json()["data"]):
    close(item["probs"][0], want[i], f"id lists input {i}")

# Chat messages on /pooling and /classify: the checkpoint's template, as the model card formats.
for endpoint in ["pooling", "classify"]:
    for i, c in enumerate(conversations):
        r = requests.post(f"{base}/{endpoint}", json={"model": "m", "messages": c["messages"], "use_activation": False})
        assert r.status_code == 200, r.text
        item = r.json()["data"][0]
        close(item["data"][0] if endpoint == "pooling" else item["probs"][0], want[i], f"/{endpoint} messages {i}")
r = requests.post(f"{base}/pooling", json={"model": "m", "messages": conversations[0]["messages"]})
assert r.json()["data"][0]["object"] == "pooling" and r.json()["id"].startswith("pool-"), r.text
close(r.json()["data"][0]["data"][0], sigmoid(want[0]), "/pooling with the default activation")
print(f"vLLM-style clients: {len(texts)} conversations x 6 request shapes match transformers")
