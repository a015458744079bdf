"""Saved conversations: one sealed JSON file per session under ``$XDG_STATE_HOME/aiops/sessions/``.

What is stored is the history exactly as the model saw it (already redacted: user text and tool output
are redacted before they enter it). A file is written whole to a temporary name, fsynced and renamed
over the old one, so a crash (kill -9 included) leaves the previous turn's file intact: at most the turn
in flight is lost.

Each file carries an HMAC-SHA256 over its content under a key kept beside them (``.key``, mode 600). A
file edited by hand (or by anything else) no longer matches and is refused with the reason, never loaded
half-trusted: a history is what the model will read next, and a forged one could carry instructions or
fake "the user approved" turns. Approvals are never stored or replayed in any case; they happen at the
executor, per command, when it is about to run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from aiops_chat.errors import UsageError

FORMAT = 1
KEY_BYTES = 32
_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


class SessionError(UsageError):
    """A saved session the user named cannot be used: unknown, unreadable, or changed outside aiops. The
    file (or the id given) is at fault; nothing ran, so it exits as a usage error."""

    title = "session"


@dataclass
class StoredSession:
    id: str
    source: str  # "ask", "tui"
    context: str | None
    namespace: str
    history: list[dict[str, Any]] = field(default_factory=list)  # OpenAI-format messages, redacted
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)

    @property
    def turns(self) -> int:
        return sum(1 for m in self.history if m.get("role") == "user")

    @property
    def title(self) -> str:
        first = next((m.get("content") or "" for m in self.history if m.get("role") == "user"), "")
        line = " ".join(str(first).split())
        return line if len(line) <= 60 else line[:59] + "…"

    def body(self) -> dict[str, Any]:
        return {"format": FORMAT, "id": self.id, "source": self.source, "context": self.context,
                "namespace": self.namespace, "created": self.created, "updated": self.updated,
                "history": self.history}


def new_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


# A model's JSON can carry a lone surrogate ("\\udc9b"), which strict UTF-8 cannot encode: saving the turn
# then raised UnicodeEncodeError out of `aiops ask`. surrogatepass writes it (and reads it back) unchanged;
# text without one encodes exactly as before, so existing seals still verify.
_ENCODING_ERRORS = "surrogatepass"


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8", _ENCODING_ERRORS)


class SessionStore:
    def __init__(self, directory: Path | str) -> None:
        self.dir = Path(directory)

    # -- the key ----------------------------------------------------------------------------------------

    def _key(self, *, create: bool = True) -> bytes:
        path = self.dir / ".key"
        try:
            key = self._read_key(path)
        except FileNotFoundError:
            if not create:  # loading never mints a key: it would only make every saved file "changed"
                raise SessionError(f"the session key {path} is missing, so no saved session can be verified",
                                   hint="sessions saved from now on get a new key") from None
            self._ensure_dir()
            key = secrets.token_bytes(KEY_BYTES)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another aiops made it first: use theirs
                return self._key()
            with os.fdopen(fd, "wb") as fh:
                fh.write(key)
                fh.flush()
                os.fsync(fh.fileno())
            return key
        if len(key) != KEY_BYTES:
            raise SessionError(f"{path}: not a session key ({len(key)} bytes)",
                               hint="remove it; sessions saved under it can then no longer be loaded")
        return key

    @staticmethod
    def _read_key(path: Path) -> bytes:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            if stat.S_IMODE(os.fstat(fh.fileno()).st_mode) & 0o077:
                # Anyone who can read it can seal a forged history the model would take as its own.
                raise SessionError(f"the session key {path} is readable by others", hint=f"chmod 600 {path}")
            return fh.read()

    def _seal(self, body: dict[str, Any], *, create: bool = True) -> str:
        return hmac.new(self._key(create=create), _canonical(body), hashlib.sha256).hexdigest()

    def _ensure_dir(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if stat.S_IMODE(self.dir.stat().st_mode) != 0o700:  # made by hand or by an older aiops: ours to tighten
            os.chmod(self.dir, 0o700)

    def lock(self, session_id: str) -> IO[bytes]:
        """Hold a session for this process until the returned file is closed or the process ends (the
        kernel drops the lock with it, kill -9 included): two `ask --session ID` at once would each save a
        history without the other's turn."""
        self.path(session_id)
        try:
            self._ensure_dir()
            # Held past this function on purpose: the session closes it when it is done with the id.
            fh = open(os.open(self.dir / f".{session_id}.lock", os.O_RDWR | os.O_CREAT, 0o600), "r+b")  # noqa: SIM115
        except OSError as exc:
            raise SessionError(f"cannot lock session {session_id} in {self.dir}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise SessionError(f"session {session_id} is in use by another aiops (ask or chat)",
                               hint="wait for it to finish, or start a new session") from None
        return fh

    # -- files ------------------------------------------------------------------------------------------

    def path(self, session_id: str) -> Path:
        if not _ID.match(session_id):
            raise SessionError(f"{session_id!r} is not a session id", hint="see `aiops sessions list`")
        return self.dir / f"{session_id}.json"

    def save(self, session: StoredSession) -> Path:
        session.updated = time.time()
        body = session.body()
        data = json.dumps({**body, "seal": self._seal(body)}, ensure_ascii=False, indent=1).encode(
            "utf-8", _ENCODING_ERRORS)
        final = self.path(session.id)
        self._ensure_dir()
        tmp = self.dir / f".{session.id}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        dir_fd = os.open(self.dir, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a power cut
        finally:
            os.close(dir_fd)
        return final

    def load(self, session_id: str) -> StoredSession:
        path = self.path(self.resolve(session_id))
        try:
            raw = json.loads(path.read_text(encoding="utf-8", errors=_ENCODING_ERRORS))
        except FileNotFoundError:
            raise SessionError(f"no session {session_id!r}", hint="see `aiops sessions list`") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SessionError(f"{path}: unreadable ({exc})", hint=f"remove it: aiops sessions rm {session_id}") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("seal"), str):
            raise SessionError(f"{path}: not a saved aiops session", hint=f"remove it: aiops sessions rm {session_id}")
        body = {k: v for k, v in raw.items() if k != "seal"}
        if not hmac.compare_digest(raw["seal"], self._seal(body, create=False)):
            raise SessionError(f"{path} was changed outside aiops (its seal does not match); refusing to load it, "
                               "since the model would read it as its own conversation",
                               hint=f"start a new session, or remove this one: aiops sessions rm {session_id}")
        if body.get("format") != FORMAT or body.get("id") != path.stem or not isinstance(body.get("history"), list):
            raise SessionError(f"{path}: saved by another version of aiops or under another name")
        return StoredSession(id=body["id"], source=str(body.get("source", "")), context=body.get("context"),
                             namespace=str(body.get("namespace", "")), history=body["history"],
                             created=float(body.get("created", 0)), updated=float(body.get("updated", 0)))

    def ids(self) -> list[str]:
        """Saved session ids, the last written first."""
        if not self.dir.is_dir():
            return []
        files = [p for p in self.dir.glob("*.json") if _ID.match(p.stem)]
        return [p.stem for p in sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.stem), reverse=True)]

    def resolve(self, session_id: str) -> str:
        """An id, or a unique prefix of one."""
        if _ID.match(session_id):
            return session_id
        matches = [i for i in self.ids() if i.startswith(session_id)] if session_id else []
        if len(matches) == 1:
            return matches[0]
        why = "matches several sessions" if matches else "matches no session"
        raise SessionError(f"{session_id!r} {why}", hint="see `aiops sessions list`")

    def latest(self) -> str | None:
        ids = self.ids()
        return ids[0] if ids else None

    def remove(self, session_id: str) -> Path:
        path = self.path(self.resolve(session_id))
        try:
            path.unlink()
        except FileNotFoundError:
            raise SessionError(f"no session {session_id!r}", hint="see `aiops sessions list`") from None
        with contextlib.suppress(FileNotFoundError):
            (self.dir / f".{path.stem}.lock").unlink()
        return path

    def prune(self, *, older_than_s: float, keep: int = 0, dry_run: bool = False,
              now: float | None = None) -> list[str]:
        """Remove sessions last written more than ``older_than_s`` ago, except the ``keep`` newest and any a
        running aiops holds (its lock); the ids removed (or, with ``dry_run``, that would be)."""
        cutoff = (time.time() if now is None else now) - older_than_s
        gone = []
        for session_id in self.ids()[keep:]:
            try:
                if self.path(session_id).stat().st_mtime >= cutoff:
                    continue
            except FileNotFoundError:
                continue
            if dry_run:
                gone.append(session_id)
                continue
            try:
                lock = self.lock(session_id)
            except SessionError:
                continue  # in use: pruning must not pull a conversation from under a running chat
            try:
                self.remove(session_id)
            finally:
                lock.close()
            gone.append(session_id)
        return gone

