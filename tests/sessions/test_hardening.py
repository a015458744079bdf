"""The store's edges: one process per continued session, the key's keeping, the directory's mode, a save
that fails, the target a resumed session acts on, switching sessions, kill -9 while saving."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from aiops_chat.agent.events import Notice
from aiops_chat.agent.session import ChatSession
from aiops_chat.cli.main import main
from aiops_chat.exit_codes import OK, USAGE
from aiops_chat.sessions.store import SessionError, SessionStore
from tests.agent.helpers import call, calls
from tests.llm.openai_wire import BASE_URL, ScriptedModel, serve
from tests.sessions.support import SID, stored
from tests.tools.fake_kubectl import FakeKubectl


def test_a_session_open_in_another_aiops_is_not_continued_twice(cli_env: Path, store: SessionStore,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    store.save(stored())
    held = store.lock(SID)  # another `aiops ask --session` (or chat --resume) still running
    model = ScriptedModel(["answer"])
    with serve(model):
        assert main(["--config", str(cli_env), "ask", "--session", SID, "hi"]) == USAGE
        assert "in use by another aiops" in capsys.readouterr().err
        assert model.requests == []
        held.close()  # it ended (kill -9 too: the kernel drops the lock with the process)
        assert main(["--config", str(cli_env), "ask", "--session", SID, "hi"]) == OK
    assert store.load(SID).turns == 2
    assert store.ids() == [SID]  # the lock file is not a session
    store.remove(SID)
    assert {p.name for p in store.dir.iterdir()} == {".key"}


def test_loading_never_mints_a_key(store: SessionStore) -> None:
    store.save(stored())
    (store.dir / ".key").unlink()
    with pytest.raises(SessionError, match=r"session key .* is missing"):
        store.load(SID)
    assert not (store.dir / ".key").exists()


def test_a_key_others_can_read_is_refused(store: SessionStore) -> None:
    store.save(stored())
    os.chmod(store.dir / ".key", 0o644)
    with pytest.raises(SessionError, match="readable by others"):
        store.load(SID)
    with pytest.raises(SessionError, match="readable by others"):
        store.save(stored())


def test_files_are_private_and_an_open_directory_is_tightened(store: SessionStore) -> None:
    store.dir.mkdir(parents=True)
    os.chmod(store.dir, 0o755)
    path = store.save(stored())
    assert stat.S_IMODE(store.dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((store.dir / ".key").stat().st_mode) == 0o600


def test_a_failed_save_is_a_notice_not_a_lost_answer(fake_kubectl: FakeKubectl, store: SessionStore,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = fake_kubectl.config(base_url=BASE_URL, api_key="sk-test")
    session = ChatSession(cfg, store=store)

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "save", full)
    notices: list[str] = []
    with serve(ScriptedModel(["web-0 crashes."])):
        finished = session.ask("why?", on_event=lambda e: notices.append(e.text) if isinstance(e, Notice) else None)
    assert finished.answer == "web-0 crashes."
    assert any(n.startswith("could not save this session:") and "No space left" in n for n in notices)


def test_a_continued_session_keeps_its_target_unless_told_otherwise(cli_env: Path, store: SessionStore,
                                                                    fake_kubectl: FakeKubectl) -> None:
    store.save(stored(context="other-ctx", namespace="payments"))
    model = ScriptedModel()
    model.enqueue(calls(call("get", "g", kind="pods")), "ok", calls(call("get", "g2", kind="pods")), "ok")
    with serve(model):
        main(["--config", str(cli_env), "ask", "--session", SID, "list pods"])
        main(["--config", str(cli_env), "ask", "--session", SID, "--context", "fake-ctx", "-n", "shop", "list pods"])
    first, second = fake_kubectl.calls()
    assert first[1:5] == ["--context", "other-ctx", "--namespace", "payments"]
    assert second[1:5] == ["--context", "fake-ctx", "--namespace", "shop"]


def test_switch_session_continues_another_saved_one(fake_kubectl: FakeKubectl, store: SessionStore) -> None:
    """What a front end's /sessions ID calls: the current one stays saved, the other's history and target
    come back, the guard is tainted by its tool output, and the lock moves with it."""
    store.save(stored(context="other-ctx", namespace="payments"))
    session = ChatSession(fake_kubectl.config(base_url=BASE_URL, api_key="sk-test"), store=store)
    model = ScriptedModel(["first answer", "continued"])
    with serve(model):
        session.ask("first question")
        first = session.session_id
        assert first is not None and not session.guard.tainted
        with pytest.raises(SessionError):
            session.switch_session("20991231-000000-000000")
        assert session.session_id == first  # a failed switch changes nothing
        session.switch_session(SID[:17])
        assert session.session_id == SID and session.guard.tainted
        assert (session.status.context, session.status.namespace) == ("other-ctx", "payments")
        with pytest.raises(SessionError, match="in use"):
            store.lock(SID)
        session.ask("and now?")
    sent = [m.get("content") for m in model.requests[-1]["messages"] if m["role"] == "user"]
    assert sent == ["why is web-0 not ready?", "and now?"]
    assert store.load(first).turns == 1 and store.load(SID).turns == 2


CHILD = """
import sys
from pathlib import Path
from aiops_chat.sessions.store import SessionStore
from tests.sessions.support import stored
store = SessionStore(Path(sys.argv[1]))
history = []
n = 0
while True:
    n += 1
    history.append({"role": "user", "content": f"turn {n} " + "x" * 20000})
    store.save(stored(history=history))
    if n == 20:
        print("saved", flush=True)
"""


def test_kill_9_while_saving_over_and_over_never_leaves_a_torn_file(tmp_path: Path) -> None:
    """A process saving in a loop is killed at an arbitrary moment: the file there is a whole, verifying
    session (the last one renamed into place), whatever the moment was."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "s")], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout is not None and proc.stdout.readline() == "saved\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    loaded = SessionStore(tmp_path / "s").load(SID)
    assert loaded.turns >= 20
    assert [m["content"].split()[1] for m in loaded.history] == [str(n) for n in range(1, loaded.turns + 1)]


def test_ask_lets_go_of_the_session_lock_when_it_returns(cli_env: Path, store: SessionStore,
                                                         fake_kubectl: FakeKubectl,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Whoever calls main() twice in one process (a script, these tests) must find the session free again,
    # however long the first ChatSession object lives on (here: forever).
    kept: list[ChatSession] = []
    real_init = ChatSession.__init__

    def keep(self: ChatSession, *args: object, **kwargs: object) -> None:
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]
        kept.append(self)

    monkeypatch.setattr(ChatSession, "__init__", keep)
    store.save(stored())
    model = ScriptedModel()
    model.enqueue("first", "second")
    with serve(model):
        assert main(["--config", str(cli_env), "ask", "--session", SID, "hello"]) == OK
        assert main(["--config", str(cli_env), "ask", "--session", SID, "again"]) == OK
    assert len(kept) == 2 and store.load(SID).turns == 3
