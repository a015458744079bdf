"""Saved sessions on disk: one JSON file per session under ``$XDG_STATE_HOME/aiops/sessions/``.

A file holds the conversation as the model saw it (already redacted: user text, tool output and attachments
pass through redaction before they enter the history), the pinned target, and whether the injection guard
was tainted. It never holds an approval: approvals belong to a person at the moment of a write and are not
replayed (the resumed session asks again).

Files are written whole to a temporary file in the same directory, fsynced, then renamed over the old one,
so a crash (even kill -9) leaves either the previous turn's file or the new one, never a torn one.
Directory 0700, files 0600.

Each file carries an HMAC-SHA256 over its canonical JSON with a per-user key (``sessions.key`` in the state
directory, 0600). A file edited by hand, renamed to another id, truncated, or signed with another key is
refused with a clear error, never trusted half-way. This is tamper evidence against other tools, careless
edits and copied files; someone who can read the user's key can forge a file, which is why nothing in a
file can approve anything.
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
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from aiops_chat.errors import SessionError

if TYPE_CHECKING:
    from aiops_chat.config import Config

FORMAT = 1
KEY_FILE = "sessions.key"
MAX_FILE_BYTES = 64 * 1024 * 1024  # far above any real session (tool outputs are capped); refuses a runaway file
_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")
_ID_PREFIX = re.compile(r"^[0-9a-f-]{1,22}$")
_ROLES = frozenset({"user", "assistant", "tool"})
_KEEP = {"user": ("role", "content"), "assistant": ("role", "content", "tool_calls"),
         "tool": ("role", "tool_call_id", "content")}


@dataclass
class StoredSession:
    """One saved conversation. ``history`` is OpenAI-format messages without the system prompt."""

    id: str
    created: str  # ISO 8601, UTC
    updated: str
    source: str  # "ask" or "tui": the front end that last wrote it
    context: str | None
    namespace: str
    model: str | None
    tainted_by: str | None  # the injection guard's state when saved (a resumed session starts tainted)
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The first thing the user asked, on one line (attachments left out)."""
        from aiops_chat.agent.attachments import split

        for message in self.history:
            if message.get("role") == "user" and isinstance(message.get("content"), str):
                first = split(message["content"])[0].strip().splitlines()
                return first[0][:80] if first else ""
        return ""

    @property
    def turns(self) -> int:
        return sum(1 for m in self.history if m.get("role") == "user")

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "id": self.id, "created": self.created, "updated": self.updated,
                "source": self.source, "context": self.context, "namespace": self.namespace, "model": self.model,
                "tainted_by": self.tainted_by, "history": self.history}


