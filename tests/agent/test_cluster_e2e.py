"""End to end against the real test control plane (kube-apiserver + fake kubelet), with real kubectl.

The model is scripted and served over the OpenAI wire by respx (no model can run here); every command it
asks for runs for real through policy, approval and the executor. The offline planner runs as the real
`aiops ask --offline` in a subprocess.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.agent.events import ToolCallFinished
from aiops_chat.agent.session import ChatSession
from aiops_chat.audit import AuditLog
from aiops_chat.config import AuditConfig, Config, LLMConfig, PolicyConfig, Runtime
from tests.agent.helpers import Recorder, call, calls
from tests.support.openai_wire import BASE_URL, ScriptedModel, serve
from tests.support.waits import wait_until

pytestmark = pytest.mark.cluster

LOG_LINE = "readiness: GET /health -> 503: db connection refused"


def manifest(name: str, state: str, replicas: int = 1) -> str:
    return json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name},
                                           "annotations": {"aiops.test/state": state, "aiops.test/logs": LOG_LINE}},
                              "spec": {"containers": [{"name": "app", "image": f"{name}:1.0.0",
                                                       "readinessProbe": {"httpGet": {"path": "/health",
                                                                                      "port": 7860}}}]}}},
    })


@pytest.fixture
def workloads(kube_cluster: Any, kube_namespace: str) -> dict[str, str]:
    """web: one pod running but not ready; api: one ready pod. Returns the pod names."""
    for name, state in (("web", "NotReady"), ("api", "Running")):
        kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", "-", input=manifest(name, state))
    pods: dict[str, str] = {}
    for name in ("web", "api"):
        def pods_of(n: str = name) -> list[Any]:
            return list(kube_cluster.kubectl_json("get", "pods", "-n", kube_namespace, "-l", f"app={n}")["items"])

        items = wait_until(pods_of, lambda items: bool(items) and bool(items[0].get("status", {}).get("containerStatuses")),
                           timeout=60, what=f"a {name} pod with container statuses")
        pods[name] = items[0]["metadata"]["name"]
    return pods


def cluster_config(tmp_path: Path, kube_cluster: Any, *, llm: bool = True) -> Config:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    runtime = Runtime(path=kube_cluster.env["PATH"], home=str(home), user="tester",
                      kubeconfig_env=str(kube_cluster.kubeconfig), state_dir=str(home / "state"),
                      cache_dir=str(home / "cache"))
    return Config(llm=LLMConfig(base_url=BASE_URL if llm else "", api_key="sk-test" if llm else "", max_retries=0),
                  policy=PolicyConfig(workdir=str(tmp_path)), audit=AuditConfig(path=str(tmp_path / "audit.jsonl")),
                  runtime=runtime)


def test_why_is_pod_not_ready_with_a_scripted_model(tmp_path: Path, kube_cluster: Any, kube_namespace: str,
                                                    workloads: dict[str, str]) -> None:
    pod = workloads["web"]
    model = ScriptedModel([
        calls(call("get", "c1", kind="pods")),
        calls(call("describe", "c2", kind="pod", name=pod), call("analyze_cluster", "c3")),
        calls(call("logs", "c4", target=pod)),
        f"`{pod}` runs but its readiness probe fails: the database refuses connections.",
    ])
    cfg = cluster_config(tmp_path, kube_cluster)
    session = ChatSession(cfg, namespace=kube_namespace, audit=AuditLog(cfg.audit_path))
    outputs: dict[str, str] = {}
    with serve(model):
        turn = session.ask(f"why is pod {pod} not ready?",
                           on_event=lambda e: outputs.update({e.call_id: e.output}) if isinstance(e, ToolCallFinished) else None)
    assert turn.mode == "llm" and pod in turn.answer
    # What the model was shown came from the cluster.
    assert pod in outputs["c1"] and "0/1" in outputs["c1"]
    assert "Readiness:" in outputs["c2"] and kube_namespace in outputs["c2"]
    assert re.search(r"\n\s+Ready\s+False", outputs["c2"])
    assert f"Analysis of namespace {kube_namespace}: " in outputs["c3"]
    assert f"Pod/{pod} ReadinessProbeFailed" in outputs["c3"]
    assert "Deployment/api" not in outputs["c3"]  # the ready workload is not a finding
    assert LOG_LINE in outputs["c4"]
    sent = model.all_request_text()
    assert LOG_LINE in sent and pod in sent
    assert all(step.executed and step.exit_code == 0 for step in turn.plan)
    # Every command went to the session's namespace on the test cluster, and was audited.
    executions = [e for e in AuditLog(cfg.audit_path).read() if e["event"] == "execution"]
    assert {e["namespace"] for e in executions} == {kube_namespace}
    assert len(executions) == len(turn.plan)


def test_an_approved_scale_really_scales(tmp_path: Path, kube_cluster: Any, kube_namespace: str,
                                         workloads: dict[str, str]) -> None:
    model = ScriptedModel([
        calls(call("scale", "s1", target="deployment/api", replicas=3)),
        calls(call("rollout", "r1", action="status", target="deployment/api")),
        "api now runs 3 replicas.",
    ])
    cfg = cluster_config(tmp_path, kube_cluster)
    person = Recorder(True)
    session = ChatSession(cfg, namespace=kube_namespace, approver=person, audit=AuditLog(cfg.audit_path))
    with serve(model):
        turn = session.ask("scale api to 3 replicas")
    assert person.asked == [("kubectl", "scale", "deployment/api", "--replicas=3")]
    assert [(s.tool, s.executed, s.exit_code) for s in turn.plan] == [("scale", True, 0), ("rollout", True, 0)]
    deployment = kube_cluster.kubectl_json("get", "deployment", "api", "-n", kube_namespace)
    assert deployment["spec"]["replicas"] == 3
    assert "successfully rolled out" in json.dumps(model.requests[2])
    scale = next(e for e in AuditLog(cfg.audit_path).read() if e["event"] == "execution" and "scale" in e["argv"])
    assert scale["approver"] == "user:tester" and scale["exit_code"] == 0


def run_cli(tmp_path: Path, kube_cluster: Any, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "aiops.toml"
    config.write_text(f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n[policy]\nworkdir = "{tmp_path}"\n')
    env = {k: v for k, v in kube_cluster.env.items() if not k.startswith(("OPENAI_", "AIOPS_"))}
    env["HOME"] = str(tmp_path)
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "--config", str(config), "ask", *args],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180,
                          cwd=os.fspath(tmp_path), check=False)


def test_offline_diagnosis_against_the_cluster(tmp_path: Path, kube_cluster: Any, kube_namespace: str,
                                               workloads: dict[str, str]) -> None:
    pod = workloads["web"]
    proc = run_cli(tmp_path, kube_cluster, "--offline", "-n", kube_namespace, f"why is pod {pod} not ready?")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("**Offline planner** (--offline). I read your request as: diagnose " + pod)
    assert "Health analysis:" in out and "web" in out.split("Health analysis:")[1]
    assert f"`kubectl describe pods {pod}`" in out and "Readiness:" in out
    assert f"kubectl --context aiops-test --namespace {kube_namespace} describe pods {pod}" in out  # manual commands


def test_offline_scale_with_yes_and_json(tmp_path: Path, kube_cluster: Any, kube_namespace: str,
                                         workloads: dict[str, str]) -> None:
    proc = run_cli(tmp_path, kube_cluster, "--offline", "--yes", "-o", "json", "-n", kube_namespace,
                   "scale api to 2 replicas")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["plan"] == [{"tool": "scale", "argv": ["kubectl", "scale", "deployment/api", "--replicas=2"],
                            "decision": "confirm", "executed": True, "exit_code": 0}]
    assert kube_cluster.kubectl_json("get", "deployment", "api", "-n", kube_namespace)["spec"]["replicas"] == 2
    # Without --yes and without a terminal, the same request is only proposed.
    proc = run_cli(tmp_path, kube_cluster, "--offline", "-n", kube_namespace, "scale api to 4 replicas")
    assert "Proposed, not run:\n    kubectl scale deployment/api --replicas=4" in proc.stdout
    assert kube_cluster.kubectl_json("get", "deployment", "api", "-n", kube_namespace)["spec"]["replicas"] == 2
