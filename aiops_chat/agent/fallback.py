"""The fallback chain for a turn without a model: kubectl-ai for read-only questions (never those about
secrets or credentials), else the offline planner.

Used when no LLM is configured, when it stays unreachable after the client's retries, or with --offline.
Both paths put what they ran in the plan; the offline planner runs reads, sends writes through the same
confirmation as the model's, and always prints the commands so the user can run them by hand.
Whatever either path read lands in the session's history, which a model reads on a later turn, so both
report it to the injection guard like the model's own tool calls.
"""

from __future__ import annotations

import shlex
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiops_chat.agent import attachments
from aiops_chat.agent.events import EventSink, Notice, ToolCallFinished, ToolCallStarted, TurnMode
from aiops_chat.agent.kubectl_ai import (
    SECRET_QUESTION,
    answer_of,
    ask_kubectl_ai,
    failure_of,
    mentions_secrets,
    usable_for,
)
from aiops_chat.agent.offline import OfflinePlan, Step, looks_like_write, plan_request
from aiops_chat.errors import AiopsError, ClusterError
from aiops_chat.execution.result import CommandResult, Status, unreachable_line
from aiops_chat.policy import Decision, Risk, Verdict
from aiops_chat.tools.base import ToolContext
from aiops_chat.tools.output import cut_to_budget, format_result, format_text
from aiops_chat.tools.runner import PlanStep

if TYPE_CHECKING:
    from aiops_chat.config import Config
    from aiops_chat.tools.runner import ToolRunner

SHOWN_OUTPUT_TOKENS = 1500  # per command, in the answer a person reads

EXAMPLES = (
    "scale taskflow-backend to 2 replicas",
    "show logs for taskflow-backend (last 50, previous, container app)",
    "restart / roll back / rollout status of taskflow-frontend",
    "update image of web to nginx:1.27",
    "list pods in all namespaces; describe pod X; events; top pods",
    "helm list / history R / status R / uninstall R",
    "why is pod X not ready? what is broken?",
)


@dataclass(frozen=True)
class FallbackResult:
    answer: str
    mode: TurnMode


def run_fallback(question: str, *, cfg: Config, runner: ToolRunner, reason: str, on_event: EventSink,
                 cancel: threading.Event | None = None) -> FallbackResult:
    plan = plan_request(question)
    read_only = plan.read_only if plan is not None else not looks_like_write(question)
    if attachments.split(question)[1]:  # piped/--file text is data for a model, never handed to kubectl-ai
        read_only = False
    if read_only:
        exe, why_not = usable_for(cfg, runner.executor.target)
        if exe is not None and mentions_secrets(question):
            shown = ("kubectl-ai", "--quiet", question)
            runner.plan.append(PlanStep("kubectl-ai", shown, Decision.DENY, False, None, SECRET_QUESTION))
            on_event(Notice(f"not using kubectl-ai: {SECRET_QUESTION}; the offline planner answers instead"))
        elif exe is not None:
            answer = _via_kubectl_ai(question, runner, on_event)
            if answer is not None:
                return FallbackResult(answer, TurnMode.KUBECTL_AI)
        elif "PATH" not in why_not:
            on_event(Notice(f"not using kubectl-ai: {why_not}"))
    return FallbackResult(run_offline(question, plan, runner=runner, reason=reason, on_event=on_event,
                                      cancel=cancel), TurnMode.OFFLINE)


def _via_kubectl_ai(question: str, runner: ToolRunner, on_event: EventSink) -> str | None:
    shown = ("kubectl-ai", "--quiet", question)
    call_id = "kubectl-ai-1"
    on_event(ToolCallStarted(call_id, "kubectl-ai", shown, Decision.ALLOW, Risk.READ, "read-only question"))
    if runner.dry_run:
        runner.plan.append(PlanStep("kubectl-ai", shown, Decision.ALLOW, False, None, "dry run: not executed"))
        on_event(ToolCallFinished(call_id, "kubectl-ai", None, "dry run: not executed"))
        return f"_Dry run: would ask kubectl-ai:_ `{shlex.join(shown)}`"
    result = ask_kubectl_ai(runner.executor, question)
    if runner.guard is not None:  # its answer retells whatever it read in the cluster
        runner.guard.observe(result.argv, executed=result.executed, untrusted_text=True)
    failure = failure_of(result)
    runner.plan.append(PlanStep("kubectl-ai", result.argv, Decision.ALLOW, result.executed, result.exit_code,
                                "" if result.executed else (failure or "")))
    on_event(ToolCallFinished(call_id, "kubectl-ai", None, answer_of(result) or (failure or "")))
    if failure is None:
        return f"{answer_of(result)}\n\n_Answered by kubectl-ai (read-only question)._"
    on_event(Notice(f"{failure}: using the offline planner"))
    return None


