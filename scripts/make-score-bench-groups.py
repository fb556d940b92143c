#!/usr/bin/env python3
"""Writes best-of-N prompt groups of chat text for `winnow score` benchmarks: word problems with a
one-paragraph prompt and N short worked answers (some right, some wrong), as real best-of-N
sampling produces. Deterministic for a given seed.

    python3 scripts/make-score-bench-groups.py GROUPS [N] > groups.jsonl
"""

import json
import random
import sys

NAMES = ["Ava", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Lars"]
THINGS = ["apples", "marbles", "books", "stamps", "tickets", "cookies", "shells", "coins", "pencils", "cards"]
PLACES = ["the market", "school", "the library", "a fair", "the park", "her aunt's house", "the station"]


def group(index: int, n: int, rng: random.Random) -> dict:
    a, b, c = rng.randint(3, 90), rng.randint(2, 40), rng.randint(2, 9)
    name, other, thing, place = rng.choice(NAMES), rng.choice(NAMES), rng.choice(THINGS), rng.choice(PLACES)
    answer = (a + b) * c
    prompt = (f"{name} has {a} {thing}. On the way to {place}, {name} gets {b} more from {other}. "
              f"Then {name} buys enough to have {c} times as many as before. "
              f"How many {thing} does {name} have now? Explain your reasoning step by step, "
              f"and give the final answer on its own line.")
    candidates = []
    for i in range(n):
        wrong = rng.random() < 0.5
        total = a + b + (rng.randint(-3, 3) or 1 if wrong else 0)
        final = total * c + (rng.randint(1, 9) if wrong and rng.random() < 0.5 else 0)
        style = rng.randint(0, 2)
        if style == 0:
            text = (f"First, {name} has {a} {thing} and gets {b} more, so {a} + {b} = {total}. "
                    f"Then the amount becomes {c} times as many: {total} x {c} = {final}.\n{final}")
        elif style == 1:
            text = f"{a} + {b} = {total} {thing}; multiplied by {c} gives {final}.\nFinal answer: {final}"
        else:
            text = (f"Let's see. Start: {a}. After {other}'s gift: {total}. "
                    f"After buying more, {c} times that, which is {final} {thing}.\nAnswer: {final}")
        candidates.append({"id": f"s{i}", "response": text})
    return {"group_id": f"bench-{index:06d}", "prompt": [{"role": "user", "content": prompt}],
            "candidates": candidates, "metadata": {"answer": answer}}


def main() -> None:
    groups = int(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    rng = random.Random(0)
    for i in range(groups):
        print(json.dumps(group(i, n, rng)))


if __name__ == "__main__":
    main()
