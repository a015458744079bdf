"""`aiops snapshot` on the real test control plane: a snapshot is judged exactly like the live cluster.

The faults of live-faults.yaml plus an Ingress whose Service and TLS Secret do not exist: live, the analysis
knows they do not (it listed Services and Secrets); from the snapshot it must know the same, because the file
records which kinds were listed. A viewer cannot list Secrets: both ways the TLS reference stays unverified.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.analysis.test_live import AIOPS, FAULTS
from tests.support.waits import wait_until

pytestmark = pytest.mark.cluster

INGRESS = {
    "apiVersion": "networking.k8s.io/v1beta1", "kind": "Ingress", "metadata": {"name": "shop"},
    "spec": {"tls": [{"hosts": ["shop.example"], "secretName": "shop-tls"}],
             "rules": [{"host": "shop.example", "http": {"paths": [
                 {"path": "/", "backend": {"serviceName": "storefront", "servicePort": 80}}]}}]},
}
EXPECTED = {("Pod", "CrashLoopBackOff"), ("Service", "SelectorMatchesNothing"), ("Ingress", "BackendServiceNotFound"),
            ("HorizontalPodAutoscaler", "ScaleTargetNotFound")}


def _aiops(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AIOPS, *args], capture_output=True, text=True, env=env, timeout=120)


def _findings(res: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert res.returncode == 0, res.stderr
    return list(json.loads(res.stdout)["findings"])


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_analyze_live_and_analyze_of_a_snapshot_find_the_same(kube_cluster: Any, kube_namespace: str,
                                                              tmp_path: Path, who: str) -> None:
    ns = kube_namespace
    kube_cluster.kubectl("apply", "-n", ns, "-f", str(FAULTS))
    kube_cluster.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps(INGRESS))
    kubeconfig = kube_cluster.kubeconfig if who == "admin" else kube_cluster.viewer_kubeconfig
    env = {**kube_cluster.env, "HOME": str(tmp_path), "KUBECONFIG": str(kubeconfig)}
    wait_until(lambda: {(f["kind"], f["reason"]) for f in _findings(_aiops(env, "analyze", "-n", ns, "-o", "json"))},
               lambda got: got >= EXPECTED, timeout=90, what="the faults to show up live")
    snapshot = tmp_path / "cluster.json"

    def both() -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
        snap = _aiops(env, "snapshot", "-n", ns)
        assert snap.returncode == 0, snap.stderr
        snapshot.write_text(snap.stdout)
        live = _findings(_aiops(env, "analyze", "-n", ns, "-o", "json"))
        offline = _findings(_aiops(env, "analyze", "--snapshot", str(snapshot), "-o", "json"))
        return live, offline, snap.stderr

    # Event counts tick between the two reads; the same state yields the same findings.
    _live, offline, notes = wait_until(both, lambda r: r[0] == r[1], timeout=60,
                                      what="live and snapshot findings to agree")
    assert {(f["kind"], f["reason"]) for f in offline} >= EXPECTED
    tls = [f for f in offline if f["kind"] == "Ingress" and "shop-tls" in f["message"]]
    if who == "admin":
        assert [f["reason"] for f in tls] == ["TLSSecretNotFound"]
    else:  # the view role may not list Secrets: not "missing", unverified
        assert [(f["reason"], f["severity"]) for f in tls] == [("UnverifiedReference", "info")]
        assert "Secret: not allowed to list" in notes
    doc = json.loads(snapshot.read_text())
    listed = doc["metadata"]["annotations"]["aiops-chat/listed-kinds"].split(",")
    assert {"Pod", "Service", "Ingress", "Deployment", "Event"} <= set(listed)
    assert ("Secret" in listed) == (who == "admin")
    assert doc["metadata"]["annotations"]["aiops-chat/namespace"] == ns


def test_a_namespace_that_does_not_exist_fails_live(kube_cluster: Any, tmp_path: Path) -> None:
    env = {**kube_cluster.env, "HOME": str(tmp_path)}
    for args in (["analyze", "-n", "no-such-ns", "--fail-on", "critical"], ["snapshot", "-n", "no-such-ns"]):
        res = _aiops(env, *args)
        assert res.returncode == 2, (args, res.stdout, res.stderr)
        assert "namespace 'no-such-ns' does not exist in this cluster" in res.stderr
        assert res.stdout == ""
    # An existing namespace with nothing wrong stays a clean bill.
    ok = _aiops(env, "analyze", "-n", "default", "--fail-on", "critical")
    assert ok.returncode == 0, ok.stderr
