"""The approval modal: one proposed write, what it would change, and the user's yes or no."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from aiops_chat.safe_text import visible


@dataclass(frozen=True)
class ApprovalRequest:
    argv: tuple[str, ...]
    risk: str  # "write" | "destructive" ...
    reason: str
    preview: str | None = None  # the server dry run or diff, when one exists
    confirm_word: str | None = None  # set for destructive actions: the name the user must type

    @property
    def command(self) -> str:
        return shlex.join(self.argv)


class ApprovalModal(ModalScreen[bool]):
    """Approve (y) or deny (n / escape). A destructive action approves only once its name is typed."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "approve", "Approve"),
        Binding("n", "deny", "Deny"),
        Binding("escape", "refuse", "Deny", show=False),
    ]

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__(classes=f"risk-{request.risk}")
        self.request = request

    # On a small terminal the body takes the whole screen, the details scroll and the buttons lose their
    # borders, so the answer stays on screen down to 40x10 (tests/tui/test_keys.py).
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-tall")]  # noqa: RUF012 - typed so by Screen
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (60, "-wide")]  # noqa: RUF012

    def compose(self) -> ComposeResult:
        req = self.request
        with Vertical(id="approval-body") as body:
            body.border_title = "Approve this command?"
            with VerticalScroll(id="approval-details"):
                yield Static(visible(req.command), id="approval-argv", markup=False)
                yield Label(f"risk: {req.risk}", id="approval-risk", classes=f"risk-{req.risk}")
                yield Static(visible(req.reason), id="approval-reason", markup=False)
                if req.preview:
                    with VerticalScroll(id="approval-preview") as scroll:
                        scroll.border_title = "server dry run"
                        yield Static(visible(req.preview), markup=False)
                if req.confirm_word is not None:
                    yield Label(f"This cannot be undone. Type [b]{escape(visible(req.confirm_word))}[/b] to approve:",
                                id="approval-hint")
            if req.confirm_word is not None:
                yield Input(placeholder=visible(req.confirm_word), id="approval-confirm")
            with Horizontal(id="approval-buttons"):
                yield Button("Approve \\[y]" if req.confirm_word is None else "Approve", id="approve",
                             variant="error" if req.risk == "destructive" else "warning",
                             disabled=req.confirm_word is not None)
                yield Button("Deny \\[n]", id="deny", variant="primary")

    def on_resize(self) -> None:
        small = self.app.size.height < 24 or self.app.size.width < 60  # the breakpoints above
        for button in self.query(Button):
            button.compact = small

    def on_mount(self) -> None:
        self.on_resize()
        if self.request.confirm_word is not None:
            self.query_one("#approval-confirm", Input).focus()
        else:
            self.query_one("#deny", Button).focus()  # a stray enter refuses rather than runs

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the name is being typed, "y" and "n" are letters, not answers.
        return not (action in ("approve", "deny") and self._typing())

    def _typing(self) -> bool:
        focused = self.focused
        return isinstance(focused, Input) and focused.id == "approval-confirm"

    @on(Input.Changed, "#approval-confirm")
    def _name_typed(self, event: Input.Changed) -> None:
        self.query_one("#approve", Button).disabled = event.value.strip() != self.request.confirm_word

    @on(Input.Submitted, "#approval-confirm")
    def _name_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.request.confirm_word:
            self.dismiss(True)

    @on(Button.Pressed, "#approve")
    def action_approve(self) -> None:
        if self.request.confirm_word is not None and not self._name_ok():
            return
        self.dismiss(True)

    @on(Button.Pressed, "#deny")
    def action_deny(self) -> None:
        self.dismiss(False)

    def action_refuse(self) -> None:
        self.dismiss(False)  # escape works even while the name is being typed

    def _name_ok(self) -> bool:
        return self.query_one("#approval-confirm", Input).value.strip() == self.request.confirm_word


def describe(argv: Sequence[str], risk: str, reason: str, preview: str | None,
             confirm_word: str | None) -> ApprovalRequest:
    return ApprovalRequest(tuple(argv), risk, reason, preview, confirm_word)
