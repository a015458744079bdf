"""Stable pseudonyms for what must not leave the machine: object names, namespaces, label values, IPs, UIDs.

The model sees `POD_1` and `NAMESPACE_1`; its answer is mapped back before anyone reads it. Tokens are
upper-case, which Kubernetes names never are, so a token cannot be confused with a real name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from aiops_chat.analysis.findings import Finding
from aiops_chat.analysis.inventory import Inventory, labels_of, name_of, namespace_of

_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)
_TOKEN = re.compile(r"\b[A-Z][A-Z0-9]*_\d+\b")
# Label values that identify nothing; replacing them would only garble the text the model reads.
_PLAIN_VALUES = frozenset({"true", "false", "yes", "no", "enabled", "disabled"})


class Anonymizer:
    def __init__(self) -> None:
        self._forward: dict[str, str] = {}
        self._back: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._pattern: re.Pattern[str] | None = None

    @classmethod
    def for_findings(cls, findings: Iterable[Finding], inv: Inventory | None = None) -> Anonymizer:
        """Know every name the findings could mention: all objects in the inventory plus the findings' own."""
        anon = cls()
        for f in findings:
            if f.namespace:
                anon.add(f.namespace, "namespace")
            anon.add(f.name, f.kind)
            if f.parent:
                kind, _, name = f.parent.partition("/")
                anon.add(name, kind)
        if inv is not None:
            for kind in inv.kinds():
                if kind == "Event":
                    continue  # events are named after their object; the object is already known
                for obj in inv.all(kind):
                    anon.add(name_of(obj), kind)
                    anon.add(namespace_of(obj), "namespace")
                    for value in labels_of(obj).values():
                        anon.add(str(value), "label")
        return anon

    def add(self, value: str, kind: str) -> None:
        if not value or value in self._forward or value.lower() in _PLAIN_VALUES or len(value) < 2:
            return
        prefix = re.sub(r"[^A-Z0-9]", "", kind.upper()) or "NAME"
        self._counters[prefix] = self._counters.get(prefix, 0) + 1
        token = f"{prefix}_{self._counters[prefix]}"
        self._forward[value] = token
        self._back[token] = value
        self._pattern = None

    def _value(self, kind: str, value: str) -> str:
        if value not in self._forward:
            self.add(value, kind)
        return self._forward[value]

    def anonymize(self, text: str) -> str:
        # IPs and UIDs first: they may contain nothing else, and names may not contain them.
        text = _IPV4.sub(lambda m: self._value("ip", m.group(0)), text)
        text = _UUID.sub(lambda m: self._value("uid", m.group(0)), text)
        names = [v for v in self._forward if not _IPV4.fullmatch(v) and not _UUID.fullmatch(v)]
        if not names:
            return text
        if self._pattern is None:
            # Longest first, so a pod name is replaced whole before the Deployment name inside it.
            alternatives = "|".join(re.escape(v) for v in sorted(names, key=len, reverse=True))
            self._pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")
        return self._pattern.sub(lambda m: self._forward[m.group(0)], text)

    def restore(self, text: str) -> str:
        return _TOKEN.sub(lambda m: self._back.get(m.group(0), m.group(0)), text)

    @property
    def originals(self) -> list[str]:
        return list(self._forward)
