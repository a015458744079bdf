"""Wiring the real parts for `aiops chat`: the core's ChatSession, the audit log, findings, contexts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiops_chat.config import Config
from aiops_chat.execution.approval import Approver
from aiops_chat.tui.app import AiopsChatApp, FindingsProvider, create_app
from aiops_chat.tui.providers import (
    context_choices,
    demo_findings,
    live_findings,
    snapshot_findings,
)
from aiops_chat.tui.session_api import SessionLike, StatusLike

if TYPE_CHECKING:
    from aiops_chat.sessions import SessionJournal, StoredSession


def build_app(cfg: Config, *, context: str | None, namespace: str | None, offline: bool = False,
              dry_run: bool = False, demo: bool = False, snapshot: Path | None = None,
              export_dir: Path | None = None, journal: SessionJournal | None = None,
              resume: StoredSession | None = None) -> AiopsChatApp:
    from aiops_chat.agent.session import ChatSession
    from aiops_chat.audit import AuditLog

    audit = AuditLog.for_config(cfg) if cfg.audit.enabled else None
    holder: list[ChatSession] = []

    def make_session(approver: Approver) -> SessionLike:
        # A resumed session keeps the target it was about unless the command line names another.
        ctx = context if context is not None or resume is None else resume.context
        ns = namespace if namespace is not None or resume is None else resume.namespace
        session = ChatSession(cfg, context=ctx, namespace=ns, source="tui", approver=approver,
                              offline=offline, dry_run=dry_run, audit=audit, journal=journal)
        if resume is not None:
            session.resume(resume)  # history only: no approval is replayed, the guard starts tainted if due
        holder.append(session)
        return session

    def status() -> StatusLike:
        return holder[0].status

    findings: FindingsProvider
    if demo:
        findings = demo_findings
    elif snapshot is not None:
        path = snapshot
        findings = lambda: snapshot_findings(path)  # noqa: E731
    else:
        findings = live_findings(cfg, status)
    return create_app(make_session, findings=findings, contexts=context_choices(cfg, lambda: holder[0].status.context),
                      user=cfg.runtime.user, export_dir=export_dir)
