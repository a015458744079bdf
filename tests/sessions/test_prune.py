"""`aiops sessions prune`: old conversations go, the newest N and any a running aiops holds stay."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from aiops_chat.cli.main import main
from aiops_chat.sessions.store import SessionStore
from tests.sessions.support import stored

DAY = 86400.0
IDS = ["20261101-100000-aaaaaa", "20261110-100000-bbbbbb", "20261120-100000-cccccc", "20261203-100000-dddddd"]
AGES_DAYS = [40, 30, 10, 0.5]


def _aged(store: SessionStore) -> float:
    now = time.time()
    for sid, age in zip(IDS, AGES_DAYS, strict=True):
        store.save(stored(sid))
        when = now - age * DAY
        os.utime(store.path(sid), (when, when))
    return now


def test_prune_removes_what_is_older_than_the_age_keeping_the_newest(store: SessionStore) -> None:
    now = _aged(store)
    assert store.prune(older_than_s=7 * DAY, dry_run=True, now=now) == IDS[2::-1]
    assert store.ids() == IDS[::-1]  # a dry run removes nothing
    assert store.prune(older_than_s=7 * DAY, keep=3, now=now) == [IDS[0]]
    assert store.prune(older_than_s=20 * DAY, now=now) == [IDS[1]]
    assert store.ids() == [IDS[3], IDS[2]]
    assert not list(store.dir.glob(f".{IDS[0]}*"))  # its lock file went with it


def test_a_session_in_use_is_never_pruned(store: SessionStore) -> None:
    now = _aged(store)
    held = store.lock(IDS[0])
    try:
        assert store.prune(older_than_s=7 * DAY, now=now) == [IDS[2], IDS[1]]
    finally:
        held.close()
    assert store.ids() == [IDS[3], IDS[0]]


def test_the_command(cli_env: Path, store: SessionStore, capsys: pytest.CaptureFixture[str]) -> None:
    _aged(store)
    assert main(["--config", str(cli_env), "sessions", "prune", "--older-than", "15d", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert out.split() == [IDS[1], IDS[0]] and "would remove 2 session(s)" in err
    assert main(["--config", str(cli_env), "sessions", "prune", "--older-than", "360h", "--keep", "3"]) == 0
    out, err = capsys.readouterr()
    assert out.split() == [IDS[0]] and "removed 1 session(s)" in err
    assert len(store.ids()) == 3
    with pytest.raises(SystemExit) as exc:
        main(["--config", str(cli_env), "sessions", "prune", "--older-than", "soon"])
    assert exc.value.code == 2 and "'soon' is not an age like 30d, 12h or 90m" in capsys.readouterr().err
