"""`aiops eval` as a user runs it: the shipped console entry in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.eval.test_harness_scores import SCALE, deployment


def aiops(tmp_path: Path, *args: str, env: dict[str, str] | None = None, config: str = ""
          ) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "aiops.toml"
    cfg.write_text(f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n[policy]\nworkdir = "{tmp_path}"\n{config}')
    base = {k: v for k, v in (env or os.environ).items() if not k.startswith(("OPENAI_", "AIOPS_"))}
    base.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "--config", str(cfg), "eval", *args],
                          env=base, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, check=False)


def kubeconfig(tmp_path: Path, contexts: dict[str, str]) -> str:
    """A kubeconfig whose contexts point at the given servers (nothing is contacted: refusals come first)."""
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": next(iter(contexts)),
           "clusters": [{"name": n, "cluster": {"server": s}} for n, s in contexts.items()],
           "users": [{"name": "u", "user": {"token": "t"}}],
           "contexts": [{"name": n, "context": {"cluster": n, "user": "u"}} for n in contexts]}
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_list_shows_the_shipped_scenarios_without_a_cluster_or_model(tmp_path: Path) -> None:
    proc = aiops(tmp_path, "--list")
    assert proc.returncode == 0, proc.stderr
    assert "operate-scale" in proc.stdout and "operate" in proc.stdout
    proc = aiops(tmp_path, "--list", "--filter", "nothing-*")
    assert proc.returncode == 2 and "no scenario matches nothing-*" in proc.stderr


@pytest.mark.parametrize(("context", "flag", "message"), [
    ("prod-eu", True, "context 'prod-eu' is read-only in the policy"),
    ("shared-eks", False, "context 'shared-eks' does not look like a throwaway cluster"),
    ("billing", False, "context 'billing' is read-only in the policy"),  # named in [policy] read_only_contexts
])
def test_refused_contexts_exit_3_before_anything_is_created(tmp_path: Path, context: str, flag: bool,
                                                           message: str) -> None:
    env = dict(os.environ, KUBECONFIG=kubeconfig(tmp_path, {context: "https://k8s.example.com:6443"}))
    args = ["--context", context, *(["--i-know-this-is-a-test-cluster"] if flag else [])]
    proc = aiops(tmp_path, *args, env=env, config='read_only_contexts = ["billing"]\n')
    assert proc.returncode == 3, proc.stderr
    assert message in proc.stderr


def test_a_remote_context_passes_with_the_flag_and_then_needs_a_model(tmp_path: Path) -> None:
    env = dict(os.environ, KUBECONFIG=kubeconfig(tmp_path, {"shared-eks": "https://k8s.example.com:6443"}))
    proc = aiops(tmp_path, "--context", "shared-eks", "--i-know-this-is-a-test-cluster", env=env)
    assert proc.returncode == 1 and "no LLM configured" in proc.stderr, proc.stderr
    local = dict(os.environ, KUBECONFIG=kubeconfig(tmp_path, {"lab": "https://127.0.0.1:6443"}))
    proc = aiops(tmp_path, "--context", "lab", env=local)  # a local API server counts as throwaway
    assert proc.returncode == 1 and "no LLM configured" in proc.stderr, proc.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--runs", "0"], "--runs must be at least 1"),
    (["--scenarios", "/nonexistent"], "/nonexistent: no such directory of eval scenarios"),
    (["-o", "yaml"], "invalid choice"),
])
def test_bad_command_lines_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    proc = aiops(tmp_path, *args)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


@pytest.mark.cluster
def test_an_offline_eval_on_the_cluster_reports_json(tmp_path: Path, kube_cluster: Any) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "scale-web.yaml").write_text(yaml.safe_dump(SCALE))
    broken = dict(SCALE, name="no-such-image", setup=[{"apply": yaml.safe_dump(deployment("web"))},
                                                      {"wait": [{"exists": "deployment/other"}]}], wait_seconds=1)
    (scenarios / "no-such-image.yaml").write_text(yaml.safe_dump(broken))
    proc = aiops(tmp_path, "--offline", "--scenarios", str(scenarios), "--context", "aiops-test", "-o", "json",
                 env=kube_cluster.env)
    assert proc.returncode == 1, proc.stderr  # one scenario's set-up failed: not every run was judged
    doc = json.loads(proc.stdout)
    assert doc["model"] == "offline planner" and doc["context"] == "aiops-test" and doc["k"] == 1
    assert [(s["scenario"], s["runs"], s["errors"]) for s in doc["scenarios"]] == [("no-such-image", 0, 1),
                                                                                   ("scale-web", 1, 0)]
    assert doc["overall"]["pass@1"] == 1.0 and doc["overall"]["errors"] == 1
    assert doc["runs"][1]["attempts"] == [{"argv": ["kubectl", "scale", "deployment/web", "--replicas=3"],
                                           "decision": "confirm", "risk": "write", "executed": True, "violation": ""}]
    assert "eval: scale-web run 1/1: pass" in proc.stderr
    assert "eval: no-such-image run 1/1: error: harness: set-up did not settle within 1s" in proc.stderr
