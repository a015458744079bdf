"""Approving a write through the MCP client: the person behind it answers an elicitation form.

The executor asks this approver exactly as it asks the terminal one; what changes is how the question
reaches a person. Three ways, decided per call by what the client declared and the protocol it speaks:

- handshake-era protocols (<= 2025-11-25): an ``elicitation/create`` request sent mid-call (``ask``);
- 2026-07-28: the call ends with an ``input_required`` result carrying the form, and the client retries
  with the person's answer next to a request state this server sealed (``answers``; see server.py);
- a client without form elicitation: the write is refused, with the command to run by hand.

Only an answer to a question this server asked counts: the tool's arguments never approve anything, and
a destructive action needs the object's name typed, as at the terminal (``confirmation_word``).
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiops_chat.execution.approval import ApprovalResult, confirmation_word
from aiops_chat.policy import Risk, Verdict
from aiops_chat.safe_text import visible

# What the client says the person did, and the form's content ("accept" with content, "decline", "cancel").
Answer = tuple[str, Mapping[str, Any] | None]
PREVIEW_CHARS = 3000


@dataclass(frozen=True)
class Question:
    key: str  # a digest of what would be approved: argv, where, risk, the word to type
    message: str
    schema: dict[str, Any]
    word: str | None  # destructive: what the person must type


class InputNeeded(Exception):
    """Raised through the executor when the answer must come back on a retry of the call (2026-07-28).
    Nothing has run and no decision is logged; the retry judges the command afresh."""

    def __init__(self, question: Question) -> None:
        super().__init__(question.message)
        self.question = question


def by_hand(argv: Sequence[str], context: str | None, namespace: str) -> str:
    """The command a person can run themselves: the same policy, confirmation and audit log."""
    pins = (["--context", context] if context else []) + ["-n", namespace]
    return shlex.join(["aiops", *pins, "run", "--", *argv])


def question_for(verdict: Verdict, argv: Sequence[str], preview: str | None, *, context: str | None,
                 namespace: str, client: str) -> Question:
    risk = verdict.risk.value
    word = confirmation_word(argv) if verdict.risk is Risk.DESTRUCTIVE else None
    lines = [f"{client} asks aiops to run ({risk}) on context {context or '(kubeconfig default)'}, "
             f"namespace {namespace}:", f"    {shlex.join(argv)}", f"Why asked: {verdict.reason}"]
    if preview:
        cut = preview if len(preview) <= PREVIEW_CHARS else preview[:PREVIEW_CHARS] + "\n[… preview cut …]"
        lines += ["What the server says it would change:", cut]
    if word is not None:
        lines.append(f"This is destructive. Type {word!r} to confirm; anything else refuses.")
        schema = {"type": "object", "properties": {"confirm": {
            "type": "string", "title": f"Type {word} to confirm", "description": "the object's name"}},
            "required": ["confirm"]}
    else:
        lines.append("Approve to run it; decline to refuse.")
        schema = {"type": "object", "properties": {"approve": {
            "type": "boolean", "title": "Run this command", "default": False}}, "required": ["approve"]}
    digest = hashlib.sha256(json.dumps([list(argv), context, namespace, risk, word]).encode()).hexdigest()
    return Question(digest, visible("\n".join(lines)), schema, word)


def is_yes(question: Question, answer: Answer) -> bool:
    action, content = answer
    if action != "accept" or not isinstance(content, Mapping):
        return False
    if question.word is not None:
        typed = content.get("confirm")
        return isinstance(typed, str) and typed.strip() == question.word
    return content.get("approve") is True


class ElicitingApprover:
    """The executor's approver for one MCP tool call (execution.approval.ShowsPreview)."""

    interactive = True  # the injection guard may send writes here: a person answers, or nobody runs anything

    def __init__(self, *, client: str, context: str | None, namespace_of: Callable[[Verdict], str],
                 ask: Callable[[Question], Answer] | None = None, answers: Mapping[str, Answer] | None = None,
                 can_ask: bool = True) -> None:
        self.client = client
        self.context = context
        self.namespace_of = namespace_of
        self.ask = ask  # handshake era: blocks until the person answered
        self.answers = answers or {}  # 2026-07-28: answers to questions asked in an earlier round
        self.can_ask = can_ask

    def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult:
        return self.ask_with_preview(verdict, argv, None)

    def ask_with_preview(self, verdict: Verdict, argv: Sequence[str], preview: str | None) -> ApprovalResult:
        namespace = self.namespace_of(verdict)
        if not self.can_ask:
            return ApprovalResult(False, "none", f"{self.client} cannot ask a person (the MCP client does not "
                                  "support elicitation), so aiops will not run this write; run it yourself with "
                                  f"`{by_hand(argv, self.context, namespace)}`")
        question = question_for(verdict, argv, preview, context=self.context, namespace=namespace,
                                client=self.client)
        answer = self.answers.get(question.key)
        if answer is None:
            if self.ask is None:
                raise InputNeeded(question)
            answer = self.ask(question)
        who = f"mcp-elicitation:{self.client}"
        if is_yes(question, answer):
            return ApprovalResult(True, who)
        why = ("the person did not type the object's name" if question.word is not None and answer[0] == "accept"
               else f"the person answered {answer[0]!r} in {self.client}")
        return ApprovalResult(False, who, why)
