"""`aiops snapshot` writes a file people share; it must never carry a Secret's payload.

The live collector lists Secrets as metadata only, but metadata includes annotations, and kubectl's
last-applied-configuration annotation of an applied Secret holds its whole manifest, data included.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.analysis.inventory import Inventory
from aiops_chat.analysis.sources.snapshot import inventory_from_text, snapshot_document

VALUE = "Sup3rSecretPassw0rd"
B64 = base64.b64encode(VALUE.encode()).decode()


def _secret_manifest(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque",
            "data": {"password": B64}}


def test_metadata_only_kinds_keep_names_labels_owners_only() -> None:
    applied = json.dumps(_secret_manifest("db"))
    secret = {"kind": "Secret", "apiVersion": "v1", "data": {"password": B64}, "metadata": {
        "name": "db", "namespace": "shop", "labels": {"owner": "helm"}, "uid": "u1",
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": applied, "note": VALUE},
        "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:data": {"f:password": {}}}}]}}
    pod = {"kind": "Pod", "metadata": {"name": "p", "namespace": "shop", "managedFields": [{"manager": "x"}]},
           "status": {"phase": "Running"}}
    inv = Inventory({"Secret": [secret], "Pod": [pod]}, listed=["Secret", "Pod"], namespace="shop")
    text = json.dumps(snapshot_document(inv, metadata_only=["Secret"]))
    assert VALUE not in text and B64 not in text and "managedFields" not in text
    back = inventory_from_text(text, source="snap.json")
    assert back.get("Secret", "shop", "db") is not None  # the name still proves the Secret exists
    assert back.all("Secret")[0]["metadata"]["labels"] == {"owner": "helm"}
    assert back.has("Secret") and back.namespace == "shop"


@pytest.mark.cluster
def test_a_live_snapshot_never_holds_an_applied_secrets_value(kube_cluster: Any, kube_namespace: str,
                                                               tmp_path: Path) -> None:
    kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", "-", input=json.dumps(_secret_manifest("db-creds")))
    env = {**kube_cluster.env, "HOME": str(tmp_path)}
    res = subprocess.run([str(Path(sys.executable).parent / "aiops"), "snapshot", "-n", kube_namespace],
                         capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "db-creds" in res.stdout
    assert B64 not in res.stdout and VALUE not in res.stdout
    assert "last-applied-configuration" not in res.stdout
