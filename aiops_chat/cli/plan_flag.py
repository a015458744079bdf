"""`--plan` for `aiops ask` and `aiops chat`, and `--dry-run` as its deprecated alias there.

`--dry-run` means one thing in aiops, as in kubectl: nothing changes on the cluster (`aiops run --dry-run`
shows a write's server dry run and stops). ask and chat had used it for something stricter, planning
without running anything, not even reads; that mode is named for what it does. The alias still works so
scripts keep running, and says once on stderr what to type instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

PLAN_HELP = "plan only: show the commands the answer would run, run none of them (not even reads)"


class _DeprecatedDryRun(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        command = parser.prog.split()[-1]
        print(f"aiops: `{command} --dry-run` is now `{command} --plan` (plan only, nothing runs); --dry-run "
              "still works here for now", file=sys.stderr)
        setattr(namespace, self.dest, True)


def add_plan_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plan", action="store_true", help=PLAN_HELP)
    parser.add_argument("--dry-run", dest="plan", action=_DeprecatedDryRun, default=False,
                        help="deprecated: the old name of --plan")
