"""Issue 9 item 2: release contents and output expressions that would get Secret values past redaction.

Each test first shows the hole with the real binaries against the real API server (the value comes out,
and redaction cannot tell it is a secret), then that the policy refuses the command, or makes it
destructive with the reason stated; and that the forms left allowed come out redacted.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import pytest

from aiops_chat.execution.approval import ApproveWrites, confirmation_word
from aiops_chat.policy import Decision, Risk, evaluate
from aiops_chat.redaction import redact
from tests.policy import conftest as policy_fixtures
from tests.policy.conftest import MakeCtx

# The policy tests' session fixtures: a working directory of manifests and charts, and a session factory.
workdir = policy_fixtures.workdir
make_ctx = policy_fixtures.make_ctx

STRIPPING = [
    "jsonpath={..env[*].value}",
    "jsonpath={.spec.template.spec.containers[*].env[*].value}",
    "jsonpath={range .spec.template.spec.containers[*].env[*]}{.value}{end}",
    'jsonpath={.spec.template.spec.containers[0].env[?(@.name=="DB_PASSWORD")].value}',
    "custom-columns=V:.spec.template.spec.containers[*].env[*].value",
    "go-template={{range .spec.template.spec.containers}}{{range .env}}{{.value}}{{end}}{{end}}",
    'go-template={{range .spec.template.spec.containers}}{{range .env}}{{printf "%x" .value}}{{end}}{{end}}',
]
KEEPING = ["yaml", "json", "jsonpath={.spec.template.spec.containers[*].env}"]


@pytest.fixture
def deployment_with_password(kube_cluster: Any, kube_namespace: str) -> str:
    password = f"hunter2-{secrets.token_hex(4)}"
    manifest = (f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {kube_namespace}}}\n"
                "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
                "    spec:\n      containers:\n      - name: web\n        image: nginx\n        env:\n"
                f"        - {{name: DB_PASSWORD, value: {password}}}\n")
    kube_cluster.kubectl("apply", "-f", "-", input=manifest)
    return password


@pytest.mark.parametrize("output", STRIPPING)
def test_expressions_that_strip_names_are_refused(output: str, kube_cluster: Any, kube_namespace: str,
                                                 deployment_with_password: str, make_ctx: MakeCtx) -> None:
    argv = ["kubectl", "get", "deployment", "web", "-o", output]
    shown = kube_cluster.kubectl("-n", kube_namespace, *argv[1:]).stdout
    hexed = deployment_with_password.encode().hex()
    assert deployment_with_password in redact(shown) or hexed in redact(shown), "the hole this closes"
    verdict = evaluate(argv, make_ctx(namespace=kube_namespace))
    assert (verdict.decision, verdict.risk) == (Decision.DENY, Risk.FORBIDDEN), verdict


@pytest.mark.parametrize("output", KEEPING)
def test_outputs_that_keep_names_stay_allowed_and_come_out_redacted(
        output: str, kube_cluster: Any, kube_namespace: str, deployment_with_password: str,
        make_ctx: MakeCtx) -> None:
    argv = ["kubectl", "get", "deployment", "web", "-o", output]
    assert evaluate(argv, make_ctx(namespace=kube_namespace)).decision is Decision.ALLOW
    shown = kube_cluster.kubectl("-n", kube_namespace, *argv[1:]).stdout
    assert deployment_with_password in shown and deployment_with_password not in redact(shown)


def _chart(root: Path, name: str, files: dict[str, str]) -> Path:
    chart = root / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
    for rel, text in files.items():
        (chart / rel).write_text(text)
    return chart


def test_a_chart_linking_out_of_the_working_directory_is_refused(kube_cluster: Any, tmp_path: Path,
                                                                 make_ctx: MakeCtx) -> None:
    work, outside = tmp_path / "work", tmp_path / "home"
    outside.mkdir()
    marker = f"client-key-data: {secrets.token_hex(8)}"
    (outside / "config").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\n# {marker}\n")
    chart = _chart(work, "innocent", {"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
    os.symlink(outside / "config", chart / "templates" / "kubeconfig.yaml")
    rendered = kube_cluster.helm("template", "x", str(chart)).stdout
    assert marker in rendered, "helm follows the link and prints the file"
    for argv in (["helm", "template", "x", "./innocent"], ["helm", "install", "x", "./innocent"],
                 ["helm", "lint", "innocent"], ["helm", "show", "all", "./innocent"]):
        verdict = evaluate(argv, make_ctx(workdir=work))
        assert verdict.decision is Decision.DENY and "kubeconfig.yaml" in verdict.reason, verdict


def test_a_chart_calling_lookup_is_destructive_and_says_so(kube_cluster: Any, kube_namespace: str, tmp_path: Path,
                                                           make_ctx: MakeCtx) -> None:
    token = secrets.token_hex(8)
    secret = f"{kube_namespace}-bootstrap"
    kube_cluster.kubectl("-n", "kube-system", "create", "secret", "generic", secret, f"--from-literal=token={token}")
    try:
        notes = f'{{{{ (lookup "v1" "Secret" "kube-system" "{secret}").data.token | b64dec }}}}\n'
        _chart(tmp_path, "notes", {"templates/NOTES.txt": notes,
                                   "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
        argv = ["helm", "install", "notes", "./notes"]
        verdict = evaluate(argv, make_ctx(workdir=tmp_path, namespace=kube_namespace))
        assert (verdict.decision, verdict.risk) == (Decision.CONFIRM, Risk.DESTRUCTIVE)
        assert "templates/NOTES.txt calls lookup" in verdict.reason
        assert not ApproveWrites()(verdict, argv).approved, "--yes never runs it"
        assert confirmation_word(argv) == "notes", "the person types the release's name"
        # A client-side render is still a read: lookup finds nothing there.
        assert evaluate([*argv, "--dry-run"], make_ctx(workdir=tmp_path)).decision is Decision.ALLOW
        installed = kube_cluster.helm("install", "notes", str(tmp_path / "notes"), "-n", kube_namespace).stdout
        assert token in installed, "what a person approving `helm install notes ./notes` did not see"
    finally:
        kube_cluster.helm("uninstall", "notes", "-n", kube_namespace, check=False)
        kube_cluster.kubectl("-n", "kube-system", "delete", "secret", secret, check=False)


def test_release_values_re_encoded_by_a_template_are_refused(kube_cluster: Any, kube_namespace: str,
                                                              tmp_path: Path, make_ctx: MakeCtx) -> None:
    password = secrets.token_hex(8)
    _chart(tmp_path, "app", {"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"})
    kube_cluster.helm("install", "app", str(tmp_path / "app"), "-n", kube_namespace, "--set", f"auth.password={password}")
    try:
        template = '{{printf "%x" .Release.Config}}'
        shown = kube_cluster.helm("get", "all", "app", "-n", kube_namespace, "--template", template).stdout
        assert password.encode().hex() in redact(shown), "hex-encoded, the value is past any redactor"
        values = kube_cluster.helm("get", "values", "app", "-n", kube_namespace).stdout
        assert password in values
        ctx = make_ctx(workdir=tmp_path, namespace=kube_namespace)
        for argv in (["helm", "get", "all", "app", "--template", template], ["helm", "get", "values", "app"],
                     ["helm", "get", "all", "app"], ["helm", "status", "app", "-o", "json"],
                     ["helm", "upgrade", "app", "./app", "--debug"]):
            verdict = evaluate(argv, ctx)
            assert (verdict.decision, verdict.risk) == (Decision.DENY, Risk.FORBIDDEN), (argv, verdict)
        status = kube_cluster.helm("status", "app", "-n", kube_namespace, "-o", "json").stdout
        assert password in status, "status -o json carries the release's values"
        assert evaluate(["helm", "status", "app"], ctx).decision is Decision.ALLOW
        assert password not in kube_cluster.helm("status", "app", "-n", kube_namespace).stdout
    finally:
        kube_cluster.helm("uninstall", "app", "-n", kube_namespace, check=False)
