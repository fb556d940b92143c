#!/usr/bin/env python3
"""Writes deploy/local/sample-groups.jsonl: the prompt groups `make demo` sends through Winnow.

Questions from the table the demo model was trained on (scripts/make-demo-model.py: a + b and
a - b on single digits, a * b on 2..9), asked and answered in phrasings it was trained on. Four
candidates each, shuffled: the correct result, a near miss (off by 1 to 3), another wrong result
(off by 10, another operation's result, or any number), and either a reply without a result
(a refusal) or a second near miss. A system turn now and then, the correct result in the
pass-through metadata, and one poison record (a group with no candidates) that the service must
dead-letter. Seeded: rerunning rewrites the same file.
"""
import json
import os
import random

rnd = random.Random(2026)
OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
NO_RESULT = ["I don't know.", "Sorry, I can't help with that.", "Let me think about it."]


def operands(sym):
    if sym == "+":
        return rnd.randint(1, 9), rnd.randint(1, 9)
    if sym == "-":
        a = rnd.randint(2, 9)
        return a, rnd.randint(1, a)
    return rnd.randint(2, 9), rnd.randint(2, 9)


def wrong(sym, a, b, r, taken, kind):
    while True:
        if kind == "near":
            w = r + rnd.choice([-3, -2, -1, 1, 2, 3])
        else:
            pick = rnd.random()
            if pick < 0.35:
                w = r + rnd.choice([-10, 10])
            elif pick < 0.7:
                w = OPS[rnd.choice([s for s in OPS if s != sym])](a, b)
            else:
                w = rnd.randint(0, 99)
        if w >= 0 and w != r and w not in taken:
            return w


lines, asked = [], set()
for i in range(8):
    sym = "+-*"[i % 3]
    while True:
        a, b = operands(sym)
        if (sym, a, b) not in asked:
            asked.add((sym, a, b))
            break
    r = OPS[sym](a, b)
    values = [r]
    values.append(wrong(sym, a, b, r, values, "near"))
    values.append(wrong(sym, a, b, r, values, "far"))
    plain = rnd.randrange(3)  # which of the three gets "The answer is ..."
    answers = [f"The answer is {v}." if k == plain else f"{a} {sym} {b} = {v}." for k, v in enumerate(values)]
    if i % 2 == 0:
        answers.append(rnd.choice(NO_RESULT))
    else:
        answers.append(f"{a} {sym} {b} = {wrong(sym, a, b, r, values, 'near')}.")
    rnd.shuffle(answers)
    prompt = [{"role": "user", "content": f"What is {a} {sym} {b}?"}]
    if i % 4 == 3:
        prompt.insert(0, {"role": "system", "content": "Answer briefly."})
    lines.append(json.dumps({"group_id": f"demo-{i:02d}", "prompt": prompt,
                             "candidates": [{"id": f"c{j}", "response": t} for j, t in enumerate(answers)],
                             "metadata": {"correct": r}}, ensure_ascii=False))
lines.insert(5, '{"group_id": "demo-poison", "prompt": "What is 1 + 1?", "candidates": []}')
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample-groups.jsonl"), "w") as f:
    f.write("\n".join(lines) + "\n")
