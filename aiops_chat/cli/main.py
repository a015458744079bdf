"""Entry point for `aiops` and `kubectl-aiops`.

Command modules are listed explicitly; each registers its own sub-parser. They import only the standard
library and light aiops modules at top level, so `aiops --help` and `aiops --version` stay fast.

The global options (--config, --context, -n, -v, --model, and -o where a command has an output format) work
before or after the command, as kubectl's do: every sub-parser is given them with a SUPPRESS default, so a
value given in either place survives and the one after the command wins.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from aiops_chat import __version__, exit_codes
from aiops_chat.errors import AiopsError
from aiops_chat.safe_text import visible

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
    "aiops_chat.cli.completion_cmd",
    "aiops_chat.cli.mcp_cmd",
    "aiops_chat.cli.sessions_cmd",
    "aiops_chat.cli.eval_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiops",
        description="Conversational AIOps for Kubernetes: whitelisted kubectl/helm actions, health analysis, "
        "and the TaskFlow deployment workflow.",
    )
    parser.add_argument("--version", action="version", version=f"aiops-chat {__version__}")
    for flags, options in GLOBAL_OPTIONS:
        parser.add_argument(*flags, **options)
    parser.add_argument("-o", "--output", metavar="FORMAT", default=argparse.SUPPRESS,
                        help="output format, for the commands that have one (see COMMAND --help)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for child in _subparsers(parser):
        _accept_global_options(child)
    parser.set_defaults(commands=frozenset(sub.choices))
    return parser


# (flags, argparse options) of the options every command accepts, before or after its name.
GLOBAL_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("--config",), {"metavar": "PATH", "help": "config file (default: $AIOPS_CONFIG, else "
                     "$XDG_CONFIG_HOME/aiops/config.toml plus a trusted ./aiops.toml)"}),
    (("--context",), {"metavar": "NAME", "help": "kube context to act on (default: kubeconfig's current)"}),
    (("-n", "--namespace"), {"metavar": "NS", "help": "namespace to act on"}),
    (("-v", "--verbose"), {"action": "store_true", "help": "more diagnostics on stderr"}),
    (("--model",), {"metavar": "NAME", "help": "the model for this call (default: $AIOPS_MODEL, else [llm] model)"}),
)


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every parser below this one, depth first."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):  # aliases map to the same parser
                found += [child, *_subparsers(child)]
    return found


def _accept_global_options(parser: argparse.ArgumentParser) -> None:
    known = parser._option_string_actions
    group = None
    for flags, options in GLOBAL_OPTIONS:
        for flag in flags:
            if flag in known:  # the command declares it itself: it must not reset the global value
                known[flag].default = argparse.SUPPRESS
        missing = [flag for flag in flags if flag not in known]
        if missing:
            group = group or parser.add_argument_group("global options (also accepted before the command)")
            dest = flags[-1].lstrip("-").replace("-", "_")
            group.add_argument(*missing, **{**options, "dest": dest, "default": argparse.SUPPRESS})
    output = next((a for a in parser._actions if a.dest == "output" and a.option_strings), None)
    if output is not None:
        # The command's own default would overwrite `aiops -o json COMMAND`; it is applied after parsing.
        parser.set_defaults(_output_spec=(output.default, output.choices))
        output.default = argparse.SUPPRESS
        if "-o" not in known:
            parser.add_argument("-o", dest="output", choices=output.choices, default=argparse.SUPPRESS,
                                help=argparse.SUPPRESS)


def _settle_output(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    spec = vars(args).pop("_output_spec", None)
    if spec is None:
        if hasattr(args, "output") and getattr(args, "handler", None) is not None:
            parser.error(f"aiops {args.command} has no -o/--output option")
        return
    default, choices = spec
    if not hasattr(args, "output"):
        args.output = default
    elif choices is not None and args.output not in choices:
        parser.error(f"argument -o/--output: invalid choice: {args.output!r} "
                     f"(choose from {', '.join(map(str, choices))})")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--version"]:  # the commonest probe; skip loading every command's parser
        print(f"aiops-chat {__version__}")
        return 0
    parser = build_parser()
    args = parser.parse_args(args_list)
    _settle_output(parser, args)
    # The command modules pass args.config to load_config; it carries the per-call overrides with it.
    from aiops_chat.config.load import ConfigRequest

    args.config = ConfigRequest(path=args.config, model=args.model)
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
        print(visible(f"aiops: {exc.title}: {exc}"), file=sys.stderr)
        return exit_codes.for_error(exc)
    except KeyboardInterrupt:
        print("aiops: interrupted", file=sys.stderr)
        return exit_codes.INTERRUPTED
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
