#!/usr/bin/env python3
"""Trains the small demo reward model that ships in deploy/local/demo-model/, and its references.

usage: make-demo-model.py [--out DIR] [--steps N]     (default DIR: deploy/local/demo-model)

What it makes, all from seeded generators on the CPU (a few minutes on two cores):

  tokenizer.json         a byte-level BPE (~1,200 ids) laid out like Qwen3's own tokenizer: NFC,
                         Qwen2's split regex (Isolated), ByteLevel without regex, ByteLevel decoder;
                         special <|endoftext|> <|im_start|> <|im_end|>, non-special <think> </think>.
  tokenizer_config.json  eos <|im_end|>, pad <|endoftext|>, no BOS, and the exact chat template of
                         Qwen3-0.6B (the one Skywork-Reward-V2-Qwen3 uses).
  config.json +          a tiny Qwen3ForSequenceClassification trained as a Bradley-Terry reward
  model.safetensors      model (loss -logsigmoid(r_chosen - r_rejected)) on synthetic arithmetic
                         preference pairs: the chosen answer has the right result, the rejected one
                         the same phrasing with a wrong result. Saved in bfloat16.
  expected.json          transformers references: rendered text, ids and score of ~10
                         conversations, and scores + argmax of best-of-N groups.
  README.md              the model card, with the held-out pairwise accuracy measured here.

Every input is formatted exactly as Winnow formats it: apply_chat_template(messages,
tokenize=False) without a generation prompt, then tokenizer(text) (this tokenizer adds no BOS).

The references follow DESIGN.md: the saved directory is RELOADED from disk with dtype=float32 and
attn_implementation="eager" (never an in-memory cast, which also rounds RoPE's inv_freq), and each
sequence is scored on its own (batch 1, no padding).
"""

import argparse
import json
import math
import random
import time
from pathlib import Path

import torch
import torch.nn.functional as F
import transformers
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoModelForSequenceClassification, AutoTokenizer, Qwen3Config, Qwen3ForSequenceClassification

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "Tests/JinjaTests/References/templates/Qwen-Qwen3-0.6B.jinja"

SEED = 20261122
VOCAB_SIZE = 1200  # BPE ids before the five added tokens
QWEN_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"""
                r""" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
THINK_TOKENS = ["<think>", "</think>"]

# ---------------------------------------------------------------------------------------------
# Synthetic arithmetic conversations
# ---------------------------------------------------------------------------------------------

OPERATORS = {"+": "plus", "-": "minus", "*": "times"}
QUESTIONS = [
    "What is {a} {sym} {b}?",
    "What's {a} {word} {b}?",
    "Compute {a} {sym} {b}.",
    "Calculate {a} {sym} {b}.",
    "How much is {a} {word} {b}?",
    "{a} {sym} {b} = ?",
    "Please tell me what {a} {word} {b} is.",
    "Quick question: what is {a} {sym} {b}?",
]
ANSWERS = [
    "{c}",
    "{a} {sym} {b} = {c}.",
    "The answer is {c}.",
    "It is {c}.",
    "{a} {word} {b} equals {c}.",
    "Sure! {a} {sym} {b} = {c}.",
    "That would be {c}.",
]
SYSTEM_PROMPTS = [
    "You are a helpful assistant.",
    "You are a careful math tutor.",
    "Answer briefly.",
]

