"""After a denial on a read-only context, the offline planner must not hand out the refused write as a
"Run it yourself" command to paste around the policy. Reads and writes the policy would allow or confirm
are still offered, pinned to the session's context and namespace."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from aiops_chat.audit import AuditLog
from aiops_chat.policy import PolicyContext, Verdict
from tests.agent.helpers import Recorder, make_session
from tests.support.fake_kubectl import FakeKubectl

SCALE = "kubectl --context fake-ctx --namespace shop scale deployment/web --replicas=3"


def test_a_write_the_tier_forbids_is_not_offered_to_copy(fake_kubectl: FakeKubectl) -> None:
    person = Recorder(True)
    turn = make_session(fake_kubectl, llm=False, tier="read-only", approver=person).ask("scale web to 3")
    assert person.asked == [] and fake_kubectl.calls() == []
    assert [(s.tool, s.decision.value, s.executed) for s in turn.plan] == [("scale", "deny", False)]
    assert "scale deployment/web" in turn.answer  # what was refused is said, once, with the reason
    assert SCALE not in turn.answer and "Run it yourself" not in turn.answer
    assert "policy refuses it on this context" in turn.answer and "read-only" in turn.answer
    (entry,) = list(AuditLog(fake_kubectl.config().audit_path).read())
    assert entry["decision"] == "deny"


def test_the_same_write_on_a_confirm_context_is_offered(fake_kubectl: FakeKubectl) -> None:
    turn = make_session(fake_kubectl, llm=False, tier="confirm", approver=Recorder(False)).ask("scale web to 3")
    assert "Run it yourself" in turn.answer and SCALE in turn.answer


def test_reads_are_still_offered_on_a_read_only_context(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("logs", stdout="boot ok\n")
    turn = make_session(fake_kubectl, llm=False, tier="read-only").ask("show logs for web, last 30")
    assert "boot ok" in turn.answer
    assert "kubectl --context fake-ctx --namespace shop logs deployment/web --tail=30" in turn.answer


def test_the_manual_line_reuses_the_verdict_the_command_ran_under(fake_kubectl: FakeKubectl,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The copy-paste line is pinned from the same verdict the executor judged, not from a fresh reading."""
    import aiops_chat.execution.executor as executor_module

    judged: list[tuple[str, ...]] = []
    real = executor_module.evaluate

    def counting(argv: Sequence[str], ctx: PolicyContext, stdin: str | None = None) -> Verdict:
        judged.append(tuple(argv))
        return real(argv, ctx, stdin)

    monkeypatch.setattr(executor_module, "evaluate", counting)
    turn = make_session(fake_kubectl, llm=False, approver=Recorder(True)).ask("scale web to 3")
    assert SCALE in turn.answer
    assert judged == [("kubectl", "scale", "deployment/web", "--replicas=3")] * 2  # decided, then re-checked
