"""The Skywork-Reward-V2 model card's SGLang client ("Distributed inference" section), unchanged
but for the URL and the model path, run against `winnow serve --http-address`; then every
conversation of the demo model's expected.json (transformers' own float32 scores) goes through the
card's `process_convs` and must come back within 1e-4 relative.

    python skywork_model_card_client.py BASE_URL MODEL_DIR
"""
import json
import os
import sys

# ---- the model card's client code (only base_url and model_name_path changed) ----
import requests
from transformers import AutoTokenizer


model_name_path = sys.argv[2]
base_url = sys.argv[1] + "/classify"
tokenizer = AutoTokenizer.from_pretrained(model_name_path, use_fast=True)

prompt = "Jane has 12 apples. She gives 4 apples to her friend Mark, then buys 1 more apple, and finally splits all her apples equally among herself and her 2 siblings. How many apples does each person get?"
response1 = "1. Jane starts with 12 apples and gives 4 to Mark. 12 - 4 = 8. Jane now has 8 apples.\n2. Jane buys 1 more apple. 8 + 1 = 9. Jane now has 9 apples.\n3. Jane splits the 9 apples equally among herself and her 2 siblings (3 people in total). 9 ÷ 3 = 3 apples each. Each person gets 3 apples."
response2 = "1. Jane starts with 12 apples and gives 4 to Mark. 12 - 4 = 8. Jane now has 8 apples.\n2. Jane buys 1 more apple. 8 + 1 = 9. Jane now has 9 apples.\n3. Jane splits the 9 apples equally among her 2 siblings (2 people in total). 9 ÷ 2 = 4.5 apples each. Each person gets 4 apples."

conv1 = [{"role": "user", "content": prompt}, {"role": "assistant", "content": response1}]
conv2 = [{"role": "user", "content": prompt}, {"role": "assistant", "content": response2}]


def process_convs(convs, base_url, tokenizer, model_name_path):
    payload = {"model": model_name_path}
    convs_formatted = []
    for conv in convs:
        conv = tokenizer.apply_chat_template(conv, tokenize=False)
        if tokenizer.bos_token is not None and conv.startswith(tokenizer.bos_token):
            conv = conv[len(tokenizer.bos_token) :]
        convs_formatted.append(conv)

    payload.update({"text": convs_formatted})
    rewards = []
    try:
        responses = requests.post(base_url, json=payload).json()
        for response in responses:
            rewards.append(response["embedding"][0])
        assert len(rewards) == len(convs), f"Expected {len(convs)} rewards, got {len(rewards)}"
        return rewards
    except Exception as e:
        print(f"Error: {e}")
        return [None] * len(convs)


rewards = process_convs([conv1, conv2], base_url, tokenizer, model_name_path)
print(f"Score for response 1: {rewards[0]}")
print(f"Score for response 2: {rewards[1]}")
# ---- end of the model card's code ----

assert None not in rewards, "the card's example conversations got no scores"
expected = json.load(open(f"{model_name_path}/expected.json"))
conversations = expected["conversations"]
got = process_convs([c["messages"] for c in conversations], base_url, tokenizer, model_name_path)
worst = 0.0
for c, score in zip(conversations, got):
    assert score is not None, f"no score for {c['messages']}"
    relative = abs(score - c["score"]) / max(1.0, abs(c["score"]))
    worst = max(worst, relative)
    assert relative <= 1e-4, f"{c['messages']}: winnow {score}, transformers {c['score']}"
print(f"model card client: {len(got)} conversations match transformers, worst relative difference {worst:.2e}")

# SGLang's model information, as clients read it before sending work: a scoring model, not a
# generation one, with the checkpoint's own model_type and architectures.
config = json.load(open(os.path.join(model_name_path, "config.json")))
for path in ["/model_info", "/get_model_info"]:
    r = requests.get(sys.argv[1] + path, timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json"), r.text
    info = r.json()
    assert info["model_path"] == os.path.abspath(model_name_path) and info["is_generation"] is False, info
    assert info["model_type"] == config["model_type"] and info["architectures"] == config["architectures"], info
    assert info["preferred_sampling_params"] is None and info["weight_version"] == "default", info
print("SGLang model info: /model_info and /get_model_info describe the checkpoint")