# Text the tokenizer also learns from, so that ordinary chat is not split into single bytes.
GENERAL_TEXT = """
Winnow scores candidate completions with a reward model and keeps the best one.
The demo model is a tiny reward model trained on arithmetic questions; it prefers correct answers.
Hello! How are you today? I am fine, thank you. Can you help me with my homework, please?
Of course. Let me think about it step by step. First add the ones, then carry the tens.
The quick brown fox jumps over the lazy dog. The weather is nice and the sun is shining.
Reward models, preference pairs, chosen and rejected responses, best-of-N selection, rejection sampling.
I don't know; you're right; they'll come; we've seen it; it's done; she'd say so; I'm sure.
Numbers and symbols: 0 1 2 3 4 5 6 7 8 9 10 100 (1 + 2) * 3 = 9, 7 - 4 = 3, 6 / 2 = 3, 50% of 8 is 4.
def add(a, b): return a + b  # Python code
for (int i = 0; i < n; ++i) { total += values[i]; }  // C code
Café, naïve, résumé, über, Straße, señor, déjà vu, Zoë, Grüße, schön, garçon.
Could you write a short poem about the sea? The waves roll in, the gulls call out, the tide goes home.
Summarize this article in two sentences. The city council approved a new budget for schools and parks.
Translate to French: good morning, good evening, good night, thank you very much, see you tomorrow.
What is the capital of France? Paris is the capital of France. Berlin is the capital of Germany.
Explain how a transformer works: embeddings, attention heads, feed-forward layers, normalization, logits.
Please list three fruits: apples, bananas and oranges. Vegetables: carrots, potatoes, onions, peppers.
My favourite colours are red, green, blue, yellow, purple and orange; my brother prefers black and white.
Yesterday we walked to the market, bought fresh bread and cheese, and cooked dinner with our friends.
The train leaves at seven o'clock in the morning and arrives in the evening after a long journey north.
Scientists measure temperature, pressure, distance, weight, speed, energy and time with great care.
A good answer is correct, helpful, honest and short. A bad answer is wrong, rude, vague or far too long.
Mathematics: addition, subtraction, multiplication, division, fractions, equations, numbers, digits, sums.
Questions and answers: who, what, when, where, why, which, how many, how much, is it true that.
Thanks for your patience! Sorry, I made a mistake. Let me check that again. Yes, that looks right now.
Computers store programs and data in memory; the processor reads instructions and writes results.
The library opens on Monday, Tuesday, Wednesday, Thursday and Friday; it is closed on weekends.
January, February, March, April, May, June, July, August, September, October, November, December.
"""


def operands(rng: random.Random, op: str) -> tuple[int, int]:
    if op == "+":
        return rng.randint(0, 99), rng.randint(0, 99)
    if op == "-":
        a = rng.randint(0, 99)
        return a, rng.randint(0, a)
    return rng.randint(2, 19), rng.randint(2, 9)


def result(op: str, a: int, b: int) -> int:
    return a + b if op == "+" else a - b if op == "-" else a * b


WRONG_KINDS = ["off by 1 to 3", "off by 10", "any other number"]


def wrong_result(rng: random.Random, c: int) -> tuple[int, str]:
    """A wrong result and its kind: off by a little, by ten, or by a lot (any number in the
    results' range, drawn without looking at the question)."""
    while True:
        draw = rng.random()
        if draw < 0.45:
            w, kind = c + rng.choice([-3, -2, -1, 1, 2, 3]), WRONG_KINDS[0]
        elif draw < 0.55:
            w, kind = c + rng.choice([-10, 10]), WRONG_KINDS[1]
        else:
            w, kind = rng.randint(0, 198), WRONG_KINDS[2]
        if w >= 0 and w != c:
            return w, kind


def is_held_out(op: str, a: int, b: int) -> bool:
    """About one question in eight never appears in training (a fixed hash, not Python's)."""
    return (a * 131 + b * 71 + "+-*".index(op) * 17) % 8 == 3


def arithmetic_pair(rng: random.Random, held_out: bool) -> tuple[list, list, str]:
    """(chosen, rejected, kind of wrong result) for one question."""
    while True:
        op = rng.choice("++--*")  # a little less multiplication: it has few distinct questions
        a, b = operands(rng, op)
        if is_held_out(op, a, b) == held_out:
            break
    c = result(op, a, b)
    fields = {"a": a, "b": b, "sym": op, "word": OPERATORS[op]}
    prompt = []
    if rng.random() < 0.2:
        prompt.append({"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
    prompt.append({"role": "user", "content": rng.choice(QUESTIONS).format(**fields)})
    answer = rng.choice(ANSWERS)
    chosen = prompt + [{"role": "assistant", "content": answer.format(c=c, **fields)}]
    w, kind = wrong_result(rng, c)
    rejected = prompt + [{"role": "assistant", "content": answer.format(c=w, **fields)}]
    return chosen, rejected, kind


# ---------------------------------------------------------------------------------------------
# Tokenizer
# ---------------------------------------------------------------------------------------------

def train_tokenizer(texts: list[str]) -> Tokenizer:
    tokenizer = Tokenizer(models.BPE(continuing_subword_prefix="", end_of_word_suffix=""))
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tokenizer.train_from_iterator(texts, trainer=trainer)
    tokenizer.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS])
    tokenizer.add_tokens([AddedToken(t, special=False, normalized=False) for t in THINK_TOKENS])
    return tokenizer


