"""The one place in aiops-chat where a process starts (a test scans the package for any other).

Every child gets: an argv (never a shell), the environment the caller built, /dev/null as stdin unless the
caller feeds it text, its own session and process group, and a timeout that ends the whole group. A tool
that forks (helm's plugins, a kubectl credential plugin, minikube's drivers) must not leave a grandchild
running after we gave up on it: killing only the direct child would orphan it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# After the group is killed, how long to wait for the pipes to close before giving up on its output.
_REAP_S = 5.0


@dataclass(frozen=True)
class Spawned:
    """What the process did. ``exit_code`` is None when it never ran to an end (timeout, cannot start)."""

    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    error: str | None = None  # why it did not run to an end, in words


def spawn(argv: Sequence[str], *, env: Mapping[str, str] | None, cwd: str | Path | None, timeout: float,
          stdin: str | None = None) -> Spawned:
    """Run ``argv[0]`` (a resolved path) with the rest as its arguments. ``env=None`` inherits ours: only
    for a tool that must find its own credentials (kubectl-ai's model key), never for kubectl or helm."""
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
            env=dict(env) if env is not None else None, cwd=cwd, shell=False, start_new_session=True,
        )
    except OSError as exc:
        return Spawned(None, "", "", time.monotonic() - started, error=f"{argv[0]}: {exc.strerror}")
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = _leftovers(proc)
        return Spawned(None, out, err, time.monotonic() - started, timed_out=True,
                       error=f"timed out after {timeout:g}s")
    except BaseException:  # Ctrl-C, a cancelled worker: nothing we started may outlive us
        _kill_group(proc)
        proc.wait()
        raise
    return Spawned(proc.returncode, out or "", err or "", time.monotonic() - started)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    # The child leads its own group (start_new_session), so its pid is the group id; its children are in the
    # group too, unless one made a session of its own (setsid, a daemonizing plugin). Those are found by
    # their parent links before anything dies (once their parent is gone they belong to init), stopped so a
    # forking loop cannot outrun the scan, and killed with the group.
    tree = _freeze_descendants(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in tree:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _freeze_descendants(root: int, rounds: int = 3) -> list[int]:
    """Every process below ``root`` (Linux /proc; empty elsewhere), each sent SIGSTOP as it is found."""
    stopped: list[int] = []
    for _ in range(rounds):
        new = [pid for pid in _descendants(root) if pid not in stopped]
        if not new:
            break
        for pid in new:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGSTOP)
        stopped += new
    return stopped


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue  # it ended while we looked
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
        fields = stat.rsplit(b")", 1)[-1].split()
        if len(fields) > 1 and fields[1].isdigit():
            children.setdefault(int(fields[1]), []).append(int(name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.append(child)
                todo.append(child)
    return found


def _leftovers(proc: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        out, err = proc.communicate(timeout=_REAP_S)
    except subprocess.TimeoutExpired:
        # Something that left the group still holds the pipes; keep nothing rather than hang on it.
        proc.wait()
        return "", ""
    return out or "", err or ""
