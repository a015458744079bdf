"""Model compatibility, end to end through a ChatSession: the documented wire shapes of llama.cpp, Ollama, vLLM
and LM Studio replayed by respx to the real openai SDK, a stand-in kubectl, and the real tool pipeline
(registry, argument check, policy, guard, approval). No real server or model runs here."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiops_chat.agent.events import Notice, TextDelta, ToolCallStarted
from aiops_chat.agent.session import ChatSession
from aiops_chat.audit import AuditLog
from aiops_chat.execution.approval import Approver
from aiops_chat.llm.capabilities import CACHE_FILE, CapabilityCache
from aiops_chat.llm.types import estimate_tokens
from aiops_chat.tools.output import BEGIN, END
from tests.agent.helpers import Recorder, tool_messages
from tests.llm.openai_wire import BASE_URL
from tests.llm.wire_replay import Replay, fixture, replay
from tests.tools.fake_kubectl import FakeKubectl

PODS = "NAME    READY   STATUS\nweb-0   0/1     Running\n"
ANSWER = "web-0 is **not ready**: its readiness probe fails."


def make(fake: FakeKubectl, *, approver: Approver | None = None, tier: str = "confirm", **llm: Any) -> ChatSession:
    cfg = fake.config(base_url=BASE_URL, api_key="sk-test", tier=tier, **llm)
    session = ChatSession(cfg, approver=approver, audit=AuditLog(cfg.audit_path))
    assert session.llm is not None
    session.llm.sleep = lambda s: None
    return session


def ask(session: ChatSession, text: str = "why is web-0 not ready?") -> tuple[Any, list[object]]:
    events: list[object] = []
    return session.ask(text, on_event=events.append), events


def notices(events: list[object]) -> list[str]:
    return [e.text for e in events if isinstance(e, Notice)]


def streamed(events: list[object]) -> list[str]:
    return [e.text for e in events if isinstance(e, TextDelta)]


def cached(fake: FakeKubectl, model: str = "gpt-4o-mini") -> Any:
    return CapabilityCache(fake.home / "cache" / CACHE_FILE).get(BASE_URL, model)


# -- native tool calls, as each server streams them -----------------------------------------------------------


def test_llamacpp_tool_call_in_deltas_split_across_chunks(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout=PODS)
    chat = Replay("llamacpp/stream_tool_call_split.sse", "llamacpp/stream_answer.sse")
    session = make(fake_kubectl, model="gemma-3-270m-it")
    with replay(chat, routes={("GET", "/v1/models"): fixture("llamacpp/models.json"),
                              ("GET", "/props"): fixture("llamacpp/props.json")}):
        turn, events = ask(session)
    assert turn.answer == ANSWER and len(streamed(events)) > 1  # the answer streamed in pieces
    assert [c[:3] for c in fake_kubectl.commands()] == [["kubectl", "get", "pods"]]
    assert chat.requests[0]["stream"] is True and chat.requests[0]["tools"]
    (result,) = tool_messages(chat.requests[1])
    assert result["tool_call_id"] == "fYmIacStEhEPYvlpdjV3FhhoLUVbVbDd" and "web-0   0/1" in result["content"]
    # the served window (n_ctx), not the trained length /v1/models reports in meta.n_ctx_train
    assert session.llm is not None and session.llm.context_limit() == 4096
    assert cached(fake_kubectl, "gemma-3-270m-it").context_source == "llama.cpp /props n_ctx"


def test_ollama_whole_tool_call_in_one_chunk(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout=PODS)
    chat = Replay("ollama/stream_tool_call_whole.sse", "ollama/stream_answer.sse")
    session = make(fake_kubectl, model="qwen2.5:7b")
    with replay(chat, routes={("POST", "/api/show"): fixture("ollama/show.json")}):
        turn, _events = ask(session)
    assert turn.answer == ANSWER
    assert [c[:3] for c in fake_kubectl.commands()] == [["kubectl", "get", "pods"]]
    assert tool_messages(chat.requests[1])[0]["tool_call_id"] == "call_hk81qg8b"
    caps = cached(fake_kubectl, "qwen2.5:7b")
    assert (caps.context_tokens, caps.context_source, caps.native_tools) == (
        32768, "Ollama /api/show qwen2.context_length", True)


def test_ollama_dropped_streamed_tool_call_is_asked_again_unstreamed(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout=PODS)
    chat = Replay("ollama/stream_tool_call_dropped.sse", "ollama/completion_tool_call.json",
                  "ollama/stream_answer.sse")
    session = make(fake_kubectl, model="qwen2.5:7b")
    with replay(chat, routes={("POST", "/api/show"): fixture("ollama/show.json")}):
        turn, events = ask(session)
    assert [bool(r.get("stream")) for r in chat.requests] == [True, False, True]  # only the answer streams
    assert all(r["tools"] for r in chat.requests)
    assert [c[:3] for c in fake_kubectl.commands()] == [["kubectl", "get", "pods"]]
    assert turn.answer == ANSWER and len(streamed(events)) > 1
    assert any("dropped a tool call from a streamed reply" in n for n in notices(events))
    assert cached(fake_kubectl, "qwen2.5:7b").streamed_tool_calls is False


def test_vllm_tool_call_deltas_and_max_model_len(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout=PODS)
    chat = Replay("vllm/stream_tool_call_split.sse", "vllm/stream_answer.sse")
    session = make(fake_kubectl, model="Qwen/Qwen2.5-7B-Instruct")
    with replay(chat, routes={("GET", "/v1/models"): fixture("vllm/models.json")}):
        turn, _events = ask(session)
    assert turn.answer == ANSWER and turn.usage.prompt_tokens == 900  # both calls' reported usage
    assert tool_messages(chat.requests[1])[0]["tool_call_id"] == "chatcmpl-tool-1f6b9b8c4d"
    assert cached(fake_kubectl, "Qwen/Qwen2.5-7B-Instruct").context_tokens == 32768


def test_lmstudio_unstreamed_tool_call_and_context_from_its_rest_api(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout=PODS)
    chat = Replay("lmstudio/completion_tool_call.json", "lmstudio/completion_answer.json")
    session = make(fake_kubectl, model="qwen2.5-7b-instruct", stream=False)
    with replay(chat, routes={("GET", "/v1/models"): fixture("lmstudio/models.json"),
                              ("GET", "/api/v0/models"): fixture("lmstudio/models_v0.json")}):
        turn, events = ask(session)
    assert turn.answer == ANSWER and streamed(events) == [ANSWER]
    assert not any(r.get("stream") for r in chat.requests)
    assert tool_messages(chat.requests[1])[0]["tool_call_id"] == "365174485"
    caps = cached(fake_kubectl, "qwen2.5-7b-instruct")
    assert (caps.context_tokens, caps.context_source) == (32768, "LM Studio /api/v0/models max_context_length")


# -- auto mode choosing the JSON protocol ---------------------------------------------------------------------


def test_auto_switches_to_json_when_ollama_refuses_tools_and_remembers(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout=PODS)
    chat = Replay(("ollama/no_tools_400.json", 400), "ollama/json_protocol_call_get.sse",
                  "ollama/json_protocol_answer.sse")
    session = make(fake_kubectl, model="gemma:2b")
    with replay(chat):
        turn, events = ask(session)
    assert chat.requests[0]["tools"] and not any("tools" in r for r in chat.requests[1:])
    assert "How to call tools" in chat.requests[1]["messages"][0]["content"]
    assert any("refused native tool calling" in n for n in notices(events))
    assert [c[:3] for c in fake_kubectl.commands()] == [["kubectl", "get", "pods"]]
    # the result went back as a user message (a server without tools may reject the tool role)
    result = chat.requests[2]["messages"][-1]
    assert result["role"] == "user" and result["content"].startswith("Result of tool call json_") and BEGIN in result["content"]
    assert turn.answer == ANSWER and streamed(events) == [ANSWER]  # the JSON itself is never shown
    assert cached(fake_kubectl, "gemma:2b").native_tools is False
    # the next session starts in json mode straight away
    again = Replay("ollama/json_protocol_answer.sse")
    with replay(again):
        ask(make(fake_kubectl, model="gemma:2b"))
    assert "tools" not in again.requests[0]


def test_auto_picks_json_from_ollama_capabilities_and_its_num_ctx(fake_kubectl: FakeKubectl) -> None:
    chat = Replay("ollama/json_protocol_answer.sse")
    session = make(fake_kubectl, model="gemma:2b")
    with replay(chat, routes={("POST", "/api/show"): fixture("ollama/show_no_tools.json")}):
        turn, _events = ask(session)
    assert "tools" not in chat.requests[0] and turn.answer == ANSWER
    assert session.llm is not None and session.llm.context_limit() == 2048  # num_ctx, not gemma.context_length


def test_auto_switches_to_json_at_the_second_malformed_native_call(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout=PODS)
    bad = "ollama/stream_tool_call_malformed.sse"  # arguments cut short, as small models do
    chat = Replay(bad, bad, "ollama/json_protocol_call_get.sse", "ollama/json_protocol_answer.sse")
    session = make(fake_kubectl, model="gemma:2b")
    with replay(chat):
        turn, events = ask(session)
    first_result = tool_messages(chat.requests[1])[0]["content"]
    assert first_result.startswith("ERROR: get: arguments are not valid JSON")  # the first slip: told, not switched
    assert any("came back malformed again (2 this session)" in n for n in notices(events))
    assert chat.requests[1]["tools"] and "tools" not in chat.requests[2]
    assert [c[:3] for c in fake_kubectl.commands()] == [["kubectl", "get", "pods"]] and turn.answer == ANSWER


# -- the JSON protocol: repair, failure, approval ------------------------------------------------------------


def test_json_malformed_then_repaired(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout=PODS)
    chat = Replay("llamacpp/json_protocol_malformed.sse", "llamacpp/json_protocol_call_get.sse",
                  "llamacpp/json_protocol_answer.sse")
    session = make(fake_kubectl, tool_mode="json")
    with replay(chat):
        turn, events = ask(session)
    repair = chat.requests[1]["messages"][-1]
    assert repair["role"] == "user" and "did not follow the tool protocol: the reply is not JSON" in repair["content"]
    assert "Sure! I will call the tool" in repair["content"]  # the model is shown what it wrote
    assert not any("tools" in r for r in chat.requests)
    assert [c[:3] for c in fake_kubectl.commands()] == [["kubectl", "get", "pods"]]
    assert turn.answer == ANSWER and any("asking once for a corrected reply" in n for n in notices(events))


def test_json_malformed_twice_ends_the_turn_and_runs_nothing(fake_kubectl: FakeKubectl) -> None:
    chat = Replay("llamacpp/json_protocol_malformed.sse", "llamacpp/json_protocol_two_objects.sse")
    session = make(fake_kubectl, tool_mode="json")
    with replay(chat):
        turn, events = ask(session)
    assert chat.done and len(chat.requests) == 2  # one repair request, no more
    assert fake_kubectl.commands() == [] and turn.plan == []
    assert not any(isinstance(e, ToolCallStarted) for e in events)
    assert "nothing was run" in turn.answer and "text after the JSON object" in turn.answer
    assert session.history[-1]["role"] == "assistant" and "nothing was run" in session.history[-1]["content"]


@pytest.mark.parametrize("approve", [False, True])
def test_json_mode_write_still_needs_approval(fake_kubectl: FakeKubectl, approve: bool) -> None:
    fake_kubectl.respond("scale", stdout="deployment.apps/web scaled\n")
    recorder = Recorder(approve)
    chat = Replay("llamacpp/json_protocol_call_scale.sse", "llamacpp/json_protocol_answer.sse")
    session = make(fake_kubectl, approver=recorder, tool_mode="json")
    with replay(chat):
        turn, events = ask(session, "scale web to 5")
    assert recorder.asked == [("kubectl", "scale", "deployment/web", "--replicas=5")]
    started = [e for e in events if isinstance(e, ToolCallStarted)]
    assert [(s.tool, s.decision) for s in started] == [("scale", "confirm")]
    ran = [c[:2] for c in fake_kubectl.commands()]
    assert ran == ([["kubectl", "scale"]] if approve else [])
    assert [s.executed for s in turn.plan] == [approve]


# -- the context window ----------------------------------------------------------------------------------------


def test_tool_output_trimmed_to_a_small_context_with_a_notice(fake_kubectl: FakeKubectl) -> None:
    big = "".join(f"web-{i}   0/1     CrashLoopBackOff   {i}   5m\n" for i in range(400))
    fake_kubectl.respond("get", "pods", stdout=big)
    chat = Replay("llamacpp/stream_tool_call_split.sse", "llamacpp/stream_answer.sse")
    session = make(fake_kubectl, context_tokens=3000, max_tokens=512)
    with replay(chat):
        turn, events = ask(session)
    (note,) = [n for n in notices(events) if n.startswith("trimmed")]
    assert "trimmed 1 tool output(s) to fit the model's context window of 3000 tokens" in note
    (sent,) = tool_messages(chat.requests[1])
    full = session.executed[0].stdout
    assert len(sent["content"]) < len(full) // 2 and "cut to fit the model's context window" in sent["content"]
    assert sent["content"].startswith("$ kubectl get pods") and sent["content"].rstrip().endswith(END)
    request = chat.requests[1]
    size = estimate_tokens(json.dumps(request["messages"])) + estimate_tokens(json.dumps(request["tools"]))
    assert size <= 3000 - 512
    assert turn.answer == ANSWER
    # the session history holds what was sent, so the next turn does not trim (and announce) it again
    assert tool_messages({"messages": session.history})[0]["content"] == sent["content"]


def test_no_trim_and_no_notice_when_it_fits(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout=PODS)
    chat = Replay("llamacpp/stream_tool_call_split.sse", "llamacpp/stream_answer.sse")
    session = make(fake_kubectl, context_tokens=32768)
    with replay(chat):
        _turn, events = ask(session)
    assert not any(n.startswith("trimmed") for n in notices(events))
    assert "web-0   0/1" in tool_messages(chat.requests[1])[0]["content"]


def test_a_server_that_reports_no_window_is_asked_once_a_day(fake_kubectl: FakeKubectl) -> None:
    for _session in range(2):
        chat = Replay("llamacpp/stream_answer.sse")
        with replay(chat):
            ask(make(fake_kubectl))
        if _session == 0:
            assert chat.elsewhere == [("GET", "/v1/models"), ("GET", "/props"), ("POST", "/api/show"),
                                      ("GET", "/api/v0/models")]
        else:
            assert chat.elsewhere == []  # remembered as "not reported"
    assert cached(fake_kubectl).context_source == "not reported"
