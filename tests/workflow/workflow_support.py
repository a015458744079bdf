"""Helpers of the workflow tests: a Config for a temporary home, and a stand-in `minikube`.

Minikube cannot run on the test machines (no Docker engine, no VM), so `cluster up` and the minikube
reads of doctor and validate run against STAND_IN_MINIKUBE: a small script that records every argv and
keeps a state (running or not, addons, loaded images) in files, answering in minikube's own formats.
"""

from __future__ import annotations

import json
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiops_chat.audit import AuditLog
from aiops_chat.config import (
    AuditConfig,
    Config,
    KubeConfig,
    PolicyConfig,
    WorkflowConfig,
    runtime_from_environ,
)
from aiops_chat.execution import Executor
from tests.support.kubeconfigs import write_kubeconfig

REPO = Path(__file__).resolve().parents[2]
CHARTS = REPO / "charts"
BACKEND = "taskflow-backend"
FRONTEND = "taskflow-frontend"

STAND_IN_MINIKUBE = r'''#!{python}
# Stand-in for minikube: records argv, keeps its state in files beside this script.
import json, sys
from pathlib import Path

state = Path({state!r})
args = sys.argv[1:]
with open(state / "argv.jsonl", "a") as fh:
    fh.write(json.dumps(args) + "\n")

def read(name, default):
    p = state / name
    return json.loads(p.read_text()) if p.exists() else default

def write(name, value):
    (state / name).write_text(json.dumps(value))

running = read("running", False)
addons = read("addons", [])
images = read("images", [])
ADDONS = ["dashboard", "default-storageclass", "ingress", "metrics-server", "storage-provisioner"]

if args[:2] == ["version", "--short"]:
    print("v1.33.1")
elif args[:1] == ["status"]:
    state_name = "Running" if running else "Stopped"
    print(json.dumps({{"Name": "minikube", "Host": state_name, "Kubelet": state_name, "APIServer": state_name,
                      "Kubeconfig": "Configured" if running else "Misconfigured", "Worker": False}}))
    sys.exit(0 if running else 7)
elif args[:1] == ["start"]:
    if read("fail-start", False):
        print("X Exiting due to PROVIDER_DOCKER_NOT_RUNNING: docker is not running", file=sys.stderr)
        sys.exit(69)
    print("* minikube v1.33.1 on Debian 12")
    print("* Done! kubectl is now configured to use \"minikube\" cluster")
    write("running", True)
elif args[:3] == ["profile", "list", "--output=json"]:
    # minikube keeps enabled addons in the profile's config (ClusterConfig.Addons).
    config = {{"Name": "minikube", "Driver": "docker", "CPUs": 2, "Memory": 4096,
              "Addons": {{a: a in addons for a in ADDONS}}}}
    valid = [{{"Name": "minikube", "Status": "Running" if running else "Stopped", "Config": config, "Active": False}}]
    print(json.dumps({{"invalid": [], "valid": valid}}))
elif args[:2] == ["addons", "enable"] and running:
    write("addons", sorted(set(addons) | {{args[2]}}))
    print(f"* The '{{args[2]}}' addon is enabled")
elif args[:2] == ["image", "ls"] and running:
    for ref in ["registry.k8s.io/pause:3.9", "registry.k8s.io/kube-apiserver:v1.30.0", *images]:
        print(ref)
elif args[:2] == ["image", "load"] and running:
    if args[2] in read("unloadable", []):
        print(f"X Exiting due to GUEST_IMAGE_LOAD: {{args[2]}}: image not known to docker", file=sys.stderr)
        sys.exit(80)
    write("images", images + ["docker.io/library/" + args[2]])
elif args[:1] == ["ip"] and running:
    print(read("ip", "192.168.49.2"))
else:
    print("X stand-in minikube: unexpected or cluster not running: " + " ".join(args), file=sys.stderr)
    sys.exit(64)
'''


