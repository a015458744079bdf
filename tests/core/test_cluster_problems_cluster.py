"""Each kubeconfig problem is named, through both paths, against the real test control plane.

`aiops analyze` reads through the kubernetes-SDK gateway; `aiops run -- kubectl get pods` runs real kubectl
through the executor. Every variant is the fixture's working kubeconfig with one thing broken, so the only
reason a command can fail is the one the row names.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops_chat.exit_codes import FAILURE, OK

pytestmark = pytest.mark.cluster

Edit = Callable[[dict[str, Any]], None]


def _set_token(doc: dict[str, Any]) -> None:
    doc["users"][0]["user"]["token"] = "not-the-token"


def _closed_port(doc: dict[str, Any]) -> None:
    doc["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:9"


def _no_ca(doc: dict[str, Any]) -> None:
    del doc["clusters"][0]["cluster"]["certificate-authority"]


def _ghost_cluster(doc: dict[str, Any]) -> None:
    doc["contexts"][0]["context"]["cluster"] = "ghost-cluster"


def _ghost_user(doc: dict[str, Any]) -> None:
    doc["contexts"][0]["context"]["user"] = "ghost-user"


def _insecure(doc: dict[str, Any]) -> None:
    cluster = doc["clusters"][0]["cluster"]
    del cluster["certificate-authority"]
    cluster["insecure-skip-tls-verify"] = True


def _variant(kube_cluster: Any, tmp_path: Path, name: str, edit: Edit) -> Path:
    doc = yaml.safe_load(Path(kube_cluster.kubeconfig).read_text())
    doc = copy.deepcopy(doc)
    edit(doc)
    path = tmp_path / f"{name}.kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return path


def _aiops(kube_cluster: Any, tmp_path: Path, kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(tmp_path / "home"), "PATH": kube_cluster.env["PATH"], "KUBECONFIG": str(kubeconfig),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=120, check=False)


# name, how the kubeconfig is broken (None: the file does not exist), global args, what the message must say
ROWS: list[tuple[str, Edit | None, list[str], list[str]]] = [
    ("missing file", None, [], ["aiops: kubeconfig: no kubeconfig:", "missing file.kubeconfig does not exist",
                                "KUBECONFIG"]),
    ("unknown context", lambda d: None, ["--context", "prod"],
     ["aiops: kubeconfig: context 'prod' not found in", "(contexts: aiops-test)", "aiops --context NAME",
      "kubectl config get-contexts"]),
    ("context names a missing cluster", _ghost_cluster, [],
     ["aiops: kubeconfig:", "names cluster 'ghost-cluster', which is not in its clusters (clusters: aiops-test)"]),
    ("context names a missing user", _ghost_user, [],
     ["aiops: kubeconfig:", "names user 'ghost-user', which is not in its users (users: aiops-admin)"]),
    ("bad token", _set_token, [],
     ["aiops: cluster credentials rejected:", "rejected the credentials of user 'aiops-admin'", "401",
      "kubectl auth whoami"]),
    ("closed port", _closed_port, [],
     ["aiops: cluster unreachable: cannot reach the API server https://127.0.0.1:9 (context 'aiops-test'): "
      "connection refused", "kubectl cluster-info"]),
    ("unknown CA", _no_ca, [],
     ["aiops: cluster TLS: TLS with https://127.0.0.1:", "does not verify", "certificate-authority"]),
]


@pytest.mark.parametrize(("name", "edit", "flags", "says"), ROWS, ids=[r[0] for r in ROWS])
@pytest.mark.parametrize("path", ["analyze", "run kubectl", "ask offline"])
def test_the_message_names_the_cause(kube_cluster: Any, tmp_path: Path, name: str, edit: Edit | None,
                                     flags: list[str], says: list[str], path: str) -> None:
    kubeconfig = tmp_path / f"{name}.kubeconfig" if edit is None else _variant(kube_cluster, tmp_path, name, edit)
    command = {"analyze": ["analyze"], "run kubectl": ["run", "--", "kubectl", "get", "pods"],
               "ask offline": ["ask", "--offline", "what is broken?"]}[path]
    proc = _aiops(kube_cluster, tmp_path, kubeconfig, *flags, *command)
    assert proc.returncode == FAILURE, proc.stderr
    if path == "ask offline":  # the planner's answer says it, once, and tries nothing more
        answer = " ".join(proc.stdout.split())
        assert answer.count("The cluster could not be used") == 1, proc.stdout
        for part in says:  # the planner does not repeat the "aiops: TITLE:" prefix of the CLI's stderr line
            body = [*part.split(": ", 2), ""][2] if part.startswith("aiops: ") else part
            assert body == "" or body in answer, (body, proc.stdout)
        return
    said = [line for line in proc.stderr.splitlines() if line.startswith("aiops: ")]
    assert len(said) == 1, proc.stderr  # one diagnosis, not one per retry
    for part in says:
        assert part in said[0], (part, said[0])
    assert "cluster unreachable" not in said[0] or name == "closed port"
    assert "Traceback" not in proc.stderr


def test_forbidden_discovery_is_named(kube_cluster: Any, tmp_path: Path) -> None:
    """A context without a user is anonymous: the API server refuses even discovery (403)."""
    def anonymous(doc: dict[str, Any]) -> None:
        del doc["contexts"][0]["context"]["user"]

    proc = _aiops(kube_cluster, tmp_path, _variant(kube_cluster, tmp_path, "anon", anonymous), "analyze")
    assert proc.returncode == FAILURE
    assert "aiops: cluster access forbidden:" in proc.stderr
    assert "403 Forbidden" in proc.stderr and "system:anonymous" in proc.stderr
    assert "kubectl auth can-i --list" in proc.stderr


def test_one_forbidden_resource_is_named_but_is_not_the_cluster_down(kube_cluster: Any, tmp_path: Path) -> None:
    """The viewer may not read Secrets: kubectl's own exit code stands, and the line says RBAC, not 'unreachable'."""
    proc = _aiops(kube_cluster, tmp_path, Path(kube_cluster.viewer_kubeconfig), "run", "--", "kubectl", "get",
                  "secrets")
    assert proc.returncode == 1
    assert "aiops: cluster access forbidden:" in proc.stderr and "RBAC" in proc.stderr
    assert "unreachable" not in proc.stderr


def test_insecure_skip_tls_verify_says_so_once_without_urllib3_warnings(kube_cluster: Any, tmp_path: Path) -> None:
    kubeconfig = _variant(kube_cluster, tmp_path, "insecure", _insecure)
    proc = _aiops(kube_cluster, tmp_path, kubeconfig, "analyze", "-n", "default")
    assert proc.returncode == OK, proc.stderr
    assert "InsecureRequestWarning" not in proc.stderr and "warnings.warn" not in proc.stderr
    notices = [line for line in proc.stderr.splitlines() if "TLS verification is off" in line]
    assert len(notices) == 1, proc.stderr
    assert kube_cluster.server in notices[0] and str(kubeconfig) in notices[0]
    ran = _aiops(kube_cluster, tmp_path, kubeconfig, "run", "--", "kubectl", "get", "pods")
    assert ran.returncode == OK, ran.stderr  # kubectl honours the flag itself; nothing of ours to add
