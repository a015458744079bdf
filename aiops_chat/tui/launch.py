"""Wiring the real parts for `aiops chat`: the core's ChatSession, the audit log, findings, contexts.

The providers get the session (or where it points) from the app when they run; nothing here holds on to
the session, which is built in a thread after the first paint and may fail (a malformed kubeconfig).
"""

from __future__ import annotations

from pathlib import Path

from aiops_chat.config import Config
from aiops_chat.execution.approval import Approver
from aiops_chat.sessions.store import SessionStore
from aiops_chat.tui.app import AiopsChatApp, FindingsProvider, create_app
from aiops_chat.tui.providers import (
    context_choices,
    demo_findings,
    live_findings,
    snapshot_findings,
)
from aiops_chat.tui.session_api import SessionLike


def build_app(cfg: Config, *, context: str | None, namespace: str | None, offline: bool = False,
              dry_run: bool = False, demo: bool = False, snapshot: Path | None = None,
              export_dir: Path | None = None, store: SessionStore | None = None,
              resume: str | None = None) -> AiopsChatApp:
    from aiops_chat.agent.session import ChatSession
    from aiops_chat.audit import AuditLog

    audit = AuditLog.for_config(cfg) if cfg.audit.enabled else None

    def make_session(approver: Approver) -> SessionLike:
        return ChatSession(cfg, context=context, namespace=namespace, source="tui", approver=approver,
                           offline=offline, dry_run=dry_run, audit=audit, store=store, resume=resume)

    findings: FindingsProvider
    if demo:
        findings = demo_findings
    elif snapshot is not None:
        path = snapshot
        findings = lambda _where: snapshot_findings(path)  # noqa: E731
    else:
        findings = live_findings(cfg)
    return create_app(make_session, findings=findings, contexts=context_choices(cfg), user=cfg.runtime.user,
                      export_dir=export_dir)
