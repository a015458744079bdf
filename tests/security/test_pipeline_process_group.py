"""A timeout ends the tool's whole process group, not only the direct child.

A kubectl credential plugin, a helm plugin or a minikube driver is a grandchild of aiops. If only the
direct child were killed at the time limit, the grandchild would keep running (and keep whatever it was
doing to the cluster going) after aiops reported the command as timed out. The stand-in kubectl here is a
real script at the config's kube binary path that starts a grandchild, records its pid, and hangs.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from aiops_chat.config import Config, runtime_from_environ
from aiops_chat.execution import Executor, Status, Target
from tests.support.waits import wait_until

# The grandchild either keeps our pipes (its output would reach us) or lets go of them (a daemon).
HANGS = """#!/bin/sh
{setsid}sleep 300 {redirect} &
echo $! > "{pidfile}"
echo started
sleep 300
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status is left for its parent


@pytest.mark.parametrize(("setsid", "redirect"), [("", ""), ("", "> /dev/null 2>&1"), ("setsid ", "> /dev/null 2>&1")],
                         ids=["keeps-pipes", "detached-output", "own-session"])
def test_timeout_kills_the_grandchild(tmp_path: Path, setsid: str, redirect: str) -> None:
    """own-session: a grandchild that left the group (setsid, as a daemonizing plugin does) is killed too."""
    pidfile = tmp_path / "grandchild.pid"
    kubectl = tmp_path / "kubectl-with-plugin"
    kubectl.write_text(HANGS.format(setsid=setsid, redirect=redirect, pidfile=pidfile))
    kubectl.chmod(0o755)
    cfg = Config(runtime=runtime_from_environ({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}))
    cfg = dataclasses.replace(cfg, kube=dataclasses.replace(cfg.kube, kubectl=str(kubectl)),
                              executor=dataclasses.replace(cfg.executor, timeout=1.0),
                              policy=dataclasses.replace(cfg.policy, workdir=str(tmp_path)))
    result = Executor(cfg, target=Target("dev", "default")).run(["kubectl", "get", "pods"])
    assert result.status is Status.TIMED_OUT and not result.executed
    assert "timed out" in (result.error or "")
    grandchild = int(pidfile.read_text())
    try:
        # SIGKILL is sent to the whole group before run() returns; the kernel ends each process as it is next
        # scheduled, so a loaded machine may need a moment. Without the group kill it lives for 300 s.
        wait_until(lambda: _alive(grandchild), lambda alive: not alive, timeout=20,
                   what="the grandchild to be killed with its parent")
    finally:
        if _alive(grandchild):
            os.kill(grandchild, 9)
