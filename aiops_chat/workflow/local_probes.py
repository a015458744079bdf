"""Read-only probes of the two local tools the policy does not govern: docker and kubectl-ai.

The doctor has to say whether they are installed and whether the TaskFlow images exist. Each probe is a
fixed :class:`LocalCommand` (the only variable part is an image name, checked against a strict pattern and
passed as one argument) run through the executor's pipeline like every command: no shell, the executor's
minimal environment, /dev/null as stdin, a short timeout that ends the process group. They read local
state only and never touch the cluster, so they are not audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiops_chat.config import Config
from aiops_chat.execution import local as commands
from aiops_chat.execution.local import LocalCommand
from aiops_chat.execution.result import Status

PROBE_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class ProbeResult:
    found: bool
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    error: str = ""


@dataclass(frozen=True)
class DockerInfo:
    found: bool
    client_version: str = ""
    server_version: str = ""
    problem: str = ""  # why the daemon did not answer

    @property
    def daemon_up(self) -> bool:
        return bool(self.server_version)


def _probe(cfg: Config, command: LocalCommand) -> ProbeResult:
    from aiops_chat.execution.executor import Executor, Target

    # A local probe acts on no cluster: the target is only there because every executor has one.
    executor = Executor(cfg, target=Target(None, "default"), audit=None, source="doctor")
    result = executor.run(command, request="aiops doctor", timeout=PROBE_TIMEOUT_S)
    binary = command.argv[0]
    if result.status is Status.NOT_FOUND:
        return ProbeResult(found=False, error=f"{binary}: not found on PATH")
    if result.status is Status.TIMED_OUT:
        return ProbeResult(found=True, error=f"{binary}: no answer within {PROBE_TIMEOUT_S:g}s")
    if result.status is Status.CANNOT_START:
        return ProbeResult(found=True, error=result.error or f"{binary}: cannot start")
    return ProbeResult(found=True, exit_code=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def docker_info(cfg: Config) -> DockerInfo:
    """Client and engine versions in one call: `docker version` prints the client part even with no engine."""
    result = _probe(cfg, commands.docker_version())
    if not result.found:
        return DockerInfo(found=False, problem=result.error)
    try:
        data = json.loads(result.stdout.strip().splitlines()[0]) if result.stdout.strip() else {}
    except ValueError:
        data = {}
    client = (data.get("Client") or {}).get("Version", "") if isinstance(data, dict) else ""
    server = (data.get("Server") or {}).get("Version", "") if isinstance(data, dict) else ""
    problem = "" if server else (_first_line(result.stderr) or result.error or "the engine did not answer")
    return DockerInfo(found=True, client_version=str(client), server_version=str(server), problem=problem)


def docker_has_image(cfg: Config, image: str) -> bool | None:
    """True or False when the engine answered; None when it cannot tell (no docker, engine down)."""
    command = commands.docker_image_inspect(image)
    if command is None:
        return None
    result = _probe(cfg, command)
    if not result.found or result.exit_code is None:
        return None
    if result.exit_code == 0:
        return True
    return False if "no such image" in result.stderr.lower() else None


def kubectl_ai_version(cfg: Config) -> ProbeResult:
    return _probe(cfg, commands.kubectl_ai_version())


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
