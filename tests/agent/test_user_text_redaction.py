"""Text a person pastes (or the TUI composes from findings) is redacted before the model, history and audit."""

from __future__ import annotations

import json

from tests.agent.helpers import call, calls, make_session
from tests.support.fake_kubectl import FakeKubectl
from tests.support.openai_wire import ScriptedModel, serve

PASTED = "the pod log says: connecting to postgres://app:PgS3cretValue@db/app with api_key=sk-live-0123456789abcdefghij"


def test_pasted_secrets_never_reach_the_model(fake_kubectl: FakeKubectl) -> None:
    fake_kubectl.respond("get", "pods", stdout="NAME    READY   STATUS\nweb-0   1/1     Running\n")
    model = ScriptedModel([calls(call("get", "c1", kind="pods")), "Looks fine."])
    session = make_session(fake_kubectl)
    with serve(model):
        session.ask(f"why does it fail? {PASTED}")
    sent = json.dumps(model.requests)
    assert "PgS3cretValue" not in sent and "sk-live-0123456789abcdefghij" not in sent
    assert "postgres://app:[REDACTED]@db/app" in sent
    assert "PgS3cretValue" not in json.dumps(session.history)
    audit = session.executor.audit
    assert audit is not None and "PgS3cretValue" not in audit.path.read_text()
