"""Cost: the fixed overhead of every model call (system prompt + all tool schemas, as sent) stays under
1,500 tokens (characters / 4), measured on the HTTP bodies the SDK sends (respx; no model runs here)."""

from __future__ import annotations

from tests.agent.helpers import make_session
from tests.support.fake_kubectl import FakeKubectl
from tests.support.openai_wire import ScriptedModel, serve

BUDGET_TOKENS = 1500


def test_fixed_prompt_overhead_under_budget(fake_kubectl: FakeKubectl) -> None:
    model = ScriptedModel(["a", "b"])
    session = make_session(fake_kubectl)
    question = "why is web-0 not ready?"
    with serve(model):
        session.ask(question)
        assert session.llm is not None
        session.llm.chat([{"role": "user", "content": question}], None)  # the same request, bare
    full, bare = model.raw_bodies
    assert model.requests[0]["messages"][1:] == model.requests[1]["messages"]
    overhead_tokens = (len(full) - len(bare)) / 4
    assert len(model.requests[0]["tools"]) == len(session.registry) >= 13
    assert overhead_tokens < BUDGET_TOKENS, f"fixed prompt overhead is {overhead_tokens:.0f} tokens"
    # Most of it is the tool schemas; the system prompt stays short.
    assert len(model.requests[0]["messages"][0]["content"]) / 4 < 250
