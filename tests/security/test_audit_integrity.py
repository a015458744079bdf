"""Issue 9, item 8: audit-log integrity. Each reproducer verified as intact (or crashed verify and every later
append) on the old main; the documented limits are asserted too, so the README cannot claim more."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiops_chat.audit import AuditLog, load_key
from aiops_chat.config import parse_config_text
from aiops_chat.errors import AuditError, ConfigError
from aiops_chat.exit_codes import FAILURE, OK

KEY = b"k" * 32


def filled(tmp_path: Path, n: int = 4, **kwargs: object) -> AuditLog:
    log = AuditLog(tmp_path / "audit.jsonl", user="tester", **kwargs)  # type: ignore[arg-type]
    for i in range(n):
        log.record({"event": "decision", "argv": ["kubectl", "get", "pods", str(i)], "decision": "allow"})
    return log


def lines(log: AuditLog) -> list[bytes]:
    return log.path.read_bytes().splitlines(keepends=True)


def broken_even_after_the_next_append(log: AuditLog) -> None:
    """Not intact, and an append neither fails nor hides it (the entry carries the gap)."""
    first = log.verify()
    assert not first.ok, first.problems
    log.record({"event": "decision", "argv": ["kubectl", "version"]})
    after = log.verify()
    assert not after.ok and any("when aiops appended" in p for p in after.problems), after.problems


# -- the reproducers -----------------------------------------------------------------------------------------

def test_log_deleted_but_head_remains(tmp_path: Path) -> None:
    log = filled(tmp_path)
    log.path.unlink()
    assert any("log is missing" in p for p in log.verify().problems)
    broken_even_after_the_next_append(log)


@pytest.mark.parametrize("head", [None, b"", b"garbage", b"[]", b'{"seq": "3", "hash": "x"}', b'{"seq": 1}',
                                  b'{"seq": 2, "hash": "' + b"0" * 64 + b'", "pending": 7}'])
def test_tail_truncated_and_head_deleted_or_corrupted(tmp_path: Path, head: bytes | None) -> None:
    log = filled(tmp_path)
    log.path.write_bytes(b"".join(lines(log)[:2]))
    if head is None:
        log.head_path.unlink()
    else:
        log.head_path.write_bytes(head)
    broken_even_after_the_next_append(log)


@pytest.mark.parametrize("rolled_back_to", ["committed", "pending"])
def test_last_entry_edited_and_head_rolled_back_one_entry(tmp_path: Path, rolled_back_to: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    log = filled(tmp_path, 3)
    saved: dict[str, bytes] = {"committed": log.head_path.read_bytes()}
    commit = AuditLog._commit

    def spy(self: AuditLog, written: object) -> None:
        saved["pending"] = self.head_path.read_bytes()  # the head as it was while the 4th line was written
        commit(self, written)  # type: ignore[arg-type]

    monkeypatch.setattr(AuditLog, "_commit", spy)
    log.record({"event": "decision", "decision": "deny"})
    monkeypatch.undo()
    edited = lines(log)
    edited[-1] = edited[-1].replace(b'"deny"', b'"allow"')
    log.path.write_bytes(b"".join(edited))
    log.head_path.write_bytes(saved[rolled_back_to])
    broken_even_after_the_next_append(log)


def test_the_log_emptied_and_the_head_kept(tmp_path: Path) -> None:
    log = filled(tmp_path)
    log.path.write_bytes(b"")
    broken_even_after_the_next_append(log)


CRAFTED_SEQ = ['"x"', "-1", "0", "1.5", "1e400", "true", "null", "[]", "{}", "9" * 5000, str(2**64), '"1"']


@pytest.mark.parametrize("seq", CRAFTED_SEQ)
@pytest.mark.parametrize("where", ["last", "middle"])
def test_a_crafted_seq_never_crashes_verify_nor_blocks_appends(tmp_path: Path, seq: str, where: str) -> None:
    log = filled(tmp_path)
    crafted = lines(log)
    index = -1 if where == "last" else 1
    entry = json.loads(crafted[index])
    crafted[index] = (json.dumps(entry)[:-1].replace(f'"seq": {entry["seq"]}', f'"seq": {seq}') + "}\n").encode()
    assert seq in crafted[index].decode()
    log.path.write_bytes(b"".join(crafted))
    assert not log.verify().ok
    written = log.record({"event": "decision"})  # the old main raised TypeError/ValueError here, every time
    assert isinstance(written["seq"], int)
    assert not log.verify().ok
    assert list(log.read())  # show works too


def test_a_deeply_nested_last_line_is_moved_aside(tmp_path: Path) -> None:
    log = filled(tmp_path, 2)
    with log.path.open("ab") as fh:
        fh.write(b"[" * 100_000 + b"\n")  # json.loads raises RecursionError, which is no ValueError
    assert not log.verify().ok
    log.record({"event": "decision"})
    assert [e["seq"] for e in log.read()] == [1, 2, 3]
    assert len(list(tmp_path.glob("audit.jsonl.torn-*"))) == 1


def test_a_lone_surrogate_from_a_model_is_recorded(tmp_path: Path) -> None:
    log = filled(tmp_path, 1)
    log.record({"event": "decision", "request": json.loads('"\\ud800 scale web"')})
    report = log.verify()
    assert report.ok and report.entries == 2


# -- fuzz ----------------------------------------------------------------------------------------------------

@contextmanager
def fresh_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


LINE = st.one_of(
    st.binary(max_size=80).map(lambda b: b.replace(b"\n", b"")),
    st.builds(lambda seq, prev: json.dumps({"seq": seq, "prev": prev}).encode(),
              st.one_of(st.integers(-2, 2**70), st.floats(), st.text(max_size=5), st.none(), st.booleans()),
              st.one_of(st.just("0" * 64), st.text(max_size=70))),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=6), st.booleans(), st.one_of(st.none(), st.binary(max_size=200)), st.booleans())
def test_fuzz_verify_never_raises_and_appends_always_work(garbage: list[bytes], newline: bool,
                                                          head: bytes | None, keyed: bool) -> None:
    with fresh_dir() as root:
        fuzz_once(root, garbage, newline, head, keyed)


def fuzz_once(root: Path, garbage: list[bytes], newline: bool, head: bytes | None, keyed: bool) -> None:
    log = AuditLog(root / "audit.jsonl", user="t", key=KEY if keyed else None)
    log.record({"event": "decision"})
    with log.path.open("ab") as fh:
        fh.write(b"\n".join(garbage) + (b"\n" if newline and garbage else b""))
    if head is not None:
        log.head_path.write_bytes(head)
    log.verify()
    list(log.read())
    written = log.record({"event": "decision"})
    assert lines(log)[-1].endswith(b"\n") and json.loads(lines(log)[-1])["seq"] == written["seq"]
    log.verify()


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_fuzz_any_edit_of_an_intact_log_is_detected(data: st.DataObject) -> None:
    with fresh_dir() as root:
        edit_once(root, data)


def edit_once(root: Path, data: st.DataObject) -> None:
    log = AuditLog(root / "audit.jsonl", user="t")
    for i in range(3):
        log.record({"event": "decision", "i": i, "time": "fixed"})
    original = log.path.read_bytes()
    start = data.draw(st.integers(0, len(original) - 1))
    end = data.draw(st.integers(start, min(len(original), start + 20)))
    replacement = data.draw(st.binary(max_size=20))
    changed = original[:start] + replacement + original[end:]
    if changed == original or (changed.startswith(original) and b"\n" not in changed[len(original):]):
        return  # unchanged, or a torn line appended (an interrupted write, reported but not tampering)
    log.path.write_bytes(changed)
    assert not log.verify().ok


# -- the key and the head copy -------------------------------------------------------------------------------

def rewrite_without_the_key(log: AuditLog, edit: tuple[bytes, bytes], guessed_key: bytes | None = None) -> None:
    """What an attacker who can write the log's directory can do: re-record every entry, one edited."""
    entries = [json.loads(raw.replace(*edit)) for raw in lines(log)]
    log.path.unlink()
    log.head_path.unlink()
    forger = AuditLog(log.path, user="tester", key=guessed_key)
    for entry in entries:
        forger.record({k: v for k, v in entry.items() if k not in ("mac",)})


