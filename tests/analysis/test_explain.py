"""--explain and --anonymize over the real OpenAI wire format (respx serves POST /chat/completions).

The model is scripted: no real model can run here. Everything between the analysis and the HTTP request
(prompt rendering, anonymization, the openai SDK, the cache) runs for real.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import respx

from aiops_chat.analysis.anonymize import Anonymizer
from aiops_chat.analysis.api import analyze_objects
from aiops_chat.analysis.explain import explain
from aiops_chat.analysis.inventory import labels_of, name_of, namespace_of
from aiops_chat.analysis.sources.demo import load_demo
from aiops_chat.config import AnalysisConfig, Config, LLMConfig
from aiops_chat.errors import LLMError
from tests.llm.openai_wire import BASE_URL, HTTPX2Mocker, Reply, ScriptedModel

assert HTTPX2Mocker  # registers respx's "httpx2" mocker


def _cfg(tmp_path: Path) -> Config:
    return Config(llm=LLMConfig(base_url=BASE_URL, api_key="sk-test", model="gpt-test", stream=False, max_retries=0),
                  analysis=AnalysisConfig(cache_dir=str(tmp_path / "cache")))


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel(when_empty=Reply(content="The container crashes; run the logs command."))


def test_one_request_per_group_then_served_from_the_cache(tmp_path: Path, model: ScriptedModel) -> None:
    inv = load_demo()
    findings = analyze_objects(inv)
    with respx.mock(using="httpx2") as router:
        router.post(f"{BASE_URL}/chat/completions").mock(side_effect=model)
        first, notes = explain(findings, _cfg(tmp_path), inventory=inv)
        assert len(model.requests) == 3 and notes == []
        second, notes = explain(findings, _cfg(tmp_path), inventory=inv)
    assert len(model.requests) == 3  # nothing asked twice
    assert first == second and set(first) == {"taskflow/Deployment/taskflow-backend",
                                              "taskflow/Deployment/taskflow-worker", "taskflow/Service/taskflow-frontend"}
    assert "answered from the cache" in notes[0]
    body = model.requests[0]
    assert body["model"] == "gpt-test" and body["messages"][0]["role"] == "system"
    assert "CrashLoopBackOff" in body["messages"][1]["content"]
    assert len(list((tmp_path / "cache" / "explain").glob("*.json"))) == 3


def test_anonymize_sends_no_original_name_and_maps_the_answer_back(tmp_path: Path) -> None:
    inv = load_demo()
    findings = analyze_objects(inv)
    anon = Anonymizer.for_findings(findings, inv)
    backend_pod = next(f.name for f in findings if f.reason == "CrashLoopBackOff")
    token = anon.anonymize(backend_pod)
    model = ScriptedModel(when_empty=Reply(content=f"Check the logs of {token} in NAMESPACE_1."))
    with respx.mock(using="httpx2") as router:
        router.post(f"{BASE_URL}/chat/completions").mock(side_effect=model)
        answers, _ = explain(findings, _cfg(tmp_path), inventory=inv, anonymize=True, scope="namespace taskflow")
    sent = model.all_request_text()
    originals = {name_of(o) for k in inv.kinds() for o in inv.all(k) if k != "Event"}
    originals |= {namespace_of(o) for k in inv.kinds() for o in inv.all(k)} - {""}
    originals |= {v for k in inv.kinds() for o in inv.all(k) for v in labels_of(o).values() if len(v) > 2}
    originals |= {"10.244.0.12", "10.244.0.13", "taskflow-backend-7d9f8c6b5"}
    leaked = sorted(o for o in originals if o in sent)
    assert leaked == []
    assert "CrashLoopBackOff" in sent  # the facts still go; only identities are hidden
    backend = answers["taskflow/Deployment/taskflow-backend"]
    assert backend == f"Check the logs of {backend_pod} in taskflow."


def test_anonymizer_round_trip_and_longest_name_first() -> None:
    anon = Anonymizer()
    anon.add("web", "Deployment")
    anon.add("web-5f-abc", "Pod")
    anon.add("shop", "namespace")
    text = "pod web-5f-abc of web in shop at 10.1.2.3 uid 0d4c7a6e-3f1b-4c2a-9b8e-1234567890ab, webhook stays"
    hidden = anon.anonymize(text)
    assert hidden == "pod POD_1 of DEPLOYMENT_1 in NAMESPACE_1 at IP_1 uid UID_1, webhook stays"
    assert anon.restore(hidden) == text
    assert anon.anonymize("10.1.2.3") == "IP_1"  # stable


def test_an_llm_failure_keeps_the_analysis_and_says_why(tmp_path: Path) -> None:
    # Changed on purpose (issue 13 item 8): a failing model used to raise and throw the analysis away.
    findings = analyze_objects(load_demo())
    model = ScriptedModel([Reply(status=500)])
    with respx.mock(using="httpx2") as router:
        router.post(f"{BASE_URL}/chat/completions").mock(side_effect=model)
        out, notes = explain(findings, _cfg(tmp_path))
    assert out == {}
    assert len(model.requests) == 1  # the first failure stops the asking; no request per group
    assert len(notes) == 1 and "explanation is unavailable for 3 group(s)" in notes[0] and "500" in notes[0]


@pytest.mark.parametrize("llm_section", ['[llm]\nenabled = false\n',
                                         f'[llm]\nbase_url = "{BASE_URL}"\napi_key = "sk-test"\nmax_retries = 0\n'])
def test_cli_explain_without_a_working_model_prints_the_analysis(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], llm_section: str) -> None:
    from aiops_chat.cli.main import main

    (tmp_path / "aiops.toml").write_text(llm_section + f'[analysis]\ncache_dir = "{tmp_path / "cache"}"\n')
    monkeypatch.chdir(tmp_path)
    with respx.mock(using="httpx2", assert_all_called=False) as router:
        router.post(f"{BASE_URL}/chat/completions").mock(side_effect=ScriptedModel([Reply(status=401)]))
        code = main(["analyze", "--demo", "--explain"])
    captured = capsys.readouterr()
    assert code == 0
    assert "CrashLoopBackOff" in captured.out and "taskflow-backend" in captured.out
    assert "explanation is unavailable" in captured.err
    assert LLMError.title not in captured.out


def test_cli_explain_adds_explanations_to_json(tmp_path: Path, model: ScriptedModel, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from aiops_chat.cli.main import main

    # Named with --config: a working-directory ./aiops.toml is ignored until trusted (issue 9 item 1).
    (tmp_path / "aiops.toml").write_text(
        f'[llm]\nbase_url = "{BASE_URL}"\napi_key = "sk-test"\nstream = false\nmax_retries = 0\n'
        f'[analysis]\ncache_dir = "{tmp_path / "cache"}"\n')
    monkeypatch.chdir(tmp_path)
    with respx.mock(using="httpx2") as router:
        router.post(f"{BASE_URL}/chat/completions").mock(side_effect=model)
        code = main(["--config", str(tmp_path / "aiops.toml"), "analyze", "--demo", "--explain", "--anonymize", "-o", "json", "--fail-on", "critical"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert set(out) == {"findings", "summary", "explanations"}
    assert out["explanations"]["taskflow/Service/taskflow-frontend"].startswith("The container crashes")
    assert "taskflow" not in model.all_request_text()


def test_explain_redacts_evidence_before_it_reaches_the_model(tmp_path: Path, model: ScriptedModel) -> None:
    """A termination message quoting a connection string must not reach the model's request."""
    from aiops_chat.analysis.findings import Finding, Severity

    leak = Finding(kind="Pod", namespace="shop", name="api-0", analyzer="Pod", severity=Severity.CRITICAL,
                   reason="CrashLoopBackOff", message="The container keeps crashing.",
                   evidence=("last terminated: FATAL could not connect to postgres://app:PgS3cretValue@db/app",
                             'log: password="Hunter2Secret"'),
                   suggestions=(), parent=None)
    with respx.mock(using="httpx2") as router:
        router.post(f"{BASE_URL}/chat/completions").mock(side_effect=model)
        explain([leak], _cfg(tmp_path))
    sent = json.dumps(model.requests)
    assert "PgS3cretValue" not in sent and "Hunter2Secret" not in sent
    assert "postgres://app:[REDACTED]@db/app" in sent
