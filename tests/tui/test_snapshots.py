"""SVG snapshots of the three screens people look at most. Fixed size, fixed contexts, scripted model,
demo findings; nothing in them depends on time or on a cluster (the tool card shown is a policy refusal,
which never runs, so no duration appears).

Update with: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from aiops_chat.tui.app import AiopsChatApp
from aiops_chat.tui.screens.approval import ApprovalModal
from aiops_chat.tui.screens.health import HealthScreen
from aiops_chat.tui.widgets.chat.prompt import PromptInput
from tests.tui.conftest import AppFactory
from tests.tui.helpers import ask_and_wait, ready, send, wait_until
from tests.tui.openai_wire import Reply, Script

SIZE = (100, 32)
SnapCompare = Callable[..., bool]


PREVIEW = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3"""


def _steady(pilot: Pilot[None]) -> None:
    # A blinking cursor would make two runs differ.
    pilot.app.query_one(PromptInput).cursor_blink = False
    # A real server dry run carries timestamps and uids that change on every run, so the picture of the
    # modal uses a fixed preview; the real preview is exercised by the Pilot and cluster tests.
    app = pilot.app
    assert isinstance(app, AiopsChatApp)
    ask = app.approver.ask_with_preview
    app.approver.ask_with_preview = lambda verdict, argv, preview: ask(verdict, argv, PREVIEW)  # type: ignore[method-assign]


class TestMainScreen:
    def test_after_a_turn_with_a_refused_command(self, snap_compare: SnapCompare, make_app: AppFactory,
                                                 script: Script) -> None:
        script.replies += [
            Reply(text="Let me look.", tool_calls=[("c1", "kubectl", {"args": ["delete", "namespace", "kube-system"]})]),
            Reply(text="I may not delete **kube-system**: it is a protected namespace.\n\n"
                       "- the policy refused it\n- nothing ran", prompt_tokens=400, completion_tokens=40),
        ]

        async def run_before(pilot: Pilot[None]) -> None:
            _steady(pilot)
            await ask_and_wait(pilot, "delete the kube-system namespace")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


class TestApprovalModal:
    def test_write_waiting_for_an_answer(self, snap_compare: SnapCompare, make_app: AppFactory,
                                         script: Script) -> None:
        script.replies += [Reply(tool_calls=[("c1", "kubectl", {"args": ["scale", "deployment/web", "--replicas=3"]})]),
                           Reply(text="done")]

        async def run_before(pilot: Pilot[None]) -> None:
            _steady(pilot)
            await send(pilot, "scale web to 3")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, ApprovalModal), "the modal")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

    def test_destructive_asks_for_the_name(self, snap_compare: SnapCompare, make_app: AppFactory,
                                           script: Script) -> None:
        script.replies += [Reply(tool_calls=[("c1", "kubectl", {"args": ["delete", "deployment", "web"]})]),
                           Reply(text="done")]

        async def run_before(pilot: Pilot[None]) -> None:
            _steady(pilot)
            await send(pilot, "delete web")
            # Typed only once the name field has the focus the modal gives it on mount.
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, ApprovalModal)
                             and pilot.app.screen.focused is not None
                             and pilot.app.screen.focused.id == "approval-confirm", "the modal's name field")
            await pilot.press("w", "e")

        assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


class TestHealthPanel:
    def test_demo_findings_grouped(self, snap_compare: SnapCompare, make_app: AppFactory, script: Script) -> None:
        async def run_before(pilot: Pilot[None]) -> None:
            _steady(pilot)
            await ready(pilot)
            await pilot.press("f2")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, HealthScreen)
                             and bool(pilot.app.screen.findings), "the findings")
            await pilot.press("down")

        assert snap_compare(make_app(), terminal_size=(120, 36), run_before=run_before)


