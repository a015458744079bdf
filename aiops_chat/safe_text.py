"""Text from a cluster, a model or a log made safe to put on a terminal.

Anything a workload or a model wrote may carry control sequences: an OSC 52 clipboard write, `ESC[8m`
hidden text, OSC 8 links, cursor moves that overwrite the line above. Every C0 and C1 control except
newline and tab is shown as a visible escape (`\\x1b`, `\\x9b`, ...) instead of being sent to the terminal;
so are the Unicode bidirectional overrides and isolates, which make a terminal (or the TUI) show the
characters of an argv in another order than they run ("Trojan Source"). So are lone surrogates (U+D800-DFFF):
an argv byte that is not UTF-8 arrives as one (Python's surrogateescape), and so does a model's JSON
`"\\udc9b"`; printed, it is either the raw byte again (0x9b, a C1 CSI to an 8-bit terminal) or, on a strict
UTF-8 stdout, a UnicodeEncodeError that ends `aiops audit show` for good. A CRLF line ending, common in
logs, prints as a plain newline (the carriage return right before a newline moves nothing anyone sees);
a bare carriage return, which rewrites the start of a line, is shown.

Neither Rich nor Textual does this for us: `rich.text.Text` drops only BEL, BS, VT, FF and CR, and passes
ESC and the C1 controls through to the terminal (tests/security/test_terminal_escapes.py checks both).
"""

from __future__ import annotations

import re

# C0 (minus \t and \n), DEL, C1; the bidi embeddings/overrides (U+202A-202E), isolates (U+2066-2069) and
# marks (U+200E, U+200F, U+061C); lone surrogates (U+D800-DFFF). A CRLF pair is matched first so it can print
# as a newline.
_CONTROLS = re.compile("\r\n|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# In JSON text these can only stand inside strings, where \\uXXXX is their valid spelling.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def visible(text: str) -> str:
    """`text` with every control character but newline and tab spelled out; linear in len(text)."""
    return _CONTROLS.sub(_spell, text)


def json_visible(json_text: str) -> str:
    """JSON text (from json.dumps with ensure_ascii=False, which keeps DEL, C1 and bidi controls raw) with
    those spelled as \\u escapes: still the same JSON, and safe on a terminal."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


def _spell(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\r\n":
        return "\n"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
