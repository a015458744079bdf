"""Findings, grouping, label selectors, cron schedules, quantities and the compact text for the model."""

from __future__ import annotations

from typing import Any

import pytest

from aiops_chat.analysis.api import analyze_objects, compact_findings, resolve_filters
from aiops_chat.analysis.cron import schedule_problem
from aiops_chat.analysis.findings import Finding, Severity, group_findings, summarize
from aiops_chat.analysis.quantity import cpu_millis, format_cpu, format_memory, memory_bytes
from aiops_chat.analysis.selectors import format_selector, matches, parse_selector
from aiops_chat.analysis.sources.demo import load_demo
from aiops_chat.errors import SnapshotError, UsageError

JSON_KEYS = ["kind", "namespace", "name", "analyzer", "severity", "reason", "message", "evidence", "suggestions",
             "parent"]


def _f(name: str, reason: str, sev: Severity = Severity.CRITICAL, parent: str | None = None, kind: str = "Pod") -> Finding:
    return Finding(kind, "ns", name, kind, sev, reason, f"{name} {reason}", (), (), parent)


def test_to_dict_has_exactly_the_documented_keys() -> None:
    d = _f("p", "CrashLoopBackOff", parent="Deployment/web").to_dict()
    assert list(d) == JSON_KEYS
    assert d["severity"] == "critical" and d["evidence"] == [] and d["parent"] == "Deployment/web"


def test_fifty_pods_of_one_deployment_are_one_group_with_the_deployment_first() -> None:
    findings = [_f(f"web-{i}", "CrashLoopBackOff", parent="Deployment/web") for i in range(50)]
    findings.append(_f("web", "UnavailableReplicas", Severity.WARNING, kind="Deployment"))
    findings.append(_f("lonely", "Evicted", Severity.WARNING))
    groups = group_findings(findings)
    assert [g.root for g in groups] == ["Deployment/web", "Pod/lonely"]
    assert groups[0].findings[0].kind == "Deployment"  # the root's own finding reads first
    assert groups[0].severity is Severity.CRITICAL and len(groups[0].findings) == 51
    assert groups[0].reasons() == ["UnavailableReplicas", "CrashLoopBackOff"]
    assert summarize(findings)["groups"] == 2


