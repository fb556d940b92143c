#!/usr/bin/env python3
"""Trains the small tokenizers the Swift tokenizer tests compare against, with `tokenizers`.

usage: build-test-tokenizers.py OUT_DIR [NAME...]   (writes OUT_DIR/<name>/tokenizer.json)

  gemma-bpe      SentencePiece-style BPE, the Gemma flavour: Replace " " -> "▁" normalizer, no
                 pre-tokenizer, byte_fallback (<0x00>..<0xFF> in the model vocab), unk + fuse_unk,
                 decoders Replace/ByteFallback/Fuse, TemplateProcessing "<bos> $A", and added tokens
                 that exercise lstrip / rstrip / single_word / normalized.
  gemma-bpe-unk  the same model without byte_fallback: unknown characters become one fused <unk>.
  metaspace-bpe  Llama-2 / Mistral style: Metaspace pre-tokenizer (prepend_scheme "first") and decoder.
  gpt2-bpe       GPT-2 style: ByteLevel pre-tokenizer (add_prefix_space, GPT-2 regex), legacy "a b" merges,
                 RobertaProcessing.
  gpt2-template  the gpt2-bpe model behind Llama-3's pre-tokenizer (Split with its regex + ByteLevel
                 without regex) and a Sequence[ByteLevel, TemplateProcessing "<s> $A </s>"] post-processor.
  qwen-style     the gpt2-bpe model laid out like Qwen3's own tokenizer.json: NFC, Qwen's split regex,
                 ByteLevel without regex, continuing_subword_prefix / end_of_word_suffix "" (not null).
  affix-bpe      BPE with continuing_subword_prefix "##" and end_of_word_suffix "</w>", unk without
                 fuse_unk, WhitespaceSplit pre-tokenizer.
  split-variants the gemma-bpe model behind the other normalizers (NFKD, StripAccents, Lowercase, NFKC,
                 Strip, Prepend) and every Split behaviour, invert, a generic regex and Digits; Strip decoder.

The output is committed (tens of KB each) and is the reference: make-tokenizer-references.py reads
the committed files. Re-running with the pinned tokenizers version (see fetch-test-tokenizers.sh)
reproduces them except affix-bpe, whose trainer orders merges of equal count by hash.
"""
import copy
import json
import os
import sys

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

TRAINING_TEXT = """
The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs away into the forest.
Hello world! This is a small corpus for training a byte-pair encoding tokenizer with byte fallback.
Tokenizers split text into words, subwords and bytes. Words like tokenization, tokenizer, tokens.
Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000 2024 3.14159 42 1,000,000 and dates like 2025-01-31.
Good morning, good evening, good night. I don't know; you're right; they'll come; we've seen it.
def encode(self, text): return [self.vocab[t] for t in text.split()]  # Python code
for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }  // C code
Le renard brun rapide saute par-dessus le chien paresseux. Ça va? Très bien, merci. Élève, été, où.
Der schnelle braune Fuchs springt über den faulen Hund. Straße, Größe, Mädchen, schön.
El rápido zorro marrón salta sobre el perro perezoso. ¿Dónde está la biblioteca? ¡Hola!
Быстрая коричневая лиса прыгает через ленивую собаку. Привет, мир!
Η γρήγορη καφέ αλεπού πηδά πάνω από το τεμπέλικο σκυλί.
日本語のテキストも少し含めます。東京は日本の首都です。
中文文本也包括在内。北京是中国的首都。你好，世界！
한국어 텍스트도 포함됩니다. 안녕하세요.
The model scores candidate completions and selects the best one for rejection sampling.
Reward models, preference data, chosen and rejected responses, best-of-N selection.
"""


def corpus_lines():
    lines = [line for line in TRAINING_TEXT.strip().splitlines() if line.strip()]
    # Repeat with small variations so merges have counts to rank.
    return lines * 20 + [line.lower() for line in lines] * 5 + [line.upper() for line in lines] * 2


def gemma_bpe() -> dict:
    specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tokenizer.normalizer = normalizers.Replace(" ", "▁")
    trainer = trainers.BpeTrainer(vocab_size=900, special_tokens=specials,
                                  show_progress=False)
    tokenizer.train_from_iterator(corpus_lines(), trainer=trainer)
    data = json.loads(tokenizer.to_str())

    # Rebuild the vocabulary Gemma-style: specials, then the 256 byte tokens, then the learned pieces.
    learned = sorted(data["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab = {}
    for token in specials + [f"<0x{b:02X}>" for b in range(256)]:
        vocab[token] = len(vocab)
    for token, _ in learned:
        if token not in vocab:
            vocab[token] = len(vocab)
    data["model"]["vocab"] = vocab
    data["model"]["ignore_merges"] = False
    data["decoder"] = json.loads(decoders.Sequence([
        decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]).__getstate__())
    data["pre_tokenizer"] = None
    data["added_tokens"] = []
    tokenizer = Tokenizer.from_str(json.dumps(data))
    tokenizer.post_processor = processors.TemplateProcessing(single="<bos> $A", special_tokens=[("<bos>", 2)])
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])
    tokenizer.add_special_tokens([
        AddedToken("<start_of_turn>", special=True, normalized=False),
        AddedToken("<end_of_turn>", special=True, normalized=False),
        AddedToken("<mask>", special=True, normalized=False, lstrip=True),
        AddedToken("<sep>", special=True, normalized=False, rstrip=True),
    ])
    tokenizer.add_tokens([
        AddedToken("<both>", special=False, normalized=False, lstrip=True, rstrip=True),
        AddedToken("word", special=False, normalized=False, single_word=True),
        AddedToken("good morning", special=False, normalized=True),
    ])
    return json.loads(tokenizer.to_str())


