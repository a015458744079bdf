"""PersistentVolume: volumes that failed to be reclaimed or sit Released."""

from __future__ import annotations

from collections.abc import Iterator

from aiops_chat.analysis.analyzers.base import describe, make
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, name_of, spec_of, status_of

NAME = "PersistentVolume"
KIND = "PersistentVolume"


def analyze(inv: Inventory) -> Iterator[Finding]:
    for pv in inv.all(KIND):
        status = status_of(pv)
        phase = status.get("phase")
        name = name_of(pv)
        if phase == "Failed":
            yield make(NAME, pv, KIND, Severity.CRITICAL, "Failed",
                       f"The volume failed to be reclaimed: {status.get('message') or 'no message'}.",
                       [f"status.phase: Failed: {status.get('message', '')}"], [describe(KIND, name, None)])
        elif phase == "Released":
            claim = spec_of(pv).get("claimRef") or {}
            yield make(NAME, pv, KIND, Severity.INFO, "Released",
                       f"The volume was released by {claim.get('namespace', '?')}/{claim.get('name', '?')} and is kept "
                       f"({spec_of(pv).get('persistentVolumeReclaimPolicy', 'Retain')}); no claim can bind it until "
                       "an admin clears its claimRef.", ["status.phase: Released"], [describe(KIND, name, None)])
