"""The chat driven through Textual's Pilot: the real ChatSession, a scripted model on the OpenAI wire.

kubectl is real; its kubeconfig points at a closed port, so commands run (and fail to connect) without
any cluster: what is under test is the UI's part (cards, approvals, audit through the executor).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList

from aiops_chat.agent.session import ChatSession
from aiops_chat.config import Config
from aiops_chat.tui.app import AiopsChatApp
from aiops_chat.tui.screens.approval import ApprovalModal
from aiops_chat.tui.screens.contexts import ContextPicker
from aiops_chat.tui.screens.health import HealthScreen
from aiops_chat.tui.widgets.chat.answer import AnswerBlock
from aiops_chat.tui.widgets.chat.prompt import PromptInput
from aiops_chat.tui.widgets.health.findings_table import FindingsTable
from tests.tui.conftest import AppFactory, audit_entries, make_config
from tests.tui.helpers import (
    answers,
    ask_and_wait,
    cards,
    notices,
    ready,
    send,
    status_text,
    transcript,
    wait_until,
)
from tests.tui.openai_wire import Reply, Script

pytestmark = pytest.mark.anyio
SIZE = (110, 36)


def kubectl_call(call_id: str, *args: str) -> tuple[str, str, dict[str, list[str]]]:
    return (call_id, "kubectl", {"args": list(args)})


def audited(cfg: object, *argv: str) -> list[dict[str, object]]:
    """Audit entries for exactly this argv (the approval preview's dry run is a separate, read-only entry)."""
    return [e for e in audit_entries(cfg) if e["argv"] == list(argv)]  # type: ignore[arg-type]


def user_messages(script: Script) -> list[str]:
    return [m["content"] for req in script.requests for m in req["messages"] if m["role"] == "user"]


def tool_messages(script: Script) -> list[str]:
    return [m["content"] for req in script.requests for m in req["messages"] if m["role"] == "tool"]


async def test_send_streams_markdown_and_counts_tokens(make_app: AppFactory, script: Script) -> None:
    script.replies.append(Reply(text="The **web** pods look fine.\n\n- 3 of 3 Running\n- no restarts",
                                prompt_tokens=300, completion_tokens=25))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask_and_wait(pilot, "are the web pods ok?")
        assert answers(app) == ["The **web** pods look fine.\n\n- 3 of 3 Running\n- no restarts"]
        shown = re.sub(r"<[^>]+>", "", app.export_screenshot()).replace("&#160;", " ")
        assert "3 of 3 Running" in shown and "• no restarts" in shown  # rendered as a Markdown list
        assert "are the web pods ok?" in user_messages(script)[-1]
        assert status_text(app)["tokens"] == "325 tokens"
        assert status_text(app)["model"] == "model: gpt-test"
        assert app.query_one(PromptInput).text == ""


async def test_read_tool_runs_without_asking_and_shows_a_card(make_app: AppFactory, script: Script,
                                                             cfg: object) -> None:
    script.replies += [Reply(tool_calls=[kubectl_call("c1", "get", "pods")]), Reply(text="I could not reach it.")]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ask_and_wait(pilot, "list pods")
        (card,) = cards(app)
        assert card.argv == ("kubectl", "get", "pods") and card.decision == "allow"
        assert card.result is not None and card.result.executed
        assert not isinstance(app.screen, ApprovalModal)
        assert answers(app)[-1] == "I could not reach it."
        assert len(tool_messages(script)) == 1


async def _approval(pilot: Pilot[None], app: AiopsChatApp) -> ApprovalModal:
    await wait_until(pilot, lambda: isinstance(app.screen, ApprovalModal) and app.screen.focused is not None,
                     "the approval modal")
    screen = app.screen
    assert isinstance(screen, ApprovalModal)
    return screen


async def test_approve_runs_the_write_and_audits_the_user(make_app: AppFactory, script: Script, cfg: Config) -> None:
    script.replies += [Reply(tool_calls=[kubectl_call("c1", "scale", "deployment/web", "--replicas=3")]),
                       Reply(text="Scaled.")]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "scale web to 3")
        modal = await _approval(pilot, app)
        assert modal.request.argv == ("kubectl", "scale", "deployment/web", "--replicas=3")
        assert modal.request.risk == "write" and modal.request.confirm_word is None
        await pilot.press("y")
        await wait_until(pilot, lambda: app.chat.cancel is None, "the turn to end")
        (card,) = cards(app)
        assert card.result is not None and card.result.executed and card.result.approver == "user:alice"
    entries = audited(cfg, "kubectl", "scale", "deployment/web", "--replicas=3")
    assert [(e["event"], e.get("approved"), e["approver"]) for e in entries] == [
        ("decision", True, "user:alice"), ("execution", None, "user:alice")]