def gemma_bpe_unk(gemma: dict) -> dict:
    data = copy.deepcopy(gemma)
    data["model"]["byte_fallback"] = False
    return data


def metaspace_bpe(gemma: dict) -> dict:
    data = copy.deepcopy(gemma)
    data["normalizer"] = None
    data["pre_tokenizer"] = json.loads(pre_tokenizers.Metaspace(prepend_scheme="first").__getstate__())
    data["decoder"] = json.loads(decoders.Sequence([
        decoders.Metaspace(prepend_scheme="first"), decoders.ByteFallback(), decoders.Fuse()]).__getstate__())
    return data


def gpt2_bpe() -> dict:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=800, special_tokens=["<s>", "<pad>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tokenizer.train_from_iterator(corpus_lines(), trainer=trainer)
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    data = json.loads(tokenizer.to_str())
    data["model"]["merges"] = [" ".join(pair) for pair in data["model"]["merges"]]  # legacy form
    return data


LLAMA3_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"""
                  r""" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")


def gpt2_template(gpt2: dict) -> dict:
    data = copy.deepcopy(gpt2)
    data["pre_tokenizer"] = json.loads(pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]).__getstate__())
    data["post_processor"] = json.loads(processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]),
    ]).__getstate__())
    return data


QWEN_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"""
                r""" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")


def qwen_style(gpt2: dict) -> dict:
    data = copy.deepcopy(gpt2)
    data["normalizer"] = {"type": "NFC"}
    data["pre_tokenizer"] = json.loads(pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)]).__getstate__())
    data["post_processor"] = json.loads(processors.ByteLevel(add_prefix_space=False, trim_offsets=False,
                                                             use_regex=False).__getstate__())
    data["model"]["continuing_subword_prefix"] = ""
    data["model"]["end_of_word_suffix"] = ""
    return data


def split_variants(gemma: dict) -> dict:
    data = copy.deepcopy(gemma)
    data["normalizer"] = json.loads(normalizers.Sequence([
        normalizers.NFKD(), normalizers.StripAccents(), normalizers.Lowercase(), normalizers.NFKC(),
        normalizers.Strip(left=True, right=True), normalizers.Prepend("▁"),
        normalizers.Replace(" ", "▁"), normalizers.Replace(Regex("[0-9]{4}"), "#"),
    ]).__getstate__())
    data["pre_tokenizer"] = json.loads(pre_tokenizers.Sequence([
        pre_tokenizers.Split("▁", behavior="merged_with_next"),
        pre_tokenizers.Split(Regex(r"\p{P}+"), behavior="merged_with_previous"),
        pre_tokenizers.Split(Regex("[aeiou]"), behavior="contiguous", invert=True),
        pre_tokenizers.Split("-", behavior="removed"),
        pre_tokenizers.Split(Regex("x+"), behavior="isolated", invert=True),
        pre_tokenizers.Digits(individual_digits=True),
    ]).__getstate__())
    data["decoder"] = json.loads(decoders.Sequence([
        decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0),
    ]).__getstate__())
    return data


def affix_bpe() -> dict:
    tokenizer = Tokenizer(models.BPE(unk_token="<unk>", continuing_subword_prefix="##", end_of_word_suffix="</w>",
                                     fuse_unk=False))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    # No Strip(" ", 0, 1) at the end: tokenizers 0.23 panics on it when decoding no ids (empty token).
    tokenizer.decoder = decoders.Sequence([decoders.Replace("</w>", " "), decoders.Replace("##", ""), decoders.Fuse()])
    trainer = trainers.BpeTrainer(vocab_size=700, special_tokens=["<unk>"], continuing_subword_prefix="##",
                                  end_of_word_suffix="</w>", show_progress=False)
    tokenizer.train_from_iterator(corpus_lines(), trainer=trainer)
    return json.loads(tokenizer.to_str())


def main() -> None:
    out = sys.argv[1]
    only = set(sys.argv[2:])  # optional names: rebuild just those
    gemma = gemma_bpe()
    gpt2 = gpt2_bpe()
    made = {"gemma-bpe": gemma, "gemma-bpe-unk": gemma_bpe_unk(gemma),
            "metaspace-bpe": metaspace_bpe(gemma), "gpt2-bpe": gpt2,
            "gpt2-template": gpt2_template(gpt2), "split-variants": split_variants(gemma), "affix-bpe": affix_bpe(),
            "qwen-style": qwen_style(gpt2)}
    for name, data in made.items():
        if only and name not in only:
            continue
        # Round-trip through tokenizers to be sure the file loads as written.
        tokenizer = Tokenizer.from_str(json.dumps(data))
        os.makedirs(os.path.join(out, name), exist_ok=True)
        saved = json.loads(tokenizer.to_str())
        if name == "gpt2-bpe":  # keep the legacy "a b" merges form, which tokenizers reads too
            saved["model"]["merges"] = data["model"]["merges"]
        with open(os.path.join(out, name, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(saved, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print(name, tokenizer.get_vocab_size(), "ids")


if __name__ == "__main__":
    main()
