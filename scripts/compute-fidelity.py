#!/usr/bin/env python3
"""Fidelity of winnow's compute modes: each mode's scores against winnow float32 and, optionally,
against Hugging Face transformers float32, on best-of-N groups.

    compute-fidelity.py --model DIR (--groups-file FILE | --random G) [--candidates N]
        [--prompt-tokens P] [--response-tokens R] [--modes float32,int8,bfloat16]
        [--transformers] [--transformers-bf16] [--winnow .build/release/winnow] [--threads T]

--groups-file: JSONL group lines as `winnow score` reads them (text or ids). --random G: G groups
of N candidates, each a shared random prompt of P ids plus R random response ids (seeded).
Every mode is scored by `winnow score --compute MODE` on the same lines. With --transformers (run
it with a Python that has torch + transformers, e.g. VENV/bin/python; needs id groups, i.e.
--random) each candidate is also scored by transformers in float32 (sdpa), one sequence at a
time, as the reference. With --transformers-bf16 transformers also scores them in bfloat16, reported
as one more mode: what transformers' own reduced precision does to the same rankings.

Prints a table and one JSON line: per mode, the largest relative error |s - ref| / max(1, |ref|)
against winnow float32 and against transformers, and the pairwise-order agreement: the share of
candidate pairs inside each group that the mode orders as winnow float32 does (pairs float32
ties are left out), with the flipped pairs' count and how far apart float32 put them (absolute,
and relative to the spread of float32 scores inside groups: a flip of a near-tie is noise, one of
a wide gap is a wrong ranking), and the score error's standard deviation over that spread.
The requested mode's fallback (e.g. bfloat16 -> float32) is reported as run.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True)
    p.add_argument("--groups-file")
    p.add_argument("--random", type=int, help="number of random id groups")
    p.add_argument("--candidates", type=int, default=8)
    p.add_argument("--prompt-tokens", type=int, default=128)
    p.add_argument("--response-tokens", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--modes", default="float32,int8,bfloat16")
    p.add_argument("--transformers", action="store_true")
    p.add_argument("--transformers-bf16", action="store_true",
                   help="also score with transformers in bfloat16 and report it as a mode: the yardstick "
                        "of what 8-bit-mantissa arithmetic does to the same groups")
    p.add_argument("--winnow", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release", "winnow"))
    p.add_argument("--threads", type=int)
    a = p.parse_args()
    if (a.groups_file is None) == (a.random is None):
        p.error("give exactly one of --groups-file and --random")
    if (a.transformers or a.transformers_bf16) and a.random is None:
        p.error("--transformers and --transformers-bf16 need --random (id groups)")
    return a


def random_groups(a):
    config = json.load(open(os.path.join(a.model, "config.json")))
    vocab, pad = config["vocab_size"], config.get("pad_token_id")
    rng = random.Random(a.seed)

    def ids(n):
        out = []
        while len(out) < n:
            t = rng.randrange(vocab)
            if t != pad:
                out.append(t)
        return out
    return [{"id": f"g{g}", "prompt_ids": ids(a.prompt_tokens),
             "candidate_ids": [ids(a.response_tokens) for _ in range(a.candidates)]} for g in range(a.random)]


def winnow_scores(a, path, mode):
    cmd = [a.winnow, "score", "--model", a.model, "--compute", mode, "--input", path]
    if a.threads:
        cmd += ["--threads", str(a.threads)]
    # Exit status 1 means some lines could not be scored (a file may hold deliberately bad lines,
    # as deploy/local/sample-groups.jsonl does); those are left out of every mode alike.
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"compute-fidelity: winnow score --compute {mode} failed:\n{out.stderr}")
    scores = []
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            scores.append(row.get("scores"))
    return scores, out.stderr


def transformers_scores(a, groups, dtype="float32"):
    import torch
    import transformers
    if a.threads:
        torch.set_num_threads(a.threads)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(
        a.model, dtype=getattr(torch, dtype), attn_implementation="sdpa").eval()
    result = []
    with torch.inference_mode():
        for g in groups:
            row = []
            for c in g["candidate_ids"]:
                ids = torch.tensor([g["prompt_ids"] + c])
                row.append(float(model(input_ids=ids).logits[0, 0]))
            result.append(row)
    return result


def rel(x, ref):
    return abs(x - ref) / max(1.0, abs(ref))


def within_group_spread(reference):
    """Standard deviation of scores around their group's mean: the scale candidates differ on."""
    centred = [r - sum(g) / len(g) for g in reference for r in g]
    return statistics.pstdev(centred) if len(centred) > 1 else 0.0


