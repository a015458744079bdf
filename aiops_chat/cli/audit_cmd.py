"""`aiops audit show|verify`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from aiops_chat.exit_codes import FAILURE, OK
from aiops_chat.safe_text import json_visible, visible

if TYPE_CHECKING:
    from aiops_chat.audit import AuditLog

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
    verify = inner.add_parser("verify", help="check the hash chain (and HMACs, with [audit] hmac_key_file); "
                                             "exit 1 if it is broken")
    verify.add_argument("--output", choices=("text", "json"), default="text")
    verify.set_defaults(handler=run_verify)


def _log(args: argparse.Namespace) -> AuditLog:
    from aiops_chat.audit import AuditLog
    from aiops_chat.config import load_config

    cfg = load_config(args.config)
    log = AuditLog.for_config(cfg)  # the key and head copy apply to a log named with --file too
    return AuditLog(args.file, key=log.key, head_copy=log.head_copy) if args.file else log


def run_show(args: argparse.Namespace) -> int:
    entries = list(_log(args).read())
    if args.tail:
        entries = entries[-args.tail:]
    for e in entries:
        if args.output == "json":
            print(json_visible(json.dumps(e, ensure_ascii=False)))  # C0 escaped by json, the rest by us
            continue
        print(visible(_line(e)))  # entries hold what models, clusters and logs wrote
    return OK


def _line(e: dict[str, Any]) -> str:
    def text(key: str, default: str = "-") -> str:
        value = e.get(key)
        return default if value is None or value == "" else str(value)

    argv = e.get("argv")
    shown = " ".join(str(a) for a in argv) if isinstance(argv, list) else text("argv", "")
    outcome = ""
    if e.get("event") == "execution":
        outcome = f" exit={text('exit_code', 'None')} {text('duration_s', 'None')}s"
        if e.get("error"):
            outcome += f" ({text('error')})"
    elif e.get("approver"):
        outcome = f" by {text('approver')}" + ("" if e.get("approved", True) else " (refused)")
    return (f"{text('seq'):>5} {text('time', 'None')} {text('source'):<4} {text('event'):<9} {text('decision'):<7} "
            f"{text('context')}/{text('namespace')} {shown}{outcome}")


def run_verify(args: argparse.Namespace) -> int:
    log = _log(args)
    report = log.verify()
    if args.output == "json":
        print(json.dumps({"path": str(log.path), **report.to_dict()}))
    else:
        state = "intact" if report.ok else "BROKEN"
        signed = "" if report.authenticated is None else f", {report.authenticated} authenticated by the key"
        print(visible(f"{log.path}: {report.entries} entries{signed}, chain {state}"))
        for problem in report.problems:
            print(visible(f"  - {problem}"), file=sys.stderr)
    return OK if report.ok else FAILURE
