"""Keeping a long conversation within the model's context.

Before each model turn the session's history is measured (four characters a token, the estimate
``agent.output_token_budget`` uses too) against ``HISTORY_TOKEN_BUDGET``. When it is over, space is taken
back in this order, oldest first, and never from the turn in progress:

1. tool outputs of earlier turns are replaced by a one-line note saying how much was dropped (the tool
   message stays, so every tool call keeps its result, as the OpenAI API requires);
2. the assistant's own words in earlier turns are cut to their first lines.

The user's words (and what they attached) are never touched. If they alone exceed the budget the history
stays over it and the endpoint decides; the notice says so.

24,000 tokens of history leaves room, in a 32k-token window (the smallest common one among the models
people point us at), for the system prompt and tool schemas (~3k), one turn's tool outputs
(``agent.output_token_budget`` each) and the answer (``llm.max_tokens``). Models with larger windows lose
only old tool output they have already summarised in their answers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

HISTORY_TOKEN_BUDGET = 24_000
_PER_MESSAGE = 4  # role and framing tokens the API adds to every message
_KEEP_ASSISTANT_CHARS = 600
DROPPED = "(tool output removed to keep the conversation within the model's context: {chars:,} characters)"


@dataclass(frozen=True)
class TrimReport:
    tokens_before: int
    tokens_after: int
    tool_outputs_dropped: int = 0
    answers_shortened: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.tool_outputs_dropped or self.answers_shortened)

    def notice(self, budget: int) -> str:
        parts = []
        if self.tool_outputs_dropped:
            parts.append(f"{self.tool_outputs_dropped} older tool output(s) removed")
        if self.answers_shortened:
            parts.append(f"{self.answers_shortened} older answer(s) shortened")
        over = "" if self.tokens_after <= budget else "; your own messages alone still exceed it"
        return (f"long conversation: {' and '.join(parts)} to stay within the model's context "
                f"(~{self.tokens_after:,} of {budget:,} tokens{over}); your messages are kept whole")


def estimate(messages: Sequence[dict[str, Any]]) -> int:
    chars = 0
    for message in messages:
        chars += len(message.get("content") or "")
        for call in message.get("tool_calls") or ():
            chars += len(json.dumps(call.get("function", {}), ensure_ascii=False))
    return (chars + 3) // 4 + _PER_MESSAGE * len(messages)


def fit_history(history: list[dict[str, Any]], budget: int = HISTORY_TOKEN_BUDGET) -> TrimReport:
    """Shrink ``history`` in place until its estimate is within ``budget`` (see the module docstring)."""
    before = total = estimate(history)
    if total <= budget:
        return TrimReport(before, total)
    current = _current_turn_start(history)
    dropped = shortened = 0
    for i in range(current):
        if total <= budget:
            break
        message = history[i]
        content = message.get("content") or ""
        if message.get("role") == "tool" and not _is_dropped(content):
            replacement = DROPPED.format(chars=len(content))
            if len(replacement) < len(content):
                history[i] = {**message, "content": replacement}
                total -= (len(content) - len(replacement)) // 4
                dropped += 1
    for i in range(current):
        if total <= budget:
            break
        message = history[i]
        content = message.get("content") or ""
        if message.get("role") == "assistant" and len(content) > _KEEP_ASSISTANT_CHARS + 100:
            cut = content[:_KEEP_ASSISTANT_CHARS].rstrip() + "\n\n_(rest of this earlier answer removed to fit " \
                                                               "the model's context)_"
            history[i] = {**message, "content": cut}
            total -= (len(content) - len(cut)) // 4
            shortened += 1
    return TrimReport(before, estimate(history), dropped, shortened)


def _current_turn_start(history: Sequence[dict[str, Any]]) -> int:
    for i in range(len(history) - 1, -1, -1):
        if history[i].get("role") == "user":
            return i
    return len(history)


def _is_dropped(content: str) -> bool:
    return content.startswith(DROPPED.split("{", 1)[0])
