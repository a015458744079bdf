"""The tamper-evident audit log: append-only JSON lines, each carrying the SHA-256 of the line before it.

Every policy decision and every execution lands here. Appends take an exclusive lock, are flushed and
fsynced, so two aiops processes never interleave and a crash leaves at most one torn last line. A torn
line is moved aside (never silently dropped) before the next append, so the chain stays verifiable.

What the chain can prove: an entry edited, deleted or moved breaks the link after it. What it cannot
prove alone: a truncated *tail*. The ``.head`` file beside the log records the last sequence number and
hash, which catches a quiet truncation by anyone who did not also rewrite the head.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiops_chat.errors import AuditError

GENESIS = "0" * 64
_TAIL_CHUNK = 8192


@dataclass
class VerifyReport:
    ok: bool
    entries: int
    problems: list[str] = field(default_factory=list)
    torn_line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "problems": self.problems, "torn_line": self.torn_line}


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


class AuditLog:
    def __init__(self, path: Path | str, *, user: str | None = None) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")
        self.user = user or _current_user()

    def record(self, event: dict[str, Any]) -> dict[str, Any]:
        """Append one entry; returns it as written (with seq, time, user, prev)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise AuditError(f"{self.path}: cannot open audit log: {exc.strerror}",
                             hint="set [audit] path in the config to a writable file") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last = self._last_good_line(fd)
            prev = line_hash(last) if last else GENESIS
            seq = (json.loads(last)["seq"] + 1) if last else 1
            entry: dict[str, Any] = {
                "seq": seq,
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "user": self.user,
                **{k: v for k, v in event.items() if k not in ("seq", "time", "prev")},
                "prev": prev,
            }
            data = (json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode()
            os.write(fd, data)
            os.fsync(fd)
            self._write_head(seq, line_hash(data))
            return entry
        finally:
            os.close(fd)  # closing releases the lock

    def _last_good_line(self, fd: int) -> bytes | None:
        """The last complete entry; a torn tail is copied to a side file and cut off first."""
        size = os.fstat(fd).st_size
        if size == 0:
            return None
        tail = _read_tail(fd, size)
        if not tail.endswith(b"\n") or not _is_entry(tail.rsplit(b"\n", 2)[-2] if tail.endswith(b"\n") else b""):
            cut = tail.rfind(b"\n", 0, len(tail) - (1 if tail.endswith(b"\n") else 0)) + 1
            start = size - len(tail) + cut
            torn = os.pread(fd, size - start, start)
            _write_new(self.path.with_name(f"{self.path.name}.torn-{int(time.time())}"), torn)
            os.ftruncate(fd, start)
            size = start
            if size == 0:
                return None
            tail = _read_tail(fd, size)
        lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
        return lines[-1]

    def _write_head(self, seq: int, digest: str) -> None:
        tmp = self.head_path.with_name(self.head_path.name + ".tmp")
        tmp.write_text(json.dumps({"seq": seq, "hash": digest}) + "\n")
        os.replace(tmp, self.head_path)

    def read(self) -> Iterator[dict[str, Any]]:
        """Every complete entry in order; a torn last line is skipped (verify reports it)."""
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            for raw in fh:
                if raw.endswith(b"\n") and _is_entry(raw):
                    yield json.loads(raw)

    def verify(self) -> VerifyReport:
        if not self.path.exists():
            return VerifyReport(ok=True, entries=0)
        report = VerifyReport(ok=True, entries=0)
        prev = GENESIS
        before_last = GENESIS  # the hash of the entry before the last, for an append cut before its head write
        expected_seq = 1
        lines = self.path.read_bytes().split(b"\n")
        trailing = lines.pop()  # b"" when the file ends with a newline
        for number, raw in enumerate(lines, start=1):
            if not _is_entry(raw):
                report.problems.append(f"line {number}: not a valid audit entry")
                report.ok = False
                prev = line_hash(raw)
                continue
            entry = json.loads(raw)
            if entry.get("prev") != prev:
                report.problems.append(
                    f"line {number} (seq {entry.get('seq')}): hash chain broken — an entry before it was "
                    "edited, deleted or reordered")
                report.ok = False
            if entry.get("seq") != expected_seq:
                report.problems.append(f"line {number}: sequence {entry.get('seq')} where {expected_seq} was expected")
                report.ok = False
            expected_seq = int(entry.get("seq", expected_seq)) + 1
            before_last, prev = prev, line_hash(raw)
            report.entries += 1
        if trailing:
            report.torn_line = len(lines) + 1
            report.problems.append(
                f"line {report.torn_line}: torn last line (an interrupted write); the {report.entries} entries "
                "before it are intact and the next append moves it aside")
        if self.head_path.exists():
            with contextlib.suppress(ValueError, OSError):
                head = json.loads(self.head_path.read_text())
                last = expected_seq - 1
                if head.get("seq") == last - 1 and head.get("hash") == before_last:
                    # The log holds one entry more than the head: an append that stopped between writing
                    # its line and updating the head. Nothing is missing; the next append rewrites the head.
                    report.problems.append(f"head file is one entry behind (seq {last} was appended by a "
                                           "process that stopped before updating it); nothing is missing")
                elif head.get("seq") != last or (report.entries and head.get("hash") != prev):
                    report.problems.append(
                        f"head file says the last entry is seq {head.get('seq')}, the log ends at seq "
                        f"{expected_seq - 1}: entries were removed from the end or the log was replaced")
                    report.ok = False
        return report


def _write_new(base: Path, data: bytes) -> None:
    """Write ``data`` to ``base`` or, if that exists, ``base.1``, ``base.2`` ...: never over an older file."""
    for n in range(10_000):
        path = base if n == 0 else base.with_name(f"{base.name}.{n}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        return
    raise AuditError(f"{base}: too many torn-line files beside the audit log; inspect and remove them")


def _read_tail(fd: int, size: int) -> bytes:
    """Enough of the end of the file to hold the last two lines."""
    chunk = _TAIL_CHUNK
    while True:
        start = max(0, size - chunk)
        data = os.pread(fd, size - start, start)
        if start == 0 or data.count(b"\n") >= 3:
            return data if start == 0 else data[data.index(b"\n") + 1:]
        chunk *= 4


def _is_entry(raw: bytes) -> bool:
    try:
        obj = json.loads(raw)
    except ValueError:
        return False
    return isinstance(obj, dict) and "prev" in obj and "seq" in obj


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid-{os.getuid()}"