def test_a_full_rewrite_is_undetectable_without_a_key(tmp_path: Path) -> None:
    log = filled(tmp_path)
    rewrite_without_the_key(log, (b'"1"]', b'"one"]'))
    assert log.verify().ok  # the documented limit: SHA-256 needs no secret


def test_a_full_rewrite_without_the_key_is_detected_with_one(tmp_path: Path) -> None:
    log = filled(tmp_path, key=KEY)
    report = log.verify()
    assert report.ok and report.authenticated == 4
    rewrite_without_the_key(log, (b'"1"]', b'"one"]'))
    report = log.verify()
    assert not report.ok and any("no valid MAC" in p for p in report.problems), report.problems
    rewrite_without_the_key(log, (b'"2"]', b'"two"]'), guessed_key=b"x" * 32)  # nor does a guessed key
    report = log.verify()
    assert not report.ok and report.authenticated == 0 and any("MAC does not match" in p for p in report.problems)


def test_keyed_entries_cannot_be_edited_even_with_the_chain_and_head_recomputed(tmp_path: Path) -> None:
    log = filled(tmp_path, 3, key=KEY)
    edited = lines(log)
    edited[0] = edited[0].replace(b'"allow"', b'"deny"')
    prev = hashlib.sha256(edited[0].rstrip(b"\n")).hexdigest()
    for i in range(1, 3):  # re-link the chain, keeping the (now stale) MACs
        entry = json.loads(edited[i])
        edited[i] = edited[i].replace(entry["prev"].encode(), prev.encode())
        prev = hashlib.sha256(edited[i].rstrip(b"\n")).hexdigest()
    log.path.write_bytes(b"".join(edited))
    log.head_path.write_text(json.dumps({"seq": 3, "hash": prev}))
    report = log.verify()
    assert not report.ok and sum("MAC does not match" in p for p in report.problems) == 3


