#!/usr/bin/env python3
"""Trains the small demo reward model that ships in deploy/local/demo-model/, and its references.

usage: make-demo-model.py [--out DIR] [--steps N]     (default DIR: deploy/local/demo-model)

What it makes, all from seeded generators on the CPU (about ten minutes on one thread):

  tokenizer.json         a byte-level BPE (~1,200 ids) laid out like Qwen3's own tokenizer: NFC,
                         Qwen2's split regex (Isolated), ByteLevel without regex, ByteLevel decoder;
                         special <|endoftext|> <|im_start|> <|im_end|>, non-special <think> </think>.
  tokenizer_config.json  eos <|im_end|>, pad <|endoftext|>, no BOS, and the exact chat template of
                         Qwen3-0.6B (the one Skywork-Reward-V2-Qwen3 uses).
  config.json +          a tiny Qwen3ForSequenceClassification trained as a Bradley-Terry reward
  model.safetensors      model (loss -logsigmoid(r_chosen - r_rejected)) on synthetic arithmetic
                         preference pairs over a small table the model can memorise completely
                         (a + b and a - b on single digits, a * b on 2..9: 219 questions): the
                         chosen answer has the right result, the rejected one a wrong result (a
                         near miss, off by ten, another operation's result, any number) or no
                         result at all (a refusal, off-topic chat). Saved in bfloat16.
  expected.json          transformers references: rendered text, ids and score of ~10
                         conversations, and scores + argmax of best-of-N groups.
  README.md              the model card, with the accuracy measured here: pairwise and best-of-N
                         on fresh draws from the training distribution (every question of the
                         table is in training: this measures memorisation, not generalisation),
                         and the whole table against every result 0..99.

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
import textwrap
import time
from pathlib import Path

import torch
import torch.nn.functional as F
import transformers
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoModelForSequenceClassification, AutoTokenizer, Qwen3Config, Qwen3ForSequenceClassification

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "Tests/WinnowJinjaTests/References/templates/Qwen-Qwen3-0.6B.jinja"

SEED = 20261122
VOCAB_SIZE = 1200  # BPE ids before the five added tokens
QWEN_PATTERN = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"""
                r""" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+""")
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
THINK_TOKENS = ["<think>", "</think>"]

