#!/usr/bin/python3
"""Validates JSON documents against the message schemas in schemas/ (JSON Schema draft 2020-12).

    validate-json.py SCHEMA [FILE|-]      the JSON documents in FILE or stdin: one per line
                                          (JSONL), or pretty-printed ones one after another
    validate-json.py --examples [SCHEMA...]
                                          checks the schemas themselves: each is a valid 2020-12
                                          schema, every $ref resolves, and every `examples` and
                                          `default` in it satisfies the (sub)schema it sits in

SCHEMA is a name (`selection` -> schemas/selection.schema.json) or a path. Every schema in
schemas/ is preloaded by its $id, so cross-file references (`selection.schema.json#/$defs/entry`)
resolve; nothing is fetched over the network. Formats are asserted (date-time included), and
documents must be strict JSON: NaN, Infinity and duplicate keys are errors.

Prints `line N: PATH: MESSAGE` for each error (PATH: `$` is the document, `$.ranking[0].score` a
field) and exits 1 when any document is invalid, 2 on a usage error or a schema that cannot be
read, 3 when the jsonschema package is missing.

Needs the `jsonschema` package, 4.10 or later (Debian bookworm: apt-get install python3-jsonschema).
"""

import argparse
import datetime
import json
import os
import re
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator, FormatChecker
except ImportError as error:
    print(f"validate-json: the jsonschema package is missing for {sys.executable} ({error}); "
          "install python3-jsonschema (scripts/install-deps.sh)", file=sys.stderr)
    sys.exit(3)

SCHEMAS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "schemas")


class DocumentError(ValueError):
    pass


def strict_object(pairs):
    keys = set()
    for key, _ in pairs:
        if key in keys:
            raise DocumentError(f"duplicate key {json.dumps(key)}")
        keys.add(key)
    return dict(pairs)


def no_constants(name):
    raise DocumentError(f"{name} is not JSON")


def strict_loads(text):
    return json.loads(text, object_pairs_hook=strict_object, parse_constant=no_constants)


def read_documents(text):
    """(line number, document or the ValueError that stopped it) for each JSON document in
    `text`: one per line (JSONL), or pretty-printed ones one after another. After a document
    that is not JSON, reading goes on at the next line."""
    decoder = json.JSONDecoder(object_pairs_hook=strict_object, parse_constant=no_constants)
    position, line, counted = 0, 1, 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position == len(text):
            return
        line += text.count("\n", counted, position)
        counted = position
        try:
            document, position = decoder.raw_decode(text, position)
            yield line, document
        except ValueError as error:
            yield line, error
            position = text.find("\n", position)
            if position < 0:
                return


# --- formats ---------------------------------------------------------------------------------

RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$")


def is_date_time(instance):
    """RFC 3339 date-time (jsonschema needs rfc3339-validator for it, which bookworm lacks)."""
    if not isinstance(instance, str):
        return True
    match = RFC3339.match(instance)
    if not match:
        raise ValueError(f"{instance!r} is not an RFC 3339 date-time")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    # Checks the calendar date and the clock; second 60 is a leap second.
    datetime.datetime(year, month, day, hour, minute, min(second, 59))
    if second > 60 or (match.group(9) and (int(match.group(10)) > 23 or int(match.group(11)) > 59)):
        raise ValueError(f"{instance!r} is not an RFC 3339 date-time")
    return True


def format_checker():
    checker = FormatChecker()
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)
    if "date-time" not in checker.checkers:
        checker.checks("date-time", raises=(ValueError, TypeError))(is_date_time)
    return checker


# --- schemas ---------------------------------------------------------------------------------

def load_schema(path):
    try:
        with open(path, encoding="utf-8") as file:
            return strict_loads(file.read())
    except (OSError, ValueError) as error:
        print(f"validate-json: cannot read schema {path}: {error}", file=sys.stderr)
        sys.exit(2)


def schema_path(name):
    if os.path.sep in name or name.endswith(".json"):
        return name
    return os.path.join(SCHEMAS, f"{name}.schema.json")


