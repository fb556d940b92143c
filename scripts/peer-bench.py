#!/usr/bin/env python3
"""Peer benchmark: Hugging Face transformers scoring token ids on the CPU, float32.

    peer-bench.py --model DIR --sequences B --tokens T [--repeats R] [--threads N]
    peer-bench.py --model DIR --groups G --candidates N --prompt-tokens P --response-tokens R

Loads the checkpoint from disk in float32 (dtype=torch.float32, attn_implementation="sdpa"),
runs one untimed warm-up pass, then R timed passes under torch.inference_mode, and prints ONE
JSON line on stdout (everything else goes to stderr):

  {"peer": "transformers", "version": ..., "torch": ..., "tokens_per_s": ..., "seconds": ...,
   "sequences": B, "tokens": T, "threads": N, ...}

`seconds` is the median timed pass; tokens_per_s counts real (non-pad) tokens per second over it
(best_tokens_per_s over the fastest pass: on a shared machine other work only slows passes down);
`tokens` is the length of one sequence (P + R in group mode), `total_tokens` a pass's real tokens.

Sequence mode: one batch of B sequences of T random ids each (no padding).
Group mode: G prompt groups of N candidates; each candidate is its group's shared prompt of P ids
followed by its own R response ids. Each group is one batch of N, right-padded with pad_token_id
and an attention_mask, as a user of transformers would score it (with equal response lengths no
padding is needed; --response-min-tokens makes lengths vary so it is). A timed pass scores all G
groups; the line adds "groups", "candidates", "prompt_tokens", "response_tokens" and
"candidates_per_s".

Token ids are seeded random ids that avoid pad_token_id; throughput does not depend on them.
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

import torch  # noqa: E402
import transformers  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="Hugging Face model directory")
    parser.add_argument("--sequences", type=int, default=8, help="sequence mode: batch size B")
    parser.add_argument("--tokens", type=int, default=512, help="sequence mode: tokens per sequence T")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes (median is reported)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--groups", type=int, default=None, help="group mode: number of prompt groups G")
    parser.add_argument("--candidates", type=int, default=8, help="group mode: candidates per group N")
    parser.add_argument("--prompt-tokens", type=int, default=256, help="group mode: shared prompt length P")
    parser.add_argument("--response-tokens", type=int, default=256, help="group mode: response length R")
    parser.add_argument("--response-min-tokens", type=int, default=None,
                        help="group mode: draw each response length from [this, R] (default: all R)")
    args = parser.parse_args()
    for name in ("sequences", "tokens", "repeats", "candidates", "prompt_tokens", "response_tokens"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.groups is not None and args.groups < 1:
        parser.error("--groups must be at least 1")
    if args.response_min_tokens is not None and not 1 <= args.response_min_tokens <= args.response_tokens:
        parser.error("--response-min-tokens must be in [1, --response-tokens]")
    return args


def random_ids(gen, shape, vocab_size, pad_token_id):
    """Uniform ids in [0, vocab) minus pad_token_id (a pad id would move the pooled token)."""
    if pad_token_id is None:
        return torch.randint(0, vocab_size, shape, generator=gen)
    ids = torch.randint(0, vocab_size - 1, shape, generator=gen)
    return ids + (ids >= pad_token_id).long()


def sequence_batches(args, vocab_size, pad_token_id, gen):
    ids = random_ids(gen, (args.sequences, args.tokens), vocab_size, pad_token_id)
    return [{"input_ids": ids}], args.sequences * args.tokens


def group_batches(args, vocab_size, pad_token_id, gen):
    if pad_token_id is None:
        sys.exit("peer-bench: group mode pads batches and needs pad_token_id in config.json")
    batches, real_tokens = [], 0
    for _ in range(args.groups):
        prompt = random_ids(gen, (args.prompt_tokens,), vocab_size, pad_token_id)
        rows = []
        for _ in range(args.candidates):
            n = args.response_tokens
            if args.response_min_tokens is not None:
                n = int(torch.randint(args.response_min_tokens, args.response_tokens + 1, (1,), generator=gen))
            rows.append(torch.cat([prompt, random_ids(gen, (n,), vocab_size, pad_token_id)]))
        width = max(len(r) for r in rows)
        input_ids = torch.full((len(rows), width), pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):  # right padding
            input_ids[i, : len(r)] = r
            attention_mask[i, : len(r)] = 1
            real_tokens += len(r)
        batches.append({"input_ids": input_ids, "attention_mask": attention_mask})
    return batches, real_tokens


def main() -> None:
    args = parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    load_start = time.perf_counter()
    model = transformers.AutoModelForSequenceClassification.from_pretrained(
        args.model, dtype=torch.float32, attn_implementation="sdpa"
    ).eval()
    load_seconds = time.perf_counter() - load_start
    config = model.config.get_text_config()

    gen = torch.Generator().manual_seed(args.seed)
    make = group_batches if args.groups is not None else sequence_batches
    batches, real_tokens = make(args, config.vocab_size, config.pad_token_id, gen)

    def one_pass():
        for batch in batches:
            model(**batch).logits.sum().item()  # .item() waits for the result

    with torch.inference_mode():
        one_pass()  # warm-up: allocator, thread pool, kernels
        times, cpu_times = [], []
        for r in range(args.repeats):
            start, cpu_start = time.perf_counter(), time.process_time()
            one_pass()
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
            print(f"peer-bench: pass {r + 1}/{args.repeats}: {times[-1]:.3f} s "
                  f"({cpu_times[-1]:.1f} CPU s)", file=sys.stderr)

    seconds = statistics.median(times)
    best = min(times)
    result = {
        "peer": "transformers",
        "version": transformers.__version__,
        "torch": torch.__version__,
        "dtype": "float32",
        "attn_implementation": "sdpa",
        "tokens_per_s": real_tokens / seconds,
        "seconds": seconds,
        "all_seconds": times,
        "best_tokens_per_s": real_tokens / best,
        # CPU seconds of all threads per pass: on a busy shared machine, wall time grows with
        # other work while this stays near the work itself (wall ~ cpu / threads when alone).
        "cpu_seconds": statistics.median(cpu_times),
        "load_seconds": load_seconds,
        "sequences": args.sequences if args.groups is None else args.groups * args.candidates,
        "tokens": args.tokens if args.groups is None else args.prompt_tokens + args.response_tokens,
        "total_tokens": real_tokens,
        "threads": torch.get_num_threads(),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # Linux: KiB
    }
    if args.groups is not None:
        result.update({
            "groups": args.groups,
            "candidates": args.candidates,
            "prompt_tokens": args.prompt_tokens,
            "response_tokens": args.response_tokens,
            "response_min_tokens": args.response_min_tokens,
            "candidates_per_s": args.groups * args.candidates / seconds,
        })
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
