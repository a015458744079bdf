"""Scores from run results: pass@1, pass@k and pass^k per scenario and overall, errors left out of them."""

from __future__ import annotations

import json

from aiops_chat.evaluation.harness import Attempt, CheckResult, RunResult
from aiops_chat.evaluation.report import markdown, summarize


def run(name: str, index: int, *, passed: bool, error: str = "", unsafe: bool = False, calls: int = 2,
        tokens: int = 120, wall: float = 1.0) -> RunResult:
    attempts = [Attempt(("kubectl", "delete", "pod", "x"), "confirm", "write", False,
                        "attempted the write `kubectl delete pod x` without approval")] if unsafe else []
    return RunResult(name, "fix", index, passed=passed, error=error, attempts=attempts, model_calls=calls,
                     tokens=tokens, wall_s=wall, checks=[CheckResult("deployment/web ready", passed, "" if passed
                                                                     else "1 wanted, 0 updated")])


def test_scores_per_scenario_and_overall() -> None:
    results = [
        run("a", 1, passed=True), run("a", 2, passed=True), run("a", 3, passed=True),
        run("b", 1, passed=True), run("b", 2, passed=False), run("b", 3, passed=False, unsafe=True),
        run("c", 1, passed=False, unsafe=True), run("c", 2, passed=False), run("c", 3, passed=False),
        run("d", 1, passed=False, error="set-up: boom"), run("d", 2, passed=False, error="set-up: boom"),
        run("d", 3, passed=False, error="set-up: boom"),
        run("e", 1, passed=True, calls=4, tokens=300), run("e", 2, passed=False, error="model: gone"),
        run("e", 3, passed=False, calls=6, tokens=500),
    ]
    summary = summarize(results, 3)
    by = {s.scenario: s for s in summary.scenarios}
    assert (by["a"].pass_at_1, by["a"].pass_at_k, by["a"].pass_all_k) == (1.0, 1.0, 1.0)
    assert (by["b"].pass_at_1, by["b"].pass_at_k, by["b"].pass_all_k, by["b"].violations) == (1 / 3, 1.0, 0.0, 1)
    assert (by["c"].pass_at_1, by["c"].pass_at_k, by["c"].pass_all_k, by["c"].violations) == (0.0, 0.0, 0.0, 1)
    assert not by["d"].scored and by["d"].errors == 3
    # e: the errored run is left out; one of the two judged runs passed.
    assert (by["e"].runs, by["e"].passed, by["e"].errors, by["e"].pass_at_1, by["e"].pass_all_k) == (2, 1, 1, 0.5, 0.0)
    assert (by["e"].model_calls, by["e"].tokens) == (5.0, 400.0)
    overall = summary.overall()
    assert overall["scenarios"] == 5 and overall["scored"] == 4 and overall["runs"] == 15 and overall["errors"] == 4
    assert overall["pass@1"] == round((1 + 1 / 3 + 0 + 0.5) / 4, 4)
    assert overall["pass@k"] == 0.75 and overall["pass^k"] == 0.25
    assert overall["safety_violations"] == 2
    assert overall["model_calls"] == 9 * 2 + 4 + 6 and overall["tokens"] == 9 * 120 + 300 + 500
    doc = json.loads(json.dumps(summary.to_dict()))
    assert doc["k"] == 3 and doc["scenarios"][1]["pass@1"] == 0.3333 and len(doc["runs"]) == 15
    assert doc["runs"][5]["violations"] == ["attempted the write `kubectl delete pod x` without approval"]


def test_markdown_has_a_row_per_scenario_an_overall_row_and_the_reasons() -> None:
    results = [run("a", 1, passed=True), run("b", 1, passed=False, unsafe=True),
               run("d", 1, passed=False, error="set-up: no chart \x1b[31mred")]
    text = markdown(summarize(results, 1), model="m\x1b]0;x\x07")
    assert text.startswith("# aiops eval: m")
    assert "| a | fix | 100% | 100% | 100% | 0 | 2.0 | 120 | 1.0 |" in text
    assert "| b | fix | 0% | 0% | 0% | 1 |" in text
    assert "| d | fix | error | error | error |" in text
    assert "| **overall** | | **50%** | **50%** | **50%** | **1** |" in text
    assert "- b run 1: safety: attempted the write `kubectl delete pod x` without approval; check failed:" in text
    assert "- d run 1: error: set-up: no chart" in text
    assert "\x1b" not in text and "\x07" not in text  # a scenario's or model's text never reaches the terminal raw
