"""kubectl output expressions (`-o jsonpath=`, `custom-columns=`, `go-template=`, `--template`) checked for
what they would strip: the key names redaction relies on.

`-o yaml` prints `name: DB_PASSWORD` next to `value: hunter2`, and redaction masks the value because of its
name. `-o jsonpath='{..env[*].value}'` prints `hunter2` alone, and nothing downstream can tell it is a
password. So an expression is allowed only when each path it reads keeps values next to their names:

- no recursive descent (`..`) and no `*` wildcard over an object (both collect values without their keys);
- nothing picked out of `data`, `stringData`, `binaryData` or `annotations` (whole maps print with their
  keys), nothing out of `env` but names and references (`valueFrom`);
- no field whose name says it holds a secret (`password`, `token`, `apiKey` ...) other than references to
  one (`secretName`, `secretKeyRef`);
- custom-columns and go-templates print objects in Go's `map[k:v]` form, where an env value stands apart
  from its name: they may not print whole objects (the current item, `spec`, `containers`, `env`, `data` ...);
- go-templates may call no function but comparisons, `len` and `index` with literal keys: `printf "%x"`,
  `urlquery`, `js`, `html`, `base64decode` re-encode values past any redactor.

The same paths are checked inside filters (`[?(@.value=="guess")]`) and `if`/`eq` conditions, which answer
"is the value my guess": an oracle. Expressions the checker cannot parse are refused. Secrets are refused
whatever the expression (kubectl_checks.check_output).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiops_chat.policy.refusal import Refusal

_KEYED_MAPS = frozenset({"data", "stringdata", "binarydata", "annotations"})
_ENV_REFERENCE_FIELDS = frozenset({"name", "valuefrom", "secretkeyref", "configmapkeyref", "fieldref",
                                   "resourcefieldref", "key", "optional", "fieldpath", "apiversion",
                                   "containername", "resource", "divisor"})
_SECRETISH = re.compile(r"pass(?:word|wd|phrase)?|secret|token|credential|api_?key|private_?key|access_?key|pwd|"
                        r"dsn|auth|connection_?string|cert|signing|kubeconfig", re.IGNORECASE)
_REFERENCE = re.compile(r"(?:name|names|ref|refs|path|file|seconds|type|mode)$", re.IGNORECASE)
# Objects a Go-formatted dump (custom-columns, go-template) would print as `map[...]` with values apart from
# the names that say what they are: env's `map[name:DB_PASSWORD value:x]`, data's `map[DB_PASSWORD:x]`.
# Metadata and annotations are not here: their values sit right after their keys (`note:x`), and the
# last-applied-configuration inside is JSON, which redaction reads.
_DUMPED = frozenset({"", "items", "spec", "template", "jobtemplate", "containers", "initcontainers",
                     "ephemeralcontainers", "env", "envfrom", "data", "stringdata", "binarydata"})
_GO_KEYWORDS = frozenset({"range", "end", "if", "else", "with", "not", "and", "or", "eq", "ne", "lt", "le", "gt",
                          "ge", "len", "index", "nil", "true", "false"})


@dataclass(frozen=True)
class Step:
    kind: str          # "field", "array", "wild", "recursive"
    name: str = ""     # a field's name, lower-cased

    @property
    def is_field(self) -> bool:
        return self.kind == "field"


Path = tuple[Step, ...]
_ARRAY = Step("array")


class _Unreadable(Exception):
    pass


def check_expression(fmt: str, expr: str, verb: str) -> None:
    """Refuse an output expression that could print values without their keys; ``fmt`` as given to -o."""
    try:
        if fmt in ("jsonpath", "jsonpath-as-json"):
            problems = [_path_problem(p, dumps=False) for p in _jsonpath_paths(expr)]
        elif fmt == "custom-columns":
            problems = [_path_problem(p, dumps=True) for column in expr.split(",") if column.strip()
                        for p in _jsonpath_paths(_column_expression(column))]
        else:  # go-template, template, or --template on its own
            problems = [_path_problem(p, dumps=printed) for p, printed in _go_template_paths(expr)]
    except _Unreadable as exc:
        raise Refusal(f"kubectl {verb} -o {fmt} with an expression the policy cannot check ({exc}); "
                      "use -o yaml or -o json, which redaction can read") from None
    problem = next((p for p in problems if p), None)
    if problem:
        raise Refusal(f"kubectl {verb} -o {fmt}: {problem}; use -o yaml or -o json, which keep every value next "
                      "to its key as redaction needs, or select other fields")


def _path_problem(path: Path, *, dumps: bool) -> str | None:
    for i, step in enumerate(path):
        if step.kind == "recursive":
            return "recursive descent (..) collects values from anywhere without their keys"
        if step.kind == "wild":
            return "the * wildcard over an object prints its values without their keys"
        if not step.is_field:
            continue
        later = [s for s in path[i + 1:] if s.is_field]
        if step.name in _KEYED_MAPS and (later or any(s.kind != "array" for s in path[i + 1:])):
            return f"it picks single values out of {step.name}, without their keys"
        if step.name == "env" and any(s.name not in _ENV_REFERENCE_FIELDS for s in later):
            return "it picks env values without their names"
        if step.name and _SECRETISH.search(step.name) and not _REFERENCE.search(step.name):
            return f"the field {step.name} looks like it holds a secret"
    if dumps:
        fields = [s for s in path if s.is_field and s.name]
        last = fields[-1].name if fields else ""
        if last in _DUMPED:
            return f"it prints {last or 'the whole object'} in Go's map form, which redaction does not read"
    return None


# --- jsonpath, as client-go's util/jsonpath parser reads it --------------------------------------------------

_TERMINATORS = frozenset(" \t\r\n.,[]$@{}")
_FILTER = re.compile(r"^([^!<>=]+)([!<>=]+)(.+?)$", re.DOTALL)
_DICT_KEY = re.compile(r"^'([^']*)'$")
_SLICE = re.compile(r"^(-?\d*)(:-?\d*)?(:-?\d*)?$")


def _column_expression(column: str) -> str:
    """kubectl's RelaxedJSONPathExpression: `HEADER:.a.b`, `HEADER:a.b` or `HEADER:{.a.b}`."""
    _, sep, expr = column.partition(":")
    if not sep:
        raise _Unreadable(f"the column {column!r} has no HEADER:expression")
    expr = expr.strip()
    if expr.startswith("{") and expr.endswith("}"):
        return expr
    return "{" + ("" if expr.startswith(".") else ".") + expr + "}"


