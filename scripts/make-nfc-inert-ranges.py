#!/usr/bin/env python3
"""Prints the NFC-inert scalar ranges used by Sources/ChatText/Tokenizer/UnicodeNormalizer.swift.

A scalar is NFC-inert when NFC leaves any text made only of such scalars unchanged: combining class
0, its own NFC, and never the second half of a canonical composition (Hangul V and T jamo
included). Unassigned code points count as inert: tokenizers' Unicode 9.0 tables treat them so.
Only ranges of at least 48 scalars are printed, to keep the table small; text with other scalars
takes the full normalization path, which is exact anyway. Made with Python's unicodedata.
"""
import unicodedata

seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
for cp in range(0x110000):
    d = unicodedata.decomposition(chr(cp))
    if d and not d.startswith("<"):
        parts = d.split()
        if len(parts) == 2:
            seconds.add(int(parts[1], 16))


def inert(cp):
    if 0xD800 <= cp < 0xE000:
        return False
    c = chr(cp)
    if unicodedata.category(c) == "Cn":
        return True
    return unicodedata.combining(c) == 0 and unicodedata.normalize("NFC", c) == c and cp not in seconds


ranges, start = [], None
for cp in range(0x30000):
    if inert(cp):
        start = cp if start is None else start
    elif start is not None:
        ranges.append((start, cp))
        start = None
if start is not None:
    ranges.append((start, 0x30000))
print(f"// unicodedata {unicodedata.unidata_version}")
print(",\n".join(f"(0x{a:X}, 0x{b:X})" for a, b in ranges if b - a >= 48))
