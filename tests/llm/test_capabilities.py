"""What is known of an endpoint+model: the cache file, its TTL, and turning facts into a tool mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiops_chat.llm.capabilities import Capabilities, CapabilityCache, recommend, resolve_tool_mode


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_put_then_get_per_endpoint_and_model(tmp_path: Path) -> None:
    cache = CapabilityCache(tmp_path / "c.json")
    caps = Capabilities(native_tools=False, streamed_tool_calls=None, context_tokens=2048, context_source="x")
    cache.put("http://a/v1/", "m1", caps)
    assert cache.get("http://a/v1", "m1") == caps
    assert cache.get("http://a/v1", "m2") == Capabilities()
    assert cache.get("http://b/v1", "m1") == Capabilities()


def test_entries_expire(tmp_path: Path) -> None:
    clock = Clock()
    cache = CapabilityCache(tmp_path / "c.json", ttl=3600, clock=clock)
    cache.put("http://a/v1", "m", Capabilities(native_tools=True))
    clock.now += 3599
    assert cache.get("http://a/v1", "m").native_tools is True
    clock.now += 2
    assert cache.get("http://a/v1", "m") == Capabilities()


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"http://a/v1|m": "x"}',
                                     '{"http://a/v1|m": {"at": "yesterday", "native_tools": false}}',
                                     '{"http://a/v1|m": {"at": 1e12, "native_tools": "no", "context_tokens": -5}}'])
def test_a_damaged_file_reads_as_unknown(tmp_path: Path, content: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content)
    caps = CapabilityCache(path, clock=lambda: 1e12).get("http://a/v1", "m")
    assert caps.native_tools is None and caps.context_tokens is None


def test_no_directory_means_nothing_is_written(tmp_path: Path) -> None:
    cache = CapabilityCache(None)
    cache.put("http://a/v1", "m", Capabilities(native_tools=False))
    assert cache.get("http://a/v1", "m") == Capabilities()


def test_an_unwritable_place_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    CapabilityCache(blocker / "sub" / "c.json").put("http://a/v1", "m", Capabilities(native_tools=True))


@pytest.mark.parametrize(("configured", "native", "mode"), [
    ("auto", None, "native"), ("auto", True, "native"), ("auto", False, "json"),
    ("native", False, "native"), ("json", True, "json"),
])
def test_resolve_tool_mode(configured: str, native: bool | None, mode: str) -> None:
    assert resolve_tool_mode(configured, Capabilities(native_tools=native)) == mode


def test_recommendations() -> None:
    assert recommend(Capabilities(native_tools=False))[0] == "json"
    assert recommend(Capabilities(native_tools=True, streamed_tool_calls=False))[0] == "auto"
    assert "not streamed" in recommend(Capabilities(native_tools=True, streamed_tool_calls=False))[1]
