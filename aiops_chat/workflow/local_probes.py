"""Read-only probes of the two local tools the policy does not govern: docker and kubectl-ai.

Why these start a process outside the executor: the executor runs only the policy's binaries (kubectl,
helm, minikube) and would refuse docker and kubectl-ai outright. The doctor still has to say whether they
are installed and whether the TaskFlow images exist. Every probe here is a fixed argv (the only variable
part is an image name, checked against a strict pattern and passed as one argument), reads local state
only, runs without a shell, with the same minimal environment as the executor and a short timeout, and
never touches the cluster. The only other process started outside the executor is the kubectl-ai
fallback (aiops_chat/agent/kubectl_ai.py), for the reasons given there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from aiops_chat.config import Config

PROBE_TIMEOUT_S = 15.0
_IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$")


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


def _probe(cfg: Config, argv: Sequence[str]) -> ProbeResult:
    exe = shutil.which(argv[0], path=cfg.runtime.path)
    if exe is None:
        return ProbeResult(found=False, error=f"{argv[0]}: not found on PATH")
    env = {"PATH": cfg.runtime.path, "HOME": cfg.runtime.home, "LANG": cfg.runtime.lang}
    try:
        proc = subprocess.run([exe, *argv[1:]], capture_output=True, text=True, errors="replace", env=env,
                              timeout=PROBE_TIMEOUT_S, shell=False, check=False, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return ProbeResult(found=True, error=f"{argv[0]}: no answer within {PROBE_TIMEOUT_S:g}s")
    except OSError as exc:
        return ProbeResult(found=True, error=f"{exe}: {exc.strerror}")
    return ProbeResult(found=True, exit_code=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)


def docker_info(cfg: Config) -> DockerInfo:
    """Client and engine versions in one call: `docker version` prints the client part even with no engine."""
    result = _probe(cfg, ["docker", "version", "--format", "{{json .}}"])
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
    if not _IMAGE_RE.match(image):
        return None
    result = _probe(cfg, ["docker", "image", "inspect", "--format", "{{.Id}}", image])
    if not result.found or result.exit_code is None:
        return None
    if result.exit_code == 0:
        return True
    return False if "no such image" in result.stderr.lower() else None


def kubectl_ai_version(cfg: Config) -> ProbeResult:
    return _probe(cfg, ["kubectl-ai", "version"])


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
