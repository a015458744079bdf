from __future__ import annotations

import pytest

from aiops_chat.tui.slash import COMMANDS, help_markdown, parse_slash


@pytest.mark.parametrize(
    ("text", "name", "arg", "known"),
    [
        ("/help", "help", "", True),
        ("  /context prod-eu  ", "context", "prod-eu", True),
        ("/ns taskflow", "namespace", "taskflow", True),
        ("/Model gpt-4o", "model", "gpt-4o", True),
        ("/q", "quit", "", True),
        ("/export /tmp/out dir", "export", "/tmp/out dir", True),
        ("/frobnicate now", "frobnicate", "now", False),
    ],
)
def test_parse_slash(text: str, name: str, arg: str, known: bool) -> None:
    command = parse_slash(text)
    assert command is not None
    assert (command.name, command.arg, command.known) == (name, arg, known)


@pytest.mark.parametrize("text", ["why is my pod crashing?", "//etc/hosts is odd", "", "scale /x"])
def test_plain_text_is_not_a_command(text: str) -> None:
    assert parse_slash(text) is None


def test_help_lists_every_command_and_key() -> None:
    text = help_markdown([("ctrl+c", "Cancel turn")])
    for name in COMMANDS:
        assert f"`/{name}" in text
    assert "`ctrl+c`: Cancel turn" in text
