"""Issue 9, item 7: control sequences from a model, a cluster, a log or the audit file never reach a terminal.

Every surface gets the same payloads (an OSC 52 clipboard write, `ESC[8m` hidden text, an OSC 8 link, cursor
up + erase line, the 8-bit CSI `\\x9b`, a bidi override) and must print none of them raw, but show them.
"""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.text import Text

from aiops_chat.agent.events import Notice, TextDelta, ToolCallFinished, ToolCallStarted
from aiops_chat.audit import AuditLog
from aiops_chat.cli.ask_cmd import EventPrinter
from aiops_chat.cli.main import main
from aiops_chat.cli.prompting import TerminalApprover
from aiops_chat.execution.result import CommandResult, Status
from aiops_chat.policy import Decision, Risk, Tier, Verdict
from aiops_chat.safe_text import json_visible, visible
from tests.agent.helpers import call, calls
from tests.support.fake_kubectl import FakeKubectl
from tests.support.openai_wire import BASE_URL, ScriptedModel, serve

PAYLOADS = {
    "osc52": "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "hidden": "\x1b[8mhidden\x1b[0m",
    "osc8": "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "cursor": "\x1b[1A\x1b[2K",
    "c1-csi": "\x9b31m",
    "bidi": "\u202etxt.exe",
}
ALL = "".join(PAYLOADS.values())


def raw_controls(text: str) -> set[str]:
    """Characters a terminal would act on: C0 but newline and tab, DEL, C1, bidi overrides."""
    return {c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
            or c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"}


def assert_safe(text: str) -> None:
    assert not raw_controls(text), sorted(raw_controls(text))
    assert "\\x1b" in text or "\\x9b" in text or "\\u202e" in text  # shown, not dropped


# -- safe_text itself ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PAYLOADS)
def test_visible_spells_every_payload(name: str) -> None:
    shown = visible(f"before {PAYLOADS[name]} after")
    assert_safe(shown)
    assert shown.startswith("before ") and shown.endswith(" after")


def test_line_endings() -> None:
    assert visible("a\r\nb\n\tc") == "a\nb\n\tc"  # CRLF logs read as lines
    assert visible("ok\rFAILED") == "ok\\x0dFAILED"  # a bare CR would overwrite the start of the line
    assert visible("\r\r\n") == "\\x0d\n"


def test_visible_is_linear_on_a_large_hostile_input() -> None:
    text = (ALL + "x" * 10) * 20_000
    assert not raw_controls(visible(text))


def test_json_visible_keeps_the_json() -> None:
    doc = {"answer": ALL, "plan": [{"argv": ["kubectl", "get", "pods" + ALL]}]}
    text = json_visible(json.dumps(doc, ensure_ascii=False, indent=2))
    assert not raw_controls(text) and json.loads(text) == doc
    # json.dumps alone escapes C0 but not DEL, C1 or bidi controls: why json_visible exists.
    assert raw_controls(json.dumps(doc, ensure_ascii=False)) == {"\x9b", "\u202e"}


def test_rich_passes_escape_sequences_through() -> None:
    """Why the TUI needs visible(): rich's Text drops only BEL, BS, VT, FF and CR."""
    assert "\x1b" in Text(ALL).plain and "\x9b" in Text(ALL).plain


# -- the CLI -------------------------------------------------------------------------------------------------

@pytest.fixture
def cli_env(fake_kubectl: FakeKubectl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PATH", f"{fake_kubectl.bin}:/usr/bin:/bin")
    monkeypatch.setenv("KUBECONFIG", str(fake_kubectl.kubeconfig))
    monkeypatch.setenv("HOME", str(fake_kubectl.home))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AIOPS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "aiops.toml"
    config.write_text(f'[llm]\nbase_url = "{BASE_URL}"\napi_key = "sk-test"\nmax_retries = 0\n'
                      f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n[policy]\nworkdir = "{tmp_path}"\n')
    return config


def scripted_turn() -> ScriptedModel:
    return ScriptedModel([
        calls(call("kubectl", "k1", args=["get", "pods"]),
              call("kubectl", "k2", args=["exec", "web" + ALL, "--", "sh"]),  # denied: its argv is echoed
              call("scale", "s1", target="deployment/web" + PAYLOADS["osc52"], replicas=2)),  # proposed
        f"The pods are fine.{ALL} Nothing else to do.",
    ])


def test_ask_text_output(cli_env: Path, fake_kubectl: FakeKubectl, capsys: pytest.CaptureFixture[str]) -> None:
    fake_kubectl.respond("get", "pods", stdout=f"web-0 {ALL}\n", stderr=f"Warning: {ALL}\n")
    with serve(scripted_turn()):
        main(["--config", str(cli_env), "-v", "ask", "are the pods fine?"])
    out, err = capsys.readouterr()
    assert_safe(out)  # the answer, and the proposed write
    assert_safe(err)  # the tool echo (the denied exec too), "not run", and -v output
    assert "The pods are fine." in out and "exec" in err and "web-0" in err


def test_ask_json_output(cli_env: Path, fake_kubectl: FakeKubectl, capsys: pytest.CaptureFixture[str]) -> None:
    fake_kubectl.respond("get", "pods", stdout=f"web-0 {ALL}\n")
    with serve(scripted_turn()):
        main(["--config", str(cli_env), "ask", "are the pods fine?", "--output", "json"])
    out = capsys.readouterr().out
    assert not raw_controls(out)
    assert json.loads(out)["answer"] == f"The pods are fine.{ALL} Nothing else to do."  # escaped, not lost


def test_event_printer_every_event() -> None:
    out, err = io.StringIO(), io.StringIO()
    printer = EventPrinter(out, err, verbose=True)
    verdict = Verdict(Decision.DENY, Risk.FORBIDDEN, f"exec is denied {ALL}", "kubectl", "exec", "shop")
    printer(TextDelta(ALL))
    printer(ToolCallStarted("c", "kubectl", ("kubectl", "exec", ALL), Decision.DENY, Risk.FORBIDDEN, ALL))
    printer(ToolCallFinished("c", "kubectl", CommandResult(("kubectl",), verdict, Status.DENIED, error=ALL), ALL))
    printer(ToolCallFinished("d", "kubectl", None, ALL))
    printer(Notice(ALL))
    assert_safe(out.getvalue())
    assert_safe(err.getvalue())


def test_the_approval_prompt() -> None:
    out = io.StringIO()
    verdict = Verdict(Decision.CONFIRM, Risk.DESTRUCTIVE, f"deletes {ALL}", "kubectl", "delete", "shop")
    TerminalApprover(user="t", input=io.StringIO("no\n"), output=out)(verdict, ["kubectl", "delete", "pod", "x" + ALL])
    assert_safe(out.getvalue())
    write = Verdict(Decision.CONFIRM, Risk.WRITE, ALL, "kubectl", "scale", "shop")
    out = io.StringIO()
    TerminalApprover(user="t", input=io.StringIO("n\n"), output=out)(write, ["kubectl", "scale", ALL])
    assert_safe(out.getvalue())


def aiops(cli_env: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "--config", str(cli_env), *args],
                          capture_output=True, text=True, check=False, env=os.environ.copy())


def test_audit_show(cli_env: Path, tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", user="x" + PAYLOADS["cursor"])
    log.record({"event": "execution", "argv": ["kubectl", "logs", ALL], "exit_code": 1, "error": ALL,
                "source": ALL, "context": ALL, "namespace": {"a": ALL}})
    log.record({"event": "decision", "argv": [ALL], "approver": ALL, "approved": False})
    shown = aiops(cli_env, "audit", "show")
    assert shown.returncode == 0, shown.stderr
    assert_safe(shown.stdout)
    as_json = aiops(cli_env, "audit", "show", "--output", "json")
    assert not raw_controls(as_json.stdout)
    assert json.loads(as_json.stdout.splitlines()[0])["argv"] == ["kubectl", "logs", ALL]


def test_policy_check(cli_env: Path) -> None:
    for argv in (["kubectl", "get", "pods" + ALL], ["kubectl", "exec", ALL, "--", "sh"]):
        checked = aiops(cli_env, "policy", "check", "--", *argv)
        assert not raw_controls(checked.stdout + checked.stderr), checked.stdout
        as_json = aiops(cli_env, "policy", "check", "--output", "json", "--", *argv)
        assert not raw_controls(as_json.stdout)


def test_run_output_on_a_terminal_and_a_pipe(cli_env: Path, fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("logs", stdout=f"line {ALL}\r\n", stderr=f"Warning: {ALL}\n")
    piped = aiops(cli_env, "run", "--", "kubectl", "logs", "web-0")
    assert piped.returncode == 0, piped.stderr
    assert_safe(piped.stderr)
    assert piped.stdout.rstrip() == f"line {ALL}"  # a pipe or a file gets kubectl's bytes unchanged
    primary, secondary = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "--config", str(cli_env), "run", "--",
                               "kubectl", "logs", "web-0"], stdin=subprocess.DEVNULL, stdout=secondary,
                              stderr=subprocess.DEVNULL, env=os.environ.copy(), check=False, timeout=60)
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
    assert proc.returncode == 0
    on_tty = b"".join(chunks).decode()
    assert "line " in on_tty
    assert not raw_controls(on_tty.replace("\r\n", "\n"))  # the tty turns \n into \r\n itself


def test_analyze_output(cli_env: Path, tmp_path: Path) -> None:
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web" + ALL,
                                                                                 "namespace": "shop"},
                                    "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "x"}]},
                                    "status": {"phase": "Failed", "reason": "Evicted", "message": ALL}}))
    for output in ("table", "markdown", "json"):
        shown = aiops(cli_env, "analyze", "--snapshot", str(snapshot), "--output", output)
        assert shown.returncode == 0, shown.stderr
        assert "web" in shown.stdout
        assert not raw_controls(shown.stdout + shown.stderr), (output, shown.stdout)
        if output == "json":
            json.loads(shown.stdout)


# -- the TUI -------------------------------------------------------------------------------------------------

@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # Textual needs asyncio


@pytest.mark.anyio
async def test_tui_transcript_cards_approval_and_health() -> None:
    from textual.app import App, ComposeResult

    from aiops_chat.analysis.findings import Finding, Severity
    from aiops_chat.tui.screens.approval import ApprovalModal, ApprovalRequest
    from aiops_chat.tui.widgets.chat.transcript import Transcript
    from aiops_chat.tui.widgets.health.evidence import EvidencePane
    from aiops_chat.tui.widgets.health.findings_table import FindingsTable
    from aiops_chat.tui.widgets.status.status_bar import StatusBar

    class Harness(App[None]):
        def compose(self) -> ComposeResult:
            yield Transcript(id="t")
            yield FindingsTable(id="f")
            yield EvidencePane(id="e")
            yield StatusBar()

    verdict = Verdict(Decision.ALLOW, Risk.READ, ALL, "kubectl", "logs", "shop")
    finding = Finding(analyzer="pod", kind="Pod", namespace="shop", name="web" + ALL, severity=Severity.CRITICAL,
                      reason="CrashLoop" + ALL, message="back-off " + ALL, evidence=(ALL,), suggestions=(ALL,))
    app = Harness()
    async with app.run_test(size=(200, 60)) as pilot:
        transcript = app.query_one(Transcript)
        await transcript.add_user("why " + ALL)
        await transcript.add_text("the answer " + ALL)
        await transcript.end_answer()
        await transcript.add_markdown("**md** " + ALL)
        await transcript.add_notice("notice " + ALL)
        await transcript.add_tool("c1", "kubectl", ("kubectl", "logs", ALL), "allow", "read", ALL)
        transcript.finish_tool("c1", CommandResult(("kubectl",), verdict, Status.RAN, exit_code=0,
                                                   stdout="out " + ALL, stderr=ALL), ALL)
        await transcript.add_tool("c2", "kubectl", ("kubectl", "exec", ALL), "deny", "forbidden", ALL)
        transcript.finish_tool("c2", CommandResult(("kubectl",), verdict, Status.DENIED, error=ALL), "")
        app.query_one(FindingsTable).show([finding])
        app.query_one(EvidencePane).show(finding)
        status = SimpleNamespace(tier=Tier.CONFIRM, context="ctx" + ALL, namespace="ns" + ALL, model="[b]m" + ALL,
                                 mode="llm", tokens_used=1, session_id="s" + ALL)
        app.query_one(StatusBar).show(status)
        await pilot.pause()
        for collapsible in app.query("Collapsible"):
            collapsible.collapsed = False  # type: ignore[attr-defined]
        await pilot.pause()
        assert_safe(app.export_screenshot())
        app.push_screen(ApprovalModal(ApprovalRequest(("kubectl", "delete", "pod", ALL), "destructive", ALL,
                                                      preview=ALL, confirm_word="x" + ALL)))
        await pilot.pause()
        assert_safe(app.export_screenshot())
