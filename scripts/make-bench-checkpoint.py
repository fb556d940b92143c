#!/usr/bin/env python3
"""Writes a random Qwen3-0.6B-shaped reward model for benchmarks (no weights can be downloaded here).

    .venv/bin/python scripts/make-bench-checkpoint.py [OUT_DIR]   # default bench-models/qwen3-0.6b-shape

Same shapes as Skywork-Reward-V2-Qwen3-0.6B (Qwen3ForSequenceClassification: hidden 1024,
28 layers, 16 heads, 8 KV heads, head_dim 128, intermediate 3072, vocab 151936, untied
embeddings, one label), bf16 safetensors, sharded. The values are random: good for throughput,
meaningless as rewards. No tokenizer files (benchmarks feed token ids).

Fast: the model is built on the meta device (no default init) and filled in place in bf16,
so the ~0.6B parameters take seconds, not minutes.
"""

import argparse
import math
import time
from pathlib import Path

import torch
from transformers import Qwen3Config, Qwen3ForSequenceClassification


def bench_config() -> Qwen3Config:
    return Qwen3Config(
        vocab_size=151936,
        hidden_size=1024,
        intermediate_size=3072,
        num_hidden_layers=28,
        num_attention_heads=16,
        num_key_value_heads=8,
        head_dim=128,
        rms_norm_eps=1e-6,
        rope_parameters={"rope_type": "default", "rope_theta": 1e6},
        max_position_embeddings=40960,
        tie_word_embeddings=False,
        pad_token_id=151643,  # <|endoftext|>, as in the Qwen3 reward checkpoints
        bos_token_id=None,
        eos_token_id=151645,
        num_labels=1,
        architectures=["Qwen3ForSequenceClassification"],
    )


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=root / "bench-models/qwen3-0.6b-shape")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-shard-size", default="500MB")
    args = parser.parse_args()

    start = time.time()
    torch.manual_seed(args.seed)
    config = bench_config()
    with torch.device("meta"):
        model = Qwen3ForSequenceClassification(config)
    model = model.to_empty(device="cpu").to(torch.bfloat16)

    # Activations stay O(1) (no overflow, no denormals to slow a CPU kernel down): norms near 1,
    # embeddings N(0, 1), linear weights N(0, 1/fan_in).
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.uniform_(0.5, 1.5)
            elif name.endswith("embed_tokens.weight"):
                p.normal_(0.0, 1.0)
            else:
                p.normal_(0.0, 1.0 / math.sqrt(p.shape[1]))

    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out, max_shard_size=args.max_shard_size, safe_serialization=True)
    (args.out / "generation_config.json").unlink(missing_ok=True)
    params = sum(p.numel() for p in model.parameters())
    size = sum(f.stat().st_size for f in args.out.glob("*.safetensors"))
    print(f"wrote {args.out}: {params / 1e6:.1f}M parameters, {size / 1e9:.2f} GB bf16, "
          f"{time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
