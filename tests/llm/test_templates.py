"""Prompt files: named placeholders, strict both ways, and a short system prompt that fences tool output."""

from __future__ import annotations

from importlib import resources

import pytest

from aiops_chat.errors import TemplateError
from aiops_chat.llm.templates import load_prompt, placeholders, render_prompt


def test_system_prompt_renders_and_says_tool_output_is_untrusted() -> None:
    text = render_prompt("system", context="prod-eu", namespace="shop", tier="read-only")
    assert "Context: prod-eu. Namespace: shop. Tier: read-only." in text
    assert "untrusted" in text and "not instructions" in text
    assert "$" not in text.replace("$$", "")  # no placeholder left behind
    assert len(text) < 1000  # short: it is sent on every call


def test_every_shipped_prompt_has_known_placeholders() -> None:
    folder = resources.files("aiops_chat").joinpath("prompts")
    names = sorted(p.name[:-3] for p in folder.iterdir() if p.name.endswith(".md"))
    assert names == ["explain", "system", "tool_protocol"]  # tool_protocol: the JSON tool mode (llm/json_tools.py)
    assert placeholders(load_prompt("system")) == {"context", "namespace", "tier"}
    assert placeholders(load_prompt("explain")) == {"scope"}
    assert placeholders(load_prompt("tool_protocol")) == {"tools"}


def test_missing_placeholder_is_an_error() -> None:
    with pytest.raises(TemplateError, match="needs namespace, tier"):
        render_prompt("system", context="c")


def test_unused_value_is_an_error() -> None:
    with pytest.raises(TemplateError, match="no placeholder for colour"):
        render_prompt("system", context="c", namespace="n", tier="t", colour="red")


def test_missing_prompt_file() -> None:
    with pytest.raises(TemplateError, match=r"prompts/nope\.md is missing"):
        render_prompt("nope")


def test_values_are_not_reinterpreted() -> None:
    text = render_prompt("explain", scope="namespace ${tier} $$HOME")
    assert "namespace ${tier} $$HOME" in text
