"""The audit log: chain verification, tampering, torn writes, concurrent appends."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from pathlib import Path

from aiops_chat.audit import AuditLog


def _log_with(tmp_path: Path, n: int) -> AuditLog:
    log = AuditLog(tmp_path / "audit.jsonl", user="tester")
    for i in range(n):
        log.record({"event": "decision", "argv": ["kubectl", "get", "pods", str(i)], "decision": "allow"})
    return log


def _lines(log: AuditLog) -> list[bytes]:
    return log.path.read_bytes().splitlines(keepends=True)


def test_intact_chain_verifies(tmp_path: Path) -> None:
    log = _log_with(tmp_path, 5)
    report = log.verify()
    assert report.ok and report.entries == 5 and not report.problems
    entries = list(log.read())
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["prev"] == "0" * 64 and entries[0]["user"] == "tester"


def test_edited_entry_is_detected(tmp_path: Path) -> None:
    log = _log_with(tmp_path, 4)
    lines = _lines(log)
    lines[1] = lines[1].replace(b'"allow"', b'"deny"')
    log.path.write_bytes(b"".join(lines))
    report = log.verify()
    assert not report.ok
    assert any("line 3" in p and "chain broken" in p for p in report.problems)


def test_deleted_entry_is_detected(tmp_path: Path) -> None:
    log = _log_with(tmp_path, 4)
    lines = _lines(log)
    del lines[1]
    log.path.write_bytes(b"".join(lines))
    assert not log.verify().ok


def test_reordered_entries_are_detected(tmp_path: Path) -> None:
    log = _log_with(tmp_path, 4)
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    log.path.write_bytes(b"".join(lines))
    report = log.verify()
    assert not report.ok and len(report.problems) >= 2


def test_truncated_tail_is_caught_by_the_head_file(tmp_path: Path) -> None:
    log = _log_with(tmp_path, 4)
    log.path.write_bytes(b"".join(_lines(log)[:3]))
    report = log.verify()
    assert not report.ok and any("head file" in p for p in report.problems)


def test_torn_last_line_keeps_every_entry_before_it(tmp_path: Path) -> None:
    log = _log_with(tmp_path, 3)
    with log.path.open("ab") as fh:
        fh.write(b'{"seq":4,"time":"2026-')  # a crash mid-write
    report = log.verify()
    assert report.entries == 3 and report.torn_line == 4
    assert report.ok  # a torn tail is an interrupted write, not tampering
    assert len(list(log.read())) == 3
    log.record({"event": "decision", "argv": ["kubectl", "version"]})
    after = log.verify()
    assert after.ok and after.entries == 4 and after.torn_line is None
    side = list(tmp_path.glob("audit.jsonl.torn-*"))
    assert len(side) == 1 and side[0].read_bytes() == b'{"seq":4,"time":"2026-'


def test_crash_while_writing_in_a_child_process(tmp_path: Path) -> None:
    """A process killed hard between two writes must not corrupt what was already there."""
    log = _log_with(tmp_path, 2)
    code = (
        "import os, sys; from aiops_chat.audit import AuditLog;"
        f"log = AuditLog({str(log.path)!r}); log.record({{'event': 'x'}});"
        f"fd = os.open({str(log.path)!r}, os.O_WRONLY | os.O_APPEND); os.write(fd, b'{{\"seq\": 4, \"ti'); os._exit(9)"
    )
    proc = subprocess.run([sys.executable, "-c", code])
    assert proc.returncode == 9
    report = log.verify()
    assert report.entries == 3 and report.torn_line == 4


def _append_many(path: str, n: int) -> None:
    log = AuditLog(path)
    for i in range(n):
        log.record({"event": "decision", "i": i})


def test_concurrent_writers_keep_the_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "audit.jsonl")
    procs = [multiprocessing.Process(target=_append_many, args=(path, 25)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    report = AuditLog(path).verify()
    assert report.ok and report.entries == 100


def test_audit_cli_verify_and_show(tmp_path: Path) -> None:
    log = _log_with(tmp_path, 2)
    run = [sys.executable, "-m", "aiops_chat.cli.main", "audit", "--file", str(log.path)]
    ok = subprocess.run([*run, "verify", "--output", "json"], capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(ok.stdout)["entries"] == 2
    shown = subprocess.run([*run, "show"], capture_output=True, text=True)
    assert "kubectl get pods 1" in shown.stdout
    lines = _lines(log)
    log.path.write_bytes(lines[1] + lines[0])
    bad = subprocess.run([*run, "verify"], capture_output=True, text=True)
    assert bad.returncode == 1 and "BROKEN" in bad.stdout


def test_two_torn_lines_in_one_second_keep_both_fragments(tmp_path: Path) -> None:
    log = _log_with(tmp_path, 1)
    for fragment in (b'{"seq":2,"one', b'{"seq":2,"two'):
        with log.path.open("ab") as fh:
            fh.write(fragment)
        log.record({"event": "decision"})
    kept = sorted(p.read_bytes() for p in tmp_path.glob("audit.jsonl.torn-*"))
    assert kept == [b'{"seq":2,"one', b'{"seq":2,"two']
    assert log.verify().ok and log.verify().entries == 3


def test_an_append_cut_before_its_head_write_is_not_called_tampering(tmp_path: Path) -> None:
    # Changed for issue 9 item 8: the crash is now a real one, between the line's fsync and the head's
    # final write (the old test restored the previous head by hand, the state an attacker who edits the
    # last entry and rolls the head back one entry also leaves, which verify must not accept).
    log = _log_with(tmp_path, 3)
    code = (
        "import os; from aiops_chat.audit import AuditLog;"
        "AuditLog._commit = lambda self, written: os._exit(9);"
        f"AuditLog({str(log.path)!r}).record({{'event': 'decision'}})"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 9
    report = log.verify()
    assert report.ok and report.entries == 4 and "one entry behind" in report.problems[0]
    log.record({"event": "decision"})  # and the next append goes on without a gap
    after = log.verify()
    assert after.ok and after.entries == 5 and not after.problems
    lines = _lines(log)
    log.path.write_bytes(b"".join(lines[:2]))  # but a log shorter than its head is still caught
    assert not log.verify().ok
