"""`aiops chat`: the terminal chat (Textual). Plain `aiops` in a terminal opens it too (see main.py).

Only the standard library at top level: textual, openai and kubernetes load inside the handler.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aiops_chat.cli.examples import add_examples
from aiops_chat.errors import UsageError


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
    parser.add_argument("--resume", nargs="?", const="", metavar="ID",
                        help="continue a saved conversation (default: the last one; see `aiops sessions list`)")
    parser.add_argument("--export-dir", metavar="DIR", help="where /export writes (default: current directory)")
    add_examples(parser, "aiops chat", "aiops chat --demo                   # health panel (f2) on the demo snapshot", "aiops --context dev -n shop chat --offline")
    parser.set_defaults(handler=run_chat)


def run_chat(args: argparse.Namespace) -> int:
    from aiops_chat.config import load_config

    cfg = load_config(args.config)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("aiops chat needs a terminal", hint='for scripts use: aiops ask "QUESTION"')
    from aiops_chat.cli.sessions_cmd import store_for
    from aiops_chat.tui.launch import build_app

    store = store_for(cfg)
    resume = args.resume
    if resume == "" and store is not None:
        resume = store.latest()
        if resume is None:
            raise UsageError("no saved session to resume", hint="start one with: aiops chat")
    app = build_app(cfg, context=args.context, namespace=args.namespace, offline=args.offline,
                    dry_run=args.dry_run, demo=args.demo, snapshot=Path(args.snapshot) if args.snapshot else None,
                    export_dir=Path(args.export_dir).expanduser() if args.export_dir else None,
                    store=store, resume=resume)
    app.run()
    return int(app.return_code or 0)
