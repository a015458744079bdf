"""Table-driven analyzer tests: each fixture file under fixtures/analyzers/ lists cases of objects in and the
exact findings out. An empty `expect` is a false-alarm case: healthy objects must produce nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops_chat.analysis.analyzers import ANALYZERS, BEST_PRACTICE_ANALYZERS
from aiops_chat.analysis.api import analyze_objects
from aiops_chat.analysis.findings import Severity

FIXTURES = Path(__file__).parent / "fixtures" / "analyzers"


def _cases() -> list[Any]:
    params = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        for case in data["cases"]:
            params.append(pytest.param(data["analyzer"], case, id=f"{path.stem}: {case['name']}"))
    return params


@pytest.mark.parametrize(("analyzer", "case"), _cases())
def test_analyzer_case(analyzer: str, case: dict[str, Any]) -> None:
    findings = analyze_objects(case["objects"], filters=[analyzer])
    got = sorted((f.kind, f.name, f.reason, str(f.severity), f.parent) for f in findings)
    want = sorted((e["kind"], e["name"], e["reason"], e["severity"], e["parent"]) for e in case["expect"])
    assert got == want
    assert all(f.analyzer == analyzer for f in findings)
    text = {
        "message_contains": " ".join(f.message for f in findings),
        "suggestion_contains": "\n".join(s for f in findings for s in f.suggestions),
        "evidence_contains": "\n".join(e for f in findings for e in f.evidence),
    }
    for key, haystack in text.items():
        for needle in case.get(key, ()):
            assert needle in haystack, f"{key}: {needle!r} not in {haystack!r}"


def test_every_registered_analyzer_has_a_fixture_file() -> None:
    covered = {yaml.safe_load(p.read_text())["analyzer"] for p in FIXTURES.glob("*.yaml")}
    assert covered == set(ANALYZERS) | set(BEST_PRACTICE_ANALYZERS)


def test_every_analyzer_fixture_has_a_false_alarm_case() -> None:
    for path in FIXTURES.glob("*.yaml"):
        cases = yaml.safe_load(path.read_text())["cases"]
        assert any(not c["expect"] for c in cases), f"{path.name} has no healthy (expect: []) case"


def _healthy_cases() -> list[Any]:
    return [p for p in _cases() if not p.values[1]["expect"] and p.values[0] != "BestPractice"]


@pytest.mark.parametrize(("analyzer", "case"), _healthy_cases())
def test_healthy_case_is_quiet_for_every_analyzer(analyzer: str, case: dict[str, Any]) -> None:
    """A false-alarm case stays quiet when all analyzers look at it, not only its own."""
    loud = [f for f in analyze_objects(case["objects"]) if f.severity is not Severity.INFO]
    assert loud == []
