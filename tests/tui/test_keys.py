"""Every key the chat documents, pressed from where the user is: the prompt has focus (issue 13 items 18-21).

The prompt is a TextArea, which takes many ctrl keys for itself (ctrl+e went to "end of line" and export
never ran); each binding here is checked from the prompt's focus, and a table test fails when a binding is
added without a test of its own or is missing from /help.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.geometry import Offset
from textual.pilot import Pilot
from textual.selection import Selection
from textual.widgets import Button, Collapsible, Label, Static

from aiops_chat.tui.app import AiopsChatApp
from aiops_chat.tui.screens.approval import ApprovalModal
from aiops_chat.tui.screens.chat import ChatScreen
from aiops_chat.tui.screens.contexts import ContextPicker
from aiops_chat.tui.screens.health import HealthScreen
from aiops_chat.tui.slash import help_markdown
from aiops_chat.tui.widgets.chat.answer import AnswerBlock
from aiops_chat.tui.widgets.chat.prompt import PromptInput
from tests.tui.conftest import AppFactory, make_config
from tests.tui.helpers import answers, ask_and_wait, cards, notices, ready, send, transcript, wait_until
from tests.tui.openai_wire import Reply, Script

pytestmark = pytest.mark.anyio
SIZE = (110, 36)
README = Path(__file__).resolve().parents[2] / "README.md"


def _prompt_focused(app: AiopsChatApp) -> None:
    assert isinstance(app.focused, PromptInput), f"focus is on {app.focused!r}, not the prompt"


def _status(card: object) -> str:
    return str(card.query_one(".tool-status", Label).content)  # type: ignore[attr-defined]


# --- one check per documented key, each starting with the prompt focused ------------------------------------

async def _f1(pilot: Pilot[None], app: AiopsChatApp, script: Script, tmp_path: Path) -> None:
    await pilot.press("f1")
    await wait_until(pilot, lambda: any(a.has_class("help") for a in transcript(app).query(AnswerBlock)), "help")


async def _f2(pilot: Pilot[None], app: AiopsChatApp, script: Script, tmp_path: Path) -> None:
    await pilot.press("f2")
    await wait_until(pilot, lambda: isinstance(app.screen, HealthScreen) and bool(app.screen.findings), "findings")


async def _f3(pilot: Pilot[None], app: AiopsChatApp, script: Script, tmp_path: Path) -> None:
    await pilot.press("f3")
    await wait_until(pilot, lambda: isinstance(app.screen, ContextPicker), "the context picker")


async def _f4(pilot: Pilot[None], app: AiopsChatApp, script: Script, tmp_path: Path) -> None:
    script.replies.append(Reply(text="Use **kubectl rollout undo**.\n\n- then watch the pods"))
    await ask_and_wait(pilot, "how do I roll back?")
    app.query_one(PromptInput).focus()
    await pilot.press("f4")
    assert app.clipboard == "Use **kubectl rollout undo**.\n\n- then watch the pods"  # the Markdown source


async def _ctrl_o(pilot: Pilot[None], app: AiopsChatApp, script: Script, tmp_path: Path) -> None:
    script.replies += [Reply(tool_calls=[("c1", "kubectl", {"args": ["get", "pods"]})]), Reply(text="Unreachable.")]
    await ask_and_wait(pilot, "list pods")
    (card,) = cards(app)
    output = card.query_one(Collapsible)
    assert output.collapsed and "ctrl+o" in output.title  # the card names its key
    await pilot.press("ctrl+o")
    assert not output.collapsed
    await pilot.press("ctrl+o")
    assert output.collapsed


async def _ctrl_s(pilot: Pilot[None], app: AiopsChatApp, script: Script, tmp_path: Path) -> None:
    await pilot.press("ctrl+s")
    await wait_until(pilot, lambda: len(list((tmp_path / "export").glob("*.md"))) == 1, "the exported runbook")
    assert len(list((tmp_path / "export").glob("*.sh"))) == 1


async def _ctrl_l(pilot: Pilot[None], app: AiopsChatApp, script: Script, tmp_path: Path) -> None:
    await transcript(app).add_notice("something to clear")
    await pilot.press("ctrl+l")
    await wait_until(pilot, lambda: len(transcript(app).children) == 0, "the cleared transcript")


async def _ctrl_q(pilot: Pilot[None], app: AiopsChatApp, script: Script, tmp_path: Path) -> None:
    await pilot.press("ctrl+q")
    await wait_until(pilot, lambda: not app.is_running or app._exit_renderables is not None or app.return_code == 0,
                     "the app to quit")
    assert app.return_code == 0


async def _ctrl_c(pilot: Pilot[None], app: AiopsChatApp, script: Script, tmp_path: Path) -> None:
    # Nothing running, nothing selected: a hint, the app stays.
    await pilot.press("ctrl+c")
    assert app.is_running and app.clipboard == ""
    # Text selected in the prompt is copied.
    prompt = app.query_one(PromptInput)
    prompt.load_text("kubectl get pods -n shop")
    prompt.move_cursor(prompt.document.end)
    await pilot.press("shift+home")
    await pilot.press("ctrl+c")
    assert app.clipboard == "kubectl get pods -n shop"
    # Text selected in an answer (as a mouse drag selects it) is copied as shown.
    await transcript(app).add_markdown("The **web** pods are fine.")
    await pilot.pause()
    block = transcript(app).query(AnswerBlock).last()
    assert block.render_line(0).apply_offsets  # rendered with the offsets a drag needs:
    assert any(seg.style and seg.style.meta.get("offset") for seg in block.render_line(0))
    app.screen.selections = {block: Selection(Offset(4, 0), Offset(12, 0))}
    await pilot.pause()
    _prompt_focused(app)
    await pilot.press("ctrl+c")
    assert app.clipboard == "web pods"
    # While a turn runs, ctrl+c cancels it (and copies nothing).
    script.replies += [Reply(tool_calls=[("c1", "kubectl", {"args": ["scale", "deployment/web", "--replicas=5"]})]),
                       Reply(text="ok")]
    await send(pilot, "scale web to 5")
    await wait_until(pilot, lambda: isinstance(app.screen, ApprovalModal), "the approval")
    await pilot.press("ctrl+c")
    await wait_until(pilot, lambda: app.chat.cancel is None, "the cancelled turn")
    assert any("cancelled" in n.lower() for n in notices(app)) and app.clipboard == "web pods"


async def _page_keys(pilot: Pilot[None], app: AiopsChatApp, script: Script, tmp_path: Path) -> None:
    for i in range(60):
        await transcript(app).add_notice(f"line {i}")
    await pilot.pause(0.2)
    view = transcript(app)
    bottom = view.scroll_y
    assert bottom > 0
    app.query_one(PromptInput).load_text("half-typed question")
    await pilot.press("pageup")
    await pilot.pause(0.1)
    assert view.scroll_y < bottom and app.query_one(PromptInput).text == "half-typed question"
    await pilot.press("pagedown")
    await pilot.pause(0.1)
    assert view.scroll_y == bottom


KEY_CHECKS: dict[str, Callable[[Pilot[None], AiopsChatApp, Script, Path], Awaitable[None]]] = {
    "f1": _f1, "f2": _f2, "f3": _f3, "f4": _f4, "ctrl+o": _ctrl_o, "ctrl+s": _ctrl_s, "ctrl+l": _ctrl_l,
    "ctrl+q": _ctrl_q, "ctrl+c": _ctrl_c, "pageup": _page_keys, "pagedown": _page_keys,
}


def _bindings() -> list[Binding]:
    return [b for b in ChatScreen.BINDINGS if isinstance(b, Binding)]


def test_every_binding_has_a_check_and_is_documented() -> None:
    keys = {b.key for b in _bindings()}
    assert keys == set(KEY_CHECKS), "a chat key without a Pilot check here (or a check for a key that is gone)"
    help_text = help_markdown([(b.key, b.description) for b in _bindings()])
    readme = README.read_text()
    for key in keys:
        assert f"`{key}`" in help_text
        assert key in readme, f"README's chat paragraph does not mention {key}"
    assert "ctrl+e" not in help_text  # the prompt takes ctrl+e (end of line): it must not be documented


@pytest.mark.parametrize("key", sorted(KEY_CHECKS))
async def test_key_from_the_prompt(key: str, make_app: AppFactory, script: Script, tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.query_one(PromptInput).focus()
        await pilot.pause()
        _prompt_focused(app)
        await KEY_CHECKS[key](pilot, app, script, tmp_path)


# --- the rest of items 20 and 21 --------------------------------------------------------------------------

def _welcome(app: AiopsChatApp) -> str:
    return str(transcript(app).query_one("#welcome", Static).content)


async def test_first_screen_says_what_to_type_and_what_is_connected(make_app: AppFactory, script: Script) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_until(pilot, lambda: "Model:" in _welcome(app), "the welcome")
        text = _welcome(app)
        assert "Type a question" in text and "Model: gpt-test" in text and "ctrl+q quit" in text
        assert "context dev-cluster" in text and "namespace shop" in text and "tier confirm" in text
        assert "OFFLINE" not in text
        assert app.query_one(PromptInput).placeholder  # the empty prompt says what to type too


async def test_first_screen_in_offline_mode_says_so(tmp_path: Path, kubeconfig: Path, make_app: AppFactory) -> None:
    app = make_app(config=make_config(tmp_path, kubeconfig, llm=False))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await wait_until(pilot, lambda: "Model:" in _welcome(app), "the welcome")
        text = _welcome(app)
        assert "OFFLINE MODE" in text and "built-in planner" in text and "Model: none (offline)" in text
        assert "Without a cluster" in text


async def test_new_messages_below_are_announced_when_scrolled_up(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        hint = app.chat.query_one("#new-below")
        for i in range(60):
            await transcript(app).add_notice(f"line {i}")
        await pilot.pause(0.2)
        assert not hint.display  # following the bottom: nothing to announce
        await pilot.press("pageup")
        await pilot.pause(0.1)
        await transcript(app).add_markdown("A new answer, off screen.")
        await wait_until(pilot, lambda: bool(hint.display), "the new-messages hint")
        assert "pagedown" in str(hint.content)
        await pilot.press("pagedown", "pagedown")
        await wait_until(pilot, lambda: not hint.display, "the hint to go once at the bottom")
        # Clicking the hint jumps to what is new.
        await pilot.press("pageup")
        await transcript(app).add_notice("another one")
        await wait_until(pilot, lambda: bool(hint.display), "the hint again")
        await pilot.click("#new-below")
        await wait_until(pilot, lambda: not hint.display and not transcript(app).scrolled_up, "the jump")


async def test_card_waits_for_approval_then_runs(make_app: AppFactory, script: Script) -> None:
    script.replies += [Reply(tool_calls=[("c1", "kubectl", {"args": ["scale", "deployment/web", "--replicas=3"]})]),
                       Reply(text="Scaled.")]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "scale web to 3")
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalModal) and bool(cards(app)), "the modal")
        await wait_until(pilot, lambda: _status(cards(app)[0]) == "waiting for approval…", "the waiting card")
        await pilot.press("y")
        await wait_until(pilot, lambda: app.chat.cancel is None, "the turn")
        assert _status(cards(app)[0]).startswith("exit ")
        assert answers(app)[-1] == "Scaled."


@pytest.mark.parametrize("destructive", [False, True])
async def test_approval_buttons_fit_in_40x10(destructive: bool, make_app: AppFactory, script: Script) -> None:
    argv = ["delete", "deployment", "web"] if destructive else ["scale", "deployment/web", "--replicas=3"]
    script.replies += [Reply(tool_calls=[("c1", "kubectl", {"args": argv})]), Reply(text="ok")]
    app = make_app()
    long_preview = "\n".join(f"preview line {i}" for i in range(30))  # a long server dry run
    ask = app.approver.ask_with_preview
    app.approver.ask_with_preview = lambda verdict, argv, _p: ask(verdict, argv, long_preview)  # type: ignore[method-assign]
    async with app.run_test(size=(40, 10)) as pilot:
        await send(pilot, "do it")
        await wait_until(pilot, lambda: isinstance(app.screen, ApprovalModal) and app.screen.focused is not None,
                         "the modal")
        await wait_until(pilot, lambda: all(b.region.height >= 1 for b in app.screen.query(Button)), "its layout")
        for button in app.screen.query(Button):
            region = button.region
            assert region.height >= 1 and region.bottom <= 10 and region.right <= 40, (button.id, region)
            widget, _ = app.screen.get_widget_at(region.x + region.width // 2, region.y)
            assert widget is button, f"{button.id} is covered or off screen"
        if destructive:
            await pilot.press("w", "e", "b", "enter")
        else:
            await pilot.press("y")
        await wait_until(pilot, lambda: app.chat.cancel is None, "the turn")
        assert cards(app)[0].result is not None and cards(app)[0].result.approver == "user:alice"
