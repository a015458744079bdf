"""The context picker for a bare /context: every kubeconfig context with the tier it would get."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from aiops_chat.safe_text import visible


@dataclass(frozen=True)
class ContextChoice:
    name: str
    cluster: str
    namespace: str | None
    tier: str
    current: bool


class ContextPicker(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, choices: Sequence[ContextChoice]) -> None:
        super().__init__()
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(id="context-body") as body:
            body.border_title = "Switch kube context"
            if not self.choices:
                yield Label("No contexts in the kubeconfig.")
            options = [Option(_label(c), id=c.name) for c in self.choices]
            yield OptionList(*options, id="context-list")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        current = next((i for i, c in enumerate(self.choices) if c.current), 0)
        if self.choices:
            options.highlighted = current
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


def _label(choice: ContextChoice) -> Text:
    # rich Text, not markup: a context name may contain brackets.
    label = Text("● " if choice.current else "  ")
    label.append(visible(choice.name), style="bold")
    label.append(f"  {choice.tier}", style=TIER_STYLES.get(choice.tier, ""))
    label.append(f"  cluster {choice.cluster}" + (f", ns {choice.namespace}" if choice.namespace else ""), style="dim")
    return label


TIER_STYLES = {"read-only": "green", "confirm": "yellow", "auto": "red"}
