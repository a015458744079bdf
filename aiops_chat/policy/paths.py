"""Local files a command would read: they must live under the session's working directory.

Paths are resolved the way the binary will see them (relative to the working directory, where the
executor starts it), with `..` and symlinks followed, so `../x.yaml` or a symlink pointing out is caught.
A manifest directory is walked, because kubectl follows symlinked files inside it.
"""

from __future__ import annotations

import os
from pathlib import Path

# What the files hold is read by manifest_scan; scan_manifest_text is re-exported for older callers.
from aiops_chat.policy.manifest_scan import scan_manifest_text as scan_manifest_text
from aiops_chat.policy.refusal import Refusal
from aiops_chat.policy.tokens import is_url

_MAX_ENTRIES = 2000


def _real(path: str) -> str:
    return os.path.realpath(path)


def resolve_inside(value: str, workdir: Path, what: str) -> str:
    """The real path of ``value``; refused when it is a URL or lies outside ``workdir``."""
    if is_url(value):
        raise Refusal(f"{what} {value} is a URL; only files under the working directory are allowed")
    root = _real(str(workdir))
    real = _real(os.path.join(root, value))
    if not _inside(real, root):
        raise Refusal(f"{what} {value} is outside the working directory {root}")
    return real


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def manifest_files(value: str, workdir: Path, what: str = "-f") -> list[str]:
    """Every file kubectl would read for `-f value` (a file, or a directory walked), all checked."""
    real = resolve_inside(value, workdir, what)
    if not os.path.isdir(real):
        return [real]
    root = _real(str(workdir))
    files: list[str] = []
    for top, dirs, names in os.walk(real, followlinks=False):
        for name in [*dirs, *names]:
            entry = os.path.join(top, name)
            if not _inside(_real(entry), root):
                raise Refusal(f"{what} {value} holds {name}, a link to outside the working directory {root}")
            files.append(entry)
            if len(files) > _MAX_ENTRIES:
                raise Refusal(f"{what} {value} holds more than {_MAX_ENTRIES} entries, too many to check")
    return [f for f in files if os.path.isfile(f)]
