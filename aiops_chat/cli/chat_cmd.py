"""`aiops chat`: the terminal chat (Textual). Plain `aiops` in a terminal opens it too (see main.py).

Only the standard library at top level: textual, openai and kubernetes load inside the handler.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from aiops_chat.errors import UsageError

if TYPE_CHECKING:
    from aiops_chat.config import Config
    from aiops_chat.sessions import SessionJournal, StoredSession


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "chat", help="open the terminal chat: ask, see every command, approve or refuse it",
        description="The interactive assistant. Every command is shown before it runs; writes wait for your "
        "approval (destructive ones for you to type the object's name); /help lists commands.")
    parser.add_argument("--offline", action="store_true", help="no language model: kubectl-ai or the built-in planner")
    parser.add_argument("--dry-run", action="store_true", help="plan commands without executing anything")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--demo", action="store_true", help="health panel on the built-in demo snapshot")
    source.add_argument("--snapshot", metavar="FILE", help="health panel on a saved `kubectl get -o yaml|json` file")
    parser.add_argument("--resume", nargs="?", const="", default=None, metavar="ID",
                        help="continue a saved session (default: the latest; see `aiops sessions list`). Its "
                             "history comes back; approvals do not")
    parser.add_argument("--export-dir", metavar="DIR", help="where /export writes (default: current directory)")
    parser.set_defaults(handler=run_chat)


def run_chat(args: argparse.Namespace) -> int:
    from aiops_chat.config import load_config

    cfg = load_config(args.config)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("aiops chat needs a terminal", hint='for scripts use: aiops ask "QUESTION"')
    journal, resume = _open_session(cfg, args.resume)
    from aiops_chat.tui.launch import build_app

    app = build_app(cfg, context=args.context, namespace=args.namespace, offline=args.offline,
                    dry_run=args.dry_run, demo=args.demo, snapshot=Path(args.snapshot) if args.snapshot else None,
                    export_dir=Path(args.export_dir).expanduser() if args.export_dir else None,
                    journal=journal, resume=resume)
    app.run()
    if journal.store.path(journal.id).exists():  # nothing is saved before the first turn
        print(f"aiops: session {journal.id} saved (continue with: aiops chat --resume {journal.id})", file=sys.stderr)
    return int(app.return_code or 0)


def _open_session(cfg: Config, given: str | None) -> tuple[SessionJournal, StoredSession | None]:
    """The session to save into: a new one, or (--resume) the given or latest saved one, verified."""
    from aiops_chat.sessions import SessionJournal, SessionStore

    store = SessionStore.for_config(cfg)
    if given is None:
        return SessionJournal(store), None
    session_id = store.resolve(given) if given else store.latest()
    if session_id is None:
        raise UsageError(f"no saved session to resume in {store.root}", hint="start one with: aiops chat")
    return SessionJournal.continuing(store, session_id)
