#!/usr/bin/env python3
"""Writes the tokenizer test corpus and the ids the `tokenizers` library gives for it.

usage: make-tokenizer-references.py DATA_DIR

DATA_DIR holds llama3/tokenizer.json and qwen3/tokenizer.json (scripts/fetch-test-tokenizers.sh
makes them); the small tokenizers are the committed ones under
Tests/WinnowTokenizerTests/References/tokenizers/ (scripts/build-test-tokenizers.py makes them).

Writes Tests/WinnowTokenizerTests/References/corpus.json (the strings) and expected-<name>.json, one
case per corpus string: encode(s, add_special_tokens=False).ids, the same with True, the token
strings (id_to_token) and token_to_id of those, decode(ids) with and without skip_special_tokens, and decode([id]) of each
of the first ids (which exercises partial-UTF-8 repair). Also normalizers.json: each normalizer
type alone (NFC, NFD, NFKC, NFKD, StripAccents, Lowercase) on the corpus and on random
starter/mark sequences.
"""
import json
import os
import random
import sys

from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCES = os.path.join(HERE, "..", "Tests", "WinnowTokenizerTests", "References")
SINGLE_ID_DECODES = 48


def hand_written():
    return [
        # Plain text, spacing at the ends, runs of spaces.
        "Hello world", "Hello, world!", " Hello", "Hello ", "  Hello  world  ", "a  b", "a   b", "a    b c",
        "", " ", "  ", "   ", "The quick brown fox jumps over the lazy dog.",
        "Reward models score completions; the best one is selected.",
        # Contractions, in every case, and look-alikes.
        "don't", "DON'T", "Don'T", "I'M HERE", "we'LL see", "they've", "THEY'VE", "you'd", "it's", "IT'S",
        "'s", "'S", "'re", "'Re", "'ll", "'LL", "'d", "'t", "'m", "'x", "''", "'", "' s", "'s'", "Y'all",
        "rock'n'roll", "it’s curly", "o'clock", "'ſ long s", "He'ſ", "'sss", "'resume'",
        # Digits and numbers.
        "1", "12", "123", "1234", "12345", "1234567890", "3.14159", "1,000,000", "0000000", "x1y22z333w4444",
        "2025-01-31T12:34:56Z", "v1.2.3-rc.4", "٣٤٥ Arabic-Indic", "①②③", "Ⅻ Roman", "¾ and ½", "१२३ देवनागरी",
        "+1 (555) 123-4567", "1e-10", "0x1F", "123abc456", "abc123def", " 123", "  456",
        # Whitespace of every kind.
        "\t", "\t\tx", "a\tb", "a\nb", "a\r\nb", "\n", "\n\n", "\n\n\n", "\r", "\r\n", "\r\r\n", " \n ",
        "x \n\n y", "x\n \n y", "line one\nline two\n", "end with spaces   ", "   start with spaces",
        "a \t \n \r\n b", "tabs\t\tand  spaces \t", "\u00a0nbsp", "x\u00a0y", "\u3000ideographic space",
        "a\u2028b", "a\u2029b", "a\u0085b", "zero\u200bwidth", "\ufeffBOM", "mongolian\u180evowel", "thin\u2009space",
        "vt\x0bff\x0c", "  \n\n  \n", "!!!\n\n", " {\n", "};\r\n", "x  \n", "foo \r\n\r\n bar", " \u00a0 x",
        # CJK and other scripts.
        "你好，世界！", "北京是中国的首都。", "日本語のテキストです。", "東京タワー", "한국어 텍스트입니다.", "안녕하세요",
        "ＡＢＣ１２３ fullwidth", "中文English混合text", "Привет, мир!", "Ελληνικά γράμματα", "مرحبا بالعالم",
        "שָׁלוֹם", "नमस्ते दुनिया", "สวัสดีครับ", "ሰላም", "Tiếng Việt có dấu", "ジョン・スミス", "한글a한글",
        # Emoji: ZWJ sequences, skin tones, flags, keycaps.
        "👍", "👍🏽", "👍🏿👍🏻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "🇫🇷🇩🇪🇯🇵", "🧑🏿‍💻", "😀😃😄😁", "1️⃣", "text👍text",
        " 👍", "👍 ", "emoji 🎉 party 🎊", "🤷‍♀️", "👩🏽‍🚀 astronaut",
        # Combining marks and decomposed accents (NFC matters for Qwen).
        "e\u0301", "cafe\u0301", "café", "n\u0303", "ñ", "A\u030a", "Å", "\u212b angstrom", "\u1e9b\u0323",
        "\u1100\u1161\u11a8 jamo", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇", "o\u0308\u0301", "e\u0301e\u0301e\u0301", " \u0301", "\u0301",
        "ﬁ ligature", "Ｈｅｌｌｏ", "ß straße", "İstanbul", "ΣΑΣ σας", "ǅungla", "x²+y²=z²", "α+β=γ",
        # Supplementary-plane starters before combining marks: Foundation's NFC on Linux composes
        # U+E0069 U+0300 into U+00EC (it truncates the starter to 16 bits); real astral compositions.
        "\U000e0069\u0300", "x\U000e0059\u0302y", "\U00010041\u0301", "\U000200e0\u0301", "\U0001d400\u0301",
        "\U00011099\U000110ba", "\U00011131\U00011127", "\U00011935\U00011930", "\U0002f800", "\U0001d15e",
        "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
        # Scalars newer than Unicode 9.0, which tokenizers' normalization tables predate.
        "a\U00011930", "\u0b55x", "\U0001fbf5 segmented digit", "a\u1ac1\u0316", "\u0d00", "e\u0301\u1ac1",
        # Code and markup.
        "def f(x):\n    return x ** 2\n", "for (int i = 0; i < n; ++i) { sum += a[i]; }",
        "{\"key\": [1, 2, {\"nested\": null}], \"b\": true}", "<div class=\"x\">Hi &amp; bye</div>",
        "SELECT * FROM t WHERE a >= 10 AND b <> 'x';", "ls -la | grep \"*.swift\" > out.txt 2>&1",
        "std::vector<std::pair<int, std::string>> v;", "| a | b |\n|---|---|\n| 1 | 2 |",
        "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$", "#!/usr/bin/env python3", "x=>x*2", "a&&b||!c",
        "C:\\Windows\\System32", "https://example.com/path?q=1&r=2#frag", "user@example.com", "@mention #hashtag",
        "    indented code", "\tdef g():\n\t\tpass", "// comment\n/* block */", "if(a){b();}else{c();}",
        # Punctuation runs and symbols.
        "...", "?!", "!!!", "(a)", "\"quoted\"", "'single'", "it's 'quoted'", "€100", "$5.99", "50%", "©®™",
        "→←↑↓", "∀x∈ℝ", "----", "====", "***", "~~~", "a.b.c", "Hello,world", "—em dash—", "«guillemets»",
        # Control characters.
        "\x00", "a\x00b", "\x01\x02\x03", "\x1b[31mred\x1b[0m", "\x7f", "back\x08space", "\x1f\x1e",
        # Llama-3 special tokens, whole, repeated, inside words and half-written.
        "<|begin_of_text|>", "<|begin_of_text|>Hello", "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
        "<|eot_id|><|eot_id|>", "x<|eot_id|>y", " <|eot_id|> ", "<|reserved_special_token_5|>", "<|eot_id",
        "<|begin_of_text", "|>", "<|", "<|end_of_text|>",
        # Qwen special and added tokens.
        "<|im_start|>user\nhello<|im_end|>\n", "<|im_start|>", "<|im_sta", "<|im_start", "<|im_start|",
        "<|im_start|><|im_start|>", "<|im_end|>x", "<think>\nreasoning\n</think>\n\nanswer", "<think></think>",
        "<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call>", "<|endoftext|>", "text<|endoftext|>text",
        "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>", "<think", "think>", "< think >",
        # Gemma-style test tokens: lstrip / rstrip / single_word / normalized.
        "<bos>", "<bos>hello", "<start_of_turn>user\nHi<end_of_turn>\n", "x <mask> y", "x   <mask>y", "<mask>",
        "  <mask>", "<sep>   after", "<sep>", "a<sep>\n\nb", " <both>  ", "x<both>y", "x  <both>  y",
        "word", "words", "sword", "a word.", "word_word", "(word)", "word2", "éword", "wordé", "good morning",
        "good  morning", "Good morning", "good morningstar", "<s>", "</s>", "<pad>", "<0x41>", "<unk>",
        # Long words and long runs.
        "supercalifragilisticexpialidocious", "pneumonoultramicroscopicsilicovolcanoconiosis" * 3,
        "a" * 1000, "ab" * 300, "x" * 257, " " * 100, "😀" * 50, "1" * 100, "!" * 60, "-" * 80, "\n" * 20,
        "中" * 200, "https://example.com/" + "very-long-path-segment/" * 20, "Ä" * 64, "e\u0301" * 40,
    ]


