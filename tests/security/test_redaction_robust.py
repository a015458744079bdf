"""redact() and redact_argv() never fail, whatever a workload prints.

An exception here would surface in the executor for every command whose output contained the text (the
old redactor recursed without end on any '{...}' line that was not JSON). Text is built from the pieces the
rules key on, so the generator reaches their edge cases rather than plain noise.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from aiops_chat.redaction import MASK, redact, redact_argv

PIECES = st.sampled_from([
    "a", "A", "0", " ", "\t", "\n", ":", "=", '"', "'", "\\", "{", "}", "[", "]", "-", "/", "@", "?", "&", ";", ",",
    "#", "|", ">", "*", "<", "%", "+", "\x1b", "\x1b[31m", "password", "token", "secret", "kind: Secret", "data:",
    "-----BEGIN X-----", "-----END X-----", "name: DB_PASSWORD", "value: ", "- ", "  ", "Cookie: ", "https://u:p@h",
    "--password ", "-p", "mysql ", '{"kind":"Secret","data":{', '\\"', "eyJ", "sk-", "map[", "<password>",
    "</password>", "&sig=", "---\n", "&a ", "*a", "!!binary ", "\r\n", MASK,
])
TEXT = st.lists(PIECES, max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(TEXT)
@example("started\n{not: json}\n")  # the line that sent the old redactor into endless recursion
@example("{a}\n{b}")
def test_redact_never_raises_on_hostile_text(text: str) -> None:
    out = redact(text)
    assert isinstance(out, str)
    redact(out)


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=8))
def test_redact_argv_keeps_every_argument(argv: list[str]) -> None:
    out = redact_argv(argv)
    assert len(out) == len(argv)
