"""The executor: the only place in aiops-chat where a process starts.

Order of work for every command: policy decision -> (approval, if the policy asks) -> policy re-check on
the exact argv about to run -> pin context and namespace -> spawn without a shell, with a minimal
environment and a timeout -> redact -> cap -> audit. A caller cannot choose the kube context: the policy
denies `--context`/`--kubeconfig` in argv, and the executor adds its own.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiops_chat.execution.approval import ApprovalResult, Approver
from aiops_chat.execution.output import cap_text
from aiops_chat.execution.result import CommandResult
from aiops_chat.kubeconfig import load_view
from aiops_chat.policy import Decision, PolicyContext, Verdict, evaluate, policy_context_for
from aiops_chat.redaction import redact

if TYPE_CHECKING:
    from aiops_chat.audit import AuditLog
    from aiops_chat.config import Config



@dataclass(frozen=True)
class Target:
    """Where commands go: resolved once, pinned on every command."""

    context: str | None
    namespace: str


def resolve_target(cfg: Config, context: str | None, namespace: str | None) -> Target:
    view = load_view(cfg.kubeconfig, cfg.runtime.home)
    ctx_name = context or cfg.kube.context or view.current
    ctx = view.get(ctx_name) if ctx_name else None
    ns = namespace or cfg.kube.namespace or (ctx.namespace if ctx else None) or "default"
    return Target(context=ctx_name, namespace=ns)


class Executor:
    def __init__(
        self,
        cfg: Config,
        *,
        context: str | None = None,
        namespace: str | None = None,
        audit: AuditLog | None = None,
        source: str = "cli",
        approver: Approver | None = None,
        target: Target | None = None,
    ) -> None:
        self.cfg = cfg
        self.target = target or resolve_target(cfg, context, namespace)
        self.policy: PolicyContext = policy_context_for(cfg, self.target.context, self.target.namespace)
        self.audit = audit
        self.source = source
        self.approver = approver

    def check(self, argv: Sequence[str], stdin: str | None = None) -> Verdict:
        return evaluate(list(argv), self.policy, stdin)

    def run(
        self,
        argv: Sequence[str],
        *,
        request: str = "",
        approver: Approver | None = None,
        approved_by: str | None = None,
        stdin: str | None = None,
        timeout: float | None = None,
    ) -> CommandResult:
        argv_t = tuple(argv)
        verdict = self.check(argv_t, stdin)
        if verdict.decision is Decision.DENY:
            self._record("decision", argv_t, verdict, request, approver=None, approved=False)
            return CommandResult(argv_t, verdict, executed=False, error=f"denied by policy: {verdict.reason}")
        approval = self._approve(verdict, argv_t, approver, approved_by)
        self._record("decision", argv_t, verdict, request, approver=approval.approver, approved=approval.approved)
        if not approval.approved:
            return CommandResult(argv_t, verdict, executed=False, approver=approval.approver,
                                 error=f"not approved: {approval.note or verdict.reason}")
        # Judge again what is about to run: a manifest under -f may have been edited while a person decided.
        final = self.check(argv_t, stdin)
        if final.decision is Decision.DENY or final != verdict:
            self._record("decision", argv_t, final, request, approver="policy", approved=False)
            return CommandResult(argv_t, final, executed=False, error="command changed after approval; refused")
        return self._spawn(argv_t, verdict, request, approval.approver, stdin, timeout)

    def _approve(self, verdict: Verdict, argv: tuple[str, ...], approver: Approver | None,
                 approved_by: str | None) -> ApprovalResult:
        if verdict.decision is Decision.ALLOW:
            return ApprovalResult(True, "policy")
        if approved_by:
            return ApprovalResult(True, approved_by)
        asker = approver or self.approver
        if asker is None:
            return ApprovalResult(False, "none", "this write needs approval and no approver is attached")
        return asker(verdict, argv)

    def pinned(self, argv: Sequence[str], verdict: Verdict | None = None) -> list[str]:
        """The argv that actually runs: the binary resolved, the session's context and the namespace the
        policy judged put first. The namespace comes from the policy's own parse, never from re-reading
        the tokens here: a token the policy read as another flag's value (`--template -nkube-system`)
        must not decide where a write lands. With -A, kubectl and helm ignore the namespace."""
        binary, rest = argv[0], list(argv[1:])
        if binary not in ("kubectl", "helm"):
            return [self.cfg.kube.minikube, *rest]
        namespace = (verdict or self.check(argv)).namespace or self.target.namespace
        context_flag = "--context" if binary == "kubectl" else "--kube-context"
        pins = [context_flag, self.target.context] if self.target.context else []
        pins += ["--namespace", namespace]
        exe = self.cfg.kube.kubectl if binary == "kubectl" else self.cfg.kube.helm
        return [exe, *pins, *rest]

    def environment(self) -> dict[str, str]:
        """A minimal environment: no API keys or tokens of ours leak into kubectl, helm or their plugins."""
        env = {"PATH": self.cfg.runtime.path, "HOME": self.cfg.runtime.home, "LANG": self.cfg.runtime.lang,
               **dict(self.cfg.runtime.tool_env)}
        if self.cfg.kubeconfig:
            env["KUBECONFIG"] = self.cfg.kubeconfig
        return env

    def _spawn(self, argv: tuple[str, ...], verdict: Verdict, request: str, approver: str,
               stdin: str | None, timeout: float | None) -> CommandResult:
        pinned = self.pinned(argv, verdict)
        exe = shutil.which(pinned[0], path=self.cfg.runtime.path)
        if exe is None:
            hint = f"install {argv[0]} or set [kube] {argv[0]} in the config to its path"
            result = CommandResult(argv, verdict, executed=False, approver=approver,
                                   error=f"{pinned[0]}: not found on PATH ({hint})", pinned_argv=tuple(pinned))
            self._record("execution", argv, verdict, request, approver=approver, result=result)
            return result
        limit = timeout or self.cfg.executor.timeout
        started = time.monotonic()
        error = None
        try:
            # Without stdin of our own the child gets /dev/null: `-f -` must never read aiops's own stdin,
            # a manifest the policy never saw.
            feed: dict[str, Any] = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
            proc = subprocess.run(
                [exe, *pinned[1:]], **feed, capture_output=True, text=True, errors="replace",
                timeout=limit, env=self.environment(), cwd=self.policy.workdir, shell=False, check=False,
            )
            code: int | None = proc.returncode
            out, err = proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            code, error = None, f"timed out after {limit:g}s"
            out, err = _text(exc.stdout), _text(exc.stderr)
        except OSError as exc:
            code, error, out, err = None, f"{exe}: {exc.strerror}", "", ""
        duration = time.monotonic() - started
        extra = self.cfg.redaction.extra_patterns
        limit_bytes = self.cfg.executor.max_output_bytes
        out, cut_out = cap_text(redact(out, extra), limit_bytes)
        err, cut_err = cap_text(redact(err, extra), limit_bytes // 4)
        result = CommandResult(argv, verdict, executed=code is not None, exit_code=code, stdout=out, stderr=err,
                               duration_s=duration, truncated=cut_out or cut_err, error=error, approver=approver,
                               pinned_argv=tuple(pinned))
        self._record("execution", argv, verdict, request, approver=approver, result=result)
        return result

    def _record(self, event: str, argv: tuple[str, ...], verdict: Verdict, request: str, *,
                approver: str | None, approved: bool | None = None, result: CommandResult | None = None) -> None:
        if self.audit is None:
            return
        entry: dict[str, Any] = {
            "event": event,
            "source": self.source,
            "context": self.target.context,
            "namespace": self.target.namespace,
            "request": redact(request, self.cfg.redaction.extra_patterns),
            "argv": list(argv),
            "decision": verdict.decision.value,
            "risk": verdict.risk.value,
            "reason": verdict.reason,
            "approver": approver,
        }
        if approved is not None:
            entry["approved"] = approved
        if result is not None:
            entry.update(exit_code=result.exit_code, duration_s=round(result.duration_s, 3),
                         executed=result.executed, error=result.error)
        self.audit.record(entry)


def _text(data: Any) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
