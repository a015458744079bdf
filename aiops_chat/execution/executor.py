"""The executor: the one pipeline every command of aiops-chat goes through, whoever asks for it.

``Executor.run`` is the single entry point. For every command, in order: judge it once (the policy, or a
fixed :class:`LocalCommand`) -> refuse what the policy denies -> ask for approval where the policy says
confirm, with the injection guard able to insist on a person and the server's preview of the change
computed here, so an approver only shows things -> judge the exact argv again after a wait for a person
(a manifest under -f may have been edited meanwhile) -> pin context and namespace -> start it through the
one spawn helper (no shell, minimal environment, /dev/null stdin, a timeout that ends the process group)
-> redact -> cap -> write a typed audit entry -> return a :class:`CommandResult` with a :class:`Status`.
A caller cannot choose the kube context: the policy denies `--kubeconfig` and any `--context` other than
the session's own in argv, and the executor adds its own.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from aiops_chat.execution.approval import ApprovalResult, Approver, ShowsPreview
from aiops_chat.execution.audit_entry import AuditEntry, AuditEvent
from aiops_chat.execution.local import LocalCommand
from aiops_chat.execution.output import cap_text
from aiops_chat.execution.preview import describe_preview, preview_argv
from aiops_chat.execution.result import CommandResult, Status
from aiops_chat.execution.spawn import spawn
from aiops_chat.kubeconfig import load_view
from aiops_chat.policy import Decision, PolicyContext, Risk, Verdict, evaluate, policy_context_for
from aiops_chat.redaction import redact

if TYPE_CHECKING:
    from aiops_chat.audit import AuditLog
    from aiops_chat.config import Config

PREVIEW_REQUEST = "approval preview"
Judged = Callable[[Verdict], None]


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


class Guard(Protocol):
    """The injection guard as the executor uses it (aiops_chat.tools.guard.InjectionGuard)."""

    @property
    def tainted_by(self) -> str | None: ...
    def needs_person(self, verdict: Verdict) -> bool: ...
    def observe(self, argv: Sequence[str], *, executed: bool, verdict: Verdict | None = None, stderr: str = "",
                stdout: str | None = None, untrusted_text: bool = False) -> None: ...


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
        """What the policy says about ``argv`` here; nothing runs (for `policy check`-like questions)."""
        return evaluate(list(argv), self.policy, stdin)

    def run(
        self,
        command: Sequence[str] | LocalCommand,
        *,
        request: str = "",
        approver: Approver | None = None,
        approved_by: str | None = None,
        guard: Guard | None = None,
        stdin: str | None = None,
        timeout: float | None = None,
        max_output_bytes: int | None = None,
        reads_only: bool = False,
        dry_run: bool = False,
        on_judged: Judged | None = None,
    ) -> CommandResult:
        """Run one command through the whole pipeline (module docstring).

        ``approver``: asked when the policy says confirm (default: the executor's own); ``approved_by``:
        a yes already given, by whom. ``guard``: the session's injection guard, which sees every result and
        may send a write to a person. ``reads_only``: refuse anything but a read (composite tools, previews).
        ``dry_run``: judge and report, start nothing. ``on_judged``: told the verdict before anyone is asked.
        """
        local = command if isinstance(command, LocalCommand) else None
        argv = command.argv if isinstance(command, LocalCommand) else tuple(command)
        verdict = local.verdict if local is not None else self.check(argv, stdin)
        if on_judged is not None:
            on_judged(verdict)
        result = self._decide_and_run(argv, local, verdict, request=request, approver=approver,
                                      approved_by=approved_by, guard=guard, stdin=stdin, timeout=timeout,
                                      max_output_bytes=max_output_bytes, reads_only=reads_only, dry_run=dry_run)
        if guard is not None:
            guard.observe(argv, verdict=verdict, executed=result.executed, stderr=result.stderr,
                          stdout=result.stdout)
        return result

    def _decide_and_run(self, argv: tuple[str, ...], local: LocalCommand | None, verdict: Verdict, *, request: str,
                        approver: Approver | None, approved_by: str | None, guard: Guard | None,
                        stdin: str | None, timeout: float | None, max_output_bytes: int | None,
                        reads_only: bool, dry_run: bool) -> CommandResult:
        request = redact(request, self.cfg.redaction.extra_patterns)
        if verdict.decision is Decision.DENY:
            self._record(AuditEvent.DECISION, argv, verdict, request, approver=None, approved=False)
            return CommandResult(argv, verdict, Status.DENIED, error=f"denied by policy: {verdict.reason}")
        if reads_only and verdict.risk is not Risk.READ:
            return CommandResult(argv, verdict, Status.DECLINED,
                                 error="only reads may run here (composite tools and previews may only read)")
        if dry_run:
            return CommandResult(argv, verdict, Status.DRY_RUN, error="dry run: not executed")
        approval, by_guard = self._approve(argv, verdict, approver, approved_by, guard)
        self._record(AuditEvent.DECISION, argv, verdict, request, approver=approval.approver,
                     approved=approval.approved, guard="injection" if by_guard and not approval.approved else None)
        if not approval.approved:
            why = "not approved (injection guard)" if by_guard else "not approved"
            note = approval.note or ("refused by the user" if by_guard else verdict.reason)
            return CommandResult(argv, verdict, Status.DECLINED, approver=approval.approver, error=f"{why}: {note}")
        if (verdict.decision is not Decision.ALLOW or by_guard) and local is None:
            # Judge again what is about to run: a manifest under -f may have been edited while a person decided.
            final = self.check(argv, stdin)
            if final != verdict:
                self._record(AuditEvent.DECISION, argv, final, request, approver="policy", approved=False)
                return CommandResult(argv, final, Status.CHANGED, error="command changed after approval; refused")
        return self._spawn(argv, local, verdict, request, approval.approver, stdin, timeout, max_output_bytes)

    def _approve(self, argv: tuple[str, ...], verdict: Verdict, approver: Approver | None,
                 approved_by: str | None, guard: Guard | None) -> tuple[ApprovalResult, bool]:
        """The approval, and whether the injection guard chose who gives it."""
        asker = approver or self.approver
        if guard is not None and guard.needs_person(verdict):
            # The model proposed this after reading text a workload controls: only a person may say yes,
            # whatever the tier, `--yes` or an earlier approval say.
            from aiops_chat.tools.guard import person_behind

            person = person_behind(asker)
            if person is None:
                source = guard.tainted_by or "cluster text"
                return ApprovalResult(False, "none", f"the model proposed this after reading `{source}`; "
                                      "a person must approve it and none is at the keyboard"), True
            return self._ask(person, verdict, argv), True
        if verdict.decision is Decision.ALLOW:
            return ApprovalResult(True, "policy"), False
        if approved_by:
            return ApprovalResult(True, approved_by), False
        if asker is None:
            return ApprovalResult(False, "none", "this write needs approval and no approver is attached"), False
        return self._ask(asker, verdict, argv), False

    def _ask(self, asker: Approver, verdict: Verdict, argv: tuple[str, ...]) -> ApprovalResult:
        if isinstance(asker, ShowsPreview):
            return asker.ask_with_preview(verdict, argv, self._preview(argv))
        return asker(verdict, argv)

    def _preview(self, argv: Sequence[str]) -> str | None:
        """The server's dry run (or diff) of a write, run as an unattended read through this pipeline."""
        read = preview_argv(argv)
        if read is None:
            return None
        result = self.run(read, request=PREVIEW_REQUEST, reads_only=True, approver=_NOBODY)
        return describe_preview(result)

    def pinned(self, argv: Sequence[str], verdict: Verdict | None = None) -> list[str]:
        """The argv that actually runs: the binary resolved, the session's context and the namespace the
        policy judged put first. The namespace comes from the policy's own parse, never from re-reading
        the tokens here: a token the policy read as another flag's value (`--template -nkube-system`)
        must not decide where a write lands. With -A, kubectl and helm ignore the namespace."""
        binary, rest = argv[0], list(argv[1:])
        if binary not in ("kubectl", "helm"):
            return [self.cfg.kube.minikube, *rest]
        namespace = self.namespace_of(verdict or self.check(argv))
        context_flag = "--context" if binary == "kubectl" else "--kube-context"
        pins = [context_flag, self.target.context] if self.target.context else []
        pins += ["--namespace", namespace]
        exe = self.cfg.kube.kubectl if binary == "kubectl" else self.cfg.kube.helm
        return [exe, *pins, *rest]

    def namespace_of(self, verdict: Verdict) -> str:
        """Where the command acts: the namespace the policy judged, else the session's."""
        return verdict.namespace or self.target.namespace

    def environment(self) -> dict[str, str]:
        """A minimal environment: no API keys or tokens of ours leak into kubectl, helm or their plugins."""
        env = {"PATH": self.cfg.runtime.path, "HOME": self.cfg.runtime.home, "LANG": self.cfg.runtime.lang,
               **dict(self.cfg.runtime.tool_env)}
        if self.cfg.kubeconfig:
            env["KUBECONFIG"] = self.cfg.kubeconfig
        return env

    def _spawn(self, argv: tuple[str, ...], local: LocalCommand | None, verdict: Verdict, request: str,
               approver: str, stdin: str | None, timeout: float | None,
               max_output_bytes: int | None) -> CommandResult:
        pinned = [argv[0], *local.spawned_args()] if local is not None else self.pinned(argv, verdict)
        exe = shutil.which(pinned[0], path=self.cfg.runtime.path)
        if exe is None:
            hint = (f"install {argv[0]}" if local is not None else
                    f"install {argv[0]} or set [kube] {argv[0]} in the config to its path")
            result = CommandResult(argv, verdict, Status.NOT_FOUND, approver=approver,
                                   error=f"{pinned[0]}: not found on PATH ({hint})", pinned_argv=tuple(pinned))
            self._record(AuditEvent.EXECUTION, argv, verdict, request, approver=approver, result=result)
            return result
        limit = timeout or self.cfg.executor.timeout
        env = None if local is not None and local.inherit_env else self.environment()
        ran = spawn([exe, *pinned[1:]], env=env, cwd=self.policy.workdir, timeout=limit, stdin=stdin)
        if ran.timed_out:
            status = Status.TIMED_OUT
        elif ran.exit_code is None:
            status = Status.CANNOT_START
        else:
            status = Status.RAN if ran.exit_code == 0 else Status.FAILED
        extra = self.cfg.redaction.extra_patterns
        limit_bytes = max_output_bytes or self.cfg.executor.max_output_bytes
        out, cut_out = cap_text(redact(ran.stdout, extra), limit_bytes)
        err, cut_err = cap_text(redact(ran.stderr, extra), limit_bytes // 4)
        diagnosis = None
        if status is Status.FAILED and local is None:
            from aiops_chat.cluster_problems import diagnose

            diagnosis = diagnose(err, self.cfg.kubeconfig, self.cfg.runtime.home, self.target.context,
                                 stdout=out)
        result = CommandResult(argv, verdict, status, exit_code=ran.exit_code, stdout=out, stderr=err,
                               duration_s=ran.duration_s, truncated=cut_out or cut_err, error=ran.error,
                               approver=approver, pinned_argv=tuple(pinned), diagnosis=diagnosis)
        self._record(AuditEvent.EXECUTION, argv, verdict, request, approver=approver, result=result)
        return result

    def _record(self, event: AuditEvent, argv: tuple[str, ...], verdict: Verdict, request: str, *,
                approver: str | None, approved: bool | None = None, guard: str | None = None,
                result: CommandResult | None = None) -> None:
        if self.audit is None:
            return
        entry = AuditEntry.of(event, verdict, argv, source=self.source, context=self.target.context,
                              namespace=self.namespace_of(verdict), request=request, approver=approver,
                              approved=approved, guard=guard, result=result)
        self.audit.record(entry.to_record(self.cfg.redaction.extra_patterns))


class _Nobody:
    """Previews are reads the policy allows; should one ever need a yes, nobody gives it."""

    def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult:
        return ApprovalResult(False, "none", "a preview is never approved")


_NOBODY = _Nobody()
