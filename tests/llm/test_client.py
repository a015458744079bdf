"""The LLM client against the OpenAI HTTP wire (respx serving the real SDK; no model can run here)."""

from __future__ import annotations

import json

import httpx
import pytest

from aiops_chat.config import Config, LLMConfig, Runtime
from aiops_chat.errors import LLMError
from aiops_chat.llm.client import NO_LLM, LLMClient
from tests.support.openai_wire import BASE_URL, Reply, ScriptedModel, serve, tool_call

TOOLS = [{"type": "function", "function": {"name": "get", "description": "List objects.",
                                           "parameters": {"type": "object", "properties": {"kind": {"type": "string"}}}}}]


def client(**llm: object) -> LLMClient:
    c = LLMClient.from_config(Config(llm=LLMConfig(base_url=BASE_URL, api_key="sk-test", **llm)))  # type: ignore[arg-type]
    c.sleep = lambda s: None
    return c


def sleeps_of(c: LLMClient) -> list[float]:
    waited: list[float] = []
    c.sleep = waited.append
    return waited


@pytest.mark.parametrize("stream", [True, False])
def test_plain_answer(stream: bool) -> None:
    model = ScriptedModel(["The pod is **fine**."])
    pieces: list[str] = []
    with serve(model):
        completion = client(stream=stream).chat([{"role": "user", "content": "how is web?"}], on_text=pieces.append)
    assert completion.text == "The pod is **fine**."
    assert completion.tool_calls == ()
    assert "".join(pieces) == "The pod is **fine**."
    assert len(pieces) > 1 if stream else len(pieces) == 1
    assert completion.usage.prompt_tokens == 50 and completion.usage.completion_tokens == 10
    body = model.requests[0]
    assert body["model"] == "gpt-4o-mini" and body["messages"] == [{"role": "user", "content": "how is web?"}]
    assert bool(body.get("stream")) is stream


@pytest.mark.parametrize("stream", [True, False])
def test_one_and_parallel_tool_calls(stream: bool) -> None:
    calls = [tool_call("get", {"kind": "pods"}, "call_1"), tool_call("get", {"kind": "deployments"}, "call_2")]
    model = ScriptedModel([Reply(tool_calls=calls[:1]), Reply(content="checking", tool_calls=calls)])
    with serve(model):
        c = client(stream=stream)
        one = c.chat([{"role": "user", "content": "q"}], TOOLS)
        two = c.chat([{"role": "user", "content": "q"}], TOOLS)
    assert [(t.id, t.name, json.loads(t.arguments)) for t in one.tool_calls] == [("call_1", "get", {"kind": "pods"})]
    assert [(t.id, json.loads(t.arguments)) for t in two.tool_calls] == [
        ("call_1", {"kind": "pods"}), ("call_2", {"kind": "deployments"})]
    assert two.text == "checking"
    assert model.requests[0]["tools"] == TOOLS
    assert two.to_message()["tool_calls"][1]["function"] == {"name": "get", "arguments": '{"kind": "deployments"}'}


def test_streamed_tool_call_deltas_are_assembled() -> None:
    args = {"kind": "pods", "name": "web-0", "selector": "app=web,tier=backend"}
    model = ScriptedModel([Reply(tool_calls=[tool_call("get", args, "call_x")])])
    with serve(model):
        completion = client().chat([{"role": "user", "content": "q"}], TOOLS)
    assert completion.finish_reason == "tool_calls"
    assert json.loads(completion.tool_calls[0].arguments) == args
    assert model.requests[0]["stream_options"] == {"include_usage": True}


def test_429_then_success_honours_retry_after() -> None:
    model = ScriptedModel([Reply(status=429, headers={"retry-after": "7"}),
                           Reply(status=429, headers={"retry-after-ms": "1500"}), "ok"])
    c = client()
    waited = sleeps_of(c)
    with serve(model):
        assert c.chat([{"role": "user", "content": "q"}]).text == "ok"
    assert waited == [7.0, 1.5]
    assert len(model.requests) == 3


def test_retry_after_is_capped() -> None:
    model = ScriptedModel([Reply(status=503, headers={"retry-after": "86400"}), "ok"])
    c = client()
    waited = sleeps_of(c)
    with serve(model):
        c.chat([{"role": "user", "content": "q"}])
    assert waited == [60.0]


def test_repeated_500s_end_in_one_clear_line() -> None:
    model = ScriptedModel(when_empty=Reply(status=500))
    c = client(max_retries=3)
    waited = sleeps_of(c)
    with serve(model), pytest.raises(LLMError) as info:
        c.chat([{"role": "user", "content": "q"}])
    assert len(model.requests) == 4  # one try and three retries: exactly one retry layer
    assert len(waited) == 3 and all(0 <= w <= 20 for w in waited)  # exponential backoff with jitter, capped
    message = str(info.value)
    assert message.startswith(f"LLM unreachable after 4 tries: HTTP 500 from {BASE_URL}")
    assert "\n" not in message


