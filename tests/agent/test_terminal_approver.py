"""The terminal approver (aiops_chat/cli/prompting.py): y/N for writes, the object's name for destructive ones."""

from __future__ import annotations

import io

import pytest

from aiops_chat.cli.prompting import TerminalApprover
from aiops_chat.policy import Decision, Risk, Verdict

WRITE = Verdict(Decision.CONFIRM, Risk.WRITE, "kubectl scale is a write and needs confirmation", "kubectl", "scale", "shop")
DESTRUCTIVE = Verdict(Decision.CONFIRM, Risk.DESTRUCTIVE, "kubectl delete is destructive", "kubectl", "delete", "shop")


def ask(verdict: Verdict, argv: list[str], typed: str) -> tuple[bool, str, str]:
    out = io.StringIO()
    result = TerminalApprover(user="alice", input=io.StringIO(typed), output=out)(verdict, argv)
    return result.approved, result.approver, out.getvalue()


@pytest.mark.parametrize(("typed", "approved"), [("y\n", True), ("YES\n", True), ("\n", False), ("n\n", False),
                                                 ("", False), ("sure\n", False)])
def test_write_needs_yes(typed: str, approved: bool) -> None:
    ok, who, shown = ask(WRITE, ["kubectl", "scale", "deployment/web", "--replicas=3"], typed)
    assert ok is approved and who == "user:alice"
    assert "kubectl scale deployment/web --replicas=3" in shown and "needs confirmation" in shown
    assert "[y/N]" in shown


@pytest.mark.parametrize(("typed", "approved"), [("web\n", True), ("y\n", False), ("yes\n", False), ("", False)])
def test_destructive_needs_the_name(typed: str, approved: bool) -> None:
    ok, _, shown = ask(DESTRUCTIVE, ["kubectl", "delete", "deployment", "web"], typed)
    assert ok is approved
    assert "Type 'web' to confirm" in shown
