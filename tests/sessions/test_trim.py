"""Long sessions stay within the model's context: old tool outputs go first, then old answers are cut;
the user's words and the turn in progress are never touched, and the user is told."""

from __future__ import annotations

import copy
from typing import Any

from aiops_chat.agent.events import Notice
from aiops_chat.sessions.trim import HISTORY_TOKEN_BUDGET, estimate, fit_history
from tests.agent.helpers import call, calls, make_session
from tests.llm.openai_wire import ScriptedModel, serve
from tests.tools.fake_kubectl import FakeKubectl


def _turn(n: int, *, question_chars: int = 200, output_chars: int = 8000, answer_chars: int = 300
          ) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": f"question {n} " + "q" * question_chars},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": f"c{n}", "type": "function", "function": {"name": "logs", "arguments": f'{{"pod": "web-{n}"}}'}}]},
        {"role": "tool", "tool_call_id": f"c{n}", "content": f"log of web-{n} " + "x" * output_chars},
        {"role": "assistant", "content": f"answer {n} " + "a" * answer_chars},
    ]


def _history(turns: int, **sizes: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n in range(turns):
        out += _turn(n, **sizes)
    out.append({"role": "user", "content": "the question now"})
    return out


def _users(history: list[dict[str, Any]]) -> list[str]:
    return [m["content"] for m in history if m["role"] == "user"]


def test_within_budget_nothing_changes() -> None:
    history = _history(3)
    before = copy.deepcopy(history)
    report = fit_history(history, budget=estimate(history))
    assert history == before and not report.changed


def test_old_tool_outputs_go_first_oldest_first_and_user_words_stay() -> None:
    history = _history(6)
    before = copy.deepcopy(history)
    budget = estimate(history) - 3800  # a little under two tool outputs (~1,980 tokens each) too many
    report = fit_history(history, budget)
    assert report.tokens_after <= budget and report.tool_outputs_dropped == 2 and report.answers_shortened == 0
    tools = [m["content"] for m in history if m["role"] == "tool"]
    assert tools[0].startswith("(tool output removed") and tools[1].startswith("(tool output removed")
    assert f"{len(before[2]['content']):,} characters" in tools[0]
    assert tools[2:] == [m["content"] for m in before if m["role"] == "tool"][2:]
    assert _users(history) == _users(before)
    # Every tool call still has its result (the API rejects a call without one).
    assert [m.get("tool_call_id") for m in history] == [m.get("tool_call_id") for m in before]


def test_answers_are_cut_only_when_tool_outputs_are_not_enough() -> None:
    history = _history(4, output_chars=400, answer_chars=6000)
    before = copy.deepcopy(history)
    report = fit_history(history, budget=estimate(history) - 3000)
    assert report.tool_outputs_dropped == 4  # all earlier ones first
    assert report.answers_shortened >= 1
    assert history[3]["content"].endswith("_(rest of this earlier answer removed to fit the model's context)_")
    assert _users(history) == _users(before)


def test_the_turn_in_progress_is_never_trimmed() -> None:
    history = _history(2)
    history += [{"role": "assistant", "content": None, "tool_calls": [
        {"id": "now", "type": "function", "function": {"name": "logs", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "now", "content": "y" * 50_000}]
    fit_history(history, budget=100)
    assert history[-1]["content"] == "y" * 50_000
    assert history[-3]["content"] == "the question now"


def test_user_words_alone_over_budget_are_kept_and_the_notice_says_so() -> None:
    history = _history(3, question_chars=40_000)
    before_users = _users(history)
    report = fit_history(history, budget=1000)
    assert _users(history) == before_users
    assert report.tokens_after > 1000
    assert "your own messages alone still exceed it" in report.notice(1000)


def test_trimming_twice_changes_nothing_more() -> None:
    history = _history(5)
    fit_history(history, budget=3000)
    again = copy.deepcopy(history)
    report = fit_history(history, budget=3000)
    assert history == again and not report.changed


def test_default_budget_is_documented() -> None:
    from aiops_chat.sessions import trim

    assert f"{HISTORY_TOKEN_BUDGET:,}" in (trim.__doc__ or "")


def test_a_long_session_sends_the_model_a_trimmed_history_and_says_so(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("logs", stdout="E0001 connection refused to db:5432\n" * 400)  # ~15k characters a turn
    session = make_session(fake_kubectl)
    session.history_budget = 6000
    model = ScriptedModel()
    notices: list[str] = []
    questions = [f"why does web-{n} crash? my words {n}" for n in range(4)]
    for n, question in enumerate(questions):
        model.enqueue(calls(call("logs", f"l{n}", target=f"pod/web-{n}")), f"web-{n} cannot reach the database.")
        with serve(model):
            session.ask(question, on_event=lambda e: notices.append(e.text) if isinstance(e, Notice) else None)
    last = model.requests[-1]["messages"]
    assert [m["content"] for m in last if m["role"] == "user"] == questions  # every word the user wrote
    tool_texts = [m["content"] for m in last if m["role"] == "tool"]
    assert tool_texts[0].startswith("(tool output removed")
    assert "connection refused" in tool_texts[-1]  # this turn's output is whole
    assert any("older tool output(s) removed to stay within the model's context" in n for n in notices)
    # What was sent: the trimmed history within budget, plus this turn's (capped) tool output and framing.
    assert estimate(last[1:]) <= 6000 + session.cfg.agent.output_token_budget + 200
    assert estimate(last[1:]) > 6000 // 2  # trimmed, not emptied