def compare(mode_scores, reference):
    worst, agree, pairs, gaps = 0.0, 0, 0, []
    for got, ref in zip(mode_scores, reference):
        for x, r in zip(got, ref):
            worst = max(worst, rel(x, r))
        for i in range(len(ref)):
            for j in range(i + 1, len(ref)):
                if ref[i] == ref[j]:
                    continue
                pairs += 1
                same = (got[i] - got[j] > 0) == (ref[i] - ref[j] > 0)
                agree += same
                if not same:
                    gaps.append(abs(ref[i] - ref[j]))
    return worst, agree / pairs if pairs else 1.0, pairs, sorted(gaps)


def noise(mode_scores, reference):
    """Standard deviation of the score error over the within-group spread of the reference."""
    errors = [x - r for got, ref in zip(mode_scores, reference) for x, r in zip(got, ref)]
    spread = within_group_spread(reference)
    return statistics.pstdev(errors) / spread if spread > 0 and len(errors) > 1 else 0.0


def main():
    a = parse_args()
    modes = a.modes.split(",")
    if "float32" not in modes:
        modes.insert(0, "float32")
    with tempfile.TemporaryDirectory() as tmp:
        path = a.groups_file
        groups = None
        if a.random is not None:
            groups = random_groups(a)
            path = os.path.join(tmp, "groups.jsonl")
            with open(path, "w") as f:
                for g in groups:
                    f.write(json.dumps(g) + "\n")
        results = {m: winnow_scores(a, path, m)[0] for m in modes}
    # Lines winnow could not score in float32 are left out of every mode.
    keep = [i for i, row in enumerate(results["float32"]) if row is not None]
    results = {m: [rows[i] for i in keep] for m, rows in results.items()}
    if groups is not None:
        groups = [groups[i] for i in keep]
    peer = transformers_scores(a, groups) if a.transformers else None
    if a.transformers_bf16:
        results["transformers-bf16"] = transformers_scores(a, groups, "bfloat16")
        modes.append("transformers-bf16")
    report = {"model": os.path.basename(os.path.normpath(a.model)), "groups": len(results["float32"]),
              "candidates": sum(len(g) for g in results["float32"]), "modes": {}}
    spread = within_group_spread(results["float32"])
    report["float32_within_group_spread"] = spread
    if peer:
        worst, agree, pairs, _ = compare(results["float32"], peer)
        report["float32_vs_transformers"] = {"max_rel_error": worst, "pairwise_agreement": agree}
    for m in modes:
        worst, agree, pairs, gaps = compare(results[m], results["float32"])
        entry = {"max_rel_error_vs_float32": worst, "pairwise_agreement_vs_float32": agree, "pairs": pairs,
                 "flipped": len(gaps), "flipped_float32_gaps": gaps,
                 "error_sd_over_spread": noise(results[m], results["float32"])}
        if peer:
            (entry["max_rel_error_vs_transformers"], entry["pairwise_agreement_vs_transformers"], _,
             entry["flipped_vs_transformers"]) = compare(results[m], peer)
            entry["flipped_vs_transformers"] = len(entry["flipped_vs_transformers"])
        report["modes"][m] = entry
    print(f"{report['model']}: {report['groups']} groups, {report['candidates']} candidates, "
          f"float32 scores spread {spread:.4g} (sd around group means)")
    for m, e in report["modes"].items():
        gaps = e["flipped_float32_gaps"]
        line = (f"  {m:9s} vs winnow float32: max rel error {e['max_rel_error_vs_float32']:.2e}, "
                f"pairwise agreement {100 * e['pairwise_agreement_vs_float32']:.2f}% of {e['pairs']} pairs "
                f"({e['flipped']} flipped"
                + (f", float32 gaps {min(gaps):.3g}..{max(gaps):.3g} = {min(gaps) / spread:.3f}..{max(gaps) / spread:.3f} "
                   f"of the spread" if gaps and spread > 0 else "")
                + f"), error sd {e['error_sd_over_spread']:.3f} of the spread")
        if peer:
            line += (f" | vs transformers fp32: max rel error {e['max_rel_error_vs_transformers']:.2e}, "
                     f"agreement {100 * e['pairwise_agreement_vs_transformers']:.2f}%")
        print(line)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
