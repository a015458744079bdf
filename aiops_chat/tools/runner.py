"""Running one tool call: registry lookup and argument check here; policy, injection guard, approval,
spawning, redaction and audit in the executor's one pipeline; the token budget here again. Every failure
becomes text for the model, never an exception.

The runner also keeps the plan: every command proposed this turn, in order, whether it ran or not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiops_chat.errors import AiopsError
from aiops_chat.execution.approval import Approver
from aiops_chat.execution.result import CommandResult
from aiops_chat.policy import Decision, Verdict
from aiops_chat.tools.base import Tool, ToolArgumentError, ToolContext
from aiops_chat.tools.guard import InjectionGuard
from aiops_chat.tools.output import format_error, format_result, format_text
from aiops_chat.tools.registry import Registry
from aiops_chat.tools.schema import check_arguments

if TYPE_CHECKING:
    from aiops_chat.execution.executor import Executor

# Composite tools read whole JSON lists; the model only ever sees their compact summary.
COMPOSITE_MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class PlanStep:
    """One command the run proposed. `argv` has the binary first, without the pinned --context/-n."""

    tool: str
    argv: tuple[str, ...]
    decision: Decision
    executed: bool
    exit_code: int | None = None
    note: str = ""  # why it did not run, when it did not

    def to_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "argv": list(self.argv), "decision": self.decision.value,
                "executed": self.executed, "exit_code": self.exit_code}


@dataclass(frozen=True)
class ToolOutcome:
    call_id: str
    tool: str
    argv: tuple[str, ...]
    verdict: Verdict | None
    result: CommandResult | None  # None for composite tools and for calls that never got an argv
    output: str  # exactly what goes back to the model
    ok: bool


# call_id, tool, argv, verdict (None when the call never became a command), why not
StartHook = Callable[[str, str, tuple[str, ...], "Verdict | None", str], None]


@dataclass
class ToolRunner:
    executor: Executor
    registry: Registry
    approver: Approver | None = None
    guard: InjectionGuard | None = None
    dry_run: bool = False
    budget_tokens: int = 2000
    request: str = ""
    plan: list[PlanStep] = field(default_factory=list)
    executed: list[CommandResult] = field(default_factory=list)

    # -- one tool call from the model -----------------------------------------------------------------

    def call(self, call_id: str, name: str, arguments: str | dict[str, Any],
             *, on_started: StartHook | None = None) -> ToolOutcome:
        def invalid(message: str) -> ToolOutcome:
            if on_started is not None:
                on_started(call_id, name, (), None, message)
            return ToolOutcome(call_id, name, (), None, None, format_error(message), False)

        tool = self.registry.get(name)
        if tool is None:
            return invalid(f"unknown tool {name!r}; available: {', '.join(self.registry.names())}")
        parsed = _parse_arguments(arguments)
        if isinstance(parsed, str):
            return invalid(f"{name}: {parsed}")
        clean, problems = check_arguments(parsed, tool.parameters)
        if problems:
            return invalid(f"{name}: " + "; ".join(problems))
        try:
            argv = (tool.preview or tool.function)(**clean) if tool.composite else tool.function(**clean)
        except ToolArgumentError as exc:
            return invalid(f"{name}: {exc}")
        argv_t = tuple(argv)

        def judged(verdict: Verdict) -> None:
            if on_started is not None:
                on_started(call_id, name, argv_t, verdict, "")

        if tool.composite:
            return self._call_composite(call_id, tool, clean, argv_t, judged)
        result = self.run_command(name, argv_t, on_judged=judged)
        output = format_result(result, budget_tokens=self.budget_tokens,
                               extra_patterns=self.executor.cfg.redaction.extra_patterns)
        return ToolOutcome(call_id, name, argv_t, result.verdict, result, output, result.ok)

    def _call_composite(self, call_id: str, tool: Tool, args: dict[str, Any], argv: tuple[str, ...],
                        judged: Callable[[Verdict], None]) -> ToolOutcome:
        # A composite never runs as itself: its shown argv is judged, to say whether it may start; each read
        # it then makes goes through the executor's pipeline on its own.
        verdict = self.executor.check(argv)
        judged(verdict)
        if self.dry_run or verdict.decision is Decision.DENY:
            why = "dry run: not executed" if self.dry_run else f"denied by policy: {verdict.reason}"
            self.plan.append(PlanStep(tool.name, argv, verdict.decision, False, None, why))
            return ToolOutcome(call_id, tool.name, argv, verdict, None, format_error(f"{tool.name}: {why}"), False)
        ctx = ToolContext(read=lambda a: self.read(tool.name, a), namespace=self.executor.target.namespace)
        try:
            text = tool.function(ctx, **args)
        except AiopsError as exc:  # e.g. the cluster is unreachable: the model should hear it, not crash
            self.plan.append(PlanStep(tool.name, argv, verdict.decision, False, None, str(exc)))
            return ToolOutcome(call_id, tool.name, argv, verdict, None, format_error(f"{tool.name}: {exc}"), False)
        if self.guard is not None:
            # Its reads were observed one by one; the summary is text built from whole objects, vouched for
            # by nothing.
            self.guard.observe(argv, verdict=verdict, executed=True, untrusted_text=True)
        output = format_text(f"{tool.name} result:", text, budget_tokens=self.budget_tokens,
                             extra_patterns=self.executor.cfg.redaction.extra_patterns)
        return ToolOutcome(call_id, tool.name, argv, verdict, None, output, True)

    # -- commands ---------------------------------------------------------------------------------------

    def run_command(self, tool: str, argv: Sequence[str], *,
                    on_judged: Callable[[Verdict], None] | None = None) -> CommandResult:
        """One command through the executor's pipeline with this turn's approver and guard; records the
        plan step. Also used by the offline planner, whose answers the model reads on its next turn."""
        result = self.executor.run(argv, request=self.request, approver=self.approver, guard=self.guard,
                                   dry_run=self.dry_run, on_judged=on_judged)
        self._record(tool, result)
        return result

    def read(self, tool: str, argv: Sequence[str]) -> CommandResult:
        """A read-only command for a composite tool, with room for whole JSON lists."""
        result = self.executor.run(argv, request=self.request, approver=self.approver, guard=self.guard,
                                   dry_run=self.dry_run, reads_only=True, max_output_bytes=COMPOSITE_MAX_BYTES)
        self._record(tool, result)
        return result

    def _record(self, tool: str, result: CommandResult) -> None:
        self.plan.append(PlanStep(tool, result.argv, result.verdict.decision, result.executed,
                                  result.exit_code, "" if result.executed else (result.error or "")))
        if result.executed:
            self.executed.append(result)


def _parse_arguments(arguments: str | dict[str, Any]) -> dict[str, Any] | str:
    if isinstance(arguments, dict):
        return arguments
    text = (arguments or "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"arguments are not valid JSON ({exc.msg} at position {exc.pos}); send a JSON object"
    if not isinstance(value, dict):
        return f"arguments must be a JSON object, got {type(value).__name__}"
    return value
