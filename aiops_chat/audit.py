"""The tamper-evident audit log: append-only JSON lines, each carrying the SHA-256 of the line before it.

Every policy decision and every execution lands here. Appends take an exclusive lock, are flushed and
fsynced, so two aiops processes never interleave and a crash leaves at most one torn last line. A torn or
garbage last line is moved aside (never silently dropped) before the next append, so the chain stays
verifiable and a broken log never blocks the commands that write to it.

The ``.head`` file beside the log holds the last entry's sequence number and hash, and, while an append
is under way, the entry about to be written (``pending``): it is written before the line and again after
it. So after any crash the head names either the log's last entry or the one being appended, and a log
that ends anywhere else was cut, edited or rolled back, whichever of head and log an attacker kept.
Sequence number and hash are enough: the hash of the last line commits to every line before it through
the chain, and the sequence number is the count. (A file size or inode would add nothing the hash does
not prove, and an inode would call an honest restore from backup tampering.) When an append finds log and
head disagreeing, the entry it writes carries a ``gap`` field saying so, which keeps the evidence in the
chain after the head is rewritten: the log then verifies as broken until it is archived (log and head
moved aside together).

What it proves without a key: entries edited, deleted, reordered or cut off the end; the log deleted,
emptied or replaced while its head remains; the head deleted, garbled or rolled back. What it cannot
prove: a rewrite of the whole log *and* its head, by anyone who can write both files, is undetectable
(SHA-256 needs no secret), and so is deleting both. With ``[audit] hmac_key_file`` (a key outside the
log's directory) every entry and the head also carry an HMAC-SHA256, chained through ``prev``: a
rewrite without the key fails. What a key still cannot catch: cutting entries off the end together with
restoring an older head (and head copy) that the key signed back then. ``[audit] head_copy`` writes the
head to a second place as well, so an attacker must also reach that place.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import hashlib
import hmac
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiops_chat.errors import AuditError

if TYPE_CHECKING:
    from aiops_chat.config import Config

GENESIS = "0" * 64
_TAIL_CHUNK = 8192
_MAX_SEQ = 2**63 - 1
_HEX64 = re.compile(r"[0-9a-f]{64}")
_MAC_SUFFIX = re.compile(rb',"mac":"([0-9a-f]{64})"\}$')
_RESERVED = frozenset({"seq", "time", "prev", "gap", "mac"})  # set by the log itself, never by an event
_MIN_KEY_BYTES = 16


@dataclass
class VerifyReport:
    ok: bool
    entries: int
    problems: list[str] = field(default_factory=list)
    torn_line: int | None = None
    authenticated: int | None = None  # entries whose MAC the key confirmed; None without a key

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "problems": self.problems, "torn_line": self.torn_line,
                "authenticated": self.authenticated}

    def fail(self, problem: str) -> None:
        self.ok = False
        self.problems.append(problem)


@dataclass(frozen=True)
class _Mark:
    """A point in the chain: an entry's sequence number and line hash (seq 0: the empty log)."""

    seq: int
    hash: str


_EMPTY = _Mark(0, GENESIS)


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def load_key(path: Path | str) -> bytes:
    """The HMAC key from ``[audit] hmac_key_file``: the file's bytes, surrounding whitespace stripped."""
    where = Path(path).expanduser()
    try:
        mode = where.stat().st_mode
        key = where.read_bytes().strip()
    except OSError as exc:
        raise AuditError(f"{path}: cannot read the audit HMAC key: {exc.strerror}",
                         hint="fix [audit] hmac_key_file, or create the key: "
                              "head -c 32 /dev/urandom | base64 > FILE && chmod 600 FILE") from None
    if mode & 0o077:  # whoever can read the key can forge the log, like an ssh private key
        raise AuditError(f"{path}: the audit HMAC key is readable or writable by others (mode {mode & 0o777:o})",
                         hint=f"chmod 600 {path}")
    if len(key) < _MIN_KEY_BYTES:
        raise AuditError(f"{path}: the audit HMAC key is {len(key)} bytes; at least {_MIN_KEY_BYTES} are needed",
                         hint="head -c 32 /dev/urandom | base64 > FILE")
    return key


