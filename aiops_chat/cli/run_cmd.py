"""`aiops run [--yes] [--dry-run] -- kubectl|helm ...`: one command through policy, approval, executor, audit."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiops_chat.cli.examples import add_examples
from aiops_chat.errors import UsageError
from aiops_chat.exit_codes import DENIED, FAILURE
from aiops_chat.safe_text import visible

if TYPE_CHECKING:
    from aiops_chat.execution.approval import ApprovalResult, Approver
    from aiops_chat.policy import Verdict

# What `timeout(1)` returns when it ends a command: the command ran, and was cut off.
TIMED_OUT = 124


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "run", help="run one kubectl/helm command safely (policy, confirmation, audit)",
        description="Runs one command through the same policy, confirmation and audit log as the assistant. "
        "Example: aiops run -- kubectl scale deploy/taskflow-backend --replicas=2")
    parser.add_argument("--yes", "-y", action="store_true", help="approve writes without asking (never destructive ones)")
    parser.add_argument("--dry-run", action="store_true", help="show the server dry run / diff of a write, then ask")
    parser.add_argument("argv", nargs=argparse.REMAINDER, help="the command, binary first, after --")
    add_examples(parser, "aiops run -- kubectl get pods -n shop", "aiops run --dry-run -- kubectl scale deploy/taskflow-backend --replicas=2", "aiops run --yes -- helm upgrade --install taskflow-backend ./charts/taskflow-backend")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from aiops_chat.audit import AuditLog
    from aiops_chat.cli.prompting import TerminalApprover
    from aiops_chat.config import load_config
    from aiops_chat.execution import ApproveWrites, DenyAll, Executor, Status
    argv = list(args.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        raise UsageError("give the command after --, e.g. aiops run -- kubectl get pods")
    cfg = load_config(args.config)
    audit = AuditLog.for_config(cfg) if cfg.audit.enabled else None
    interactive: Approver | None = TerminalApprover() if cfg.runtime.is_tty else None
    approver: Approver = ApproveWrites(fallback=interactive) if args.yes else (interactive or DenyAll())
    if args.dry_run:
        approver = _PrintsPreview(approver)
    executor = Executor(cfg, context=args.context, namespace=args.namespace, audit=audit, source="cli")

    def judged(verdict: Verdict) -> None:
        target = f"context {executor.target.context or '(none)'}, namespace {executor.namespace_of(verdict)}"
        print(visible(f"{verdict.decision.value.upper()} ({verdict.risk.value}) on {target}: {verdict.reason}"),
              file=sys.stderr)

    result = executor.run(argv, request="aiops run", approver=approver, on_judged=judged)
    if result.status.refused:
        if result.status is not Status.DENIED:  # the verdict line above already said why
            print(visible(f"aiops: not run: {result.error}"), file=sys.stderr)
        return DENIED
    if result.status in (Status.NOT_FOUND, Status.CANNOT_START):
        print(visible(f"aiops: not run: {result.error}"), file=sys.stderr)
        return FAILURE
    sys.stdout.write(visible(result.stdout) if sys.stdout.isatty() else result.stdout)  # a pipe gets kubectl's bytes
    sys.stderr.write(visible(result.stderr))
    if result.truncated:
        print("aiops: output was cut; narrow the command (e.g. --tail, -l) to see more", file=sys.stderr)
    if result.status is Status.TIMED_OUT:
        print(visible(f"aiops: {result.error}"), file=sys.stderr)
        return TIMED_OUT
    return result.exit_code if result.exit_code is not None else FAILURE


class _PrintsPreview:
    """`--dry-run`: show the server's preview of the write (computed by the executor) before the approver
    that decides is asked."""

    def __init__(self, inner: Approver) -> None:
        from aiops_chat.tools.guard import person_behind

        self.inner = inner
        # The injection guard looks for a person behind an approver: one is behind this only if one is behind
        # the approver it wraps (`--yes` without a terminal is nobody).
        self.interactive = person_behind(inner) is not None

    def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult:
        return self.inner(verdict, argv)

    def ask_with_preview(self, verdict: Verdict, argv: Sequence[str], preview: str | None) -> ApprovalResult:
        from aiops_chat.execution.preview import preview_argv

        shown = preview_argv(argv)
        if preview is None or shown is None:
            print("no server-side preview exists for this command", file=sys.stderr)
        else:
            print(visible(f"--- preview: {' '.join(shown)}"), file=sys.stderr)
            sys.stderr.write(visible(preview) + "\n")
        return self.inner(verdict, argv)
