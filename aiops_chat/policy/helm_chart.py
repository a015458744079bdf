"""A local Helm chart as helm will load it: every file checked to stay in the working directory, and
templates that call `lookup` found.

helm loads a chart directory following symlinks (sympath.Walk), so `templates/x.yaml -> ~/.kube/config`
or `files/key -> /etc/ssl/private/k.pem` would be rendered (or read through `.Files.Get`) into the output
of `helm template`. Every entry is resolved, as `-f` directories are, and a link leading out is refused.

`lookup` reads live objects, Secrets included, with the user's credentials whenever a chart is rendered
against the cluster (install, upgrade, a server dry run): a NOTES.txt can print a kube-system Secret into
`helm install`'s output, or a template can copy it into a ConfigMap the model may read later. The policy
looks for the word in every file of a local chart (templates, helpers, NOTES, values; archives and
subcharts included) and in the values given with -f/--set, since `tpl` renders values as templates.
"""

from __future__ import annotations

import io
import os
import re
import tarfile
import zlib
from pathlib import Path

from aiops_chat.policy.paths import resolve_inside
from aiops_chat.policy.refusal import Refusal

_MAX_ENTRIES = 5000
_MAX_BYTES = 32 * 1024 * 1024  # text read while looking for lookup, archives unpacked included
_LOOKUP = re.compile(rb"\blookup\b")
_ARCHIVES = (".tgz", ".tar.gz")


def chart_files(ref: str, workdir: Path) -> list[str]:
    """Real paths of the files of a local chart (a directory walked following links, or an archive)."""
    real = resolve_inside(ref, workdir, "the chart")
    if not os.path.isdir(real):
        return [real]
    root = os.path.realpath(str(workdir))
    files: list[str] = []
    seen: set[str] = set()
    for top, dirs, names in os.walk(real, followlinks=True):
        here = os.path.realpath(top)
        if here in seen:  # a link back up: helm would loop too, the policy stops
            dirs[:] = []
            continue
        seen.add(here)
        for name in [*dirs, *names]:
            entry = os.path.join(top, name)
            target = os.path.realpath(entry)
            if not (target == root or target.startswith(root.rstrip(os.sep) + os.sep)):
                raise Refusal(f"the chart {ref} holds {os.path.relpath(entry, real)}, a link to outside the "
                              f"working directory {root}; helm would read it into the chart")
            if len(seen) + len(files) > _MAX_ENTRIES:
                raise Refusal(f"the chart {ref} holds more than {_MAX_ENTRIES} entries, too many to check")
            if os.path.isfile(target):
                files.append(target)
    return files


def lookup_in_chart(ref: str, workdir: Path) -> str | None:
    """The first chart file (relative name) that mentions lookup, or None."""
    real = resolve_inside(ref, workdir, "the chart")
    budget = [_MAX_BYTES]
    for path in chart_files(ref, workdir):
        name = os.path.relpath(path, real) if os.path.isdir(real) else os.path.basename(path)
        hit = _archive_lookup(path, name, budget) if path.endswith(_ARCHIVES) or not os.path.isdir(real) \
            else _file_lookup(path, name, budget)
        if hit:
            return hit
    return None


def lookup_in_text(text: str) -> bool:
    return _calls_lookup(text.encode("utf-8", "replace"))


def _calls_lookup(data: bytes) -> bool:
    """Whether a template action (`{{ ... }}`, string literals skipped over whole) mentions lookup.

    Only actions count, so a chart named "dns-lookup" is not flagged; a string inside an action that says
    lookup is (it may be fed to tpl)."""
    start = data.find(b"{{")
    while start >= 0:
        i, n = start + 2, len(data)
        while i < n and not data.startswith(b"}}", i):
            quote = data[i:i + 1]
            if quote in (b'"', b"`", b"'"):
                i += 1
                while i < n and data[i:i + 1] != quote:
                    i += 2 if quote != b"`" and data[i:i + 1] == b"\\" else 1
            i += 1
        if _LOOKUP.search(data, start, i):
            return True
        start = data.find(b"{{", i)
    return False


def _read(path: str, budget: list[int]) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(budget[0] + 1)
    except OSError:
        return b""  # helm fails on it too; nothing is installed
    budget[0] -= len(data)
    if budget[0] < 0:
        raise Refusal("the chart is too large for the policy to check its templates for lookup")
    return data


def _file_lookup(path: str, name: str, budget: list[int]) -> str | None:
    return name if _calls_lookup(_read(path, budget)) else None


def _archive_lookup(path: str, name: str, budget: list[int]) -> str | None:
    try:
        with open(path, "rb") as handle:
            data = handle.read(budget[0] + 1)
    except OSError:
        return None  # helm fails on it too; nothing is installed
    budget[0] -= len(data)
    return _tar_lookup(data, name, budget, depth=0)


def _tar_lookup(data: bytes, name: str, budget: list[int], depth: int) -> str | None:
    """A packaged chart's regular members, subchart archives inside it included (helm ignores other entries)."""
    if budget[0] < 0 or depth > 3:
        raise Refusal("the chart is too large or too deeply nested for the policy to check it for lookup")
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            for member in archive:
                if not member.isfile():
                    continue
                budget[0] -= member.size
                if budget[0] < 0:
                    raise Refusal("the chart is too large for the policy to check its templates for lookup")
                handle = archive.extractfile(member)
                content = handle.read() if handle else b""
                where = f"{name}:{member.name}"
                hit = _tar_lookup(content, where, budget, depth + 1) if member.name.endswith(_ARCHIVES) \
                    else (where if _calls_lookup(content) else None)
                if hit:
                    return hit
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        raise Refusal(f"the chart archive {name} cannot be read by the policy to check it for lookup") from None
    return None
