"""`aiops cluster up` against a stand-in minikube.

Minikube cannot run on the test machines: there is no Docker engine and no VM. So these tests put a
stand-in `minikube` (workflow_support.STAND_IN_MINIKUBE) first on a temporary PATH; it records every
argv and keeps a small state. What is tested is ours: the exact commands, their order, the idempotency,
the approval of writes and the audit log, all through the real executor and policy.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aiops_chat.audit import AuditLog
from aiops_chat.execution import ApproveWrites, DenyAll
from aiops_chat.workflow.checklist import Status
from aiops_chat.workflow.cluster_up import MINIKUBE_CONTEXT, ClusterSettings, cluster_up

from .workflow_support import FakeMinikube, audit_entries, make_config, make_executor

SETTINGS = ClusterSettings(driver="docker", cpus=2, memory=4096, addons=("dashboard", "metrics-server"),
                           images=("taskflow-backend:1.0.0", "taskflow-frontend:1.0.0"))

FIRST_RUN = [
    ["status", "--output=json"],
    ["start", "--driver=docker", "--cpus=2", "--memory=4096"],
    ["profile", "list", "--output=json"],
    ["addons", "enable", "dashboard"],
    ["addons", "enable", "metrics-server"],
    ["image", "ls"],
    ["image", "load", "taskflow-backend:1.0.0"],
    ["image", "load", "taskflow-frontend:1.0.0"],
]
READS_ONLY = [["status", "--output=json"], ["profile", "list", "--output=json"], ["image", "ls"]]


def _setup(tmp_path: Path, fake: FakeMinikube, system_path: str):  # type: ignore[no-untyped-def]
    cfg = make_config(tmp_path, path=f"{fake.bin_dir}{os.pathsep}{system_path}")
    return cfg, make_executor(cfg, context=MINIKUBE_CONTEXT)


def test_first_run_starts_enables_and_loads_in_order(tmp_path: Path, fake_minikube: FakeMinikube,
                                                      system_path: str) -> None:
    cfg, executor = _setup(tmp_path, fake_minikube, system_path)
    progress: list[str] = []

    steps = cluster_up(executor, SETTINGS, approver=ApproveWrites(), progress=progress.append)

    assert fake_minikube.calls() == FIRST_RUN
    assert steps.ok and steps.exit_code == 0
    assert [(c.name, c.status) for c in steps.checks] == [
        ("start", Status.OK), ("addon dashboard", Status.OK), ("addon metrics-server", Status.OK),
        ("image taskflow-backend:1.0.0", Status.OK), ("image taskflow-frontend:1.0.0", Status.OK)]
    assert any("starting minikube" in line for line in progress)
    assert any("loading image taskflow-frontend:1.0.0" in line for line in progress)

    entries = audit_entries(cfg)
    assert [e["argv"][1:] for e in entries] == FIRST_RUN
    writes = [e for e in entries if e["decision"] == "confirm"]
    assert [e["argv"][1] for e in writes] == ["start", "addons", "addons", "image", "image"]
    assert all(e["approver"] == "auto:--yes" and e["exit_code"] == 0 for e in writes)
    assert all(e["approver"] == "policy" for e in entries if e["decision"] == "allow")
    assert AuditLog(cfg.audit_path).verify().ok


def test_second_run_on_a_running_cluster_changes_nothing(tmp_path: Path, fake_minikube: FakeMinikube,
                                                          system_path: str) -> None:
    cfg, executor = _setup(tmp_path, fake_minikube, system_path)
    assert cluster_up(executor, SETTINGS, approver=ApproveWrites()).ok
    fake_minikube.reset_calls()
    before = len(audit_entries(cfg))

    # DenyAll: if the second run tried any write, it would be refused and the step would fail.
    steps = cluster_up(executor, SETTINGS, approver=DenyAll())

    assert fake_minikube.calls() == READS_ONLY
    assert steps.ok
    assert {c.status for c in steps.checks} == {Status.SKIP}
    assert steps.get("start") is not None and "already Running" in steps.get("start").detail  # type: ignore[union-attr]
    new = audit_entries(cfg)[before:]
    assert [e["decision"] for e in new] == ["allow", "allow", "allow"]


def test_partially_set_up_cluster_gets_only_what_is_missing(tmp_path: Path, fake_minikube: FakeMinikube,
                                                            system_path: str) -> None:
    fake_minikube.set("running", True)
    fake_minikube.set("addons", ["metrics-server"])
    fake_minikube.set("images", ["docker.io/library/taskflow-backend:1.0.0"])
    _, executor = _setup(tmp_path, fake_minikube, system_path)

    steps = cluster_up(executor, SETTINGS, approver=ApproveWrites())

    assert fake_minikube.calls() == [
        ["status", "--output=json"], ["profile", "list", "--output=json"], ["addons", "enable", "dashboard"],
        ["image", "ls"], ["image", "load", "taskflow-frontend:1.0.0"]]
    assert steps.ok


def test_configured_driver_cpus_memory_reach_minikube_start(tmp_path: Path, fake_minikube: FakeMinikube,
                                                            system_path: str) -> None:
    _, executor = _setup(tmp_path, fake_minikube, system_path)
    settings = ClusterSettings(driver="kvm2", cpus=4, memory=8192, addons=(), images=())

    cluster_up(executor, settings, approver=ApproveWrites())

    assert ["start", "--driver=kvm2", "--cpus=4", "--memory=8192"] in fake_minikube.calls()


def test_without_approval_nothing_is_written(tmp_path: Path, fake_minikube: FakeMinikube, system_path: str) -> None:
    cfg, executor = _setup(tmp_path, fake_minikube, system_path)

    steps = cluster_up(executor, SETTINGS, approver=DenyAll())

    assert fake_minikube.calls() == [["status", "--output=json"]]
    assert steps.exit_code == 1
    start = steps.get("start")
    assert start is not None and start.status is Status.FAIL and "not approved" in start.detail
    assert "--yes" in start.hint
    refused = [e for e in audit_entries(cfg, "decision") if e["argv"][1] == "start"]
    assert refused and refused[-1]["approved"] is False


def test_failed_start_stops_and_says_why(tmp_path: Path, fake_minikube: FakeMinikube, system_path: str) -> None:
    fake_minikube.set("fail-start", True)
    _, executor = _setup(tmp_path, fake_minikube, system_path)

    steps = cluster_up(executor, SETTINGS, approver=ApproveWrites())

    assert fake_minikube.calls() == FIRST_RUN[:2]
    assert steps.exit_code == 1
    assert "PROVIDER_DOCKER_NOT_RUNNING" in steps.checks[-1].detail


def test_one_image_failing_does_not_stop_the_other(tmp_path: Path, fake_minikube: FakeMinikube,
                                                   system_path: str) -> None:
    fake_minikube.set("unloadable", ["taskflow-backend:1.0.0"])
    _, executor = _setup(tmp_path, fake_minikube, system_path)

    steps = cluster_up(executor, SETTINGS, approver=ApproveWrites())

    assert fake_minikube.calls() == FIRST_RUN
    backend, frontend = steps.get("image taskflow-backend:1.0.0"), steps.get("image taskflow-frontend:1.0.0")
    assert backend is not None and backend.status is Status.FAIL and "GUEST_IMAGE_LOAD" in backend.detail
    assert frontend is not None and frontend.status is Status.OK
    assert steps.exit_code == 1


def test_minikube_missing_is_one_clear_failure(tmp_path: Path, system_path: str) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    cfg = make_config(tmp_path, path=str(empty))
    steps = cluster_up(make_executor(cfg, context=MINIKUBE_CONTEXT), SETTINGS, approver=ApproveWrites())

    assert [c.name for c in steps.checks] == ["status"]
    assert "not found on PATH" in steps.checks[0].detail and "minikube.sigs.k8s.io" in steps.checks[0].hint


def test_cli_cluster_up_yes_prints_table_and_progress(tmp_path: Path, fake_minikube: FakeMinikube,
                                                       system_path: str) -> None:
    env = {"PATH": f"{fake_minikube.bin_dir}{os.pathsep}{system_path}", "HOME": str(tmp_path / "home"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "KUBECONFIG": str(tmp_path / "no-kubeconfig")}
    run = [sys.executable, "-m", "aiops_chat.cli.main", "cluster", "up", "--yes", "--cpus", "3", "--output", "json"]

    first = subprocess.run(run, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    second = subprocess.run(run, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)

    assert first.returncode == 0, first.stderr
    assert ["start", "--driver=docker", "--cpus=3", "--memory=4096"] in fake_minikube.calls()
    assert "aiops: starting minikube" in first.stderr
    data = json.loads(first.stdout)
    assert data["ok"] is True and data["counts"]["ok"] == 5
    assert second.returncode == 0 and json.loads(second.stdout)["counts"]["skip"] == 5
    audit = AuditLog(tmp_path / "state" / "aiops" / "audit.jsonl")
    assert audit.verify().ok and len([e for e in audit.read() if e["event"] == "execution"]) == 8 + 3


@pytest.mark.parametrize("flag", ["--driver=podman", "--memory=2048"])
def test_cli_flags_parse(flag: str) -> None:
    from aiops_chat.cli.main import build_parser

    args = build_parser().parse_args(["cluster", "up", flag])
    assert args.handler.__name__ == "run_cluster_up"


def test_a_read_only_tier_for_minikube_refuses_the_writes(tmp_path: Path, fake_minikube: FakeMinikube,
                                                          system_path: str) -> None:
    cfg = make_config(tmp_path, path=f"{fake_minikube.bin_dir}{os.pathsep}{system_path}")
    cfg = cfg.replace(policy=dataclasses.replace(cfg.policy, tiers=(("minikube", "read-only"),)))

    steps = cluster_up(make_executor(cfg, context=MINIKUBE_CONTEXT), SETTINGS, approver=ApproveWrites())

    assert fake_minikube.calls() == [["status", "--output=json"]]
    start = steps.get("start")
    assert start is not None and start.status is Status.FAIL
    assert start.detail.startswith("denied by policy") and "aiops policy" in start.hint


def test_cli_cluster_up_refuses_another_context(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "--context", "prod", "cluster", "up", "--yes"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False)
    assert proc.returncode == 2
    assert "aiops: usage: cluster up manages minikube's own cluster" in proc.stderr
