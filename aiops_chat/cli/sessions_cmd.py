"""`aiops sessions list|show|export|rm`: the saved conversations of `aiops ask` and `aiops chat`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING, Any

from aiops_chat.safe_text import json_visible, visible

if TYPE_CHECKING:
    from aiops_chat.config import Config
    from aiops_chat.sessions.store import SessionStore, StoredSession


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "sessions", help="list, show, export or remove saved conversations",
        description="Every `aiops ask` and `aiops chat` conversation is saved (redacted, as the model saw it) "
        "under $XDG_STATE_HOME/aiops/sessions/. Continue one with `aiops ask --session ID \"...\"` or "
        "`aiops chat --resume [ID]`. An id may be shortened to any unique prefix.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="saved sessions, the last used first")
    listing.add_argument("-o", "--output", choices=("table", "json"), default="table")
    listing.set_defaults(handler=run_list)
    for name, helptext, handler in (("show", "the conversation, as text", run_show),
                                    ("export", "the conversation as Markdown (or JSON with -o json)", run_export),
                                    ("rm", "remove a saved session", run_rm)):
        action = actions.add_parser(name, help=helptext)
        action.add_argument("id", help="session id (or a unique prefix)")
        if name == "export":
            action.add_argument("-o", "--output", choices=("markdown", "json"), default="markdown")
        action.set_defaults(handler=handler)
    prune = actions.add_parser("prune", help="remove sessions not used for a while",
                               description="Removes saved sessions last used longer ago than --older-than, "
                               "keeping the --keep newest whatever their age and any session a running aiops "
                               "holds. Example: aiops sessions prune --older-than 30d --keep 20")
    prune.add_argument("--older-than", type=_age, default=_age("30d"), metavar="AGE",
                       help="an age: 30d (the default), 12h, 90m; a bare number is days")
    prune.add_argument("--keep", type=int, default=0, metavar="N", help="never remove the N newest (default 0)")
    prune.add_argument("--dry-run", action="store_true", help="say what would be removed, remove nothing")
    prune.set_defaults(handler=run_prune)


def _age(text: str) -> float:
    """Seconds in "30d", "12h", "90m" or "7" (days)."""
    units = {"d": 86400, "h": 3600, "m": 60}
    number, unit = (text[:-1], text[-1]) if text[-1:] in units else (text, "d")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an age like 30d, 12h or 90m") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: an age cannot be negative")
    return value * units[unit]


def store_for(cfg: Config) -> SessionStore | None:
    """Where sessions are saved; None when there is no state directory (then nothing is saved)."""
    from pathlib import Path

    from aiops_chat.sessions.store import SessionStore

    return SessionStore(Path(cfg.runtime.state_dir) / "sessions") if cfg.runtime.state_dir else None


def _store(args: argparse.Namespace) -> SessionStore:
    from aiops_chat.config import load_config
    from aiops_chat.errors import UsageError

    store = store_for(load_config(args.config))
    if store is None:
        raise UsageError("no state directory: set XDG_STATE_HOME or HOME")
    return store


def run_list(args: argparse.Namespace) -> int:
    from aiops_chat.errors import AiopsError

    store = _store(args)
    rows: list[dict[str, Any]] = []
    for session_id in store.ids():
        try:
            s = store.load(session_id)
            rows.append({"id": s.id, "updated": _when(s.updated), "turns": s.turns, "source": s.source,
                         "context": s.context, "namespace": s.namespace, "title": s.title})
        except AiopsError as exc:  # listed, never loaded: the reason is the row
            rows.append({"id": session_id, "problem": str(exc)})
    if args.output == "json":
        print(json_visible(json.dumps(rows, indent=2, ensure_ascii=False)))
        return 0
    if not rows:
        print("no saved sessions", file=sys.stderr)
    for row in rows:
        if "problem" in row:
            print(visible(f"{row['id']}  REFUSED: {row['problem']}"))
        else:
            print(visible(f"{row['id']}  {row['updated']}  {row['turns']:>3} turns  {row['source']:<4} "
                          f"{row['context'] or '-'}/{row['namespace']}  {row['title']}"))
    return 0


def run_show(args: argparse.Namespace) -> int:
    session = _store(args).load(args.id)
    for message in session.history:
        role, content = message.get("role"), message.get("content") or ""
        if role == "assistant" and message.get("tool_calls"):
            for call in message["tool_calls"]:
                fn = call.get("function", {})
                print(visible(f"[tool call] {fn.get('name')} {fn.get('arguments')}"))
        if content:
            print(visible(f"[{role}] {content}"))
    return 0


def run_export(args: argparse.Namespace) -> int:
    session = _store(args).load(args.id)
    if args.output == "json":
        print(json_visible(json.dumps(session.body(), indent=2, ensure_ascii=False)))
        return 0
    sys.stdout.write(as_markdown(session))
    return 0


def run_prune(args: argparse.Namespace) -> int:
    from aiops_chat.errors import UsageError

    if args.keep < 0:
        raise UsageError("--keep must be 0 or more")
    gone = _store(args).prune(older_than_s=args.older_than, keep=args.keep, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for session_id in gone:
        print(session_id)
    print(f"{verb} {len(gone)} session(s)", file=sys.stderr)
    return 0


def run_rm(args: argparse.Namespace) -> int:
    path = _store(args).remove(args.id)
    print(f"removed {path}", file=sys.stderr)
    return 0


def as_markdown(session: StoredSession) -> str:
    lines = [f"# aiops session {session.id}", "",
             f"{session.source}, context {session.context or '(default)'}, namespace {session.namespace}, "
             f"last used {_when(session.updated)}", ""]
    for message in session.history:
        role, content = message.get("role"), message.get("content") or ""
        if role == "user":
            lines += [f"**You:** {content}", ""]
        elif role == "assistant":
            for call in message.get("tool_calls") or []:
                fn = call.get("function", {})
                lines += [f"- tool `{fn.get('name')}` `{fn.get('arguments')}`"]
            if content:
                lines += ["", str(content), ""]
        elif role == "tool":
            lines += ["", "```text", str(content).replace("```", "`\u200b``"), "```", ""]
    return visible("\n".join(lines)) + "\n"


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))
