"""The session store on disk: roundtrip, permissions, atomic replacement, ids."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from aiops_chat.errors import SessionError
from aiops_chat.sessions import SessionStore
from aiops_chat.sessions.store import new_id
from tests.sessions.support import stored


def test_roundtrip_keeps_every_field_and_message(store: SessionStore) -> None:
    original = stored()
    store.save(original)
    loaded = store.load(original.id)
    assert loaded == original
    assert loaded.turns == 1 and loaded.title == "why is web-0 not ready?"


def test_files_are_private(store: SessionStore) -> None:
    path = store.save(stored())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.key_file.stat().st_mode) == 0o600


def test_a_too_open_directory_is_tightened(store: SessionStore) -> None:
    store.root.mkdir(parents=True)
    os.chmod(store.root, 0o755)
    store.save(stored())
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700


def test_a_failed_write_leaves_the_previous_file_whole_and_no_temp_file(
        store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    first = stored()
    store.save(first)
    before = store.path(first.id).read_bytes()
    longer = stored(history=[*first.history, {"role": "user", "content": "and now?"}])

    def crash(src: str, dst: str) -> None:  # the process dies between writing the new file and the rename
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.save(longer)
    monkeypatch.undo()
    assert store.path(first.id).read_bytes() == before
    assert sorted(p.name for p in store.root.iterdir()) == [f"{first.id}.json"]
    assert store.load(first.id) == first


def test_a_temp_file_left_by_a_crash_is_not_a_session(store: SessionStore) -> None:
    store.save(stored())
    (store.root / ".20261204-101500-abc123.x1y2.tmp").write_text('{"half": ')
    assert store.ids() == ["20261204-101500-abc123"]


def test_save_replaces_the_file_in_one_step(store: SessionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new content reaches the final name only through os.replace of a fully written, fsynced file."""
    first = stored()
    store.save(first)
    seen: list[tuple[bool, dict[str, object]]] = []
    synced: set[int] = set()
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        synced.add(os.fstat(fd).st_ino)
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        seen.append((os.stat(src).st_ino in synced, json.loads(Path(src).read_text())))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    store.save(stored(history=[*first.history, {"role": "user", "content": "next"}]))
    assert len(seen) == 1
    was_synced, doc = seen[0]
    assert was_synced and doc["history"][-1] == {"role": "user", "content": "next"} and "mac" in doc


def test_ids_resolve_from_unique_prefixes_only(store: SessionStore) -> None:
    for sid in ("20261204-101500-abc123", "20261204-101500-abd999", "20261205-090000-000000"):
        store.save(stored(sid))
    assert store.resolve("20261205") == "20261205-090000-000000"
    assert store.resolve("20261204-101500-abc") == "20261204-101500-abc123"
    with pytest.raises(SessionError, match="matches 2 sessions"):
        store.resolve("20261204-101500-ab")
    with pytest.raises(SessionError, match="no saved session"):
        store.resolve("1999")


@pytest.mark.parametrize("bad", ["../../etc/passwd", "..", "/tmp/x", "abc.json", "20261204-101500-ABC123x", ""])
def test_anything_but_an_id_is_refused_before_touching_a_path(store: SessionStore, bad: str) -> None:
    with pytest.raises(SessionError, match="not a session id"):
        store.resolve(bad)
    with pytest.raises(SessionError, match="not a session id"):
        store.path(bad)


def test_latest_is_the_last_written(store: SessionStore) -> None:
    assert store.latest() is None
    store.save(stored("20261205-090000-000000"))
    store.save(stored("20261204-101500-abc123"))  # created earlier, written later
    old = store.path("20261205-090000-000000")
    os.utime(old, (1, 1))
    assert store.latest() == "20261204-101500-abc123"


def test_new_ids_are_valid_and_distinct(store: SessionStore) -> None:
    ids = {new_id() for _ in range(50)}
    assert len(ids) == 50
    for sid in ids:
        assert store.path(sid).name == f"{sid}.json"


def test_remove(store: SessionStore) -> None:
    store.save(stored())
    store.remove("20261204-101500-abc123")
    assert store.ids() == []
    with pytest.raises(SessionError, match="no saved session"):
        store.remove("20261204-101500-abc123")


CHILD = """
import sys
from pathlib import Path
from aiops_chat.sessions import SessionStore
from tests.sessions.support import stored
root = Path(sys.argv[1])
store = SessionStore(root / "sessions", root / "sessions.key")
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
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout is not None and proc.stdout.readline() == "saved\n"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    store = SessionStore(tmp_path / "sessions", tmp_path / "sessions.key")
    loaded = store.load("20261204-101500-abc123")
    assert loaded.turns >= 20
    assert [m["content"].split()[1] for m in loaded.history] == [str(n) for n in range(1, loaded.turns + 1)]
