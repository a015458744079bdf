"""`aiops audit show|verify`."""

from __future__ import annotations

import argparse
import json
import sys

from aiops_chat.cli.examples import add_examples


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("audit", help="read or verify the tamper-evident audit log")
    parser.add_argument("--file", metavar="PATH", help="audit log to read (default: from config)")
    inner = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    show = inner.add_parser("show", help="print entries")
    show.add_argument("--tail", type=int, default=20, metavar="N", help="last N entries (0 = all)")
    show.add_argument("--output", choices=("text", "json"), default="text")
    add_examples(parser, "aiops audit show", "aiops audit show --tail 0 --output json", "aiops audit verify")
    show.set_defaults(handler=run_show)
    verify = inner.add_parser("verify", help="check the hash chain; exit 1 if it is broken")
    verify.add_argument("--output", choices=("text", "json"), default="text")
    verify.set_defaults(handler=run_verify)


def _log(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from aiops_chat.audit import AuditLog
    from aiops_chat.config import load_config

    return AuditLog(args.file or load_config(args.config).audit_path)


def run_show(args: argparse.Namespace) -> int:
    entries = list(_log(args).read())
    if args.tail:
        entries = entries[-args.tail:]
    for e in entries:
        if args.output == "json":
            print(json.dumps(e, ensure_ascii=False))
            continue
        argv = " ".join(e.get("argv") or [])
        outcome = ""
        if e.get("event") == "execution":
            outcome = f" exit={e.get('exit_code')} {e.get('duration_s')}s"
            if e.get("error"):
                outcome += f" ({e['error']})"
        elif e.get("approver"):
            outcome = f" by {e['approver']}" + ("" if e.get("approved", True) else " (refused)")
        print(f"{e.get('seq'):>5} {e.get('time')} {e.get('source', '-'):<4} {e.get('event', '-'):<9} "
              f"{e.get('decision', '-'):<7} {e.get('context') or '-'}/{e.get('namespace') or '-'} {argv}{outcome}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    log = _log(args)
    report = log.verify()
    if args.output == "json":
        print(json.dumps({"path": str(log.path), **report.to_dict()}))
    else:
        state = "intact" if report.ok else "BROKEN"
        print(f"{log.path}: {report.entries} entries, chain {state}")
        for problem in report.problems:
            print(f"  - {problem}", file=sys.stderr)
    return 0 if report.ok else 1