class AuditLog:
    def __init__(self, path: Path | str, *, user: str | None = None, key: bytes | None = None,
                 head_copy: Path | str | None = None) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")
        self.head_copy = Path(head_copy).expanduser() if head_copy else None
        self.user = user or _current_user()
        self.key = key

    @classmethod
    def for_config(cls, cfg: Config) -> AuditLog:
        """The log the configuration names, with its key and head copy if configured."""
        audit = cfg.audit
        return cls(cfg.audit_path, key=load_key(audit.hmac_key_file) if audit.hmac_key_file else None,
                   head_copy=audit.head_copy or None)

    # -- appending --------------------------------------------------------------------------------------

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
            anchor = self._last_good_entry(fd)
            gap = self._disagreement(anchor)
            entry: dict[str, Any] = {
                "seq": anchor.seq + 1,
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "user": self.user,
                **{k: v for k, v in event.items() if k not in _RESERVED},
                **({"gap": gap} if gap else {}),
                "prev": anchor.hash,
            }
            data = self._encode(entry)
            written = _Mark(entry["seq"], line_hash(data))
            self._write_heads(anchor, pending=written)  # before the line: a crash leaves a head naming it
            os.write(fd, data)
            os.fsync(fd)
            self._commit(written)
            return entry
        finally:
            os.close(fd)  # closing releases the lock

    def _commit(self, written: _Mark) -> None:
        self._write_heads(written)

    def _encode(self, entry: dict[str, Any]) -> bytes:
        try:
            body = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str).encode()
        except UnicodeEncodeError:  # a lone surrogate (JSON from a model can carry one): escape, never fail
            body = json.dumps(entry, ensure_ascii=True, separators=(",", ":"), default=str).encode()
        if self.key is not None:
            body = body[:-1] + b',"mac":"' + self._mac(body).encode() + b'"}'
        return body + b"\n"

    def _mac(self, data: bytes) -> str:
        assert self.key is not None
        return hmac.new(self.key, data, hashlib.sha256).hexdigest()

    def _last_good_entry(self, fd: int) -> _Mark:
        """Where the chain goes on: the last complete, well-formed entry. Whatever follows it (a torn line from
        an interrupted write, or lines someone spoiled) is copied to one side file and cut off first."""
        size = os.fstat(fd).st_size
        end, mark = 0, _EMPTY
        for offset, line in _lines_backward(fd, size):
            entry = _parse_entry(line[:-1]) if line.endswith(b"\n") else None
            if entry is not None:
                end, mark = offset + len(line), _Mark(entry["seq"], line_hash(line))
                break
        if end < size:
            _write_new(self.path.with_name(f"{self.path.name}.torn-{int(time.time())}"),
                       os.pread(fd, size - end, end))
            os.ftruncate(fd, end)
        return mark

    def _heads(self) -> list[tuple[str, Path]]:
        heads = [("head file", self.head_path)]
        if self.head_copy is not None:
            heads.append((f"head copy {self.head_copy}", self.head_copy))
        return heads

    def _disagreement(self, anchor: _Mark) -> str | None:
        """Why the log's last entry is not what its head (or head copy) says, if it is not."""
        for label, path in self._heads():
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                if path == self.head_path and anchor != _EMPTY:
                    return f"the {label} was missing while the log ended at seq {anchor.seq}"
                continue  # a head copy configured since the last append
            except OSError as exc:
                return f"the {label} could not be read ({exc.strerror})"
            head = _parse_head(raw)
            if head is None:
                return f"the {label} was not a valid head"
            committed, pending = head
            if anchor not in (committed, pending):
                return (f"the log ended at seq {anchor.seq} but the {label} said seq {committed.seq}"
                        + (f" (or {pending.seq} being appended)" if pending else ""))
        return None

    def _write_heads(self, committed: _Mark, *, pending: _Mark | None = None) -> None:
        head: dict[str, Any] = {"seq": committed.seq, "hash": committed.hash}
        if pending is not None:
            head["pending"] = {"seq": pending.seq, "hash": pending.hash}
        if self.key is not None:
            head["mac"] = self._mac(_canonical(head))
        data = (json.dumps(head) + "\n").encode()
        for _, path in self._heads():
            # Not fatal: the entry matters more than its head, and verify reports a head that fell behind.
            with contextlib.suppress(OSError):
                if path != self.head_path:
                    path.parent.mkdir(parents=True, exist_ok=True)
                _replace_durably(path, data)

    # -- reading ----------------------------------------------------------------------------------------

    def read(self) -> Iterator[dict[str, Any]]:
        """Every complete entry in order; lines that are not entries are skipped (verify reports them)."""
        try:
            fh = self.path.open("rb")
        except OSError:
            return
        with fh:
            for raw in fh:
                entry = _parse_entry(raw) if raw.endswith(b"\n") else None
                if entry is not None:
                    yield entry

    def verify(self) -> VerifyReport:
        """Check the chain, the sequence, the MACs (with a key) and the head(s). Never raises."""
        report = VerifyReport(ok=True, entries=0, authenticated=0 if self.key is not None else None)
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            for label, path in self._heads():
                if path.exists():
                    report.fail(f"the log is missing but its {label} remains: the log was deleted or moved (to "
                                "archive a log on purpose, move its .head with it)")
            return report
        except OSError as exc:
            report.fail(f"{self.path}: cannot read the log: {exc.strerror}")
            return report
        try:
            # Shared with other readers, exclusive of appends: log and head are read as one state.
            fcntl.flock(fd, fcntl.LOCK_SH)
            with os.fdopen(os.dup(fd), "rb") as fh:
                data = fh.read()
            last, before_last = self._verify_lines(data, report)
            for label, path in self._heads():
                self._verify_head(label, path, last, before_last, report)
        except OSError as exc:
            report.fail(f"{self.path}: cannot read the log: {exc.strerror}")
        finally:
            os.close(fd)
        return report

    def _verify_lines(self, data: bytes, report: VerifyReport) -> tuple[_Mark, _Mark]:
        prev = GENESIS
        last = before_last = _EMPTY
        expected_seq = 1
        unsigned_after_signed = signed_unchecked = 0
        lines = data.split(b"\n")
        trailing = lines.pop()  # b"" when the file ends with a newline
        for number, raw in enumerate(lines, start=1):
            entry = _parse_entry(raw)
            if entry is None:
                report.fail(f"line {number}: not a valid audit entry")
                prev = line_hash(raw)
                continue
            seq = entry["seq"]
            if entry["prev"] != prev:
                report.fail(f"line {number} (seq {seq}): hash chain broken — an entry before it was edited, "
                            "deleted or reordered")
            if seq != expected_seq:
                report.fail(f"line {number}: sequence {seq} where {expected_seq} was expected")
            if "gap" in entry:
                report.fail(f"line {number} (seq {seq}): when aiops appended this entry, {_text(entry['gap'])} "
                            "(entries were cut, edited or the head replaced; archive log and head to start anew)")
            if self.key is None:
                signed_unchecked += _MAC_SUFFIX.search(raw) is not None
            else:
                mac = _MAC_SUFFIX.search(raw)
                if mac is None:
                    unsigned_after_signed += bool(report.authenticated)
                elif hmac.compare_digest(mac.group(1).decode(), self._mac(raw[:mac.start()] + b"}")):
                    report.authenticated = (report.authenticated or 0) + 1
                else:
                    report.fail(f"line {number} (seq {seq}): its MAC does not match: written or edited without "
                                "the key")
            expected_seq = seq + 1
            before_last, last = last, _Mark(seq, line_hash(raw))
            prev = last.hash
            report.entries += 1
        if signed_unchecked:
            report.problems.append(f"{signed_unchecked} entries carry a MAC that was not checked: set [audit] "
                                   "hmac_key_file to the key they were written with")
        if unsigned_after_signed:
            report.fail(f"{unsigned_after_signed} entries after the first authenticated one carry no MAC: written "
                        "without the key")
        if self.key is not None and report.entries and not report.authenticated:
            report.fail("hmac_key_file is set but no entry carries a valid MAC: either the key was set after the "
                        "last append (the next append signs the chain) or the MACs were stripped")
        if trailing:
            report.torn_line = len(lines) + 1
            report.problems.append(
                f"line {report.torn_line}: torn last line (an interrupted write); the {report.entries} entries "
                "before it are intact and the next append moves it aside")
        return last, before_last

    def _verify_head(self, label: str, path: Path, last: _Mark, before_last: _Mark, report: VerifyReport) -> None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            if last != _EMPTY or report.torn_line:
                report.fail(f"the {label} is missing: entries cut off the end could not be told apart (it is "
                            "written by every append" + (", so a head copy set since the last one is written by "
                                                          "the next)" if path != self.head_path else ")"))
            return
        except OSError as exc:
            report.fail(f"the {label} cannot be read: {exc.strerror}")
            return
        head = _parse_head(raw)
        if head is None:
            report.fail(f"the {label} is not a valid head: it was corrupted or replaced")
            return
        committed, pending = head
        if self.key is not None:
            try:
                claimed = json.loads(raw).get("mac")
            except (ValueError, RecursionError):
                claimed = None
            body = {"seq": committed.seq, "hash": committed.hash,
                    **({"pending": {"seq": pending.seq, "hash": pending.hash}} if pending else {})}
            if not isinstance(claimed, str) or not hmac.compare_digest(claimed, self._mac(_canonical(body))):
                report.fail(f"the {label} carries no valid MAC: written without the key"
                            + (" (or the key was set after the last append)" if claimed is None else ""))
        if last == committed:
            return
        if pending is not None and last == pending and before_last == committed:
            report.problems.append(f"the {label} is one entry behind (seq {last.seq} was appended by a process "
                                   "that stopped before updating it); nothing is missing")
            return
        if pending is not None and last == committed:
            return  # an append that stopped before its line was written (a torn line, if any, is that)
        if last == _EMPTY:
            why = f"the log holds no entry but the {label} says it ended at seq {committed.seq}: it was emptied"
        elif last.seq < committed.seq:
            why = f"entries after seq {last.seq} were removed (the {label} says the log ended at seq {committed.seq})"
        elif last.seq == committed.seq:
            why = f"the last entry (seq {last.seq}) is not the one the {label} recorded: it was edited or replaced"
        else:
            why = (f"the log goes on to seq {last.seq} past the {label}'s seq {committed.seq}: the head was rolled "
                   "back, or entries were edited or added without aiops")
        report.fail(why)