def run_offline(question: str, plan: OfflinePlan | None, *, runner: ToolRunner, reason: str,
                on_event: EventSink, cancel: threading.Event | None = None) -> str:
    head = f"**Offline planner** ({reason})."
    if plan is None:
        examples = "\n".join(f"- {e}" for e in EXAMPLES)
        return (f"{head}\n\nI could not turn this request into commands without a language model. "
                f"Requests I understand look like:\n{examples}\n\n"
                "Configure a model with `[llm] base_url`/`api_key` (or OPENAI_API_KEY) for anything else.")
    sections = [f"{head} I read your request as: {plan.intent}."]
    verdicts: dict[int, Verdict] = {}  # per step that reached the executor: what the policy said
    extra = runner.executor.cfg.redaction.extra_patterns
    for i, step in enumerate(plan.steps, start=1):
        if cancel is not None and cancel.is_set():
            sections.append("_(cancelled)_")
            break
        call_id = f"offline-{i}"
        if step.tool == "analyze_cluster":
            section, why = _analysis_section(call_id, step.argv, plan, runner, on_event)
            if why:
                sections.append(_unreachable_section(runner, why))
                break
            sections.append(section)
            continue

        def started(verdict: Verdict, call_id: str = call_id, step: Step = step) -> None:
            on_event(ToolCallStarted(call_id, step.tool, step.argv, verdict.decision, verdict.risk, verdict.reason))

        result = runner.run_command(step.tool, step.argv, on_judged=started)
        verdicts[i] = result.verdict
        on_event(ToolCallFinished(call_id, step.tool, result,
                                  format_result(result, budget_tokens=runner.budget_tokens, extra_patterns=extra)))
        title = f"`{shlex.join(step.argv)}`"
        if result.unreachable:
            sections.append(_unreachable_section(runner, result.unreachable))
            break
        if not result.executed:
            sections.append(f"{title}: **not run**: {result.error or 'not approved'}")
            continue
        sections.append(f"{title}{_exit_note(result)}:\n```\n{cut_to_budget(_body(result), SHOWN_OUTPUT_TOKENS)}\n```")
    sections.append(_manual_section(plan, runner, verdicts))
    return "\n\n".join(sections)


def _body(result: CommandResult) -> str:
    return (result.stdout + ("\n" + result.stderr if result.stderr.strip() else "")).strip() or "(no output)"


def _exit_note(result: CommandResult) -> str:
    return "" if result.status is Status.RAN else f" (exit {result.exit_code})"


def _manual_section(plan: OfflinePlan, runner: ToolRunner, verdicts: dict[int, Verdict]) -> str:
    """The commands to copy, pinned: every step's, whether it ran, was refused or was never reached, except
    those the policy denies here. A write the context's tier forbids is not handed out to paste around it."""
    lines: list[str] = []
    withheld: list[str] = []
    for i, step in enumerate(plan.steps, start=1):
        if step.tool == "analyze_cluster":
            lines.append(_analyze_line(plan, runner))
            continue
        verdict = verdicts.get(i) or runner.executor.check(step.argv)
        if verdict.decision is Decision.DENY:
            withheld.append(f"`{shlex.join(step.argv)}`: {verdict.reason}")
            continue
        lines.append(shlex.join([step.argv[0], *runner.executor.pinned(step.argv, verdict)[1:]]))
    parts = ["Run it yourself:\n```\n" + "\n".join(lines) + "\n```"] if lines else []
    if withheld:
        parts.append("Not offered to run by hand, because the policy refuses it on this context:\n"
                     + "\n".join(f"- {w}" for w in withheld))
    return "\n\n".join(parts)


def _analyze_line(plan: OfflinePlan, runner: ToolRunner) -> str:
    target = runner.executor.target
    scoped = plan.analyze and not plan.analyze.get("all_namespaces")
    namespace = str((plan.analyze or {}).get("namespace") or target.namespace)
    return shlex.join(["aiops", *(["--context", target.context] if target.context else []),
                       *(["-n", namespace] if scoped else []), "analyze"])


def _unreachable_section(runner: ToolRunner, why: str) -> str:
    target = runner.executor.target
    return (f"**The cluster could not be used** (context {target.context or '(kubeconfig default)'}): {why}\n\n"
            "Nothing more was tried. Check the kubeconfig and context (`kubectl config get-contexts`, "
            "`kubectl cluster-info`), or see what the analysis looks like on the built-in demo: "
            "`aiops analyze --demo`.")


def _analysis_section(call_id: str, preview: tuple[str, ...], plan: OfflinePlan, runner: ToolRunner,
                      on_event: EventSink) -> tuple[str, str | None]:
    """The section's text, and why the cluster was unreachable if it was."""
    from aiops_chat.tools.analysis_tools import analyze_cluster

    # Judged like the model's analyze_cluster call: the shown argv decides whether it may start, and each
    # read it makes then goes through the executor on its own.
    verdict = runner.executor.check(preview)
    on_event(ToolCallStarted(call_id, "analyze_cluster", preview, verdict.decision, verdict.risk, verdict.reason))
    if runner.dry_run:
        runner.plan.append(PlanStep("analyze_cluster", preview, verdict.decision, False, None,
                                    "dry run: not executed"))
        on_event(ToolCallFinished(call_id, "analyze_cluster", None, "dry run: not executed"))
        return "Health analysis: _dry run, not executed._", None
    ctx = ToolContext(read=lambda argv: runner.read("analyze_cluster", argv), namespace=runner.executor.target.namespace)
    args = plan.analyze or {}
    why: str | None = None
    try:
        text = analyze_cluster(ctx, namespace=str(args.get("namespace") or ""),
                               all_namespaces=bool(args.get("all_namespaces")))
    except AiopsError as exc:
        # A ClusterError already names the cause (aiops_chat.cluster_problems); other errors may quote kubectl.
        text, why = f"analysis failed: {exc}", str(exc) if isinstance(exc, ClusterError) else unreachable_line(str(exc))
    if runner.guard is not None:  # findings quote event messages and log lines (its reads were observed too)
        runner.guard.observe(preview, verdict=verdict, executed=True, untrusted_text=True)
    on_event(ToolCallFinished(call_id, "analyze_cluster", None,
                              format_text("analyze_cluster result:", text, budget_tokens=runner.budget_tokens)))
    return f"Health analysis:\n```\n{cut_to_budget(text, SHOWN_OUTPUT_TOKENS)}\n```", why