class Schemas:
    """Every schema of schemas/ (and `extra` paths), by $id, and validators that resolve across them."""

    def __init__(self, extra=()):
        paths = sorted(os.path.join(SCHEMAS, f) for f in os.listdir(SCHEMAS) if f.endswith(".schema.json"))
        paths += [p for p in extra if os.path.abspath(p) not in map(os.path.abspath, paths)]
        self.by_path = {}
        self.by_id = {}
        for path in paths:
            schema = load_schema(path)
            self.by_path[os.path.abspath(path)] = schema
            if isinstance(schema, dict) and isinstance(schema.get("$id"), str):
                self.by_id[schema["$id"]] = schema
        self.formats = format_checker()
        try:
            from referencing import Registry, Resource  # jsonschema >= 4.18
            from referencing.jsonschema import DRAFT202012
            self.registry = Registry().with_resources(
                (uri, Resource.from_contents(schema, default_specification=DRAFT202012))
                for uri, schema in self.by_id.items())
        except ImportError:
            self.registry = None

    def schema(self, path):
        return self.by_path.get(os.path.abspath(path)) or load_schema(path)

    def validator(self, schema):
        if self.registry is not None:
            return Draft202012Validator(schema, registry=self.registry, format_checker=self.formats)

        def offline(uri):
            raise jsonschema.RefResolutionError(f"{uri} is not a schema in {SCHEMAS} (nothing is fetched)")

        resolver = jsonschema.RefResolver(base_uri=schema.get("$id", ""), referrer=schema, store=dict(self.by_id),
                                          handlers={"http": offline, "https": offline, "file": offline})
        return Draft202012Validator(schema, resolver=resolver, format_checker=self.formats)

    def resolves(self, root, ref):
        """None when `ref` (found in `root`) resolves, else why not."""
        base = root.get("$id", "")
        try:
            if self.registry is not None:
                self.registry.resolver(base_uri=base).lookup(ref)
            else:
                self.validator(root).resolver.resolve(ref)
            return None
        except Exception as error:  # both libraries raise their own Unresolvable/RefResolutionError
            return str(error) or type(error).__name__


# --- reporting -------------------------------------------------------------------------------

def instance_path(path):
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if re.fullmatch(r"[A-Za-z_$][\w$-]*", part) else f"[{json.dumps(part)}]")
    return out


def leaves(error):
    """The innermost errors under a oneOf/anyOf error, in order."""
    if not error.context:
        yield error
    for sub in error.context:
        yield from leaves(sub)


def messages(validator, instance):
    """`PATH: MESSAGE` per error, in document order."""
    out = []
    try:
        errors = sorted(validator.iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), str(e.message)))
    except Exception as error:  # an unresolvable $ref, say: the schema is broken, not the document
        return [f"$: cannot validate: {type(error).__name__}: {str(error)[:300]}"]
    for error in errors:
        message = error.message
        if len(message) > 300:
            message = message[:300] + "..."
        if error.context:
            # oneOf/anyOf: say what was wrong with the closest alternative, the one whose error
            # lies deepest in the document (not "is not of type 'null'" beside a real problem).
            closest = max(leaves(error), key=lambda e: (len(e.absolute_path), e.validator != "type"))
            message += f" (closest alternative: {instance_path(closest.absolute_path)}: {closest.message[:300]})"
        where = "/".join(map(str, error.absolute_schema_path))
        out.append(f"{instance_path(error.absolute_path)}: {message} [schema #/{where}]")
    return out


# --- modes -----------------------------------------------------------------------------------

def validate_documents(schemas, path, source):
    schema = schemas.schema(path)
    validator = schemas.validator(schema)
    text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
    documents = list(read_documents(text))
    if not documents:
        print("validate-json: no documents", file=sys.stderr)
        return 1
    failed = 0
    for number, document in documents:
        problems = [f"not JSON: {document}"] if isinstance(document, ValueError) else messages(validator, document)
        for problem in problems:
            print(f"line {number}: {problem}")
        failed += bool(problems)
    if failed:
        print(f"validate-json: {failed} of {len(documents)} documents do not match {os.path.basename(path)}", file=sys.stderr)
    return 1 if failed else 0


SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_VALUES = ("items", "contains", "not", "if", "then", "else", "additionalProperties", "propertyNames",
                 "unevaluatedItems", "unevaluatedProperties", "contentSchema")


def subschemas(schema, pointer="#"):
    """(JSON pointer, subschema) of `schema` and everything nested in it, not entering `examples`,
    `default`, `enum` or `const` (values, not schemas)."""
    if not isinstance(schema, dict):
        return
    yield pointer, schema
    for key in SCHEMA_MAPS:
        for name, sub in (schema.get(key) or {}).items():
            yield from subschemas(sub, f"{pointer}/{key}/{name.replace('~', '~0').replace('/', '~1')}")
    for key in SCHEMA_LISTS:
        for index, sub in enumerate(schema.get(key) or []):
            yield from subschemas(sub, f"{pointer}/{key}/{index}")
    for key in SCHEMA_VALUES:
        if key in schema:
            yield from subschemas(schema[key], f"{pointer}/{key}")


def check_examples(schemas, paths):
    problems = 0
    examples = 0
    for path in paths:
        root = schemas.schema(path)
        name = os.path.relpath(path)
        try:
            Draft202012Validator.check_schema(root)
        except jsonschema.SchemaError as error:
            print(f"{name}: not a valid 2020-12 schema: {instance_path(error.absolute_path)}: {error.message}")
            problems += 1
            continue
        if root.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            print(f"{name}: $schema is not https://json-schema.org/draft/2020-12/schema")
            problems += 1
        unresolved = 0
        for pointer, sub in subschemas(root):
            ref = sub.get("$ref")
            if isinstance(ref, str):
                why = schemas.resolves(root, ref)
                if why:
                    print(f"{name}{pointer}: $ref {ref} does not resolve: {why[:300]}")
                    unresolved += 1
        if unresolved:
            problems += unresolved
            continue
        root_validator = schemas.validator(root)
        for pointer, sub in subschemas(root):
            validator = root_validator.evolve(schema=sub)
            values = [(f"examples[{i}]", example) for i, example in enumerate(sub.get("examples") or [])]
            if "default" in sub:
                values.append(("default", sub["default"]))
            for label, value in values:
                examples += 1
                for problem in messages(validator, value):
                    print(f"{name}{pointer} {label}: {problem}")
                    problems += 1
        if not root.get("examples"):
            print(f"{name}: has no examples")
            problems += 1
    if problems:
        print(f"validate-json: {problems} problems in {len(paths)} schemas", file=sys.stderr)
        return 1
    print(f"validate-json: {len(paths)} schemas valid, {examples} examples and defaults match", file=sys.stderr)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", action="store_true",
                        help="check the schemas themselves and their examples (all in schemas/ when none is named)")
    parser.add_argument("schema", nargs="?", help="a name in schemas/ (selection) or a path")
    parser.add_argument("input", nargs="*", help="FILE or - (stdin, the default); with --examples, more schemas")
    args = parser.parse_args()

    if args.examples:
        names = ([args.schema] if args.schema else []) + args.input
        paths = [schema_path(n) for n in names] or sorted(os.path.join(SCHEMAS, f) for f in os.listdir(SCHEMAS)
                                                           if f.endswith(".schema.json"))
        for path in paths:
            if not os.path.isfile(path):
                parser.error(f"no schema {path}")
        return check_examples(Schemas(extra=paths), paths)

    if not args.schema:
        parser.error("name a schema (or use --examples)")
    if len(args.input) > 1:
        parser.error("one input at a time (FILE or -)")
    path = schema_path(args.schema)
    if not os.path.isfile(path):
        parser.error(f"no schema {path}")
    source = args.input[0] if args.input else "-"
    if source != "-" and not os.path.exists(source):
        parser.error(f"no file {source}")
    return validate_documents(Schemas(extra=[path]), path, source)


if __name__ == "__main__":
    sys.exit(main())
