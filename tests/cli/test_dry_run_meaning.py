"""One meaning of --dry-run (issue 13 item 11): nothing changes on the cluster. `aiops run --dry-run` shows a
write's server dry run and stops; `--preview` shows it and then asks; ask/chat plan without running anything
under `--plan`, with `--dry-run` kept there as a deprecated alias that says so on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.cli.main import build_parser, main
from aiops_chat.exit_codes import OK, USAGE


@pytest.mark.parametrize("command", ["ask", "chat"])
def test_plan_and_its_deprecated_alias(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    extra = ["why?"] if command == "ask" else []
    assert build_parser().parse_args([command, "--plan", *extra]).plan is True
    assert capsys.readouterr().err == ""
    assert build_parser().parse_args([command, *extra]).plan is False
    assert build_parser().parse_args([command, "--dry-run", *extra]).plan is True
    assert capsys.readouterr().err == (f"aiops: `{command} --dry-run` is now `{command} --plan` (plan only, nothing "
                                       "runs); --dry-run still works here for now\n")


def test_help_says_what_each_flag_means(capsys: pytest.CaptureFixture[str]) -> None:
    for command, expected in (("run", "change nothing: show the server dry run"),
                              ("ask", "plan only"), ("chat", "plan only")):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert expected in out, command
        if command != "run":
            assert "deprecated: the old name of --plan" in out


def test_run_dry_run_and_preview_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--dry-run", "--preview", "--", "kubectl", "get", "pods"])
    assert exc.value.code == USAGE


def _aiops(kube_cluster: Any, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(tmp_path / "home"), "PATH": kube_cluster.env["PATH"], "KUBECONFIG": str(kube_cluster.kubeconfig),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, timeout=120, check=False)


@pytest.mark.cluster
def test_run_dry_run_changes_nothing_but_reads_run(kube_cluster: Any, kube_namespace: str, tmp_path: Path) -> None:
    kube_cluster.kubectl("create", "deployment", "web", "--image=nginx", "-n", kube_namespace)
    ns = ["-n", kube_namespace]
    read = _aiops(kube_cluster, tmp_path, *ns, "run", "--dry-run", "--", "kubectl", "get", "deployments")
    assert read.returncode == OK and "web" in read.stdout  # a read changes nothing: it runs
    scale = _aiops(kube_cluster, tmp_path, *ns, "run", "--yes", "--dry-run", "--", "kubectl", "scale",
                   "deployment/web", "--replicas=4")
    assert scale.returncode == OK, scale.stderr
    assert "dry run, nothing changes" in scale.stderr and "replicas: 4" in scale.stdout  # the server's answer
    spec = kube_cluster.kubectl_json("get", "deployment", "web", "-n", kube_namespace)["spec"]
    assert spec["replicas"] == 1  # --yes did not turn the dry run into a write
    missing = _aiops(kube_cluster, tmp_path, *ns, "run", "--dry-run", "--", "kubectl", "scale", "deployment/nope",
                     "--replicas=2")
    assert missing.returncode == 1 and "NotFound" in missing.stderr  # the server's refusal is the dry run's result
