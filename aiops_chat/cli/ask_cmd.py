"""`aiops ask "QUESTION"`: one turn of the agent, the answer streamed to stdout as Markdown.

Writes ask at the terminal; without one (and without --yes) they are listed as proposed, not run.
Destructive actions always need a person typing the object's name. Tool calls and notices go to stderr,
so stdout holds only the answer (or, with --output json, one JSON document).

Text piped in (`kubectl logs x | aiops ask "why?"`) and `--file F` go with the question as context:
redacted, capped (agent/attachments.py), marked as untrusted data, and the injection guard is told, so a
write proposed after reading it always asks a person.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import stat
import sys
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from aiops_chat.agent.attachments import HEAD_CHARS, MAX_CHARS, TAIL_CHARS
from aiops_chat.cli.examples import add_examples
from aiops_chat.cli.plan_flag import add_plan_flag
from aiops_chat.exit_codes import DENIED, FAILURE, OK
from aiops_chat.safe_text import json_visible, visible

if TYPE_CHECKING:
    from aiops_chat.agent.events import TurnFinished
    from aiops_chat.agent.session import ChatSession
    from aiops_chat.config import Config
    from aiops_chat.execution.approval import Approver
    from aiops_chat.tools.runner import PlanStep

EPILOG = f"""\
context:
  Text piped to aiops (kubectl logs web-0 | aiops ask "why does it crash?") and each --file go with the
  question: redacted like command output, at most {MAX_CHARS:,} characters each (the first {HEAD_CHARS:,} and
  the last {TAIL_CHARS:,}), marked as untrusted data. Once the model has read it, any write it proposes
  asks a person, whatever the context's tier. --no-stdin ignores piped input.

exit status:
  0    answered: the model answered, or without one every planned command ran
  1    no usable answer: the model endpoint needs a fix (rejected key, unknown model, not an OpenAI
       API: said on stderr and never papered over by the fallback; --offline uses the planner on
       purpose), the model's answer was empty, or without a model the request was not understood or
       a command failed (an unreachable cluster too)
  2    usage or configuration error (an unreadable --file, a bad config file); nothing ran
  3    you asked for a change and it was not made: the policy denied it, you declined it, or it needed
       approval with no terminal and no --yes. A question whose answer merely proposes a change exits 0.
  130  interrupted
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ask", help="ask one question; the agent looks, acts (with your approval) and answers",
        description="Ask about the cluster or ask for an action in plain language. Without a configured model "
                    "(or with --offline) kubectl-ai answers read-only questions if installed, else the "
                    "built-in planner turns common requests into exact commands. A question (why, what, is, "
                    "should, can you, anything ending in '?') never plans a write without a model.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("question", nargs="+", help="the question or request")
    # Also accepted after the question, as people type them; SUPPRESS keeps the root parser's value otherwise.
    p.add_argument("--context", dest="context", default=argparse.SUPPRESS, metavar="NAME", help="kube context")
    p.add_argument("-n", "--namespace", dest="namespace", default=argparse.SUPPRESS, metavar="NS", help="namespace")
    p.add_argument("-y", "--yes", action="store_true",
                   help="approve writes without asking (never destructive ones, never writes the model proposes "
                        "after reading logs or events)")
    add_plan_flag(p)
    p.add_argument("--offline", action="store_true", help="do not use the language model")
    p.add_argument("--session", metavar="ID", help="continue a saved conversation (see `aiops sessions list`)")
    p.add_argument("--file", dest="files", action="append", default=[], metavar="FILE",
                   help="send this file's text with the question (repeatable; '-' reads standard input)")
    p.add_argument("--no-stdin", action="store_true", help="ignore text piped to standard input")
    p.add_argument("-o", "--output", choices=("text", "json"), default="text", help="text (Markdown) or json")
    add_examples(p, 'aiops ask "why is taskflow-backend not ready?"', 'aiops ask -n shop "scale web to 2 replicas"     # the write waits for y/N', 'aiops ask --plan "restart web"                  # plan only, nothing runs', 'aiops ask --offline -o json "what is broken?"')
    p.set_defaults(handler=run_ask)


def run_ask(args: argparse.Namespace) -> int:
    from aiops_chat.agent.session import ChatSession
    from aiops_chat.audit import AuditLog
    from aiops_chat.cli.sessions_cmd import store_for
    from aiops_chat.config import load_config
    from aiops_chat.errors import LLMError

    cfg = load_config(args.config)
    question = " ".join(args.question).strip()
    attached = read_attachments(args.files, stdin=None if args.no_stdin else sys.stdin)
    audit = AuditLog.for_config(cfg) if cfg.audit.enabled else None
    session = ChatSession(cfg, context=args.context, namespace=args.namespace, source="ask",
                          approver=make_approver(cfg, yes=args.yes), offline=args.offline, dry_run=args.plan,
                          audit=audit, store=store_for(cfg), resume=args.session)
    try:
        if session.session_id:
            print(f"aiops: session {session.session_id} (continue it: aiops ask --session {session.session_id} ...)",
                  file=sys.stderr)
        printer = EventPrinter(sys.stdout, sys.stderr, stream_answer=args.output == "text", verbose=args.verbose)
        text = with_attachments(session, question, attached)
        try:
            finished = session.ask(text, on_event=printer)
        except LLMError as exc:
            if not exc.permanent:
                raise
            # A rejected key, an unknown model, a URL that is not the API: the fallback would hide it.
            printer.err.write(f"aiops: {exc.title}: {exc}\n"
                              "aiops: not falling back to the offline planner: this needs a fix, not a retry "
                              "(`aiops doctor --llm` checks the endpoint; `aiops ask --offline` uses the planner)\n")
            return FAILURE
        if args.output == "json":
            print(json_visible(json.dumps(as_json(finished), indent=2, ensure_ascii=False)))
        else:
            printer.finish(finished)
        code = exit_code(finished, question, dry_run=args.plan)
        if code == FAILURE and not finished.answer.strip():
            printer.err.write("aiops: the model returned an empty answer\n")
        return code
    finally:
        session.close()


