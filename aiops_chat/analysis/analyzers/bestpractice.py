"""Best practices (opt-in): requests and limits, probes, pinned image tags, non-root, unprivileged.

Checked once per pod template (Deployment, StatefulSet, DaemonSet, CronJob, and pods without a
controller), not per replica, so a 50-replica Deployment yields one finding per check.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from aiops_chat.analysis.analyzers.base import RESOURCE, kubectl, make
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, Obj, controller_ref, name_of, namespace_of, spec_of

NAME = "BestPractice"
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob")


def pod_templates(inv: Inventory) -> Iterator[tuple[str, Obj, Mapping[str, Any]]]:
    """(kind, owning object, pod spec) for every workload template and every pod without a controller."""
    for kind in WORKLOADS:
        for obj in inv.all(kind):
            template = spec_of(obj).get("template") or {}
            if kind == "CronJob":
                template = ((spec_of(obj).get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
            yield kind, obj, template.get("spec") or {}
    for pod in inv.all("Pod"):
        if controller_ref(pod) is None:
            yield "Pod", pod, spec_of(pod)


def _image_tag(image: str) -> str | None:
    if "@" in image:
        return "digest"
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def analyze(inv: Inventory) -> Iterator[Finding]:
    for kind, obj, pod_spec in pod_templates(inv):
        ns, name = namespace_of(obj), name_of(obj)
        containers = list(pod_spec.get("containers") or ())
        ref = f"{RESOURCE.get(kind, kind.lower())}/{name}"
        pod_sc = pod_spec.get("securityContext") or {}
        no_limits: list[str] = []
        no_requests: list[str] = []
        no_probes: list[str] = []
        latest: list[str] = []
        root: list[str] = []
        privileged: list[str] = []
        for c in containers:
            cname = str(c.get("name") or "")
            res = c.get("resources") or {}
            if not res.get("limits"):
                no_limits.append(cname)
            if not res.get("requests"):
                no_requests.append(cname)
            if not c.get("readinessProbe") and not c.get("livenessProbe") and kind != "CronJob":
                no_probes.append(cname)
            tag = _image_tag(str(c.get("image") or ""))
            if tag in (None, "latest"):
                latest.append(f"{cname} ({c.get('image')})")
            sc = c.get("securityContext") or {}
            if sc.get("privileged"):
                privileged.append(cname)
            run_as_user = sc.get("runAsUser", pod_sc.get("runAsUser"))
            non_root = sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot"))
            if run_as_user == 0 or (not non_root and not run_as_user):
                root.append(cname)
        checks: tuple[tuple[list[str], Severity, str, str, list[str]], ...] = (
            (no_requests, Severity.INFO, "NoResourceRequests",
             "request no CPU/memory, so the scheduler cannot place them sensibly",
             [kubectl("set", "resources", ref, "--requests=cpu=100m,memory=128Mi", namespace=ns)]),
            (no_limits, Severity.INFO, "NoResourceLimits", "set no limits, so one of them can starve the node",
             [kubectl("set", "resources", ref, "--limits=cpu=500m,memory=512Mi", namespace=ns)]),
            (no_probes, Severity.INFO, "NoProbes",
             "have no readiness or liveness probe, so broken replicas keep receiving traffic", []),
            (latest, Severity.INFO, "LatestTag",
             "use a mutable tag (latest or none), so a restart may run different code", []),
            (root, Severity.INFO, "MayRunAsRoot", "may run as root (runAsNonRoot is not set)", []),
            (privileged, Severity.WARNING, "Privileged", "run privileged, with full access to the node", []),
        )
        for names, sev, reason, what, cmds in checks:
            if names:
                yield make(NAME, obj, kind, sev, reason, f"Containers {', '.join(names)} {what}.",
                           [f"containers: {', '.join(names)}"], cmds)