def test_a_key_set_on_an_existing_log_signs_it_from_the_next_append(tmp_path: Path) -> None:
    log = filled(tmp_path, 2)
    keyed = AuditLog(log.path, key=KEY)
    assert not keyed.verify().ok  # nothing is authenticated yet: said, not hidden
    keyed.record({"event": "decision"})
    report = keyed.verify()
    assert report.ok and report.authenticated == 1 and report.entries == 3


def test_the_limit_that_remains_with_a_key(tmp_path: Path) -> None:
    """Cutting entries off the end and restoring the head the key signed back then: undetectable."""
    log = filled(tmp_path, 2, key=KEY)
    old_head = log.head_path.read_bytes()
    log.record({"event": "decision", "decision": "deny"})
    log.path.write_bytes(b"".join(lines(log)[:2]))
    log.head_path.write_bytes(old_head)
    assert log.verify().ok


def test_the_head_copy_catches_a_rewrite_of_the_log_directory(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    copy = tmp_path / "elsewhere" / "audit.head"
    copy.parent.mkdir()
    log = AuditLog(tmp_path / "logs" / "audit.jsonl", user="tester", head_copy=copy)
    for i in range(3):
        log.record({"event": "decision", "i": i})
    assert log.verify().ok and copy.read_bytes() == log.head_path.read_bytes()
    rewrite_without_the_key(log, (b'"i":1', b'"i":7'))
    report = log.verify()
    assert not report.ok and any(str(copy) in p for p in report.problems)
    log.path.unlink()
    log.head_path.unlink()  # deleting log and head together: caught only by the copy
    report = log.verify()
    assert not report.ok and any("log is missing" in p and str(copy) in p for p in report.problems)


def test_key_and_copy_paths_are_validated(tmp_path: Path) -> None:
    log_dir = tmp_path / "state"
    for key in ("hmac_key_file", "head_copy"):
        for bad in (str(log_dir / "audit.key"), "audit.key"):
            text = f'[audit]\npath = "{log_dir / "audit.jsonl"}"\n{key} = "{bad}"\n'
            with pytest.raises(ConfigError, match=f"audit.{key}.*outside the audit log's directory"):
                parse_config_text(text, source="t.toml")
    short = tmp_path / "short.key"
    short.write_bytes(b"tiny\n")
    short.chmod(0o600)
    with pytest.raises(AuditError, match="at least 16"):
        load_key(short)
    shared = tmp_path / "shared.key"
    shared.write_bytes(KEY)
    shared.chmod(0o644)
    with pytest.raises(AuditError, match="readable or writable by others"):
        load_key(shared)
    shared.chmod(0o400)
    assert load_key(shared) == KEY
    with pytest.raises(AuditError, match="cannot read"):
        load_key(tmp_path / "missing.key")


# -- the command ---------------------------------------------------------------------------------------------

def aiops(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    key = tmp_path / "keys" / "audit.key"
    key.parent.mkdir(exist_ok=True)
    key.write_bytes(KEY)
    key.chmod(0o600)
    config = tmp_path / "aiops.toml"
    config.write_text(f'[audit]\npath = "{tmp_path / "state" / "audit.jsonl"}"\nhmac_key_file = "{key}"\n')
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "--config", str(config), "audit", *args],
                          capture_output=True, text=True, check=False)


def test_verify_exit_codes_and_the_key_from_the_config(tmp_path: Path) -> None:
    log = filled(tmp_path / "state", 2, key=KEY)
    ok = aiops(tmp_path, "verify")
    assert ok.returncode == OK and "2 entries, 2 authenticated by the key, chain intact" in ok.stdout
    log.path.unlink()
    gone = aiops(tmp_path, "verify", "--output", "json")
    assert gone.returncode == FAILURE and json.loads(gone.stdout)["ok"] is False


def _append(path: str, n: int) -> None:
    log = AuditLog(path, user="writer")
    for i in range(n):
        log.record({"event": "decision", "i": i})


def test_verify_during_appends_never_sees_a_false_break(tmp_path: Path) -> None:
    """verify reads log and head under a shared lock: an append between the two reads would look like a cut."""
    import multiprocessing

    log = filled(tmp_path, 1)
    writer = multiprocessing.Process(target=_append, args=(str(log.path), 300))
    writer.start()
    reports = []
    while writer.is_alive():
        reports.append(log.verify())
    writer.join()
    reports.append(log.verify())
    assert all(r.ok for r in reports), next(r.problems for r in reports if not r.ok)
    assert reports[-1].entries == 301
