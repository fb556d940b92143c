#!/usr/bin/env python3
"""Writes deploy/local/sample-groups.jsonl: the prompt groups `make demo` sends through Winnow.

Arithmetic questions (the demo model was trained to prefer correct results), four candidates each
(one correct, three wrong, in different phrasings, shuffled), a system turn now and then, the
correct result in the pass-through metadata, and one poison record (a group with no candidates)
that the service must dead-letter. Seeded: rerunning rewrites the same file.
"""
import json
import os
import random

rnd = random.Random(2026)
ops = [("+", lambda a, b: a + b), ("-", lambda a, b: a - b), ("*", lambda a, b: a * b)]
lines = []
for i in range(8):
    sym, f = ops[i % 3]
    a, b = rnd.randint(2, 60), rnd.randint(2, 30)
    r = f(a, b)
    wrong = sorted({r + d for d in (rnd.choice([1, -1, 2, 10, -10]), rnd.choice([3, -3, 7]), rnd.choice([20, -20, 5]))} - {r})
    answers = [f"{a} {sym} {b} = {w}." for w in wrong[:2]] + [f"{a} {sym} {b} = {r}."] + [f"The answer is {wrong[-1]}."]
    rnd.shuffle(answers)
    prompt = [{"role": "user", "content": f"What is {a} {sym} {b}?"}]
    if i % 4 == 3:
        prompt.insert(0, {"role": "system", "content": "Answer with the result."})
    lines.append(json.dumps({"group_id": f"demo-{i:02d}", "prompt": prompt,
                             "candidates": [{"id": f"c{j}", "response": t} for j, t in enumerate(answers)],
                             "metadata": {"correct": r}}, ensure_ascii=False))
lines.insert(5, '{"group_id": "demo-poison", "prompt": "What is 1 + 1?", "candidates": []}')
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample-groups.jsonl"), "w") as f:
    f.write("\n".join(lines) + "\n")
