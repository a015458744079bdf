"""Scores of an eval: per scenario and overall, as JSON or a Markdown table.

With K runs of a scenario and c of them passing: pass@1 = c/K (the chance one try passes), pass@K = 1 when
any run passed (c > 0), pass^K = 1 when every run passed (c = K): the first says how good, the last how
reliable. Overall figures are means over scenarios. A run that could not be judged (its set-up failed, the
model endpoint failed) is an error: it is listed, and left out of the scores rather than counted against the
model; a scenario with no judged run has no score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import mean
from typing import Any

from aiops_chat.evaluation.harness import RunResult
from aiops_chat.safe_text import visible


@dataclass(frozen=True)
class ScenarioScore:
    scenario: str
    category: str
    runs: int  # judged runs
    passed: int
    errors: int
    violations: int
    model_calls: float  # mean per judged run
    tokens: float
    wall_s: float

    @property
    def scored(self) -> bool:
        return self.runs > 0

    @property
    def pass_at_1(self) -> float:
        return self.passed / self.runs if self.runs else 0.0

    @property
    def pass_at_k(self) -> float:
        return 1.0 if self.passed else 0.0

    @property
    def pass_all_k(self) -> float:
        return 1.0 if self.runs and self.passed == self.runs else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "category": self.category, "runs": self.runs, "passed": self.passed,
                "errors": self.errors, "pass@1": round(self.pass_at_1, 4), "pass@k": self.pass_at_k,
                "pass^k": self.pass_all_k, "safety_violations": self.violations,
                "model_calls": round(self.model_calls, 2), "tokens": round(self.tokens, 1),
                "wall_s": round(self.wall_s, 2)}


@dataclass(frozen=True)
class Summary:
    k: int
    scenarios: tuple[ScenarioScore, ...]
    results: tuple[RunResult, ...]

    @property
    def scored(self) -> list[ScenarioScore]:
        return [s for s in self.scenarios if s.scored]

    def overall(self) -> dict[str, Any]:
        scored = self.scored
        judged = [r for r in self.results if not r.error]
        return {
            "scenarios": len(self.scenarios), "scored": len(scored), "runs": len(self.results),
            "errors": sum(1 for r in self.results if r.error),
            "pass@1": round(mean(s.pass_at_1 for s in scored), 4) if scored else None,
            "pass@k": round(mean(s.pass_at_k for s in scored), 4) if scored else None,
            "pass^k": round(mean(s.pass_all_k for s in scored), 4) if scored else None,
            "safety_violations": sum(s.violations for s in self.scenarios),
            "model_calls": sum(r.model_calls for r in judged), "tokens": sum(r.tokens for r in judged),
            "wall_s": round(sum(r.wall_s for r in self.results), 2),
        }

    def to_dict(self) -> dict[str, Any]:
        return {"k": self.k, "overall": self.overall(), "scenarios": [s.to_dict() for s in self.scenarios],
                "runs": [r.to_dict() for r in self.results]}


def summarize(results: Sequence[RunResult], k: int) -> Summary:
    names = list(dict.fromkeys(r.scenario for r in results))
    scores = []
    for name in names:
        mine = [r for r in results if r.scenario == name]
        judged = [r for r in mine if not r.error]
        scores.append(ScenarioScore(
            scenario=name, category=mine[0].category, runs=len(judged), passed=sum(r.passed for r in judged),
            errors=len(mine) - len(judged), violations=sum(len(r.violations) for r in judged),
            model_calls=mean(r.model_calls for r in judged) if judged else 0.0,
            tokens=mean(r.tokens for r in judged) if judged else 0.0,
            wall_s=mean(r.wall_s for r in judged) if judged else 0.0))
    return Summary(k, tuple(scores), tuple(results))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def markdown(summary: Summary, *, model: str) -> str:
    k = summary.k
    overall = summary.overall()
    # With one run the three columns ask the same thing; k in the names only when it tells them apart.
    at_k, all_k = (f"pass@{k}", f"pass^{k}") if k > 1 else ("pass@k", "pass^k")
    lines = [f"# aiops eval: {visible(model)}, {overall['scenarios']} scenarios x {k} runs", "",
             f"| scenario | category | pass@1 | {at_k} | {all_k} | safety violations | model calls | tokens | "
             "wall s |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for s in summary.scenarios:
        if not s.scored:
            lines.append(f"| {s.scenario} | {s.category} | error | error | error | - | - | - | - |")
            continue
        lines.append(f"| {s.scenario} | {s.category} | {_pct(s.pass_at_1)} | {_pct(s.pass_at_k)} | "
                     f"{_pct(s.pass_all_k)} | {s.violations} | {s.model_calls:.1f} | {s.tokens:,.0f} | "
                     f"{s.wall_s:.1f} |")
    lines.append(f"| **overall** | | **{_pct(overall['pass@1'])}** | **{_pct(overall['pass@k'])}** | "
                 f"**{_pct(overall['pass^k'])}** | **{overall['safety_violations']}** | {overall['model_calls']} | "
                 f"{overall['tokens']:,} | {overall['wall_s']:.1f} |")
    problems = [r for r in summary.results if r.error or not r.passed]
    if problems:
        lines += ["", "## Runs that did not pass", ""]
        for r in problems:
            lines.append(f"- {r.scenario} run {r.run}: " + visible(_why(r)))
    left = [r for r in summary.results if r.cleanup]
    if left:
        lines += ["", "## Left behind", ""] + [f"- {r.namespace}: {visible(r.cleanup)}" for r in left]
    lines += ["", "pass@1: share of runs that passed; pass@k: a scenario passed at least once; pass^k: it passed "
              "every time. Overall: mean over scored scenarios. Errors (set-up or endpoint failures) are not "
              "scored."]
    return "\n".join(lines) + "\n"


def _why(r: RunResult) -> str:
    if r.error:
        return f"error: {r.error}"
    reasons = [f"safety: {v}" for v in r.violations]
    reasons += [f"check failed: {c.check}" + (f" ({c.seen})" if c.seen else "") for c in r.checks if not c.ok]
    return "; ".join(reasons)
