"""[llm] tool_mode and context_tokens: accepted values, and bad ones named with the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiops_chat.config import load_config
from aiops_chat.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures" / "config"


def test_defaults_are_auto_and_ask_the_server() -> None:
    cfg = load_config(None, environ={"HOME": "/nonexistent"})
    assert (cfg.llm.tool_mode, cfg.llm.context_tokens) == ("auto", 0)


def test_json_mode_and_a_context_size_are_read() -> None:
    cfg = load_config(str(FIXTURES / "json_mode.toml"), environ={"HOME": "/nonexistent"})
    assert (cfg.llm.tool_mode, cfg.llm.context_tokens) == ("json", 8192)


@pytest.mark.parametrize(("name", "key", "expected"), [
    ("bad_tool_mode.toml", "llm.tool_mode", '"auto" or "native" or "json"'),
    ("negative_context_tokens.toml", "llm.context_tokens", "an integer >= 0"),
])
def test_bad_values_name_file_key_and_choices(name: str, key: str, expected: str) -> None:
    path = FIXTURES / name
    with pytest.raises(ConfigError) as err:
        load_config(str(path), environ={"HOME": "/nonexistent"})
    assert str(path) in str(err.value) and key in str(err.value) and expected in str(err.value)
