"""Review of issue 9 item 7: lone surrogates are control characters too.

A byte that is not UTF-8 in an argv reaches Python as a lone surrogate (surrogateescape: 0x9b becomes
U+DC9B), and a model can send one as the JSON escape "\\udc9b" in a tool call or its answer. Printed, it is
the raw byte 0x9b again (a C1 CSI to an 8-bit terminal) under a surrogateescape stdout, or a
UnicodeEncodeError under the strict UTF-8 stdout of an ordinary en_US.UTF-8 locale: the denied call is in
the audit log, so every later `aiops audit show` died with a traceback. And since `aiops ask` saves every
turn as a sealed session, a model answer holding one ended `aiops ask` with a UnicodeEncodeError traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aiops_chat.audit import AuditLog
from aiops_chat.cli.main import main
from aiops_chat.safe_text import json_visible, visible
from aiops_chat.sessions.store import SessionStore
from tests.llm.openai_wire import BASE_URL, ScriptedModel, serve
from tests.tools.fake_kubectl import FakeKubectl

LONE = "x\udc9b2J\ud83d y"  # a low (surrogateescape) and a high surrogate, neither paired


def surrogates(text: str) -> set[str]:
    return {c for c in text if 0xD800 <= ord(c) <= 0xDFFF}


def test_visible_spells_lone_surrogates() -> None:
    shown = visible(LONE)
    assert not surrogates(shown)
    assert "\\udc9b" in shown and "\\ud83d" in shown  # shown, not dropped
    shown.encode("utf-8")  # what a strict UTF-8 terminal does with it


def test_json_visible_spells_them_and_stays_the_same_json() -> None:
    text = json.dumps({"argv": [LONE]}, ensure_ascii=False)
    safe = json_visible(text)
    assert not surrogates(safe)
    assert json.loads(safe) == {"argv": [LONE]}


@pytest.fixture
def fake_kubectl(tmp_path: Path) -> FakeKubectl:
    return FakeKubectl(tmp_path)


@pytest.fixture
def cli_env(fake_kubectl: FakeKubectl, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PATH", f"{fake_kubectl.bin}:/usr/bin:/bin")
    monkeypatch.setenv("KUBECONFIG", str(fake_kubectl.kubeconfig))
    monkeypatch.setenv("HOME", str(fake_kubectl.home))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AIOPS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "aiops.toml"
    config.write_text(f'[llm]\nbase_url = "{BASE_URL}"\napi_key = "sk-test"\nmax_retries = 0\n'
                      f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n[policy]\nworkdir = "{tmp_path}"\n')
    return config


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_audit_show_survives_an_entry_with_a_lone_surrogate(cli_env: Path, tmp_path: Path, errors: str) -> None:
    AuditLog(tmp_path / "audit.jsonl", user="u").record(
        {"event": "decision", "argv": ["kubectl", "exec", LONE, "--", "sh"], "decision": "deny"})
    env = {**os.environ, "PYTHONIOENCODING": f"utf-8:{errors}"}
    for extra in ((), ("--output", "json")):
        shown = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "--config", str(cli_env),
                                "audit", "show", *extra], capture_output=True, check=False, env=env)
        assert shown.returncode == 0, shown.stderr.decode(errors="replace")
        assert b"\x9b" not in shown.stdout  # the raw C1 byte never reaches the terminal
        assert b"\\udc9b" in shown.stdout  # spelled, not lost
    assert json.loads(shown.stdout.splitlines()[0])["argv"][2] == LONE


def test_ask_never_prints_a_model_surrogate_and_saves_the_turn(cli_env: Path, fake_kubectl: FakeKubectl,
                                                               tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    model = ScriptedModel([f"The answer {LONE} ends here."])
    with serve(model):
        code = main(["--config", str(cli_env), "ask", "what runs?"])
    out, err = capsys.readouterr()
    assert not surrogates(out) and not surrogates(err)
    assert "The answer x\\udc9b2J\\ud83d y ends here." in out
    assert code == 0
    store = SessionStore(tmp_path / "state" / "aiops" / "sessions")
    (saved,) = store.dir.glob("*.json")
    history = store.load(saved.stem).history  # the seal verifies
    assert any(m.get("content") == f"The answer {LONE} ends here." for m in history)
