"""OpenRLHF's remote reward model call (`remote_rm_fn`: POST {"query", "prompts", "labels"} to
--remote_rm_url, read "rewards"), against `winnow serve --http-address` at /get_reward.

The queries are what OpenRLHF sends: prompt and response as one text (here the chat template's
rendering, as an OpenRLHF actor's samples are), with trailing pad/EOS tokens. The rewards must equal
the scores of the ids transformers' tokenizer makes under serve_rm's rule (pad/EOS runs stripped
from both ends, one EOS appended, no special tokens added), sent as input_ids to /classify.

    python openrlhf_client.py BASE_URL MODEL_DIR
"""
import json
import re
import sys

import requests
from transformers import AutoTokenizer

base, model_dir = sys.argv[1], sys.argv[2]
tokenizer = AutoTokenizer.from_pretrained(model_dir)
conversations = json.load(open(f"{model_dir}/expected.json"))["conversations"]
queries = [tokenizer.apply_chat_template(c["messages"], tokenize=False) + tokenizer.pad_token * 2 for c in conversations]
prompts = [tokenizer.apply_chat_template(c["messages"][:-1], tokenize=False) for c in conversations]


def remote_rm_fn(api_url, queries, prompts, labels):
    response = requests.post(api_url, json={"query": queries, "prompts": prompts, "labels": labels},
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    return response.json()


result = remote_rm_fn(f"{base}/get_reward", queries, prompts, [None] * len(queries))
assert result["rewards"] == result["scores"], result
assert len(result["rewards"]) == len(queries)


def serve_rm_ids(text):
    eos, pad = re.escape(tokenizer.eos_token), re.escape(tokenizer.pad_token)
    text = re.sub(f"({eos}|{pad})+$", "", text)
    text = re.sub(f"^({eos}|{pad})+", "", text)
    return tokenizer(text + tokenizer.eos_token, add_special_tokens=False)["input_ids"]


ids = [serve_rm_ids(q) for q in queries]
reference = requests.post(f"{base}/classify", json={"input_ids": ids}).json()
for i, (reward, item) in enumerate(zip(result["rewards"], reference)):
    assert abs(reward - item["embedding"][0]) <= 1e-5 * max(1.0, abs(reward)), f"query {i}: {reward} vs {item['embedding'][0]}"
print(f"OpenRLHF-style client: {len(queries)} rewards match serve_rm's tokenization")
