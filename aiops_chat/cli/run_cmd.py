"""`aiops run [--yes] [--dry-run] -- kubectl|helm ...`: one command through policy, approval, executor, audit."""

from __future__ import annotations

import argparse
import sys

from aiops_chat import exit_codes
from aiops_chat.cli.examples import add_examples
from aiops_chat.errors import UsageError


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
    from aiops_chat.execution import ApproveWrites, DenyAll, Executor
    from aiops_chat.execution.approval import Approver
    from aiops_chat.execution.preview import preview_argv
    from aiops_chat.policy import Decision

    argv = list(args.argv)
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        raise UsageError("give the command after --, e.g. aiops run -- kubectl get pods")
    cfg = load_config(args.config)
    audit = AuditLog(cfg.audit_path) if cfg.audit.enabled else None
    interactive: Approver | None = TerminalApprover() if cfg.runtime.is_tty else None
    approver: Approver = ApproveWrites(fallback=interactive) if args.yes else (interactive or DenyAll())
    executor = Executor(cfg, context=args.context, namespace=args.namespace, audit=audit, source="cli", approver=approver)
    verdict = executor.check(argv)
    target = f"context {executor.target.context or '(none)'}, namespace {executor.target.namespace}"
    print(f"{verdict.decision.value.upper()} ({verdict.risk.value}) on {target}: {verdict.reason}", file=sys.stderr)
    if verdict.decision is Decision.DENY:
        executor.run(argv, request="aiops run")  # records the refusal
        return exit_codes.DENIED
    if args.dry_run and verdict.decision is Decision.CONFIRM:
        preview = preview_argv(argv)
        if preview is not None and executor.check(preview).decision is not Decision.ALLOW:
            preview = None  # a preview is only ever a read; never ask approval for one
        if preview is None:
            print("no server-side preview exists for this command", file=sys.stderr)
        else:
            shown = executor.run(preview, request="aiops run --dry-run preview")
            print(f"--- preview: {' '.join(preview)}", file=sys.stderr)
            sys.stderr.write(shown.stdout or shown.stderr or (shown.error or "") + "\n")
    result = executor.run(argv, request="aiops run")
    if not result.executed:
        print(f"aiops: not run: {result.error}", file=sys.stderr)
        refused = (result.error or "").startswith(("not approved", "denied by policy"))
        return exit_codes.DENIED if refused else exit_codes.FAILURE
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.truncated:
        print("aiops: output was cut; narrow the command (e.g. --tail, -l) to see more", file=sys.stderr)
    if result.error:
        print(f"aiops: {result.error}", file=sys.stderr)
    # It ran: its own exit code, as `env` and `sudo` pass theirs on; 124 (as `timeout`) when it was killed.
    return result.exit_code if result.exit_code is not None else 124
