"""`aiops sessions list|show|export|rm`: the saved conversations (aiops_chat/sessions).

Only the standard library and light aiops modules load at top level, so `aiops --help` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiops_chat.exit_codes import FAILURE, OK
from aiops_chat.safe_text import json_visible, visible

if TYPE_CHECKING:
    from aiops_chat.sessions import SessionStore

EPILOG = """\
Every `aiops chat` and `aiops ask` turn is saved, redacted as the model saw it, one file per session under
$XDG_STATE_HOME/aiops/sessions/ (default ~/.local/state/aiops/sessions/; directory 0700, files 0600).
Each file is signed with a per-user key (sessions.key next to that directory): a file edited by hand is
refused, not trusted. Continue a session with `aiops chat --resume [ID]` or `aiops ask --session ID "..."`;
approvals are never carried over, each write asks again. ID may be any unique prefix of an id.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sessions", help="list, show, export or remove saved conversations",
                       description="The conversations `aiops chat` and `aiops ask` saved.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    ls = actions.add_parser("list", help="saved sessions, newest first")
    ls.add_argument("-o", "--output", choices=("text", "json"), default="text")
    ls.set_defaults(handler=run_list)
    show = actions.add_parser("show", help="print a session's conversation")
    show.add_argument("id", metavar="ID")
    show.set_defaults(handler=run_show)
    export = actions.add_parser("export", help="a session as Markdown (stdout, or --out FILE)")
    export.add_argument("id", metavar="ID")
    export.add_argument("--out", metavar="FILE", help="write here instead of standard output (not overwritten)")
    export.set_defaults(handler=run_export)
    rm = actions.add_parser("rm", help="delete a saved session (even one that no longer verifies)")
    rm.add_argument("ids", nargs="+", metavar="ID")
    rm.set_defaults(handler=run_rm)
    p.set_defaults(handler=lambda args: (p.print_help(), OK)[1])


def _store(args: argparse.Namespace) -> SessionStore:
    from aiops_chat.config import load_config
    from aiops_chat.sessions import SessionStore

    return SessionStore.for_config(load_config(args.config))


def run_list(args: argparse.Namespace) -> int:
    from aiops_chat.errors import SessionError

    store = _store(args)
    rows: list[dict[str, Any]] = []
    for session_id in sorted(store.ids(), key=lambda i: (store._mtime(i), i), reverse=True):
        try:
            s = store.load(session_id)
        except SessionError as exc:
            rows.append({"id": session_id, "error": exc.message})
            continue
        rows.append({"id": s.id, "updated": s.updated, "turns": s.turns, "context": s.context,
                     "namespace": s.namespace, "title": s.title})
    if args.output == "json":
        print(json_visible(json.dumps(rows, indent=2, ensure_ascii=False)))
        return OK
    if not rows:
        print(f"no saved sessions in {store.root}", file=sys.stderr)
        return OK
    print(f"{'ID':22}  {'UPDATED':20}  {'TURNS':>5}  {'CONTEXT':16}  FIRST QUESTION")
    for row in rows:
        if "error" in row:
            print(visible(f"{row['id']:22}  REFUSED: {row['error']}"))
        else:
            print(visible(f"{row['id']:22}  {row['updated']:20}  {row['turns']:>5}  "
                          f"{(row['context'] or '-')[:16]:16}  {row['title']}"))
    return OK


def run_show(args: argparse.Namespace) -> int:
    from aiops_chat.sessions.export import to_markdown

    store = _store(args)
    print(visible(to_markdown(store.load(store.resolve(args.id)))), end="")
    return OK


def run_export(args: argparse.Namespace) -> int:
    from aiops_chat.sessions.export import to_markdown

    store = _store(args)
    # Control characters a workload wrote are shown, not obeyed, in the file too (someone will `cat` it).
    text = visible(to_markdown(store.load(store.resolve(args.id))))
    if not args.out:
        print(text, end="")
        return OK
    out = Path(args.out).expanduser()
    try:
        with open(out, "x", encoding="utf-8") as fh:  # never overwrites: an export is often kept as evidence
            fh.write(text)
    except FileExistsError:
        print(f"aiops: {out} exists; choose another --out", file=sys.stderr)
        return FAILURE
    except OSError as exc:
        print(f"aiops: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return FAILURE
    print(f"exported {store.resolve(args.id)} to {out}", file=sys.stderr)
    return OK


def run_rm(args: argparse.Namespace) -> int:
    store = _store(args)
    for given in args.ids:
        session_id = store.resolve(given)
        store.remove(session_id)
        print(f"removed session {session_id}", file=sys.stderr)
    return OK
