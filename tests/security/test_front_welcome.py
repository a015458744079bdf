"""The chat's first screen names the context, namespace and model it was given: a kubeconfig or config
value carrying terminal control sequences is shown spelled out, never sent to the terminal."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from aiops_chat.agent.events import TurnMode
from aiops_chat.policy import Tier
from aiops_chat.tui.widgets.chat.welcome import welcome_text


@dataclass(frozen=True)
class _Status:
    context: str | None
    namespace: str
    tier: Tier
    model: str | None
    mode: TurnMode
    tokens_used: int = 0
    session_id: str | None = None


@pytest.mark.parametrize("hostile", ["\x1b]52;c;ZWNobyBwd25lZA==\x07", "\x1b[8mhidden\x1b[0m", "a\rb", "\x9b2J"])
@pytest.mark.parametrize("field", ["context", "namespace", "model"])
def test_control_sequences_are_spelled_out(field: str, hostile: str) -> None:
    values = {"context": "dev", "namespace": "shop", "model": "gpt"}
    values[field] = hostile
    text = welcome_text(_Status(values["context"], values["namespace"], Tier.CONFIRM, values["model"], TurnMode.LLM), None)
    assert not any(ch in text for ch in "\x1b\x07\r\x9b")
    assert "\\x1b" in text or "\\x0d" in text or "\\x9b" in text
    failed = welcome_text(None, f"bad configuration: {hostile}")
    assert not any(ch in failed for ch in "\x1b\x07\r\x9b")
