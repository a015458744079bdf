"""Keeping a long conversation within the model's context window.

What goes first is what costs most and matters least later: the oldest tool outputs, replaced by a one-
line note (the tool call itself stays, so the history stays valid for the API and the model knows it
looked). Then the oldest assistant prose is cut. The user's words are never touched, nor the last turn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# The history sent with each model call is kept under this many characters (~24k tokens at 4 per token:
# room for the system prompt, the tool schemas and an answer in a 32k-token model).
CONTEXT_CHARS = 96_000
DROPPED = "[older tool output dropped to keep the conversation within the model's context]"
CUT = "[older answer cut to keep the conversation within the model's context]"


@dataclass(frozen=True)
class Fitted:
    history: list[dict[str, Any]]
    dropped_outputs: int
    cut_answers: int

    @property
    def changed(self) -> bool:
        return bool(self.dropped_outputs or self.cut_answers)


def size(history: list[dict[str, Any]]) -> int:
    return sum(len(json.dumps(m, ensure_ascii=False)) for m in history)


def fit_history(history: list[dict[str, Any]], max_chars: int) -> Fitted:
    out = [dict(m) for m in history]
    last_user = max((i for i, m in enumerate(out) if m.get("role") == "user"), default=len(out))
    total = size(out)
    dropped = cut = 0
    for role, replacement in (("tool", DROPPED), ("assistant", CUT)):
        for i in range(last_user):
            if total <= max_chars:
                return Fitted(out, dropped, cut)
            message = out[i]
            content = message.get("content")
            if message.get("role") != role or not isinstance(content, str) or content in (DROPPED, CUT):
                continue
            if len(content) <= len(replacement):
                continue
            total -= len(json.dumps(message, ensure_ascii=False))
            message["content"] = replacement
            total += len(json.dumps(message, ensure_ascii=False))
            if role == "tool":
                dropped += 1
            else:
                cut += 1
    return Fitted(out, dropped, cut)
