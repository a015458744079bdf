"""`aiops doctor --llm` probes, against the OpenAI wire (respx; no model runs here)."""

from __future__ import annotations

import httpx

from aiops_chat.config import Config, LLMConfig
from aiops_chat.llm.probe import ProbeCheck, probe
from tests.support.openai_wire import BASE_URL, Reply, ScriptedModel, serve, tool_call


def failed(checks: list[ProbeCheck]) -> bool:
    """What makes `aiops doctor --llm` exit 1 (a required check with status fail)."""
    return any(c.status == "fail" for c in checks)


def cfg(**llm: object) -> Config:
    return Config(llm=LLMConfig(base_url=BASE_URL, api_key="sk-test", model="gpt-test", **llm))  # type: ignore[arg-type]


def test_everything_works() -> None:
    model = ScriptedModel([Reply(tool_calls=[tool_call("ping", {"word": "pong"})]), "1 2 3 4 5"])
    with serve(model):
        checks = probe(cfg())
    assert [(c.name, c.status) for c in checks] == [("config", "ok"), ("models", "ok"), ("tool call", "ok"),
                                                    ("streaming", "ok")]
    assert not failed(checks)
    assert model.requests[0]["tools"][0]["function"]["name"] == "ping"
    assert model.requests[1]["stream"] is True
    assert checks[2].detail.startswith("the model called ping")


def test_model_missing_and_no_tool_calling_are_explained() -> None:
    model = ScriptedModel(["pong (as text)", "1 2 3"])
    with serve(model, models=("llama3.1", "qwen2.5")):
        checks = probe(cfg())
    by = {c.name: c for c in checks}
    assert by["models"].status == "warn" and "llama3.1, qwen2.5" in by["models"].fix
    assert by["tool call"].status == "warn" and "supports tool calling" in by["tool call"].fix
    assert not failed(checks)


def test_bad_key_fails_fast_and_says_what_to_change() -> None:
    model = ScriptedModel()
    with serve(model) as router:
        router.get(f"{BASE_URL}/models").mock(return_value=httpx.Response(401, json={"error": {"message": "bad key"}}))
        checks = probe(cfg())
    assert [(c.name, c.status) for c in checks] == [("config", "ok"), ("models", "fail"), ("tool call", "skip"),
                                                    ("streaming", "skip")]
    assert "api_key" in checks[1].fix
    assert model.requests == []  # no retries, nothing else tried
    assert failed(checks)


def test_streaming_refused() -> None:
    model = ScriptedModel([Reply(tool_calls=[tool_call("ping", {"word": "pong"})]), Reply(status=400)])
    with serve(model):
        checks = probe(cfg())
    assert checks[-1].status == "fail" and checks[-1].fix.startswith("set [llm] stream = false")


def test_nothing_configured() -> None:
    (check,) = probe(Config())
    assert check.status == "fail" and "no LLM configured" in check.detail
