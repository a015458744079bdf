"""The shared checklist type: exit codes, appending, table and JSON."""

from __future__ import annotations

import json

import pytest

from aiops_chat.workflow.checklist import Check, Checklist, Status


def _list(*checks: Check) -> Checklist:
    return Checklist("doctor", list(checks))


@pytest.mark.parametrize(("checks", "exit_code"), [
    ([Check("a", Status.OK)], 0),
    ([Check("a", Status.OK), Check("b", Status.WARN, hint="do x")], 0),
    ([Check("a", Status.OK), Check("b", Status.SKIP)], 0),
    ([Check("kubectl-ai", Status.FAIL, required=False)], 0),
    ([Check("a", Status.OK), Check("helm", Status.FAIL, hint="install helm")], 1),
    ([], 0),
], ids=["ok", "warn", "skip", "optional-fail", "required-fail", "empty"])
def test_exit_code_follows_required_failures(checks: list[Check], exit_code: int) -> None:
    assert _list(*checks).exit_code == exit_code


def test_checks_can_be_appended_after_the_fact() -> None:
    checklist = _list(Check("kubectl", Status.OK))
    checklist.extend([Check("llm endpoint", Status.FAIL, "HTTP 401", "check [llm] api_key")])
    assert checklist.exit_code == 1
    assert checklist.get("llm endpoint") is not None
    assert checklist.get("nope") is None


def test_table_shows_status_detail_and_fix_hints() -> None:
    table = _list(
        Check("kubectl", Status.OK, "v1.32.3"),
        Check("minikube", Status.FAIL, "not found on PATH", "install minikube"),
        Check("kubectl-ai", Status.FAIL, "not found on PATH", "optional tool", required=False),
        Check("metrics-server", Status.SKIP, "cluster not reachable"),
    ).render_table()
    lines = table.splitlines()
    assert lines[0].split() == ["STATUS", "CHECK", "DETAIL"]
    assert lines[1].split()[:3] == ["ok", "kubectl", "v1.32.3"]
    assert lines[2].startswith("FAIL") and "minikube" in lines[2]
    assert lines[3].strip() == "fix: install minikube"
    assert lines[4].startswith("fail ") and "kubectl-ai (optional)" in lines[4]
    assert "skip" in lines[6]
    assert lines[-1] == "doctor: FAILED: 1 ok, 0 warning(s), 2 failed (1 optional), 1 skipped"
    # Columns line up: every detail starts at the same offset.
    starts = {ln.index("v1.32.3") for ln in lines if "v1.32.3" in ln} | {lines[2].index("not found")}
    assert len(starts) == 1


def test_json_has_every_field() -> None:
    data = json.loads(_list(Check("helm", Status.WARN, "v2.17", "use Helm 3"),
                            Check("kubectl-ai", Status.FAIL, required=False)).render_json())
    assert data["ok"] is True
    assert data["counts"] == {"ok": 0, "warn": 1, "fail": 1, "skip": 0}
    assert data["checks"][0] == {"name": "helm", "status": "warn", "detail": "v2.17", "hint": "use Helm 3",
                                 "required": True, "needed_for": ""}
    assert data["checks"][1]["required"] is False


def test_a_check_for_one_workflow_says_so_and_does_not_fail_the_run() -> None:
    checklist = _list(Check("minikube", Status.FAIL, "not found on PATH", "install minikube", required=False,
                            needed_for="only needed for `aiops cluster up`"))
    table = checklist.render_table()
    assert "(only needed for `aiops cluster up`)" in table and "fix: install minikube" in table
    assert checklist.exit_code == 0


@pytest.mark.parametrize(("checks", "code"), [
    ((Check("start", Status.OK),), 0),
    ((Check("start", Status.FAIL, "not approved", refused=True), Check("addons", Status.SKIP)), 3),
    ((Check("start", Status.FAIL, "denied by policy", refused=True), Check("image x", Status.FAIL, "pull")), 1),
    ((Check("start", Status.FAIL, "exit 1"),), 1),
    ((Check("kubectl-ai", Status.FAIL, required=False), Check("start", Status.FAIL, "no", refused=True)), 3),
])
def test_cli_exit_code_tells_refused_from_failed(checks: tuple[Check, ...], code: int) -> None:
    assert _list(*checks).cli_exit_code == code