# The model and its training.
HIDDEN, LAYERS, HEADS, KV_HEADS, HEAD_DIM, MLP = 64, 3, 4, 2, 16, 192
STEPS, BATCH_PAIRS, LEARNING_RATE, TRAIN_PAIRS = 6000, 32, 4e-3, 60000

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
# Replies without a result: refusals, evasions, off-topic chat, the question echoed back.
NON_ANSWERS = [
    "I don't know.",
    "Sorry, I can't help with that.",
    "Let me think about it.",
    "That is a good question.",
    "I'd rather not say.",
    "Math is hard. Ask someone else.",
    "The weather is nice today.",
    "Paris is the capital of France.",
    "I am not sure what {a} {word} {b} is.",
    "{a} {sym} {b} = ?",
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


def all_facts() -> list[tuple[str, int, int]]:
    """The whole table the model learns: a + b and a - b (b <= a) on 0..9, a * b on 2..9."""
    facts = [("+", a, b) for a in range(10) for b in range(10)]
    facts += [("-", a, b) for a in range(10) for b in range(a + 1)]
    facts += [("*", a, b) for a in range(2, 10) for b in range(2, 10)]
    return facts


FACTS = all_facts()  # 100 + 55 + 64 = 219 questions


def result(op: str, a: int, b: int) -> int:
    return a + b if op == "+" else a - b if op == "-" else a * b


WRONG_KINDS = ["off by 1 to 3", "off by 10", "another operation's result", "any other number", "no result"]
WRONG_WEIGHTS = [0.50, 0.10, 0.10, 0.20, 0.10]


def wrong_result(rng: random.Random, op: str, a: int, b: int, kind: str | None = None) -> tuple[int | None, str]:
    """A wrong result and its kind: off by a little, by ten, the result of another operation on
    the same operands, any number in the results' range (0..99), or None: no result at all."""
    c = result(op, a, b)
    while True:
        draw = kind or rng.choices(WRONG_KINDS, WRONG_WEIGHTS)[0]
        if draw == WRONG_KINDS[0]:
            w = c + rng.choice([-3, -2, -1, 1, 2, 3])
        elif draw == WRONG_KINDS[1]:
            w = c + rng.choice([-10, 10])
        elif draw == WRONG_KINDS[2]:
            w = result(rng.choice([o for o in "+-*" if o != op]), a, b)
        elif draw == WRONG_KINDS[3]:
            w = rng.randint(0, 99)
        else:
            return None, draw
        if w >= 0 and w != c:
            return w, draw


def reply(rng: random.Random, fields: dict, value: int | None, phrasing: str | None = None) -> str:
    """An assistant reply giving `value` (in `phrasing`, or a random one), or a reply without a result."""
    if value is None:
        return rng.choice(NON_ANSWERS).format(**fields)
    return (phrasing or rng.choice(ANSWERS)).format(c=value, **fields)


def question(rng: random.Random, op: str, a: int, b: int) -> tuple[list, dict]:
    fields = {"a": a, "b": b, "sym": op, "word": OPERATORS[op]}
    prompt = []
    if rng.random() < 0.2:
        prompt.append({"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
    prompt.append({"role": "user", "content": rng.choice(QUESTIONS).format(**fields)})
    return prompt, fields


def arithmetic_pair(rng: random.Random) -> tuple[list, list, str]:
    """(chosen, rejected, kind of wrong result) for one question of the table. Half the time the
    rejected reply uses the chosen one's phrasing, otherwise a phrasing of its own (so that the
    reward does not depend on phrasing, as in best-of-N groups that mix phrasings)."""
    op, a, b = rng.choice(FACTS)
    prompt, fields = question(rng, op, a, b)
    answer = rng.choice(ANSWERS)
    chosen = prompt + [{"role": "assistant", "content": reply(rng, fields, result(op, a, b), answer)}]
    w, kind = wrong_result(rng, op, a, b)
    same = rng.random() < 0.5
    rejected = prompt + [{"role": "assistant", "content": reply(rng, fields, w, answer if same else None)}]
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
        hidden_size=HIDDEN,
        intermediate_size=MLP,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        num_key_value_heads=KV_HEADS,
        head_dim=HEAD_DIM,
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


def scores(model, sequences: list[list[int]], pad_id: int) -> list[float]:
    """Rewards of many sequences, in right-padded batches (evaluation only; the references in
    expected.json are scored one at a time)."""
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(sequences), 512):
            out += rewards(model, sequences[start:start + 512], pad_id).tolist()
    return out


def pairwise_accuracy(model, pairs: list[tuple[list[int], list[int]]], pad_id: int) -> float:
    r = scores(model, [c for c, _ in pairs] + [r for _, r in pairs], pad_id)
    return sum(r[i] > r[len(pairs) + i] for i in range(len(pairs))) / len(pairs)


def train(model, pairs, evaluation, pad_id: int, steps: int, batch_pairs: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01, betas=(0.9, 0.98))
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
        if step % 500 == 0 or step == steps:
            accuracy = pairwise_accuracy(model, evaluation[:1000], pad_id)
            line = f"step {step}: loss {loss.item():.4f}, pairwise accuracy {accuracy:.3f}, {time.time() - started:.0f}s"
            print(line, flush=True)
            log.append(line)
    return log


# ---------------------------------------------------------------------------------------------
# Evaluation on the demo's distribution, and references
# ---------------------------------------------------------------------------------------------

def best_of_n_groups(rng: random.Random, count: int, sizes: list[int], system_every: int = 5) -> list[dict]:
    """Groups like `make demo`'s: a question of the table, one correct reply and size-1 distinct
    wrong ones (any kind, each in its own phrasing), shuffled."""
    groups = []
    for index in range(count):
        op, a, b = FACTS[rng.randrange(len(FACTS))]
        prompt, fields = question(rng, op, a, b)
        if index % system_every == system_every - 1 and prompt[0]["role"] != "system":
            prompt.insert(0, {"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
        size = sizes[index % len(sizes)]
        candidates = [reply(rng, fields, result(op, a, b))]
        while len(candidates) < size:
            w, _ = wrong_result(rng, op, a, b)
            text = reply(rng, fields, w)
            if text not in candidates:
                candidates.append(text)
        order = list(range(size))
        rng.shuffle(order)
        groups.append({"prompt": prompt, "candidates": [candidates[i] for i in order], "correct": order.index(0)})
    return groups


def best_of_n_accuracy(model, tokenizer, groups: list[dict], pad_id: int) -> float:
    sequences, spans = [], []
    for group in groups:
        start = len(sequences)
        for candidate in group["candidates"]:
            sequences.append(encode(tokenizer, group["prompt"] + [{"role": "assistant", "content": candidate}])[1])
        spans.append((start, len(sequences)))
    r = scores(model, sequences, pad_id)
    right = sum(max(range(lo, hi), key=lambda i: r[i]) - lo == group["correct"] for (lo, hi), group in zip(spans, groups))
    return right / len(groups)


def table_check(model, tokenizer, pad_id: int) -> tuple[int, list[str]]:
    """Every question of the table, asked as "What is a op b?", with the replies "a op b = w."
    for every w in 0..99: how many of the wrong replies score below the right one, and the
    questions where some wrong result scores highest ("a op b = c: w wins")."""
    sequences = []
    for op, a, b in FACTS:
        prompt = [{"role": "user", "content": f"What is {a} {op} {b}?"}]
        for w in range(100):
            sequences.append(encode(tokenizer, prompt + [{"role": "assistant", "content": f"{a} {op} {b} = {w}."}])[1])
    r = scores(model, sequences, pad_id)
    below, failures = 0, []
    for index, (op, a, b) in enumerate(FACTS):
        row = r[index * 100:(index + 1) * 100]
        c = result(op, a, b)
        below += sum(row[w] < row[c] for w in range(100) if w != c)
        best = max(range(100), key=lambda w: row[w])
        if best != c:
            failures.append(f"{a} {op} {b} = {c}: {best}")
    return below, failures


def reference_conversations() -> list[list[dict]]:
    """Varied conversations: right and wrong answers, a refusal, system turns, several turns,
    reasoning, non-ASCII text, and chat the model was never trained on."""
    return [
        [{"role": "user", "content": "What is 3 + 4?"}, {"role": "assistant", "content": "3 + 4 = 7."}],
        [{"role": "user", "content": "What is 3 + 4?"}, {"role": "assistant", "content": "3 + 4 = 8."}],
        [{"role": "system", "content": "You are a careful math tutor."},
         {"role": "user", "content": "How much is 9 minus 4?"}, {"role": "assistant", "content": "The answer is 5."}],
        [{"role": "user", "content": "Calculate 7 * 8."}, {"role": "assistant", "content": "It is 56."}],
        [{"role": "user", "content": "Calculate 7 * 8."}, {"role": "assistant", "content": "It is 54."}],
        [{"role": "user", "content": "Calculate 7 * 8."}, {"role": "assistant", "content": "Sorry, I can't help with that."}],
        [{"role": "user", "content": "What is 5 + 4?"}, {"role": "assistant", "content": "9"},
         {"role": "user", "content": "And 9 minus 3?"}, {"role": "assistant", "content": "9 minus 3 equals 6."}],
        [{"role": "user", "content": "What's 8 plus 6?"},
         {"role": "assistant", "content": "<think>\n8 + 2 = 10, and 4 more.\n</think>\n\n8 + 6 = 14."}],
        [{"role": "user", "content": "Wie viel ist 2 + 5? Schöne Grüße, Zoë ☺"},
         {"role": "assistant", "content": "2 + 5 = 7. Gern geschehen!"}],
        [{"role": "user", "content": "Hello! Who are you?"},
         {"role": "assistant", "content": "I'm a tiny demo reward model, and I only know arithmetic."}],
        [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Quick question: what is 8 - 3?"}],
    ]


def load_reference(out: Path):
    return AutoModelForSequenceClassification.from_pretrained(
        out, dtype=torch.float32, attn_implementation="eager").eval()


def reference_score(model, ids: list[int]) -> float:
    with torch.no_grad():
        return float(model(input_ids=torch.tensor([ids])).logits[0, 0])


def write_model_card(out: Path, m: dict, log: list[str]) -> None:
    kinds = "\n".join(f"  - {kind}: {value:.1%} of {count} pairs" for kind, (value, count) in m["by_kind"].items())
    wrong = len(FACTS) * 99
    # One entry per question where a wrong result wins, never broken across lines.
    entries = "; ".join(line.replace(" ", "\u00a0") for line in m["table_failures"]) + "."
    failures = "\n".join(textwrap.wrap(entries, 96, initial_indent="  ", subsequent_indent="  ")).replace("\u00a0", " ")
    card = f"""# Winnow demo reward model

A tiny reward model for `make demo` and the end-to-end tests of `winnow score`. It is **not** a
useful reward model: it was trained for a few minutes on one synthetic task and knows nothing else.

What it knows is a table of {len(FACTS)} small arithmetic facts: `a + b` and `a - b` (b <= a) on
single digits 0..9, and `a * b` on 2..9. Asked one of those questions, it scores a reply with the
right result above replies with a wrong result or with no result at all. It has **memorised** the
table: every one of the {len(FACTS)} questions was in its training data, and nothing here measures
whether it can do arithmetic it was not shown. Outside the table (`23 + 48`, `12 * 7`, a question
about anything else, a conversation of several turns) its scores mean nothing.

- Architecture: `Qwen3ForSequenceClassification` (the Skywork-Reward-V2-Qwen3 layout), hidden
  {HIDDEN}, {LAYERS} layers, {HEADS} query / {KV_HEADS} key-value heads of {HEAD_DIM}, MLP {MLP}, {m['parameters']:,} parameters,
  bfloat16 weights ({m['size'] / 1e6:.2f} MB).
- Tokenizer: byte-level BPE with {m['vocab_size']} ids laid out like Qwen3's (NFC, Qwen2's split
  regex, ByteLevel), special `<|endoftext|>` (pad) `<|im_start|>` `<|im_end|>` (eos), non-special
  `<think>` `</think>`, no BOS. The chat template is Qwen3-0.6B's, as in Skywork-Reward-V2-Qwen3.
- Training: Bradley-Terry loss `-logsigmoid(r_chosen - r_rejected)`, {m['steps']:,} steps of
  {m['batch_pairs']} pairs drawn from {m['train_pairs']:,} synthetic pairs ({m['train_seconds'] / 60:.1f} minutes on one CPU thread).
  The user asks a question of the table ({len(QUESTIONS)} phrasings, sometimes after a short
  system turn); the chosen reply gives the right result ({len(ANSWERS)} phrasings); the rejected one
  gives a wrong result ({", ".join(WRONG_KINDS[:-1])}),
  in the chosen reply's phrasing half the time, or no result at all ({len(NON_ANSWERS)} replies:
  refusals, evasions, off-topic chat, the question echoed back). Inputs are formatted exactly
  as Winnow formats them: `apply_chat_template(messages, tokenize=False)`, then the tokenizer.

Measured by `scripts/make-demo-model.py` on the saved bfloat16 weights reloaded in float32, on
fresh draws from the training distribution (another seed, the same table, so these numbers
measure memorisation, not generalisation):

- Pairwise accuracy on {m['pairs']:,} pairs ({m['seen']:.1%} of them also occur verbatim among the
  training pairs): **{m['accuracy']:.1%}**. By the kind of rejected reply:
{kinds}
- Best-of-N like `make demo` (one right reply and wrong ones of the kinds above, each in its
  own phrasing, shuffled): the argmax is the right reply in **{m['best_of_4']:.1%}** of {m['best_of_4_groups']:,} groups
  of 4 and **{m['best_of_8']:.1%}** of {m['best_of_8_groups']:,} groups of 8.
- The whole table against every result: each question asked as "What is a op b?" with the
  replies "a op b = w." for w in 0..99. The right reply scores above {m['table_below']:,} of the
  {wrong:,} wrong ones ({m['table_below'] / wrong:.2%}), and highest of all 100 in **{len(FACTS) - len(m['table_failures'])} of {len(FACTS)}**
  questions. In the others, a number that training seldom offers as a wrong answer to that
  question scores highest ("a op b = right: winner"):
{failures}
- The best-of-N groups in `expected.json` (4 to 8 candidates, one right): the argmax is the right
  reply in **{m['picked']} of {m['groups']}**.

Use it to exercise the pipeline and to see sensible picks in `make demo`, not to judge answers.

`expected.json` holds the references the Swift tests compare against, computed by `transformers`
{transformers.__version__} (torch {torch.__version__.split('+')[0]}) from this directory reloaded
with `dtype=torch.float32, attn_implementation="eager"`, one sequence at a time.

Regenerate everything here (dev-time only; creates `.venv` with torch + transformers if missing;
seeded: a rerun with the same versions writes the same weights, tokenizer and references):

```
bash scripts/make-demo-model.sh
```

Training log (pairwise accuracy on 1,000 of the evaluation pairs, in training precision):

```
{chr(10).join(log)}
```
"""
    (out / "README.md").write_text(card, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "deploy/local/demo-model")
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--batch-pairs", type=int, default=BATCH_PAIRS)
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)  # the machine is shared: one thread steps faster than two contending
    rng = random.Random(SEED)
    template = TEMPLATE_PATH.read_text(encoding="utf-8")

    train_conversations = [arithmetic_pair(rng) for _ in range(TRAIN_PAIRS)]
    # Fresh pairs from the same distribution (another seed): the same table, so not held out.
    evaluation_rng = random.Random(SEED + 2)
    evaluation_conversations = [arithmetic_pair(evaluation_rng) for _ in range(4000)]

    # The tokenizer learns from rendered conversations (so the template's markup merges) and plain text.
    bootstrap = train_tokenizer([GENERAL_TEXT])
    write_tokenizer(out, bootstrap, template)
    renderer = AutoTokenizer.from_pretrained(out)
    sample_texts = [renderer.apply_chat_template(c, tokenize=False) for pair in train_conversations[:4000] for c in pair[:2]]
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
    evaluation_pairs = encoded_pairs(evaluation_conversations)
    print(f"encoded {len(train_pairs)} + {len(evaluation_pairs)} pairs in {time.time() - started:.0f}s, "
          f"longest {max(len(c) for pair in train_pairs for c in pair)} tokens", flush=True)

    model = Qwen3ForSequenceClassification(model_config(len(tokenizer), pad_id))
    parameters = sum(p.numel() for p in model.parameters())
    started = time.time()
    log = train(model, train_pairs, evaluation_pairs, pad_id, args.steps, args.batch_pairs, SEED)
    train_seconds = time.time() - started
    model.to(torch.bfloat16).save_pretrained(out)

    # Everything below reads the saved directory back, never the trained model in memory.
    reference = load_reference(out)
    m = {"parameters": parameters, "vocab_size": len(tokenizer), "size": (out / "model.safetensors").stat().st_size,
         "steps": args.steps, "batch_pairs": args.batch_pairs, "train_seconds": train_seconds,
         "train_pairs": len(train_pairs), "pairs": len(evaluation_pairs)}
    seen = {(tuple(c), tuple(r)) for c, r in train_pairs}
    m["seen"] = sum((tuple(c), tuple(r)) in seen for c, r in evaluation_pairs) / len(evaluation_pairs)
    m["accuracy"] = pairwise_accuracy(reference, evaluation_pairs, pad_id)
    print(f"pairwise accuracy of the saved model: {m['accuracy']:.4f} "
          f"({m['seen']:.1%} of the pairs also among the training pairs)", flush=True)
    m["by_kind"] = {}
    for kind in WRONG_KINDS:
        subset = [pair for pair, c in zip(evaluation_pairs, evaluation_conversations) if c[2] == kind]
        m["by_kind"][kind] = (pairwise_accuracy(reference, subset, pad_id), len(subset))
        print(f"  rejected {kind}: {m['by_kind'][kind][0]:.4f} of {len(subset)} pairs", flush=True)
    groups_rng = random.Random(SEED + 3)
    for size, count in ((4, 2000), (8, 1000)):
        m[f"best_of_{size}"] = best_of_n_accuracy(reference, tokenizer, best_of_n_groups(groups_rng, count, [size]), pad_id)
        m[f"best_of_{size}_groups"] = count
        print(f"best of {size}: the argmax is right in {m[f'best_of_{size}']:.4f} of {count} groups", flush=True)
    m["table_below"], m["table_failures"] = table_check(reference, tokenizer, pad_id)
    print(f"table: the right result scores highest in {len(FACTS) - len(m['table_failures'])} of {len(FACTS)} "
          f"questions, above {m['table_below']} of {len(FACTS) * 99} wrong results", flush=True)

    conversations = []
    for messages in reference_conversations():
        text, ids = encode(tokenizer, messages)
        assert pad_id not in ids, "a pad id would move transformers' pooling position"
        conversations.append({"messages": messages, "text": text, "ids": ids, "score": reference_score(reference, ids)})
    groups, picked = [], 0
    for group in best_of_n_groups(random.Random(SEED + 1), 6, [4, 5, 6, 7, 8], system_every=2):
        scores_ = []
        for candidate in group["candidates"]:
            _, ids = encode(tokenizer, group["prompt"] + [{"role": "assistant", "content": candidate}])
            scores_.append(reference_score(reference, ids))
        argmax = max(range(len(scores_)), key=lambda i: (scores_[i], -i))  # first of equal maxima
        picked += argmax == group["correct"]
        groups.append({"prompt": group["prompt"], "candidates": group["candidates"], "scores": scores_,
                       "argmax": argmax, "correct": group["correct"]})
    m["picked"], m["groups"] = picked, len(groups)
    print(f"expected.json: argmax picks the correct answer in {picked} of {len(groups)} groups", flush=True)
    expected = {"conversations": conversations, "groups": groups}
    (out / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    write_model_card(out, m, log)


if __name__ == "__main__":
    main()
