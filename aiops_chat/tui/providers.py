"""What `aiops chat` plugs into the app: health findings from the live cluster, a snapshot or the demo,
the kubeconfig's contexts with their policy tiers.

No textual here: these are plain functions over the core, built once by `aiops chat` and passed to the
app factory; tests pass their own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aiops_chat.analysis.findings import Finding
from aiops_chat.tui.screens.contexts import ContextChoice
from aiops_chat.tui.session_api import StatusLike

if TYPE_CHECKING:
    from aiops_chat.config import Config


def demo_findings(_where: StatusLike) -> list[Finding]:
    """The built-in broken TaskFlow snapshot, every namespace, wherever the session points."""
    from aiops_chat.analysis.api import analyze_objects
    from aiops_chat.analysis.sources.demo import load_demo

    return analyze_objects(load_demo())


def snapshot_findings(path: Path) -> list[Finding]:
    from aiops_chat.analysis.api import analyze_objects
    from aiops_chat.analysis.sources.snapshot import load_snapshot

    return analyze_objects(load_snapshot(path))


def live_findings(cfg: Config) -> Callable[[StatusLike], list[Finding]]:
    """Findings for wherever the session points at the moment the panel opens (context and namespace)."""

    def load(where: StatusLike) -> list[Finding]:
        from aiops_chat.analysis.api import analyze_objects
        from aiops_chat.analysis.sources.live import load_live

        return analyze_objects(load_live(cfg, context=where.context, namespace=where.namespace),
                               best_practices=cfg.analysis.best_practices)

    return load


def context_choices(cfg: Config) -> Callable[[str | None], list[ContextChoice]]:
    """The kubeconfig's contexts; ``current`` is the session's context (None: the kubeconfig's current)."""

    def load(current: str | None) -> list[ContextChoice]:
        from aiops_chat.kubeconfig import load_view
        from aiops_chat.policy import policy_context_for

        view = load_view(cfg.kubeconfig, cfg.runtime.home)
        active = current or view.current
        return [
            # The same rule the session applies when it switches, so the picker shows the tier you will get.
            ContextChoice(c.name, c.cluster, c.namespace, policy_context_for(cfg, c.name, c.namespace).tier.value,
                          c.name == active)
            for c in view.contexts
        ]

    return load
