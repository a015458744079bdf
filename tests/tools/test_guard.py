"""Which commands expose workload-written text, and who counts as a person for the injection guard."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from aiops_chat.execution.approval import ApprovalResult, ApproveWrites, DenyAll
from aiops_chat.policy import Decision, Risk, Verdict
from aiops_chat.tools.guard import InjectionGuard, person_behind, reads_workload_text


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["kubectl", "logs", "web-0"], True),
        (["kubectl", "describe", "pod", "web-0"], True),
        (["kubectl", "events"], True),
        (["kubectl", "get", "events"], True),
        (["kubectl", "get", "pods,ev", "-A"], True),
        (["kubectl", "get", "pod", "web-0", "-o", "yaml"], True),  # annotations
        (["kubectl", "get", "pod", "web-0", "-ojson"], True),
        (["kubectl", "get", "pod", "web-0", "--output=jsonpath={.metadata.annotations}"], True),
        (["kubectl", "-n", "x", "logs", "web-0"], True),
        (["kubectl", "get", "pods"], False),
        (["kubectl", "get", "pods", "-o", "wide"], False),
        (["kubectl", "get", "pods", "-o", "name"], False),
        (["kubectl", "top", "pods"], False),
        (["kubectl", "rollout", "status", "deployment/web"], False),
        (["helm", "status", "web"], True),  # release notes
        (["helm", "get", "values", "web"], True),
        (["helm", "list"], False),
    ],
)
def test_reads_workload_text(argv: list[str], expected: bool) -> None:
    assert reads_workload_text(argv) is expected


class Person:
    def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult:
        return ApprovalResult(True, "user:test")


class Robot:
    interactive = False

    def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult:
        return ApprovalResult(True, "robot")


def test_person_behind() -> None:
    person = Person()
    assert person_behind(person) is person
    assert person_behind(ApproveWrites(fallback=person)) is person  # --yes in a terminal: the terminal is asked
    assert person_behind(ApproveWrites()) is None  # --yes without a terminal approved in advance: not a person
    assert person_behind(DenyAll()) is None
    assert person_behind(Robot()) is None
    assert person_behind(None) is None


def verdict(decision: Decision, risk: Risk) -> Verdict:
    return Verdict(decision, risk, "r", "kubectl", "scale", "shop")


def test_guard_taints_only_on_executed_text_reads() -> None:
    guard = InjectionGuard()
    write = verdict(Decision.ALLOW, Risk.WRITE)  # an auto tier lets it through without asking
    assert not guard.needs_person(write)
    guard.observe(["kubectl", "get", "pods"], executed=True)
    guard.observe(["kubectl", "logs", "web-0"], executed=False)  # refused: nothing was read
    assert not guard.tainted
    guard.observe(["kubectl", "logs", "web-0"], executed=True)
    assert guard.tainted_by == "kubectl logs web-0"
    assert guard.needs_person(write)
    assert guard.needs_person(verdict(Decision.CONFIRM, Risk.DESTRUCTIVE))
    assert not guard.needs_person(verdict(Decision.ALLOW, Risk.READ))
    assert not guard.needs_person(verdict(Decision.DENY, Risk.FORBIDDEN))  # denied anyway
    guard.reset()
    assert not guard.needs_person(write)
    guard.observe(["aiops", "analyze"], executed=True, untrusted_text=True)
    assert guard.tainted
