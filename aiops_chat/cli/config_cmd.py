"""`aiops config show|check`."""

from __future__ import annotations

import argparse
import json
import sys

from aiops_chat.cli.examples import add_examples


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("config", help="show or check the configuration")
    inner = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = inner.add_parser("show", help="print the effective configuration (secrets masked)")
    show.add_argument("--output", choices=("toml", "json"), default="toml")
    add_examples(parser, "aiops config show", "aiops --config ./aiops.toml config check")
    show.set_defaults(handler=run_show)
    check = inner.add_parser("check", help="validate the configuration file; exit 2 naming the bad key")
    check.set_defaults(handler=run_check)


def run_show(args: argparse.Namespace) -> int:
    from aiops_chat.config import load_config, masked

    data = masked(load_config(args.config))
    if args.output == "json":
        print(json.dumps(data, indent=2))
        return 0
    effective = data.pop("effective")
    for key, value in effective.items():
        print(f"# {key}: {value}")
    for section, values in data.items():
        print(f"\n[{section}]")
        for key, value in values.items():
            print(f"{key} = {json.dumps(value)}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from aiops_chat.config import load_config

    cfg = load_config(args.config)  # raises ConfigError naming file and key
    where = cfg.source or "no config file found; built-in defaults"
    print(f"ok: {where}", file=sys.stderr if cfg.source is None else sys.stdout)
    return 0
