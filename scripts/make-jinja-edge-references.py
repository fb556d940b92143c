#!/usr/bin/env python3
"""Render the Jinja numeric edge cases with the real Jinja2 (PyPI), in the sandbox transformers uses.

Writes Tests/WinnowJinjaTests/References/edge-cases.json in the layout of cases.json. Python's ints
are unbounded and WinnowJinja's are 64-bit: where Jinja2's result does not fit (`beyond_int64`),
the Swift test expects a template error instead of Jinja2's digits; everywhere else the output
or the exception must match exactly. Needs only jinja2 (`pip install jinja2`):
  python3 scripts/make-jinja-edge-references.py
"""

import json
import os

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "WinnowJinjaTests", "References", "edge-cases.json")
MIN = -(2**63)
MAX = 2**63 - 1

# (name, template, context, beyond_int64)
CASES = [
    ("int min floor-divided by -1", "{{ x // -1 }}", {"x": MIN}, True),
    ("int min modulo -1", "{{ x % -1 }}", {"x": MIN}, False),
    ("int max floor-divided by -1", "{{ x // -1 }}", {"x": MAX}, False),
    ("int min floor-divided by 1", "{{ x // 1 }}", {"x": MIN}, False),
    ("negative modulo -1", "{{ -7 % -1 }}", {}, False),
    ("int min negated", "{{ -x }}", {"x": MIN}, True),
    ("abs of int min", "{{ x|abs }}", {"x": MIN}, True),
    ("abs of int max", "{{ x|abs }}", {"x": MAX}, False),
    ("round int to -25", "{{ 123456|round(-25) }}", {}, False),
    ("round int max to -25", "{{ x|round(-25) }}", {"x": MAX}, False),
    ("round int to -1 ties to even", "{{ 25|round(-1) }} {{ 35|round(-1) }} {{ -25|round(-1) }} {{ -35|round(-1) }}", {}, False),
    ("round large int to -1 exactly", "{{ 12345678901234567|round(-1) }}", {}, False),
    ("round int min to -3", "{{ x|round(-3) }}", {"x": MIN}, True),
    ("round int max to -3", "{{ x|round(-3) }}", {"x": MAX}, True),
    ("round int to -18", "{{ x|round(-18) }}", {"x": MAX}, False),
    ("round int max to -19", "{{ x|round(-19) }}", {"x": MAX}, True),
    ("round small int to -19", "{{ 4999999999999999999|round(-19) }}", {}, False),
    ("round float to -400", "{{ 1.5|round(-400) }} {{ -2.5e300|round(-400) }}", {}, False),
    ("round float to 400", "{{ 1.5|round(400) }}", {}, False),
    ("int filter base 1", "{{ '10'|int(base=1) }}", {}, False),
    ("int filter base 37", "{{ '10'|int(base=37) }}", {}, False),
    ("int filter base -5", "{{ '12'|int(base=-5) }}", {}, False),
    ("int filter base 0", "{{ '0x1f'|int(base=0) }} {{ '0o17'|int(base=0) }} {{ '0b101'|int(base=0) }}", {}, False),
    ("int filter of int min text", "{{ '-9223372036854775808'|int }}", {}, False),
    ("int filter of text beyond int64", "{{ '9223372036854775808'|int }}", {}, True),
    ("int filter of 1e300", "{{ 1e300|int }}", {}, True),
    ("int filter of inf text", "{{ 'inf'|int }} {{ 'nan'|int }}", {}, False),
    ("int filter of float text", "{{ '42.9'|int }} {{ '-1e3'|int }}", {}, False),
    ("percent d of 1e300", "{{ '%d' % 1e300 }}", {}, False),
    ("percent d of -1e20", "{{ '%d' % -1e20 }}", {}, False),
    ("percent d of 2**63 as float", "{{ '%d' % 9223372036854775808.0 }}", {}, False),
    ("percent d of float", "{{ '%d|%+d|% d' % (3.9, -3.9, 2.5) }}", {}, False),
    ("percent d of nan", "{{ '%d' % (x|float) }}", {"x": "nan"}, False),
    ("percent d of inf", "{{ '%d' % (x|float) }}", {"x": "-inf"}, False),
    ("percent c out of range", "{{ '%c' % 1114112 }}", {}, False),
    ("percent c negative", "{{ '%c' % -1 }}", {}, False),
    ("percent c of int beyond 32 bits", "{{ '%c' % 4294967361 }}", {}, False),
    ("percent c in range", "{{ '%c%c' % (65, 128512) }}", {}, False),
    ("percent width too big", "{{ '%99999999999999999999d' % 1 }}", {}, False),
    ("percent precision too big", "{{ '%.99999999999999999999f' % 1 }}", {}, False),
    ("int overflow on multiply", "{{ x * 2 }}", {"x": MAX}, True),
    ("int overflow on add", "{{ x + 1 }}", {"x": MAX}, True),
    ("int overflow on subtract", "{{ x - 1 }}", {"x": MIN}, True),
    ("int power overflow", "{{ 2 ** 64 }}", {}, True),
    ("int power that fits", "{{ 2 ** 62 }} {{ (-2) ** 63 }} {{ 1 ** x }} {{ (-1) ** x }}", {"x": MAX}, False),
    ("float power overflow", "{{ 10.0 ** 400 }}", {}, False),
    ("range beyond the sandbox limit", "{{ range(x)|length }}", {"x": MAX}, False),
    ("range from int min to int max", "{{ range(x, y)|length }}", {"x": MIN, "y": MAX}, False),
    ("range with int min step", "{{ range(5, -5, x)|list }}", {"x": MIN}, False),
    ("range with huge step", "{{ range(x, y, y)|list }}", {"x": MIN, "y": MAX}, False),
    ("range near int max", "{{ range(y - 5, y, 2)|list }}", {"y": MAX}, False),
    ("str.format negative index", "{{ '{-1}'.format(1) }}", {}, False),
    ("str.format signed index", "{{ '{+0}'.format(1) }}", {}, False),
    ("index with int min", "{{ [1, 2][x] is defined }}", {"x": MIN}, False),
    ("slice with int min step", "{{ [1, 2, 3][::x] }}", {"x": MIN}, False),
    ("slice with int max bounds", "{{ 'abc'[x:y] }} {{ 'abc'[y:x:-1] }}", {"x": MIN, "y": MAX}, False),
]


def main():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=["jinja2.ext.loopcontrols"])
    cases = []
    for name, source, context, beyond in CASES:
        case = {"name": name, "template": source, "context": context}
        if beyond:
            case["beyond_int64"] = True
        try:
            case["expected"] = env.from_string(source).render(**context)
        except Exception as exc:  # noqa: BLE001 - every failure is a reference too
            case["error"] = {"kind": type(exc).__name__, "message": str(exc), "line": getattr(exc, "lineno", None)}
        cases.append(case)
    # NaN and infinity are not JSON: cases make them from strings inside the template (as a
    # literal, Jinja2's constant folding would emit a bare `nan` and fail with NameError).
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"generator": "scripts/make-jinja-edge-references.py", "jinja2": jinja2.__version__,
                   "strftime_now": "2026-03-07T14:05:09", "cases": cases}, f, ensure_ascii=False, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
