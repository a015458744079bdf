"""StorageClass: more than one default class makes claims without a class ambiguous."""

from __future__ import annotations

from collections.abc import Iterator

from aiops_chat.analysis.analyzers.base import kubectl, make
from aiops_chat.analysis.findings import Finding, Severity
from aiops_chat.analysis.inventory import Inventory, annotations_of, name_of

NAME = "StorageClass"
_DEFAULT = ("storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class")


def analyze(inv: Inventory) -> Iterator[Finding]:
    defaults = [sc for sc in inv.all("StorageClass") if any(annotations_of(sc).get(a) == "true" for a in _DEFAULT)]
    if len(defaults) > 1:
        names = ", ".join(sorted(name_of(sc) for sc in defaults))
        for sc in defaults:
            yield make(NAME, sc, "StorageClass", Severity.WARNING, "MultipleDefaults",
                       f"Several StorageClasses are marked default ({names}); claims without a class are rejected.",
                       [f"default classes: {names}"], [kubectl("get", "storageclass")])