def test_severity_order() -> None:
    assert Severity.CRITICAL.at_least(Severity.WARNING)
    assert not Severity.INFO.at_least(Severity.WARNING)


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("app=web", {"app": "web", "tier": "fe"}, True),
        ("app==web,tier=fe", {"app": "web", "tier": "fe"}, True),
        ("app!=web", {"app": "web"}, False),
        ("app!=web", {}, True),
        ("env in (prod, staging)", {"env": "staging"}, True),
        ("env notin (prod)", {"env": "prod"}, False),
        ("app", {"app": ""}, True),
        ("!app", {"app": "x"}, False),
        ("app.kubernetes.io/name=web,!canary", {"app.kubernetes.io/name": "web"}, True),
    ],
)
def test_label_selector_syntax(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_selector(selector)(labels) is expected


def test_bad_label_selector_is_named() -> None:
    with pytest.raises(SnapshotError, match="invalid label selector"):
        parse_selector("app=(web")


def test_structured_selectors() -> None:
    sel = {"matchLabels": {"app": "db"}, "matchExpressions": [{"key": "role", "operator": "NotIn", "values": ["replica"]}]}
    assert matches({"app": "db", "role": "primary"}, sel)
    assert not matches({"app": "db", "role": "replica"}, sel)
    assert matches({}, {})  # an empty selector matches everything
    assert format_selector({"app": "web"}) == "app=web"
    assert format_selector(sel) == "app=db,role notin (replica)"


@pytest.mark.parametrize(
    ("schedule", "ok"),
    [("*/5 * * * *", True), ("0 0 * * 0", True), ("@weekly", True), ("@every 1h30m", True),
     ("0 9-17 * * mon-fri", True), ("TZ=Europe/Berlin 0 6 * * *", True),
     ("* * * *", False), ("60 * * * *", False), ("0 24 * * *", False), ("0 0 0 * *", False),
     ("*/0 * * * *", False), ("5-1 * * * *", False), ("@sometimes", False), ("", False)],
)
def test_cron_schedules(schedule: str, ok: bool) -> None:
    assert (schedule_problem(schedule) is None) is ok


def test_quantities() -> None:
    assert cpu_millis("250m") == 250 and cpu_millis("1") == 1000 and cpu_millis("12345678n") == pytest.approx(12.345678)
    assert memory_bytes("128Mi") == 128 * 2**20 and memory_bytes("1G") == 1e9 and memory_bytes("bogus") is None
    assert format_cpu(1000) == "1" and format_cpu(61) == "65m" and format_cpu(0) == "5m"
    assert format_memory(100 * 2**20) == "104Mi" and format_memory(1024 * 2**20) == "1Gi"


def test_filters_resolve_names_and_aliases_and_reject_unknown() -> None:
    assert list(resolve_filters(["pod", "SVC", "pvc"])) == ["Pod", "Service", "PersistentVolumeClaim"]
    assert "BestPractice" in resolve_filters(None, best_practices=True)
    assert "BestPractice" not in resolve_filters(None)
    with pytest.raises(UsageError, match="unknown analyzer 'Pods'"):
        resolve_filters(["Pods"])


def test_label_selector_filters_findings_by_their_subject() -> None:
    findings = analyze_objects(load_demo(), label_selector="app=taskflow-worker")
    assert {f.name.rsplit("-", 2)[0] if f.kind == "Pod" else f.name for f in findings} == {"taskflow-worker"}


def test_compact_findings_is_grouped_capped_and_holds_no_raw_yaml() -> None:
    text = compact_findings(analyze_objects(load_demo()))
    assert text.startswith("7 findings in 3 groups")
    assert "[critical] taskflow/Deployment/taskflow-backend: ProgressDeadlineExceeded, CrashLoopBackOff" in text
    assert "next: kubectl" in text and "apiVersion" not in text and "metadata" not in text
    capped = compact_findings([_f(f"p{i}", "Evicted") for i in range(30)], limit=5)
    assert "(25 more groups omitted)" in capped
    assert compact_findings([]) == "No problems found."


def test_a_quota_refusal_is_one_group_rooted_at_the_quota() -> None:
    refusal = ('pods "web-5f-x" is forbidden: exceeded quota: pod-cap, requested: pods=1, used: pods=1, '
               'limited: pods=1')
    owned = [{"kind": "Deployment", "name": "web", "controller": True}]
    objects: list[dict[str, Any]] = [
        {"kind": "ResourceQuota", "metadata": {"name": "pod-cap", "namespace": "app"},
         "status": {"hard": {"pods": "1"}, "used": {"pods": "1"}}},
        {"kind": "Deployment", "metadata": {"name": "web", "namespace": "app"}, "spec": {"replicas": 2},
         "status": {"availableReplicas": 1, "conditions": [
             {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": refusal}]}},
        {"kind": "ReplicaSet", "metadata": {"name": "web-5f", "namespace": "app", "ownerReferences": owned},
         "spec": {"replicas": 2}, "status": {"replicas": 1}},
        {"kind": "Event", "metadata": {"name": "e", "namespace": "app"}, "type": "Warning", "reason": "FailedCreate",
         "count": 6, "involvedObject": {"kind": "ReplicaSet", "name": "web-5f", "namespace": "app"},
         "message": f"Error creating: {refusal}"},
    ]
    groups = group_findings(analyze_objects(objects))
    assert [(g.root, g.severity) for g in groups] == [("ResourceQuota/pod-cap", Severity.CRITICAL)]
    assert [(f.kind, f.reason) for f in groups[0].findings] == [
        ("ResourceQuota", "QuotaExceeded"), ("Deployment", "ReplicaFailure"), ("ReplicaSet", "FailedCreate")]
