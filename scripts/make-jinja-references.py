#!/usr/bin/env python3
"""Render the Jinja reference cases with the real Jinja2, set up exactly as transformers sets it up.

Writes Tests/WinnowJinjaTests/References/cases.json: a list of cases, each a template (inline text or a
file under References/templates/), the context the template sees, and either the expected output
or the error Jinja2 raises (exception class name, message, template line).

Two kinds of cases:
  * focused cases: small templates, one feature each, rendered by transformers' own compiled
    environment (`_cached_compile_jinja_template`: ImmutableSandboxedEnvironment with
    trim_blocks, lstrip_blocks, loopcontrols, the generation extension, raise_exception,
    strftime_now, tojson, dict, namespace);
  * chat-template cases: the real Qwen3 / Llama-3.1 / Llama-3.2 / Gemma-2 templates over many
    conversations, rendered through transformers' `render_jinja_template` (the code path of
    `apply_chat_template`); the keyword arguments it hands to `Template.render` are captured
    and stored as the case's context, so the Swift side sees exactly what Jinja2 saw.

`strftime_now` is pinned to FIXED_NOW so the references are deterministic; the Swift tests pass
the same instant (in UTC) to `Template.render(_:now:timeZone:)`.

Dev-time only (needs transformers + jinja2): run from the repository root with
  .venv/bin/python scripts/make-jinja-references.py
If .venv is missing: python3 -m venv .venv && .venv/bin/pip install transformers jinja2
"""

import datetime
import json
import os
import sys
import traceback
import warnings

import jinja2
import transformers
from transformers.utils import chat_template_utils as ctu

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF_DIR = os.path.join(ROOT, "Tests", "WinnowJinjaTests", "References")
TEMPLATE_DIR = os.path.join(REF_DIR, "templates")
FIXED_NOW = datetime.datetime(2026, 3, 7, 14, 5, 9)
# Jinja2 compiles `1[1:]` to Python that CPython warns about; the warnings are noise here.
warnings.filterwarnings("ignore", category=SyntaxWarning)


def fixed_strftime_now(fmt):
    return FIXED_NOW.strftime(fmt)


def error_record(exc):
    """Class name, message and template line of a Jinja2 failure."""
    line = getattr(exc, "lineno", None)
    if line is None:
        # Jinja2 rewrites tracebacks so that template frames carry the template line.
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename == "<template>":
                line = frame.lineno
    message = exc.message if isinstance(exc, jinja2.TemplateSyntaxError) else str(exc)
    return {"kind": type(exc).__name__, "message": message, "line": line}


def compile_template(source):
    """A fresh template from transformers' environment, with the clock pinned."""
    template = ctu._cached_compile_jinja_template(source)
    template.globals["strftime_now"] = fixed_strftime_now
    return template


def render_focused(name, source, context):
    # Store the context as it was before rendering: Jinja2 can mutate it (the indent filter
    # does `s += "\n"`, which extends a list in place), and contexts are shared between cases.
    case = {"name": name, "template": source, "context": json.loads(json.dumps(context))}
    context = json.loads(json.dumps(context))
    try:
        case["expected"] = compile_template(source).render(**context)
    except Exception as exc:  # noqa: BLE001 - every failure is a reference too
        case["error"] = error_record(exc)
    return case


def render_chat(name, template_file, messages, add_generation_prompt, special_tokens, tools=None,
                documents=None, **kwargs):
    """Render as tokenizer.apply_chat_template does, capturing the context the template sees."""
    with open(os.path.join(TEMPLATE_DIR, template_file), encoding="utf-8") as f:
        source = f.read()
    compiled = ctu._compile_jinja_template(source)  # the lru-cached template transformers uses
    compiled.globals["strftime_now"] = fixed_strftime_now
    captured = {}
    original_render = type(compiled).render

    def capture(*args, **render_kwargs):
        captured.update(json.loads(json.dumps(render_kwargs)))  # a copy from before the render
        return original_render(compiled, *args, **render_kwargs)

    compiled.render = capture
    # apply_chat_template drops None-valued message keys, then merges special tokens under kwargs.
    conversation = [{k: v for k, v in m.items() if v is not None} for m in messages]
    template_kwargs = {**special_tokens, **kwargs}
    case = {"name": name, "template_file": template_file}
    try:
        rendered, _ = ctu.render_jinja_template(
            conversations=[conversation], tools=tools, documents=documents, chat_template=source,
            add_generation_prompt=add_generation_prompt, **template_kwargs)
        case["expected"] = rendered[0]
    except Exception as exc:  # noqa: BLE001
        case["error"] = error_record(exc)
    finally:
        del compiled.render
    case["context"] = captured
    # The captured context must reproduce the output on its own.
    direct = render_focused(name, source, captured)
    assert direct.get("expected") == case.get("expected") and direct.get("error") == case.get("error"), name
    return case


# ---------------------------------------------------------------------------------------------
# Focused cases: (name, template, context)

MSGS = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello!"},
]
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather in a city, e.g. \"Zürich\".",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                       "required": ["city"]},
    },
}

