"""Small helpers over the executor shared by the workflow steps: run a read, parse JSON, explain a failure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aiops_chat.execution import CommandResult, Executor, Status
from aiops_chat.workflow.checklist import Check
from aiops_chat.workflow.checklist import Status as CheckStatus

# Reads that talk to the cluster; a slow API server should fail a check, not hang the command.
READ_TIMEOUT_S = 30.0


def run_read(executor: Executor, argv: Sequence[str], *, request: str,
             timeout: float = READ_TIMEOUT_S) -> CommandResult:
    return executor.run(argv, request=request, timeout=timeout)


def run_json(executor: Executor, argv: Sequence[str], *, request: str,
             timeout: float = READ_TIMEOUT_S) -> tuple[Any, CommandResult]:
    """Run a command that prints JSON; the data is None when it failed or printed something else."""
    result = run_read(executor, argv, request=request, timeout=timeout)
    if not result.ok:
        return None, result
    try:
        return json.loads(result.stdout), result
    except ValueError:
        return None, result


def failure_text(result: CommandResult) -> str:
    """One line saying why a command did not succeed, for a check's detail."""
    if not_found(result):
        return "not found on PATH"  # the check's hint says how to install it
    if not result.executed:
        return result.error or "not run"
    if result.error:  # a timeout
        return result.error
    for text in (result.stderr, result.stdout):
        lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not _is_noise(ln)]
        errors = [ln for ln in lines if ln.lower().startswith("error")]
        if errors or lines:
            return (errors or lines)[0]
    if result.exit_code == 0 and not result.stdout.strip():
        return "no output"
    return f"exit code {result.exit_code}"


def not_found(result: CommandResult) -> bool:
    """The binary is missing: the executor refused to start it, so the fix is installing it."""
    return result.status is Status.NOT_FOUND


def refusal_check(name: str, result: CommandResult) -> Check | None:
    """The failed check for a write that never started because aiops refused it, or None."""
    if result.status is Status.DECLINED:
        return Check(name, CheckStatus.FAIL, result.error or "not approved",
                     "re-run with --yes, or answer the confirmation on a terminal", refused=True)
    if result.status in (Status.DENIED, Status.CHANGED):
        return Check(name, CheckStatus.FAIL, result.error or "denied", "the policy refused it: see `aiops policy`",
                     refused=True)
    return None


def _is_noise(line: str) -> bool:
    # kubectl 1.32 warns about the version skew with older servers on every call; it explains nothing.
    return line.startswith("WARNING: version difference") or "version skew" in line.lower()
