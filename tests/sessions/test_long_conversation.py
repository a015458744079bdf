"""A resumed long conversation sent to the model (the real OpenAI wire, respx): the oldest tool outputs go
first, the user's words are all still there, and the front end is told."""

from __future__ import annotations

from pathlib import Path

from aiops_chat.agent.events import Notice
from aiops_chat.agent.session import ChatSession
from aiops_chat.sessions.fit import CONTEXT_CHARS, DROPPED
from aiops_chat.sessions.store import SessionStore, StoredSession, new_id
from tests.llm.openai_wire import BASE_URL, ScriptedModel, serve
from tests.tools.fake_kubectl import FakeKubectl


def test_long_history_is_fitted_before_it_reaches_the_model(tmp_path: Path) -> None:
    fake = FakeKubectl(tmp_path / "fake")
    cfg = fake.config(base_url=BASE_URL, api_key="sk-test")
    store = SessionStore(Path(cfg.runtime.state_dir) / "sessions")
    history = []
    for i in range(40):
        history += [{"role": "user", "content": f"question number {i}"},
                    {"role": "assistant", "content": None, "tool_calls": [
                        {"id": f"c{i}", "type": "function", "function": {"name": "logs", "arguments": "{}"}}]},
                    {"role": "tool", "tool_call_id": f"c{i}", "content": f"log {i} " + "x" * 4000},
                    {"role": "assistant", "content": f"answer {i}"}]
    saved = StoredSession(new_id(), "ask", "fake-ctx", "shop", history)
    store.save(saved)
    session = ChatSession(cfg, store=store, resume=saved.id)
    assert session.llm is not None
    session.llm.sleep = lambda s: None
    model = ScriptedModel(["fine"])
    events: list[object] = []
    with serve(model):
        session.ask("and now?", on_event=events.append)
    sent = model.requests[0]["messages"]
    assert sum(len(str(m.get("content") or "")) for m in sent) < CONTEXT_CHARS
    assert [m["content"] for m in sent if m["role"] == "user"] == [f"question number {i}" for i in range(40)] + \
        ["and now?"]
    tool_contents = [m["content"] for m in sent if m["role"] == "tool"]
    assert len(tool_contents) == 40 and tool_contents[0] == DROPPED and tool_contents[-1].startswith("log 39")
    assert any(isinstance(e, Notice) and "older tool outputs dropped" in e.text for e in events)
    assert store.load(saved.id).turns == 41
