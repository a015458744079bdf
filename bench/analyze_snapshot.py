"""Bench: `aiops analyze --snapshot` on a synthetic 10,000-pod cluster against a bare json.load of the file.

Generates deployments, replicasets, pods (5% crashing, 1% unschedulable), services (a few selecting
nothing), endpoints and events into a temp JSON file shaped like `kubectl get ... -A -o json`, then times,
side by side over several rounds:
  - json.load of the file (the floor: reading it at all),
  - what `aiops analyze --snapshot FILE -o json` does in-process: load, index, every analyzer, render.
Also reports both as subprocesses (interpreter start-up and imports included). Target: ratio <= 2x.

    .venv/bin/python bench/analyze_snapshot.py [--pods 10000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PODS_PER_DEPLOYMENT = 10
NAMESPACES = 40


def _pod(ns: str, dep: str, h: str, i: int, state: str) -> dict[str, Any]:
    name = f"{dep}-{h}-{i:05x}"
    labels = {"app": dep, "pod-template-hash": h, "app.kubernetes.io/part-of": ns}
    container = {
        "name": "main", "image": f"registry.example.com/{dep}:1.{i % 7}.0",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "DB_URL", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}}],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10},
        "volumeMounts": [{"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True}],
        "imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log",
    }
    ready = state == "ok"
    cs: dict[str, Any] = {"name": "main", "image": container["image"], "imageID": "docker-pullable://sha256:" + "ab" * 32,
                          "containerID": "containerd://" + "cd" * 32, "ready": ready, "started": ready,
                          "restartCount": 0, "state": {"running": {"startedAt": "2026-02-09T10:00:00Z"}}}
    conditions = [{"type": t, "status": "True", "lastTransitionTime": "2026-02-09T10:00:00Z"}
                  for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")]
    status: dict[str, Any] = {"phase": "Running", "hostIP": "10.0.0.1", "podIP": f"10.{i % 250}.{i // 250 % 250}.{i % 200 + 1}",
                              "qosClass": "Burstable", "startTime": "2026-02-09T10:00:00Z", "conditions": conditions,
                              "containerStatuses": [cs]}
    if state == "crash":
        cs["restartCount"] = 12
        cs["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}
        cs["lastState"] = {"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": "2026-02-09T10:40:00Z"}}
        conditions[1]["status"] = conditions[2]["status"] = "False"
    elif state == "pending":
        status = {"phase": "Pending", "qosClass": "Burstable", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
             "message": "0/40 nodes are available: 40 Insufficient memory."}]}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": f"{i:08x}-0000-4000-8000-{i:012x}", "labels": labels,
                     "creationTimestamp": "2026-02-09T10:00:00Z", "resourceVersion": str(100000 + i),
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{dep}-{h}",
                                          "uid": f"rs-{dep}", "controller": True, "blockOwnerDeletion": True}]},
        "spec": {"containers": [container], "nodeName": f"node-{i % 40}", "restartPolicy": "Always",
                 "serviceAccountName": "default", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
                 "terminationGracePeriodSeconds": 30,
                 "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                                  "tolerationSeconds": 300}],
                 "volumes": [{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}]},
        "status": status,
    }


def generate(pods: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    items: list[dict[str, Any]] = []
    deployments = pods // PODS_PER_DEPLOYMENT
    for d in range(deployments):
        ns = f"team-{d % NAMESPACES}"
        dep = f"svc-{d}"
        h = f"{rng.getrandbits(32):08x}"[:9]
        broken = d % 20 == 0  # 5% of deployments crash
        pending = d % 100 == 7
        ready = 0
        for i in range(PODS_PER_DEPLOYMENT):
            idx = d * PODS_PER_DEPLOYMENT + i
            state = "crash" if broken else ("pending" if pending and i == 0 else "ok")
            ready += state == "ok"
            pod = _pod(ns, dep, h, idx, state)
            items.append(pod)
            if state != "ok":
                reason, msg = (("BackOff", "Back-off restarting failed container") if state == "crash"
                               else ("FailedScheduling", "0/40 nodes are available: 40 Insufficient memory."))
                items.append({"apiVersion": "v1", "kind": "Event",
                              "metadata": {"name": f"{dep}.{idx}", "namespace": ns},
                              "involvedObject": {"kind": "Pod", "namespace": ns, "name": pod["metadata"]["name"]},
                              "type": "Warning", "reason": reason, "message": msg, "count": rng.randint(1, 60),
                              "lastTimestamp": "2026-02-09T10:40:00Z"})
        template = {"metadata": {"labels": {"app": dep}}, "spec": {"containers": [pod["spec"]["containers"][0]]}}
        items.append({"apiVersion": "apps/v1", "kind": "Deployment",
                      "metadata": {"name": dep, "namespace": ns, "labels": {"app": dep}, "generation": 1},
                      "spec": {"replicas": PODS_PER_DEPLOYMENT, "selector": {"matchLabels": {"app": dep}}, "template": template},
                      "status": {"replicas": PODS_PER_DEPLOYMENT, "readyReplicas": ready, "availableReplicas": ready,
                                 "conditions": [{"type": "Available", "status": "True" if ready == PODS_PER_DEPLOYMENT else "False"}]}})
        items.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                      "metadata": {"name": f"{dep}-{h}", "namespace": ns, "labels": {"app": dep, "pod-template-hash": h},
                                   "ownerReferences": [{"kind": "Deployment", "name": dep, "controller": True}]},
                      "spec": {"replicas": PODS_PER_DEPLOYMENT, "template": template},
                      "status": {"replicas": PODS_PER_DEPLOYMENT, "readyReplicas": ready}})
        selector = {"app": dep if d % 50 != 3 else f"{dep}-typo"}
        items.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": dep, "namespace": ns},
                      "spec": {"selector": selector, "clusterIP": f"10.96.{d // 250}.{d % 250}",
                               "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}})
        addresses = [{"ip": f"10.1.{d % 250}.{i}", "targetRef": {"kind": "Pod", "name": f"{dep}-{h}-{i}"}}
                     for i in range(ready)] if selector["app"] == dep else []
        items.append({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": dep, "namespace": ns},
                      "subsets": [{"addresses": addresses, "ports": [{"name": "http", "port": 8080}]}] if addresses else []})
        # Normal events are most of a real event list: analysis must skip them cheaply.
        items.append({"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"{dep}.scaled", "namespace": ns},
                      "involvedObject": {"kind": "Deployment", "namespace": ns, "name": dep}, "type": "Normal",
                      "reason": "ScalingReplicaSet", "message": f"Scaled up replica set {dep}-{h} to 10", "count": 1})
    for n in range(40):
        items.append({"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{n}"},
                      "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    return {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}


def analyze_in_process(path: Path) -> int:
    """What `aiops analyze --snapshot PATH -o json` does after argument parsing: like run_analyze, the whole
    run under one collector pause that ends once the inventory is freed."""
    from aiops_chat.analysis.gc_pause import gc_paused

    with gc_paused():
        return _analyze(path)


def _analyze(path: Path) -> int:
    from aiops_chat.analysis.api import resolve_filters, run_analyzers
    from aiops_chat.analysis.render import render_json
    from aiops_chat.analysis.sources.snapshot import load_snapshot

    inv = load_snapshot(path)
    findings = run_analyzers(inv, resolve_filters(None))
    render_json(findings, source=str(path))
    return len(findings)


def bare_load(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return len(json.load(fh)["items"])


def bare_load_gc_off(path: Path) -> int:
    """The fairest floor: our loader pauses the collector while parsing, so here is json.load doing the same."""
    gc.disable()
    try:
        return bare_load(path)
    finally:
        gc.enable()


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - start, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-subprocess", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cluster.json"
        path.write_text(json.dumps(generate(args.pods)), encoding="utf-8")
        size_mb = path.stat().st_size / 1e6
        objects = bare_load(path)
        print(f"snapshot: {args.pods} pods, {objects} objects, {size_mb:.1f} MB JSON")
        analyze_in_process(path)  # warm imports, so rounds time the work and not the first import
        loads, loads_nogc, analyses = [], [], []
        findings = 0
        print(f"{'round':>5}  {'json.load':>10}  {'(gc off)':>9}  {'aiops analyze':>13}  {'ratio':>6}  {'(gc off)':>8}")
        for r in range(args.rounds):
            t_load, _ = timed(bare_load, path)
            t_nogc, _ = timed(bare_load_gc_off, path)
            t_an, findings = timed(analyze_in_process, path)
            loads.append(t_load)
            loads_nogc.append(t_nogc)
            analyses.append(t_an)
            print(f"{r + 1:>5}  {t_load:>9.3f}s  {t_nogc:>8.3f}s  {t_an:>12.3f}s  {t_an / t_load:>5.2f}x  "
                  f"{t_an / t_nogc:>7.2f}x")
        ml, mn, ma = statistics.median(loads), statistics.median(loads_nogc), statistics.median(analyses)
        print(f"median: json.load {ml:.3f}s (gc off {mn:.3f}s), aiops analyze {ma:.3f}s ({findings} findings): "
              f"ratio {ma / ml:.2f}x, against the gc-off load {ma / mn:.2f}x (target <= 2x)")
        if not args.no_subprocess:
            py = sys.executable
            aiops = str(Path(py).parent / "aiops")
            env = {**os.environ, "HOME": tmp}
            sub_l, sub_a = [], []
            for _ in range(max(1, args.rounds // 2)):
                t, _ = timed(subprocess.run, [py, "-c", f"import json; json.load(open({str(path)!r}))"])
                sub_l.append(t)
                t, _ = timed(lambda: subprocess.run([aiops, "analyze", "--snapshot", str(path), "-o", "json"],
                                                    stdout=subprocess.DEVNULL, env=env, check=True))
                sub_a.append(t)
            print(f"as processes (start-up and imports included): python -c json.load {statistics.median(sub_l):.3f}s, "
                  f"aiops analyze --snapshot {statistics.median(sub_a):.3f}s: "
                  f"ratio {statistics.median(sub_a) / statistics.median(sub_l):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