FOCUSED = [
    # --- text, comments, whitespace control, trim_blocks / lstrip_blocks
    ("plain text", "Hello, world!", {}),
    ("empty template", "", {}),
    ("trailing newline dropped", "line\n", {}),
    ("two trailing newlines", "line\n\n", {}),
    ("crlf normalised", "a\r\nb\rc", {}),
    ("variable", "Hello {{ name }}!", {"name": "Ada"}),
    ("comment removed", "a{# note #}b", {}),
    ("comment trims newline", "a\n{# note #}\nb", {}),
    ("comment lstrip", "a\n    {# note #}\nb", {}),
    ("comment minus", "a   {#- note -#}   b", {}),
    ("multiline comment", "x{# one\ntwo\nthree #}y {{ undefined_thing.attr }}", {}),
    ("trim_blocks newline after block", "{% if true %}\nyes\n{% endif %}\nend", {}),
    ("trim_blocks only one newline", "{% if true %}\n\nyes{% endif %}", {}),
    ("lstrip spaces before block", "a\n    {% if true %}b{% endif %}", {}),
    ("lstrip tabs before block", "a\n\t\t{% if true %}b{% endif %}", {}),
    ("no lstrip after text", "a  {% if true %}b{% endif %}", {}),
    ("no lstrip before variable", "a\n    {{ 'b' }}", {}),
    ("lstrip at template start", "   {% if true %}x{% endif %}", {}),
    ("plus disables lstrip", "a\n    {%+ if true %}b{% endif %}", {}),
    ("plus disables trim", "{% if true +%}\nb{% endif %}", {}),
    ("minus strips before", "a   \n  {%- if true %}b{% endif %}", {}),
    ("minus strips after", "{% if true -%}   \n\n  b{% endif %}", {}),
    ("variable minus both", "a  \n {{- 'x' -}} \n b", {}),
    ("variable keeps newline", "{{ 'x' }}\ny", {}),
    ("lstrip after variable end", "{{ 'x' }}\n  {% if true %}y{% endif %}", {}),
    ("indented loop", "<ul>\n  {% for i in items %}\n    <li>{{ i }}</li>\n  {% endfor %}\n</ul>", {"items": [1, 2]}),
    ("raw block", "{% raw %}{{ not evaluated }} {% if %}{% endraw %}", {}),
    ("raw block newline", "{% raw %}\nkeep{% endraw %}\nafter", {}),
    ("raw minus", "x   {%- raw -%}   y   {%- endraw -%}   z", {}),
    ("lstrip before raw", "a\n   {% raw %}r{% endraw %}", {}),
    ("unicode text", "héllo 👋 {{ s }} — 中文", {"s": "naïve ☃"}),
    # --- literals and str()
    ("string escapes", "{{ 'a\\tb\\nc\\\\d\\'e' }}|{{ \"q\\\"q\" }}", {}),
    ("unicode escapes", "{{ '\\u00e9\\x41\\U0001F600' }}", {}),
    ("unknown escape kept", "{{ 'a\\db' }}", {}),
    ("adjacent strings", "{{ 'a' 'b' \"c\" }}", {}),
    ("integers", "{{ 42 }} {{ -7 }} {{ 1_000 }}", {}),
    ("floats", "{{ 1.5 }} {{ 2.0 }} {{ 1e3 }} {{ 0.1 + 0.2 }} {{ 1e-7 }} {{ 1e20 }} {{ 123456789.125 }}", {}),
    ("booleans and none", "{{ true }} {{ False }} {{ none }} {{ None }}", {}),
    ("list repr", "{{ [1, 'a', none, true, 2.5, [\"x\"]] }}", {}),
    ("tuple repr", "{{ (1, 'a') }} {{ (1,) }} {{ () }}", {}),
    ("dict repr", "{{ {'a': 1, 'b': [1, 2], 'c': {'d': none}} }}", {}),
    ("string repr quotes", "{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'nl\\n'] }}", {}),
    ("context values str", "{{ i }} {{ f }} {{ b }} {{ n }} {{ l }} {{ d }}",
     {"i": 3, "f": 0.5, "b": True, "n": None, "l": [1, "x"], "d": {"k": "v", "z": 1.0}}),
    ("float repr large", "{{ f1 }} {{ f2 }} {{ f3 }} {{ f4 }}", {"f1": 1e16, "f2": 1e15, "f3": 0.0001, "f4": 0.00001}),
    # --- attribute / item access
    ("dict dot access", "{{ m.role }}:{{ m['content'] }}", {"m": {"role": "user", "content": "hi"}}),
    ("nested access", "{{ a.b.c }} {{ a['b']['c'] }} {{ l[1].x }}", {"a": {"b": {"c": 5}}, "l": [{"x": 1}, {"x": 2}]}),
    ("negative index", "{{ l[-1] }} {{ s[0] }} {{ s[-1] }}", {"l": [1, 2, 3], "s": "héllo"}),
    ("dot integer index", "{{ l.0 }} {{ l.1 }}", {"l": ["a", "b"]}),
    ("missing key prints empty", "[{{ m.nope }}][{{ m['nope'] }}][{{ l[9] }}]", {"m": {"a": 1}, "l": [1]}),
    ("dict method beats key", "{{ m.items is defined }} {{ m['items'] }}", {"m": {"items": "value"}}),
    ("slices", "{{ l[1:] }} {{ l[:2] }} {{ l[::-1] }} {{ l[::2] }} {{ l[-2:] }} {{ s[1:3] }} {{ s[::-1] }}",
     {"l": [1, 2, 3, 4, 5], "s": "abcdé"}),
    ("slice out of range", "{{ l[5:10] }} {{ l[-10:1] }} {{ l[3:1] }} {{ l[3:1:-1] }}", {"l": [1, 2, 3, 4]}),
    ("messages slice", "{% for m in messages[1:] %}{{ m.role }} {% endfor %}", {"messages": MSGS}),
    ("undefined attribute error", "{{ m.a.b }}", {"m": {}}),
    ("undefined variable attribute error", "line1\n{{ nothing.attr }}", {}),
    ("none attribute undefined", "[{{ n.attr }}]", {"n": None}),
    ("index on undefined errors", "{{ x[0] }}", {}),
    ("list element undefined message", "{{ l[5] + 1 }}", {"l": [1]}),
    ("string method", "{{ s.upper() }} {{ s.lower() }} {{ s.title() }} {{ s.capitalize() }}", {"s": "hELLo wORLD they're"}),
    ("str split", "{{ s.split() }} {{ s.split(',') }} {{ s.split(',', 1) }} {{ s.rsplit(',', 1) }}",
     {"s": " a,b , c,d "}),
    ("str strip family", "[{{ s.strip() }}][{{ s.lstrip() }}][{{ s.rstrip() }}][{{ t.strip('x') }}][{{ t.rstrip('\\n') }}]",
     {"s": "  \t pad \n ", "t": "xxhixx\n\n"}),
    ("startswith endswith", "{{ s.startswith('ab') }} {{ s.endswith('yz') }} {{ s.startswith(('x', 'a')) }} {{ s.endswith('q') }}",
     {"s": "abcxyz"}),
    ("str replace find count", "{{ s.replace('a', 'o') }} {{ s.replace('a', 'o', 1) }} {{ s.find('n') }} {{ s.find('z') }} {{ s.count('a') }}",
     {"s": "banana"}),
    ("str format", "{{ '{} and {}'.format('a', 1) }} {{ '{0}{0}'.format('x') }} {{ '{name}!'.format(name='Bo') }}", {}),
    ("str join method", "{{ ', '.join(l) }}", {"l": ["a", "b", "c"]}),
    ("think split", "{{ c.split('</think>')[-1].lstrip('\\n') }}|{{ c.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}",
     {"c": "<think>\nreasoning here\n</think>\n\nanswer"}),
    ("dict methods", "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {{ d.keys() | list }} {{ d.values() | list }} {{ d.get('a') }} {{ d.get('z', 'dflt') }} {{ d.get('z') }}",
     {"d": {"b": 2, "a": 1}}),
    ("list append refused", "{% set l = [1] %}{{ l.append(2) }}", {}),
    ("list append unsafe prints empty", "[{{ l.append }}]", {"l": [1]}),
    ("dict update refused", "{{ d.update({'a': 1}) }}", {"d": {}}),
    ("dunder refused", "{{ s.__class__.__name__ }}", {"s": "x"}),
    ("dunder prints empty", "[{{ s.__class__ }}]", {"s": "x"}),
    # --- operators
    ("arithmetic ints", "{{ 7 + 3 }} {{ 7 - 10 }} {{ 7 * 3 }} {{ 7 / 2 }} {{ 7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ -7 // 2 }} {{ -7 % 3 }}", {}),
    ("arithmetic floats", "{{ 1.5 + 1 }} {{ 3.0 * 2 }} {{ 1 / 4 }} {{ 7.5 // 2 }} {{ 2 ** -1 }} {{ 10 / 5 }}", {}),
    ("pow left assoc", "{{ 2 ** 3 ** 2 }}", {}),
    ("bool arithmetic", "{{ true + 1 }} {{ false * 3 }}", {}),
    ("string concat ops", "{{ 'a' + 'b' }} {{ 'ab' * 3 }} {{ 1 ~ 'x' ~ none ~ true }} {{ [1] + [2] }}", {}),
    ("concat undefined", "[{{ 'a' ~ nothing ~ 'b' }}]", {}),
    ("str plus int error", "{{ 'a' + 1 }}", {}),
    ("int plus str error", "{{ 1 + 'a' }}", {}),
    ("undefined plus error", "{{ nothing + 1 }}", {}),
    ("division by zero", "{{ 1 / 0 }}", {}),
    ("floor division by zero", "{{ 1 // 0 }}", {}),
    ("comparisons", "{{ 1 < 2 }} {{ 2 <= 2 }} {{ 3 > 4 }} {{ 'a' < 'b' }} {{ 1 == 1.0 }} {{ 'a' != 'a' }} {{ [1, 2] < [1, 3] }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}", {}),
    ("equality across types", "{{ 1 == '1' }} {{ none == false }} {{ true == 1 }} {{ [1] == [1] }} {{ {'a': 1} == {'a': 1} }}", {}),
    ("compare str int error", "{{ 'a' < 1 }}", {}),
    ("in operator", "{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in d }} {{ 'z' not in d }} {{ 'x' in nothing }} {{ 1 in (1, 2) }}", {"d": {"k": 1}}),
    ("and or values", "{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ '' and 'b' }} {{ none or [] }} {{ nothing or 'fallback' }}", {}),
    ("not precedence", "{{ not true }} {{ not 1 == 2 }} {{ not x is defined }} {{ not (true and false) }}", {}),
    ("unary minus filter precedence", "{{ -3 | abs }} {{ -(3) }} {{ - l | length }}", {"l": [1, 2]}),
    ("truthiness", "{% for v in [0, 1, '', 'a', [], [0], {}, {'a': 1}, none, 0.0, 0.5] %}{{ 'T' if v else 'F' }}{% endfor %}", {}),
    ("inline if", "{{ 'yes' if x else 'no' }} {{ 'a' if false }}| {{ 1 if true else 2 if false else 3 }}", {"x": 1}),
    ("inline if undefined error", "{{ ('a' if false) + 'b' }}", {}),
    ("tuple expression", "{% set t = 1, 2 %}{{ t }} {{ t | length }}", {}),
    # --- if
    ("if elif else", "{% for x in [1, 2, 3] %}{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %} {% endfor %}", {}),
    ("if undefined falsy", "{% if nothing %}yes{% else %}no{% endif %}", {}),
    ("nested if", "{% if a %}{% if b %}ab{% else %}a{% endif %}{% endif %}", {"a": True, "b": False}),
    # --- for
    ("for basic", "{% for x in items %}{{ x }},{% endfor %}", {"items": ["a", "b", "c"]}),
    ("for loop variables", "{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}", {}),
    ("for previtem nextitem", "{% for x in [1, 2, 3] %}[{{ loop.previtem }}|{{ loop.nextitem }}]{% endfor %}", {}),
    ("for previtem defined", "{% for x in [1, 2] %}{{ loop.previtem is defined }}{% endfor %}", {}),
    ("for cycle", "{% for x in range(5) %}{{ loop.cycle('a', 'b') }}{% endfor %}", {}),
    ("for changed", "{% for x in [1, 1, 2, 2, 1] %}{{ loop.changed(x) }} {% endfor %}", {}),
    ("for tuple unpacking", "{% for k, v in d.items() %}{{ k }}:{{ v }} {% endfor %}", {"d": {"x": 1, "y": [2]}}),
    ("for over dict keys", "{% for k in d %}{{ k }}{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("for over string", "{% for c in 'hé!' %}[{{ c }}]{% endfor %}", {}),
    ("for filter", "{% for x in range(10) if x is odd %}{{ x }}{{ ',' if not loop.last }}{% endfor %}", {}),
    ("for filter loop length", "{% for m in messages if m.role != 'system' %}{{ loop.index }}/{{ loop.length }} {% endfor %}", {"messages": MSGS}),
    ("for else", "{% for x in [] %}x{% else %}empty{% endfor %}", {}),
    ("for else over undefined", "{% for x in nothing %}x{% else %}none{% endfor %}", {}),
    ("for else after filter", "{% for x in [1, 3] if x is even %}x{% else %}no evens{% endfor %}", {}),
    ("nested loops", "{% for a in [1, 2] %}{% for b in 'xy' %}{{ a }}{{ b }}{{ loop.index }} {% endfor %}{{ loop.index }}|{% endfor %}", {}),
    ("break continue", "{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}", {}),
    ("reverse iteration", "{% for m in messages[::-1] %}{{ loop.index0 }}:{{ m.role }} {% endfor %}", {"messages": MSGS}),
    ("loop var scoping", "{% set x = 'outer' %}{% for i in [1] %}{% set x = 'inner' %}{{ x }}{% endfor %} {{ x }}", {}),
    ("loop counter needs namespace", "{% set c = 0 %}{% for i in [1, 2, 3] %}{% set c = c + i %}{% endfor %}{{ c }}", {}),
    ("loop reads outer reassigned", "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = x + 10 %}{{ x }} {% endfor %}", {}),
    ("loop over none errors", "{% for x in n %}{{ x }}{% endfor %}", {"n": None}),
    ("loop over int errors", "{% for x in 5 %}{{ x }}{% endfor %}", {}),
    ("recursive loop", "{% for n in tree recursive %}{{ n.name }}{% if n.children %}({{ loop(n.children) }}){% endif %}{% endfor %}",
     {"tree": [{"name": "a", "children": [{"name": "b", "children": []}, {"name": "c"}]}, {"name": "d"}]}),
    ("loop depth", "{% for n in tree recursive %}{{ loop.depth }}{{ loop(n.c) if n.c }}{% endfor %}",
     {"tree": [{"c": [{"c": [{}]}]}]}),
    # --- set, namespace, with
    ("set simple", "{% set x = 'v' %}{{ x }}", {}),
    ("set overrides context", "{% set messages = messages[1:] %}{{ messages | length }}", {"messages": MSGS}),
    ("set tuple unpack", "{% set a, b = 1, 'two' %}{{ a }}{{ b }}", {}),
    ("set unpack error", "{% set a, b = [1, 2, 3] %}", {}),
    ("set block", "{% set body %}Hello {{ name }}!\n{% endset %}[{{ body }}]", {"name": "Ann"}),
    ("set block filter", "{% set body | upper %}shout {{ 1 }}{% endset %}{{ body }}", {}),
    ("namespace", "{% set ns = namespace(a=1, b='x') %}{% set ns.a = ns.a + 1 %}{{ ns.a }}{{ ns.b }}", {}),
    ("namespace in loop", "{% set ns = namespace(found=false, idx=-1) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.found = true %}{% set ns.idx = loop.index0 %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.idx }}",
     {"messages": MSGS}),
    ("namespace from dict", "{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}{{ ns.c is defined }}", {}),
    ("namespace repr", "{% set ns = namespace(a=1) %}{{ ns }}", {}),
    ("namespace attr on non namespace", "{% set d = {} %}{% set d.a = 1 %}", {}),
    ("namespace underscore refused", "{% set ns = namespace() %}{% set ns._x = 1 %}", {}),
    ("dict global", "{{ dict(a=1, b='x') }} {{ dict(a=1).a }}", {}),
    ("range", "{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ range(5, 0, -2) | list }}", {}),
    ("with block", "{% with x = 1, y = 2 %}{{ x + y }}{% endwith %}[{{ x }}]", {}),
    # --- macros
    ("macro defaults", "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', 'Hi') }} {{ greet(greeting='Yo', name='Cy') }}", {}),
    ("macro whitespace", "{% macro item(x) %}\n  <{{ x }}>\n{% endmacro %}\n{{ item(1) }}{{ item(2) }}", {}),
    ("macro missing arg", "{% macro f(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ f(1) }}", {}),
    ("macro too many args", "{% macro f(a) %}{{ a }}{% endmacro %}{{ f(1, 2) }}", {}),
    ("macro sees globals", "{% macro f() %}{{ bos }}{{ g }}{% endmacro %}{% set g = 'set' %}{{ f() }}", {"bos": "<s>"}),
    ("macro recursion", "{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * (fact(n - 1) | int) }}{% endif %}{% endmacro %}{{ fact(5) }}", {}),
    ("call block", "{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}inner{% endcall %}", {}),
    # --- generation extension, filter block
    ("generation block", "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}|{% endfor %}",
     {"messages": MSGS}),
    ("generation block whitespace", "A\n{% generation %}\n  body\n{% endgeneration %}\nB", {}),
    ("filter block", "{% filter upper %}hello {{ name }}{% endfilter %}", {"name": "x"}),
    # --- tests
    ("defined undefined tests", "{{ x is defined }} {{ y is defined }} {{ y is undefined }} {{ n is defined }}", {"x": 1, "n": None}),
    ("none test", "{{ n is none }} {{ x is none }} {{ y is none }} {{ n is not none }}", {"n": None, "x": 0}),
    ("type tests", "{% for v in ['s', 1, 1.5, true, none, [1], {'a': 1}, (1,)] %}{{ v is string }}{{ v is number }}{{ v is integer }}{{ v is float }}{{ v is boolean }}{{ v is mapping }}{{ v is iterable }}{{ v is sequence }};{% endfor %}", {}),
    ("undefined type tests", "{{ u is string }}{{ u is iterable }}{{ u is mapping }}{{ u is number }}", {}),
    ("true false tests", "{{ true is true }} {{ 1 is true }} {{ false is false }} {{ 0 is false }} {{ none is false }}", {}),
    ("odd even divisibleby", "{{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 9 is divisibleby(4) }}", {}),
    ("comparison tests", "{{ 1 is eq 1 }} {{ 1 is equalto 2 }} {{ 2 is gt 1 }} {{ 2 is lt 1 }} {{ 2 is ge 2 }} {{ 1 is le 0 }} {{ 1 is ne 2 }} {{ 'a' is in 'abc' }}", {}),
    ("lower upper tests", "{{ 'abc' is lower }} {{ 'aBc' is lower }} {{ 'ABC' is upper }} {{ '12' is upper }}", {}),
    ("callable test", "{{ raise_exception is callable }} {{ 'x' is callable }} {{ namespace is callable }}", {}),
    ("test precedence", "{{ 1 + 1 is odd }} {{ not 2 is odd }} {{ x is defined and x }}", {"x": 0}),
    ("unknown test", "{{ 1 is frobnicated }}", {}),
    ("unknown test in if", "{% if false %}{{ 1 is frobnicated }}{% endif %}ok", {}),
    # --- filters
    ("trim filter", "[{{ '  a b \n' | trim }}][{{ 'xxaxx' | trim('x') }}][{{ none | trim }}]", {}),
    ("tojson basic", "{{ d | tojson }}", {"d": {"b": 1, "a": [1, 2.5, None, True], "s": "é \"q\" \\ \n <tag> &", "e": {}, "l": []}}),
    ("tojson indent", "{{ t | tojson(indent=4) }}", {"t": TOOL}),
    ("tojson indent 2 sort keys", "{{ d | tojson(indent=2, sort_keys=true) }}", {"d": {"b": [1, {"z": 0, "y": 1}], "a": "x"}}),
    ("tojson separators", "{{ d | tojson(separators=(',', ':')) }}", {"d": {"a": [1, 2], "b": "c"}}),
    ("tojson ensure ascii", "{{ 'é😀' | tojson(ensure_ascii=true) }} {{ 'é😀' | tojson }}", {}),
    ("tojson scalars", "{{ 1 | tojson }} {{ 1.0 | tojson }} {{ none | tojson }} {{ 'x' | tojson }} {{ true | tojson }} {{ (1, 2) | tojson }}", {}),
    ("tojson undefined error", "{{ nothing | tojson }}", {}),
    ("tojson control chars", "{{ s | tojson }}", {"s": "a\u0001b\tc\u007f\u2028"}),
    ("length count", "{{ l | length }} {{ s | length }} {{ d | count }} {{ nothing | length }} {{ 'héllo👋' | length }}", {"l": [1, 2], "s": "abc", "d": {"a": 1}}),
    ("length of int error", "{{ 5 | length }}", {}),
    ("case filters", "{{ 'hELLo wORLD' | lower }} {{ 'hello' | upper }} {{ 'hELLO world' | capitalize }} {{ 'hello-world foo(bar) it\\'s' | title }}", {}),
    ("join filter", "{{ l | join }} {{ l | join(', ') }} {{ [1, 2] | join('-') }} {{ users | join(', ', attribute='name') }}",
     {"l": ["a", "b"], "users": [{"name": "x"}, {"name": "y"}]}),
    ("default filter", "{{ nothing | default('d') }} {{ '' | default('d') }} {{ '' | default('d', true) }} {{ none | d('n') }} {{ 0 | d('z', boolean=true) }} {{ nothing | default }}|", {}),
    ("first last", "{{ l | first }} {{ l | last }} {{ 'abc' | first }} {{ 'abc' | last }} {{ d | first }} [{{ [] | first }}]", {"l": [1, 2, 3], "d": {"k": 1, "j": 2}}),
    ("list filter", "{{ 'abc' | list }} {{ d | list }} {{ (1, 2) | list }} {{ nothing | list }}", {"d": {"a": 1, "b": 2}}),
    ("items filter", "{% for k, v in d | items %}{{ k }}{{ v }}{% endfor %} {{ d | items | list }}", {"d": {"a": 1, "b": 2}}),
    ("items filter undefined", "[{% for k, v in nothing | items %}{{ k }}{% endfor %}]", {}),
    ("items filter non mapping", "{{ [1] | items | list }}", {}),
    ("replace filter", "{{ 'aaa' | replace('a', 'b') }} {{ 'aaa' | replace('a', 'b', 2) }} {{ 'abc' | replace('', '-') }}", {}),
    ("string filter", "{{ 1 | string }} {{ [1, 'a'] | string }} {{ none | string }} {{ (1 | string) + 'x' }}", {}),
    ("int filter", "{{ '42' | int }} {{ '4.7' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ 3.9 | int }} {{ true | int }} {{ '0x1A' | int(base=16) }} {{ ' 12 ' | int }}", {}),
    ("float filter", "{{ '1.5' | float }} {{ 2 | float }} {{ 'x' | float }} {{ 'x' | float(1.5) }} {{ '1e3' | float }}", {}),
    ("abs filter", "{{ -3 | abs }} {{ -2.5 | abs }} {{ 4 | abs }}", {}),
    ("round filter", "{{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 1.25 | round(1) }} {{ 3 | round }} {{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(method='floor') }} {{ 1234.5678 | round(-2) }}", {}),
    ("reverse filter", "{{ 'abc' | reverse }} {{ [1, 2, 3] | reverse | list }}", {}),
    ("sort filter", "{{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }} {{ [3, 1, 2] | sort(reverse=true) }} {{ users | sort(attribute='age') | map(attribute='name') | join(',') }}",
     {"users": [{"name": "a", "age": 30}, {"name": "b", "age": 20}, {"name": "c", "age": 30}]}),
    ("sort mixed error", "{{ [1, 'a'] | sort }}", {}),
    ("unique filter", "{{ ['a', 'A', 'b', 'a'] | unique | list }} {{ ['a', 'A'] | unique(case_sensitive=true) | list }} {{ [1, 2, 1] | unique | list }}", {}),
    ("map filter", "{{ users | map(attribute='name') | list }} {{ ['a', 'b'] | map('upper') | list }} {{ users | map(attribute='missing', default='?') | list }} {{ nested | map(attribute='a.b') | list }}",
     {"users": [{"name": "x"}, {"name": "y"}], "nested": [{"a": {"b": 1}}, {"a": {"b": 2}}]}),
    ("select reject", "{{ range(6) | select('odd') | list }} {{ range(6) | reject('odd') | list }} {{ [0, 1, '', 'a'] | select | list }} {{ [1, 5, 9] | select('gt', 4) | list }}", {}),
    ("selectattr rejectattr", "{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | list }} {{ messages | rejectattr('role', 'eq', 'system') | list | length }} {{ flags | selectattr('on') | map(attribute='n') | join }}",
     {"messages": MSGS, "flags": [{"n": "a", "on": True}, {"n": "b", "on": False}, {"n": "c"}]}),
    ("selectattr defined", "{{ tools | selectattr('function', 'defined') | list | length }}", {"tools": [TOOL, {"type": "x"}]}),
    ("indent filter", "[{{ 'a\nb\n\nc' | indent }}][{{ 'a\nb' | indent(2, true) }}][{{ 'a\n\nb' | indent('> ', blank=true) }}]", {}),
    ("safe escape filters", "{{ '<b>' | safe }} {{ '<a href=\"x\">&\\'' | e }} {{ '<i>' | escape }}", {}),
    ("wordcount filter", "{{ 'hello big_world, 42 times!' | wordcount }}", {}),
    ("sum min max", "{{ [1, 2, 3] | sum }} {{ [1, 2, 3] | max }} {{ ['b', 'A', 'c'] | min }} {{ users | sum(attribute='n') }}", {"users": [{"n": 2}, {"n": 5}]}),
    ("dictsort filter", "{% for k, v in d | dictsort %}{{ k }}{{ v }}{% endfor %} {{ d | dictsort(by='value') }}", {"d": {"b": 1, "a": 3, "C": 2}}),
    ("batch filter", "{{ range(5) | batch(2) | list }} {{ range(5) | batch(2, 'x') | list }}", {}),
    ("center filter", "[{{ 'ab' | center(7) }}]", {}),
    ("attr filter", "{{ d | attr('keys') is defined }} [{{ d | attr('a') }}]", {"d": {"a": 1}}),
    ("filter chain", "{{ '  Hello World  ' | trim | lower | replace('world', 'there') | title }}", {}),
    ("filter args from vars", "{{ l | join(sep) }}", {"l": ["a", "b"], "sep": " + "}),
    ("unknown filter", "{{ 'x' | frobnicate }}", {}),
    ("unknown filter in if", "{% if false %}{{ 'x' | frobnicate }}{% endif %}fine", {}),
    ("unknown filter in if runs", "{% if true %}{{ 'x' | frobnicate }}{% endif %}", {}),
    # --- globals
    ("raise_exception", "a\nb\n{{ raise_exception('Bad input: ' ~ x) }}", {"x": 3}),
    ("raise_exception in if", "{% if messages[0].role == 'system' %}\n  {{- raise_exception('System role not supported') }}\n{% endif %}", {"messages": MSGS}),
    ("strftime_now", "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S') }}|{{ strftime_now('%A %B %j %I%p %y') }}", {}),
    ("strftime_now defined", "{{ strftime_now is defined }}", {}),
    # --- errors
    ("syntax unclosed if", "{% if true %}never closed", {}),
    ("syntax unknown tag", "line1\n{% frobnicate %}", {}),
    ("syntax endfor mismatch", "{% if true %}\n{% endfor %}", {}),
    ("syntax bad expression", "{{ 1 + }}", {}),
    ("syntax unclosed variable", "{{ x ", {}),
    ("syntax unclosed comment", "a {# never", {}),
    ("syntax do not enabled", "{% do x %}", {}),
    ("syntax expected token", "{% for x in y z %}{% endfor %}", {}),
    ("syntax unexpected end", "{% for x in %}{% endfor %}", {}),
    ("syntax unbalanced bracket", "{{ (1 + 2 }}", {}),
    ("syntax elif after else", "{% if a %}{% else %}{% elif b %}{% endif %}", {}),
    ("runtime error line", "one\ntwo\n{% for m in messages %}\n{{ m.content.nope.x }}\n{% endfor %}", {"messages": MSGS}),
    ("call non callable", "{{ x() }}", {"x": "str"}),
    ("call undefined", "{{ nothing() }}", {}),
    # --- jinja-looking content is data
    ("content looks like jinja", "{{ c }}|{{ c | trim }}", {"c": "{{ x }} {% if %} {# c #}"}),
    # --- edge cases
    ("set in if inside loop", "{% for i in [1, 2] %}{% if i == 2 %}{% set seen = i %}{% endif %}[{{ seen }}]{% endfor %}[{{ seen }}]", {}),
    ("set after loop visible", "{% for i in [1] %}{% endfor %}{% set x = 5 %}{{ x }}", {}),
    ("loop var not leaking", "{% for item in [1, 2] %}{% endfor %}[{{ item }}][{{ loop }}]", {}),
    ("outer loop access", "{% for a in [1, 2] %}{% set outer = loop %}{% for b in [1] %}{{ outer.index }}{{ loop.index }} {% endfor %}{% endfor %}", {}),
    ("macro locals stay local", "{% macro f() %}{% set z = 1 %}{{ z }}{% endmacro %}{{ f() }}[{{ z }}]", {}),
    ("macro varargs", "{% macro f(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ f(1, 2, 3, k='v') }}", {}),
    ("macro unknown kwarg", "{% macro f(a) %}{{ a }}{% endmacro %}{{ f(1, b=2) }}", {}),
    ("macro default refers param", "{% macro f(a, b=a ~ '!') %}{{ b }}{% endmacro %}{{ f('x') }}", {}),
    ("macro with namespace", "{% set ns = namespace(n=0) %}{% macro bump() %}{% set ns.n = ns.n + 1 %}{% endmacro %}{{ bump() }}{{ bump() }}{{ ns.n }}", {}),
    ("float json repr", "{{ [1e-7, 1e16, 1.5e300, -0.0, 100.0, 0.1] | tojson }} {{ [1e-7, 1e16, -0.0] }}", {}),
    ("big ints", "{{ 2 ** 62 }} {{ 9007199254740993 }} {{ -9223372036854775807 }}", {}),
    ("integer float division", "{{ 6 / 3 }} {{ 6 // 4.0 }} {{ -6 % 4.5 }} {{ 7 % -3 }}", {}),
    ("undefined filters", "[{{ nothing | upper }}][{{ nothing | trim }}][{{ nothing | first }}][{{ nothing | join(',') }}][{{ nothing | sort }}][{{ nothing | list }}][{{ nothing | string }}]", {}),
    ("undefined int filter", "{{ nothing | int }} {{ nothing | float }}", {}),
    ("undefined comparisons", "{{ nothing == none }} {{ nothing != 1 }} {{ nothing is none }}", {}),
    ("undefined less than", "{{ nothing < 1 }}", {}),
    ("undefined in list", "{{ nothing in [1] }}", {}),
    ("items and keys printing", "{{ d.keys() | list }} {{ d.items() | list }} {{ d.values() | list }}", {"d": {"a": 1}}),
    ("lstrip unicode space", "a\n\u00a0\u2003{% if true %}b{% endif %}", {}),
    ("lstrip after comment", "{# c #}\n   {% if true %}x{% endif %}", {}),
    ("minus and lstrip combined", "a\n  {%- if true -%}\n  b\n  {%- endif -%}\n  c", {}),
    ("comment plus", "a\n   {#+ keep #}\nb", {}),
    ("block end at text start", "{% if true %}x{% endif %}   \n  {% if true %}y{% endif %}", {}),
    ("variable in text line", "  {{ 'a' }}  {% if true %}b{% endif %}\n", {}),
    ("trim after endfor only", "{% for i in [1, 2] %}\n{{ i }}\n{% endfor %}\ndone", {}),
    ("nested whitespace template", "{%- for m in messages %}\n    {%- if m.role == 'user' %}\n        {{- '<u>' + m.content }}\n    {%- else %}\n        {{- '<a>' + m.content }}\n    {%- endif %}\n{%- endfor %}\n", {"messages": MSGS}),
    ("string slicing negative step", "{{ 'abcdef'[4:1:-1] }} {{ 'abcdef'[::-2] }} {{ 'abcdef'[-1:] }} {{ [1, 2, 3][-1::-1] }}", {}),
    ("str title and capitalize unicode", "{{ 'ßtraße élan' | title }} {{ 'élan VITAL' | capitalize }} {{ 'straße' | upper }} {{ \"they're bill's\".title() }}", {}),
    ("str methods misc", "{{ 'a-b-c'.rsplit('-') }} {{ '  x  '.split(' ') }} {{ 'abc'.startswith('') }} {{ 'x'.center(5, '*') }} {{ '42'.zfill(5) }} {{ 'A1'.isalnum() }} {{ ' '.isspace() }} {{ 'ab'.isupper() }}", {}),
    ("str find window", "{{ 'hello'.find('l', 3) }} {{ 'hello'.rfind('l') }} {{ 'hello'.index('e') }}", {}),
    ("str index missing", "{{ 'hello'.index('z') }}", {}),
    ("str join non string", "{{ ', '.join([1, 2]) }}", {}),
    ("percent formatting", "{{ '%s is %d' % ('x', 3) }}", {}),
    ("sameas", "{{ none is sameas none }} {{ true is sameas true }} {{ 1 is sameas 1 }}", {}),
    ("loop outside", "[{{ loop }}][{{ loop is defined }}]", {}),
    ("getattr on int", "[{{ x.foo }}] {{ x.real }}", {"x": 5}),
    ("unknown method call", "{{ 'x'.frob() }}", {}),
    ("dict get on undefined key chain", "{{ d.get('a', {}).get('b', 'none') }}", {"d": {}}),
    ("tojson nested indent", "{{ d | tojson(indent=2) }}", {"d": {"a": [], "b": {}, "c": [{"x": [1, [2, []]]}]}}),
    ("tojson unicode keys", "{{ d | tojson }}", {"d": {"ключ": "значение", "emoji😀": ["\u2028"]}}),
    ("conditional filter", "{{ x | default('d') if y else 'n' }} {{ (x or 'z') | upper }}", {"x": "v", "y": 1}),
    ("selectattr equalto none", "{{ msgs | selectattr('content', 'none') | list | length }} {{ msgs | rejectattr('content', 'none') | map(attribute='role') | join }}",
     {"msgs": [{"role": "a", "content": None}, {"role": "b", "content": "x"}]}),
    ("map int", "{{ ['1', '2', 'x'] | map('int') | sum }} {{ [1.5, 2.5] | map('round') | list }}", {}),
    ("filter on literal list", "{{ [3, 1, 2] | sort | first }} {{ 'a,b' .split(',') | last }}", {}),
    ("long multiline statement", "{%- set x = [\n  1,\n  2,\n  3\n] %}\n{{ x | sum }}", {}),
    ("multiline error line", "{{\n  foo.bar\n}}", {}),
    ("error inside macro", "{% macro f(x) %}\n{{ x.a.b }}\n{% endmacro %}\n\n{{ f({}) }}", {}),
    ("error in for filter", "{% for x in [1] if x.y.z %}{% endfor %}", {}),
    ("error in set", "\n{% set y = 1 + none %}", {}),
    ("error in elif", "{% if false %}\n{% elif 1 < 'a' %}\n{% endif %}", {}),
    ("raise with non string", "{{ raise_exception(42) }}", {}),
    ("namespace attribute missing", "[{{ ns.missing }}]{% set ns = namespace() %}[{{ ns.missing }}]", {}),
    ("namespace missing error", "{% set ns = namespace() %}{{ ns.missing.x }}", {}),
    ("tuple unpack mismatch in for", "{% for a, b in [[1, 2, 3]] %}{% endfor %}", {}),
    ("chained filters and tests", "{{ messages | map(attribute='role') | select('equalto', 'user') | list | length is odd }}", {"messages": MSGS}),
    ("list in operator with dicts", "{{ {'a': 1} in [{'a': 1}] }} {{ 'role' in messages[0] }} {{ 'nope' in messages[0] }}", {"messages": MSGS}),
    ("bool filters", "{{ true | string | lower }} {{ false | int }} {{ none | default('x', true) }}", {}),
    ("print statement tag", "{% print 'hi' ~ 1 %}", {}),
    ("whitespace inside tags", "{%   if   true   %}{{   'x'   }}{%   endif   %}", {}),
    ("colon after if", "{% if true: %}ok{% endif %}", {}),
    ("trailing comma list", "{{ [1, 2,] }} {{ {'a': 1,} }} {{ (1, 2,) }}", {}),
    ("escape sequences in double quotes", "{{ \"line\\nnext\" }}", {}),
    ("jinja comment inside content var", "{{ '{#' }}x{{ '#}' }}", {}),
    ("set block in loop", "{% for i in [1, 2] %}{% set b %}<{{ i }}>{% endset %}{{ b }}{% endfor %}", {}),
    ("recursive loop depth first", "{% for n in tree recursive %}{{ loop.depth0 }}{{ n.v }}{% if n.k %}[{{ loop(n.k) }}]{% endif %}{% endfor %}",
     {"tree": [{"v": "a", "k": [{"v": "b", "k": [{"v": "c"}]}]}, {"v": "d"}]}),
    ("length of generator chain", "{{ range(10) | select('even') | list | length }}", {}),
    ("joiner global", "{% set j = joiner(' | ') %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}", {}),
    ("not in with undefined", "{{ 'x' not in nothing }}", {}),
    ("empty for with loop else and filter", "{% for m in messages if m.role == 'tool' %}{{ m }}{% else %}no tools{% endfor %}", {"messages": MSGS}),
    # --- scoping, repr and lexing corners
    ("read before set in loop", "{% for i in [1, 2] %}[{{ v }}]{% set v = i %}[{{ v }}]{% endfor %}", {}),
    ("loop var reassigned", "{% for i in [1, 2] %}{% set i = i * 10 %}{{ i }} {% endfor %}", {}),
    ("if set at top level", "{% if true %}{% set x = 'in if' %}{% endif %}{{ x }}", {}),
    ("with set not leaking", "{% with %}{% set x = 1 %}{{ x }}{% endwith %}[{{ x }}]", {}),
    ("macro defined in loop", "{% for i in [1, 2] %}{% macro m() %}<{{ i }}>{% endmacro %}{{ m() }}{% endfor %}", {}),
    ("macro reads loop var at call", "{% macro show() %}{{ item }}{% endmacro %}{% for item in ['a'] %}[{{ show() }}]{% endfor %}", {"item": "ctx"}),
    ("nested loop same var", "{% for x in [1, 2] %}{% for x in ['a'] %}{{ x }}{% endfor %}{{ x }}{% endfor %}", {}),
    ("namespace set inside nested loops", "{% set ns = namespace(t=[]) %}{% for a in [1, 2] %}{% for b in [3] %}{% set ns.t = ns.t + [a * b] %}{% endfor %}{% endfor %}{{ ns.t }}", {}),
    ("repr non printable", "{{ ['\u200b', '\x00', '\u00a0', '😀', '\x7f', 'é', '\U000e0001'] }}", {}),
    ("float repr corners", "{{ [5e-324, 1.7976931348623157e308, 123456789012345680.0, 0.000123, 1e-05, 1.0e15, 9999999999999998.0, 0.30000000000000004] }}", {}),
    ("float context repr", "{{ l }}", {"l": [1e-07, 2.5e-10, 1e22, 3.14159, -1.5]}),
    ("octal escape", "{{ '\\101\\x42' }} {{ '\101\x42' }}", {}),
    ("line continuation in string", "{{ 'a\\\nb' }}", {}),
    ("crlf with lstrip", "a\r\n   {% if true %}\r\nb\r\n   {% endif %}\r\nc", {}),
    ("tabs mixed lstrip", "x\n \t {%- if true %}y{% endif %}", {}),
    ("block at end with spaces", "text\n  {% if true %}{% endif %}  ", {}),
    ("comment between lines", "a\n{#- c -#}\nb", {}),
    ("variable at line start not stripped", "a\n   {{ 'x' }}\n   {% if true %}y{% endif %}", {}),
    ("only whitespace lines", "{% for i in [1, 2] %}\n\n{% endfor %}", {}),
    ("generation with minus", "A\n  {%- generation -%}\n  B\n  {%- endgeneration -%}\n  C", {}),
    ("break in nested loop", "{% for a in [1, 2] %}{% for b in [1, 2, 3] %}{% if b == 2 %}{% break %}{% endif %}{{ a }}{{ b }} {% endfor %}{% endfor %}", {}),
    ("break with else", "{% for a in [1, 2] %}{% if a == 2 %}{% break %}{% endif %}{% else %}E{% endfor %}|{% for a in [1] %}{% break %}{% else %}E{% endfor %}", {}),
    ("slice errors", "{{ x[1:] }}", {"x": 5}),
    ("slice dict error", "{{ d[1:] }}", {"d": {"a": 1}}),
    ("slice undefined error", "{{ nothing[1:] }}", {}),
    ("continue with else", "{% for a in [1] %}{% continue %}{% else %}E{% endfor %}done", {}),
    ("loop length after break", "{% for a in [1, 2, 3] %}{{ loop.length }}{% break %}{% endfor %}", {}),
    ("percent formatting variants", "{{ '%5.2f|%-4d|%04d|%x|%r|%%|%s' % (3.14159, 7, 42, 255, 'q', none) }} {{ '%(a)s-%(b)d' % {'a': 'x', 'b': 2} }} {{ '%s' % [1, 2] }}", {}),
    ("percent formatting errors", "{{ '%d' % 'x' }}", {}),
    ("tojson of namespace", "{% set ns = namespace(a=1) %}{{ ns | tojson }}", {}),
    ("tojson nan inf", "{{ [('nan' | float), ('inf' | float)] | tojson }}", {}),
    ("string compare unicode", "{{ 'é' > 'z' }} {{ ['b', 'é', 'a', 'Z'] | sort }} {{ 'a' < 'B' }}", {}),
    ("dictsort case", "{{ {'b': 1, 'A': 2, 'a': 3} | dictsort }} {{ {'b': 1, 'A': 2} | dictsort(true) }}", {}),
    ("unique attribute", "{{ users | unique(attribute='g') | map(attribute='n') | list }}", {"users": [{"n": 1, "g": "x"}, {"n": 2, "g": "X"}, {"n": 3, "g": "y"}]}),
    ("map with filter args", "{{ ['a b', 'c d'] | map('replace', ' ', '_') | list }} {{ [[1, 2], [3]] | map('length') | list }}", {}),
    ("select with in test", "{{ ['a', 'b', 'c'] | select('in', ['a', 'c']) | list }}", {}),
    ("slice with variables", "{% set n = 2 %}{{ l[n:] }} {{ l[:-n] }} {{ l[n - 1] }}", {"l": [1, 2, 3, 4]}),
    ("none slicing", "[{{ n[1:] }}]", {"n": None}),
    ("attribute of list", "[{{ l.foo }}] {{ l.count(1) }} {{ l.index(2) }}", {"l": [1, 2, 1]}),
    ("dict attribute vs key priority", "{{ d.keys is defined }} {{ d.keys == 'K' }} {{ d['values'] }}", {"d": {"keys": "K", "values": "V"}}),
    ("content list of parts", "{% for p in m.content %}{% if p.type == 'text' %}{{ p.text }}{% endif %}{% endfor %} {{ m.content is string }} {{ m.content is iterable }}",
     {"m": {"content": [{"type": "text", "text": "hi"}, {"type": "image"}, {"type": "text", "text": "!"}]}}),
    ("nested ternary and filters", "{{ (m.content if m.content is string else m.content | map(attribute='text') | join('')) | trim }}",
     {"m": {"content": [{"text": " a"}, {"text": "b "}]}}),
    ("string multiply by bool", "{{ 'ab' * true }}|{{ 'ab' * false }}|", {}),
    ("unary plus minus", "{{ +3 }} {{ -(-3) }} {{ -1.5 }} {{ - 2 ** 2 }}", {}),
    ("compare chain mixed", "{{ 1 < 2 > 1 }} {{ 1 == 1 != 2 }} {{ 'a' in 'abc' in ['abc', 'x'] }}", {}),
    ("in dict values", "{{ 1 in d.values() | list }} {{ 'a' in d.keys() | list }}", {"d": {"a": 1}}),
    ("length of namespace error", "{% set ns = namespace() %}{{ ns | length }}", {}),
    ("call loop non recursive", "{% for x in [1] %}{{ loop([2]) }}{% endfor %}", {}),
    ("set to undefined then default", "{% set x = nothing %}{{ x | default('dflt') }} {{ x is defined }}", {}),
    ("trim with chars var", "{{ s | trim('<>') }}", {"s": "<<tag>>"}),
    ("indent first blank", "{{ 'a\n\nb\n' | indent(2, first=true, blank=true) }}|", {}),
    ("escape non string", "{{ 5 | e }} {{ none | escape }} {{ ['<'] | e }}", {}),
    ("unicode case mapping", "{{ 'ΟΔΟΣ ΣΑΣ' | lower }} {{ 'İstanbul' | lower }} {{ 'ǆemal' | title }} {{ 'ǆemal'.title() }} {{ 'ﬁx' | upper }} {{ 'ŉ' | capitalize }} {{ 'ß' | title }}", {}),
    ("unicode str methods", "{{ '١٢٣'.isdigit() }} {{ 'Ⅻ'.isnumeric() }} {{ '²'.isdigit() }} {{ '²'.isdecimal() }} {{ 'é'.isalpha() }} {{ '\u3000'.isspace() }} {{ '\u3000x\u3000'.strip() }}", {}),
    ("unicode split whitespace", "{{ 'a\u00a0b\u2003c\u200bd'.split() }}", {}),
    ("wordcount unicode", "{{ 'héllo wörld 你好 ٣' | wordcount }}", {}),
    ("final sigma everywhere", "{{ 'ΟΔΟΣ. ΣΑΣ-ΣΟΥ Σ'.title() }}|{{ 'ΟΔΟΣ. ΣΑΣ-ΣΟΥ Σ' | title }}|{{ 'ΣΑΣ ΣΟΥ' | capitalize }}|{{ 'ΑΣ\\'Σ ΑΣ1' | lower }}|{{ ['ΒΣ', 'ΑΣ'] | sort }}", {}),
    ("parse error before lex error", "{{ 'a' b }}{{ 'unterminated }}", {}),
    ("lex error first", "{{ 'unterminated }}{{ 'a' b }}", {}),
    ("format filter", "{{ '%s - %05.1f' | format('a', 3.14159) }} {{ '%(x)s!' | format(x='kw') }}", {}),
    # --- Jinja2's compile-time symbol analysis (idtracking): reads before a later assignment
    ("root read before set", "{{ x }}{% set x = 2 %}{{ x }}", {"x": 1}),
    ("loop reads name set later at root", "{% for i in [1] %}[{{ x }}]{% endfor %}{% set x = 2 %}{{ x }}", {"x": 1}),
    ("if reads name set later", "{% if true %}{{ x }}{% endif %}{% set x = 2 %}{{ x }}", {"x": 1}),
    ("macro reads name set later", "{% macro m() %}[{{ x }}]{% endmacro %}{{ m() }}{% set x = 2 %}{{ m() }}", {"x": 1}),
    ("loop read then set", "{% for i in [1, 2] %}{{ x }}{% set x = i %}{{ x }}{% endfor %}|{{ x }}", {"x": 1}),
    ("nested loop reads outer loop local", "{% for i in [1, 2] %}{% for j in [1] %}[{{ x }}]{% endfor %}{% set x = i %}{% endfor %}", {"x": 1}),
    ("partial branch set", "{% for i in [1, 2] %}{% if i == 2 %}{% set x = i %}{% endif %}{{ x }}{% endfor %}", {"x": 1}),
    ("set in every branch", "{% for i in [1] %}[{{ x }}]{% endfor %}{% if c %}{% set x = 1 %}{% elif d %}{% set x = 2 %}{% else %}{% set x = 3 %}{% endif %}", {"x": 0, "c": False, "d": True}),
    ("set in if and else", "{% for i in [1] %}[{{ x }}]{% endfor %}{% if c %}{% set x = 1 %}{% else %}{% set x = 3 %}{% endif %}", {"x": 0, "c": False}),
    ("self reference at root", "{% set x = x + 1 %}{{ x }}", {"x": 1}),
    ("loop self reference", "{% for i in [1, 2] %}{% set x = x + 1 %}{{ x }}{% endfor %}", {"x": 1}),
    ("messages reassigned after loop", "{% for i in [1] %}{{ messages | length }}{% endfor %}{% set messages = [] %}", {"messages": [1, 2]}),
    ("else frame is local", "{% for i in [] %}{% else %}{% set y = 1 %}[{{ y }}]{% endfor %}[{{ y }}]", {}),
    ("generation frame is local", "{% generation %}{% set y = 1 %}[{{ y }}]{% endgeneration %}[{{ y }}]", {}),
    ("namespace membership", "{% set ns = namespace(a=1) %}{{ ns['a'] }}{{ ns.b is defined }}{{ 'a' in ns }}", {}),
    ("namespace not iterable", "{% set ns = namespace(a=1) %}{{ ns | list }}", {}),
    ("macro without caller", "{% macro m() %}{{ caller() }}{% endmacro %}{{ m() }}", {}),
    ("macro object", "{% macro m(a, b=2) %}x{% endmacro %}{{ m }}|{{ m is callable }}|{{ m.name }}|{{ m.arguments }}", {}),
    ("many messages", "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}",
     {"messages": [{"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}"} for i in range(12)]}),
]


# ---------------------------------------------------------------------------------------------
# Chat-template conversations

def conversations(system_ok=True):
    """Conversations exercising the real templates."""
    sys_msg = {"role": "system", "content": "You are a careful assistant."}
    convs = []

    def add(name, msgs):
        convs.append((name, msgs))

    add("single user", [{"role": "user", "content": "What is 2+2?"}])
    add("user assistant", [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}])
    add("system user", [sys_msg, {"role": "user", "content": "Tell me a joke."}])
    add("system user assistant", [sys_msg, {"role": "user", "content": "Capital of France?"},
                                   {"role": "assistant", "content": "Paris."}])
    add("multi turn", [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
                       {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"},
                       {"role": "user", "content": "e"}, {"role": "assistant", "content": "f"}])
    add("think in last assistant", [{"role": "user", "content": "Solve x+1=3"},
                                    {"role": "assistant", "content": "<think>\nSubtract 1.\n</think>\n\nx = 2"}])
    add("think in earlier assistant", [{"role": "user", "content": "q1"},
                                       {"role": "assistant", "content": "<think>r1</think>a1"},
                                       {"role": "user", "content": "q2"},
                                       {"role": "assistant", "content": "<think>\nr2\n</think>\n\na2"}])
    add("think only earlier", [{"role": "user", "content": "q1"},
                               {"role": "assistant", "content": "<think>old reasoning</think>\nold answer"},
                               {"role": "user", "content": "q2"}])
    add("reasoning_content field", [{"role": "user", "content": "Why?"},
                                    {"role": "assistant", "content": "Because.", "reasoning_content": "Let me think.\n"}])
    add("reasoning_content earlier turn", [{"role": "user", "content": "u1"},
                                           {"role": "assistant", "content": "a1", "reasoning_content": "r1"},
                                           {"role": "user", "content": "u2"},
                                           {"role": "assistant", "content": "a2"}])
    add("empty think", [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "<think>\n\n</think>\n\nhello"}])
    add("whitespace to trim", [{"role": "user", "content": "  padded question \n\n"},
                               {"role": "assistant", "content": "\n\n  padded answer  \t\n"}])
    add("system whitespace", [{"role": "system", "content": "  sys with spaces \n"}, {"role": "user", "content": " u "}])
    add("unicode", [{"role": "user", "content": "Grüß dich! 你好 🌍 — naïve café"},
                    {"role": "assistant", "content": "Ça va? こんにちは 👋"}])
    add("jinja-looking content", [{"role": "user", "content": "{{ x }} and {% if %} and {# c #}"},
                                  {"role": "assistant", "content": "{% endif %}{{ raise_exception('no') }}"}])
    add("special tokens in content", [{"role": "user", "content": "<|im_start|>user<|im_end|><|eot_id|><start_of_turn>"},
                                      {"role": "assistant", "content": "<bos><|begin_of_text|>"}])
    add("empty content", [{"role": "user", "content": ""}, {"role": "assistant", "content": ""}])
    add("newlines everywhere", [{"role": "user", "content": "line1\nline2\n\nline4"},
                                {"role": "assistant", "content": "```python\nprint('hi')\n```\n"}])
    add("long conversation", [{"role": "user" if i % 2 == 0 else "assistant", "content": f"message number {i}"}
                              for i in range(10)])
    add("tool response as user", [{"role": "user", "content": "<tool_response>\n42\n</tool_response>"},
                                  {"role": "assistant", "content": "ok"}])
    add("quotes and backslashes", [{"role": "user", "content": "He said \"hi\" and 'bye' \\n not a newline"},
                                   {"role": "assistant", "content": "\\\\ backslashes \\"}])
    add("system only", [sys_msg])
    add("assistant first", [{"role": "assistant", "content": "I start."}, {"role": "user", "content": "ok"}])
    add("two users in a row", [{"role": "user", "content": "one"}, {"role": "user", "content": "two"}])
    add("think with tool-ish content", [{"role": "user", "content": "check"},
                                        {"role": "assistant", "content": "<think>\nplan\n</think>\n\n<tool_call>{}</tool_call>"}])
    add("think no newline", [{"role": "user", "content": "x"}, {"role": "assistant", "content": "<think>r</think>c"}])
    add("multiple think closes", [{"role": "user", "content": "x"},
                                  {"role": "assistant", "content": "<think>a</think>b</think>c"}])
    add("system then think", [sys_msg, {"role": "user", "content": "q"},
                              {"role": "assistant", "content": "<think>\nhmm\n</think>\n\nanswer"}])
    add("tabs and carriage returns", [{"role": "user", "content": "a\tb\r\nc"}, {"role": "assistant", "content": "\r\n"}])
    add("very long content", [{"role": "user", "content": "word " * 300}, {"role": "assistant", "content": "ok " * 200}])
    return convs


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_temperature",
        "description": "Get the current temperature at a location.",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The location, in the format \"City, Country\""},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Unité de température"},
            },
            "required": ["location", "unit"],
        },
        "return": {"type": "number", "description": "The temperature as a float."},
    },
}
TOOL_CALL_MSGS = [
    {"role": "user", "content": "Temperature in Paris?"},
    {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {
        "name": "get_current_temperature", "arguments": {"location": "Paris, France", "unit": "celsius"}}}]},
    {"role": "tool", "content": "22.5", "name": "get_current_temperature"},
    {"role": "assistant", "content": "It is 22.5 °C."},
]

