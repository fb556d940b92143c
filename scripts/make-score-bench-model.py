#!/usr/bin/env python3
"""Writes a random Qwen3-0.6B-shaped reward model with the real Qwen3 tokenizer and chat template,
for `winnow score` benchmarks on real-template text (no weights can be downloaded here).

    python3 scripts/make-score-bench-model.py OUT_DIR TOKENIZER_JSON

Needs only numpy (no torch): the safetensors file is written directly (an 8-byte header length,
a JSON header, then the raw tensors; bf16 as the top 16 bits of float32). Shapes as
Skywork-Reward-V2-Qwen3-0.6B (hidden 1024, 28 layers, 16 heads, 8 KV heads, head_dim 128,
intermediate 3072, vocab 151936, one label); config.json in the transformers 4.x layout the
released checkpoints use. Values are random (norms near 1, embeddings N(0, 1), linear weights
N(0, 1/fan_in)): good for throughput, meaningless as rewards. The chat template is
Tests/WinnowJinjaTests/References/templates/Qwen-Qwen3-0.6B.jinja.
"""

import json
import shutil
import sys
from pathlib import Path

import numpy as np

HIDDEN, LAYERS, HEADS, KV_HEADS, HEAD_DIM, INTERMEDIATE, VOCAB = 1024, 28, 16, 8, 128, 3072, 151936


def tensors():
    yield "model.embed_tokens.weight", (VOCAB, HIDDEN), "embedding"
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        yield p + "input_layernorm.weight", (HIDDEN,), "norm"
        yield p + "post_attention_layernorm.weight", (HIDDEN,), "norm"
        yield p + "self_attn.q_proj.weight", (HEADS * HEAD_DIM, HIDDEN), "linear"
        yield p + "self_attn.k_proj.weight", (KV_HEADS * HEAD_DIM, HIDDEN), "linear"
        yield p + "self_attn.v_proj.weight", (KV_HEADS * HEAD_DIM, HIDDEN), "linear"
        yield p + "self_attn.o_proj.weight", (HIDDEN, HEADS * HEAD_DIM), "linear"
        yield p + "self_attn.q_norm.weight", (HEAD_DIM,), "norm"
        yield p + "self_attn.k_norm.weight", (HEAD_DIM,), "norm"
        yield p + "mlp.gate_proj.weight", (INTERMEDIATE, HIDDEN), "linear"
        yield p + "mlp.up_proj.weight", (INTERMEDIATE, HIDDEN), "linear"
        yield p + "mlp.down_proj.weight", (HIDDEN, INTERMEDIATE), "linear"
    yield "model.norm.weight", (HIDDEN,), "norm"
    yield "score.weight", (1, HIDDEN), "linear"


def bf16(values: np.ndarray) -> bytes:
    return (values.astype(np.float32).view(np.uint32) >> 16).astype(np.uint16).tobytes()


def main() -> None:
    out, tokenizer = Path(sys.argv[1]), Path(sys.argv[2])
    root = Path(__file__).resolve().parent.parent
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    header, offset = {}, 0
    for name, shape, _ in tensors():
        size = int(np.prod(shape)) * 2
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(out / "model.safetensors", "wb") as f:
        f.write(len(encoded).to_bytes(8, "little") + encoded)
        for name, shape, kind in tensors():
            if kind == "norm":
                values = rng.uniform(0.5, 1.5, size=shape).astype(np.float32)
            elif kind == "embedding":
                values = rng.standard_normal(size=shape, dtype=np.float32)
            else:
                values = rng.standard_normal(size=shape, dtype=np.float32) / np.float32(np.sqrt(shape[1]))
            f.write(bf16(values))
    config = {
        "architectures": ["Qwen3ForSequenceClassification"], "model_type": "qwen3",
        "vocab_size": VOCAB, "hidden_size": HIDDEN, "intermediate_size": INTERMEDIATE,
        "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "num_key_value_heads": KV_HEADS,
        "head_dim": HEAD_DIM, "hidden_act": "silu", "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
        "rope_scaling": None, "max_position_embeddings": 40960, "tie_word_embeddings": False,
        "attention_bias": False, "pad_token_id": 151643, "bos_token_id": None, "eos_token_id": 151645,
        "num_labels": 1, "torch_dtype": "bfloat16",
    }
    (out / "config.json").write_text(json.dumps(config, indent=1) + "\n")
    shutil.copyfile(tokenizer, out / "tokenizer.json")
    template = (root / "Tests/WinnowJinjaTests/References/templates/Qwen-Qwen3-0.6B.jinja").read_text()
    (out / "tokenizer_config.json").write_text(json.dumps({
        "bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
        "model_max_length": 40960, "chat_template": template}, indent=1) + "\n")
    print(f"wrote {out}: {offset / 1e9:.2f} GB bf16")


if __name__ == "__main__":
    main()
