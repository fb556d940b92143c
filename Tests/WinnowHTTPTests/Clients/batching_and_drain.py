"""Dynamic batching and draining, against `winnow serve --http-address ... --http-batch-window-ms 300`
(a window long enough that concurrent requests surely meet):
- a GRPO group as RL trainers send it, 8 concurrent single-sample requests sharing a prompt: the
  scores equal those of the same requests sent one at a time, and /metrics shows they were scored
  in one batch with the prompt computed once (prefix tokens reused);
- SIGTERM while requests wait in the batch window: every one is still answered (200), then the
  server exits (the Swift test checks status 0).

    python batching_and_drain.py BASE_URL MODEL_DIR SERVER_PID
"""
import os
import re
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from transformers import AutoTokenizer

base, model_dir, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
tokenizer = AutoTokenizer.from_pretrained(model_dir)
prompt = [{"role": "system", "content": "You are a careful math tutor. Answer with the number."},
          {"role": "user", "content": "What is 7 * 8? Think about it and give the product."}]
answers = ["56", "It is 54.", "7 * 8 = 56.", "That would be 64.", "The answer is 56.", "48", "7 times 8 equals 56.", "I am not sure."]
texts = [tokenizer.apply_chat_template(prompt + [{"role": "assistant", "content": a}], tokenize=False) for a in answers]


def metric(text, name):
    return sum(float(v) for v in re.findall(rf"^{re.escape(name)}(?:{{[^}}]*}})? (\S+)$", text, re.M))


def score(text):
    r = requests.post(f"{base}/classify", json={"model": "m", "input": text, "use_activation": False}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["data"][0]["probs"][0]


before = requests.get(f"{base}/metrics").text
with ThreadPoolExecutor(8) as pool:
    together = list(pool.map(score, texts))
after = requests.get(f"{base}/metrics").text
reused = metric(after, "winnow_http_prefix_tokens_reused_total") - metric(before, "winnow_http_prefix_tokens_reused_total")
batches = metric(after, "winnow_http_batch_requests_count") - metric(before, "winnow_http_batch_requests_count")
prompt_tokens = len(tokenizer.apply_chat_template(prompt, tokenize=True, add_generation_prompt=True))
assert batches < len(texts), f"8 concurrent requests took {batches} batches"
assert reused >= prompt_tokens, f"only {reused} prefix tokens reused; the prompt alone has {prompt_tokens}"
alone = [score(t) for t in texts]
for i, (a, b) in enumerate(zip(together, alone)):
    assert abs(a - b) <= 1e-5 * max(1.0, abs(b)), f"candidate {i}: batched {a}, alone {b}"
assert 'winnow_http_requests_total{endpoint="/classify",status="200"}' in after, after
print(f"batching: 8 concurrent requests in {batches:.0f} batch(es), {reused:.0f} prefix tokens reused, scores equal to one at a time")

# Drain: SIGTERM while 8 requests wait in the 300 ms window; all are answered.
with ThreadPoolExecutor(8) as pool:
    futures = [pool.submit(score, t) for t in texts]
    time.sleep(0.1)
    os.kill(pid, signal.SIGTERM)
    drained = [f.result() for f in futures]
for i, (a, b) in enumerate(zip(drained, alone)):
    assert abs(a - b) <= 1e-5 * max(1.0, abs(b)), f"drained candidate {i}: {a} vs {b}"
print("drain: SIGTERM answered every open request")
