"""Turns of the agent loop against the OpenAI wire (respx) and a stand-in kubectl (no cluster needed)."""

from __future__ import annotations

import threading

import httpx

from aiops_chat.agent.events import (
    Notice,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnFinished,
    TurnMode,
)
from aiops_chat.policy.types import Decision, Risk
from aiops_chat.tools.output import BEGIN
from tests.agent.helpers import Recorder, call, calls, make_session, tool_messages
from tests.support.fake_kubectl import FakeKubectl
from tests.support.openai_wire import Reply, ScriptedModel, serve


def test_plain_answer(fake_kubectl: FakeKubectl) -> None:
    model = ScriptedModel(["All **good**."])
    session = make_session(fake_kubectl)
    events: list[object] = []
    with serve(model):
        turn = session.ask("how is the shop namespace?", on_event=events.append)
    assert turn == TurnFinished("All **good**.", [], turn.usage, TurnMode.LLM)
    assert turn.usage.total_tokens == 60 and session.tokens_used == 60
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "All **good**."
    assert events[-1] == turn
    system = model.requests[0]["messages"][0]
    assert system["role"] == "system" and "Namespace: shop" in system["content"] and "Context: fake-ctx" in system["content"]
    assert [t["function"]["name"] for t in model.requests[0]["tools"]][:2] == ["kubectl", "helm"]
    assert session.history == [{"role": "user", "content": "how is the shop namespace?"},
                               {"role": "assistant", "content": "All **good**."}]


def test_one_tool_call_then_answer(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout="NAME    READY   STATUS\nweb-0   0/1     Running\n")
    model = ScriptedModel([calls(call("get", "call_1", kind="pods")), "web-0 is not ready."])
    session = make_session(fake_kubectl)
    events: list[object] = []
    with serve(model):
        turn = session.ask("why is web-0 not ready?", on_event=events.append)
    assert turn.answer == "web-0 is not ready." and turn.mode == "llm"
    assert [s.to_dict() for s in turn.plan] == [
        {"tool": "get", "argv": ["kubectl", "get", "pods"], "decision": "allow", "executed": True, "exit_code": 0}]
    started = [e for e in events if isinstance(e, ToolCallStarted)]
    finished = [e for e in events if isinstance(e, ToolCallFinished)]
    assert started == [ToolCallStarted("call_1", "get", ("kubectl", "get", "pods"), Decision.ALLOW, Risk.READ, "kubectl get is a read")]
    assert finished[0].result is not None and finished[0].result.exit_code == 0
    (tool_msg,) = tool_messages(model.requests[1])
    assert tool_msg["tool_call_id"] == "call_1"
    assert tool_msg["content"] == finished[0].output and BEGIN in tool_msg["content"] and "web-0   0/1" in tool_msg["content"]
    assert turn.usage.total_tokens == 120 and turn.usage.requests == 2  # counted per turn, over both calls
    assert [c[:3] for c in fake_kubectl.commands()] == [["kubectl", "get", "pods"]]
    assert session.executed[0].argv == ("kubectl", "get", "pods")


