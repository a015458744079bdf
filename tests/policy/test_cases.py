"""The decision table in cases.yaml, one test per argv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from aiops_chat.policy import Decision, Risk, evaluate
from tests.policy.conftest import MakeCtx

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text(encoding="utf-8"))


def _case_id(case: dict[str, Any]) -> str:
    text = " ".join(repr(a) if not a.isprintable() or not a else a for a in case["argv"]) or "<empty>"
    stdin = f" <<{case['stdin'][:40]!r}" if "stdin" in case else ""
    return text[:90] + (f" [{case['ctx']}]" if "ctx" in case else "") + stdin


def test_table_is_large_and_well_formed() -> None:
    assert len(CASES) >= 150
    for case in CASES:
        assert set(case) <= {"argv", "expect", "reason", "ctx", "stdin"}, case
        # YAML must not have turned an argument into a bool or number (`no`, `3`): that would test nothing.
        assert all(isinstance(a, str) for a in case["argv"]), case
        decision, _, risk = case["expect"].partition("/")
        Decision(decision), Risk(risk)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_policy_case(case: dict[str, Any], make_ctx: MakeCtx) -> None:
    verdict = evaluate(case["argv"], make_ctx(**case.get("ctx", {})), case.get("stdin"))
    decision, _, risk = case["expect"].partition("/")
    assert (verdict.decision.value, verdict.risk.value) == (decision, risk), verdict.reason
    if "reason" in case:
        assert case["reason"].lower() in verdict.reason.lower()
    # Every reason is one readable sentence.
    assert verdict.reason and "\n" not in verdict.reason and not verdict.reason.endswith(".")
