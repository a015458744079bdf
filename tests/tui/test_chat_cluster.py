"""The chat driven through Textual's Pilot against the real test control plane, with real kubectl.

The app is built as `aiops chat` builds it (build_app: real ChatSession, audit log, server preview, live
findings), pointed at the test kube-apiserver; only the model's HTTP endpoint is scripted (respx on the
OpenAI wire, the `script` fixture), because no language model can run here.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from textual.widgets import Static

from aiops_chat.config import Config, runtime_from_environ
from aiops_chat.tui.app import AiopsChatApp
from aiops_chat.tui.launch import build_app
from aiops_chat.tui.screens.health import HealthScreen
from aiops_chat.tui.widgets.health.findings_table import FindingsTable
from tests.support.waits import wait_until as wait_for_cluster
from tests.tui.conftest import BASE_URL, audit_entries
from tests.tui.helpers import answers, cards, ready, send, wait_until
from tests.tui.openai_wire import MODEL, Reply, Script
from tests.tui.test_chat_pilot import SIZE, _approval, audited, tool_messages

pytestmark = [pytest.mark.cluster, pytest.mark.anyio]

CONTEXT = "aiops-test"  # the admin context of the test cluster's kubeconfig
SCALE = ("kubectl", "scale", "deployment/web", "--replicas=3")


def deployment(name: str, *, annotations: dict[str, str] | None = None) -> str:
    template_meta: dict[str, Any] = {"labels": {"app": name}}
    if annotations:
        template_meta["annotations"] = annotations  # read by the fake kubelet to drive the pod's state
    return json.dumps({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": template_meta,
                              "spec": {"containers": [{"name": "app", "image": "nginx"}]}}},
    })


def create_available(kube_cluster: Any, namespace: str, name: str) -> None:
    kube_cluster.kubectl("apply", "-n", namespace, "-f", "-", input=deployment(name))
    wait_for_cluster(lambda: kube_cluster.kubectl_json("get", "deployment", name, "-n", namespace),
                     lambda d: d.get("status", {}).get("availableReplicas") == 1,
                     timeout=60, what=f"deployment {name} to be available")


def replicas(kube_cluster: Any, namespace: str, name: str = "web") -> str:
    return kube_cluster.kubectl("get", "deployment", name, "-n", namespace, "-o", "jsonpath={.spec.replicas}").stdout


@pytest.fixture
def cluster_cfg(kube_cluster: Any, tmp_path: Path) -> Config:
    """The test cluster's admin kubeconfig, user alice, the scripted model, tier confirm for every context."""
    home = tmp_path / "home"
    home.mkdir()
    env = {**kube_cluster.env, "HOME": str(home), "KUBECONFIG": str(kube_cluster.kubeconfig), "USER": "alice"}
    cfg = Config(runtime=runtime_from_environ(env))
    return cfg.replace(
        llm=dataclasses.replace(cfg.llm, base_url=BASE_URL, api_key="sk-test", model=MODEL, max_retries=0),
        audit=dataclasses.replace(cfg.audit, path=str(tmp_path / "audit.jsonl")),
        policy=dataclasses.replace(cfg.policy, default_tier="confirm", workdir=str(tmp_path)),
    )


def cluster_app(cfg: Config, namespace: str, tmp_path: Path) -> AiopsChatApp:
    # demo=False: the health panel reads the live cluster through the session's context and namespace.
    return build_app(cfg, context=CONTEXT, namespace=namespace, export_dir=tmp_path / "export")


def scale_turn(script: Script, answer: str) -> None:
    script.replies += [Reply(tool_calls=[("s1", "scale", {"target": "deployment/web", "replicas": 3})]),
                       Reply(text=answer)]


def preview_shown(modal: Any) -> str:
    """The text the modal's preview box displays (not just what the request carried)."""
    box = modal.query_one("#approval-preview")
    return "\n".join(str(s.content) for s in box.query(Static))