async def test_deny_runs_nothing_and_tells_the_model(make_app: AppFactory, script: Script, cfg: Config) -> None:
    # A plain write (pressing n at its y/N prompt): scaling to zero is destructive since issue 9 item 4.
    script.replies += [Reply(tool_calls=[kubectl_call("c1", "scale", "deployment/web", "--replicas=1")]),
                       Reply(text="Understood, left as is.")]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "scale web to one")
        await _approval(pilot, app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.chat.cancel is None, "the turn to end")
        (card,) = cards(app)
        assert card.result is not None and not card.result.executed
        assert answers(app)[-1] == "Understood, left as is."
    assert "not approved" in tool_messages(script)[-1] or "refused" in tool_messages(script)[-1]
    entries = audited(cfg, "kubectl", "scale", "deployment/web", "--replicas=1")
    assert [(e["event"], e["approved"], e["approver"]) for e in entries] == [("decision", False, "user:alice")]


async def test_destructive_action_needs_the_name_typed(make_app: AppFactory, script: Script, cfg: Config) -> None:
    script.replies += [Reply(tool_calls=[kubectl_call("c1", "delete", "deployment", "web")]),
                       Reply(text="Deleted.")]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "delete the web deployment")
        modal = await _approval(pilot, app)
        assert modal.request.risk == "destructive" and modal.request.confirm_word == "web"
        approve = modal.query_one("#approve", Button)
        await pilot.press("y")  # a letter in the name box, not an answer
        assert isinstance(app.screen, ApprovalModal) and approve.disabled
        assert modal.query_one("#approval-confirm", Input).value == "y"
        await pilot.press("backspace", "w", "e")
        assert approve.disabled
        await pilot.press("b")
        assert not approve.disabled
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.chat.cancel is None, "the turn to end")
        (card,) = cards(app)
        assert card.result is not None and card.result.executed
    decision, execution = audited(cfg, "kubectl", "delete", "deployment", "web")
    assert decision["risk"] == "destructive" and decision["approved"] is True
    assert execution["event"] == "execution"