MODELS = {
    "qwen3": ("Qwen-Qwen3-0.6B.jinja", {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}),
    "llama3.1": ("meta-llama-Llama-3.1-8B-Instruct.jinja",
                 {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "pad_token": "<|finetune_right_pad_id|>"}),
    "llama3.2": ("meta-llama-Llama-3.2-3B-Instruct.jinja",
                 {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "pad_token": "<|finetune_right_pad_id|>"}),
    "gemma2": ("google-gemma-2-2b-it.jinja",
               {"bos_token": "<bos>", "eos_token": "<eos>", "unk_token": "<unk>", "pad_token": "<pad>"}),
}


def chat_cases():
    cases = []
    for model, (template_file, tokens) in MODELS.items():
        for name, msgs in conversations():
            for agp in (False, True):
                cases.append(render_chat(f"{model}: {name} (add_generation_prompt={agp})", template_file, msgs, agp, tokens))
        # Model-specific extras.
        extra = [
            ("tools", dict(tools=[WEATHER_TOOL]), [{"role": "user", "content": "Weather?"}]),
            ("tools with system", dict(tools=[WEATHER_TOOL]),
             [{"role": "system", "content": "Use tools."}, {"role": "user", "content": "Weather?"}]),
            ("tool call round trip", dict(tools=[WEATHER_TOOL]), TOOL_CALL_MSGS),
            ("tool call no tools", {}, TOOL_CALL_MSGS),
            ("date_string given", dict(date_string="01 Jan 2025"), [{"role": "user", "content": "Date?"}]),
            ("enable_thinking false", dict(enable_thinking=False), [{"role": "user", "content": "Quick answer"}]),
            ("enable_thinking true", dict(enable_thinking=True), [{"role": "user", "content": "Think"}]),
            ("tools but no user message", dict(tools=[WEATHER_TOOL]), [{"role": "system", "content": "only system"}]),
            ("two tool calls", dict(tools=[WEATHER_TOOL]), [
                {"role": "user", "content": "Two cities"},
                {"role": "assistant", "content": "", "tool_calls": [
                    {"type": "function", "function": {"name": "get_current_temperature", "arguments": {"location": "A"}}},
                    {"type": "function", "function": {"name": "get_current_temperature", "arguments": '{"location": "B"}'}}]},
            ]),
            ("builtin tools", dict(builtin_tools=["brave_search", "wolfram_alpha", "code_interpreter"]), [
                {"role": "user", "content": "Search"},
                {"role": "assistant", "tool_calls": [{"type": "function", "function": {
                    "name": "brave_search", "arguments": {"query": "jinja", "lang": "en"}}}]},
                {"role": "ipython", "content": {"results": ["a", "b"]}},
            ]),
            ("assistant missing content", {}, [{"role": "user", "content": "x"}, {"role": "assistant"}]),
            ("content is none", {}, [{"role": "user", "content": "x"}, {"role": "assistant", "content": None}]),
            ("documents passed", dict(documents=[{"title": "Doc", "text": "Body"}]), [{"role": "user", "content": "x"}]),
            ("multi-step tool loop", dict(tools=[WEATHER_TOOL, RICH_TOOL]), [
                {"role": "system", "content": "Plan, then call tools."},
                {"role": "user", "content": "Compare Paris and Rome, then book the warmer one."},
                {"role": "assistant", "content": "<think>\nNeed both temperatures.\n</think>\n\nChecking.", "tool_calls": [
                    {"type": "function", "function": {"name": "get_current_temperature", "arguments": {"location": "Paris, France", "unit": "celsius"}}},
                    {"type": "function", "function": {"name": "get_current_temperature", "arguments": '{"location": "Rome, Italy", "unit": "celsius"}'}}]},
                {"role": "tool", "content": "18"},
                {"role": "tool", "content": "24"},
                {"role": "assistant", "content": "", "reasoning_content": "Rome is warmer.", "tool_calls": [
                    {"function": {"name": "book_trip", "arguments": {"city": "Rome", "travellers": [{"name": "Ann", "age": 31}]}}}]},
                {"role": "tool", "content": "<tool_response>booked</tool_response>"},
                {"role": "assistant", "content": "<think>done</think>Booked Rome (24 °C)."},
            ]),
            ("tool response content as user", dict(tools=[WEATHER_TOOL]), [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_current_temperature", "arguments": {}}}]},
                {"role": "user", "content": "<tool_response>\n7\n</tool_response>"},
            ]),
        ]
        for name, kwargs, msgs in extra:
            for agp in (False, True):
                cases.append(render_chat(f"{model}: {name} (add_generation_prompt={agp})", template_file, msgs, agp,
                                         tokens, **kwargs))
    return cases


