"""Bench: live `aiops analyze -A` against the test API server, side by side with `kubectl get` of the same kinds.

Uses the cluster named by $AIOPS_TEST_KUBECONFIG (from `scripts/testcluster up`), or starts a private one
(scripts/install-test-deps must have run). Fills a namespace with deployments, pods (some crashing, driven by
the fake kubelet), services and endpoints, then times over several rounds, as processes (what a user waits):
  - kubectl get <every kind the analysis reads> -A -o json   (kubectl's discovery cache warm)
  - aiops analyze -A -o json                                   (list, analyze, render)
and in-process (imports excluded): load_live + analyze. Target: ratio <= 1.5x.

    .venv/bin/python bench/analyze_live.py [--deployments 50] [--replicas 4] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The same kinds kube_gateway lists (sources/live.py KINDS), as kubectl names them on a 1.20 server.
KUBECTL_KINDS = ("pods,events,services,endpoints,persistentvolumeclaims,nodes,persistentvolumes,secrets,configmaps,"
                 "deployments,replicasets,statefulsets,daemonsets,jobs,cronjobs,ingresses,ingressclasses,"
                 "storageclasses,horizontalpodautoscalers,poddisruptionbudgets,networkpolicies,resourcequotas,"
                 "validatingwebhookconfigurations,mutatingwebhookconfigurations")


def workload(deployments: int, replicas: int) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for d in range(deployments):
        name = f"bench-{d}"
        annotations = {"aiops.test/state": "CrashLoopBackOff"} if d % 10 == 0 else {}
        items.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                      "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                               "template": {"metadata": {"labels": {"app": name}, "annotations": annotations},
                                            "spec": {"containers": [{"name": "app", "image": "busybox:1.36",
                                                                     "ports": [{"name": "http", "containerPort": 80}]}]}}}})
        items.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                      "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": "http"}]}})
    return {"apiVersion": "v1", "kind": "List", "items": items}


def timed_run(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deployments", type=int, default=50)
    ap.add_argument("--replicas", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from tests.support import testcluster

    started: Path | None = None
    if os.environ.get("AIOPS_TEST_KUBECONFIG"):
        cluster = testcluster.Cluster.load(Path(os.environ["AIOPS_TEST_KUBECONFIG"]).resolve().parent)
    else:
        started = Path(tempfile.mkdtemp(prefix="aiops-bench-"))
        cluster = testcluster.start(started, owner_pid=os.getpid())
    ns = f"bench-{os.getpid()}"
    home = Path(tempfile.mkdtemp(prefix="aiops-bench-home-"))
    env = {**cluster.env, "HOME": str(home)}
    try:
        cluster.kubectl("create", "namespace", ns)
        testcluster.wait_for_namespace_ready(cluster, ns)
        cluster.kubectl("apply", "-n", ns, "-f", "-", input=json.dumps(workload(args.deployments, args.replicas)))
        want = args.deployments * args.replicas
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            pods = json.loads(cluster.kubectl("get", "pods", "-n", ns, "-o", "json").stdout)["items"]
            if sum(1 for p in pods if (p.get("status") or {}).get("containerStatuses")) >= want:
                break
            time.sleep(1)
        objects = json.loads(cluster.kubectl("get", KUBECTL_KINDS, "-A", "-o", "json").stdout)["items"]
        print(f"cluster: {len(objects)} objects across the {KUBECTL_KINDS.count(',') + 1} kinds "
              f"({want} pods in the bench namespace)")
        kubectl = ["kubectl", "get", KUBECTL_KINDS, "-A", "-o", "json"]
        aiops = [str(Path(sys.executable).parent / "aiops"), "analyze", "-A", "-o", "json"]
        timed_run(kubectl, env)  # fills kubectl's discovery cache, as on any workstation
        timed_run(aiops, env)
        from aiops_chat.analysis.api import analyze_objects
        from aiops_chat.analysis.sources.live import load_live
        from aiops_chat.config import Config, KubeConfig, Runtime

        cfg = Config(kube=KubeConfig(kubeconfig=str(cluster.kubeconfig)), runtime=Runtime(home=str(home)))
        analyze_objects(load_live(cfg, all_namespaces=True))
        rows = []
        print(f"{'round':>5}  {'kubectl get':>11}  {'aiops analyze':>13}  {'ratio':>6}  {'in-process':>10}")
        for r in range(args.rounds):
            t_k = timed_run(kubectl, env)
            t_a = timed_run(aiops, env)
            start = time.perf_counter()
            found = analyze_objects(load_live(cfg, all_namespaces=True))
            t_i = time.perf_counter() - start
            rows.append((t_k, t_a, t_i))
            print(f"{r + 1:>5}  {t_k:>10.3f}s  {t_a:>12.3f}s  {t_a / t_k:>5.2f}x  {t_i:>9.3f}s")
        mk, ma, mi = (statistics.median(c) for c in zip(*rows, strict=True))
        print(f"median: kubectl get {mk:.3f}s, aiops analyze {ma:.3f}s: ratio {ma / mk:.2f}x (target <= 1.5x); "
              f"in-process list+analyze {mi:.3f}s ({len(found)} findings)")
    finally:
        cluster.kubectl("delete", "namespace", ns, "--wait=false", check=False)
        if started is not None:
            testcluster.stop(started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