def fuzzed(count=60, seed=20250131):
    """Random strings from a palette of troublesome pieces; fixed seed, committed output."""
    palette = [
        "a", "Z", "é", "e\u0301", "ß", "ſ", "'", "'s", "'LL", " ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0",
        "\u3000", "1", "22", "333", "4444", "①", "中", "文", "日", "ア", "한", "👍", "🏽", "\u200d", "👨",
        "\ufe0f", "!", "?", ".", ",", "-", "_", "(", ")", "{", "}", "<", ">", "|", "<|im_start|>", "<|eot_id|>",
        "<think>", "<mask>", "<sep>", "<both>", "word", "good morning", "\x00", "\x1b", "\u0301", "\u0308",
        "hello", "World", "THE", "ÅÖ", "Σ", "ς", "İ", "ﬁ", "½", "²", "\u2028", "\u0085",
    ]
    rng = random.Random(seed)
    return ["".join(rng.choice(palette) for _ in range(rng.randint(1, 24))) for _ in range(count)]


# Blocks assigned long ago (Unicode <= 6), so \p{L}/\p{N}/\s agree across the Unicode versions
# of Oniguruma and Swift.
CODE_POINT_BLOCKS = [
    (0x20, 0x7E), (0xA0, 0xFF), (0x100, 0x24F), (0x250, 0x2AF), (0x2B0, 0x2FF), (0x300, 0x36F),
    (0x370, 0x3FF), (0x400, 0x4FF), (0x531, 0x587), (0x5D0, 0x5EA), (0x600, 0x6FF), (0x900, 0x97F),
    (0xE01, 0xE5B), (0x1100, 0x11FF), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x2070, 0x209F),
    (0x20A0, 0x20B5), (0x2100, 0x214F), (0x2150, 0x218F), (0x2190, 0x21FF), (0x2200, 0x22FF),
    (0x2460, 0x24FF), (0x2500, 0x257F), (0x3000, 0x303F), (0x3040, 0x309F), (0x30A0, 0x30FF),
    (0x4E00, 0x9FA5), (0xAC00, 0xD7A3), (0xE000, 0xE0FF), (0xFB00, 0xFB06), (0xFE00, 0xFE0F),
    (0xFF01, 0xFF5E), (0xFFF9, 0xFFFD), (0x1D400, 0x1D4FF), (0x1F300, 0x1F5FF), (0x1F600, 0x1F64F),
    (0x20000, 0x2A6D6), (0xE0020, 0xE007F),
]