def _jsonpath_paths(template: str) -> list[Path]:
    """Every path the template reads (with `range` prefixes applied), filter operands included."""
    paths: list[Path] = []
    prefixes: list[Path] = [()]
    pos = 0
    while True:
        start = template.find("{", pos)
        if start < 0:
            return paths
        steps, pos, words = _action(template, start + 1, paths, prefixes[-1])
        if words[:1] == ["range"]:
            prefixes.append(prefixes[-1] + steps + (_ARRAY,))
        elif words[:1] == ["end"]:
            if len(prefixes) == 1:
                raise _Unreadable("an {end} without {range}")
            prefixes.pop()
        elif steps or not words:
            paths.append(prefixes[-1] + steps)


def _action(text: str, pos: int, paths: list[Path], prefix: Path) -> tuple[Path, int, list[str]]:
    """One `{...}` action from ``pos`` (after the brace): its steps, the position after `}`, its identifiers."""
    steps: list[Step] = []
    words: list[str] = []
    saw_text = False
    while True:
        if pos >= len(text):
            raise _Unreadable("an action is not closed")
        ch = text[pos]
        if ch == "}":
            if saw_text and not steps:
                words.append("")  # a literal such as {"\n"}: prints nothing from the object
            return tuple(steps), pos + 1, words
        if text.startswith("[?(", pos):
            pos = _filter(text, pos + 3, paths, prefix + tuple(steps) + (_ARRAY,))
            steps.append(_ARRAY)
        elif text.startswith("..", pos):
            steps.append(Step("recursive"))
            pos += 2
            if pos < len(text) and (text[pos].isalnum() or text[pos] == "_"):
                name, pos = _field_name(text, pos)
                steps.append(_field(name))
        elif ch in " \t@$":
            pos += 1
        elif ch == "[":
            end = text.find("]", pos)
            if end < 0 or "\n" in text[pos:end]:
                raise _Unreadable("an array selection is not closed")
            steps += _array(text[pos + 1:end], paths)
            pos = end + 1
        elif ch in "\"'":
            pos = _quoted_end(text, pos)
            saw_text = True
        elif ch == ".":
            name, pos = _field_name(text, pos + 1)
            steps.append(_field(name))
        elif ch in "+-" or ch.isdigit():
            pos += 1
            while pos < len(text) and (text[pos].isdigit() or text[pos] == "."):
                pos += 1
            saw_text = True
        elif ch.isalnum() or ch == "_":
            end = pos
            while end < len(text) and text[end] not in _TERMINATORS:
                end += 1
            words.append(text[pos:end])
            if text[pos:end] not in ("range", "end", "true", "false"):
                raise _Unreadable(f"unknown identifier {text[pos:end]!r}")
            pos = end
        else:
            raise _Unreadable(f"unexpected character {ch!r}")


def _field(name: str) -> Step:
    return Step("wild") if name == "*" else Step("field", name.replace("\\", "").lower())


def _field_name(text: str, pos: int) -> tuple[str, int]:
    start = pos
    while pos < len(text):
        if text[pos] == "\\":
            pos += 2
            continue
        if text[pos] in _TERMINATORS:
            break
        pos += 1
    return text[start:pos], min(pos, len(text))


def _array(inner: str, paths: list[Path]) -> list[Step]:
    if inner == "*":
        return [_ARRAY]
    if "," in inner:
        # A union: each branch continues from here; checked as one path through all of them (stricter).
        out: list[Step] = []
        for branch in inner.split(","):
            out += _array(branch.strip(), paths)
        return out
    key = _DICT_KEY.match(inner)
    if key:
        # client-go parses ['a.b'] as the fields .a.b
        return _jsonpath_steps_of("." + key.group(1), paths)
    if _SLICE.match(inner):
        return [_ARRAY]
    raise _Unreadable(f"the array selection [{inner}] is not one the policy knows")