def write_tokenizer(out: Path, tokenizer: Tokenizer, template: str) -> None:
    data = json.loads(tokenizer.to_str())
    (out / "tokenizer.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    added = {str(t["id"]): {key: t[key] for key in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}
             for t in data["added_tokens"]}
    config = {
        "added_tokens_decoder": added,
        "bos_token": None,
        "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>",
        "unk_token": None,
        "model_max_length": 2048,
        "clean_up_tokenization_spaces": False,
        "tokenizer_class": "PreTrainedTokenizerFast",
        "chat_template": template,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def encode(tokenizer, conversation: list) -> tuple[str, list[int]]:
    """Exactly what Winnow scores: the template without a generation prompt, then the ids."""
    text = tokenizer.apply_chat_template(conversation, tokenize=False)
    return text, tokenizer(text).input_ids


# ---------------------------------------------------------------------------------------------
# Model and training
# ---------------------------------------------------------------------------------------------

def model_config(vocab_size: int, pad_id: int) -> Qwen3Config:
    return Qwen3Config(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=192,
        num_hidden_layers=3,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        rms_norm_eps=1e-6,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        max_position_embeddings=2048,
        tie_word_embeddings=False,
        pad_token_id=pad_id,
        bos_token_id=None,
        eos_token_id=None,
        num_labels=1,
        architectures=["Qwen3ForSequenceClassification"],
    )


def padded(batch: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ids and attention mask (the model pools at the last non-pad token)."""
    width = max(len(ids) for ids in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, sequence in enumerate(batch):
        ids[row, :len(sequence)] = torch.tensor(sequence)
        mask[row, :len(sequence)] = 1
    return ids, mask


def rewards(model, batch: list[list[int]], pad_id: int) -> torch.Tensor:
    ids, mask = padded(batch, pad_id)
    return model(input_ids=ids, attention_mask=mask).logits[:, 0]


def pairwise_accuracy(model, pairs: list[tuple[list[int], list[int]]], pad_id: int) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(pairs), 256):
            chunk = pairs[start:start + 256]
            r = rewards(model, [c for c, _ in chunk] + [r for _, r in chunk], pad_id)
            correct += int((r[:len(chunk)] > r[len(chunk):]).sum())
    return correct / len(pairs)


def train(model, pairs, held_out, pad_id: int, steps: int, batch_pairs: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=4e-3, weight_decay=0.01, betas=(0.9, 0.98))
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / steps))))
    log = []
    started = time.time()
    for step in range(1, steps + 1):
        model.train()
        chunk = rng.sample(pairs, batch_pairs)
        r = rewards(model, [c for c, _ in chunk] + [r for _, r in chunk], pad_id)
        loss = -F.logsigmoid(r[:batch_pairs] - r[batch_pairs:]).mean()
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step % 250 == 0 or step == steps:
            accuracy = pairwise_accuracy(model, held_out[:512], pad_id)
            line = f"step {step}: loss {loss.item():.4f}, held-out accuracy {accuracy:.3f}, {time.time() - started:.0f}s"
            print(line, flush=True)
            log.append(line)
    return log


# ---------------------------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------------------------

def reference_conversations() -> list[list[dict]]:
    """Varied conversations: right and wrong answers, system turns, several turns, reasoning,
    non-ASCII text, and chat the model was never trained on."""
    return [
        [{"role": "user", "content": "What is 23 + 48?"}, {"role": "assistant", "content": "23 + 48 = 71."}],
        [{"role": "user", "content": "What is 23 + 48?"}, {"role": "assistant", "content": "23 + 48 = 72."}],
        [{"role": "system", "content": "You are a careful math tutor."},
         {"role": "user", "content": "How much is 64 minus 27?"}, {"role": "assistant", "content": "The answer is 37."}],
        [{"role": "user", "content": "Calculate 13 * 7."}, {"role": "assistant", "content": "It is 91."}],
        [{"role": "user", "content": "Calculate 13 * 7."}, {"role": "assistant", "content": "It is 19."}],
        [{"role": "user", "content": "What is 5 + 5?"}, {"role": "assistant", "content": "10"},
         {"role": "user", "content": "And 10 plus 34?"}, {"role": "assistant", "content": "10 plus 34 equals 44."}],
        [{"role": "user", "content": "What's 58 plus 36?"},
         {"role": "assistant", "content": "<think>\n8 + 6 = 14, carry one.\n</think>\n\n58 + 36 = 94."}],
        [{"role": "user", "content": "Wie viel ist 12 + 30? Schöne Grüße, Zoë ☺"},
         {"role": "assistant", "content": "12 + 30 = 42. Gern geschehen!"}],
        [{"role": "user", "content": "Hello! Who are you?"},
         {"role": "assistant", "content": "I'm a tiny demo reward model, and I only know arithmetic."}],
        [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Quick question: what is 81 - 9?"}],
    ]


def reference_groups(rng: random.Random) -> list[dict]:
    """Fresh held-out questions, each with one correct answer among wrong ones in other phrasings."""
    groups = []
    for index in range(6):
        while True:
            op = "+-*"[index % 3]
            a, b = operands(rng, op)
            if is_held_out(op, a, b):
                break
        c = result(op, a, b)
        fields = {"a": a, "b": b, "sym": op, "word": OPERATORS[op]}
        prompt = []
        if index % 2 == 1:
            prompt.append({"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
        prompt.append({"role": "user", "content": rng.choice(QUESTIONS).format(**fields)})
        size = 4 + index % 5  # 4..8 candidates
        wrong = []
        while len(wrong) < size - 1:
            w, _ = wrong_result(rng, c)
            if w not in wrong:
                wrong.append(w)
        phrasings = rng.sample(ANSWERS, len(ANSWERS))
        values = [c] + wrong
        candidates = [phrasings[i % len(phrasings)].format(c=v, **fields) for i, v in enumerate(values)]
        order = list(range(size))
        rng.shuffle(order)
        groups.append({"prompt": prompt, "candidates": [candidates[i] for i in order], "correct": order.index(0)})
    return groups


def load_reference(out: Path):
    return AutoModelForSequenceClassification.from_pretrained(
        out, dtype=torch.float32, attn_implementation="eager").eval()


def reference_score(model, ids: list[int]) -> float:
    with torch.no_grad():
        return float(model(input_ids=torch.tensor([ids])).logits[0, 0])


def write_model_card(out: Path, accuracy: float, by_kind: dict, held_out_pairs: int, picked: int, groups: int, log: list[str],
                     vocab_size: int, parameters: int) -> None:
    kinds = "\n".join(f"  - {kind}: {value:.1%} of {count} pairs" for kind, (value, count) in by_kind.items())
    card = f"""# Winnow demo reward model

A tiny reward model for `make demo` and the end-to-end tests of `winnow score`. It is **not** a
useful reward model: it was trained for a few minutes on one synthetic task and knows nothing else.

- Architecture: `Qwen3ForSequenceClassification` (the Skywork-Reward-V2-Qwen3 layout), hidden 64,
  3 layers, 4 query / 2 key-value heads of 16, MLP 192, {parameters:,} parameters, bfloat16 weights.
- Tokenizer: byte-level BPE with {vocab_size} ids laid out like Qwen3's (NFC, Qwen2's split regex,
  ByteLevel), special `<|endoftext|>` (pad) `<|im_start|>` `<|im_end|>` (eos), non-special `<think>`
  `</think>`, no BOS. The chat template is Qwen3-0.6B's, as in Skywork-Reward-V2-Qwen3.
- Training: Bradley-Terry loss `-logsigmoid(r_chosen - r_rejected)` on synthetic pairs. The user asks
  an arithmetic question (`+` and `-` on 0..99, `*` on 2..19 by 2..9, eight phrasings, sometimes
  after a short system turn); the chosen answer gives the right result, the rejected one the same
  phrasing with a wrong result (off by 1-3, by 10, or by a lot). Inputs are formatted exactly as
  Winnow formats them: `apply_chat_template(messages, tokenize=False)`, then the tokenizer.
- Held-out pairwise accuracy (questions never seen in training, {held_out_pairs} pairs, scored by
  the saved bfloat16 weights reloaded in float32): **{accuracy:.1%}**. By the kind of wrong result:
{kinds}
- Best-of-N groups in `expected.json` (fresh held-out questions, 4 to 8 candidates, one correct):
  the argmax is the correct answer in **{picked} of {groups}**.

Limitations: the model has learned the rough size of a result (it usually prefers the right answer
to an unrelated number) but not exact arithmetic: against answers off by 1 to 3 or by 10 it is near
chance on held-out questions, so it falls well short of the 90% pairwise accuracy this demo aimed
for, and its best-of-N pick is usually a wrong answer of about the right size. Exact digit
arithmetic learned from scratch needs far more than the few minutes of shared-CPU training done
here; a longer run (4,000 steps) memorised the training questions and did worse on held-out ones.
Use it to exercise the pipeline, not to judge answers.

`expected.json` holds the references the Swift tests compare against, computed by `transformers`
{transformers.__version__} (torch {torch.__version__.split('+')[0]}) from this directory reloaded
with `dtype=torch.float32, attn_implementation="eager"`, one sequence at a time.

Regenerate everything here (dev-time only; creates `.venv` with torch + transformers if missing):

```
bash scripts/make-demo-model.sh
```

Training log:

```
{chr(10).join(log)}
```
"""
    (out / "README.md").write_text(card, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "deploy/local/demo-model")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch-pairs", type=int, default=32)
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # the machine is shared: one thread steps faster than two contending
    rng = random.Random(SEED)
    template = TEMPLATE_PATH.read_text(encoding="utf-8")

    train_conversations = [arithmetic_pair(rng, held_out=False) for _ in range(40000)]
    held_out_conversations = [arithmetic_pair(rng, held_out=True) for _ in range(2000)]

    # The tokenizer learns from rendered conversations (so the template's markup merges) and plain text.
    bootstrap = train_tokenizer([GENERAL_TEXT])
    write_tokenizer(out, bootstrap, template)
    renderer = AutoTokenizer.from_pretrained(out)
    sample_texts = [renderer.apply_chat_template(pair[0], tokenize=False) for pair in train_conversations[:4000]]
    tokenizer_json = train_tokenizer(sample_texts + GENERAL_TEXT.strip().splitlines() * 20)
    write_tokenizer(out, tokenizer_json, template)
    tokenizer = AutoTokenizer.from_pretrained(out)  # from disk, exactly as a user loads it
    pad_id = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    print(f"tokenizer: {len(tokenizer)} ids, pad {pad_id}", flush=True)

    def encoded_pairs(conversations):
        texts = [tokenizer.apply_chat_template(c, tokenize=False) for pair in conversations for c in pair[:2]]
        ids = tokenizer(texts).input_ids
        return [(ids[i], ids[i + 1]) for i in range(0, len(ids), 2)]

    started = time.time()
    train_pairs = encoded_pairs(train_conversations)
    held_out_pairs = encoded_pairs(held_out_conversations)
    print(f"encoded {len(train_pairs)} + {len(held_out_pairs)} pairs in {time.time() - started:.0f}s, "
          f"longest {max(len(c) for c, _ in train_pairs)} tokens", flush=True)

    model = Qwen3ForSequenceClassification(model_config(len(tokenizer), pad_id))
    parameters = sum(p.numel() for p in model.parameters())
    log = train(model, train_pairs, held_out_pairs, pad_id, args.steps, args.batch_pairs, SEED)
    model.to(torch.bfloat16).save_pretrained(out)

    # Everything below reads the saved directory back, never the trained model in memory.
    reference = load_reference(out)
    accuracy = pairwise_accuracy(reference, held_out_pairs, pad_id)
    print(f"held-out pairwise accuracy of the saved model: {accuracy:.4f}", flush=True)
    by_kind = {}
    for kind in WRONG_KINDS:
        subset = [pair for pair, c in zip(held_out_pairs, held_out_conversations) if c[2] == kind]
        by_kind[kind] = (pairwise_accuracy(reference, subset, pad_id), len(subset))
        print(f"  rejected {kind}: {by_kind[kind][0]:.4f} of {len(subset)} pairs", flush=True)

    conversations = []
    for messages in reference_conversations():
        text, ids = encode(tokenizer, messages)
        assert pad_id not in ids, "a pad id would move transformers' pooling position"
        conversations.append({"messages": messages, "text": text, "ids": ids, "score": reference_score(reference, ids)})
    groups, picked = [], 0
    for group in reference_groups(random.Random(SEED + 1)):
        scores = []
        for candidate in group["candidates"]:
            _, ids = encode(tokenizer, group["prompt"] + [{"role": "assistant", "content": candidate}])
            scores.append(reference_score(reference, ids))
        argmax = max(range(len(scores)), key=lambda i: (scores[i], -i))  # first of equal maxima
        picked += argmax == group["correct"]
        groups.append({"prompt": group["prompt"], "candidates": group["candidates"], "scores": scores,
                       "argmax": argmax, "correct": group["correct"]})
    print(f"argmax picks the correct answer in {picked} of {len(groups)} groups", flush=True)
    expected = {"conversations": conversations, "groups": groups}
    (out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    write_model_card(out, accuracy, by_kind, len(held_out_pairs), picked, len(groups), log, len(tokenizer), parameters)


if __name__ == "__main__":
    main()
