"""Text from a cluster, a model or a log made safe to put on a terminal.

Anything a workload or a model wrote may carry control sequences: an OSC 52 clipboard write, `ESC[8m`
hidden text, OSC 8 links, cursor moves that overwrite the line above. Every C0 and C1 control except
newline and tab is shown as a visible escape (`\\x1b`, `\\x9b`, ...) instead of being sent to the terminal.
"""

from __future__ import annotations

import re

# C0 (minus \t and \n), DEL, C1. \r is included: a bare carriage return rewrites the start of a line.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """`text` with every control character but newline and tab spelled out; linear in len(text)."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