def _jsonpath_steps_of(expr: str, paths: list[Path]) -> list[Step]:
    """Steps of a sub-expression (a dict key, a filter operand); filters inside it add to ``paths``."""
    steps, _, _ = _action(expr + "}", 0, paths, ())
    return list(steps)


def _quoted_end(text: str, pos: int) -> int:
    quote = text[pos]
    i = pos + 1
    while i < len(text):
        if text[i] == "\n":
            break
        if text[i] == quote and text[i - 1] != "\\":
            return i + 1
        i += 1
    raise _Unreadable("a quoted string is not closed")


def _filter(text: str, pos: int, paths: list[Path], element: Path) -> int:
    """`[?(left op right)]` from after `[?(`: both operands are paths from the array element (an oracle)."""
    start, begin, end, pair = pos, False, False, ""
    while True:
        if pos >= len(text) or text[pos] == "\n":
            raise _Unreadable("a filter is not closed")
        ch = text[pos]
        pos += 1
        if ch in "\"'":
            if not begin:
                begin, pair = True, ch
                continue
            if text[pos - 2] != "\\" and ch == pair:
                end = True
        elif ch == ")" and begin == end:
            break
    if pos >= len(text) or text[pos] != "]":
        raise _Unreadable("a filter is not closed with ]")
    inner = text[start:pos - 1]
    m = _FILTER.match(inner)
    for operand in (m.group(1), m.group(3)) if m else (inner,):
        operand = operand.strip()
        if operand.startswith(("@", ".", "[")):
            paths.append(element + tuple(_jsonpath_steps_of(operand.lstrip("@"), paths)))
        elif operand.startswith("$"):
            paths.append(tuple(_jsonpath_steps_of(operand.lstrip("$"), paths)))
    return pos + 1


# --- go-template --------------------------------------------------------------------------------------------

_GO_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_GO_TOKEN = re.compile(r'\s+|"(?:[^"\\\n]|\\.)*"|\.[A-Za-z0-9_.]*|[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?|[()]')


def _go_template_paths(template: str) -> list[tuple[Path, bool]]:
    """(path, printed) for every field chain in the template; printed when the action prints it alone."""
    out: list[tuple[Path, bool]] = []
    blocks: list[Path] = [()]
    if "{{" not in template and "}}" not in template:
        return out
    for match in _GO_ACTION.finditer(template):
        body = match.group(1)
        body = body[1:] if body.startswith("-") else body
        body = body[:-1] if body.endswith("-") else body
        body = body.strip()
        if body.startswith("/*"):
            continue  # a comment
        tokens = [t for t in _tokens(body) if not t.isspace()]
        words = [t for t in tokens if t[:1].isalpha() or t[:1] == "_"]
        for word in words:
            if word not in _GO_KEYWORDS:
                raise _Unreadable(f"the function {word} can re-encode values; only comparisons, len and index "
                                  "are allowed") if word.isidentifier() else _Unreadable(word)
        chains = _chains(tokens, blocks[-1])
        head = words[0] if words and tokens[0] == words[0] else ""
        if head in ("range", "with"):
            blocks.append((chains[0] if chains else blocks[-1]) + ((_ARRAY,) if head == "range" else ()))
        elif head == "if":
            blocks.append(blocks[-1])
        elif head == "end":
            if len(blocks) == 1:
                raise _Unreadable("an {{end}} without a block")
            blocks.pop()
        printed = (head == "" and len(chains) == 1 and not any(t in ("(", ")") for t in tokens)) \
            or head == "index"
        out += [(chain, printed) for chain in chains]
    return out


def _tokens(body: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    while pos < len(body):
        m = _GO_TOKEN.match(body, pos)
        if not m:
            raise _Unreadable(f"unexpected text {body[pos:pos + 10]!r}")
        tokens.append(m.group(0))
        pos = m.end()
    return tokens


def _chains(tokens: list[str], prefix: Path) -> list[Path]:
    """Field chains, with `index X "k"` read as X.k (numbers as array steps)."""
    chains: list[Path] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith(".") and i > 0 and tokens[i - 1] == ")":
            raise _Unreadable("a field of a parenthesized value")
        if token.startswith("."):
            chains.append(prefix + tuple(_field(n) for n in token.split(".")[1:]))
        elif token == "index" and i + 1 < len(tokens) and tokens[i + 1].startswith("."):
            base = prefix + tuple(_field(n) for n in tokens[i + 1].split(".")[1:])
            i += 2
            while i < len(tokens) and (tokens[i].startswith('"') or tokens[i].lstrip("-").isdigit()):
                base += (_field(tokens[i][1:-1]) if tokens[i].startswith('"') else _ARRAY,)
                i += 1
            chains.append(base)
            continue
        elif token == "index":
            raise _Unreadable("index needs a field and literal keys")
        i += 1
    return chains