async def test_approved_scale_shows_the_server_dry_run_and_scales(
        kube_cluster: Any, kube_namespace: str, cluster_cfg: Config, script: Script, tmp_path: Path) -> None:
    create_available(kube_cluster, kube_namespace, "web")
    scale_turn(script, "web now runs 3 replicas.")
    app = cluster_app(cluster_cfg, kube_namespace, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        assert app.session.status.context == CONTEXT and app.session.status.tier == "confirm"
        await send(pilot, "scale web to 3")
        modal = await _approval(pilot, app)
        assert modal.request.argv == SCALE and modal.request.risk == "write"
        shown = yaml.safe_load(preview_shown(modal))
        # The server's answer to the dry-run patch of spec.replicas for this very object ...
        assert (shown["kind"], shown["metadata"]["name"], shown["metadata"]["namespace"]) == \
            ("Deployment", "web", kube_namespace)
        # ... which changed nothing while the user decides.
        assert replicas(kube_cluster, kube_namespace) == "1"
        await pilot.press("y")
        await wait_until(pilot, lambda: app.chat.cancel is None, "the turn to end")
        (card,) = cards(app)
        assert card.result is not None and card.result.executed and card.result.approver == "user:alice"
        assert answers(app)[-1] == "web now runs 3 replicas."
    assert replicas(kube_cluster, kube_namespace) == "3"
    assert "deployment.apps/web scaled" in tool_messages(script)[-1]
    entries = audited(cluster_cfg, *SCALE)
    assert [(e["event"], e.get("approved"), e["approver"], e.get("exit_code")) for e in entries] == [
        ("decision", True, "user:alice", None), ("execution", None, "user:alice", 0)]
    assert {(e["context"], e["namespace"]) for e in entries} == {(CONTEXT, kube_namespace)}
    # The preview went through the same executor: a read, audited as such, before the decision.
    (preview,) = [e for e in audit_entries(cluster_cfg)
                  if e["event"] == "execution" and "--dry-run=server" in e["argv"]]
    assert preview["decision"] == "allow" and preview["exit_code"] == 0


async def test_scale_preview_shows_the_proposed_replica_count(
        kube_cluster: Any, kube_namespace: str, cluster_cfg: Config, script: Script, tmp_path: Path) -> None:
    create_available(kube_cluster, kube_namespace, "web")
    scale_turn(script, "Left as is.")
    app = cluster_app(cluster_cfg, kube_namespace, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "scale web to 3")
        modal = await _approval(pilot, app)
        shown = preview_shown(modal)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.chat.cancel is None, "the turn to end")
    assert "replicas: 3" in shown
    assert yaml.safe_load(shown)["spec"]["replicas"] == 3


async def test_denied_scale_changes_nothing_and_tells_the_model(
        kube_cluster: Any, kube_namespace: str, cluster_cfg: Config, script: Script, tmp_path: Path) -> None:
    create_available(kube_cluster, kube_namespace, "web")
    scale_turn(script, "Understood, web stays at 1.")
    app = cluster_app(cluster_cfg, kube_namespace, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "scale web to 3")
        await _approval(pilot, app)
        await pilot.press("n")
        await wait_until(pilot, lambda: app.chat.cancel is None, "the turn to end")
        (card,) = cards(app)
        assert card.result is not None and not card.result.executed
        assert answers(app)[-1] == "Understood, web stays at 1."
    assert replicas(kube_cluster, kube_namespace) == "1"
    assert "not approved" in tool_messages(script)[-1]
    entries = audited(cluster_cfg, *SCALE)
    assert [(e["event"], e["approved"], e["approver"]) for e in entries] == [("decision", False, "user:alice")]


async def test_health_panel_shows_a_crashing_deployment_from_the_live_cluster(
        kube_cluster: Any, kube_namespace: str, cluster_cfg: Config, script: Script, tmp_path: Path) -> None:
    create_available(kube_cluster, kube_namespace, "web")  # healthy: must not be a finding
    kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", "-",
                         input=deployment("crasher", annotations={"aiops.test/state": "CrashLoopBackOff"}))
    wait_for_cluster(
        lambda: kube_cluster.kubectl_json("get", "pods", "-n", kube_namespace, "-l", "app=crasher")["items"],
        lambda pods: any(s.get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff"
                         for p in pods for s in p.get("status", {}).get("containerStatuses", [])),
        timeout=60, what="the crasher pod in CrashLoopBackOff")
    app = cluster_app(cluster_cfg, kube_namespace, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, HealthScreen)
                         and not app.screen.query_one("#health-loading").display, "the live findings")
        screen = app.screen
        assert isinstance(screen, HealthScreen)
        title = str(screen.query_one("#health-title", Static).content)
        crashing = [f for f in screen.findings if f.reason == "CrashLoopBackOff"]
        assert crashing, f"no CrashLoopBackOff finding; the panel says {title!r}"
        assert all(f.namespace == kube_namespace for f in screen.findings)
        assert {(f.kind, f.parent) for f in crashing} == {("Pod", "Deployment/crasher")}
        assert not any("web" in f.subject for f in screen.findings)
        table = screen.query_one(FindingsTable)
        (group,) = [g for g in table.groups if g.root == "Deployment/crasher"]
        assert "CrashLoopBackOff" in group.reasons()
        assert "critical" in title or "warning" in title
