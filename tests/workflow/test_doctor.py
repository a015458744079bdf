"""`aiops doctor` against the real test control plane, with real kubectl and helm.

Each test builds its PATH from exactly the tools it wants: the real kubectl and helm (symlinked from
the control plane's PATH) and, where a test needs them, stand-ins for minikube and docker, which cannot
run here (no Docker engine, no VM; see workflow_support). The checks that reach the cluster, and every
kubectl/helm/minikube probe, go through the real executor and policy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops_chat.config import Config, WorkflowConfig
from aiops_chat.workflow.checklist import Checklist, Status
from aiops_chat.workflow.doctor import run_doctor

from .workflow_support import (
    CHARTS,
    STAND_IN_KUBECTL_AI,
    FakeMinikube,
    audit_entries,
    install_fake_docker,
    install_fake_minikube,
    install_script,
    link_real_tools,
    make_config,
    make_executor,
    unreachable_kubeconfig,
)

IMAGES = ("taskflow-backend:1.0.0", "taskflow-frontend:1.0.0")


def _doctor(cfg: Config) -> Checklist:
    return run_doctor(cfg, make_executor(cfg))


def _status(checklist: Checklist, name: str) -> Status:
    check = checklist.get(name)
    assert check is not None, f"no check {name!r} in {[c.name for c in checklist.checks]}"
    return check.status


@pytest.fixture
def tool_bin(tmp_path: Path, kube_cluster: Any) -> Path:
    bin_dir = tmp_path / "tools"
    link_real_tools(bin_dir, kube_cluster.env["PATH"], "kubectl", "helm")
    return bin_dir


def _path(*dirs: Path) -> str:
    return os.pathsep.join(str(d) for d in dirs)


def _as_minikube(tmp_path: Path, kube_cluster: Any) -> str:
    """The test cluster's kubeconfig with its context named as minikube names its own: the Minikube workflow."""
    doc = yaml.safe_load(Path(kube_cluster.kubeconfig).read_text())
    for context in doc["contexts"]:
        if context["name"] == doc["current-context"]:
            context["name"] = "minikube"
    doc["current-context"] = "minikube"
    path = tmp_path / "minikube.kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


@pytest.mark.cluster
def test_ready_machine_passes_every_check(tmp_path: Path, kube_cluster: Any, tool_bin: Path) -> None:
    fake = install_fake_minikube(tmp_path)
    fake.set("running", True)
    fake.set("images", [f"docker.io/library/{i}" for i in IMAGES])
    install_fake_docker(tool_bin, engine=True, images=IMAGES)
    install_script(tool_bin, "kubectl-ai", STAND_IN_KUBECTL_AI)
    cfg = make_config(tmp_path, path=_path(fake.bin_dir, tool_bin), kubeconfig=_as_minikube(tmp_path, kube_cluster))

    checklist = _doctor(cfg)

    assert [(c.name, c.status) for c in checklist.checks] == [
        ("minikube", Status.OK), ("kubectl", Status.OK), ("helm", Status.OK), ("docker", Status.OK),
        ("kubectl-ai", Status.OK), ("image taskflow-backend:1.0.0", Status.OK),
        ("image taskflow-frontend:1.0.0", Status.OK), ("cluster", Status.OK), ("metrics-server", Status.OK)]
    details = {c.name: c.detail for c in checklist.checks}
    assert details["minikube"] == "v1.33.1 (cluster: Running)"
    assert details["kubectl"].startswith("v1.")
    assert details["helm"].startswith("v3.")
    assert details["docker"] == "client 28.2.2, engine 28.2.2"
    assert details["kubectl-ai"] == "version: 0.0.12"
    assert details["image taskflow-backend:1.0.0"] == "loaded in minikube"
    assert "context minikube: API server ready, Kubernetes v1.20" in details["cluster"]
    assert "v1beta1.metrics.k8s.io available" in details["metrics-server"]
    assert checklist.exit_code == 0


