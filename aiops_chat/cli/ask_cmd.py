"""`aiops ask "QUESTION"`: one turn of the agent, the answer streamed to stdout as Markdown.

Writes ask at the terminal; without one (and without --yes) they are listed as proposed, not run.
Destructive actions always need a person typing the object's name. Tool calls and notices go to stderr,
so stdout holds only the answer (or, with --output json, one JSON document).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from aiops_chat.agent.events import TurnFinished
    from aiops_chat.config import Config
    from aiops_chat.execution.approval import Approver


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ask", help="ask one question; the agent looks, acts (with your approval) and answers",
        description="Ask about the cluster or ask for an action in plain language. Without a configured model "
                    "(or with --offline) kubectl-ai answers read-only questions if installed, else the "
                    "built-in planner turns common requests into exact commands.")
    p.add_argument("question", nargs="+", help="the question or request")
    # Also accepted after the question, as people type them; SUPPRESS keeps the root parser's value otherwise.
    p.add_argument("--context", dest="context", default=argparse.SUPPRESS, metavar="NAME", help="kube context")
    p.add_argument("-n", "--namespace", dest="namespace", default=argparse.SUPPRESS, metavar="NS", help="namespace")
    p.add_argument("-y", "--yes", action="store_true",
                   help="approve writes without asking (never destructive ones, never writes the model proposes "
                        "after reading logs or events)")
    p.add_argument("--dry-run", action="store_true", help="plan only: run nothing, not even reads")
    p.add_argument("--offline", action="store_true", help="do not use the language model")
    p.add_argument("--session", metavar="ID", help="continue a saved conversation (see `aiops sessions list`)")
    p.add_argument("-o", "--output", choices=("text", "json"), default="text", help="text (Markdown) or json")
    p.set_defaults(handler=run_ask)


def run_ask(args: argparse.Namespace) -> int:
    from aiops_chat.agent.session import ChatSession
    from aiops_chat.audit import AuditLog
    from aiops_chat.cli.sessions_cmd import store_for
    from aiops_chat.config import load_config

    cfg = load_config(args.config)
    question = " ".join(args.question).strip()
    audit = AuditLog(cfg.audit_path) if cfg.audit.enabled else None
    session = ChatSession(cfg, context=args.context, namespace=args.namespace, source="ask",
                          approver=make_approver(cfg, yes=args.yes), offline=args.offline, dry_run=args.dry_run,
                          audit=audit, store=store_for(cfg), resume=args.session)
    if session.session_id:
        print(f"aiops: session {session.session_id} (continue it: aiops ask --session {session.session_id} ...)",
              file=sys.stderr)
    printer = EventPrinter(sys.stdout, sys.stderr, stream_answer=args.output == "text", verbose=args.verbose)
    finished = session.ask(question, on_event=printer)
    if args.output == "json":
        print(json.dumps(as_json(finished), indent=2, ensure_ascii=False))
    else:
        printer.finish(finished)
    return 0


def make_approver(cfg: Config, *, yes: bool) -> Approver:
    from aiops_chat.cli.prompting import TerminalApprover
    from aiops_chat.execution.approval import ApproveWrites, DenyAll

    person = TerminalApprover() if cfg.runtime.is_tty else None
    if yes:
        return ApproveWrites(fallback=person)
    return person or DenyAll()


def as_json(finished: TurnFinished) -> dict[str, Any]:
    return {"answer": finished.answer, "plan": [step.to_dict() for step in finished.plan],
            "usage": finished.usage.to_dict()}


class EventPrinter:
    """Answer text to stdout as it streams; tool calls and notices to stderr, one line each."""

    def __init__(self, out: TextIO, err: TextIO, *, stream_answer: bool = True, verbose: bool = False) -> None:
        self.out = out
        self.err = err
        self.stream_answer = stream_answer
        self.verbose = verbose
        self._ends_with_newline = True

    def __call__(self, event: object) -> None:
        from aiops_chat.agent.events import Notice, TextDelta, ToolCallFinished, ToolCallStarted

        if isinstance(event, TextDelta) and self.stream_answer:
            self.out.write(event.text)
            self.out.flush()
            self._ends_with_newline = event.text.endswith("\n")
        elif isinstance(event, ToolCallStarted):
            what = shlex.join(event.argv) if event.argv else event.tool
            self.err.write(f"→ {what}  [{event.decision}{': ' + event.reason if event.decision != 'allow' else ''}]\n")
        elif isinstance(event, ToolCallFinished) and event.result is not None and not event.result.executed:
            self.err.write(f"  not run: {event.result.error}\n")
        elif isinstance(event, ToolCallFinished) and self.verbose:
            self.err.write(f"  {event.output[:400]}\n")
        elif isinstance(event, Notice):
            self.err.write(f"aiops: {event.text}\n")
        self.err.flush()

    def finish(self, finished: TurnFinished) -> None:
        if not self._ends_with_newline:
            self.out.write("\n")
        proposed = [s for s in finished.plan if not s.executed and s.decision != "deny"]
        if proposed:
            self.out.write("\nProposed, not run:\n")
            for step in proposed:
                self.out.write(f"    {shlex.join(step.argv)}    # {step.note or 'not approved'}\n")
        self.out.flush()