def random_code_points(count=120, seed=424242):
    """Random scalars from many blocks, with ASCII spaces, digits and apostrophes mixed in."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        chars = []
        for _ in range(rng.randint(1, 40)):
            roll = rng.random()
            if roll < 0.15:
                chars.append(rng.choice([" ", " ", "  ", "\n", "\t", "'", "'s", "0", "12", "345"]))
            else:
                lo, hi = rng.choice(CODE_POINT_BLOCKS)
                chars.append(chr(rng.randint(lo, hi)))
        out.append("".join(chars))
    return out


NORMALIZER_FORMS = ["NFC", "NFD", "NFKC", "NFKD", "StripAccents", "Lowercase"]


def normalizer_strings(count=1200, seed=31337):
    """Starters and marks in random order: composition, reordering, blocking, astral starters, scalars
    newer than tokenizers' Unicode 9.0 tables."""
    marks = [0x300, 0x301, 0x302, 0x308, 0x316, 0x323, 0x327, 0x334, 0x345, 0x3099, 0x309A, 0x05B0, 0x0F71,
             0x0CD5, 0x1161, 0x11A8, 0x110BA, 0x11127, 0x1133E, 0x11357, 0x114BA, 0x114B0, 0x114BD, 0x115AF,
             0x11930, 0x1D165, 0x1D16D, 0x0D00, 0x11A01, 0x1DF6, 0x07FD, 0x1E130, 0x0B55, 0x1AC1, 0x0898,
             0x0CF3, 0x11F00, 0x10EFD, 0x1DFA]
    starters = [0x61, 0x41, 0x65, 0x69, 0x4F, 0x3A3, 0x3C3, 0x130, 0xDF, 0x304B, 0x30AB, 0x1100, 0xAC00,
                0xE0069, 0xE0041, 0x10041, 0x20041, 0x200E0, 0x1D400, 0x1D41A, 0x11099, 0x1109B, 0x110A5,
                0x11131, 0x11132, 0x11347, 0x114B9, 0x115B8, 0x115B9, 0x11935, 0x2F800, 0x1D15E, 0xFB01,
                0x212B, 0x2126, 0x1F1E6, 0x2460, 0xFF21, 0x1FBF5, 0x1F16A, 0x9FEA, 0x31350, 0x0C5D, 0x1E900]
    rng = random.Random(seed)
    return ["".join(chr(rng.choice(starters if rng.random() < 0.5 else marks)) for _ in range(rng.randint(1, 10)))
            for _ in range(count)]


