"""Saved conversations: every chat and ask turn on disk, resumable, tamper-evident (store.py), trimmed to
the model's context (trim.py), exportable as Markdown (export.py). Core code: no UI imports."""

from aiops_chat.sessions.journal import SessionJournal, untrusted_source
from aiops_chat.sessions.store import SessionStore, StoredSession
from aiops_chat.sessions.trim import HISTORY_TOKEN_BUDGET, TrimReport, fit_history

__all__ = ["HISTORY_TOKEN_BUDGET", "SessionJournal", "SessionStore", "StoredSession", "TrimReport", "fit_history",
           "untrusted_source"]
