"""The executor: policy before every spawn, pinning, minimal env, caps, timeouts, audit.

Most cases here use a stand-in `kubectl` script on a temporary PATH that records its argv and
environment: they test what the executor hands to the process, which the real kubectl would hide.
The same paths against the real kubectl and API server are in tests/core/test_executor_cluster.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiops_chat.audit import AuditLog
from aiops_chat.config import Config, runtime_from_environ
from aiops_chat.execution import ApprovalResult, Executor, Target
from aiops_chat.policy import Decision

RECORDER = """#!/bin/sh
printf '%s\\n' "$@" > "$RECORD_DIR/argv.$$"
env > "$RECORD_DIR/env.$$"
for arg in "$@"; do
  case "$arg" in
    sleep) sleep 5 ;;
    big) head -c 300000 /dev/zero | tr '\\0' 'x' ;;
    leak) printf 'password: hunter2\\nAuthorization: Bearer abcdefghijklmnopqrstuvwxyz\\n' ;;
  esac
done
echo "ran"
"""


@pytest.fixture()
def fake_bin(tmp_path: Path) -> Path:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    record = tmp_path / "record"
    record.mkdir()
    for name in ("kubectl", "helm"):
        script = bindir / name
        script.write_text(RECORDER.replace("$RECORD_DIR", str(record)))
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return tmp_path


def _cfg(root: Path, **executor: object) -> Config:
    runtime = runtime_from_environ({"PATH": f"{root / 'bin'}:/usr/bin:/bin", "HOME": str(root),
                                    "OPENAI_API_KEY": "sk-should-not-leak-0000000000000000",
                                    "AWS_SECRET_ACCESS_KEY": "should-not-leak", "MINIKUBE_HOME": str(root / "mk")})
    cfg = Config(runtime=runtime)
    return dataclasses.replace(
        cfg,
        executor=dataclasses.replace(cfg.executor, **executor),  # type: ignore[arg-type]
        policy=dataclasses.replace(cfg.policy, workdir=str(root)),
    )


def _executor(root: Path, *, context: str = "dev", namespace: str = "team-a", **kw: object) -> Executor:
    return Executor(_cfg(root, **kw), target=Target(context, namespace),
                    audit=AuditLog(root / "audit.jsonl"), source="cli")


def _recorded(root: Path) -> list[list[str]]:
    return [p.read_text().splitlines() for p in sorted((root / "record").glob("argv.*"))]


def test_read_runs_with_context_and_namespace_pinned(fake_bin: Path) -> None:
    result = _executor(fake_bin).run(["kubectl", "get", "pods"])
    assert result.executed and result.exit_code == 0 and result.stdout == "ran\n"
    assert _recorded(fake_bin) == [["--context", "dev", "--namespace", "team-a", "get", "pods"]]


def test_explicit_namespace_is_the_one_pinned(fake_bin: Path) -> None:
    _executor(fake_bin).run(["kubectl", "get", "pods", "-n", "team-b"])
    assert _recorded(fake_bin) == [["--context", "dev", "--namespace", "team-b", "get", "pods", "-n", "team-b"]]


def test_a_flag_value_that_looks_like_a_namespace_does_not_unpin(fake_bin: Path) -> None:
    """`-nkube-system` here is --template's value to kubectl and to the policy; it must not switch the
    pinning off and let kubectl fall back to the kubeconfig's namespace."""
    ex = _executor(fake_bin)
    ex.run(["kubectl", "scale", "deployment/web", "--replicas=3", "--template", "-nkube-system"],
           approved_by="user:test")
    (argv,) = _recorded(fake_bin)
    assert argv[:4] == ["--context", "dev", "--namespace", "team-a"]


def test_helm_gets_kube_context(fake_bin: Path) -> None:
    _executor(fake_bin).run(["helm", "list"])
    assert _recorded(fake_bin) == [["--kube-context", "dev", "--namespace", "team-a", "list"]]


def test_denied_never_spawns_and_is_audited(fake_bin: Path) -> None:
    ex = _executor(fake_bin)
    result = ex.run(["kubectl", "exec", "-it", "pod", "--", "sh"], request="open a shell")
    assert not result.executed and result.verdict.decision is Decision.DENY
    assert _recorded(fake_bin) == []
    entries = list(AuditLog(fake_bin / "audit.jsonl").read())
    assert entries[-1]["decision"] == "deny" and entries[-1]["request"] == "open a shell"