def write_normalizer_references(strings):
    from tokenizers import normalizers
    out = {"forms": NORMALIZER_FORMS, "strings": strings, "normalized": {}}
    for form in NORMALIZER_FORMS:
        normalizer = getattr(normalizers, form)()
        out["normalized"][form] = [normalizer.normalize_str(s) for s in strings]
    with open(os.path.join(REFERENCES, "normalizers.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)
        f.write("\n")


def corpus():
    strings = hand_written() + fuzzed() + fuzzed(count=60, seed=7) + random_code_points()
    seen, unique = set(), []
    for s in strings:
        if s not in seen:
            seen.add(s)
            unique.append(s)
    return unique


def tokenizer_files(data_dir):
    small = os.path.join(REFERENCES, "tokenizers")
    files = {name: os.path.join(small, name, "tokenizer.json") for name in sorted(os.listdir(small))}
    for name in ("llama3", "qwen3"):
        files[name] = os.path.join(data_dir, name, "tokenizer.json")
    return files


def expected(tokenizer, strings):
    cases = []
    for s in strings:
        ids = tokenizer.encode(s, add_special_tokens=False).ids
        cases.append({
            "ids": ids,
            "ids_with_special_tokens": tokenizer.encode(s, add_special_tokens=True).ids,
            "tokens": [tokenizer.id_to_token(i) for i in ids],
            "token_to_id_of_tokens": [tokenizer.token_to_id(tokenizer.id_to_token(i)) for i in ids],
            "decoded": tokenizer.decode(ids, skip_special_tokens=False),
            "decoded_skip_special": tokenizer.decode(ids, skip_special_tokens=True),
            "single_id_decodes": [tokenizer.decode([i], skip_special_tokens=False) for i in ids[:SINGLE_ID_DECODES]],
        })
    return cases


def main():
    data_dir = sys.argv[1]
    strings = corpus()
    with open(os.path.join(REFERENCES, "corpus.json"), "w", encoding="utf-8") as f:
        json.dump(strings, f, ensure_ascii=False, indent=0)
        f.write("\n")
    write_normalizer_references(strings + normalizer_strings())
    import tokenizers
    for name, path in tokenizer_files(data_dir).items():
        tokenizer = Tokenizer.from_file(path)
        out = {"tokenizer": name, "tokenizers_version": tokenizers.__version__, "strings": len(strings),
               "cases": expected(tokenizer, strings)}
        with open(os.path.join(REFERENCES, f"expected-{name}.json"), "w", encoding="utf-8") as f:
            f.write("{\n")
            for key in ("tokenizer", "tokenizers_version", "strings"):
                f.write(f" {json.dumps(key)}: {json.dumps(out[key])},\n")
            f.write(' "cases": [\n')
            f.write(",\n".join(json.dumps(c, ensure_ascii=False) for c in out["cases"]))
            f.write("\n ]\n}\n")
        print(name, len(strings), "cases")


if __name__ == "__main__":
    main()
