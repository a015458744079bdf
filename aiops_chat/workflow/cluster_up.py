"""`aiops cluster up`: a Minikube cluster with the plan's addons and images (plan 009, phase 1).

Addons and images are independent of each other, so one failing does not stop the rest; a failed start
stops everything. Idempotent: each write is preceded by a read that says whether it is needed (`status`, `profile list`,
`image ls`), so a second run on a running cluster changes nothing and asks for no approval. Every
command goes through the executor; the writes need the approver's yes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiops_chat.execution import CommandResult, Executor
from aiops_chat.execution.approval import Approver
from aiops_chat.workflow.checklist import Check, Checklist, Status
from aiops_chat.workflow.commands import failure_text, not_found, refusal_check, run_read
from aiops_chat.workflow.minikube import normalize_image, parse_image_list, parse_profile_addons, parse_status

REQUEST = "aiops cluster up"
# The kube context minikube creates for its default profile. The executor for cluster up is pinned to it:
# minikube's writes act on that cluster, and its name is what the policy's tiers judge (on a fresh machine
# there is no current context at all, which the policy rightly treats as read-only).
MINIKUBE_CONTEXT = "minikube"
# `minikube start` downloads a base image and boots a VM or container: minutes, not seconds.
START_TIMEOUT_S = 900.0
ADDON_TIMEOUT_S = 300.0
IMAGE_LOAD_TIMEOUT_S = 600.0

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ClusterSettings:
    driver: str
    cpus: int
    memory: int  # MiB
    addons: tuple[str, ...]
    images: tuple[str, ...]

    def start_argv(self) -> list[str]:
        return ["minikube", "start", f"--driver={self.driver}", f"--cpus={self.cpus}", f"--memory={self.memory}"]


def cluster_up(executor: Executor, settings: ClusterSettings, *, approver: Approver,
               progress: Progress = lambda _line: None) -> Checklist:
    steps = Checklist("cluster up")

    progress("checking minikube status")
    status_result = run_read(executor, ["minikube", "status", "--output=json"], request=REQUEST)
    if not status_result.executed:
        hint = "install minikube: https://minikube.sigs.k8s.io/docs/start/" if not_found(status_result) else ""
        steps.add(Check("status", Status.FAIL, failure_text(status_result), hint))
        return steps
    status = parse_status(status_result.stdout)
    if status.running:
        steps.add(Check("start", Status.SKIP, "minikube already Running"))
        progress("minikube already Running: not starting it")
    else:
        progress(f"starting minikube ({status.describe()}): {' '.join(settings.start_argv())}")
        result = executor.run(settings.start_argv(), request=REQUEST, approver=approver, timeout=START_TIMEOUT_S)
        if steps.add(_write_step("start", result, "minikube started")).status is not Status.OK:
            return steps  # nothing else can work without a cluster

    progress("checking addons")
    listed = run_read(executor, ["minikube", "profile", "list", "--output=json"], request=REQUEST)
    enabled = parse_profile_addons(listed.stdout) if listed.ok else {}
    for addon in settings.addons:
        step = f"addon {addon}"
        if enabled.get(addon):
            steps.add(Check(step, Status.SKIP, "already enabled"))
            continue
        progress(f"enabling addon {addon}")
        result = executor.run(["minikube", "addons", "enable", addon], request=REQUEST, approver=approver,
                              timeout=ADDON_TIMEOUT_S)
        steps.add(_write_step(step, result, "enabled"))

    progress("checking images in minikube")
    listed = run_read(executor, ["minikube", "image", "ls"], request=REQUEST)
    present = parse_image_list(listed.stdout) if listed.ok else frozenset()
    for image in settings.images:
        step = f"image {image}"
        if normalize_image(image) in present:
            steps.add(Check(step, Status.SKIP, "already in minikube"))
            continue
        progress(f"loading image {image} into minikube")
        result = executor.run(["minikube", "image", "load", image], request=REQUEST, approver=approver,
                              timeout=IMAGE_LOAD_TIMEOUT_S)
        hint = f"build it first (docker build -t {image} ...); `aiops doctor` shows what is missing"
        steps.add(_write_step(step, result, "loaded", hint))
    progress("cluster up: " + ("done" if steps.ok else "finished with failures"))
    return steps


def _write_step(name: str, result: CommandResult, done: str, hint: str = "") -> Check:
    if result.ok:
        return Check(name, Status.OK, done)
    refused = refusal_check(name, result)
    if refused is not None:
        return refused
    return Check(name, Status.FAIL, failure_text(result), hint or "see the minikube output above; `minikube logs` tells more")
