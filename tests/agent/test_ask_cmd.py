"""`aiops ask` end to end in-process: config file, the real CLI parser, the scripted model on the OpenAI wire,
and the stand-in kubectl on PATH (no cluster needed; the cluster test covers the real one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiops_chat.cli.main import main
from tests.agent.helpers import call, calls
from tests.llm.openai_wire import BASE_URL, ScriptedModel, serve
from tests.tools.fake_kubectl import FakeKubectl


@pytest.fixture
def cli_env(fake_kubectl: FakeKubectl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PATH", f"{fake_kubectl.bin}:/usr/bin:/bin")
    monkeypatch.setenv("KUBECONFIG", str(fake_kubectl.kubeconfig))
    monkeypatch.setenv("HOME", str(fake_kubectl.home))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("AIOPS_CONFIG", raising=False)
    config = tmp_path / "aiops.toml"
    config.write_text(f'[llm]\nbase_url = "{BASE_URL}"\napi_key = "sk-test"\nmax_retries = 0\n'
                      f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n[policy]\nworkdir = "{tmp_path}"\n')
    return config


def test_json_output_has_exactly_the_issue_shape(cli_env: Path, fake_kubectl: FakeKubectl,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    fake_kubectl.respond("get", "pods", stdout="web-0   0/1\n")
    model = ScriptedModel([calls(call("get", "g", kind="pods"), call("scale", "s", target="deployment/web", replicas=2)),
                           "web-0 is not ready; I proposed scaling."])
    with serve(model):
        code = main(["--config", str(cli_env), "ask", "why is web-0 not ready?", "--output", "json"])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"answer", "plan", "usage"}
    assert doc["answer"] == "web-0 is not ready; I proposed scaling."
    assert doc["plan"] == [
        {"tool": "get", "argv": ["kubectl", "get", "pods"], "decision": "allow", "executed": True, "exit_code": 0},
        # No terminal under pytest and no --yes: the write is listed, not run.
        {"tool": "scale", "argv": ["kubectl", "scale", "deployment/web", "--replicas=2"], "decision": "confirm",
         "executed": False, "exit_code": None},
    ]
    assert doc["usage"]["total_tokens"] == 120
    assert [c[1] for c in fake_kubectl.commands()] == ["get"]


def test_text_output_streams_the_answer_and_lists_proposed_writes(cli_env: Path, fake_kubectl: FakeKubectl,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    model = ScriptedModel([calls(call("rollout", "r", action="restart", target="deployment/web")), "Restart proposed."])
    with serve(model):
        main(["--config", str(cli_env), "ask", "restart", "web", "--context", "fake-ctx", "-n", "shop"])
    captured = capsys.readouterr()
    assert captured.out.startswith("Restart proposed.\n")
    assert "Proposed, not run:\n    kubectl rollout restart deployment/web" in captured.out
    assert "→ kubectl rollout restart deployment/web  [confirm" in captured.err  # diagnostics on stderr
    assert fake_kubectl.calls() == []


def test_yes_runs_writes_but_never_destructive_ones(cli_env: Path, fake_kubectl: FakeKubectl,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    model = ScriptedModel([calls(call("scale", "s", target="deployment/web", replicas=2),
                                 call("helm_release", "h", action="uninstall", release="web")), "Done."])
    with serve(model):
        main(["--config", str(cli_env), "ask", "--yes", "-o", "json", "scale web to 2 and remove the release"])
    plan = json.loads(capsys.readouterr().out)["plan"]
    assert [(p["tool"], p["executed"]) for p in plan] == [("scale", True), ("helm_release", False)]
    assert [c[:2] for c in fake_kubectl.commands()] == [["kubectl", "scale"]]


def test_dry_run_runs_nothing(cli_env: Path, fake_kubectl: FakeKubectl, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--config", str(cli_env), "ask", "--offline", "--dry-run", "-o", "json", "scale web to 5"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["plan"] == [{"tool": "scale", "argv": ["kubectl", "scale", "deployment/web", "--replicas=5"],
                            "decision": "confirm", "executed": False, "exit_code": None}]
    assert fake_kubectl.calls() == []


def test_offline_prints_the_manual_commands(cli_env: Path, fake_kubectl: FakeKubectl,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    fake_kubectl.respond("logs", stdout="boot ok\n")
    main(["--config", str(cli_env), "ask", "--offline", "show logs for web, last 30"])
    out = capsys.readouterr().out
    assert "boot ok" in out
    assert "kubectl --context fake-ctx --namespace shop logs deployment/web --tail=30" in out