RICH_TOOL = {
    "type": "function",
    "function": {
        "name": "book_trip",
        "description": "Book a trip",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "Destination city", "examples": ["Paris", "Zürich"]},
                "nights": {"type": "integer", "minimum": 1, "maximum": 30, "default": 2},
                "budget": {"type": ["number", "null"], "nullable": True},
                "class": {"type": "string", "enum": ["economy", "business"], "default": "economy"},
                "dates": {"type": "string", "format": "date"},
                "when": {"oneOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]},
                "travellers": {"type": "array", "items": {"type": "object", "properties": {
                    "name": {"type": "string"}, "age": {"type": "integer", "description": "Age in years."}},
                    "required": ["name"]}},
                "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", 3]}},
                "matrix": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
                "anything": {"type": "array"},
                "prefs": {"type": "object", "description": "Preferences", "properties": {
                    "window": {"type": "boolean", "description": "Window seat"},
                    "meal": {"type": "string", "maxLength": 20}}},
            },
            "required": ["city", "travellers"],
        },
    },
}


def functionary_cases():
    """A feature-dense real template (recursive macros, map/unique/selectattr, string repetition)."""
    tokens = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}
    template_file = "meetkai-functionary-medium-v3.2.jinja"
    convs = [
        ("no tools", {}, [{"role": "user", "content": "Hi"}]),
        ("weather tool", dict(tools=[WEATHER_TOOL]), [{"role": "user", "content": "Weather?"}]),
        ("rich tool", dict(tools=[RICH_TOOL]), [{"role": "system", "content": "sys"}, {"role": "user", "content": "Book"}]),
        ("two tools and code interpreter", dict(tools=[WEATHER_TOOL, RICH_TOOL, {"type": "code_interpreter"}]),
         [{"role": "user", "content": "go"}]),
        ("tool call turn", dict(tools=[WEATHER_TOOL]), [
            {"role": "user", "content": "Temp?"},
            {"role": "assistant", "content": None, "tool_calls": [{"type": "function", "function": {
                "name": "get_current_temperature", "arguments": "{\"location\": \"Paris\"}"}}]},
            {"role": "tool", "content": "21"},
            {"role": "assistant", "content": "21 degrees"}]),
        ("tool without parameters", dict(tools=[{"type": "function", "function": {"name": "ping", "description": "Ping"}}]),
         [{"role": "user", "content": "ping"}]),
    ]
    cases = []
    for name, kwargs, msgs in convs:
        for agp in (False, True):
            cases.append(render_chat(f"functionary: {name} (add_generation_prompt={agp})", template_file, msgs, agp,
                                     tokens, **kwargs))
    return cases


