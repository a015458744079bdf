"""Checks against the cluster that doctor and validate share: the API answers, metrics, pods Ready."""

from __future__ import annotations

from typing import Any

from aiops_chat.execution import Executor
from aiops_chat.workflow.checklist import Check, Status
from aiops_chat.workflow.commands import failure_text, not_found, run_json, run_read

METRICS_APISERVICE = "v1beta1.metrics.k8s.io"


def cluster_answers(executor: Executor, *, request: str) -> Check:
    where = f"context {executor.target.context}" if executor.target.context else "the default context"
    ready = run_read(executor, ["kubectl", "get", "--raw", "/readyz"], request=request)
    if not ready.ok or ready.stdout.strip() != "ok":
        hint = ("install kubectl" if not_found(ready) else
                "start it with `aiops cluster up`, or check the kubeconfig and --context")
        return Check("cluster", Status.FAIL, f"{where}: {failure_text(ready)}", hint)
    version, _ = run_json(executor, ["kubectl", "version", "--output=json"], request=request)
    server = (version or {}).get("serverVersion", {}).get("gitVersion", "") if isinstance(version, dict) else ""
    return Check("cluster", Status.OK, f"{where}: API server ready" + (f", Kubernetes {server}" if server else ""))


def metrics_server(executor: Executor, *, request: str) -> Check:
    data, result = run_json(executor, ["kubectl", "get", "apiservice", METRICS_APISERVICE, "--output=json"],
                            request=request)
    hint = "minikube addons enable metrics-server (or `aiops cluster up`); elsewhere install metrics-server"
    if data is None:
        text = failure_text(result)
        if "notfound" in text.replace(" ", "").lower():
            return Check("metrics-server", Status.FAIL, f"APIService {METRICS_APISERVICE} not registered", hint)
        return Check("metrics-server", Status.FAIL, text, hint)
    conditions = {c.get("type"): c for c in data.get("status", {}).get("conditions", []) if isinstance(c, dict)}
    available = conditions.get("Available", {})
    if available.get("status") == "True":
        service = data.get("spec", {}).get("service") or {}
        where = f"{service.get('namespace')}/{service.get('name')}" if service else "local"
        return Check("metrics-server", Status.OK, f"{METRICS_APISERVICE} available (served by {where})")
    why = available.get("message") or available.get("reason") or "no Available condition yet"
    return Check("metrics-server", Status.FAIL, f"{METRICS_APISERVICE} not available: {why}", hint)


def pods_ready(executor: Executor, release: str, *, request: str) -> Check:
    name = f"pods {release}"
    namespace = executor.target.namespace
    data, result = run_json(executor, ["kubectl", "get", "pods", "-l", f"app={release}", "--output=json"],
                            request=request)
    if data is None:
        return Check(name, Status.FAIL, failure_text(result), "check the cluster connection (aiops doctor)")
    pods = [p for p in data.get("items", []) if not p.get("metadata", {}).get("deletionTimestamp")]
    if not pods:
        return Check(name, Status.FAIL, f"no pods labelled app={release} in namespace {namespace}",
                     f"deploy it: aiops deploy --namespace {namespace}")
    ready = [p for p in pods if pod_ready(p)]
    detail = f"{len(ready)}/{len(pods)} Ready in {namespace}"
    if len(ready) == len(pods):
        return Check(name, Status.OK, detail)
    states = "; ".join(f"{p['metadata']['name']}: {pod_state(p)}" for p in pods if not pod_ready(p))
    return Check(name, Status.FAIL, f"{detail} ({states})",
                 f"see why: aiops -n {namespace} run -- kubectl describe pod -l app={release}")


def pod_ready(pod: dict[str, Any]) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def pod_state(pod: dict[str, Any]) -> str:
    """What `kubectl get pods` shows in STATUS, roughly: the first waiting or terminated reason, else phase."""
    status = pod.get("status", {})
    for key in ("initContainerStatuses", "containerStatuses"):
        for cs in status.get(key) or []:
            state = cs.get("state") or {}
            for kind in ("waiting", "terminated"):
                reason = (state.get(kind) or {}).get("reason")
                if reason and reason != "Completed":
                    # CrashLoopBackOff hides the cause; the last termination (OOMKilled, Error) names it.
                    last = ((cs.get("lastState") or {}).get("terminated") or {}).get("reason")
                    return f"{reason} (last exit: {last})" if last and last != reason else str(reason)
    phase = str(status.get("phase") or "Unknown")
    if phase == "Running" and not pod_ready(pod):
        return "Running, not Ready"
    return phase


def restarts(pod: dict[str, Any]) -> int:
    return sum(int(cs.get("restartCount") or 0) for cs in pod.get("status", {}).get("containerStatuses") or [])