def test_several_and_parallel_calls(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", stdout="x\n")
    fake_kubectl.respond("describe", stdout="Events: none\n")
    model = ScriptedModel([
        calls(call("get", "a", kind="pods"), call("get", "b", kind="deployments")),  # parallel, one message
        calls(call("describe", "c", kind="pod", name="web-0")),
        "done",
    ])
    session = make_session(fake_kubectl)
    with serve(model):
        turn = session.ask("look around")
    assert [s.argv for s in turn.plan] == [("kubectl", "get", "pods"), ("kubectl", "get", "deployments"),
                                           ("kubectl", "describe", "pod", "web-0")]
    second = model.requests[1]["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "tool", "tool"]
    assert [m["tool_call_id"] for m in second[3:]] == ["a", "b"]
    assert [m["role"] for m in model.requests[2]["messages"]][-2:] == ["assistant", "tool"]


def test_malformed_arguments_and_unknown_tool_go_back_to_the_model(fake_kubectl: FakeKubectl) -> None:
    bad_json = {"id": "m1", "type": "function", "function": {"name": "scale", "arguments": '{"target": "deployment/web",'}}
    model = ScriptedModel([calls(bad_json, call("drop_database", "u1", name="prod")),
                           calls(call("scale", "m2", target="web", replicas=2)),
                           "I could not do it."])
    session = make_session(fake_kubectl, approver=Recorder(True))
    events: list[object] = []
    with serve(model):
        turn = session.ask("scale web to 2", on_event=events.append)
    first = tool_messages(model.requests[1])
    assert first[0]["content"].startswith("ERROR: scale: arguments are not valid JSON")
    assert first[1]["content"].startswith("ERROR: unknown tool 'drop_database'")
    assert tool_messages(model.requests[2])[-1]["content"] == \
        "ERROR: scale: target must be kind/name, e.g. deployment/web (got 'web')"
    assert turn.answer == "I could not do it." and turn.plan == [] and fake_kubectl.calls() == []
    assert [e.decision for e in events if isinstance(e, ToolCallStarted)] == ["invalid", "invalid", "invalid"]


def test_a_loop_of_identical_calls_is_stopped(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", stdout="web-0\n")
    model = ScriptedModel(when_empty=calls(call("get", "same", kind="pods")))
    session = make_session(fake_kubectl, max_repeats=1)
    events: list[object] = []
    with serve(model):
        turn = session.ask("list pods", on_event=events.append)
    assert len(fake_kubectl.calls()) == 2  # once, and one allowed repeat
    assert len(model.requests) == 3
    assert "already ran 2 times" in session.history[-2]["content"]  # what the model would have been told
    assert any(isinstance(e, Notice) and "repeating" in e.text for e in events)
    assert "kept repeating" in turn.answer


def test_step_limit(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", stdout="x\n")
    model = ScriptedModel([calls(call("get", f"c{i}", kind=f"kind{i}")) for i in range(10)])
    session = make_session(fake_kubectl, max_steps=3)
    with serve(model):
        turn = session.ask("explore forever")
    assert len(model.requests) == 3 and len(turn.plan) == 3
    assert "stopped after 3 model calls" in turn.answer


def test_repeated_500s_fall_back_to_the_offline_planner(fake_kubectl: FakeKubectl) -> None:
    model = ScriptedModel(when_empty=Reply(status=500))
    person = Recorder(True)
    session = make_session(fake_kubectl, approver=person)
    events: list[object] = []
    with serve(model):
        turn = session.ask("scale taskflow-backend to 3 replicas", on_event=events.append)
    assert len(model.requests) == 4
    notices = [e.text for e in events if isinstance(e, Notice)]
    # Each retry is announced first (issue 13 item 6), then the fallback.
    assert [n.split(" in ")[0] for n in notices[:3]] == [
        f"HTTP 500 from http://llm.test/v1: boom; try {n} of 4" for n in (2, 3, 4)]
    notice = next(e for e in events if isinstance(e, Notice) and "falling back" in e.text)
    assert notice.text.startswith("LLM unreachable after 4 tries: HTTP 500")
    assert notice.text.endswith("falling back to the offline planner")
    assert turn.mode == "offline"
    assert [s.to_dict() for s in turn.plan] == [{"tool": "scale", "argv": ["kubectl", "scale",
                                                 "deployment/taskflow-backend", "--replicas=3"],
                                                 "decision": "confirm", "executed": True, "exit_code": 0}]
    assert person.asked == [("kubectl", "scale", "deployment/taskflow-backend", "--replicas=3")]
    # The manual command, pinned, is always printed.
    assert "kubectl --context fake-ctx --namespace shop scale deployment/taskflow-backend --replicas=3" in turn.answer
    assert session.history[-1] == {"role": "assistant", "content": turn.answer}


def test_timeout_falls_back_too(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout="web-0   1/1   Running\n")
    model = ScriptedModel(when_empty=Reply(raise_=httpx.ReadTimeout("slow")))
    session = make_session(fake_kubectl)
    events: list[object] = []
    with serve(model):
        turn = session.ask("list pods", on_event=events.append)
    assert turn.mode == "offline" and "web-0   1/1   Running" in turn.answer
    assert any(isinstance(e, Notice) and "no answer from" in e.text for e in events)


def test_no_llm_configured_goes_straight_to_the_fallback(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout="web-0\n")
    session = make_session(fake_kubectl, llm=False)
    assert session.status.model is None and session.status.mode == "offline"
    turn = session.ask("get pods")
    assert turn.mode == "offline"
    assert "no LLM configured" in turn.answer


def test_dry_run_plans_without_executing(fake_kubectl: FakeKubectl) -> None:
    model = ScriptedModel([calls(call("get", "g", kind="pods"), call("scale", "s", target="deployment/web", replicas=4)),
                           "Planned."])
    session = make_session(fake_kubectl, approver=Recorder(True), dry_run=True)
    with serve(model):
        turn = session.ask("scale web to 4")
    assert fake_kubectl.calls() == []
    assert [(s.tool, s.decision, s.executed) for s in turn.plan] == [("get", "allow", False), ("scale", "confirm", False)]
    assert "dry run: not executed" in tool_messages(model.requests[1])[0]["content"]


def test_cancel_stops_between_steps(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", stdout="x\n")
    model = ScriptedModel([calls(call("get", "a", kind="pods"), call("get", "b", kind="svc")), "never asked"])
    session = make_session(fake_kubectl)
    cancel = threading.Event()

    def on_event(event: object) -> None:
        if isinstance(event, ToolCallFinished):
            cancel.set()

    with serve(model):
        turn = session.ask("list", on_event=on_event, cancel=cancel)
    assert len(model.requests) == 1 and len(fake_kubectl.calls()) == 1
    assert turn.answer.endswith("(cancelled)")
    # Every tool call still has its answer in the history, so the next turn is a valid conversation.
    assert [m["role"] for m in session.history] == ["user", "assistant", "tool", "tool", "assistant"]


def test_history_carries_over_and_clear_forgets(fake_kubectl: FakeKubectl) -> None:
    model = ScriptedModel(["first", "second"])
    session = make_session(fake_kubectl)
    with serve(model):
        session.ask("one")
        session.ask("two")
    assert [m["content"] for m in model.requests[1]["messages"][1:]] == ["one", "first", "two"]
    session.clear()
    assert session.history == []
