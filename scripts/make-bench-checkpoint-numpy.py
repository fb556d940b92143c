#!/usr/bin/env python3
"""Writes the random Qwen3-0.6B-shaped reward model of scripts/make-bench-checkpoint.py without
torch or transformers: numpy only (the safetensors file is written by hand: an 8-byte header
length, a JSON header, the raw little-endian tensors).

    python3 scripts/make-bench-checkpoint-numpy.py [OUT_DIR] [TOKENIZER_JSON]
      # default bench-models/qwen3-0.6b-shape; with TOKENIZER_JSON (the real Qwen3 one) it also
      # writes tokenizer.json and a tokenizer_config.json with the Qwen3 chat template
      # (Tests/WinnowJinjaTests/References/templates/Qwen-Qwen3-0.6B.jinja), for text benchmarks

Same config and tensor names as the torch script (hidden 1024, 28 layers, 16 heads, 8 KV heads,
head_dim 128, intermediate 3072, vocab 151936, untied embeddings, one label), bf16, one file.
Values: normal(0, 0.02) for projections and embeddings, ones for norms. Meaningless as rewards;
good for throughput.
"""
import json
import shutil
import struct
import sys
from pathlib import Path

import numpy as np

root = Path(__file__).resolve().parent.parent
out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "bench-models/qwen3-0.6b-shape"
out.mkdir(parents=True, exist_ok=True)
H, L, HEADS, KV, D, I, V = 1024, 28, 16, 8, 128, 3072, 151936
config = {
    "architectures": ["Qwen3ForSequenceClassification"], "model_type": "qwen3", "vocab_size": V, "hidden_size": H,
    "intermediate_size": I, "num_hidden_layers": L, "num_attention_heads": HEADS, "num_key_value_heads": KV, "head_dim": D,
    "hidden_act": "silu", "rms_norm_eps": 1e-6, "max_position_embeddings": 40960, "tie_word_embeddings": False,
    "attention_bias": False, "attention_dropout": 0.0, "pad_token_id": 151643, "bos_token_id": None, "eos_token_id": 151645,
    "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0}, "layer_types": ["full_attention"] * L,
    "use_sliding_window": False, "sliding_window": None, "max_window_layers": L, "dtype": "bfloat16",
    "id2label": {"0": "LABEL_0"}, "label2id": {"LABEL_0": 0},
}
shapes = {"model.embed_tokens.weight": (V, H), "model.norm.weight": (H,), "score.weight": (1, H)}
for i in range(L):
    p = f"model.layers.{i}."
    shapes.update({p + "input_layernorm.weight": (H,), p + "post_attention_layernorm.weight": (H,),
                   p + "self_attn.q_proj.weight": (HEADS * D, H), p + "self_attn.k_proj.weight": (KV * D, H),
                   p + "self_attn.v_proj.weight": (KV * D, H), p + "self_attn.o_proj.weight": (H, HEADS * D),
                   p + "self_attn.q_norm.weight": (D,), p + "self_attn.k_norm.weight": (D,),
                   p + "mlp.gate_proj.weight": (I, H), p + "mlp.up_proj.weight": (I, H), p + "mlp.down_proj.weight": (H, I)})
rng = np.random.default_rng(0)
header, offset = {"__metadata__": {"format": "pt"}}, 0
for name, shape in shapes.items():
    size = int(np.prod(shape)) * 2
    header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + size]}
    offset += size
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
with open(out / "model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for name, shape in shapes.items():
        if name.endswith("norm.weight"):
            values = np.ones(shape, dtype=np.float32)
        else:
            values = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
        # bf16: the high half of each float32 (rounded to nearest even).
        bits = values.view(np.uint32)
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
        f.write(bits.astype("<u2").tobytes())
json.dump(config, open(out / "config.json", "w"), indent=1)
if len(sys.argv) > 2:
    shutil.copyfile(sys.argv[2], out / "tokenizer.json")
    template = (root / "Tests/WinnowJinjaTests/References/templates/Qwen-Qwen3-0.6B.jinja").read_text()
    (out / "tokenizer_config.json").write_text(json.dumps({
        "bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
        "model_max_length": 40960, "chat_template": template}, indent=1) + "\n")
print(f"wrote {out} ({offset / 1e9:.2f} GB of bf16 weights)")