@pytest.mark.cluster
def test_missing_tools_fail_with_install_hints(tmp_path: Path, kube_cluster: Any, tool_bin: Path) -> None:
    cfg = make_config(tmp_path, path=_path(tool_bin), kubeconfig=_as_minikube(tmp_path, kube_cluster))

    checklist = _doctor(cfg)

    minikube = checklist.get("minikube")
    assert minikube is not None and minikube.status is Status.FAIL and minikube.required
    assert "not found on PATH" in minikube.detail and "minikube.sigs.k8s.io" in minikube.hint
    docker = checklist.get("docker")
    assert docker is not None and docker.status is Status.FAIL and docker.required  # the docker driver needs it
    ai = checklist.get("kubectl-ai")
    assert ai is not None and ai.status is Status.FAIL and not ai.required
    # Without docker nor minikube, nobody can say whether the images exist: a warning, not a failure.
    assert _status(checklist, "image taskflow-backend:1.0.0") is Status.WARN
    assert _status(checklist, "cluster") is Status.OK
    assert checklist.exit_code == 1
    table = checklist.render_table()
    assert "fix: install minikube" in table and "doctor: FAILED" in table


@pytest.mark.cluster
def test_docker_matters_only_for_the_docker_driver(tmp_path: Path, kube_cluster: Any, tool_bin: Path) -> None:
    fake = install_fake_minikube(tmp_path)
    fake.set("running", True)
    fake.set("images", [f"docker.io/library/{i}" for i in IMAGES])
    install_fake_docker(tool_bin, engine=False)
    path = _path(fake.bin_dir, tool_bin)
    with_docker_driver = make_config(tmp_path, path=path, kubeconfig=_as_minikube(tmp_path, kube_cluster))
    with_kvm = make_config(tmp_path, path=path, kubeconfig=_as_minikube(tmp_path, kube_cluster),
                           workflow=WorkflowConfig(driver="kvm2", charts_dir=str(CHARTS)))

    docker_driver = _doctor(with_docker_driver)
    kvm = _doctor(with_kvm)

    check = docker_driver.get("docker")
    assert check is not None and check.status is Status.FAIL
    assert "client 28.2.2; engine not reachable: Cannot connect to the Docker daemon" in check.detail
    assert docker_driver.exit_code == 1
    kvm_check = kvm.get("docker")
    assert kvm_check is not None and kvm_check.status is Status.WARN and not kvm_check.required
    assert kvm.exit_code == 0


@pytest.mark.cluster
def test_images_looked_up_in_minikube_then_docker(tmp_path: Path, kube_cluster: Any, tool_bin: Path) -> None:
    fake = install_fake_minikube(tmp_path)
    fake.set("running", True)
    fake.set("images", ["docker.io/library/taskflow-backend:1.0.0"])
    install_fake_docker(tool_bin, engine=True, images=())
    cfg = make_config(tmp_path, path=_path(fake.bin_dir, tool_bin), kubeconfig=_as_minikube(tmp_path, kube_cluster))

    checklist = _doctor(cfg)

    assert _status(checklist, "image taskflow-backend:1.0.0") is Status.OK
    frontend = checklist.get("image taskflow-frontend:1.0.0")
    assert frontend is not None and frontend.status is Status.FAIL
    assert frontend.detail == "not in the local docker store nor in minikube"
    assert "docker build -t taskflow-frontend:1.0.0" in frontend.hint
    assert checklist.exit_code == 1

    install_fake_docker(tool_bin, engine=True, images=("taskflow-frontend:1.0.0",))
    again = _doctor(cfg).get("image taskflow-frontend:1.0.0")
    assert again is not None and again.status is Status.OK and "not yet loaded into minikube" in again.detail


