"""`aiops validate`: the plan's validation checklist (plan 009, phase 5).

Cluster up, every TaskFlow pod Ready, backend `/health` says {"status":"ok"}, the frontend serves HTML, no
error lines in recent logs. The apps are reached without a tunnel: the node's address (`minikube ip`, else
the node's InternalIP) and the Service's NodePort, unless a URL is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiops_chat.execution import Executor
from aiops_chat.workflow.checklist import Check, Checklist, Status
from aiops_chat.workflow.commands import failure_text, run_json, run_read
from aiops_chat.workflow.http_checks import HTTP_TIMEOUT_S, backend_health, frontend_page
from aiops_chat.workflow.kube_checks import cluster_answers, pods_ready
from aiops_chat.workflow.log_scan import error_lines

REQUEST = "aiops validate"


@dataclass(frozen=True)
class ValidateSettings:
    releases: tuple[str, ...]  # the first is the backend, the second the frontend
    backend_url: str = ""
    frontend_url: str = ""
    http_timeout: float = HTTP_TIMEOUT_S
    log_tail: int = 200


def validate(executor: Executor, settings: ValidateSettings) -> Checklist:
    checklist = Checklist("validate")
    cluster = checklist.add(cluster_answers(executor, request=REQUEST))
    if cluster.status is not Status.OK:
        # Every other check asks the cluster; listing each as failed would bury the one cause.
        checklist.add(Check("the rest", Status.SKIP, "not checked: the cluster does not answer"))
        return checklist
    for release in settings.releases:
        checklist.add(pods_ready(executor, release, request=REQUEST))
    backend = settings.releases[0] if settings.releases else ""
    frontend = settings.releases[1] if len(settings.releases) > 1 else ""
    if backend:
        url, problem = (settings.backend_url, "") if settings.backend_url else service_url(executor, backend)
        checklist.add(backend_health(url, timeout=settings.http_timeout) if url else
                      Check("backend /health", Status.FAIL, problem, _url_hint("--backend-url", "backend_url")))
    if frontend:
        url, problem = (settings.frontend_url, "") if settings.frontend_url else service_url(executor, frontend)
        checklist.add(frontend_page(url, timeout=settings.http_timeout) if url else
                      Check("frontend page", Status.FAIL, problem, _url_hint("--frontend-url", "frontend_url")))
    for release in settings.releases:
        checklist.add(logs_clean(executor, release, tail=settings.log_tail))
    return checklist


def logs_clean(executor: Executor, release: str, *, tail: int = 200) -> Check:
    name = f"logs {release}"
    result = run_read(executor, ["kubectl", "logs", f"--tail={tail}", "-l", f"app={release}", "--prefix"],
                      request=REQUEST)
    if not result.ok:
        return Check(name, Status.FAIL, f"cannot read logs: {failure_text(result)}",
                     f"aiops -n {executor.target.namespace} run -- kubectl describe pod -l app={release}")
    lines = [ln for ln in result.stdout.splitlines() if ln.strip()]
    bad = error_lines(result.stdout)
    if bad:
        return Check(name, Status.FAIL, f"{len(bad)} error line(s) in the last {tail} per pod; first: {bad[0]}",
                     f"read them: aiops -n {executor.target.namespace} run -- kubectl logs -l app={release} --tail={tail}")
    return Check(name, Status.OK, f"{len(lines)} recent line(s), no errors")


def service_url(executor: Executor, service: str) -> tuple[str | None, str]:
    """(http://<node address>:<NodePort>, "") for a Service, or (None, why not)."""
    data, result = run_json(executor, ["kubectl", "get", "service", service, "--output=json"], request=REQUEST)
    if data is None:
        return None, f"cannot read Service {service}: {failure_text(result)}"
    ports = [p for p in data.get("spec", {}).get("ports", []) if p.get("nodePort")]
    if not ports:
        return None, f"Service {service} has no NodePort (type {data.get('spec', {}).get('type', '?')})"
    address, problem = node_address(executor)
    if address is None:
        return None, problem
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}:{ports[0]['nodePort']}", ""


def node_address(executor: Executor) -> tuple[str | None, str]:
    """`minikube ip` on Minikube, elsewhere the first node's InternalIP; or (None, why not)."""
    result = run_read(executor, ["minikube", "ip"], request=REQUEST)
    lines = result.stdout.strip().splitlines() if result.ok else []
    if lines and lines[-1].strip():
        return lines[-1].strip(), ""
    data, nodes = run_json(executor, ["kubectl", "get", "nodes", "--output=json"], request=REQUEST)
    if data is None:
        return None, f"no node address: minikube ip: {failure_text(result)}; nodes: {failure_text(nodes)}"
    for node in data.get("items", []):
        for addr in node.get("status", {}).get("addresses", []):
            if addr.get("type") == "InternalIP" and addr.get("address"):
                return str(addr["address"]), ""
    return None, f"no node address: minikube ip: {failure_text(result)}; no node reports an InternalIP"


def _url_hint(flag: str, key: str) -> str:
    return f"give the URL with {flag} or set [workflow] {key}"
