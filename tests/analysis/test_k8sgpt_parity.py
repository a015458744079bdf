"""How much of what k8sgpt's own tests expect `aiops analyze` finds, from the same objects.

fixtures/k8sgpt-parity.yaml transcribes k8sgpt's analyzer test cases. Each case runs through every analyzer,
as `aiops analyze --snapshot` of a file holding exactly those objects would. The figures are pinned, so a
change that loses a case (or starts a false alarm) fails here and has to be looked at; a change that gains
one updates the numbers (and docs/analyzers.md's parity line).

Run with -s to see the per-case misses:  .venv/bin/pytest tests/analysis/test_k8sgpt_parity.py -s
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from aiops_chat.analysis.api import analyze_objects
from aiops_chat.analysis.findings import Severity

CORPUS = Path(__file__).parent / "fixtures" / "k8sgpt-parity.yaml"


@dataclass
class Tally:
    expected: int = 0
    found: int = 0
    found_as_fault: int = 0
    quiet_expected: int = 0
    false_alarms: int = 0
    misses: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)


def measure() -> Tally:
    t = Tally()
    for case in yaml.safe_load(CORPUS.read_text())["cases"]:
        findings = analyze_objects(case["objects"], namespace=case.get("namespace"),
                                   label_selector=case.get("selector"))
        about: dict[str, list[Severity]] = {}
        for f in findings:
            about.setdefault(f"{f.kind}/{f.name}", []).append(f.severity)
        expected = set(case["reports"])
        subjects = {f"{o['kind']}/{o['metadata']['name']}" for o in case["objects"] if o["kind"] != "Event"
                    and (not case.get("namespace") or o["metadata"].get("namespace") == case["namespace"])}
        for subject in sorted(expected):
            t.expected += 1
            if subject in about:
                t.found += 1
                t.found_as_fault += any(s.at_least(Severity.WARNING) for s in about[subject])
            else:
                t.misses.append(f"{case['name']}: {subject}")
        for subject in sorted(subjects - expected):
            t.quiet_expected += 1
            if any(s.at_least(Severity.WARNING) for s in about.get(subject, ())):
                t.false_alarms += 1
                t.alarms.append(f"{case['name']}: {subject}")
    return t


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)"


def test_parity_with_k8sgpt_test_cases() -> None:
    t = measure()
    print(f"\nk8sgpt parity: found {_pct(t.found, t.expected)}, as a fault {_pct(t.found_as_fault, t.expected)}; "
          f"false alarms {_pct(t.false_alarms, t.quiet_expected)}")
    print("misses:", *t.misses, sep="\n  ")
    print("false alarms:", *t.alarms, sep="\n  ")
    assert (t.expected, t.found, t.found_as_fault) == EXPECTED_FOUND
    assert (t.quiet_expected, t.false_alarms) == EXPECTED_QUIET


# (objects k8sgpt reports, of which we report anything, of which at warning or above)
EXPECTED_FOUND = (60, 60, 40)
# (objects k8sgpt leaves alone, of which we report at warning or above)
# PDB4 (DisruptionAllowed=False with an empty selector) and a Service whose selector matches no pod, which
# k8sgpt's webhook test holds without Endpoints; both faults by our rules (docs/analyzers.md).
EXPECTED_QUIET = (50, 2)

