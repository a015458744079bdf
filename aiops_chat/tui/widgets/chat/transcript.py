"""The transcript: questions, streamed answers, tool cards and notices, newest at the bottom."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

from aiops_chat.execution.result import CommandResult
from aiops_chat.tui.widgets.chat.answer import AnswerBlock
from aiops_chat.tui.widgets.chat.tool_card import ToolCallCard

SPLIT_AFTER_CHARS = 1500


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
        await self.mount(Static(text, classes="user", markup=False))

    async def add_text(self, text: str) -> None:
        # Textual re-renders the last Markdown block on every append, so one ever-growing block (a long
        # list, say) makes each append slower than the last. A long answer continues in a fresh block at
        # the next paragraph break outside a code fence; each append then costs about the same.
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
            self._answer = AnswerBlock()
            await self.mount(self._answer)
        await self._answer.write(text)

    async def end_answer(self) -> None:
        if self._answer is not None:
            block = self._answer
            await block.finish()
            self._answer = None
            self.call_after_refresh(self._freeze, block)

    def _freeze(self, block: AnswerBlock) -> None:
        # A finished block keeps its height, so laying out the transcript after each streamed piece does
        # not re-render every earlier answer just to measure it. Undone on resize (see on_resize).
        if block.is_mounted and block.size.height > 0 and block is not self._answer:
            block.styles.height = block.outer_size.height - block.styles.margin.top - block.styles.margin.bottom

    def on_resize(self) -> None:
        blocks = [b for b in self.query(AnswerBlock) if b is not self._answer]
        for block in blocks:
            block.styles.height = "auto"
        self.call_after_refresh(self._freeze_all, blocks)

    def _freeze_all(self, blocks: list[AnswerBlock]) -> None:
        for block in blocks:
            self._freeze(block)

    async def add_markdown(self, text: str, *, classes: str = "answer") -> None:
        await self.end_answer()
        await self.mount(AnswerBlock(text, classes=classes))

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
        await self.mount(Static(text, classes=kind, markup=False))

    async def clear(self) -> None:
        await self.end_answer()
        self._cards.clear()
        await self.remove_children()

    @property
    def answer(self) -> AnswerBlock | None:
        return self._answer
