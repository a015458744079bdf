"""`aiops doctor`: is this machine ready for the TaskFlow workflow? (plan 009, phase 1)

Tools with their versions, the two images, the cluster, metrics-server. Reads only. kubectl, helm and
minikube are asked through the executor (so the probes are audited like any command); docker and
kubectl-ai, which the policy does not govern, through :mod:`aiops_chat.workflow.local_probes`.
"""

from __future__ import annotations

from dataclasses import replace

from aiops_chat.config import Config
from aiops_chat.execution import Executor
from aiops_chat.workflow import local_probes
from aiops_chat.workflow.checklist import Check, Checklist, Status
from aiops_chat.workflow.cluster_up import MINIKUBE_CONTEXT
from aiops_chat.workflow.commands import failure_text, not_found, run_json, run_read
from aiops_chat.workflow.kube_checks import cluster_answers, metrics_server
from aiops_chat.workflow.minikube import MinikubeStatus, normalize_image, parse_image_list, parse_status

REQUEST = "aiops doctor"
INSTALL_HINTS = {
    "minikube": "install minikube: https://minikube.sigs.k8s.io/docs/start/ (or set [kube] minikube to its path)",
    "kubectl": "install kubectl: https://kubernetes.io/docs/tasks/tools/ (or set [kube] kubectl to its path)",
    "helm": "install Helm 3: https://helm.sh/docs/intro/install/ (or set [kube] helm to its path)",
    "docker": "install Docker: https://docs.docker.com/engine/install/",
    "kubectl-ai": "optional: https://github.com/GoogleCloudPlatform/kubectl-ai (aiops works without it)",
}


MINIKUBE_ONLY = "only needed for `aiops cluster up` (the local Minikube workflow)"


def run_doctor(cfg: Config, executor: Executor) -> Checklist:
    # On another cluster (the kubeconfig's context is set and is not minikube's), what only the Minikube
    # workflow needs (minikube, docker, the images to load) is reported but cannot fail the run.
    context = executor.target.context
    on_minikube = context is None or context == MINIKUBE_CONTEXT
    checklist = Checklist("doctor" if on_minikube else f"doctor (context {context}, not minikube)")

    def minikube_only(check: Check) -> Check:
        return check if on_minikube else replace(check, required=False, needed_for=MINIKUBE_ONLY)

    minikube_check, status = _minikube(executor)
    checklist.add(minikube_only(minikube_check))
    checklist.add(_kubectl(executor))
    checklist.add(_helm(executor))
    docker = local_probes.docker_info(cfg)
    checklist.add(minikube_only(_docker(cfg, docker)))
    checklist.add(_kubectl_ai(cfg))
    in_minikube = _minikube_images(executor) if status is not None and status.running else None
    for image in cfg.workflow.images:
        checklist.add(minikube_only(_image(cfg, image, docker, in_minikube)))
    cluster = checklist.add(cluster_answers(executor, request=REQUEST))
    if cluster.status is Status.OK:
        checklist.add(metrics_server(executor, request=REQUEST))
    else:
        checklist.add(Check("metrics-server", Status.SKIP, "cluster not reachable"))
    return checklist


def _minikube(executor: Executor) -> tuple[Check, MinikubeStatus | None]:
    version = run_read(executor, ["minikube", "version", "--short"], request=REQUEST)
    if not version.ok:
        hint = INSTALL_HINTS["minikube"] if not_found(version) else "reinstall minikube"
        return Check("minikube", Status.FAIL, failure_text(version), hint), None
    status_result = run_read(executor, ["minikube", "status", "--output=json"], request=REQUEST)
    status = parse_status(status_result.stdout) if status_result.executed else None
    profile = status.describe() if status else failure_text(status_result)
    return Check("minikube", Status.OK, f"{_first(version.stdout)} (cluster: {profile})"), status


def _kubectl(executor: Executor) -> Check:
    data, result = run_json(executor, ["kubectl", "version", "--client", "--output=json"], request=REQUEST)
    if data is None:
        hint = INSTALL_HINTS["kubectl"] if not_found(result) else "reinstall kubectl"
        return Check("kubectl", Status.FAIL, failure_text(result), hint)
    return Check("kubectl", Status.OK, str(data.get("clientVersion", {}).get("gitVersion", "version unknown")))


def _helm(executor: Executor) -> Check:
    result = run_read(executor, ["helm", "version", "--short"], request=REQUEST)
    if not result.ok:
        hint = INSTALL_HINTS["helm"] if not_found(result) else "reinstall Helm 3"
        return Check("helm", Status.FAIL, failure_text(result), hint)
    version = _first(result.stdout)
    if not version.startswith("v3."):
        return Check("helm", Status.WARN, f"{version}: the charts are tested with Helm 3", INSTALL_HINTS["helm"])
    return Check("helm", Status.OK, version)


def _docker(cfg: Config, docker: local_probes.DockerInfo) -> Check:
    # Minikube's docker driver runs the whole cluster in the engine; with another driver docker is a nicety.
    required = cfg.workflow.driver == "docker"
    if not docker.found:
        return Check("docker", Status.FAIL, "not found on PATH", INSTALL_HINTS["docker"], required=required)
    if not docker.daemon_up:
        status = Status.FAIL if required else Status.WARN
        return Check("docker", status, f"client {docker.client_version or '?'}; engine not reachable: {docker.problem}",
                     "start the Docker engine (e.g. `sudo systemctl start docker`) and check your user may use it",
                     required=required)
    return Check("docker", Status.OK, f"client {docker.client_version}, engine {docker.server_version}",
                 required=required)


def _kubectl_ai(cfg: Config) -> Check:
    result = local_probes.kubectl_ai_version(cfg)
    if not result.found:
        return Check("kubectl-ai", Status.FAIL, "not found on PATH", INSTALL_HINTS["kubectl-ai"], required=False)
    if result.exit_code != 0:
        why = result.error or _first(result.stderr) or f"exit code {result.exit_code}"
        return Check("kubectl-ai", Status.WARN, f"installed but `kubectl-ai version` failed: {why}",
                     INSTALL_HINTS["kubectl-ai"], required=False)
    return Check("kubectl-ai", Status.OK, _first(result.stdout) or "installed", required=False)


def _minikube_images(executor: Executor) -> frozenset[str] | None:
    result = run_read(executor, ["minikube", "image", "ls"], request=REQUEST)
    return parse_image_list(result.stdout) if result.ok else None


def _image(cfg: Config, image: str, docker: local_probes.DockerInfo, in_minikube: frozenset[str] | None) -> Check:
    name = f"image {image}"
    if in_minikube is not None and normalize_image(image) in in_minikube:
        return Check(name, Status.OK, "loaded in minikube")
    build = f"build it (docker build -t {image} <its source dir>), then `aiops cluster up` loads it"
    if not docker.daemon_up:
        why = "docker not found" if not docker.found else "docker engine not reachable"
        where = "not in minikube; " if in_minikube is not None else ""
        return Check(name, Status.WARN, f"{where}cannot look in the local image store: {why}",
                     "start Docker and re-run; " + build)
    present = local_probes.docker_has_image(cfg, image)
    if present:
        loaded = "not yet loaded into minikube: `aiops cluster up` loads it" if in_minikube is not None else (
            "minikube not running: `aiops cluster up` starts it and loads the image")
        return Check(name, Status.OK, f"in the local docker store; {loaded}")
    if present is None:
        return Check(name, Status.WARN, "docker could not say whether it exists", "check `docker image ls`")
    return Check(name, Status.FAIL, "not in the local docker store" + (" nor in minikube" if in_minikube is not None else ""),
                 build)


def _first(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
