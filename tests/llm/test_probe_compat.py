"""`aiops doctor --llm` against the documented wire shapes of local servers: what it reports, what it
recommends, and that tool_mode "auto" starts from what it learnt."""

from __future__ import annotations

from pathlib import Path

from aiops_chat.config import Config, LLMConfig, Runtime
from aiops_chat.llm.capabilities import CACHE_FILE, CapabilityCache
from aiops_chat.llm.probe import ProbeCheck, probe
from tests.llm.openai_wire import BASE_URL
from tests.llm.wire_replay import Replay, fixture, replay


def cfg(tmp_path: Path, model: str, **llm: object) -> Config:
    return Config(llm=LLMConfig(base_url=BASE_URL, api_key="sk-test", model=model, **llm),  # type: ignore[arg-type]
                  runtime=Runtime(cache_dir=str(tmp_path / "cache")))


def by_name(checks: list[ProbeCheck]) -> dict[str, ProbeCheck]:
    return {c.name: c for c in checks}


def test_ollama_that_drops_streamed_tool_calls(tmp_path: Path) -> None:
    chat = Replay("ollama/completion_ping.json", "ollama/stream_tool_call_dropped.sse", "ollama/stream_answer.sse")
    with replay(chat, routes={("GET", "/v1/models"): fixture("ollama/models.json"),
                              ("POST", "/api/show"): fixture("ollama/show.json")}):
        checks = by_name(probe(cfg(tmp_path, "qwen2.5:7b")))
    assert checks["tool call"].status == "ok"
    assert checks["streamed tool call"].status == "warn"
    assert "drops streamed tool calls" in checks["streamed tool call"].detail
    assert checks["streaming"].status == "ok"
    assert checks["context"].detail.startswith("32768 tokens (Ollama /api/show qwen2.context_length)")
    assert 'recommended: tool_mode = "auto"' in checks["tool mode"].detail and "not streamed" in checks["tool mode"].detail
    caps = CapabilityCache(tmp_path / "cache" / CACHE_FILE).get(BASE_URL, "qwen2.5:7b")
    assert (caps.native_tools, caps.streamed_tool_calls, caps.streaming, caps.context_tokens) == (True, False, True, 32768)


def test_llamacpp_without_tools_recommends_json_and_reports_n_ctx(tmp_path: Path) -> None:
    chat = Replay("llamacpp/completion_text.json", "llamacpp/stream_answer.sse")  # the ping answered in words
    with replay(chat, routes={("GET", "/v1/models"): fixture("llamacpp/models.json"),
                              ("GET", "/props"): fixture("llamacpp/props.json")}):
        checks = by_name(probe(cfg(tmp_path, "gemma-3-270m-it", tool_mode="native")))
    assert checks["tool call"].status == "warn" and 'tool_mode = "json"' in checks["tool call"].fix
    assert checks["streamed tool call"].status == "skip"
    assert checks["context"].detail.startswith("4096 tokens (llama.cpp /props n_ctx)")
    mode = checks["tool mode"]
    assert mode.status == "warn" and mode.fix == 'set [llm] tool_mode = "json"'


def test_ollama_model_without_tools_is_a_warning_with_the_fix_not_a_failure(tmp_path: Path) -> None:
    chat = Replay(("ollama/no_tools_400.json", 400), "ollama/stream_answer.sse")
    with replay(chat, routes={("GET", "/v1/models"): fixture("ollama/models.json")}):
        checks = probe(cfg(tmp_path, "gemma:2b"))
    named = by_name(checks)
    assert named["tool call"].status == "warn" and "does not support tools" in named["tool call"].detail
    assert not any(c.status == "fail" for c in checks)
    assert 'recommended: tool_mode = "json"' in named["tool mode"].detail


def test_no_reported_context_says_to_set_it(tmp_path: Path) -> None:
    chat = Replay("ollama/completion_ping.json", "ollama/stream_tool_call_whole.sse", "ollama/stream_answer.sse")
    with replay(chat):
        checks = by_name(probe(cfg(tmp_path, "qwen2.5:7b")))
    assert checks["context"].status == "warn" and "[llm] context_tokens" in checks["context"].fix
