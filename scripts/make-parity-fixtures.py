#!/usr/bin/env python3
"""Builds tiny random reward-model checkpoints and their transformers reference scores.

Writes, under --out (default Tests/RewardEngineTests/Fixtures):

  qwen3-tiny/  Qwen3ForSequenceClassification, single model.safetensors, transformers-5 config
  llama-tiny/  LlamaForSequenceClassification (llama3 rope scaling), sharded safetensors, config
               rewritten into the transformers-4.x layout that released Skywork checkpoints use
  gemma2-tiny/ Gemma2ForSequenceClassification: sliding window (48) shorter than the longer
               sequences, attention logit soft-capping active, query_pre_attn_scalar != head_dim,
               transformers-4.x config layout (no layer_types: alternating sliding/global)

Each directory holds config.json, bf16 safetensors and expected.json with one float32 score per
sequence. No tokenizer files: the engine is tested on token ids alone.

Why the references are computed the way they are (see DESIGN.md):
  * weights are saved in bfloat16 and the scores come from RELOADING the saved directory with
    dtype=float32. Casting an in-memory model to bf16 also rounds RoPE's inv_freq buffer and
    gives scores that no engine reading the checkpoint can reproduce.
  * attn_implementation="eager" is the reference attention.
  * one forward pass per sequence (batch 1, no padding), so padding semantics never enter.

Deterministic: every random draw comes from seeded generators.
"""

import argparse
import json
import math
import shutil
import sys
from pathlib import Path

import torch
import transformers
from transformers import (
    Gemma2Config,
    Gemma2ForSequenceClassification,
    LlamaConfig,
    LlamaForSequenceClassification,
    Qwen3Config,
    Qwen3ForSequenceClassification,
)

SEQUENCE_LENGTHS = [1, 2, 3, 7, 16, 31, 64, 65, 100, 129, 200, 300]
LAST_HIDDEN_COUNT = 3  # qwen3-tiny stores the final-norm hidden state for this many sequences


def qwen3_config() -> Qwen3Config:
    return Qwen3Config(
        vocab_size=512,
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=48,  # deliberately != hidden / heads (32): q_proj is [192, 128]
        rms_norm_eps=1e-6,
        rope_parameters={"rope_type": "default", "rope_theta": 1e6},
        max_position_embeddings=2048,
        tie_word_embeddings=False,
        pad_token_id=0,
        bos_token_id=None,
        eos_token_id=None,
        num_labels=1,
        architectures=["Qwen3ForSequenceClassification"],
    )


def llama_config() -> LlamaConfig:
    return LlamaConfig(
        vocab_size=600,
        hidden_size=128,
        intermediate_size=320,
        num_hidden_layers=3,
        num_attention_heads=8,
        num_key_value_heads=2,  # head_dim 16
        rms_norm_eps=1e-5,
        rope_parameters={
            "rope_type": "llama3",
            "rope_theta": 500000.0,
            "factor": 8.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            # Small on purpose: with lengths up to 300 the sequences span all three llama3
            # frequency bands (kept, smoothed, divided by factor).
            "original_max_position_embeddings": 64,
        },
        max_position_embeddings=1024,
        tie_word_embeddings=False,
        pad_token_id=599,  # not 0: an engine must read it from config.json
        bos_token_id=1,
        eos_token_id=2,
        num_labels=1,
        architectures=["LlamaForSequenceClassification"],
    )


def gemma2_config() -> Gemma2Config:
    return Gemma2Config(
        vocab_size=400,
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=32,
        query_pre_attn_scalar=24,  # != head_dim: the attention scale is 24**-0.5, not 32**-0.5
        sliding_window=48,  # shorter than the longer sequences: even layers see 48 tokens
        attn_logit_softcapping=5.0,  # small, so tanh capping changes the attention logits
        final_logit_softcapping=30.0,  # applies to lm_head logits only, not the score head
        hidden_activation="gelu_pytorch_tanh",
        rms_norm_eps=1e-6,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        pad_token_id=0,
        bos_token_id=2,
        eos_token_id=1,
        num_labels=1,
        architectures=["Gemma2ForSequenceClassification"],
    )