def new_id() -> str:
    """Sortable by creation time, unguessable enough not to collide: 20261204-162135-a1b2c3."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class SessionStore:
    def __init__(self, root: Path, key_file: Path) -> None:
        self.root = root
        self.key_file = key_file

    @classmethod
    def for_config(cls, cfg: Config) -> SessionStore:
        if not cfg.runtime.state_dir:
            # Only a Config built by hand (tests) lacks it; a relative "sessions/" in the cwd would be a surprise.
            raise SessionError("no state directory to keep sessions in", hint="set XDG_STATE_HOME or HOME")
        state = Path(cfg.runtime.state_dir)
        return cls(state / "sessions", state / KEY_FILE)

    # -- reading ---------------------------------------------------------------------------------------------

    def path(self, session_id: str) -> Path:
        if not _ID.match(session_id):
            raise SessionError(f"{session_id!r} is not a session id", hint="`aiops sessions list` shows them")
        return self.root / f"{session_id}.json"

    def ids(self) -> list[str]:
        """Every saved session's id, oldest first."""
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise SessionError(f"cannot read {self.root}: {exc.strerror or exc}") from None
        return sorted(n[:-5] for n in names if n.endswith(".json") and _ID.match(n[:-5]))

    def resolve(self, given: str) -> str:
        """An id from an exact id or a unique prefix of one (as git takes abbreviated hashes)."""
        if _ID.match(given):
            return given
        if not _ID_PREFIX.match(given):
            raise SessionError(f"{given!r} is not a session id", hint="`aiops sessions list` shows them")
        found = [i for i in self.ids() if i.startswith(given)]
        if len(found) == 1:
            return found[0]
        if not found:
            raise SessionError(f"no saved session {given!r} in {self.root}", hint="`aiops sessions list` shows them")
        more = ", ..." if len(found) > 4 else ""
        raise SessionError(f"{given!r} matches {len(found)} sessions ({', '.join(found[:4])}{more})",
                           hint="give more of the id")

    def latest(self) -> str | None:
        """The most recently written session (by the time it was last saved, not created)."""
        ids = self.ids()
        if not ids:
            return None
        return max(ids, key=lambda i: (self._mtime(i), i))

    def _mtime(self, session_id: str) -> float:
        try:
            return (self.root / f"{session_id}.json").stat().st_mtime
        except OSError:
            return 0.0

    def load(self, session_id: str) -> StoredSession:
        path = self.path(session_id)
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            raise SessionError(f"no saved session {session_id} ({path} does not exist)",
                               hint="`aiops sessions list` shows them") from None
        except OSError as exc:
            raise SessionError(f"cannot read {path}: {exc.strerror or exc}") from None
        if len(raw) > MAX_FILE_BYTES:
            raise SessionError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MiB; refusing it")
        refuse = f"refusing session file {path}"
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise SessionError(f"{refuse}: not valid JSON ({exc}); was it edited by hand or cut short?",
                               hint=f"`aiops sessions rm {session_id}` removes it") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("mac"), str):
            raise SessionError(f"{refuse}: it carries no signature", hint=f"`aiops sessions rm {session_id}` removes it")
        mac = doc.pop("mac")
        if not hmac.compare_digest(mac, self._sign(doc, create=False)):
            raise SessionError(
                f"{refuse}: its signature does not match its content: it was edited by hand, or written with "
                f"another key than {self.key_file}. Its history is not trusted and was not loaded",
                hint=f"`aiops sessions rm {session_id}` removes it")
        if doc.get("format") != FORMAT:
            raise SessionError(f"{refuse}: format {doc.get('format')!r}, this aiops reads format {FORMAT}")
        if doc.get("id") != session_id:  # a valid file copied over another session's name
            raise SessionError(f"{refuse}: it holds session {doc.get('id')!r}, not {session_id}")
        return _from_json(doc, refuse)

    # -- writing ---------------------------------------------------------------------------------------------

    def save(self, session: StoredSession) -> Path:
        """Write the whole session atomically: temp file, fsync, rename, fsync the directory."""
        path = self.path(session.id)
        self._ensure_dir()
        doc = session.to_json()
        doc["mac"] = self._sign(doc, create=True)
        data = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=f".{session.id}.", suffix=".tmp", dir=self.root)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(self.root)
        return path

    def lock(self, session_id: str) -> IO[bytes]:
        """Hold the session for one process until the returned file is closed (or the process dies):
        two `ask --session ID` at once would each save a history without the other's turn."""
        self.path(session_id)
        try:
            self._ensure_dir()
            # Held past this function on purpose: the caller closes it when the session ends.
            fh = open(os.open(self.root / f".{session_id}.lock", os.O_RDWR | os.O_CREAT, 0o600), "r+b")  # noqa: SIM115
        except OSError as exc:
            raise SessionError(f"cannot lock session {session_id} in {self.root}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise SessionError(f"session {session_id} is in use by another aiops (ask or chat)",
                               hint="wait for it to finish, or start a new session") from None
        return fh

    def remove(self, session_id: str) -> Path:
        """Delete a session's file, whether or not it verifies (a tampered file must be removable)."""
        path = self.path(session_id)
        try:
            path.unlink()
        except FileNotFoundError:
            raise SessionError(f"no saved session {session_id}", hint="`aiops sessions list` shows them") from None
        with contextlib.suppress(FileNotFoundError):
            (self.root / f".{session_id}.lock").unlink()
        _fsync_dir(self.root)
        return path

    def _ensure_dir(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        if stat.S_IMODE(self.root.stat().st_mode) != 0o700:
            os.chmod(self.root, 0o700)  # ours: conversations about a cluster are nobody else's business

    # -- the key ---------------------------------------------------------------------------------------------

    def _sign(self, doc: dict[str, Any], *, create: bool) -> str:
        body = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return hmac.new(self._key(create=create), body, hashlib.sha256).hexdigest()

    def _key(self, *, create: bool) -> bytes:
        try:
            return self._read_key()
        except FileNotFoundError:
            if not create:
                raise SessionError(f"the session key {self.key_file} is missing, so no saved session can be "
                                   "verified", hint="sessions saved from now on get a new key") from None
        self.key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".sessions.key.", dir=self.key_file.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            # link() fails if another process made the key first: then both use that one.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, self.key_file)
        finally:
            os.unlink(tmp)
        return self._read_key()

    def _read_key(self) -> bytes:
        fd = os.open(self.key_file, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd) as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if stat.S_IMODE(mode) & 0o077:
                raise SessionError(f"the session key {self.key_file} is readable by others, so anyone could "
                                   "forge a session", hint=f"chmod 600 {self.key_file}")
            text = fh.read().strip()
        if len(text) < 32:
            raise SessionError(f"the session key {self.key_file} is too short or empty",
                               hint="remove it; sessions saved from now on get a new key")
        return text.encode("ascii", "replace")


def _from_json(doc: dict[str, Any], refuse: str) -> StoredSession:
    """Checked field by field even after the signature matched: a bug or an old writer must not hand the
    model a malformed history."""

    def text(key: str, *, optional: bool = False) -> Any:
        value = doc.get(key)
        if (value is None and optional) or isinstance(value, str):
            return value
        raise SessionError(f"{refuse}: {key!r} is {type(value).__name__}, expected text")

    history = doc.get("history")
    if not isinstance(history, list):
        raise SessionError(f"{refuse}: 'history' is not a list")
    return StoredSession(id=text("id"), created=text("created"), updated=text("updated"), source=text("source"),
                         context=text("context", optional=True), namespace=text("namespace"),
                         model=text("model", optional=True), tainted_by=text("tainted_by", optional=True),
                         history=[_message(m, i, refuse) for i, m in enumerate(history)])


def _message(message: Any, index: int, refuse: str) -> dict[str, Any]:
    where = f"{refuse}: history[{index}]"
    if not isinstance(message, dict) or message.get("role") not in _ROLES:
        raise SessionError(f"{where} is not a user, assistant or tool message")
    role = message["role"]
    content = message.get("content")
    if not (isinstance(content, str) or (content is None and role == "assistant")):
        raise SessionError(f"{where}: content is not text")
    if role == "tool" and not isinstance(message.get("tool_call_id"), str):
        raise SessionError(f"{where}: a tool result without its call's id")
    for call in message.get("tool_calls") or ():
        function = call.get("function") if isinstance(call, dict) else None
        if not (isinstance(function, dict) and isinstance(call.get("id"), str)
                and isinstance(function.get("name"), str) and isinstance(function.get("arguments"), str)):
            raise SessionError(f"{where}: a malformed tool call")
    return {k: message[k] for k in _KEEP[role] if k in message}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
