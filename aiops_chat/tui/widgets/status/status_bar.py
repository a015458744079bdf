"""The status bar: where commands go (context, namespace), how much is allowed (tier), who answers (model)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from aiops_chat.safe_text import visible
from aiops_chat.tui.session_api import StatusLike


class StatusBar(Horizontal):
    def compose(self) -> ComposeResult:
        yield Label("", id="status-context")
        yield Label("", id="status-namespace")
        yield Label("", id="status-tier")
        yield Label("", id="status-model")
        yield Label("", id="status-tokens")
        yield Label("", id="status-busy")

    def starting(self, *, failed: bool = False) -> None:
        self.query_one("#status-context", Label).update("no session: see the error above" if failed else "starting…")

    def show(self, status: StatusLike, *, busy: str = "") -> None:
        tier = status.tier.value
        self.query_one("#status-context", Label).update(Text(visible(f"⎈ {status.context or '(no context)'}")))
        self.query_one("#status-namespace", Label).update(Text(visible(f"ns: {status.namespace}")))
        tier_label = self.query_one("#status-tier", Label)
        tier_label.update(tier)
        tier_label.set_classes(f"tier-{tier}")
        model = self.query_one("#status-model", Label)
        if status.model is None:
            # The fallback chain answers: say which link of it, so no one mistakes it for a model.
            model.update("offline" if status.mode in ("", "offline", "llm") else f"offline · {status.mode}")
        else:
            model.update(Text(visible(f"model: {status.model}")))  # names from files: no markup, no escapes
        model.set_class(status.model is None, "offline")
        session_id = status.session_id  # the saved session (aiops sessions show ID)
        self.query_one("#status-tokens", Label).update(
            Text(visible(f"{status.tokens_used:,} tokens" + (f" · session {session_id}" if session_id else ""))))
        self.query_one("#status-busy", Label).update(busy)
