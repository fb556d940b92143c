#!/usr/bin/env python3
"""Load for the HTTP front door as RL trainers make it: each GRPO group arrives as N concurrent
single-sample requests (one thread and keep-alive connection each, released together), groups one
after another; or every request one at a time. Standard library only.

    http-load.py BASE_URL GROUPS_JSONL concurrent|together|sequential [GROUPS]

concurrent: each group's requests at once, groups one after another; together: every request of
every group at once (a trainer scoring a whole batch of groups); sequential: one at a time.

GROUPS_JSONL lines: {"id", "prompt_ids": [...], "candidate_ids": [[...], ...]} (what `winnow score`
reads). Each request is SGLang's POST /classify {"input_ids": prompt + candidate}. Prints one JSON
line: candidates, seconds, candidates_per_s, p50_ms, p99_ms.
"""
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlparse

base, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
groups = [json.loads(line) for line in open(path) if line.strip()]
if len(sys.argv) > 4:
    groups = groups[: int(sys.argv[4])]
url = urlparse(base)
if mode == "together":  # every group's requests as one wave
    groups = [{"prompt_ids": [], "candidate_ids": [g["prompt_ids"] + c for g in groups for c in g["candidate_ids"]]}]
width = max(len(g["candidate_ids"]) for g in groups)
connections = [http.client.HTTPConnection(url.hostname, url.port, timeout=600) for _ in range(width)]


def post(connection, ids):
    body = json.dumps({"input_ids": ids})
    started = time.perf_counter()
    connection.request("POST", "/classify", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise SystemExit(f"HTTP {response.status}: {data[:300]}")
    json.loads(data)["embedding"][0]
    return (time.perf_counter() - started) * 1000


latencies = []
lock = threading.Lock()
started = time.perf_counter()
for group in groups:
    requests = [group["prompt_ids"] + c for c in group["candidate_ids"]]
    if mode == "sequential":
        latencies += [post(connections[0], ids) for ids in requests]
        continue
    barrier = threading.Barrier(len(requests))

    def one(i):
        barrier.wait()
        ms = post(connections[i], requests[i])
        with lock:
            latencies.append(ms)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
seconds = time.perf_counter() - started
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print(json.dumps({"mode": mode, "groups": len(groups), "candidates": len(latencies), "seconds": round(seconds, 3),
                  "candidates_per_s": round(len(latencies) / seconds, 4), "p50_ms": round(pick(0.5), 1), "p99_ms": round(pick(0.99), 1)}))
