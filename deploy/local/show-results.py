#!/usr/bin/env python3
"""Prints Winnow's selections as a table: each group's prompt, its candidates best first, the pick.

    show-results.py SAMPLE_GROUPS.jsonl SELECTIONS.jsonl [DEAD_LETTERS.jsonl]
"""
import base64
import json
import sys


def prompt_text(prompt):
    if isinstance(prompt, str):
        return prompt
    return " / ".join(m["content"] for m in prompt if m.get("role") == "user")


def main():
    groups = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            try:
                g = json.loads(line)
                groups[g["group_id"]] = g
            except (ValueError, KeyError):
                pass
    with open(sys.argv[2], encoding="utf-8") as f:
        selections = sorted((json.loads(l) for l in f if l.strip()), key=lambda s: s["group_id"])
    right = 0
    for s in selections:
        g = groups.get(s["group_id"], {})
        candidates = g.get("candidates", [])
        correct = g.get("metadata", {}).get("correct")
        print(f"\n{s['group_id']}  {prompt_text(g.get('prompt', ''))}   "
              f"(partition {s['source']['partition']}, offset {s['source']['offset']}, {s['timings']['total_ms']:.0f} ms)")
        for rank, r in enumerate(s["ranking"], 1):
            c = candidates[r["index"]] if r["index"] < len(candidates) else {}
            text = c.get("response", c) if isinstance(c, dict) else c
            mark = "<- pick" if rank == 1 else ""
            print(f"  {rank}. {r['score']:+8.3f}  {text:<28} {mark}")
        pick = candidates[s["argmax"]["index"]] if candidates else {}
        pick_text = pick.get("response", pick) if isinstance(pick, dict) else pick
        if correct is not None and str(pick_text).endswith(f" {correct}."):
            right += 1
    print(f"\n{len(selections)} groups scored; the pick is the correct result in {right} of them.")
    if len(sys.argv) > 3:
        with open(sys.argv[3], encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    d = json.loads(line)
                    original = base64.b64decode(d.get("original", "")).decode("utf-8", "replace")
                    print(f"dead letter: {d['reason']}: {d['message']}\n  original: {original}")


if __name__ == "__main__":
    main()
