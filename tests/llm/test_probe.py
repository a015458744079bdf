"""`aiops doctor --llm` probes, against the OpenAI wire (respx; no model runs here)."""

from __future__ import annotations

import httpx

from aiops_chat.config import Config, LLMConfig
from aiops_chat.llm.probe import ProbeCheck, probe
from tests.llm.openai_wire import BASE_URL, Reply, ScriptedModel, serve, tool_call


def failed(checks: list[ProbeCheck]) -> bool:
    """What makes `aiops doctor --llm` exit 1 (a required check with status fail)."""
    return any(c.status == "fail" for c in checks)


def cfg(**llm: object) -> Config:
    return Config(llm=LLMConfig(base_url=BASE_URL, api_key="sk-test", model="gpt-test", **llm))  # type: ignore[arg-type]


def test_everything_works() -> None:
    ping = Reply(tool_calls=[tool_call("ping", {"word": "pong"})])
    model = ScriptedModel([ping, ping, "1 2 3 4 5"])
    with serve(model):
        checks = probe(cfg(context_tokens=8192))
    assert [(c.name, c.status) for c in checks] == [
        ("config", "ok"), ("models", "ok"), ("tool call", "ok"), ("streamed tool call", "ok"), ("streaming", "ok"),
        ("context", "ok"), ("tool mode", "ok")]
    assert not failed(checks)
    assert model.requests[0]["tools"][0]["function"]["name"] == "ping" and not model.requests[0].get("stream")
    assert model.requests[1]["stream"] is True and model.requests[1]["tools"][0]["function"]["name"] == "ping"
    assert model.requests[2]["stream"] is True
    assert checks[2].detail.startswith("the model called ping")
    assert checks[5].detail.startswith("8192 tokens from [llm] context_tokens")
    assert 'recommended: tool_mode = "auto"' in checks[6].detail


def test_model_missing_and_no_tool_calling_are_explained() -> None:
    model = ScriptedModel(["pong (as text)", "1 2 3"])
    with serve(model, models=("llama3.1", "qwen2.5")):
        checks = probe(cfg())
    by = {c.name: c for c in checks}
    assert by["models"].status == "warn" and "llama3.1, qwen2.5" in by["models"].fix
    assert by["tool call"].status == "warn" and 'tool_mode = "json"' in by["tool call"].fix
    assert by["streamed tool call"].status == "skip"
    assert 'recommended: tool_mode = "json"' in by["tool mode"].detail
    assert not failed(checks)


def test_bad_key_fails_fast_and_says_what_to_change() -> None:
    model = ScriptedModel()
    with serve(model) as router:
        router.get(f"{BASE_URL}/models").mock(return_value=httpx.Response(401, json={"error": {"message": "bad key"}}))
        checks = probe(cfg())
    assert [(c.name, c.status) for c in checks] == [("config", "ok"), ("models", "fail"), ("tool call", "skip"),
                                                    ("streamed tool call", "skip"), ("streaming", "skip"),
                                                    ("context", "skip")]
    assert "api_key" in checks[1].fix
    assert model.requests == []  # no retries, nothing else tried
    assert failed(checks)


def test_streaming_refused() -> None:
    ping = Reply(tool_calls=[tool_call("ping", {"word": "pong"})])
    model = ScriptedModel([ping, ping, Reply(status=400)])
    with serve(model):
        checks = probe(cfg())
    by = {c.name: c for c in checks}
    assert by["streaming"].status == "fail" and by["streaming"].fix.startswith("set [llm] stream = false")


def test_nothing_configured() -> None:
    (check,) = probe(Config())
    assert check.status == "fail" and "no LLM configured" in check.detail