def exit_code(finished: TurnFinished, question: str, *, dry_run: bool) -> int:
    """The exit status documented in EPILOG (aiops_chat.exit_codes)."""
    from aiops_chat.agent.offline import is_question

    if not finished.answer.strip():
        return FAILURE
    if not dry_run and not is_question(question) and any(_refused(s) for s in finished.plan):
        return DENIED
    if finished.mode != "llm":
        # Without a model the plan is the answer: nothing planned means not understood.
        if not finished.plan:
            return FAILURE
        if not dry_run and any(s.decision != "confirm" and not (s.executed and s.exit_code == 0)
                               for s in finished.plan):
            return FAILURE
    return OK


def _refused(step: PlanStep) -> bool:
    """Not run because the policy or a person said no (or nobody was there to say yes). PlanStep carries
    the executor's and the guard's reason as its note; a write in the auto tier is "allow" until the
    injection guard stops it."""
    if step.executed:
        return False
    return step.decision in ("deny", "confirm") or step.note.startswith(
        ("denied by policy", "not approved", "command changed after approval"))


def read_attachments(files: list[str], *, stdin: TextIO | None) -> list[tuple[str, str]]:
    """(label, text) for piped standard input and each --file, capped; a file that cannot be read is a
    usage error naming it."""
    from aiops_chat.agent.attachments import read_capped
    from aiops_chat.errors import UsageError

    out: list[tuple[str, str]] = []
    wants_stdin = "-" in files
    if stdin is not None and (wants_stdin or _piped(stdin)):
        got = read_capped(_binary(stdin))
        if got.total_chars or wants_stdin:
            out.append((_label("piped input (standard input)", got.total_chars), got.text))
    for name in files:
        if name == "-":
            continue
        try:
            with open(name, "rb") as fh:
                got = read_capped(fh)
        except IsADirectoryError:
            raise UsageError(f"--file {name}: is a directory; give a file") from None
        except FileNotFoundError:
            raise UsageError(f"--file {name}: no such file") from None
        except OSError as exc:
            raise UsageError(f"--file {name}: cannot read it: {exc.strerror or exc}") from None
        out.append((_label(f"file {name}", got.total_chars), got.text))
    return out


def with_attachments(session: ChatSession, question: str, attached: list[tuple[str, str]]) -> str:
    """The question with each attachment redacted and marked; the guard counts them as untrusted text."""
    from aiops_chat.agent.attachments import attach
    from aiops_chat.redaction import redact

    text = question
    for label, body in attached:
        text = attach(text, label, redact(body, session.cfg.redaction.extra_patterns))
        session.guard.observe((label,), executed=True, untrusted_text=True)
    return text


def _label(what: str, chars: int) -> str:
    cut = f", cut to {MAX_CHARS:,}" if chars > MAX_CHARS else ""
    return f"{what}, {chars:,} characters{cut}"


def _piped(stream: TextIO) -> bool:
    """Standard input is a pipe or a redirected file (never a terminal, /dev/null, or an inherited socket
    that may never close)."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError, AttributeError):  # pytest's stand-in, a closed stream
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode)


def _binary(stream: TextIO) -> BinaryIO | TextIO:
    return getattr(stream, "buffer", stream)


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
        from aiops_chat.safe_text import visible

        if isinstance(event, TextDelta) and self.stream_answer:
            self.out.write(visible(event.text))
            self.out.flush()
            self._ends_with_newline = event.text.endswith("\n")
        elif isinstance(event, ToolCallStarted):
            what = shlex.join(event.argv) if event.argv else event.tool
            self.err.write(visible(f"→ {what}  [{event.decision}{': ' + event.reason if event.decision != 'allow' else ''}]\n"))
        elif isinstance(event, ToolCallFinished) and event.result is not None and not event.result.executed:
            self.err.write(visible(f"  not run: {event.result.error}\n"))
        elif isinstance(event, ToolCallFinished) and self.verbose:
            self.err.write(visible(f"  {event.output[:400]}\n"))
        elif isinstance(event, Notice):
            self.err.write(visible(f"aiops: {event.text}\n"))
        self.err.flush()

    def finish(self, finished: TurnFinished) -> None:
        if not self._ends_with_newline:
            self.out.write("\n")
        proposed = [s for s in finished.plan if not s.executed and s.decision != "deny"]
        if proposed:
            self.out.write("\nProposed, not run:\n")
            for step in proposed:
                self.out.write(visible(f"    {shlex.join(step.argv)}    # {step.note or 'not approved'}\n"))
        self.out.flush()
