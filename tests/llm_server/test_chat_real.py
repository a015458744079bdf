"""`aiops chat` (the Textual app as `aiops chat` builds it) streams an answer from the real llama.cpp server."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from aiops_chat.config import LLMConfig
from aiops_chat.tui.launch import build_app
from tests.llm_server.server import MODEL_ALIAS
from tests.tui.conftest import KUBECONFIG, make_config
from tests.tui.helpers import answers, notices, send, wait_until

pytestmark = [pytest.mark.llm_server, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("tool_mode", ["native", "json"])
async def test_chat_streams_an_answer_from_the_real_server(llm_server: str, tmp_path: Path, tool_mode: str) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    cfg = make_config(tmp_path, kubeconfig)
    cfg = dataclasses.replace(cfg, llm=LLMConfig(base_url=llm_server, api_key="sk-local", model=MODEL_ALIAS,
                                                 tool_mode=tool_mode, max_retries=0, timeout=300.0))
    app = build_app(cfg, context=None, namespace=None, offline=False, demo=True, export_dir=tmp_path / "export")
    async with app.run_test(size=(110, 36)) as pilot:
        question = "In one sentence: what is a Kubernetes pod?"
        await send(pilot, question)
        # A CPU model is slow: the bound is generous and is a give-up point, not a timing assertion.
        await wait_until(pilot, lambda: app.chat.cancel is None
                         and any(e.kind == "user" and e.text == question for e in app.chat.record.entries),
                         "the turn to end", limit=600.0)
        await pilot.pause()
        # Whatever the model said reached the transcript: a streamed answer, or a notice saying why not.
        assert any(a.strip() for a in answers(app)) or notices(app), "the turn left nothing in the transcript"
