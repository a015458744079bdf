"""Every shipped eval scenario can be passed, and failed for the right reason, on the test control plane.

For each scenario in aiops_chat/evals/ the real harness (own namespace, set-up, one ChatSession turn, checks,
safety judgement) runs twice with a scripted model on the OpenAI wire: once playing the reference transcript
of tests/eval/references.py, which must pass with no safety violation, and once a bad one, which must fail:
an assistant that does nothing useful fails a diagnose/fix/operate scenario on its checks, and one that
attempts the forbidden command fails a refuse scenario on a safety violation. A scenario that only the
reference passes and only the bad transcript fails measures what it says it measures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiops_chat.audit import AuditLog
from aiops_chat.config import AuditConfig, Config, LLMConfig, PolicyConfig, Runtime
from aiops_chat.evaluation.harness import Harness, RunResult, approves, forbidden_by, namespace_for
from aiops_chat.evaluation.scenario import CATEGORIES, Scenario, builtin_dir, load_dir
from aiops_chat.llm.client import LLMClient
from tests.eval.references import ACCEPTABLE, REFERENCES, WRONG, Transcript
from tests.support.openai_wire import BASE_URL, Reply, ScriptedModel, serve, tool_call
from tests.support.testcluster import ADMIN_CONTEXT

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = load_dir(builtin_dir())
BY_NAME = {s.name: s for s in SCENARIOS}


def test_the_shipped_scenarios_load_and_cover_every_category() -> None:
    assert len(SCENARIOS) >= 25
    assert {s.category for s in SCENARIOS} == set(CATEGORIES)
    assert len({s.name for s in SCENARIOS}) == len(SCENARIOS)


def test_every_shipped_scenario_has_a_reference_and_nothing_else_does() -> None:
    assert sorted(REFERENCES) == sorted(BY_NAME)


@pytest.mark.parametrize("name", sorted(ACCEPTABLE))
def test_acceptable_variants_of_a_write_are_approved(name: str) -> None:
    scenario = BY_NAME[name]
    for line in ACCEPTABLE[name]:
        argv = line.split(" ")
        assert approves(scenario, argv) and not forbidden_by(scenario, argv), line


@pytest.mark.parametrize("name", sorted(WRONG))
def test_near_misses_are_declined(name: str) -> None:
    scenario = BY_NAME[name]
    for line in WRONG[name]:
        argv = line.split(" ")
        assert not approves(scenario, argv) or forbidden_by(scenario, argv), line


@pytest.fixture(scope="module")
def harness_config(tmp_path_factory: pytest.TempPathFactory, kube_cluster: Any) -> Config:
    home = tmp_path_factory.mktemp("eval-home")
    runtime = Runtime(path=kube_cluster.env["PATH"], home=str(home), user="tester",
                      kubeconfig_env=str(kube_cluster.kubeconfig), state_dir=str(home / "state"),
                      cache_dir=str(home / "cache"))
    # The policy's working directory is the project, as when `aiops eval` runs from a clone: the helm
    # scenarios' set-up and references name charts/taskflow-backend inside it.
    return Config(llm=LLMConfig(base_url=BASE_URL, api_key="sk-test", max_retries=0, tool_mode="native"),
                  policy=PolicyConfig(workdir=str(REPO)), audit=AuditConfig(path=str(home / "audit.jsonl")),
                  runtime=runtime)


def replies(transcript: Transcript, namespace: str) -> list[Reply]:
    out = [Reply(tool_calls=[tool_call(name, _fill(args, namespace), f"call_{i}_{j}") for j, (name, args)
                             in enumerate(turn)]) for i, turn in enumerate(transcript.turns)]
    return [*out, Reply(content=transcript.answer)]


def _fill(value: Any, namespace: str) -> Any:
    if isinstance(value, str):
        return value.replace("{namespace}", namespace)
    if isinstance(value, list):
        return [_fill(v, namespace) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, namespace) for k, v in value.items()}
    return value


def play(cfg: Config, scenario: Scenario, transcript: Transcript, *, max_check_seconds: float | None = None
         ) -> tuple[RunResult, ScriptedModel]:
    harness = Harness(cfg, context=ADMIN_CONTEXT, audit=AuditLog(cfg.audit_path),
                      llm_factory=lambda: LLMClient.from_config(cfg), charts_dir=REPO / "charts",
                      max_check_seconds=max_check_seconds)
    model = ScriptedModel(replies(transcript, namespace_for(scenario, harness.run_id, 1)))
    with serve(model):
        result = harness.run_one(scenario, 1)
    return result, model


def explain(result: RunResult) -> str:
    return (f"error={result.error!r} failed checks={[(c.check, c.seen) for c in result.checks if not c.ok]} "
            f"violations={result.violations} attempts={[a.to_dict() for a in result.attempts]}")


@pytest.mark.cluster
@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_the_reference_transcript_passes(name: str, harness_config: Config) -> None:
    scenario = BY_NAME[name]
    result, model = play(harness_config, scenario, REFERENCES[name].good)
    assert result.passed, explain(result)
    assert result.violations == []
    assert not model.replies, "the session stopped before the reference's last reply"
    assert result.model_calls == len(REFERENCES[name].good.turns) + 1
    # Every call the reference makes ran and succeeded; a refused or failed one would make it a lucky guess.
    assert all(a.executed for a in result.attempts), explain(result)
    ran = [(e["argv"], e["exit_code"]) for e in AuditLog(harness_config.audit_path).read()
           if e["event"] == "execution" and e["source"] == "eval" and e["namespace"] == result.namespace]
    assert len(ran) == len(result.attempts) and all(code == 0 for _, code in ran), ran


@pytest.mark.cluster
@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_a_bad_transcript_fails(name: str, harness_config: Config) -> None:
    scenario = BY_NAME[name]
    result, _ = play(harness_config, scenario, REFERENCES[name].bad, max_check_seconds=5)
    assert not result.error, explain(result)
    assert not result.passed, explain(result)
    if scenario.category == "refuse":
        # failed on safety: the forbidden command was attempted, and the scenario's `never` globs name it
        assert any("must never be attempted" in v for v in result.violations), explain(result)
        assert not any(a.executed and a.violation for a in result.attempts), explain(result)
    else:
        assert result.violations == [], explain(result)  # failed on its checks: it did nothing wrong, nothing useful
        assert any(not c.ok for c in result.checks)
