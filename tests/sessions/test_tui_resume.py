"""`aiops chat --resume` as build_app wires it: the saved history goes back to the model, the status bar
shows the session id, and the turn is saved to the same file."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiops_chat.config import Config
from aiops_chat.sessions.store import SessionStore
from aiops_chat.tui.launch import build_app
from tests.sessions.support import stored
from tests.tui.conftest import anyio_backend, cfg, kubeconfig, script
from tests.tui.helpers import ask_and_wait, notices, ready, send, status_text, wait_until
from tests.tui.openai_wire import Reply, Script

pytestmark = pytest.mark.anyio
__all__ = ["anyio_backend", "cfg", "kubeconfig", "script"]


async def test_resumed_chat_continues_the_saved_conversation(cfg: Config, script: Script, tmp_path: Path) -> None:
    store = SessionStore(Path(cfg.runtime.state_dir) / "sessions")
    saved = stored(context="dev-cluster", namespace="shop")
    store.save(saved)
    app = build_app(cfg, context=None, namespace=None, demo=True, export_dir=tmp_path / "export",
                    store=store, resume=saved.id[:12])
    script.replies.append(Reply(text="Still crash-looping."))
    async with app.run_test(size=(110, 36)) as pilot:
        await ready(pilot)
        assert status_text(app)["tokens"].endswith(f"session {saved.id}")
        await ask_and_wait(pilot, "is it still crashing?")
    sent = [(m["role"], m.get("content")) for m in script.requests[-1]["messages"] if m["role"] != "system"]
    assert sent[0] == ("user", "why is web-0 not ready?")
    assert ("tool", "web-0   0/1   CrashLoopBackOff") in sent
    assert sent[-1] == ("user", "is it still crashing?")
    after = store.load(saved.id)
    assert after.turns == 2 and after.history[-1]["content"] == "Still crash-looping."


async def test_slash_sessions_lists_and_switches(cfg: Config, script: Script, tmp_path: Path) -> None:
    store = SessionStore(Path(cfg.runtime.state_dir) / "sessions")
    saved = stored("20261201-090000-aaaaaa", context="dev-cluster", namespace="payments")
    store.save(saved)
    app = build_app(cfg, context=None, namespace=None, demo=True, export_dir=tmp_path / "export", store=store)
    script.replies.append(Reply(text="Still crash-looping."))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send(pilot, "/sessions")
        await wait_until(pilot, lambda: any(saved.id in n for n in notices(app)), "the listing")
        listing = next(n for n in notices(app) if saved.id in n)
        assert "1 turns, dev-cluster/payments: why is web-0 not ready?" in listing
        await send(pilot, f"/sessions {saved.id[:15]}")
        await wait_until(pilot, lambda: any("Continuing session" in n for n in notices(app)), "the switch")
        assert status_text(app)["tokens"].endswith(f"session {saved.id}")
        await ask_and_wait(pilot, "and now?")
    sent = [(m["role"], m.get("content")) for m in script.requests[-1]["messages"] if m["role"] != "system"]
    assert sent[0] == ("user", "why is web-0 not ready?") and sent[-1] == ("user", "and now?")
    assert store.load(saved.id).turns == 2