def whitespace_fuzz_cases(count=200, seed=20260307):
    """Random mixes of text and tags with every whitespace-control marker, where lexing rules
    (trim_blocks, lstrip_blocks, -, +) interact; a fixed seed keeps the file stable."""
    import random
    rng = random.Random(seed)
    texts = ["", " ", "  ", "\t", "\n", "\n  ", "\n\t ", "a", " b ", "\n\n", "c\n", "  \t\n ", "\r\n d", "e  \n  ", "\u00a0\n"]
    marks = ["", "-", "+"]

    def tag(body, kind="%"):
        left = rng.choice(marks if kind != "{" else ["", "-"])
        # `{% raw +%}` is not a raw tag in Jinja2 (an unknown-tag error), so raw takes "" or "-".
        right = rng.choice(marks if kind != "{" and body != "raw" else ["", "-"])
        close = {"%": "%}", "#": "#}", "{": "}}"}[kind]
        return "{" + kind + left + " " + body + " " + right + close

    def sequence(depth):
        out = []
        for _ in range(rng.randint(1, 4)):
            r = rng.random()
            if r < 0.35:
                out.append(rng.choice(texts))
            elif r < 0.5:
                out.append(tag("'v'", "{"))
            elif r < 0.6:
                out.append(tag("comment", "#"))
            elif depth < 3 and r < 0.8:
                out.append(tag("if true") + sequence(depth + 1) + tag("else") + sequence(depth + 1) + tag("endif"))
            elif depth < 3 and r < 0.92:
                out.append(tag("for i in [1, 2]") + sequence(depth + 1) + tag("endfor"))
            elif depth < 3:
                out.append(tag("raw") + rng.choice(texts) + "{{ raw }}" + rng.choice(texts) + tag("endraw"))
            else:
                out.append(rng.choice(texts))
            out.append(rng.choice(texts))
        return "".join(out)

    return [render_focused(f"whitespace fuzz {i}", sequence(0), {}) for i in range(count)]