async def test_slash_commands(make_app: AppFactory, script: Script, tmp_path: Path) -> None:
    script.replies.append(Reply(text="Hello."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "/help")
        await pilot.pause()
        help_blocks = [a for a in transcript(app).query(AnswerBlock) if a.has_class("help")]
        assert help_blocks and "/export" in help_blocks[0].text_so_far
        await send(pilot, "/namespace payments")
        await pilot.pause()
        assert status_text(app)["namespace"] == "ns: payments"
        await send(pilot, "/model gpt-other")
        await pilot.pause()
        assert status_text(app)["model"] == "model: gpt-other"
        await send(pilot, "/bogus")
        await pilot.pause()
        assert any("Unknown command /bogus" in n for n in notices(app, "error"))
        await ask_and_wait(pilot, "hi")
        assert script.requests[-1]["model"] == "gpt-other"
        await send(pilot, f"/export {tmp_path / 'out'}")
        await pilot.pause()
        (md,) = (tmp_path / "out").glob("*.md")
        assert "## hi" in md.read_text() and "Hello." in md.read_text()
        assert len(list((tmp_path / "out").glob("*.sh"))) == 1
        await send(pilot, "/clear")
        await pilot.pause()
        assert len(transcript(app).children) == 0 and app.chat.record.entries == []
        assert isinstance(app.session, ChatSession)
        assert not any(m.get("role") == "user" for m in app.session.history)
        await send(pilot, "/quit")
        await pilot.pause()
    assert app.return_code == 0


async def test_prompt_history_and_multiline(make_app: AppFactory, script: Script) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        prompt = app.query_one(PromptInput)
        await send(pilot, "/namespace one")
        await send(pilot, "/namespace two")
        await pilot.press("u", "p")
        await pilot.press("up")
        assert prompt.text == "/namespace two"
        await pilot.press("up")
        assert prompt.text == "/namespace one"
        await pilot.press("down", "down")
        assert prompt.text == "up"  # the draft comes back
        prompt.clear()
        await pilot.press("a", "ctrl+j", "b")
        assert prompt.text == "a\nb"


async def test_context_switch_moves_the_tier(make_app: AppFactory, script: Script) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert status_text(app)["context"] == "⎈ dev-cluster" and status_text(app)["tier"] == "confirm"
        await send(pilot, "/context prod-eu")
        await wait_until(pilot, lambda: status_text(app)["context"] == "⎈ prod-eu", "the switch")
        assert status_text(app)["tier"] == "read-only"
        assert app.chat.query_one("#status-tier").has_class("tier-read-only")
        await send(pilot, "/context nowhere")
        await pilot.pause()
        assert any("No context 'nowhere'" in n for n in notices(app, "error"))
        await send(pilot, "/context")
        await wait_until(pilot, lambda: isinstance(app.screen, ContextPicker), "the picker")
        options = app.screen.query_one(OptionList)
        assert [str(options.get_option_at_index(i).id) for i in range(options.option_count)] == \
            ["dev-cluster", "prod-eu"]
        await pilot.press("up", "enter")
        await wait_until(pilot, lambda: status_text(app)["context"] == "⎈ dev-cluster", "the pick")
        assert status_text(app)["tier"] == "confirm"


async def test_offline_mode_uses_the_fallback(tmp_path: Path, kubeconfig: Path, make_app: AppFactory,
                                              script: Script) -> None:
    app = make_app(config=make_config(tmp_path, kubeconfig, llm=False))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert status_text(app)["model"].startswith("offline")
        await ask_and_wait(pilot, "list pods")
        assert script.requests == []
        assert cards(app), "the offline planner proposes real commands"
        assert cards(app)[0].argv[:2] == ("kubectl", "get")
        assert notices(app, "mode")


async def test_ctrl_c_cancels_a_waiting_turn_without_quitting(make_app: AppFactory, script: Script, cfg: Config) -> None:
    script.replies += [Reply(tool_calls=[kubectl_call("c1", "scale", "deployment/web", "--replicas=5")]),
                       Reply(text="ok")]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")  # nothing running: a hint, not an exit
        assert app.is_running
        await send(pilot, "scale web to 5")
        await _approval(pilot, app)
        await pilot.press("ctrl+c")
        await wait_until(pilot, lambda: app.chat.cancel is None, "the cancelled turn to end")
        assert not isinstance(app.screen, ApprovalModal)
        assert any("cancelled" in n.lower() for n in notices(app))
        assert app.is_running
    entries = audited(cfg, "kubectl", "scale", "deployment/web", "--replicas=5")
    assert [(e["event"], e["approved"]) for e in entries] == [("decision", False)]


async def test_health_panel_groups_findings_and_asks_about_one(make_app: AppFactory, script: Script) -> None:
    script.replies.append(Reply(text="The backend crashes because its database URL is wrong."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, HealthScreen) and bool(app.screen.findings),
                         "the demo findings")
        health = app.screen
        assert isinstance(health, HealthScreen)
        table = health.query_one(FindingsTable)
        assert table.groups and len(table.groups) < len(health.findings)  # grouped by root cause
        finding = table.finding_at_cursor()
        assert finding is not None
        await pilot.press("enter")
        assert app.screen.query_one("#health-body").has_class("drilled")
        await pilot.press("escape")
        assert isinstance(app.screen, HealthScreen)
        await pilot.press("a")
        await wait_until(pilot, lambda: app.chat.cancel is None and bool(script.requests), "the question")
        await wait_until(pilot, lambda: app.chat.cancel is None, "the turn to end")
        assert finding.reason in user_messages(script)[-1]
        assert answers(app)[-1].startswith("The backend crashes")


async def test_a_long_streamed_answer_shows_what_the_whole_text_shows(make_app: AppFactory) -> None:
    # While it streams, an answer is rendered in pieces (markdown_stream.py); once done it must read
    # exactly like the same Markdown rendered in one go. Fed through the transcript in timed chunks, as the
    # chat screen feeds it, so that redraws happen in between (a scripted model answers too fast for that).
    text = ("Findings:\n\n" + "".join(f"- pod `web-{i}` restarted **{i} times**, last exit code 137\n"
                                      for i in range(25))
            + "\nNext steps:\n\n1. check the memory limit\n2. look at the logs\n\n```\nkubectl logs web-0\n```\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for at in range(0, len(text), 97):
            await transcript(app).add_text(text[at:at + 97])
            await pilot.pause(0.03)
        streamed = transcript(app).answer
        assert streamed is not None
        await transcript(app).end_answer()
        assert len(streamed.stream.pieces) > 1  # it was cut into pieces, not rendered whole
        whole = AnswerBlock(text)
        await transcript(app).mount(whole)
        await pilot.pause(0.2)

        def shown(block: AnswerBlock) -> list[str]:
            return [block.render_line(y).text for y in range(block.size.height)]

        assert shown(streamed) == shown(whole)
        assert "• pod web-24 restarted 24 times, last exit code 137" in [line.strip() for line in shown(streamed)]
