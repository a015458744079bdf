"""Structure-aware redaction where the whole text is one JSON or YAML document (or a stream of YAML ones).

`kubectl get secret -o yaml|json`, helm values, kubeconfigs: parsed, every Secret's data/stringData value and
every secret-named leaf is masked, whatever the layout (flow style, block scalars, anchors, comments). YAML is
masked in place by the parser's positions, so everything else keeps its exact text; JSON is re-serialised only
when something in it was masked. Anything that does not parse is left to the line rules, which run after this.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from aiops_chat.redaction.names import SECRET_COLLECTIONS, is_reference_name, is_secret_name
from aiops_chat.redaction.patterns import is_placeholder
from aiops_chat.redaction.spans import MASK, Span, apply

# Bigger documents get the line rules only: parsing costs ~1 s per MB even with libyaml.
MAX_DOCUMENT_CHARS = 1 << 20
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# How far a mask reaches below a key: not at all, every leaf but references (`secrets:`), every leaf (Secret data).
_NONE, _LEAVES, _ALL = 0, 1, 2


def redact_document(text: str, redact_text: Callable[[str], str]) -> str:
    """``text`` with the secrets in it masked if it is a JSON or YAML document; else ``text`` unchanged."""
    if len(text) > MAX_DOCUMENT_CHARS:
        return text
    head = text.lstrip()
    try:
        if head[:1] in "{[":
            return _redact_json(text, redact_text)
        if _looks_like_yaml(head):
            return _redact_yaml(text)
    except RecursionError:  # nesting deeper than the parser or the walk can follow: the line rules still run
        pass
    return text


# --- JSON -----------------------------------------------------------------------------------------------

def _redact_json(text: str, redact_text: Callable[[str], str]) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return text
    walker = _JsonWalker(redact_text)
    new = walker.walk(data, _NONE)
    if not walker.changed:
        return text
    indent = 4 if "\n" in text.strip() else None  # kubectl's layout; one-line JSON stays on one line
    return json.dumps(new, indent=indent, ensure_ascii=False) + ("\n" if indent and text.endswith("\n") else "")


class _JsonWalker:
    def __init__(self, redact_text: Callable[[str], str]) -> None:
        self.redact_text = redact_text
        self.changed = False

    def mask(self, value: Any, reach: int) -> Any:
        if isinstance(value, (dict, list)):
            return self.walk(value, reach)
        if value is None or isinstance(value, bool) or (reach != _ALL and is_placeholder(str(value))):
            return value
        if value == "" or value == MASK:
            return value
        self.changed = True
        return MASK

    def walk(self, obj: Any, reach: int) -> Any:
        if isinstance(obj, list):
            return [self.walk(item, reach) for item in obj]
        if isinstance(obj, str):
            if reach:
                return self.mask(obj, reach)
            if "\n" in obj or obj.lstrip()[:1] in ("{", "["):
                # Text inside text: a helm release's manifest, a last-applied-configuration annotation.
                new = self.redact_text(obj)
                self.changed = self.changed or new != obj
                return new
            return obj
        if not isinstance(obj, dict):
            return self.mask(obj, reach) if reach else obj
        secret = obj.get("kind") == "Secret"
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            name = key if isinstance(key, str) else ""
            if secret and name in ("data", "stringData"):
                out[key] = self.mask(value, _ALL)
            elif name and is_secret_name(name) and not isinstance(value, dict):
                out[key] = self.mask(value, max(reach, _LEAVES))
            elif name.lower() in SECRET_COLLECTIONS:
                out[key] = self.walk(value, max(reach, _LEAVES))
            elif reach == _LEAVES and is_reference_name(name):
                out[key] = self.walk(value, _NONE)
            else:
                out[key] = self.walk(value, reach)
        env_name = obj.get("name")
        if isinstance(env_name, str) and "value" in obj and is_secret_name(env_name):
            out["value"] = self.mask(obj["value"], _LEAVES)
        return out


# --- YAML -----------------------------------------------------------------------------------------------

def _looks_like_yaml(head: str) -> bool:
    """A mapping at column 0 after comments and `---`: what kubectl, helm and kubeconfigs print."""
    for count, line in enumerate(head.split("\n", 50)):
        if count >= 50:
            return False
        bare = line.strip()
        if not bare or bare.startswith("#") or bare.startswith("---"):
            continue
        if line[:1] in " \t":
            return False
        key, colon, after = line.partition(":")
        return bool(colon) and 0 < len(key) <= 128 and " " not in key.strip("\"'") and after[:1] in ("", " ", "\t")
    return False


def _redact_yaml(text: str) -> str:
    try:
        roots = list(yaml.compose_all(text, Loader=_LOADER))
    except (yaml.YAMLError, ValueError):
        return text
    spans: list[Span] = []
    for root in roots:
        if root is not None:
            _walk_yaml(root, text, spans)
    return apply(text, spans) if spans else text


def _walk_yaml(root: yaml.Node, text: str, spans: list[Span]) -> None:
    seen: set[int] = set()  # an alias is the same node object: walk it once (no billion laughs)
    stack: list[tuple[yaml.Node, int]] = [(root, _NONE)]
    while stack:
        node, reach = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if reach:
                _mask_scalar(node, text, reach, spans)
            continue
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, reach) for child in node.value)
            continue
        if not isinstance(node, yaml.MappingNode):
            continue
        by_key = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        kind = by_key.get("kind")
        secret = isinstance(kind, yaml.ScalarNode) and kind.value == "Secret"
        env_name, env_value = by_key.get("name"), by_key.get("value")
        if (isinstance(env_name, yaml.ScalarNode) and isinstance(env_value, yaml.ScalarNode)
                and is_secret_name(str(env_name.value))):
            _mask_scalar(env_value, text, _LEAVES, spans)
        for key_node, value in node.value:
            name = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
            if secret and name in ("data", "stringData"):
                stack.append((value, _ALL))
            elif name.lower() in ("cookie", "set-cookie"):
                continue  # a Cookie header more likely than YAML: the line rule keeps the cookie names
            elif (is_secret_name(name) and not isinstance(value, yaml.MappingNode)) or name.lower() in SECRET_COLLECTIONS:
                stack.append((value, max(reach, _LEAVES)))
            elif reach == _LEAVES and is_reference_name(name):
                stack.append((value, _NONE))
            else:
                stack.append((value, reach))


def _mask_scalar(node: yaml.ScalarNode, text: str, reach: int, spans: list[Span]) -> None:
    value = str(node.value)
    if not value or (reach != _ALL and (is_placeholder(value) or node.tag.endswith((":bool", ":null")))):
        return
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ('"', "'"):
        start, end = start + 1, end - 1
    elif node.style in ("|", ">"):
        end = start + len(text[start:end].rstrip())
    if start < end:
        spans.append((start, end))