def expression_fuzz_cases(count=int(os.environ.get("JINJA_FUZZ_COUNT", 600)), seed=int(os.environ.get("JINJA_FUZZ_SEED", 7))):
    """Random expressions over mixed Python types: operators, filters and tests, checked for the
    printed value or the exact exception (TypeError messages included)."""
    import random
    rng = random.Random(seed)
    atoms = ["0", "1", "-3", "7", "2.5", "-0.5", "3.0", "1e20", "'a'", "'B c'", "''", "'10'", "[1, 'a']", "[]",
             "(1, 2)", "{'k': 1}", "none", "true", "false", "missing", "n", "s", "l", "d", "f", "'Ünï ΣΑΣ'",
             "' x\\n'", "[[1, 2], [3]]", "ms", "u", "'%s'", "0.1", "-0.0", "[3, 'b', 'A']"]
    binops = ["+", "-", "*", "/", "//", "%", "~", "==", "!=", "<", ">=", "in", "not in", "and", "or"]
    filters = ["length", "string", "int", "float", "abs", "round", "lower", "upper", "first", "last", "list", "sort",
               "reverse | list", "join(',')", "tojson", "default('dflt')", "trim", "unique | list", "sum", "max",
               "capitalize", "title", "wordcount", "items | list", "count", "d('x', true)", "batch(2) | list",
               "map(attribute='role') | list", "selectattr('role', 'eq', 'user') | list", "select('odd') | list",
               "reject('none') | list", "dictsort", "tojson(indent=1)", "tojson(sort_keys=true)", "replace('a', 'Z')",
               "indent(2)", "center(9)", "format(1)", "string | length", "list | length", "first | string", "min",
               "sort(reverse=true)", "join", "int(9)", "float(1.5)", "round(1)", "map('upper') | list",
               "sum(start=1)", "unique(case_sensitive=true) | list", "attr('role')"]
    tests = ["number", "string", "defined", "none", "odd", "even", "iterable", "mapping", "sequence", "integer",
             "float", "boolean", "true", "false", "lower", "upper", "divisibleby 2", "in [1, 'a']", "eq 1",
             "callable", "sameas none", "gt 1", "le 'b'", "ne none", "undefined", "escaped"]
    context = {"n": 4, "s": "Hi", "l": [3, 1, 2], "d": {"b": 2, "a": 1}, "f": 0.1, "u": "naïve café 👋",
               "ms": [{"role": "user", "content": "a"}, {"role": "assistant", "content": None}]}

    def expr(depth):
        r = rng.random()
        if depth > 2 or r < 0.3:
            return rng.choice(atoms)
        if r < 0.55:
            return f"({expr(depth + 1)} {rng.choice(binops)} {expr(depth + 1)})"
        if r < 0.75:
            return f"({expr(depth + 1)} | {rng.choice(filters)})"
        if r < 0.85:
            return f"({expr(depth + 1)} is {rng.choice(['', 'not '])}{rng.choice(tests)})"
        if r < 0.88:
            return f"(not {expr(depth + 1)})"
        if r < 0.92:
            base = expr(depth + 1)
            if rng.random() < 0.5:
                return base + "[" + rng.choice(["0", "-1", "1:", "::-1", ":2", "'k'", "'role'"]) + "]"
            return base + "." + rng.choice(["upper()", "split()", "strip()", "title()", "items()", "keys()", "get('k')",
                                            "startswith('a')", "count(1)", "index(1)", "role", "k"])
        return f"({expr(depth + 1)} if {expr(depth + 1)} else {expr(depth + 1)})"

    def layout(text):
        # Some expressions span lines, so error line numbers are checked inside multi-line tags.
        if rng.random() < 0.5:
            return text
        return "".join(ch if ch != " " or rng.random() < 0.7 else "\n" for ch in text)

    def template():
        body = layout(expr(0))
        r = rng.random()
        if r < 0.6:
            return "{{ " + body + " }}"
        if r < 0.8:
            return "line one\n{% if " + body + " %}\nyes\n{% endif %}"
        return "{% set v = " + body + " %}\n{{ v }}"

    return [render_focused(f"expression fuzz {i}", template(), context) for i in range(count)]