def test_write_needs_an_approver(fake_bin: Path) -> None:
    ex = _executor(fake_bin)
    result = ex.run(["kubectl", "scale", "deployment/web", "--replicas=2"])
    assert not result.executed and "not approved" in (result.error or "")
    assert _recorded(fake_bin) == []

    asked = []

    def approver(verdict, argv):  # type: ignore[no-untyped-def]
        asked.append(list(argv))
        return ApprovalResult(True, "user:test")

    ok = ex.run(["kubectl", "scale", "deployment/web", "--replicas=2"], approver=approver)
    assert ok.executed and asked == [["kubectl", "scale", "deployment/web", "--replicas=2"]]
    entries = list(AuditLog(fake_bin / "audit.jsonl").read())
    assert [e["event"] for e in entries] == ["decision", "decision", "execution"]
    assert entries[1]["approver"] == "user:test" and entries[2]["exit_code"] == 0
    assert AuditLog(fake_bin / "audit.jsonl").verify().ok


def test_refusal_is_audited(fake_bin: Path) -> None:
    ex = _executor(fake_bin)
    result = ex.run(["kubectl", "scale", "deployment/web", "--replicas=2"],
                    approver=lambda v, a: ApprovalResult(False, "user:test", "no thanks"))
    assert not result.executed and _recorded(fake_bin) == []
    last = list(AuditLog(fake_bin / "audit.jsonl").read())[-1]
    assert last["approved"] is False and last["approver"] == "user:test"


def test_read_only_context_denies_writes(fake_bin: Path) -> None:
    ex = _executor(fake_bin, context="prod-eu")
    result = ex.run(["kubectl", "scale", "deployment/web", "--replicas=2"], approved_by="user:test")
    assert not result.executed and result.verdict.decision is Decision.DENY
    assert _recorded(fake_bin) == []


def test_environment_is_minimal(fake_bin: Path) -> None:
    _executor(fake_bin).run(["kubectl", "version"])
    env_file = next((fake_bin / "record").glob("env.*"))
    names = {line.split("=", 1)[0] for line in env_file.read_text().splitlines() if "=" in line}
    assert "OPENAI_API_KEY" not in names and "AWS_SECRET_ACCESS_KEY" not in names
    assert "MINIKUBE_HOME" in names  # tools still find their own state
    assert names <= {"PATH", "HOME", "LANG", "KUBECONFIG", "PWD", "SHLVL", "_", "MINIKUBE_HOME"}


def test_output_is_redacted(fake_bin: Path) -> None:
    result = _executor(fake_bin).run(["kubectl", "logs", "leak"])
    assert "hunter2" not in result.stdout and "abcdefghijklmnop" not in result.stdout


def test_output_is_capped_with_head_and_tail(fake_bin: Path) -> None:
    result = _executor(fake_bin, max_output_bytes=10_000).run(["kubectl", "logs", "big"])
    assert result.truncated
    assert len(result.stdout.encode()) < 10_500
    assert "bytes cut by aiops" in result.stdout and result.stdout.rstrip().endswith("ran")


def test_timeout_is_reported(fake_bin: Path) -> None:
    result = _executor(fake_bin, timeout=0.5).run(["kubectl", "logs", "sleep"])
    assert result.exit_code is None and "timed out" in (result.error or "")
    last = list(AuditLog(fake_bin / "audit.jsonl").read())[-1]
    assert last["event"] == "execution" and last["error"].startswith("timed out")


