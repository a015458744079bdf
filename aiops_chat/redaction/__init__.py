"""Redaction: the one function every command output passes through before a model or a log sees it.

It is defence in depth: the policy already refuses commands that print Secret values, but a pod's env, a
ConfigMap someone misused, a log line or a kubeconfig can still carry credentials. What looks like a secret
is replaced by ``[REDACTED]``; the shape of the text (YAML, JSON, lines, colours) is kept so a model can still
read it.

Two passes: where the whole text is a JSON or YAML document it is parsed and masked by structure
(documents.py); then shape rules run over any text (patterns.py for lines and tokens, yaml_lines.py for YAML
inside other text), with colour codes taken out first. Every rule is linear in the size of the text, so a
workload cannot stall a session with a crafted log line (bench/redaction.py measures it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from aiops_chat.redaction.argv import redact_argv
from aiops_chat.redaction.documents import redact_document
from aiops_chat.redaction.patterns import Text, find_spans
from aiops_chat.redaction.spans import MASK, Span, apply, without_colour
from aiops_chat.redaction.yaml_lines import yaml_spans

__all__ = ["MASK", "redact", "redact_argv"]


def redact(text: str, extra_patterns: Sequence[str] = ()) -> str:
    """Return ``text`` with every credential-looking value replaced by ``[REDACTED]``."""
    if not text:
        return text
    text = redact_document(text, redact)
    text = apply(text, without_colour(text, _line_spans))
    for pattern in _compiled(tuple(extra_patterns)):
        text = pattern.sub(MASK, text)
    return text


def _line_spans(text: str) -> list[Span]:
    t = Text(text)
    return [*find_spans(t), *yaml_spans(t)]


@lru_cache(maxsize=32)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns)