@dataclass
class FakeMinikube:
    """The stand-in's bin directory (put it first on PATH) and its state."""

    bin_dir: Path
    state: Path

    def calls(self) -> list[list[str]]:
        path = self.state / "argv.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def set(self, name: str, value: Any) -> None:
        (self.state / name).write_text(json.dumps(value))

    def reset_calls(self) -> None:
        (self.state / "argv.jsonl").unlink(missing_ok=True)


def install_fake_minikube(root: Path) -> FakeMinikube:
    bin_dir = root / "fake-bin"
    state = root / "fake-minikube-state"
    bin_dir.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "minikube"
    script.write_text(STAND_IN_MINIKUBE.format(python=sys.executable, state=str(state)))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return FakeMinikube(bin_dir, state)


def make_config(root: Path, *, path: str, kubeconfig: str = "", workflow: WorkflowConfig | None = None) -> Config:
    """A Config for tests: its own HOME and audit log under `root`, PATH and kubeconfig as given."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    runtime = runtime_from_environ({"PATH": path, "HOME": str(home), "USER": "tester", "LANG": "C.UTF-8"})
    return Config(
        kube=KubeConfig(kubeconfig=kubeconfig),
        policy=PolicyConfig(workdir=str(REPO)),
        audit=AuditConfig(path=str(root / "audit.jsonl")),
        workflow=workflow or WorkflowConfig(charts_dir=str(CHARTS)),
        runtime=runtime,
    )


def make_executor(cfg: Config, *, namespace: str | None = None, context: str | None = None) -> Executor:
    return Executor(cfg, context=context, namespace=namespace or cfg.workflow.namespace,
                    audit=AuditLog(cfg.audit_path), source="cli")


def audit_entries(cfg: Config, event: str = "execution") -> list[dict[str, Any]]:
    return [e for e in AuditLog(cfg.audit_path).read() if e.get("event") == event]


# Docker's engine cannot run on the test machines either; doctor's docker probes read this stand-in,
# which answers `docker version --format {{json .}}` and `docker image inspect` like docker 28 does.
STAND_IN_DOCKER = r'''#!{python}
import json, sys
engine = {engine!r}
images = {images!r}
args = sys.argv[1:]
if args[:1] == ["version"]:
    server = {{"Version": "28.2.2", "ApiVersion": "1.50"}} if engine else None
    print(json.dumps({{"Client": {{"Version": "28.2.2", "ApiVersion": "1.50"}}, "Server": server}}))
    if not engine:
        print("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
              file=sys.stderr)
    sys.exit(0 if engine else 1)
if args[:2] == ["image", "inspect"]:
    if not engine:
        print("Cannot connect to the Docker daemon at unix:///var/run/docker.sock.", file=sys.stderr)
        sys.exit(1)
    if args[-1] in images:
        print("sha256:" + "ab" * 32)
        sys.exit(0)
    print("Error response from daemon: No such image: " + args[-1], file=sys.stderr)
    sys.exit(1)
sys.exit(64)
'''

STAND_IN_KUBECTL_AI = r'''#!/bin/sh
[ "$1" = version ] && echo "version: 0.0.12" && exit 0
exit 64
'''


def install_script(bin_dir: Path, name: str, text: str) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    script.write_text(text)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def install_fake_docker(bin_dir: Path, *, engine: bool, images: tuple[str, ...] = ()) -> Path:
    return install_script(bin_dir, "docker", STAND_IN_DOCKER.format(python=sys.executable, engine=engine,
                                                                    images=list(images)))


def link_real_tools(bin_dir: Path, search_path: str, *names: str) -> None:
    """Symlink the real kubectl/helm into a bin dir, so a test's PATH holds exactly what it chose."""
    import shutil

    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        found = shutil.which(name, path=search_path)
        assert found, f"{name} not on {search_path}"
        (bin_dir / name).symlink_to(found)


def unreachable_kubeconfig(root: Path) -> str:
    """A kubeconfig whose only context points at a closed loopback port."""
    return str(write_kubeconfig(root / "kubeconfig", "nowhere"))
