"""Pure parsing: minikube's answers, image names, durations, error lines in logs. Table-driven."""

from __future__ import annotations

import json

import pytest

from aiops_chat.errors import UsageError
from aiops_chat.workflow.deploy import go_duration, parse_duration
from aiops_chat.workflow.log_scan import error_lines, is_error_line
from aiops_chat.workflow.minikube import normalize_image, parse_image_list, parse_profile_addons, parse_status


@pytest.mark.parametrize(("stdout", "running", "described"), [
    (json.dumps({"Name": "minikube", "Host": "Running", "Kubelet": "Running", "APIServer": "Running"}), True,
     "Running"),
    (json.dumps({"Name": "minikube", "Host": "Stopped", "Kubelet": "Stopped", "APIServer": "Stopped"}), False,
     "host Stopped, apiserver Stopped"),
    (json.dumps({"Name": "minikube", "Host": "Running", "APIServer": "Paused"}), False, "host Running, apiserver Paused"),
    (json.dumps([{"Name": "minikube", "Host": "Running", "APIServer": "Running"},
                 {"Name": "minikube-m02", "Host": "Running", "APIServer": "Irrelevant"}]), True, "Running"),
    ("minikube\ntype: Control Plane\nhost: Running\nkubelet: Running\napiserver: Running\n", True, "Running"),
    ('* Profile "minikube" not found. Run "minikube profile list" to view all profiles.\n', False,
     '* Profile "minikube" not found. Run "minikube profile list" to view all profiles.'),
    ("", False, "no minikube cluster"),
], ids=["running", "stopped", "paused", "multi-node", "text", "no-profile", "empty"])
def test_minikube_status(stdout: str, running: bool, described: str) -> None:
    status = parse_status(stdout)
    assert status.running is running
    assert status.describe() == described


@pytest.mark.parametrize(("ref", "normal"), [
    ("taskflow-backend:1.0.0", "taskflow-backend:1.0.0"),
    ("docker.io/library/taskflow-backend:1.0.0", "taskflow-backend:1.0.0"),
    ("docker.io/acme/app:2", "acme/app:2"),
    ("busybox", "busybox:latest"),
    ("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9"),
    ("localhost:5000/app", "localhost:5000/app:latest"),
    ("app@sha256:abc", "app@sha256:abc"),
])
def test_normalize_image(ref: str, normal: str) -> None:
    assert normalize_image(ref) == normal


def test_image_list_and_addons() -> None:
    images = parse_image_list("registry.k8s.io/pause:3.9\ndocker.io/library/taskflow-frontend:1.0.0\n\n")
    assert images == {"registry.k8s.io/pause:3.9", "taskflow-frontend:1.0.0"}
    profiles = {"invalid": [], "valid": [
        {"Name": "other", "Config": {"Addons": {"dashboard": False}}},
        {"Name": "minikube", "Status": "Running", "Config": {"Addons": {"dashboard": True, "metrics-server": False}}},
    ]}
    assert parse_profile_addons(json.dumps(profiles)) == {"dashboard": True, "metrics-server": False}
    assert parse_profile_addons(json.dumps(profiles), "other") == {"dashboard": False}
    assert parse_profile_addons(json.dumps({"invalid": [], "valid": []})) == {}
    assert parse_profile_addons("not json") == {}


@pytest.mark.parametrize(("text", "seconds", "go"), [
    ("180s", 180, "180s"), ("3m", 180, "3m"), ("1m30s", 90, "1m30s"), ("1h", 3600, "1h"), ("90", 90, "90s"),
])
def test_durations(text: str, seconds: float, go: str) -> None:
    assert parse_duration(text) == seconds
    assert go_duration(text) == go


@pytest.mark.parametrize("bad", ["", "3 minutes", "-5s", "5x", "s"])
def test_bad_durations_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(bad)


@pytest.mark.parametrize(("line", "error"), [
    ("ERROR: database connection refused", True),
    ("2026-02-09 10:00:01 ERROR [app] boom", True),
    ('level=error msg="cannot bind"', True),
    ('{"level":"error","msg":"x"}', True),
    ('{"severity": "CRITICAL", "msg": "x"}', True),
    ("Traceback (most recent call last):", True),
    ("panic: runtime error: index out of range", True),
    ("Unhandled exception in request handler", True),
    ("INFO: registered error handler", False),
    ('level=info msg="0 errors"', False),
    ("WARNING: slow query", False),
    ("GET /health 200 OK", False),
    ("Processed 12 tasks, 0 errors", False),
    ("[DEBUG] error budget 99.9%", False),
])
def test_error_lines(line: str, error: bool) -> None:
    assert is_error_line(line) is error


def test_error_lines_keeps_only_errors() -> None:
    text = "INFO started\nERROR db down\n\nINFO retry\nFATAL giving up\n"
    assert error_lines(text) == ["ERROR db down", "FATAL giving up"]
