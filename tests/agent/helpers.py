"""Building sessions for agent tests: a stand-in kubectl (tests.support.fake_kubectl) and a scripted model
served over the OpenAI wire by respx (tests.support.openai_wire). Neither a cluster nor a model runs here."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aiops_chat.agent.session import ChatSession
from aiops_chat.audit import AuditLog
from aiops_chat.execution.approval import ApprovalResult, Approver
from aiops_chat.policy import Verdict
from tests.support.fake_kubectl import FakeKubectl
from tests.support.openai_wire import BASE_URL, Reply, tool_call


class Recorder:
    """A person at the keyboard who answers `answer` and remembers what they were asked."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[tuple[str, ...]] = []

    def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult:
        self.asked.append(tuple(argv))
        return ApprovalResult(self.answer, "user:tester", "" if self.answer else "the user said no")


def make_session(fake: FakeKubectl, *, approver: Approver | None = None, tier: str = "confirm",
                 llm: bool = True, **kwargs: Any) -> ChatSession:
    cfg = fake.config(base_url=BASE_URL if llm else "", api_key="sk-test" if llm else "", tier=tier)
    for key in ("max_steps", "max_repeats"):
        if key in kwargs:
            import dataclasses

            cfg = cfg.replace(agent=dataclasses.replace(cfg.agent, **{key: kwargs.pop(key)}))
    session = ChatSession(cfg, approver=approver, audit=AuditLog(cfg.audit_path), **kwargs)
    if session.llm is not None:
        session.llm.sleep = lambda s: None  # retries still happen; the test does not wait for them
    return session


def call(tool: str, call_id: str | None = None, /, **args: Any) -> dict[str, Any]:
    return tool_call(tool, args, call_id)


def calls(*items: dict[str, Any], content: str | None = None) -> Reply:
    return Reply(content=content, tool_calls=list(items))


def tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


def as_json(obj: Any) -> str:
    return json.dumps(obj)
