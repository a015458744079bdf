"""The kubectl-ai leg of the fallback chain. kubectl-ai cannot be installed here (it is a Go binary released
on GitHub, which this machine cannot reach), so a stand-in script named kubectl-ai sits on the PATH: it
records its argv and answers, or fails, as the test asks. kubectl is the usual stand-in (no cluster needed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aiops_chat.agent.events import Notice
from aiops_chat.audit import AuditLog
from tests.agent.helpers import Recorder, make_session
from tests.support.fake_kubectl import FakeKubectl

STAND_IN = """#!{python}
import json, sys
from pathlib import Path
here = Path(__file__).resolve().parent
with open(here / "kubectl-ai.calls", "a") as fh:
    fh.write(json.dumps(sys.argv[1:]) + "\\n")
sys.stdin.read()  # a closed stdin: it could never get an answer to its own permission prompt
sys.stdout.write({answer!r})
sys.stderr.write({error!r})
sys.exit({code})
"""


def install(fake: FakeKubectl, *, answer: str = "", error: str = "", code: int = 0) -> Path:
    path = fake.bin / "kubectl-ai"
    path.write_text(STAND_IN.format(python=sys.executable, answer=answer, error=error, code=code))
    path.chmod(0o755)
    return fake.bin / "kubectl-ai.calls"


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_read_only_question_goes_to_kubectl_ai(fake_kubectl: FakeKubectl) -> None:
    log = install(fake_kubectl, answer="There are 2 pods; web-0 is not ready because its probe fails.\n")
    session = make_session(fake_kubectl, llm=False)
    assert session.status.mode == "kubectl-ai"
    turn = session.ask("which pods are not ready?")
    assert turn.mode == "kubectl-ai"
    assert turn.answer.startswith("There are 2 pods; web-0 is not ready")
    assert calls(log) == [["--quiet", "--kubeconfig", str(fake_kubectl.kubeconfig), "which pods are not ready?"]]
    assert "--skip-permissions" not in calls(log)[0]  # its own permission checks stay on
    assert [s.to_dict() for s in turn.plan] == [{"tool": "kubectl-ai", "argv": ["kubectl-ai", "--quiet",
                                                 "which pods are not ready?"], "decision": "allow",
                                                 "executed": True, "exit_code": 0}]
    assert fake_kubectl.calls() == []
    entry = list(AuditLog(fake_kubectl.config().audit_path).read())[-1]
    assert entry["argv"] == ["kubectl-ai", "--quiet", "which pods are not ready?"] and entry["exit_code"] == 0


def test_its_output_is_redacted(fake_kubectl: FakeKubectl) -> None:
    install(fake_kubectl, answer="The pod env has:\nDB_PASSWORD=canary-kai-secret\n")
    turn = make_session(fake_kubectl, llm=False).ask("show the env of web-0")
    assert "canary-kai-secret" not in turn.answer


def test_writes_never_go_to_kubectl_ai(fake_kubectl: FakeKubectl) -> None:
    log = install(fake_kubectl, answer="scaled!")
    person = Recorder(True)
    turn = make_session(fake_kubectl, llm=False, approver=person).ask("scale web to 3")
    assert calls(log) == []
    assert turn.mode == "offline"
    assert person.asked == [("kubectl", "scale", "deployment/web", "--replicas=3")]
    delete = make_session(fake_kubectl, llm=False).ask("delete all the failed pods")  # not understood: a write
    assert calls(log) == [] and delete.mode == "offline"


def test_kubectl_ai_failure_falls_back_to_the_planner(fake_kubectl: FakeKubectl) -> None:
    install(fake_kubectl, error="Error: GEMINI_API_KEY environment variable not set\n", code=1)
    fake_kubectl.respond("get", "pods", stdout="web-0   1/1   Running\n")
    events: list[object] = []
    turn = make_session(fake_kubectl, llm=False).ask("list pods", on_event=events.append)
    assert turn.mode == "offline" and "web-0   1/1   Running" in turn.answer
    assert [(s.tool, s.exit_code) for s in turn.plan] == [("kubectl-ai", 1), ("get", 0)]  # both legs in the plan
    assert any(isinstance(e, Notice) and "GEMINI_API_KEY" in e.text for e in events)


def test_not_used_for_another_context(fake_kubectl: FakeKubectl) -> None:
    log = install(fake_kubectl, answer="wrong cluster")
    fake_kubectl.respond("get", "pods", stdout="web-0\n")
    session = make_session(fake_kubectl, llm=False)
    session.set_context("other-ctx")  # kubectl-ai would act on the kubeconfig's current context, fake-ctx
    events: list[object] = []
    turn = session.ask("list pods", on_event=events.append)
    assert calls(log) == [] and turn.mode == "offline"
    assert any(isinstance(e, Notice) and "current context 'fake-ctx'" in e.text for e in events)