def make_weights_nontrivial(model: torch.nn.Module, gen: torch.Generator) -> None:
    """Overwrites the default init so every part of the network matters to the score.

    Default init gives norms of exactly 1 (a bug that skips them would pass) and linear weights
    of std 0.02 (scores ~0, attention ~uniform). Here: norms ~ U(0.5, 1.5); linear weights with
    std 1/sqrt(fan_in) so activations stay O(1) through the layers and attention is peaked;
    embeddings std 1 so the residual stream is O(1) next to the blocks' outputs; a score head
    three times larger so the rewards span a few units, as real ones do.
    """
    # Gemma's RMSNorm scales by (1 + weight): draw the weight so the scale is U(0.5, 1.5) too.
    norm_offset = -1.0 if isinstance(model, Gemma2ForSequenceClassification) else 0.0
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):  # input/post_attention layernorm, q/k norm, final
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5 + norm_offset)
            elif name.endswith("embed_tokens.weight"):
                p.copy_(torch.randn(p.shape, generator=gen))
            elif name == "score.weight":  # std 3/sqrt(hidden): scores O(1), up to a few units
                p.copy_(3 * torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))
            elif p.dim() == 2:  # q/k/v/o, gate/up/down
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))
            else:
                raise RuntimeError(f"unexpected parameter {name} {tuple(p.shape)}")


def random_sequences(vocab_size: int, pad_token_id: int, gen: torch.Generator) -> list[list[int]]:
    """Random ids of the fixed lengths, never equal to pad_token_id.

    transformers' sequence classifiers pool at the last token that is not pad_token_id; a pad id
    inside a reference sequence would move that token.
    """
    sequences = []
    for n in SEQUENCE_LENGTHS:
        ids = torch.randint(0, vocab_size - 1, (n,), generator=gen)
        ids = ids + (ids >= pad_token_id).long()  # skip pad_token_id, keep the range uniform
        sequences.append(ids.tolist())
    return sequences


def load_reference(path: Path):
    return transformers.AutoModelForSequenceClassification.from_pretrained(
        path, dtype=torch.float32, attn_implementation="eager"
    ).eval()


@torch.inference_mode()
def reference_scores(model, sequences) -> list[float]:
    scores = []
    for ids in sequences:
        logits = model(input_ids=torch.tensor([ids])).logits
        assert logits.shape == (1, 1) and logits.dtype == torch.float32
        scores.append(float(logits[0, 0]))
    return scores


@torch.inference_mode()
def final_hidden_last_token(model, ids) -> list[float]:
    """Hidden state after the final norm at the last token: the vector the score head reads."""
    hidden = model.model(input_ids=torch.tensor([ids])).last_hidden_state[0, -1]
    # Self-check: the head applied to it is the reported score.
    score = float(model.score.weight[0] @ hidden)
    full = float(model(input_ids=torch.tensor([ids])).logits[0, 0])
    assert abs(score - full) <= 1e-4 * max(1.0, abs(full)), (score, full)
    return [float(x) for x in hidden]


