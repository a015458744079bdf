"""One exit-code scheme for every command (aiops_chat/exit_codes.py, README "Exit codes"):
0 ok, 1 failure, 2 usage, 3 denied or declined, 130 interrupted. `ask` and `analyze` are held to it by
their own tests. Each row runs the real CLI in a subprocess, without a terminal (so nobody can approve).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiops_chat import errors, exit_codes
from tests.workflow.workflow_support import install_fake_minikube

UNREACHABLE = ("apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
               "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
               "users: [{name: u, user: {token: t}}]\n"
               "contexts: [{name: dev, context: {cluster: c, user: u, namespace: shop}}]\n")
TAMPERED_AUDIT = '{"seq": 1, "event": "execution", "hash": "not-a-hash", "prev": ""}\n'


def _aiops(tmp_path: Path, *args: str, path: str | None = None, kubeconfig: str | None = None,
           cwd: Path | None = None) -> int:
    env = {"HOME": str(tmp_path / "home"), "PATH": path or os.environ.get("PATH", "/usr/bin:/bin"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "KUBECONFIG": kubeconfig or str(tmp_path / "kubeconfig")}
    proc = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=cwd or tmp_path, stdin=subprocess.DEVNULL, timeout=120, check=False)
    return proc.returncode


@pytest.fixture
def unreachable(tmp_path: Path) -> Path:
    (tmp_path / "kubeconfig").write_text(UNREACHABLE)
    return tmp_path


ROWS: list[tuple[str, list[str], int]] = [
    ("argparse: unknown flag", ["--bogus"], exit_codes.USAGE),
    ("argparse: unknown command", ["frobnicate"], exit_codes.USAGE),
    ("argparse: bad choice", ["completion", "tcsh"], exit_codes.USAGE),
    ("completion", ["completion", "bash"], exit_codes.OK),
    ("policy check: allow", ["policy", "check", "--", "kubectl", "get", "pods"], exit_codes.OK),
    ("policy check: confirm", ["policy", "check", "--", "kubectl", "scale", "deploy/x", "--replicas=2"],
     exit_codes.OK),
    ("policy check: deny", ["policy", "check", "--", "kubectl", "exec", "x", "--", "sh"], exit_codes.DENIED),
    ("policy check: deny (json)", ["policy", "check", "--output", "json", "--", "kubectl", "delete", "namespace",
                                   "kube-system"], exit_codes.DENIED),
    ("policy check: no argv", ["policy", "check"], exit_codes.USAGE),
    ("run: no argv", ["run"], exit_codes.USAGE),
    ("run: denied by policy", ["run", "--", "kubectl", "exec", "x", "--", "sh"], exit_codes.DENIED),
    ("run: write, nobody to approve", ["run", "--", "kubectl", "scale", "deploy/x", "--replicas=2"],
     exit_codes.DENIED),
    ("run: the command failed (its own code)", ["run", "--", "kubectl", "get", "pods"], exit_codes.FAILURE),
    ("config: missing --config file", ["--config", "/nonexistent/aiops.toml", "config", "check"], exit_codes.USAGE),
    ("chat without a terminal", ["chat"], exit_codes.USAGE),
    ("cluster up on another context", ["--context", "prod", "cluster", "up"], exit_codes.USAGE),
    ("deploy: bad --timeout", ["deploy", "--timeout", "soon"], exit_codes.USAGE),
    ("doctor: cluster unreachable", ["doctor"], exit_codes.FAILURE),
    ("validate: cluster unreachable", ["validate"], exit_codes.FAILURE),
    ("audit verify: broken chain", ["audit", "--file", "tampered.jsonl", "verify"], exit_codes.FAILURE),
]


@pytest.mark.parametrize(("what", "args", "code"), ROWS, ids=[r[0] for r in ROWS])
def test_exit_code(what: str, args: list[str], code: int, unreachable: Path) -> None:
    (unreachable / "tampered.jsonl").write_text(TAMPERED_AUDIT)
    assert _aiops(unreachable, *args) == code, what


def test_cluster_up_declined_and_approved(tmp_path: Path) -> None:
    fake = install_fake_minikube(tmp_path)
    path = f"{fake.bin_dir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"
    assert _aiops(tmp_path, "cluster", "up", path=path) == exit_codes.DENIED  # no --yes, no terminal: declined
    assert fake.calls() == [["status", "--output=json"]]
    assert _aiops(tmp_path, "cluster", "up", "--yes", path=path) == exit_codes.OK


@pytest.mark.cluster
def test_deploy_declined(tmp_path: Path, kube_cluster: Any, kube_namespace: str) -> None:
    code = _aiops(tmp_path, "deploy", "-n", kube_namespace, path=kube_cluster.env["PATH"],
                  kubeconfig=str(kube_cluster.kubeconfig), cwd=Path(__file__).resolve().parents[2])  # charts/
    assert code == exit_codes.DENIED


@pytest.mark.parametrize(("error", "code"), [
    (errors.UsageError("x"), exit_codes.USAGE),
    (errors.ConfigError("x"), exit_codes.USAGE),
    (errors.SnapshotError("x"), exit_codes.USAGE),
    (errors.PolicyError("x"), exit_codes.DENIED),
    (errors.ClusterError("x"), exit_codes.FAILURE),
    (errors.LLMError("x"), exit_codes.FAILURE),
    (errors.AuditError("x"), exit_codes.FAILURE),
    (errors.TemplateError("x"), exit_codes.FAILURE),
    (KeyboardInterrupt(), exit_codes.INTERRUPTED),
])
def test_errors_map_to_codes(error: BaseException, code: int) -> None:
    assert exit_codes.for_error(error) == code


def test_main_maps_errors(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from aiops_chat.cli import config_cmd
    from aiops_chat.cli.main import main

    for exc, code in ((errors.ClusterError("api down"), 1), (errors.ConfigError("bad key"), 2),
                      (errors.PolicyError("no"), 3), (KeyboardInterrupt(), 130)):
        def handler(_args: object, exc: BaseException = exc) -> int:
            raise exc

        monkeypatch.setattr(config_cmd, "run_show", handler)  # the handler `config show` registers
        assert main(["config", "show"]) == code
    assert "aiops: cluster unreachable: api down" in capsys.readouterr().err