def test_sdk_retries_are_off() -> None:
    assert client().sdk.max_retries == 0


def test_timeout_is_retried_then_reported() -> None:
    model = ScriptedModel(when_empty=Reply(raise_=httpx.ReadTimeout("slow")))
    c = client(max_retries=1, timeout=5.0)
    with serve(model), pytest.raises(LLMError, match=r"after 2 tries: no answer from .* within 5s"):
        c.chat([{"role": "user", "content": "q"}])
    assert len(model.requests) == 2


def test_timeout_then_success() -> None:
    model = ScriptedModel([Reply(raise_=httpx.ReadTimeout("slow")), "recovered"])
    with serve(model):
        assert client().chat([{"role": "user", "content": "q"}]).text == "recovered"


def test_connection_refused_names_the_endpoint() -> None:
    model = ScriptedModel(when_empty=Reply(raise_=httpx.ConnectError("refused")))
    with serve(model), pytest.raises(LLMError) as info:
        client(max_retries=0).chat([{"role": "user", "content": "q"}])
    assert str(info.value).startswith(f"LLM unreachable: cannot connect to {BASE_URL}")
    assert "base_url" in str(info.value)


def test_auth_error_is_not_retried() -> None:
    model = ScriptedModel(when_empty=Reply(status=401))
    with serve(model), pytest.raises(LLMError, match=r"LLM endpoint misconfigured: .* refused the API key "
                                                     r"\(HTTP 401.*api_key") as info:
        client().chat([{"role": "user", "content": "q"}])
    assert len(model.requests) == 1
    assert info.value.permanent


@pytest.mark.parametrize("stream", [True, False])
def test_complete_text_is_one_call_without_tools(stream: bool) -> None:
    # Streamed when [llm] stream is on (since the 30 s first-byte timeout, issue 13 item 6: a long
    # explanation from a slow model would otherwise time out before its last byte).
    model = ScriptedModel(["Because the image tag does not exist."])
    with serve(model):
        text = client(stream=stream).complete_text("You explain findings.", "ImagePullBackOff on web-0")
    assert text == "Because the image tag does not exist."
    body = model.requests[0]
    assert bool(body.get("stream")) is stream and "tools" not in body
    assert body["messages"] == [{"role": "system", "content": "You explain findings."},
                                {"role": "user", "content": "ImagePullBackOff on web-0"}]


def test_usage_is_estimated_when_the_server_reports_none() -> None:
    def no_usage(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "x", "object": "chat.completion", "created": 1, "model": "m",
                                         "choices": [{"index": 0, "finish_reason": "stop",
                                                      "message": {"role": "assistant", "content": "a" * 40}}]})

    with serve(ScriptedModel()) as router:
        router.post(f"{BASE_URL}/chat/completions").mock(side_effect=no_usage)
        completion = client(stream=False).chat([{"role": "user", "content": "q" * 400}])
    assert completion.usage.estimated
    assert completion.usage.completion_tokens == 10
    assert completion.usage.prompt_tokens > 100


def test_from_config_without_endpoint_or_key() -> None:
    with pytest.raises(LLMError) as info:
        LLMClient.from_config(Config())
    assert str(info.value) == NO_LLM == "no LLM configured: set [llm] base_url/api_key or OPENAI_API_KEY"
    with pytest.raises(LLMError, match="disabled"):
        LLMClient.from_config(Config(llm=LLMConfig(api_key="k", enabled=False)))


def test_env_key_and_local_server_without_key() -> None:
    # OPENAI_API_KEY as captured by the config's runtime is enough; a local server needs only its URL.
    env_only = LLMClient.from_config(Config(runtime=Runtime(openai_api_key="sk-from-env")))
    assert env_only.endpoint == "https://api.openai.com/v1"
    model = ScriptedModel(["local"])
    local = LLMClient.from_config(Config(llm=LLMConfig(base_url="http://localhost:11434/v1/", model="llama3.1")))
    with serve(model, base_url="http://localhost:11434/v1"):
        assert local.chat([{"role": "user", "content": "q"}]).text == "local"
    assert model.requests[0]["model"] == "llama3.1"


def test_azure_deployment_url() -> None:
    model = ScriptedModel(["azure ok"])
    cfg = Config(llm=LLMConfig(provider="azure", base_url="https://res.openai.azure.com", api_key="k",
                               api_version="2024-06-01", model="my-deployment"))
    with respx_azure(model):
        assert LLMClient.from_config(cfg).chat([{"role": "user", "content": "q"}]).text == "azure ok"


def respx_azure(model: ScriptedModel):  # type: ignore[no-untyped-def]
    import respx

    router = respx.mock(using="httpx2", assert_all_mocked=True)
    router.post(url__regex=r"https://res\.openai\.azure\.com/openai/deployments/my-deployment/chat/completions"
                r"\?api-version=2024-06-01").mock(side_effect=model)
    return router


def test_list_models() -> None:
    with serve(ScriptedModel(), models=("b-model", "a-model")):
        assert client().list_models() == ["a-model", "b-model"]
