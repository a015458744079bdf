"""Checks on single argv tokens that hold for every binary: shell metacharacters, invisible characters,
names that must be DNS labels, URLs.

Nothing here runs a shell, but an argv is also shown to a person for approval and written to the audit
log; a token that would mean something to a shell, or that hides text from the reader, is refused.
"""

from __future__ import annotations

import re
import unicodedata

from aiops_chat.policy.refusal import Refusal

# `$` alone (not only `$(`) because `${VAR}`, `$VAR` are as shell-shaped as `$(...)`; C0 controls and DEL
# include newline, carriage return, NUL and the ESC of terminal escape sequences.
_SHELL_META = re.compile(r"[;|&$`<>\x00-\x1f\x7f]")
# Format (bidi overrides, zero-width), line/paragraph separators, surrogates, private use, unassigned.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_DNS_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?\Z")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")

_META_NAMES = {";": "a semicolon", "|": "a pipe", "&": "an ampersand", "$": "a dollar sign", "`": "a backtick",
               "<": "a redirection", ">": "a redirection", "\n": "a newline", "\r": "a carriage return",
               "\x00": "a NUL byte"}


def check_token(token: object, position: int) -> str:
    if not isinstance(token, str):
        raise Refusal(f"argument {position} is not text")
    if token == "":
        raise Refusal(f"argument {position} is empty, which the policy treats as ambiguous")
    bad = _SHELL_META.search(token)
    if bad:
        what = _META_NAMES.get(bad.group(), "a control character")
        raise Refusal(f"argument {position} contains {what}, a shell metacharacter; commands never go through a shell")
    if not token.isascii():
        for ch in token:
            if unicodedata.category(ch) in _HIDDEN_CATEGORIES:
                raise Refusal(f"argument {position} contains the invisible character U+{ord(ch):04X}, "
                              "which could hide what the command does")
    return token


def is_dns_label(name: str) -> bool:
    return _DNS_LABEL.match(name) is not None


def is_url(value: str) -> bool:
    return _URL.match(value) is not None
