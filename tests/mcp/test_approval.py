"""The MCP approver's questions and answers, and the HTTP transport's bind and token rules (no cluster)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from aiops_chat.errors import UsageError
from aiops_chat.mcp.approval import ElicitingApprover, InputNeeded, by_hand, is_yes, question_for
from aiops_chat.mcp.http import check_bind, is_loopback, read_token
from aiops_chat.policy import Decision, Risk, Verdict

WRITE = Verdict(Decision.CONFIRM, Risk.WRITE, "kubectl scale is a write", "kubectl", "scale", "shop")
DELETE = Verdict(Decision.CONFIRM, Risk.DESTRUCTIVE, "kubectl delete is destructive", "kubectl", "delete", "shop")
SCALE = ["kubectl", "scale", "deployment/web", "--replicas=3"]
REMOVE = ["kubectl", "delete", "configmap", "doomed"]


def _question(verdict: Verdict, argv: list[str], preview: str | None = None):  # type: ignore[no-untyped-def]
    return question_for(verdict, argv, preview, context="dev", namespace="shop", client="agent/1")


@pytest.mark.parametrize("answer,yes", [
    (("accept", {"approve": True}), True),
    (("accept", {"approve": False}), False),
    (("accept", {"approve": "true"}), False),  # only a real boolean from the form
    (("accept", None), False),
    (("decline", {"approve": True}), False),
    (("cancel", None), False),
])
def test_a_write_needs_an_accepted_true(answer: tuple[str, dict[str, object] | None], yes: bool) -> None:
    assert is_yes(_question(WRITE, SCALE), answer) is yes


@pytest.mark.parametrize("typed,yes", [("doomed", True), (" doomed ", True), ("yes", False), ("Doomed", False),
                                       (True, False), ("", False)])
def test_a_destructive_write_needs_the_name_typed(typed: object, yes: bool) -> None:
    question = _question(DELETE, REMOVE)
    assert question.word == "doomed" and "confirm" in question.schema["properties"]
    assert is_yes(question, ("accept", {"confirm": typed, "approve": True})) is yes


def test_the_question_names_command_target_client_and_preview() -> None:
    question = _question(WRITE, SCALE, preview="spec:\n  replicas: 3\x1b[2J")
    for part in ("kubectl scale deployment/web --replicas=3", "context dev", "namespace shop", "agent/1",
                 "kubectl scale is a write", "replicas: 3"):
        assert part in question.message
    assert "\x1b" not in question.message  # cluster text in the preview cannot drive the person's terminal
    assert question.key != _question(WRITE, [*SCALE[:-1], "--replicas=4"]).key


def test_by_hand_quotes_whatever_the_model_sent() -> None:
    argv = ["kubectl", "annotate", "deploy/web", "note=$(rm -rf ~); echo"]
    command = by_hand(argv, "dev", "shop")
    assert shlex.split(command) == ["aiops", "--context", "dev", "-n", "shop", "run", "--", *argv]


def test_the_approver_asks_refuses_or_defers() -> None:
    def ns(_: Verdict) -> str:
        return "shop"

    cannot = ElicitingApprover(client="agent/1", context="dev", namespace_of=ns, can_ask=False)
    refused = cannot(WRITE, SCALE)
    assert not refused.approved and "aiops --context dev -n shop run -- kubectl scale" in refused.note
    deferred = ElicitingApprover(client="agent/1", context="dev", namespace_of=ns)
    with pytest.raises(InputNeeded) as raised:
        deferred(WRITE, SCALE)
    key = raised.value.question.key
    answered = ElicitingApprover(client="agent/1", context="dev", namespace_of=ns,
                                 answers={key: ("accept", {"approve": True})})
    assert answered(WRITE, SCALE).approved
    assert answered(WRITE, SCALE).approver == "mcp-elicitation:agent/1"
    # An answer to one question is no answer to another.
    with pytest.raises(InputNeeded):
        answered(WRITE, [*SCALE[:-1], "--replicas=9"])


@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True),
                                           ("[::1]", True), ("localhost", True), ("0.0.0.0", False),
                                           ("::", False), ("10.0.0.5", False), ("localhost.evil.com", False)])
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    if loopback:
        check_bind(host, None)
    else:
        with pytest.raises(UsageError, match="--token-file"):
            check_bind(host, None)
        check_bind(host, "a-token-of-enough-length")


def test_token_file_rules(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.write_text("  s3cret-token-for-tests-0123456789\n")
    good.chmod(0o600)
    assert read_token(str(good)) == "s3cret-token-for-tests-0123456789"
    with pytest.raises(UsageError, match="cannot read"):
        read_token(str(tmp_path / "missing"))
    good.chmod(0o640)
    with pytest.raises(UsageError, match="chmod 600"):
        read_token(str(good))
