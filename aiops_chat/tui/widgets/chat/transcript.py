"""The transcript: questions, streamed answers, tool cards and notices, newest at the bottom."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

from aiops_chat.execution.result import CommandResult
from aiops_chat.safe_text import visible
from aiops_chat.tui.widgets.chat.answer import AnswerBlock
from aiops_chat.tui.widgets.chat.tool_card import ToolCallCard

SPLIT_AFTER_CHARS = 8000


class Transcript(VerticalScroll):
    can_focus = False  # the prompt keeps focus; the transcript scrolls by mouse, page keys and its anchor

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._answer: AnswerBlock | None = None
        self._cards: dict[str, ToolCallCard] = {}

    def on_mount(self) -> None:
        self.anchor()  # stay at the bottom while text streams in, until the user scrolls up

    async def add_user(self, text: str) -> None:
        await self.end_answer()
        await self.mount(Static(visible(text), classes="user", markup=False))

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

    async def add_tool(self, call_id: str, tool: str, argv: tuple[str, ...], decision: str, risk: str,
                       reason: str) -> ToolCallCard:
        await self.end_answer()
        card = ToolCallCard(call_id, tool, argv, decision, risk, reason)
        self._cards[call_id] = card
        await self.mount(card)
        return card

    def finish_tool(self, call_id: str, result: CommandResult | None, output: str) -> ToolCallCard | None:
        card = self._cards.get(call_id)
        if card is not None:
            card.finish(result, output)
        return card

    async def add_notice(self, text: str, *, kind: str = "notice") -> None:
        await self.end_answer()
        await self.mount(Static(visible(text), classes=kind, markup=False))

    async def clear(self) -> None:
        await self.end_answer()
        self._cards.clear()
        await self.remove_children()

    @property
    def answer(self) -> AnswerBlock | None:
        return self._answer