@pytest.mark.cluster
def test_probes_are_audited_through_the_executor(tmp_path: Path, kube_cluster: Any, tool_bin: Path,
                                                 fake_minikube: FakeMinikube) -> None:
    cfg = make_config(tmp_path, path=_path(fake_minikube.bin_dir, tool_bin), kubeconfig=str(kube_cluster.kubeconfig))

    _doctor(cfg)

    argvs = [e["argv"] for e in audit_entries(cfg)]
    assert ["minikube", "version", "--short"] in argvs
    assert ["kubectl", "get", "--raw", "/readyz"] in argvs
    assert ["helm", "version", "--short"] in argvs
    assert ["kubectl", "get", "apiservice", "v1beta1.metrics.k8s.io", "--output=json"] in argvs
    assert all(e["decision"] == "allow" for e in audit_entries(cfg)), "doctor only reads"
    assert not any(a[0] == "docker" for a in argvs), "docker is probed outside the policy's binaries"


def test_unreachable_cluster_fails_and_skips_metrics(tmp_path: Path, system_path: str) -> None:
    cfg = make_config(tmp_path, path=system_path, kubeconfig=unreachable_kubeconfig(tmp_path))

    checklist = _doctor(cfg)

    cluster = checklist.get("cluster")
    assert cluster is not None and cluster.status is Status.FAIL
    assert cluster.detail.startswith("context nowhere: ") and "aiops cluster up" in cluster.hint
    assert _status(checklist, "metrics-server") is Status.SKIP
    assert checklist.exit_code == 1


@pytest.mark.cluster
def test_cli_doctor_json_and_exit_code(tmp_path: Path, kube_cluster: Any, tool_bin: Path) -> None:
    env = {"PATH": _path(tool_bin), "HOME": str(tmp_path / "home"), "KUBECONFIG": _as_minikube(tmp_path, kube_cluster),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "doctor", "--output", "json"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)

    assert proc.returncode == 1, proc.stderr  # minikube and docker are missing from this PATH
    data = json.loads(proc.stdout)
    by_name = {c["name"]: c for c in data["checks"]}
    assert by_name["cluster"]["status"] == "ok"
    assert by_name["minikube"]["status"] == "fail" and by_name["minikube"]["hint"]
    assert data["ok"] is False


@pytest.mark.cluster
def test_on_another_cluster_minikube_checks_do_not_fail_the_run(tmp_path: Path, kube_cluster: Any,
                                                                tool_bin: Path) -> None:
    # An ordinary setup: kubectl and helm, a real cluster that is not minikube, no minikube, no docker.
    cfg = make_config(tmp_path, path=_path(tool_bin), kubeconfig=str(kube_cluster.kubeconfig))

    checklist = _doctor(cfg)

    for name in ("minikube", "docker", "image taskflow-backend:1.0.0", "image taskflow-frontend:1.0.0"):
        check = checklist.get(name)
        assert check is not None and not check.required and "aiops cluster up" in check.needed_for, name
    minikube = checklist.get("minikube")
    assert minikube is not None and minikube.status is Status.FAIL  # still reported, with its fix
    assert _status(checklist, "kubectl") is Status.OK and _status(checklist, "cluster") is Status.OK
    assert checklist.get("kubectl") is not None and checklist.get("kubectl").required  # type: ignore[union-attr]
    assert checklist.exit_code == 0
    table = checklist.render_table()
    assert "(only needed for `aiops cluster up`" in table and "fix: install minikube" in table
    assert "not minikube): passed" in table


@pytest.mark.cluster
def test_cli_doctor_on_another_cluster_exits_0(tmp_path: Path, kube_cluster: Any, tool_bin: Path) -> None:
    env = {"PATH": _path(tool_bin), "HOME": str(tmp_path / "home"), "KUBECONFIG": str(kube_cluster.kubeconfig),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "doctor", "--output", "json"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    by_name = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert by_name["minikube"]["status"] == "fail" and by_name["minikube"]["required"] is False
    assert by_name["minikube"]["needed_for"].startswith("only needed for `aiops cluster up`")