def rewrite_config_as_transformers4(path: Path) -> None:
    """Rewrites config.json into the layout transformers 4.x wrote (released Skywork checkpoints):
    top-level rope_theta + rope_scaling{rope_type}, torch_dtype; no rope_parameters/dtype/layer_types."""
    config_path = path / "config.json"
    config = json.loads(config_path.read_text())
    rope = dict(config.pop("rope_parameters"))
    config.pop("dtype", None)
    if config.get("model_type") == "gemma2":
        # transformers 4.x alternated by index (even layers sliding); check that is what was saved.
        types = config["layer_types"]
        assert types == ["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(len(types))], types
    config.pop("layer_types", None)
    config["rope_theta"] = rope.pop("rope_theta")
    config["rope_scaling"] = rope if rope.get("rope_type", "default") != "default" else None
    config["torch_dtype"] = "bfloat16"
    config["transformers_version"] = "4.51.3"  # mimics a 4.x save; no field reads it
    for stale in ("rope_parameters", "dtype", "layer_types"):
        assert stale not in config
    config_path.write_text(json.dumps(dict(sorted(config.items())), indent=2) + "\n")


def describe(path: Path) -> str:
    files = sorted(p for p in path.iterdir() if p.is_file())
    total = sum(p.stat().st_size for p in files)
    return f"{len(files)} files, {total / 1e6:.2f} MB: " + ", ".join(p.name for p in files)


def build_fixture(out: Path, name: str, model_class, config, seed: int,
                  max_shard_size=None, transformers4_layout=False, last_hidden=False):
    path = out / name
    if path.exists():
        shutil.rmtree(path)

    torch.manual_seed(seed)  # anything transformers draws during __init__
    gen = torch.Generator().manual_seed(seed)
    model = model_class(config)
    make_weights_nontrivial(model, gen)
    model = model.to(torch.bfloat16)  # only for saving; references come from the reloaded copy
    save_kwargs = {"safe_serialization": True}
    if max_shard_size is not None:
        save_kwargs["max_shard_size"] = max_shard_size
    model.save_pretrained(path, **save_kwargs)
    del model
    for stray in ("generation_config.json",):
        (path / stray).unlink(missing_ok=True)

    sequences = random_sequences(config.vocab_size, config.pad_token_id, gen)
    reference = load_reference(path)
    scores = reference_scores(reference, sequences)

    if transformers4_layout:
        rewrite_config_as_transformers4(path)
        reloaded = load_reference(path)
        again = reference_scores(reloaded, sequences)
        if again != scores:
            diffs = [abs(a - b) for a, b in zip(scores, again)]
            sys.exit(f"{name}: transformers-4.x config layout changes the scores "
                     f"(max diff {max(diffs):.3e}); the rewrite is wrong")
        reference = reloaded

    expected = {
        "model": name,
        "architecture": model_class.__name__,
        "pad_token_id": config.pad_token_id,
        "reference": {
            "library": "transformers",
            "transformers": transformers.__version__,
            "torch": torch.__version__.split("+")[0],
            "dtype": "float32",
            "attn_implementation": "eager",
            "note": "bf16 checkpoint reloaded from disk in float32; one forward pass per "
                    "sequence (batch 1, no padding); score = logits[0, last token, 0]",
        },
        "sequences": [{"input_ids": ids, "score": s} for ids, s in zip(sequences, scores)],
    }
    if last_hidden:
        expected["last_hidden"] = [final_hidden_last_token(reference, ids)
                                   for ids in sequences[:LAST_HIDDEN_COUNT]]
    (path / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")

    abs_scores = [abs(s) for s in scores]
    print(f"{name}: {len(scores)} sequences, lengths {SEQUENCE_LENGTHS[0]}..{SEQUENCE_LENGTHS[-1]}, "
          f"|score| min {min(abs_scores):.3f} max {max(abs_scores):.3f}")
    print("  scores: " + " ".join(f"{s:+.4f}" for s in scores))
    print(f"  {describe(path)}")
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent.parent / "Tests/RewardEngineTests/Fixtures")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # same float summation order on every machine this runs on

    build_fixture(args.out, "qwen3-tiny", Qwen3ForSequenceClassification, qwen3_config(),
                  seed=3, last_hidden=True)
    build_fixture(args.out, "llama-tiny", LlamaForSequenceClassification, llama_config(),
                  seed=7, max_shard_size="500KB", transformers4_layout=True)
    build_fixture(args.out, "gemma2-tiny", Gemma2ForSequenceClassification, gemma2_config(),
                  seed=11, transformers4_layout=True)
    print(f"transformers {transformers.__version__}, torch {torch.__version__}")


if __name__ == "__main__":
    main()
