"""The chat session: the headless core every front end drives (`aiops ask`, the TUI).

One session holds the conversation, the pinned kube target, the tool runner's guard and the LLM client.
`ask` runs one turn: the model with tools when one is configured and reachable, otherwise the fallback
chain (kubectl-ai, then the offline planner). It blocks; front ends call it from a worker thread and
render the events it posts.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from aiops_chat.agent import attachments
from aiops_chat.agent.events import EventSink, Notice, TextDelta, TurnFinished, TurnMode
from aiops_chat.agent.fallback import run_fallback
from aiops_chat.agent.kubectl_ai import find_kubectl_ai
from aiops_chat.agent.loop import Limits, run_llm_turn
from aiops_chat.errors import AiopsError, LLMError, UsageError
from aiops_chat.execution.executor import Executor
from aiops_chat.execution.result import CommandResult
from aiops_chat.llm.templates import render_prompt
from aiops_chat.llm.types import Usage
from aiops_chat.redaction import redact
from aiops_chat.sessions.fit import CONTEXT_CHARS, fit_history
from aiops_chat.sessions.store import SessionStore, StoredSession, new_id
from aiops_chat.tools.guard import InjectionGuard
from aiops_chat.tools.registry import Registry, default_registry
from aiops_chat.tools.runner import ToolRunner

if TYPE_CHECKING:
    from aiops_chat.audit import AuditLog
    from aiops_chat.config import Config
    from aiops_chat.execution.approval import Approver
    from aiops_chat.llm.client import LLMClient
    from aiops_chat.policy import Tier


@dataclass(frozen=True)
class SessionStatus:
    context: str | None
    namespace: str
    tier: Tier
    model: str | None  # None: no model, the turn goes to the fallback chain
    mode: TurnMode  # what the next turn tries first
    tokens_used: int
    session_id: str | None = None  # the saved conversation's id (aiops sessions), when one is saved


class ChatSession:
    def __init__(
        self,
        cfg: Config,
        *,
        context: str | None = None,
        namespace: str | None = None,
        source: str = "ask",
        approver: Approver | None = None,
        offline: bool = False,
        dry_run: bool = False,
        llm: LLMClient | None = None,
        audit: AuditLog | None = None,
        registry: Registry | None = None,
        store: SessionStore | None = None,
        resume: str | None = None,
    ) -> None:
        self.cfg = cfg
        self.source = source
        self.approver = approver
        self.offline = offline
        self.dry_run = dry_run
        self.audit = audit
        self.registry = registry or default_registry()
        self.executor = Executor(cfg, context=context, namespace=namespace, audit=audit, source=source)
        self.guard = InjectionGuard()
        self.history: list[dict[str, Any]] = []  # OpenAI-format messages, without the system prompt
        self.executed: list[CommandResult] = []
        self.tokens_used = 0
        self.llm = llm
        self.llm_problem: str | None = None  # why there is no model, for the fallback's notice
        if llm is None and not offline:
            self._connect(cfg)
        self.store = store
        self.stored: StoredSession | None = None
        self._lock: IO[bytes] | None = None  # held while this process continues a saved session
        if store is not None and resume:
            self._continue(store, resume, context=context, namespace=namespace)
        elif store is not None:
            self._new_stored()

    def _continue(self, store: SessionStore, given: str, *, context: str | None, namespace: str | None) -> None:
        session_id = store.resolve(given)
        lock = store.lock(session_id)  # before loading: nobody can save it in between
        try:
            self.stored = store.load(session_id)
        except BaseException:
            lock.close()
            raise
        self._lock = lock
        if context is None:
            # The conversation is about the target it was held on; a resumed one acts there unless the
            # command line names another (the history's "web-0" is that cluster's web-0).
            self.executor = Executor(self.cfg, context=self.stored.context,
                                     namespace=namespace or self.stored.namespace or None, audit=self.audit,
                                     source=self.source)
        self.history = list(self.stored.history)
        self.guard.reset()  # only now: a switch that failed above keeps the current taint
        if any(m.get("role") != "user" for m in self.history):
            # That conversation showed the model cluster output: its writes from now on need a person,
            # as they would have had it never been interrupted. Approvals themselves are never stored.
            self.guard.observe(("resumed", "session", self.stored.id), executed=True, untrusted_text=True)

    def switch_session(self, given: str) -> None:
        """Continue another saved session in place (what a front end's /sessions ID calls): this one stays
        saved as it is; the other's history and target come back, approvals never do."""
        if self.store is None:
            raise UsageError("this chat does not save sessions, so it cannot switch to one")
        old_lock = self._lock
        self._continue(self.store, given, context=None, namespace=None)
        if old_lock is not None:
            old_lock.close()

    def saved_sessions(self, limit: int = 20) -> list[str]:
        """One line per saved session, newest first, for a front end's /sessions (a refused file says why)."""
        if self.store is None:
            raise UsageError("this chat does not save sessions")
        lines = []
        for sid in self.store.ids()[:limit]:
            try:
                saved = self.store.load(sid)
            except AiopsError as exc:
                lines.append(f"{sid}  refused: {exc}")
                continue
            current = "  (this one)" if sid == self.session_id else ""
            lines.append(f"{sid}  {saved.turns} turns, {saved.context or '-'}/{saved.namespace}: {saved.title}{current}")
        return lines

    def _new_stored(self) -> None:
        target = self.executor.target
        self.stored = StoredSession(new_id(), self.source, target.context, target.namespace)

    @property
    def session_id(self) -> str | None:
        return self.stored.id if self.stored is not None else None

    def _save(self, on_event: EventSink) -> None:
        """After every turn: a crash loses at most the turn in flight (store.py writes atomically)."""
        if self.store is not None and self.stored is not None:
            self.stored.history = self.history
            try:
                self.store.save(self.stored)
            except (AiopsError, OSError) as exc:  # a full disk must not cost the user the answer they waited for
                on_event(Notice(f"could not save this session: {exc}"))

    def _connect(self, cfg: Config) -> None:
        from aiops_chat.llm.client import LLMClient

        try:
            self.llm = LLMClient.from_config(cfg)
            self.llm_problem = None
        except LLMError as exc:
            self.llm, self.llm_problem = None, str(exc)

    # -- turns ---------------------------------------------------------------------------------------------

    def ask(self, text: str, *, on_event: EventSink = lambda e: None,
            cancel: threading.Event | None = None) -> TurnFinished:
        # What a person pastes (or a UI composes from findings and logs) is redacted like command output
        # before it reaches the model, the history or the audit log's request field.
        text = redact(text, self.cfg.redaction.extra_patterns)
        if attachments.split(text)[1]:  # piped text, --file, a finding's facts: untrusted, like logs (attachments.py)
            self.guard.observe(("attached text",), executed=True, untrusted_text=True)
        runner = ToolRunner(self.executor, self.registry, approver=self.approver, guard=self.guard,
                            dry_run=self.dry_run, budget_tokens=self.cfg.agent.output_token_budget, request=text)
        if self.offline or self.llm is None:
            reason = "--offline" if self.offline else (self.llm_problem or "no LLM configured")
            return self._fallback(text, runner, reason, Usage(), on_event, cancel)
        self.history.append({"role": "user", "content": text})
        fitted = fit_history(self.history, CONTEXT_CHARS)
        if fitted.changed:
            self.history[:] = fitted.history
            on_event(Notice(f"the conversation is long: {fitted.dropped_outputs} older tool outputs dropped and "
                            f"{fitted.cut_answers} older answers cut to fit the model's context (your words are kept)"))
        limits = Limits(max_steps=self.cfg.agent.max_steps, max_repeats=self.cfg.agent.max_repeats)
        self.llm.on_wait = lambda note: on_event(Notice(note))  # "waiting for the model at URL, try 2 of 4"
        try:
            outcome = run_llm_turn(self.llm, self.system_prompt(), self.history, runner, self.registry.schemas(),
                                   limits=limits, on_event=on_event, cancel=cancel)
        except LLMError as exc:
            if exc.permanent:  # a rejected key, unknown model, wrong URL: a fix, not a fallback (llm/failures.py)
                raise
            chain = "kubectl-ai" if find_kubectl_ai(self.cfg) else "the offline planner"
            on_event(Notice(f"{exc.message}: falling back to {chain}"))
            return self._fallback(text, runner, exc.message, Usage(), on_event, cancel, asked=True)
        self.executed.extend(runner.executed)
        self.tokens_used += outcome.usage.total_tokens
        self._save(on_event)
        finished = TurnFinished(outcome.answer, list(runner.plan), outcome.usage, TurnMode.LLM)
        on_event(finished)
        return finished

    def _fallback(self, text: str, runner: ToolRunner, reason: str, usage: Usage,
                  on_event: EventSink, cancel: threading.Event | None,
                  *, asked: bool = False) -> TurnFinished:
        if not asked:
            self.history.append({"role": "user", "content": text})
        result = run_fallback(text, cfg=self.cfg, runner=runner, reason=reason, on_event=on_event, cancel=cancel)
        self.executed.extend(runner.executed)
        self.history.append({"role": "assistant", "content": result.answer})
        self._save(on_event)
        # Streamed as one piece, so front ends that render deltas show every mode's answer the same way.
        on_event(TextDelta(result.answer))
        finished = TurnFinished(result.answer, list(runner.plan), usage, result.mode)
        on_event(finished)
        return finished

    def system_prompt(self) -> str:
        target = self.executor.target
        return render_prompt("system", context=target.context or "(kubeconfig default)",
                             namespace=target.namespace, tier=self.executor.policy.tier.value)

    # -- state the front end changes between turns ---------------------------------------------------------

    def set_context(self, name: str) -> None:
        from aiops_chat.kubeconfig import load_view

        view = load_view(self.cfg.kubeconfig, self.cfg.runtime.home)
        if view.contexts and view.get(name) is None:
            known = ", ".join(c.name for c in view.contexts)
            raise UsageError(f"no context {name!r} in the kubeconfig (known: {known})")
        self.executor = Executor(self.cfg, context=name, namespace=None, audit=self.audit, source=self.source)

    def set_namespace(self, ns: str) -> None:
        self.executor = Executor(self.cfg, context=self.executor.target.context, namespace=ns, audit=self.audit,
                                 source=self.source)

    def set_model(self, name: str) -> None:
        if self.llm is not None:
            self.llm.model = name
            return
        self._connect(self.cfg.replace(llm=dataclasses.replace(self.cfg.llm, model=name)))
        if self.llm is None:
            raise LLMError(self.llm_problem or "no LLM configured")
        self.offline = False

    def close(self) -> None:
        """Let go of the saved session's lock. The kernel drops it when the process ends; a caller that goes
        on (a test, a script embedding aiops) must not leave the next `--session ID` finding it taken."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def clear(self) -> None:
        """Forget the conversation (and with it whatever untrusted text the model had read)."""
        self.history.clear()
        self.guard.reset()
        if self.store is not None:
            self._new_stored()  # the saved conversation stays as it was; the next turn starts another
            if self._lock is not None:
                self._lock.close()
                self._lock = None

    @property
    def status(self) -> SessionStatus:
        mode: TurnMode
        if self.llm is not None and not self.offline:
            mode, model = TurnMode.LLM, self.llm.model
        else:
            mode, model = (TurnMode.KUBECTL_AI if find_kubectl_ai(self.cfg) else TurnMode.OFFLINE), None
        target = self.executor.target
        return SessionStatus(target.context, target.namespace, self.executor.policy.tier, model, mode,
                             self.tokens_used, self.session_id)
