#!/usr/bin/env python3
"""Peer throughput for the Swift tokenizer: Hugging Face `tokenizers` on the same corpus.

usage: tokenizer-peer-bench.py DATA_DIR [REPETITIONS]

Encodes Tests/WinnowTokenizerTests/References/corpus.json REPETITIONS times (default 50) one string at
a time on one thread (RAYON_NUM_THREADS=1, as the Swift side measures one thread), with the
llama3 / qwen3 tokenizers under DATA_DIR and the committed gemma-bpe, and prints MB/s of UTF-8
text. The time includes the Python call per string (a few microseconds). Compare with the
"tokenizer throughput" lines of the WinnowTokenizerTests run or TokenizerBenchmark.measure.
"""
import json
import os
import sys
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
from tokenizers import Tokenizer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCES = os.path.join(HERE, "..", "Tests", "WinnowTokenizerTests", "References")


def main():
    data_dir = sys.argv[1]
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    with open(os.path.join(REFERENCES, "corpus.json"), encoding="utf-8") as f:
        corpus = json.load(f)
    size = sum(len(s.encode()) for s in corpus)
    paths = {"llama3": os.path.join(data_dir, "llama3", "tokenizer.json"),
             "qwen3": os.path.join(data_dir, "qwen3", "tokenizer.json"),
             "gemma-bpe": os.path.join(REFERENCES, "tokenizers", "gemma-bpe", "tokenizer.json")}
    for name, path in paths.items():
        tokenizer = Tokenizer.from_file(path)
        start = time.perf_counter()
        for s in corpus:
            tokenizer.encode(s, add_special_tokens=False)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(repetitions):
            for s in corpus:
                tokenizer.encode(s, add_special_tokens=False)
        warm = time.perf_counter() - start
        print(f"tokenizers {name}: cold {size / cold / 1e6:.2f} MB/s; warm {size * repetitions / warm / 1e6:.2f} MB/s")


if __name__ == "__main__":
    main()
