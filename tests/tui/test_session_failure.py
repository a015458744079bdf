"""The panels and slash commands when the session cannot be used: it failed to build (a malformed
kubeconfig) or has not finished building. Each says why, as a turn does; none takes the app down.

Regression for issue 14 item 1: F2 used to index a captured list the session was appended to, and raised
IndexError (launch.py <- providers.py <- screens/health.py) when there was no session in it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from aiops_chat.tui.app import create_app
from aiops_chat.tui.providers import demo_findings
from aiops_chat.tui.screens.health import HealthScreen
from aiops_chat.tui.session_api import SessionLike
from tests.tui.conftest import AppFactory, make_config
from tests.tui.helpers import notices, wait_until

pytestmark = pytest.mark.anyio
SIZE = (110, 36)


def _title(app: object) -> str:
    return str(app.screen.query_one("#health-title").content)  # type: ignore[attr-defined]


async def test_f2_with_a_malformed_kubeconfig_reports_the_error(tmp_path: Path, make_app: AppFactory) -> None:
    broken = tmp_path / "broken-kubeconfig"
    broken.write_text("apiVersion: v1\nkind: Config\ncontexts: [unclosed\n")
    app = make_app(config=make_config(tmp_path, broken))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.session_ready, "the session to fail")
        await pilot.pause()
        assert app.session_problem is not None
        assert app.focused is not None and app.focused.id == "prompt"
        welcome = str(app.query_one("#welcome").content)  # type: ignore[attr-defined]
        assert "The session could not start" in welcome and "kubeconfig" in welcome.lower()
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, HealthScreen)
                         and not app.screen.query_one("#health-loading").display, "the panel's verdict")
        assert "kubeconfig" in _title(app).lower(), _title(app)
        assert not app.screen.findings
        await pilot.press("escape")
        # The other panels and commands that need the session say why instead of raising.
        for key, command in (("f3", "context"), ("ctrl+l", "clear")):
            await pilot.press(key)
            await wait_until(pilot, lambda c=command: any(n.startswith(f"/{c} needs the session")  # type: ignore[misc]
                                                          for n in notices(app, "error")), f"/{command}'s notice")
        assert app.is_running


async def test_f2_before_the_session_is_built_waits_then_shows_findings(tmp_path: Path,
                                                                         make_app: AppFactory) -> None:
    release = threading.Event()
    real = make_app()

    def slow_session(approver: object) -> SessionLike:
        release.wait(20)
        return real._session_factory(approver)  # type: ignore[arg-type]

    app = create_app(slow_session, findings=demo_findings, contexts=lambda _current: [], export_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.session_ready
        await pilot.press("f2")
        await wait_until(pilot, lambda: isinstance(app.screen, HealthScreen), "the panel")
        await pilot.pause(0.1)
        assert app.screen.query_one("#health-loading").display  # waiting, not crashed
        release.set()
        await wait_until(pilot, lambda: bool(getattr(app.screen, "findings", None)), "the demo findings")
        assert app.is_running