def statement_fuzz_cases(count=int(os.environ.get("JINJA_STMT_FUZZ_COUNT", 400)),
                         seed=int(os.environ.get("JINJA_STMT_FUZZ_SEED", 11))):
    """Random programs: set / namespace / for (else, filter, break, continue, loop.*) / if-elif /
    macros / with, reading variables across scopes; checks Jinja2's scoping rules."""
    import random
    rng = random.Random(seed)
    names = ["a", "b", "x", "item"]
    loops = [0]  # how many for loops enclose the code being generated

    def value(depth):
        r = rng.random()
        if r < 0.25:
            return rng.choice(names)
        if r < 0.35:
            return "ns.c"
        if r < 0.45:
            return "loop.index" if loops[0] else "outer"
        if r < 0.55:
            return rng.choice(["1", "'s'", "[1, 2]", "none", "true", "range(3) | list"])
        if r < 0.7:
            return f"({value(depth)} ~ {value(depth)})"
        if r < 0.8:
            return f"({value(depth)} if {value(depth)} is defined else 'u')"
        if r < 0.85:
            return f"m({value(depth)})"
        if r < 0.88:
            return "m(" + value(depth) + ", q=" + value(depth) + ")"
        if r < 0.92 and loops[0]:
            return rng.choice(["loop.cycle('p', 'q')", "loop.previtem", "loop.nextitem", "loop.first", "loop.last",
                               "loop.revindex", "loop.length", "loop.changed(item)"])
        return f"({value(depth)} | default('d') | string | length)"

    def block(depth):
        out = []
        for _ in range(rng.randint(1, 3)):
            r = rng.random()
            if r < 0.25:
                out.append("{{ " + value(depth) + " }},")
            elif r < 0.4:
                out.append("{% set " + rng.choice(names) + " = " + value(depth) + " %}")
            elif r < 0.48:
                out.append("{% set ns.c = " + value(depth) + " %}")
            elif r < 0.62 and depth < 3:
                loop_var = rng.choice(names)
                filt = rng.choice(["", " if " + loop_var + " is odd", " if loop_var is defined"]).replace("loop_var", loop_var)
                iterable = rng.choice(["[1, 2, 3]", "range(4)", "[]", "'ab'", loop_var])
                loops[0] += 1
                body = block(depth + 1)
                if rng.random() < 0.3:
                    body += "{% if " + value(depth + 1) + " %}{% " + rng.choice(["break", "continue"]) + " %}{% endif %}"
                loops[0] -= 1
                els = "{% else %}" + block(depth + 1) if rng.random() < 0.3 else ""
                out.append("{% for " + loop_var + " in " + iterable + filt + " %}" + body + els + "{% endfor %}")
            elif r < 0.75 and depth < 3:
                out.append("{% if " + value(depth) + " %}" + block(depth + 1) + "{% elif " + value(depth) + " %}"
                           + block(depth + 1) + "{% else %}" + block(depth + 1) + "{% endif %}")
            elif r < 0.82 and depth < 3:
                out.append("{% with " + rng.choice(names) + " = " + value(depth) + " %}" + block(depth + 1) + "{% endwith %}")
            elif r < 0.86 and depth < 3:
                loops[0] += 1
                body = block(depth + 1)
                loops[0] -= 1
                out.append("{% for k, " + rng.choice(names) + " in {'p': 1, 'q': [2]}.items() %}" + body + "{% endfor %}")
            elif r < 0.89 and depth < 3:
                out.append("{% set " + rng.choice(names) + " %}" + block(depth + 1) + "{% endset %}")
            elif r < 0.91 and depth < 3:
                out.append("{% filter upper %}" + block(depth + 1) + "{% endfilter %}")
            elif r < 0.93:
                out.append("{% set " + rng.choice(names) + ", " + rng.choice(names) + " = [" + value(depth) + ", 2] %}")
            else:
                out.append("[{{ " + rng.choice(names) + " }}]")
        return "".join(out)

    prelude = "{% set ns = namespace(c=0) %}{% macro m(p, q='dq') %}<{{ p }}{{ q }}{{ a if a is defined }}>{% endmacro %}"
    return [render_focused(f"statement fuzz {i}", prelude + block(0), {"outer": "o", "item": 5})
            for i in range(count)]