def _parse_entry(raw: bytes) -> dict[str, Any] | None:
    """The entry on one line, or None if it is not one: seq a positive integer, prev a SHA-256 hex digest."""
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(obj, dict):
        return None
    seq, prev = obj.get("seq"), obj.get("prev")
    if type(seq) is not int or not 0 < seq < _MAX_SEQ or not isinstance(prev, str) or not _HEX64.fullmatch(prev):
        return None
    return obj


def _parse_head(raw: bytes) -> tuple[_Mark, _Mark | None] | None:
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    committed = _mark(obj)
    pending = _mark(obj["pending"]) if "pending" in obj else None
    if committed is None or ("pending" in obj and pending is None):
        return None
    return committed, pending


def _mark(obj: Any) -> _Mark | None:
    if not isinstance(obj, dict):
        return None
    seq, digest = obj.get("seq"), obj.get("hash")
    if type(seq) is not int or not 0 <= seq < _MAX_SEQ or not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        return None
    return _Mark(seq, digest)


def _canonical(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _replace_durably(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


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


def _lines_backward(fd: int, size: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line with its newline) from the end of the file; the first may be torn (no newline).
    Reads only as far back as the caller iterates, in chunks that double (linear in what is read)."""
    buf, pos, step = b"", size, _TAIL_CHUNK
    while pos > 0:
        step = min(step * 2, pos)
        pos -= step
        buf = os.pread(fd, step, pos) + buf
        while (i := buf.rfind(b"\n", 0, len(buf) - 1)) >= 0:
            yield pos + i + 1, buf[i + 1:]
            buf = buf[:i + 1]
    if buf:
        yield 0, buf


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid-{os.getuid()}"
