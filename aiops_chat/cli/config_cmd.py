"""`aiops config show|check|trust|untrust`."""

from __future__ import annotations

import argparse
import json
import sys

from aiops_chat.cli.examples import add_examples


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("config", help="show, check or trust the configuration",
                            description="The configuration is read from --config PATH or $AIOPS_CONFIG, else "
                            "from $XDG_CONFIG_HOME/aiops/config.toml and, once you trust it, ./aiops.toml "
                            "(which may only tighten the policy). See the README's Configuration section.")
    inner = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = inner.add_parser("show", help="print the effective configuration (secrets masked) and where each "
                            "key came from")
    show.add_argument("-o", "--output", choices=("toml", "json"), default="toml")
    add_examples(parser, "aiops config show", "aiops config check", "aiops config trust ./aiops.toml")
    show.set_defaults(handler=run_show)
    check = inner.add_parser("check", help="validate the configuration; exit 2 naming the bad file and key")
    check.set_defaults(handler=run_check)
    trust = inner.add_parser("trust", help="use a working-directory aiops.toml (after you have read it)",
                             description="Records the file's absolute path and SHA-256, as direnv allow does: "
                             "editing the file makes it untrusted again. A trusted working-directory file "
                             "still may only tighten the policy; the file is checked before it is trusted.")
    trust.add_argument("path", nargs="?", default="aiops.toml", help="the file (default: ./aiops.toml)")
    trust.set_defaults(handler=run_trust)
    untrust = inner.add_parser("untrust", help="stop using a working-directory aiops.toml")
    untrust.add_argument("path", nargs="?", default="aiops.toml", help="the file (default: ./aiops.toml)")
    untrust.set_defaults(handler=run_untrust)


def run_show(args: argparse.Namespace) -> int:
    from aiops_chat.config import load_config, masked
    from aiops_chat.safe_text import visible

    data = masked(load_config(args.config))
    if args.output == "json":
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    effective = data.pop("effective")
    origins = data.pop("origins")
    for key, value in effective.items():
        print(visible(f"# {key}: {', '.join(value) if isinstance(value, list) else value}"))  # paths from a file
    for section, values in data.items():
        print(f"\n[{section}]")
        for key, value in values.items():
            print(f"{key} = {json.dumps(value, ensure_ascii=False)}  # {origins[f'{section}.{key}']}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from aiops_chat.config import load_config

    cfg = load_config(args.config)  # raises ConfigError naming file and key
    if not cfg.files:
        print("ok: no config file found; built-in defaults", file=sys.stderr)
    for path in cfg.files:
        print(f"ok: {path}")
    return 0


def run_trust(args: argparse.Namespace) -> int:
    from pathlib import Path

    from aiops_chat.config import ProjectFile, trust_store
    from aiops_chat.config.load import check_project_file
    from aiops_chat.errors import UsageError

    path = Path(args.path).expanduser()
    if not path.is_file():
        raise UsageError(f"{path}: no such file", hint="run it in the directory holding aiops.toml, or give its path")
    project = ProjectFile.read(path)
    # A file that would be refused once trusted is not recorded (the error names the file and the key).
    layer = check_project_file(project)
    trust_store().trust(project.path, project.sha256)
    keys = ", ".join(sorted(layer.values)) or "nothing"
    print(f"trusted {project.path} (sha256 {project.sha256[:16]}…); it sets: {keys}")
    print("aiops: editing the file makes it untrusted again; `aiops config untrust` forgets it", file=sys.stderr)
    return 0


def run_untrust(args: argparse.Namespace) -> int:
    from pathlib import Path

    from aiops_chat.config import trust_store

    path = Path(args.path).expanduser().resolve()
    if trust_store().untrust(path):
        print(f"untrusted {path}")
    else:
        print(f"{path} was not trusted", file=sys.stderr)
    return 0