def chat_fuzz_cases(per_model=int(os.environ.get("JINJA_CHAT_FUZZ_COUNT", 30)), seed=5):
    """Random conversations on the real templates: roles, think blocks, reasoning fields, tool
    calls, whitespace and unicode mixed at random, with random template switches."""
    import random
    rng = random.Random(seed)
    words = ["hi", "  ", "\n", "\n\n", "\t", "é", "日本", "🙂", "{{ x }}", "{% if %}", "<think>", "</think>",
             "<tool_response>", "</tool_response>", "<|im_end|>", "a b", "'q'", "\"dq\"", "\\", "x\r\ny"]

    def text():
        return "".join(rng.choice(words) for _ in range(rng.randint(0, 6)))

    def message(role):
        m = {"role": role, "content": text()}
        if role == "assistant":
            r = rng.random()
            if r < 0.3:
                m["content"] = "<think>" + text() + "</think>" + text()
            elif r < 0.45:
                m["reasoning_content"] = text()
            elif r < 0.55:
                m["reasoning"] = text()
            elif r < 0.7:
                m["tool_calls"] = [{"type": "function", "function": {"name": "get_current_temperature",
                                                                      "arguments": rng.choice([{"location": text()}, "{}"])}}]
        return m

    cases = []
    for model, (template_file, tokens) in MODELS.items():
        for i in range(per_model):
            roles = ["system"] if rng.random() < 0.3 else []
            for turn in range(rng.randint(1, 6)):
                roles.append(rng.choice(["user", "assistant", "user", "assistant", "tool"]))
            msgs = [message(role) for role in roles]
            kwargs = {}
            if rng.random() < 0.3:
                kwargs["tools"] = [WEATHER_TOOL]
            if rng.random() < 0.3:
                kwargs["enable_thinking"] = rng.random() < 0.5
            cases.append(render_chat(f"{model}: random conversation {i}", template_file, msgs, rng.random() < 0.5,
                                     tokens, **kwargs))
    return cases


def main():
    cases = [render_focused(name, src, ctx) for name, src, ctx in FOCUSED]
    cases += chat_fuzz_cases()
    cases += statement_fuzz_cases()
    cases += whitespace_fuzz_cases()
    cases += expression_fuzz_cases()
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "duplicate focused case names"
    cases += chat_cases()
    cases += functionary_cases()
    out = {
        "generator": "scripts/make-jinja-references.py",
        "jinja2": jinja2.__version__,
        "transformers": transformers.__version__,
        "strftime_now": FIXED_NOW.isoformat(),
        "cases": cases,
    }
    path = os.path.join(REF_DIR, "cases.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    errors = sum("error" in c for c in cases)
    print(f"wrote {len(cases)} cases ({errors} expecting errors) to {os.path.relpath(path, ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
