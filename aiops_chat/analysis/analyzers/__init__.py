"""The analyzer registry: every analyzer by name, in one explicit map (k8sgpt's coreAnalyzerMap).

Adding an analyzer is adding a module with `NAME` and `analyze(inv)`, and a line here.
"""

from __future__ import annotations

from aiops_chat.analysis.analyzers import (
    bestpractice,
    cronjob,
    daemonset,
    deployment,
    event,
    helm,
    hpa,
    ingress,
    job,
    networkpolicy,
    node,
    pdb,
    pod,
    pv,
    pvc,
    replicaset,
    resourcequota,
    service,
    statefulset,
    storageclass,
    webhook,
)
from aiops_chat.analysis.analyzers.base import Analyzer

ANALYZERS: dict[str, Analyzer] = {
    pod.NAME: pod.analyze,
    deployment.NAME: deployment.analyze,
    replicaset.NAME: replicaset.analyze,
    statefulset.NAME: statefulset.analyze,
    daemonset.NAME: daemonset.analyze,
    job.NAME: job.analyze,
    cronjob.NAME: cronjob.analyze,
    service.NAME: service.analyze,
    ingress.NAME: ingress.analyze,
    pvc.NAME: pvc.analyze,
    pv.NAME: pv.analyze,
    storageclass.NAME: storageclass.analyze,
    node.NAME: node.analyze,
    hpa.NAME: hpa.analyze,
    pdb.NAME: pdb.analyze,
    resourcequota.NAME: resourcequota.analyze,
    networkpolicy.NAME: networkpolicy.analyze,
    webhook.NAME: webhook.analyze,
    helm.NAME: helm.analyze,
    # Runs last in spirit: the engine drops its findings about objects another analyzer already explained.
    event.NAME: event.analyze,
}

# Opt-in with --best-practices: advice, not faults.
BEST_PRACTICE_ANALYZERS: dict[str, Analyzer] = {
    bestpractice.NAME: bestpractice.analyze,
}

# Short names users type with --filter.
ALIASES: dict[str, str] = {
    "pvc": pvc.NAME, "pv": pv.NAME, "hpa": hpa.NAME, "pdb": pdb.NAME, "helm": helm.NAME, "netpol": networkpolicy.NAME,
    "sc": storageclass.NAME, "rs": replicaset.NAME, "sts": statefulset.NAME, "ds": daemonset.NAME,
    "deploy": deployment.NAME, "svc": service.NAME, "ing": ingress.NAME, "events": event.NAME,
    "quota": resourcequota.NAME,
    "validatingwebhookconfiguration": webhook.NAME, "mutatingwebhookconfiguration": webhook.NAME,
}

EVENT_ANALYZER = event.NAME

__all__ = ["ALIASES", "ANALYZERS", "BEST_PRACTICE_ANALYZERS", "EVENT_ANALYZER", "Analyzer"]
