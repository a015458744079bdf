"""DaemonSet: nodes where its pod is missing, unavailable or should not be."""

from __future__ import annotations

from collections.abc import Iterator

from aiops_chat.analysis.analyzers.base import describe, kubectl, make, reference_missing, unverified
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, name_of, namespace_of, spec_of, status_of

NAME = "DaemonSet"


def analyze(inv: Inventory) -> Iterator[Finding]:
    for ds in inv.all("DaemonSet"):
        ns, name = namespace_of(ds), name_of(ds)
        st = status_of(ds)
        desired = int(st.get("desiredNumberScheduled") or 0)
        ready = int(st.get("numberReady") or 0)
        unavailable = int(st.get("numberUnavailable") or 0)
        misscheduled = int(st.get("numberMisscheduled") or 0)
        suggestions = [kubectl("rollout", "status", f"daemonset/{name}", "--timeout=10s", namespace=ns),
                       describe("DaemonSet", name, ns)]
        if desired and (ready < desired or unavailable):
            yield make(NAME, ds, "DaemonSet", Severity.CRITICAL if ready == 0 else Severity.WARNING,
                       "UnavailablePods", f"{ready}/{desired} of its pods are ready.",
                       [f"status: desiredNumberScheduled={desired}, numberReady={ready}, numberUnavailable={unavailable}"],
                       suggestions)
        pod_spec = (spec_of(ds).get("template") or {}).get("spec") or {}
        for ref in pod_spec.get("imagePullSecrets") or ():
            secret = str(ref.get("name") or "")
            missing = reference_missing(inv, "Secret", ns, secret) if secret else False
            if missing is None:
                yield unverified(NAME, ds, "DaemonSet", "Secret", secret, "imagePullSecrets")
            elif missing:
                yield make(NAME, ds, "DaemonSet", Severity.WARNING, "ImagePullSecretNotFound",
                           f"Its pods name image pull secret {secret}, which does not exist; pulls from a private "
                           "registry fail.", [f"spec.template.spec.imagePullSecrets: {secret}"],
                           [kubectl("get", "secrets", namespace=ns), describe("DaemonSet", name, ns)])
        if misscheduled:
            yield make(NAME, ds, "DaemonSet", Severity.WARNING, "Misscheduled",
                       f"{misscheduled} of its pods run on nodes they should not (node selector or taints changed).",
                       [f"status: numberMisscheduled={misscheduled}"], suggestions)
