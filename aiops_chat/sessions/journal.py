"""Saving a live ChatSession after every turn, and starting one from a saved session.

The agent's session calls ``record`` when a turn has finished (answered, fallen back or cancelled); the
turn in flight is never on disk, so a crash loses at most that turn and a resumed history is always a
valid conversation (every tool call with its result).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from aiops_chat.sessions.store import SessionStore, StoredSession, new_id, now

if TYPE_CHECKING:
    from aiops_chat.agent.session import ChatSession
    from aiops_chat.config import Config


class SessionJournal:
    def __init__(self, store: SessionStore, *, session_id: str | None = None, created: str | None = None) -> None:
        self.store = store
        self.id = session_id or new_id()
        self.created = created or now()
        # A continued session is locked from the start (another process may have it open); a new id is ours.
        self._lock: IO[bytes] | None = store.lock(self.id) if session_id else None

    @classmethod
    def for_config(cls, cfg: Config) -> SessionJournal:
        return cls(SessionStore.for_config(cfg))

    @classmethod
    def continuing(cls, store: SessionStore, session_id: str) -> tuple[SessionJournal, StoredSession]:
        """Lock the saved session, then load it (in that order: nobody can save it in between)."""
        journal = cls(store, session_id=session_id)
        try:
            stored = store.load(session_id)
        except BaseException:
            journal.close()
            raise
        journal.created = stored.created
        return journal, stored

    def restart(self) -> None:
        """Save what follows as a new session (after /clear: the old conversation stays saved as it was).
        In place, so a front end holding this journal knows the id now in use."""
        self.close()
        self.id, self.created = new_id(), now()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def record(self, session: ChatSession) -> None:
        status = session.status
        stored = StoredSession(id=self.id, created=self.created, updated=now(), source=session.source,
                               context=status.context, namespace=status.namespace, model=status.model,
                               tainted_by=session.guard.tainted_by, history=_plain(session.history))
        self.store.save(stored)


def _plain(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy the JSON encoder can take whatever a client library left in a message."""
    import json

    return list(json.loads(json.dumps(history, default=str)))


def untrusted_source(history: list[dict[str, Any]]) -> str | None:
    """Why a stored history must taint the injection guard, or None.

    The guard decides trust per command as results arrive; a stored tool result no longer says which
    command produced it in a form we can re-check, so any tool output counts as text a workload may have
    written, as does an attached block (logs, files).
    """
    from aiops_chat.agent.attachments import split

    for message in history:
        if message.get("role") == "tool":
            return "tool output in the resumed session's history"
        if message.get("role") == "user" and split(message.get("content") or "")[1]:
            return "attached text in the resumed session's history"
    return None
