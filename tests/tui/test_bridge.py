from __future__ import annotations

import threading

from aiops_chat.agent.events import Notice, SessionEvent, TextDelta, ToolCallStarted, TurnFinished
from aiops_chat.policy.types import Decision, Risk
from aiops_chat.tui.bridge import EventBridge, TextRun, TurnEnded, merge_text


def test_text_runs_merge_but_never_across_other_events() -> None:
    started = ToolCallStarted("c1", "kubectl", ("kubectl", "get", "pods"), Decision.ALLOW, Risk.READ, "reads pods")
    events: list[SessionEvent | TurnEnded] = [TextDelta("a"), TextDelta("b"), started, TextDelta("c"), Notice("n"),
                                              TextDelta("d")]
    assert merge_text(events) == [TextRun("ab"), started, TextRun("c"), Notice("n"), TextRun("d")]


def test_one_wake_per_batch_and_order_kept_across_threads() -> None:
    wakes: list[int] = []
    bridge = EventBridge(lambda: wakes.append(1))

    def produce() -> None:
        for i in range(2000):
            bridge(TextDelta(f"{i} "))
        bridge(TurnFinished("ignored: the worker posts TurnEnded itself"))
        bridge(TurnEnded(None))

    worker = threading.Thread(target=produce)
    worker.start()
    drained: list[object] = []
    while worker.is_alive() or drained[-1:] != [TurnEnded(None)]:
        drained += bridge.drain()
    worker.join()
    text = "".join(e.text for e in drained if isinstance(e, TextRun))
    assert text == "".join(f"{i} " for i in range(2000))
    assert drained[-1] == TurnEnded(None) and not any(isinstance(e, TurnFinished) for e in drained)
    assert 1 <= len(wakes) < 2001  # woken per batch, not per token
