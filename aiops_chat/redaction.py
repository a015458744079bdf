"""Redaction: the one function every command output passes through before a model or a log sees it.

It is defence in depth: the policy already refuses commands that print Secret values, but a pod's env, a
ConfigMap someone misused, a log line or a kubeconfig can still carry credentials. What looks like a secret
is replaced by ``[REDACTED]``; the shape of the text (YAML, JSON, lines) is kept so a model can still read it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

MASK = "[REDACTED]"

# Names of env vars, JSON keys and "KEY=value" pairs that hold credentials.
_SECRET_NAME = (r"[A-Za-z0-9_.-]*(?:PASSWORD|PASSWD|PASSPHRASE|(?<![A-Za-z])PASS(?![A-Za-z])|SECRET|TOKEN|API_?KEY|"
                r"ACCESS_?KEY|PRIVATE_?KEY|MASTER_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|KEY_?BASE|CREDENTIALS?|AUTH|"
                r"_PWD|DSN|CONN(?:ECTION)?_?STRING)[A-Za-z0-9_.-]*")
_SECRET_NAME_RE = re.compile(rf"^{_SECRET_NAME}$", re.IGNORECASE)
# Keys that name a secret rather than hold one (a volume's secretName, a tokenRef), left readable.
_REFERENCE_KEY = re.compile(r"(?i)(?:name|names|ref|path|file|seconds|type|mode|version)$")

def _mask_quoted_value(m: re.Match[str]) -> str:
    return m.group(0) if _REFERENCE_KEY.search(m.group("key")) else f"{m.group(1)}{MASK}{m.group(3)}"


_PATTERNS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # PEM blocks (keys, certificates): multi-line.
    (re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----", re.DOTALL), f"-----BEGIN \\1-----{MASK}-----END \\1-----"),
    # JWTs, including service-account tokens.
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"), MASK),
    # Authorization headers and bearer tokens.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), f"\\1 {MASK}"),
    # Passwords in URLs: scheme://user:password@host (the user may be empty: redis://:pw@host)
    (re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*):[^\s@/]+@"), f"\\1:{MASK}@"),
    # kubeconfig credential fields and tokens.
    (re.compile(r"(?im)^(\s*(?:client-key-data|client-certificate-data|certificate-authority-data|token|password)\s*:\s*)\S.*$"), f"\\1{MASK}"),
    # Cloud and SaaS keys.
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), MASK),
    (re.compile(r"(?i)(aws_secret_access_key\s*[=:]\s*)\S+"), f"\\1{MASK}"),
    (re.compile(r"(?i)(AccountKey=)[^;\s]+"), f"\\1{MASK}"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), MASK),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), MASK),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"), MASK),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{20,}\b"), MASK),
    (re.compile(r'("private_key(?:_id)?"\s*:\s*")[^"]+(")'), f"\\1{MASK}\\2"),
    # KEY=value and KEY: value where the name looks secret (env dumps, describe output, .env files).
    (re.compile(rf"(?im)^(\s*(?:export\s+)?{_SECRET_NAME}\s*=\s*)\S.*$"), f"\\1{MASK}"),
    (re.compile(rf"(?im)^(\s*{_SECRET_NAME}:[ \t]+)(?!<set to the key)(?!\[REDACTED\])\S.*$"), f"\\1{MASK}"),
    # Inline key=value or key: value inside a log line ("connecting with password=hunter2").
    (re.compile(r"(?i)\b((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)\s*[=:]\s*)(?!\[REDACTED\])(?!<set to)[^\s,;\"'&]+"), f"\\1{MASK}"),
    # Quoted values: password="hunter2 pw", token: 'x y'
    (re.compile(r"(?i)\b((?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)\s*[=:]\s*)([\"'])(?!\[REDACTED\])[^\"'\n]*\2"), f"\\1\\2{MASK}\\2"),
    # Quoted secret-named keys in JSON lines and dict dumps: {"password": "x"}, {'db_token': 'x'}
    (re.compile(rf"([\"'](?P<key>{_SECRET_NAME})[\"']\s*:\s*[\"'])(?!\[REDACTED\])(?:[^\"'\\\n]|\\.)*([\"'])",
                re.IGNORECASE), _mask_quoted_value),
    # "name": "DB_PASSWORD", "value": "..." in JSON env arrays.
    (re.compile(rf'("name"\s*:\s*"{_SECRET_NAME}"\s*,\s*"value"\s*:\s*")(?:[^"\\]|\\.)*(")', re.IGNORECASE), f"\\1{MASK}\\2"),
)

_YAML_KEY = re.compile(r"^(\s*)(?:- )?([A-Za-z0-9_.-]+):(.*)$")
_ENV_NAME = re.compile(r"^(\s*)-?\s*name:\s*['\"]?([^'\"\s]+)['\"]?\s*$")
_ENV_VALUE = re.compile(r"^(\s*)(?:- )?value:\s*\S")


def redact(text: str, extra_patterns: Sequence[str] = ()) -> str:
    """Return ``text`` with every credential-looking value replaced by ``[REDACTED]``."""
    if not text:
        return text
    stripped = text.lstrip()
    text = _redact_json_text(text) if stripped[:1] in "{[" else _redact_yaml_lines(text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    for pattern in _compiled(tuple(extra_patterns)):
        text = pattern.sub(MASK, text)
    return text


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)


def _redact_json_text(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return _redact_yaml_lines(text)
    indent = 4 if "\n" in text.strip() else None  # keep one-line JSON on one line
    return json.dumps(_redact_obj(data), indent=indent, ensure_ascii=False)


def _redact_obj(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_redact_obj(item) for item in obj]
    if not isinstance(obj, dict):
        return obj
    out = {k: _redact_obj(v) for k, v in obj.items()}
    if obj.get("kind") == "Secret":
        for key in ("data", "stringData"):
            if isinstance(out.get(key), dict):
                out[key] = {k: MASK for k in out[key]}
    if isinstance(out.get("name"), str) and "value" in out and _SECRET_NAME_RE.match(out["name"]):
        out["value"] = MASK
    for key, value in list(out.items()):
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        if key.endswith("-data") or (_SECRET_NAME_RE.match(key) and not _REFERENCE_KEY.search(key)):
            out[key] = MASK
        elif "\n" in value or value.lstrip()[:1] == "{":
            # Text inside text: a helm release's manifest, a last-applied-configuration annotation.
            out[key] = redact(value)
    return out


def _redact_yaml_lines(text: str) -> str:
    """Mask Secret data blocks and secret-named env values in YAML-shaped text, line by line."""
    lines = text.split("\n")
    for start, end in _secret_data_blocks(lines):
        for i in range(start, end):
            m = _YAML_KEY.match(lines[i])
            if m and m.group(3).strip():
                lines[i] = f"{m.group(1)}{m.group(2)}: {MASK}"
            elif lines[i].strip():
                # Folded or multi-line values: drop the content, keep the indentation.
                lines[i] = re.sub(r"\S.*$", MASK, lines[i])
    for i, line in enumerate(lines):
        m = _ENV_NAME.match(line)
        if m and _SECRET_NAME_RE.match(m.group(2)):
            # The value may stand after the name or, in hand-written YAML, before it.
            for j in (i + 1, i - 1):
                near = _ENV_VALUE.match(lines[j]) if 0 <= j < len(lines) else None
                if near:
                    lines[j] = f"{near.group(1)}{'- ' if lines[j].lstrip().startswith('- ') else ''}value: {MASK}"
        elif line.strip()[:1] == "{" and line.rstrip().endswith("}"):
            # A JSON document on one YAML line: last-applied-configuration of a Secret, a JSON log line.
            lead = line[: len(line) - len(line.lstrip())]
            lines[i] = lead + _redact_json_text(line.strip())
    return "\n".join(lines)


def _secret_data_blocks(lines: list[str]) -> Iterable[tuple[int, int]]:
    """Line ranges holding the values of `data:`/`stringData:` in YAML mappings that have `kind: Secret`."""
    for i, line in enumerate(lines):
        m = _YAML_KEY.match(line)
        if not m or m.group(2) not in ("data", "stringData") or m.group(3).strip() not in ("", "|", ">"):
            continue
        indent = len(m.group(1)) + (2 if line.lstrip().startswith("- ") else 0)
        if not _sibling_is_secret(lines, i, indent):
            continue
        end = i + 1
        while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > indent):
            end += 1
        yield i + 1, end


def _sibling_is_secret(lines: list[str], at: int, indent: int) -> bool:
    sibling = re.compile(rf"^\s{{{indent}}}(?:- )?kind:\s*['\"]?Secret['\"]?\s*$|^\s{{{max(indent - 2, 0)}}}- kind:\s*Secret\s*$")
    for step in (-1, 1):
        i = at + step
        while 0 <= i < len(lines):
            line = lines[i]
            if line.strip() and _indent(line) < indent and not line.lstrip().startswith("- "):
                break
            if sibling.match(line):
                return True
            if line.strip() and _indent(line) <= indent - 2 and line.lstrip().startswith("- "):
                # The start of this list item: lines beyond it belong to another item.
                break
            i += step
    return False


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
