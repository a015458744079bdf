"""Driving the app in tests: wait for a state (bounded, never a timing assertion), type, read back."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot
from textual.widgets import Static

from aiops_chat.tui.app import AiopsChatApp
from aiops_chat.tui.screens.chat import ChatScreen
from aiops_chat.tui.widgets.chat.answer import AnswerBlock
from aiops_chat.tui.widgets.chat.tool_card import ToolCallCard
from aiops_chat.tui.widgets.chat.transcript import Transcript


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], what: str, *, limit: float = 20.0) -> None:
    steps = int(limit / 0.02)
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"gave up waiting for {what}")


def chat(app: AiopsChatApp) -> ChatScreen:
    return app.chat


async def ready(pilot: Pilot[None]) -> None:
    """The session is built in a thread after the first paint; wait for it and the status it shows."""
    app = pilot.app
    assert isinstance(app, AiopsChatApp)
    await wait_until(pilot, lambda: app.session_ready, "the session")
    await pilot.pause()


async def send(pilot: Pilot[None], text: str) -> None:
    await ready(pilot)
    prompt = pilot.app.query_one("#prompt")
    prompt.focus()
    prompt.load_text(text)  # type: ignore[attr-defined]
    await pilot.press("enter")


async def ask_and_wait(pilot: Pilot[None], text: str) -> None:
    app = pilot.app
    assert isinstance(app, AiopsChatApp)
    await send(pilot, text)
    await wait_until(pilot, lambda: app.chat.cancel is None and _turn_seen(app, text), f"the turn for {text!r}")
    await pilot.pause()


def _turn_seen(app: AiopsChatApp, text: str) -> bool:
    return any(e.kind == "user" and e.text == text for e in app.chat.record.entries)


def transcript(app: AiopsChatApp) -> Transcript:
    return app.chat.query_one(Transcript)


def answers(app: AiopsChatApp) -> list[str]:
    return [a.text_so_far for a in transcript(app).query(AnswerBlock) if a.has_class("answer")]


def cards(app: AiopsChatApp) -> list[ToolCallCard]:
    return list(transcript(app).query(ToolCallCard))


def notices(app: AiopsChatApp, kind: str = "notice") -> list[str]:
    return [str(s.content) for s in transcript(app).query(Static) if s.has_class(kind)]


def status_text(app: AiopsChatApp) -> dict[str, str]:
    from textual.widgets import Label

    bar = app.chat.query_one("#status")
    return {str(label.id).removeprefix("status-"): str(label.content) for label in bar.query(Label)}