def test_missing_binary_is_a_clear_result(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    cfg = _cfg(tmp_path)
    cfg = dataclasses.replace(cfg, runtime=dataclasses.replace(cfg.runtime, path=str(tmp_path / "bin")))
    result = Executor(cfg, target=Target("dev", "default")).run(["kubectl", "get", "pods"])
    assert not result.executed and "not found on PATH" in (result.error or "")


FORBIDDEN = st.sampled_from([
    "--kubeconfig=/tmp/x", "--context=prod", "--token=abc", "--as=admin", "--server=https://evil", "-s",
    "exec", "attach", "port-forward", "proxy", "cp", "a;b", "$(id)", "`id`", "x|y", "a&b", "x>y", "a\nb",
    "--insecure-skip-tls-verify",
])
SAFE = st.sampled_from(["get", "pods", "describe", "deployment", "web", "-o", "wide", "-l", "app=web", "logs",
                        "--tail=10", "events", "svc", "-w"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.lists(SAFE, max_size=4), bad=FORBIDDEN, suffix=st.lists(SAFE, max_size=4),
       binary=st.sampled_from(["kubectl", "helm"]))
def test_executor_never_runs_a_denied_argv(fake_bin: Path, prefix: list[str], bad: str, suffix: list[str],
                                           binary: str) -> None:
    ex = Executor(_cfg(fake_bin), target=Target("dev", "default"))
    argv = [binary, *prefix, bad, *suffix]
    verdict = ex.check(argv)
    before = len(_recorded(fake_bin))
    result = ex.run(argv, approved_by="user:property-test")
    if verdict.decision is Decision.DENY:
        assert not result.executed
        assert len(_recorded(fake_bin)) == before
    # Credentials, target overrides and shell metacharacters are never anything but denied.
    if bad.startswith("--") or any(c in bad for c in ";$`|&>\n"):
        assert verdict.decision is Decision.DENY, argv


def test_audit_entry_json_is_one_line_each(fake_bin: Path) -> None:
    _executor(fake_bin).run(["kubectl", "get", "pods"], request="multi\nline request")
    raw = (fake_bin / "audit.jsonl").read_text().splitlines()
    assert len(raw) == 2 and json.loads(raw[0])["request"] == "multi\nline request"
    assert os.stat(fake_bin / "audit.jsonl").st_mode & 0o077 == 0


@pytest.mark.parametrize(("manifest", "why"), [
    ("kind: ClusterRoleBinding\nroleRef:\n  name: cluster-admin\n", "cluster-admin"),
    ("kind: ConfigMap\nmetadata:\n  name: x\n  namespace: kube-system\n", "kube-system"),
])
def test_stdin_manifest_is_checked_like_a_file(fake_bin: Path, manifest: str, why: str) -> None:
    ex = _executor(fake_bin)
    result = ex.run(["kubectl", "apply", "-f", "-"], stdin=manifest, approved_by="user:test")
    assert not result.executed and result.verdict.decision is Decision.DENY and why in result.verdict.reason
    assert _recorded(fake_bin) == []
    ok = ex.run(["kubectl", "apply", "-f", "-"], stdin="kind: ConfigMap\nmetadata:\n  name: x\n",
                approved_by="user:test")
    assert ok.executed


@pytest.mark.parametrize(("argv", "word"), [
    (["kubectl", "delete", "pod", "web-0"], "web-0"),
    (["kubectl", "delete", "deployment/web", "--grace-period", "0"], "web"),
    (["kubectl", "delete", "-f", "k8s/"], "delete"),
    (["kubectl", "delete", "pod", "a", "b"], "delete"),
    (["helm", "uninstall", "shop", "--wait"], "shop"),
    (["kubectl", "drain", "node-1", "--ignore-daemonsets"], "node-1"),
])
def test_confirmation_word_is_never_empty(argv: list[str], word: str) -> None:
    from aiops_chat.execution import confirmation_word

    assert confirmation_word(argv) == word


def test_terminal_approver_treats_eof_and_enter_as_no() -> None:
    import io

    from aiops_chat.cli.prompting import TerminalApprover
    from aiops_chat.policy import Risk, Verdict

    verdict = Verdict(Decision.CONFIRM, Risk.DESTRUCTIVE, "delete is destructive", "kubectl", "delete", "default")
    argv = ["kubectl", "delete", "-f", "k8s/"]
    for typed in ("", "\n", "y\n"):
        answer = TerminalApprover(user="t", input=io.StringIO(typed), output=io.StringIO())(verdict, argv)
        assert not answer.approved, typed
    assert TerminalApprover(user="t", input=io.StringIO("delete\n"), output=io.StringIO())(verdict, argv).approved


def test_preview_is_never_a_write() -> None:
    from aiops_chat.execution.preview import preview_argv

    assert preview_argv(["kubectl", "delete", "configmap", "keepme", "--"]) is None
    # `kubectl scale -o yaml` prints the object as read before the change, so scale is previewed as a patch.
    patch = ["kubectl", "patch", "deploy/web", "--type=merge", "-p", '{"spec":{"replicas":2}}', "--dry-run=server",
             "-o", "yaml"]
    assert preview_argv(["kubectl", "scale", "deploy/web", "--replicas=2"]) == patch
    assert preview_argv(["kubectl", "scale", "deploy", "web", "--replicas", "2"]) == patch
    assert preview_argv(["kubectl", "scale", "deploy", "--all", "--replicas=2"]) is None
    assert preview_argv(["kubectl", "set", "image", "deploy/web", "web=nginx:2"]) == [
        "kubectl", "set", "image", "deploy/web", "web=nginx:2", "--dry-run=server", "-o", "yaml"]
    assert preview_argv(["kubectl", "apply", "-f", "app.yaml"]) == ["kubectl", "diff", "-f", "app.yaml"]


def test_request_text_is_redacted_in_the_audit_log(fake_bin: Path) -> None:
    _executor(fake_bin).run(["kubectl", "get", "pods"], request="why? the log says password=Hunter2Secret")
    raw = (fake_bin / "audit.jsonl").read_text()
    assert "Hunter2Secret" not in raw and "password=[REDACTED]" in raw


def test_child_never_reads_our_stdin(fake_bin: Path) -> None:
    """`kubectl apply -f -` without a manifest of ours must not read whatever is on aiops's own stdin."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from tests.core.test_executor import _executor;"
        f"r = _executor(Path({str(fake_bin)!r})).run(['kubectl', 'apply', '-f', '-'], approved_by='user:t');"
        "print(r.executed)"
    )
    script = fake_bin / "bin" / "kubectl"
    script.write_text(script.read_text().replace('echo "ran"', 'cat > "$RECORD_DIR/stdin.$$"\necho "ran"'.replace(
        "$RECORD_DIR", str(fake_bin / "record"))))
    proc = subprocess.run([sys.executable, "-c", code], input="kind: Secret\nsmuggled: yes\n", capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout.strip() == "True", proc.stderr
    (stdin_seen,) = (fake_bin / "record").glob("stdin.*")
    assert stdin_seen.read_text() == ""


@pytest.mark.parametrize("argv", [
    ["kubectl", "get", "pods", "-n", "shop"],
    ["kubectl", "get", "pods", "--namespace=shop"],
    ["kubectl", "-nshop", "get", "pods"],
    ["helm", "list", "-n", "shop"],
])
def test_audit_names_the_namespace_the_policy_judged_and_pinned(fake_bin: Path, argv: list[str]) -> None:
    """`aiops run -- kubectl get pods -n shop` runs in shop and must be logged as shop, not the session's
    default namespace (team-a here): every entry of the command, decision and execution alike."""
    result = _executor(fake_bin).run(argv, request="aiops run")
    (recorded,) = _recorded(fake_bin)
    assert recorded[recorded.index("--namespace") + 1] == "shop"  # where it really ran
    entries = list(AuditLog(fake_bin / "audit.jsonl").read())
    assert [e["event"] for e in entries] == ["decision", "execution"] and result.ok
    assert {e["namespace"] for e in entries} == {"shop"}


def test_audit_of_a_refused_write_names_its_namespace(fake_bin: Path) -> None:
    _executor(fake_bin).run(["kubectl", "scale", "deploy/web", "--replicas=2", "-n", "shop"])
    (entry,) = list(AuditLog(fake_bin / "audit.jsonl").read())
    assert entry["approved"] is False and entry["namespace"] == "shop"
    assert _recorded(fake_bin) == []


def test_audit_entry_is_typed_and_carries_the_status(fake_bin: Path) -> None:
    from aiops_chat.execution import Status

    result = _executor(fake_bin, timeout=0.5).run(["kubectl", "logs", "sleep"])
    assert result.status is Status.TIMED_OUT
    last = list(AuditLog(fake_bin / "audit.jsonl").read())[-1]
    assert last["status"] == "timed_out" and last["executed"] is False and last["exit_code"] is None


def test_the_executor_computes_the_preview_an_approver_shows(fake_bin: Path) -> None:
    """Approvers are pure UI: the server's dry run is run by the executor, as an allowed read through its
    own pipeline, before the approver is asked; the approver never calls back into the executor."""
    from collections.abc import Sequence

    from aiops_chat.execution import ShowsPreview
    from aiops_chat.policy import Verdict

    class Shows:
        def __init__(self) -> None:
            self.shown: list[tuple[tuple[str, ...], str | None]] = []

        def __call__(self, verdict: Verdict, argv: Sequence[str]) -> ApprovalResult:
            raise AssertionError("an approver that shows previews is asked with one")

        def ask_with_preview(self, verdict: Verdict, argv: Sequence[str], preview: str | None) -> ApprovalResult:
            self.shown.append((tuple(argv), preview))
            return ApprovalResult(True, "user:test")

    person = Shows()
    assert isinstance(person, ShowsPreview)
    result = _executor(fake_bin).run(["kubectl", "set", "image", "deploy/web", "web=nginx:2"], approver=person)
    assert result.ok
    runs = _recorded(fake_bin)  # named by pid, so their order on disk says nothing
    assert sorted("--dry-run=server" in argv for argv in runs) == [False, True]
    assert all(argv[-3:] == ["--dry-run=server", "-o", "yaml"] for argv in runs if "--dry-run=server" in argv)
    assert person.shown == [(("kubectl", "set", "image", "deploy/web", "web=nginx:2"), "ran")]
    requests = [e["request"] for e in AuditLog(fake_bin / "audit.jsonl").read()]
    assert requests[:2] == ["approval preview", "approval preview"]  # the preview's own decision and run


def test_secret_values_in_argv_are_masked_in_the_audit_log(fake_bin: Path) -> None:
    argv = ["kubectl", "create", "secret", "generic", "db", "--from-literal=password=Hunter2Secret",
            "--dry-run=client", "-o", "yaml"]
    _executor(fake_bin).run(argv, approved_by="user:t")
    raw = (fake_bin / "audit.jsonl").read_text()
    assert "Hunter2Secret" not in raw and "--from-literal=password=[REDACTED]" in raw
