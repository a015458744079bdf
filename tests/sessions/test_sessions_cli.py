"""`aiops ask` saves and continues sessions; `aiops sessions list|show|export|rm`; `aiops chat --resume`'s
choice of session. In-process through the real CLI parser, the scripted model on the OpenAI wire and the
stand-in kubectl."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aiops_chat.cli.main import main
from aiops_chat.errors import SessionError, UsageError
from aiops_chat.exit_codes import FAILURE, OK, USAGE
from aiops_chat.sessions import SessionStore
from tests.agent.helpers import call, calls
from tests.llm.openai_wire import ScriptedModel, serve
from tests.sessions.support import SID, stored
from tests.tools.fake_kubectl import FakeKubectl

SECRET = "postgres://app:PgS3cretValue@db/app"


def _session_id(err: str) -> str:
    found = re.findall(r"^aiops: session (\S+)$", err, re.M)
    assert len(found) == 1, err
    return found[0]


def test_ask_saves_the_turn_redacted_and_prints_the_id(cli_env: Path, store: SessionStore, fake_kubectl: FakeKubectl,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    fake_kubectl.respond("get", "pods", stdout="web-0   0/1   CrashLoopBackOff\n")
    model = ScriptedModel([calls(call("get", "g", kind="pods")), "web-0 crashes."])
    with serve(model):
        code = main(["--config", str(cli_env), "ask", f"why does web-0 crash? it uses {SECRET}"])
    assert code == OK
    sid = _session_id(capsys.readouterr().err)
    assert store.ids() == [sid]
    raw = store.path(sid).read_text()
    assert "PgS3cretValue" not in raw
    saved = store.load(sid)
    assert [m["role"] for m in saved.history] == ["user", "assistant", "tool", "assistant"]
    assert "\nweb-0   0/1   CrashLoopBackOff\n" in saved.history[2]["content"]
    assert saved.history[-1]["content"] == "web-0 crashes."
    # As the model saw it: the stored conversation is exactly what the last request sent, plus the answer.
    assert saved.history[:-1] == [m for m in model.requests[-1]["messages"] if m["role"] != "system"]
    assert (saved.context, saved.namespace, saved.source) == ("fake-ctx", "shop", "ask")


def test_ask_session_continues_the_conversation(cli_env: Path, store: SessionStore,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    model = ScriptedModel(["web-0 crashes: the probe fails.", "Raise the probe's initialDelaySeconds."])
    with serve(model):
        main(["--config", str(cli_env), "ask", "why does web-0 crash?"])
        sid = _session_id(capsys.readouterr().err)
        code = main(["--config", str(cli_env), "ask", "--session", sid[:15], "how do I fix it?"])
    assert code == OK
    assert _session_id(capsys.readouterr().err) == sid  # a script can chain on the same id
    sent = [(m["role"], m["content"]) for m in model.requests[1]["messages"] if m["role"] != "system"]
    assert sent == [("user", "why does web-0 crash?"), ("assistant", "web-0 crashes: the probe fails."),
                    ("user", "how do I fix it?")]
    assert store.ids() == [sid] and store.load(sid).turns == 2


def test_a_continued_session_keeps_its_context_unless_told_otherwise(
        cli_env: Path, store: SessionStore, fake_kubectl: FakeKubectl) -> None:
    session = stored(history=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}])
    session.context, session.namespace = "other-ctx", "payments"
    store.save(session)
    model = ScriptedModel([calls(call("get", "g", kind="pods")), "ok", calls(call("get", "g2", kind="pods")), "ok"])
    with serve(model):
        main(["--config", str(cli_env), "ask", "--session", SID, "list pods"])
        main(["--config", str(cli_env), "ask", "--session", SID, "--context", "fake-ctx", "-n", "shop", "list pods"])
    first, second = fake_kubectl.calls()
    assert first[1:5] == ["--context", "other-ctx", "--namespace", "payments"]
    assert second[1:5] == ["--context", "fake-ctx", "--namespace", "shop"]
    assert store.load(SID).context == "fake-ctx"


def test_ask_session_unknown_id_is_a_usage_error(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = ScriptedModel([])
    with serve(model):
        code = main(["--config", str(cli_env), "ask", "--session", "20990101", "hi"])
    assert code == USAGE
    assert "no saved session '20990101'" in capsys.readouterr().err
    assert model.requests == []


def test_sessions_list_show_export_rm(cli_env: Path, store: SessionStore, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    store.save(stored())
    store.save(stored("20261204-090000-000000", history=[{"role": "user", "content": "older one"}]))

    assert main(["--config", str(cli_env), "sessions", "list"]) == OK
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "UPDATED", "TURNS", "CONTEXT", "FIRST", "QUESTION"]
    assert {line.split()[0] for line in out[1:]} == {SID, "20261204-090000-000000"}
    assert any(line.startswith(SID) and line.endswith("why is web-0 not ready?") for line in out)

    assert main(["--config", str(cli_env), "sessions", "list", "-o", "json"]) == OK
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"]: r["turns"] for r in rows} == {SID: 1, "20261204-090000-000000": 1}

    assert main(["--config", str(cli_env), "sessions", "show", SID[:12]]) == OK
    shown = capsys.readouterr().out
    assert shown.startswith(f"# aiops session {SID}\n")
    assert "## You\n\nwhy is web-0 not ready?" in shown and "web-0   0/1   CrashLoopBackOff" in shown

    out_file = tmp_path / "session.md"
    assert main(["--config", str(cli_env), "sessions", "export", SID, "--out", str(out_file)]) == OK
    assert out_file.read_text() == shown
    assert main(["--config", str(cli_env), "sessions", "export", SID, "--out", str(out_file)]) == FAILURE
    assert "exists" in capsys.readouterr().err
    assert main(["--config", str(cli_env), "sessions", "export", SID]) == OK
    assert capsys.readouterr().out == shown

    assert main(["--config", str(cli_env), "sessions", "rm", SID]) == OK
    assert store.ids() == ["20261204-090000-000000"]
    assert main(["--config", str(cli_env), "sessions", "show", SID]) == USAGE
    assert "no saved session" in capsys.readouterr().err


def test_sessions_list_when_there_are_none(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(cli_env), "sessions", "list"]) == OK
    captured = capsys.readouterr()
    assert captured.out == "" and "no saved sessions in" in captured.err


def test_chat_resume_takes_the_latest_or_the_named_session(cli_env: Path, store: SessionStore) -> None:
    from aiops_chat.cli.chat_cmd import _open_session
    from aiops_chat.config import load_config

    cfg = load_config(str(cli_env))
    with pytest.raises(UsageError, match="no saved session to resume"):
        _open_session(cfg, "")
    journal, resumed = _open_session(cfg, None)
    assert resumed is None and store.ids() == []  # nothing is written before a turn
    store.save(stored("20261204-090000-000000"))
    store.save(stored())
    journal, resumed = _open_session(cfg, "")
    assert resumed is not None and journal.id == resumed.id == SID
    journal, resumed = _open_session(cfg, "20261204-09")
    assert resumed is not None and resumed.id == "20261204-090000-000000"
    store.path(SID).write_text("{}")
    with pytest.raises(SessionError, match="refusing"):
        _open_session(cfg, SID)


def test_help_lists_sessions_and_the_new_options() -> None:
    def help_of(*argv: str) -> str:
        return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", *argv, "--help"], capture_output=True,
                              text=True, check=True).stdout

    assert re.search(r"^\s+sessions\s+list, show, export or remove saved conversations", help_of(), re.M)
    assert "--session ID" in help_of("ask")
    assert "--resume [ID]" in help_of("chat")
    assert all(action in help_of("sessions") for action in ("list", "show", "export", "rm"))


def test_clear_starts_a_new_session_and_keeps_the_old_one(fake_kubectl: FakeKubectl, store: SessionStore) -> None:
    from aiops_chat.agent.session import ChatSession
    from aiops_chat.sessions import SessionJournal

    cfg = fake_kubectl.config(base_url="http://llm.test/v1", api_key="sk-test")
    journal = SessionJournal(store)
    session = ChatSession(cfg, journal=journal)
    model = ScriptedModel(["first answer", "second answer"])
    with serve(model):
        session.ask("first question")
        first = session.session_id
        session.clear()
        session.ask("second question")
    assert session.session_id == journal.id != first
    assert first is not None and session.status.session_id == journal.id
    assert store.load(first).history[-1]["content"] == "first answer"
    assert [m["content"] for m in store.load(journal.id).history] == ["second question", "second answer"]


def test_a_session_open_in_another_aiops_is_not_continued_twice(cli_env: Path, store: SessionStore,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    store.save(stored())
    held = store.lock(SID)  # another `aiops ask --session` (or chat --resume) still running
    model = ScriptedModel(["answer"])
    with serve(model):
        assert main(["--config", str(cli_env), "ask", "--session", SID, "hi"]) == USAGE
        assert "in use by another aiops" in capsys.readouterr().err
        assert model.requests == []
        held.close()  # it ended (a kill -9 releases it too: the kernel drops the lock with the process)
        assert main(["--config", str(cli_env), "ask", "--session", SID, "hi"]) == OK
    assert store.load(SID).turns == 2
    assert store.ids() == [SID]  # the lock file is not a session
    store.remove(SID)
    assert list(store.root.iterdir()) == []


def test_switch_session_continues_another_saved_one(fake_kubectl: FakeKubectl, store: SessionStore) -> None:
    """What the TUI's /sessions ID calls: the current one stays saved, the other's history and target return,
    the guard is tainted by its tool output, and its lock moves with it."""
    from aiops_chat.agent.session import ChatSession
    from aiops_chat.sessions import SessionJournal

    other = stored()
    other.context, other.namespace = "other-ctx", "payments"
    store.save(other)
    cfg = fake_kubectl.config(base_url="http://llm.test/v1", api_key="sk-test")
    session = ChatSession(cfg, journal=SessionJournal(store))
    model = ScriptedModel(["first answer", "continued"])
    with serve(model):
        session.ask("first question")
        first = session.session_id
        assert first is not None and not session.guard.tainted
        session.switch_session(SID[:17])
        assert session.session_id == SID and session.guard.tainted
        assert (session.status.context, session.status.namespace) == ("other-ctx", "payments")
        with pytest.raises(SessionError, match="in use"):
            store.lock(SID)
        session.ask("and now?")
    sent = [m.get("content") for m in model.requests[-1]["messages"] if m["role"] == "user"]
    assert sent == ["why is web-0 not ready?", "and now?"]
    assert store.load(first).turns == 1 and store.load(SID).turns == 2
