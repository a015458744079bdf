"""The JSON tool protocol's parser: strict, with the problem named for the repair request."""

from __future__ import annotations

import json

import pytest

from aiops_chat.llm.json_tools import ProtocolError, parse_reply, protocol_prompt, repair_message
from aiops_chat.tools.registry import default_registry


@pytest.mark.parametrize(("reply", "name", "arguments"), [
    ('{"tool": "get", "arguments": {"kind": "pods"}}', "get", {"kind": "pods"}),
    ('  \n{"tool":"logs","arguments":{}}\n', "logs", {}),
    ('```json\n{"tool": "get", "arguments": {"kind": "pods"}}\n```', "get", {"kind": "pods"}),
    ('```\n{"tool": "get", "arguments": {"kind": "pods"}}\n```', "get", {"kind": "pods"}),
    # the name is not checked here: the registry answers an unknown tool, as for a native call
    ('{"tool": "drop_database", "arguments": {"name": "prod"}}', "drop_database", {"name": "prod"}),
])
def test_calls(reply: str, name: str, arguments: dict[str, object]) -> None:
    parsed = parse_reply(reply, "json_3")
    assert parsed.call is not None and parsed.answer == ""
    assert (parsed.call.id, parsed.call.name, json.loads(parsed.call.arguments)) == ("json_3", name, arguments)


def test_answer() -> None:
    parsed = parse_reply('{"answer": "All **good**."}', "x")
    assert parsed.call is None and parsed.answer == "All **good**."


@pytest.mark.parametrize(("reply", "problem"), [
    ("", "the reply was empty"),
    ("The pods look fine.", "the reply is not JSON"),
    ('Sure: {"tool": "get", "arguments": {}}', "the reply is not JSON"),
    ('{"tool": "get", "arguments": {}} thanks', "text after the JSON object"),
    ('{"tool": "get", "arguments": {}}\n{"answer": "x"}', "text after the JSON object"),
    ('{"tool": "get", "arguments": {"kind": "pods"}', "the reply is not JSON"),
    ('[{"tool": "get", "arguments": {}}]', "a JSON list, not an object"),
    ('{"tool": "get"}', "use exactly tool+arguments"),
    ('{"tool": "get", "arguments": {}, "answer": "x"}', "use exactly tool+arguments"),
    ('{"name": "get", "parameters": {}}', "use exactly tool+arguments"),
    ('{"tool": "get", "arguments": "kind=pods"}', '"arguments" must be a JSON object'),
    ('{"tool": "", "arguments": {}}', '"tool" must be a tool name'),
    ('{"tool": 3, "arguments": {}}', '"tool" must be a tool name'),
    ('{"answer": 42}', '"answer" must be a string'),
    ('```json\n{"answer": "x"}\n``` and more', "the reply is not JSON"),
])
def test_protocol_errors_say_what_is_wrong(reply: str, problem: str) -> None:
    with pytest.raises(ProtocolError, match=problem.replace("+", r"\+").replace("[", r"\[")):
        parse_reply(reply, "x")


def test_repair_message_quotes_the_reply_shortened() -> None:
    text = repair_message("the reply is not JSON", "x" * 1000)
    assert "the reply is not JSON" in text and '{"tool": "<name>", "arguments": {...}}' in text
    assert len(text) < 600


def test_protocol_prompt_lists_every_registered_tool_with_its_schema() -> None:
    schemas = default_registry().schemas()
    text = protocol_prompt(schemas)
    for schema in schemas:
        assert f"- {schema['function']['name']}: " in text
    assert '"required"' in text and "exactly one JSON object" in text
