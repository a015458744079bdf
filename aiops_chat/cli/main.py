"""Entry point for `aiops` and `kubectl-aiops`.

Command modules are listed explicitly; each registers its own sub-parser. They import only the standard
library and light aiops modules at top level, so `aiops --help` and `aiops --version` stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from aiops_chat import __version__
from aiops_chat.errors import AiopsError

COMMAND_MODULES: tuple[str, ...] = (
    "aiops_chat.cli.config_cmd",
    "aiops_chat.cli.policy_cmd",
    "aiops_chat.cli.run_cmd",
    "aiops_chat.cli.audit_cmd",
    "aiops_chat.cli.analyze_cmd",
    "aiops_chat.cli.snapshot_cmd",
    "aiops_chat.cli.ask_cmd",
    "aiops_chat.cli.chat_cmd",
    "aiops_chat.cli.workflow_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiops",
        description="Conversational AIOps for Kubernetes: whitelisted kubectl/helm actions, health analysis, "
        "and the TaskFlow deployment workflow.",
    )
    parser.add_argument("--version", action="version", version=f"aiops-chat {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file (default: $AIOPS_CONFIG, ./aiops.toml, "
                        "$XDG_CONFIG_HOME/aiops/config.toml)")
    parser.add_argument("--context", metavar="NAME", help="kube context to act on (default: kubeconfig's current)")
    parser.add_argument("-n", "--namespace", metavar="NS", help="namespace to act on")
    parser.add_argument("-v", "--verbose", action="store_true", help="more diagnostics on stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    parser.set_defaults(commands=frozenset(sub.choices))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--version"]:  # the commonest probe; skip loading every command's parser
        print(f"aiops-chat {__version__}")
        return 0
    parser = build_parser()
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:
        # Plain `aiops` in a terminal means the chat, as `llm` and `harlequin` open their main screen.
        if not args_list and "chat" in args.commands and sys.stdin.isatty() and sys.stdout.isatty():
            return main(["chat"])
        parser.print_help()
        return 0
    try:
        return int(handler(args))
    except AiopsError as exc:
        print(f"aiops: {exc.title}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aiops: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
