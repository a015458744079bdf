from __future__ import annotations

import os
import shlex
from datetime import datetime
from pathlib import Path

from aiops_chat.execution.result import CommandResult, Status
from aiops_chat.policy import Decision, Risk, Verdict
from aiops_chat.tui.runbook import SessionRecord, ToolEntry, render_markdown, render_script, write_export

WHEN = datetime(2026, 1, 2, 3, 4, 5)
READ = Verdict(Decision.ALLOW, Risk.READ, "reads pods", "kubectl", "get", "shop")
WRITE = Verdict(Decision.CONFIRM, Risk.WRITE, "scales a deployment", "kubectl", "scale", "shop")


def _result(argv: tuple[str, ...], verdict: Verdict, *, executed: bool = True, approver: str = "policy",
            stdout: str = "") -> CommandResult:
    pinned = ("kubectl", "--context", "dev", "--namespace", "shop", *argv[1:])
    status = Status.RAN if executed else Status.DECLINED
    return CommandResult(argv, verdict, status, exit_code=0 if executed else None, stdout=stdout,
                         duration_s=0.25, approver=approver, pinned_argv=pinned if executed else (),
                         error=None if executed else "not approved: the user refused")


def test_script_runs_approved_writes_and_comments_reads() -> None:
    get = _result(("kubectl", "get", "pods"), READ)
    scale = _result(("kubectl", "scale", "deployment/web", "--replicas=3"), WRITE, approver="user:alice")
    refused = _result(("kubectl", "delete", "pod", "web-1"), WRITE, executed=False, approver="user:alice")
    script = render_script([get, scale, refused], context="dev", when=WHEN)
    live = [line for line in script.splitlines() if line and not line.startswith(("#", "set "))]
    assert live == ["kubectl --context dev --namespace shop scale deployment/web --replicas=3"]
    assert "# read: kubectl --context dev --namespace shop get pods" in script
    assert "delete" not in script
    assert "approved by user:alice" in script


def test_markdown_follows_the_transcript() -> None:
    record = SessionRecord()
    record.add("user", "scale web to 3")
    record.append_text("Scaling ")
    record.append_text("now.")
    entry = ToolEntry("c1", "kubectl", ("kubectl", "scale", "deployment/web", "--replicas=3"), "confirm", "write",
                      "scales a deployment")
    entry.result = _result(entry.argv, WRITE, approver="user:alice", stdout="deployment.apps/web scaled\n")
    record.add("tool", tool=entry)
    record.add("error", "language model: timed out")
    text = render_markdown(record, context="dev", namespace="shop", when=WHEN)
    assert text.index("## scale web to 3") < text.index("Scaling now.") < text.index("kubectl scale")
    assert "approved by user:alice" in text
    assert "deployment.apps/web scaled" in text
    assert "> **error:** language model: timed out" in text


def test_write_export_makes_an_executable_script(tmp_path: Path) -> None:
    record = SessionRecord()
    record.add("user", "hi")
    md, sh = write_export(record, [_result(("kubectl", "get", "pods"), READ)], tmp_path / "out",
                          context=None, namespace="default", when=WHEN)
    assert md.name == "aiops-session-20260102-030405.md" and md.read_text().startswith("# aiops chat session")
    assert os.access(sh, os.X_OK)
    # The script must at least parse as shell.
    for line in sh.read_text().splitlines():
        if line and not line.startswith("#"):
            shlex.split(line)
