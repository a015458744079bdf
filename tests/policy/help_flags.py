"""Read the flag tables of the real kubectl and helm binaries from their --help output.

Used by test_flag_tables.py to check that the policy's hand-kept tables still match the installed
binaries (a flag that changed from boolean to value-taking would make the policy misread positionals),
and runnable as a script to print a table entry when a command is added to the policy.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence

# kubectl's own help template: "    -n, --namespace='':" / "    --all=false:" (booleans are unquoted true/false).
_KUBECTL_FLAG = re.compile(r"^\s+(?:-(?P<short>\w), )?--(?P<long>[\w-]+)=(?P<default>.*):$")
# pflag's template used by helm: "  -n, --namespace string   ..." / "      --atomic   ..." / "--dry-run string[=\"client\"]".
_HELM_FLAG = re.compile(r"^\s+(?:-(?P<short>\w), )?--(?P<long>[\w-]+)(?: (?P<type>\w+)(?P<opt>\[=[^\]]*\])?)?(?:\s{2,}|$)")

# kubectl declares these with a NoOptDefVal, which its help template does not show.
KUBECTL_OPTIONAL_VALUE = frozenset({"dry-run", "validate", "cascade"})


def _help(argv: Sequence[str]) -> str:
    proc = subprocess.run([*argv, "--help"], capture_output=True, text=True, timeout=30, check=False)
    return proc.stdout


def kubectl_flags(kubectl: str, path: Sequence[str]) -> dict[str, tuple[str | None, str]]:
    """Map long flag name -> (short, kind) where kind is "bool", "value" or "optional"."""
    text = _help([kubectl, *path]) if path else subprocess.run(
        [kubectl, "options"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    out: dict[str, tuple[str | None, str]] = {}
    for line in text.splitlines():
        m = _KUBECTL_FLAG.match(line)
        if not m:
            continue
        long = m["long"]
        if long in KUBECTL_OPTIONAL_VALUE:
            kind = "optional"
        elif m["default"] in ("true", "false"):
            kind = "bool"
        else:
            kind = "value"
        out[long] = (m["short"], kind)
    return out


def helm_flags(helm: str, path: Sequence[str]) -> dict[str, tuple[str | None, str]]:
    out: dict[str, tuple[str | None, str]] = {}
    for line in _help([helm, *path]).splitlines():
        m = _HELM_FLAG.match(line)
        if not m:
            continue
        if m["type"] is None:
            kind = "bool"
        elif m["opt"]:
            kind = "optional"
        else:
            kind = "value"
        out[m["long"]] = (m["short"], kind)
    return out


def to_spec(flags: dict[str, tuple[str | None, str]], exclude: frozenset[str] = frozenset()) -> str:
    """Render flags in the policy's table notation: `x|name=` value, `name?` optional value, `name` boolean."""
    parts = []
    for long, (short, kind) in sorted(flags.items()):
        if long in exclude:
            continue
        suffix = {"bool": "", "value": "=", "optional": "?"}[kind]
        parts.append(f"{short}|{long}{suffix}" if short else f"{long}{suffix}")
    return " ".join(parts)


if __name__ == "__main__":
    binary, *cmd = sys.argv[1:]
    reader = helm_flags if binary.endswith("helm") else kubectl_flags
    print(to_spec(reader(binary, cmd)))
