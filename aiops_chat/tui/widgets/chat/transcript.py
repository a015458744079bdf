"""The transcript: questions, streamed answers, tool cards and notices, newest at the bottom."""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll
from textual.reactive import var
from textual.widgets import Collapsible, Static

from aiops_chat.execution.result import CommandResult
from aiops_chat.safe_text import visible
from aiops_chat.tui.widgets.chat.answer import AnswerBlock
from aiops_chat.tui.widgets.chat.tool_card import ToolCallCard

SPLIT_AFTER_CHARS = 8000


class Transcript(VerticalScroll):
    can_focus = False  # the prompt keeps focus; the transcript scrolls by mouse, page keys and its anchor

    new_below: var[bool] = var(False)
    """Something arrived below what is shown, while the user is scrolled up (the screen shows a hint)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._answer: AnswerBlock | None = None
        self._cards: dict[str, ToolCallCard] = {}
        self._asked: tuple[str, ...] | None = None  # a dialog opened before its card arrived

    def on_mount(self) -> None:
        self.anchor()  # stay at the bottom while text streams in, until the user scrolls up

    # --- "new messages below" ---------------------------------------------------------------------------

    @property
    def scrolled_up(self) -> bool:
        return self.max_scroll_y > 0 and self.scroll_y < self.max_scroll_y - 1

    def content_added(self) -> None:
        # Judged after the layout, when an anchored transcript has already followed the new content down.
        self.call_after_refresh(self._judge_new_below)

    def _judge_new_below(self) -> None:
        if self.scrolled_up:
            self.new_below = True

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self.new_below and not self.scrolled_up:
            self.new_below = False

    # --- content ----------------------------------------------------------------------------------------

    async def add_welcome(self, text: str) -> None:
        """The first screen's text; replaced when the session is known, gone with /clear."""
        existing = self.query("#welcome")
        if existing:
            existing.first(Static).update(text)
            return
        await self.mount(Static(text, id="welcome", classes="welcome", markup=False))

    async def add_user(self, text: str) -> None:
        await self.end_answer()
        await self.mount(Static(visible(text), classes="user", markup=False))
        self.content_added()

    async def add_text(self, text: str) -> None:
        # A long answer continues in a fresh block at the next paragraph break outside a code fence: an
        # answer block renders only its new text while it streams, but all of it again when the width
        # changes (and an ordered list cut between items once more when it ends), so blocks stay bounded.
        text = visible(text)  # the model's words: no control sequence reaches the terminal
        answer = self._answer
        if answer is not None and len(answer.text_so_far) >= SPLIT_AFTER_CHARS:
            cut = text.find("\n\n")
            if cut >= 0 and (answer.text_so_far + text[:cut]).count("```") % 2 == 0:
                await answer.write(text[:cut])
                await self.end_answer()
                text = text[cut + 2:]
                if not text:
                    return
        if self._answer is None:
            self._answer = AnswerBlock(streaming=True)
            await self.mount(self._answer)
        await self._answer.write(text)

    async def end_answer(self) -> None:
        if self._answer is not None:
            block = self._answer
            self._answer = None
            await block.finish()

    async def add_markdown(self, text: str, *, classes: str = "answer") -> None:
        await self.end_answer()
        await self.mount(AnswerBlock(visible(text), classes=classes))
        self.content_added()

    async def add_tool(self, call_id: str, tool: str, argv: tuple[str, ...], decision: str, risk: str,
                       reason: str) -> ToolCallCard:
        await self.end_answer()
        card = ToolCallCard(call_id, tool, argv, decision, risk, reason)
        self._cards[call_id] = card
        await self.mount(card)
        if self._asked == card.argv:
            # The approver's dialog and the worker's events travel separately: the dialog can come first.
            self._asked = None
            card.waiting_for_approval()
        self.content_added()
        return card

    def approval_asked(self, argv: Sequence[str]) -> None:
        """The approver opened its dialog for ``argv``: the newest unfinished card for it is waiting, not running."""
        card = self._pending_card(argv)
        if card is not None:
            card.waiting_for_approval()
        else:
            self._asked = tuple(argv)

    def approval_answered(self, argv: Sequence[str], approved: bool) -> None:
        self._asked = None
        card = self._pending_card(argv)
        if card is not None:
            card.approval_answered(approved)

    def _pending_card(self, argv: Sequence[str]) -> ToolCallCard | None:
        wanted = tuple(argv)
        for card in reversed(list(self._cards.values())):
            if card.argv == wanted and card.result is None and not card.finished:
                return card
        return None

    def toggle_outputs(self) -> bool:
        """Expand every command's output, or collapse them all when all are expanded. False: no output yet."""
        outputs = list(self.query(".tool-card Collapsible").results(Collapsible))
        if not outputs:
            return False
        expand = any(c.collapsed for c in outputs)
        for collapsible in outputs:
            collapsible.collapsed = not expand
        return True

    def finish_tool(self, call_id: str, result: CommandResult | None, output: str) -> ToolCallCard | None:
        card = self._cards.get(call_id)
        if card is not None:
            card.finish(result, output)
        return card

    async def add_notice(self, text: str, *, kind: str = "notice") -> None:
        await self.end_answer()
        await self.mount(Static(visible(text), classes=kind, markup=False))
        self.content_added()

    async def clear(self) -> None:
        await self.end_answer()
        self._cards.clear()
        await self.remove_children()

    @property
    def answer(self) -> AnswerBlock | None:
        return self._answer
