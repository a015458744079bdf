"""Examples at the end of a command's --help, kept as written (argparse re-wraps an epilog otherwise)."""

from __future__ import annotations

import argparse

_HEADING = "examples:"


class _ExamplesFormatter(argparse.HelpFormatter):
    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith(_HEADING):
            return text  # one example per line, as typed
        return super()._fill_text(text, width, indent)


def add_examples(parser: argparse.ArgumentParser, *lines: str) -> None:
    """Show ``lines`` (commands, each optionally with a ``# comment``) under "examples:" in the help, after
    any epilog the parser already has (which is then kept as written too)."""
    examples = "\n".join([_HEADING, *(f"  {line}" for line in lines)])
    parser.epilog = f"{examples}\n\n{parser.epilog}" if parser.epilog else examples
    parser.formatter_class = _ExamplesFormatter
