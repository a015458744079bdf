"""`aiops analyze` and `aiops optimize` as a user runs them: the installed entry point, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

AIOPS = str(Path(sys.executable).parent / "aiops")
SNAPSHOTS = Path(__file__).parent / "fixtures" / "snapshots"


def run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    # An empty HOME and no KUBECONFIG: snapshot and demo runs must never touch a cluster or a user's config.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    return subprocess.run([AIOPS, *args], capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path)


def test_demo_json_has_the_documented_shape_and_the_three_faults(tmp_path: Path) -> None:
    res = run("analyze", "--demo", "--output", "json", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert set(data) == {"findings", "summary"}
    assert all(list(f) == ["kind", "namespace", "name", "analyzer", "severity", "reason", "message", "evidence",
                           "suggestions", "parent"] for f in data["findings"])
    reasons = {(f["kind"], f["reason"]) for f in data["findings"]}
    assert {("Pod", "CrashLoopBackOff"), ("Service", "SelectorMatchesNothing"), ("Pod", "Unschedulable")} <= reasons
    assert data["summary"]["by_severity"]["critical"] == data["summary"]["total"] == 7
    assert data["summary"]["groups"] == 3
    crash = next(f for f in data["findings"] if f["reason"] == "CrashLoopBackOff")
    assert crash["parent"] == "Deployment/taskflow-backend"
    assert any(s.startswith("kubectl logs taskflow-backend-") and "--previous" in s for s in crash["suggestions"])


def test_demo_table_is_grouped_by_root_cause(tmp_path: Path) -> None:
    res = run("analyze", "--demo", tmp_path=tmp_path)
    assert res.returncode == 0
    headers = [line for line in res.stdout.splitlines() if line.startswith("CRITICAL")]
    assert headers == [
        "CRITICAL  taskflow/Deployment/taskflow-backend  (ProgressDeadlineExceeded, CrashLoopBackOff, NoReadyEndpoints)",
        "CRITICAL  taskflow/Deployment/taskflow-worker  (UnavailableReplicas, Unschedulable)",
        "CRITICAL  taskflow/Service/taskflow-frontend  (SelectorMatchesNothing)",
    ]
    assert res.stdout.rstrip().endswith("7 findings in 3 groups: 7 critical, 0 warning, 0 info (demo).")


def test_markdown_output(tmp_path: Path) -> None:
    res = run("analyze", "--demo", "-o", "markdown", tmp_path=tmp_path)
    # The demo says so first (issue 13 item 16), then the report as for any source.
    assert res.stdout.startswith("> **DEMO: ")
    assert res.stdout.splitlines()[2] == "# Cluster health"
    assert "## critical: taskflow/Service/taskflow-frontend" in res.stdout
    assert "| critical | `Service/taskflow-frontend` | SelectorMatchesNothing |" in res.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [(["--fail-on", "critical"], 1), (["--fail-on", "warning"], 1), ([], 0),
     (["-n", "kube-system", "--fail-on", "warning"], 0)],
)
def test_fail_on(args: list[str], code: int, tmp_path: Path) -> None:
    assert run("analyze", "--demo", *args, tmp_path=tmp_path).returncode == code


def test_namespace_filter_severity_and_selector(tmp_path: Path) -> None:
    def reasons(*args: str) -> set[str]:
        out = run("analyze", "--demo", "-o", "json", *args, tmp_path=tmp_path)
        assert out.returncode == 0, out.stderr
        return {f["reason"] for f in json.loads(out.stdout)["findings"]}

    assert reasons("--filter", "Service") == {"SelectorMatchesNothing", "NoReadyEndpoints"}
    assert reasons("-l", "app=taskflow-worker") == {"UnavailableReplicas", "Unschedulable"}
    assert reasons("-n", "kube-system") == set()
    assert reasons("--best-practices", "--severity", "info") >= {"MayRunAsRoot", "NoProbes"}
    assert "NoProbes" not in reasons("--best-practices", "--severity", "warning")
    # The global form works as well as the subcommand's.
    out = run("-n", "kube-system", "analyze", "--demo", "-o", "json", tmp_path=tmp_path)
    assert json.loads(out.stdout)["findings"] == []


def test_snapshot_file(tmp_path: Path) -> None:
    res = run("analyze", "--snapshot", str(SNAPSHOTS / "stream.yaml"), "-o", "json", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr
    assert {(f["name"], f["reason"]) for f in json.loads(res.stdout)["findings"]} == {
        ("web", "SelectorMatchesNothing"), ("other", "Unschedulable")}


def test_bad_snapshot_is_an_error_naming_the_file(tmp_path: Path) -> None:
    res = run("analyze", "--snapshot", str(SNAPSHOTS / "bad.yaml"), tmp_path=tmp_path)
    assert res.returncode == 2
    assert res.stdout == ""
    assert res.stderr.startswith("aiops: bad snapshot: ")
    assert "bad.yaml: not valid YAML or JSON: line 3" in res.stderr


def test_unknown_filter_is_a_usage_error(tmp_path: Path) -> None:
    res = run("analyze", "--demo", "--filter", "Pods", tmp_path=tmp_path)
    assert res.returncode == 2 and "unknown analyzer 'Pods'" in res.stderr


def test_snapshot_and_demo_are_exclusive(tmp_path: Path) -> None:
    res = run("analyze", "--demo", "--snapshot", "x.yaml", tmp_path=tmp_path)
    assert res.returncode == 2 and "not allowed with argument" in res.stderr


def test_list_analyzers(tmp_path: Path) -> None:
    res = run("analyze", "--list-analyzers", tmp_path=tmp_path)
    names = res.stdout.split("\n")
    assert names[0] == "Pod" and "Webhook" in names and "BestPractice (--best-practices)" in names


def test_optimize_demo_json(tmp_path: Path) -> None:
    res = run("optimize", "--demo", "-o", "json", tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr
    recs = json.loads(res.stdout)["recommendations"]
    frontend = next(r for r in recs if r["name"] == "taskflow-frontend")
    assert frontend["reason"] == "UnderProvisioned"
    assert frontend["command"] == ("kubectl set resources deployment/taskflow-frontend -c frontend "
                                   "--requests=cpu=20m,memory=320Mi -n taskflow")
    assert "memory: 320Mi" in frontend["helm_values"]
    assert {r["name"] for r in recs if r["reason"] == "OverProvisioned"} == {"coredns", "taskflow-redis"}


def test_live_analysis_of_an_unreachable_cluster_says_which_server(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\n"
        "clusters: [{name: gone, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: gone, context: {cluster: gone, user: u, namespace: app}}]\n")
    env_run = subprocess.run([AIOPS, "analyze"], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                             env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
                                  "KUBECONFIG": str(kubeconfig)})
    assert env_run.returncode == 1  # README "Exit codes": the cluster did not answer, a failure rather than usage
    assert "cannot reach the API server https://127.0.0.1:9" in env_run.stderr
    assert "--snapshot FILE / --demo" in env_run.stderr


def test_demo_says_it_is_a_demo_in_its_first_line_and_json_stays_clean(tmp_path: Path) -> None:
    table = run("analyze", "--demo", tmp_path=tmp_path)
    assert table.stdout.splitlines()[0].startswith("DEMO: the built-in snapshot of TaskFlow")
    assert "not your cluster" in table.stdout.splitlines()[0]
    as_json = run("analyze", "--demo", "-o", "json", tmp_path=tmp_path)
    assert json.loads(as_json.stdout)["summary"]["source"] == "demo"


@pytest.mark.parametrize("source", [["--demo"], ["--snapshot", "SNAPSHOT"]])
def test_a_namespace_that_does_not_exist_is_an_error_not_a_clean_bill(tmp_path: Path, source: list[str]) -> None:
    snap = tmp_path / "snap.yaml"
    snap.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nstatus: {phase: Running}\n")
    args = [str(snap) if a == "SNAPSHOT" else a for a in source]
    res = run("analyze", *args, "-n", "typo", "--fail-on", "critical", tmp_path=tmp_path)
    assert res.returncode == 2  # USAGE: distinct from 1, the --fail-on gate tripping
    assert "namespace 'typo' does not exist" in res.stderr
    assert "No problems found" not in res.stdout
    good = run("analyze", *args, "-n", "taskflow" if source == ["--demo"] else "shop", tmp_path=tmp_path)
    assert good.returncode == 0, good.stderr


def test_an_empty_namespace_recorded_by_aiops_snapshot_exists(tmp_path: Path) -> None:
    snap = tmp_path / "empty.json"
    snap.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [], "metadata": {"annotations": {
        "aiops-chat/listed-kinds": "Pod,Service", "aiops-chat/namespace": "quiet"}}}))
    res = run("analyze", "--snapshot", str(snap), "-n", "quiet", tmp_path=tmp_path)
    assert res.returncode == 0 and "No problems found" in res.stdout


def test_analyze_help_points_to_the_checks_document(tmp_path: Path) -> None:
    res = run("analyze", "--help", tmp_path=tmp_path)
    assert res.returncode == 0 and "docs/analyzers.md" in res.stdout


def test_the_checks_document_names_every_reason_the_fixtures_expect() -> None:
    """docs/analyzers.md is the list of every check: a reason an analyzer can report and the document omits
    fails here."""
    import yaml

    doc = (Path(__file__).parents[2] / "docs" / "analyzers.md").read_text(encoding="utf-8")
    reasons = {e["reason"] for p in (Path(__file__).parent / "fixtures" / "analyzers").glob("*.yaml")
               for c in yaml.safe_load(p.read_text())["cases"] for e in c["expect"]}
    generic = {"RecurringWarnings", "FailedScheduling", "BackOff", "Unhealthy"}  # the Event analyzer reports the events' own
    missing = sorted(r for r in reasons - generic if f"`{r}`" not in doc)
    assert missing == []
