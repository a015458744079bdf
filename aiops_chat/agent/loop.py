"""The tool-calling loop of one turn: ask the model, run the calls it makes, feed the results back, until
it answers in words, the step limit is reached, it keeps repeating itself, or the user cancels.

Problems with a call (unknown tool, malformed arguments, a repeat) go back to the model as tool results;
only an LLM failure (LLMError, after the client's retries) leaves this function, so the session can fall back.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiops_chat.agent.events import EventSink, Notice, TextDelta, ToolCallFinished, ToolCallStarted
from aiops_chat.llm.types import ToolCall, Usage
from aiops_chat.tools.output import format_error

if TYPE_CHECKING:
    from aiops_chat.llm.client import LLMClient
    from aiops_chat.policy import Verdict
    from aiops_chat.tools.runner import ToolRunner

CANCELLED = "(cancelled)"


@dataclass(frozen=True)
class Limits:
    max_steps: int = 10  # model calls per turn
    max_repeats: int = 1  # how often an identical call may run again within a turn


@dataclass(frozen=True)
class LoopOutcome:
    answer: str
    usage: Usage


def run_llm_turn(
    llm: LLMClient,
    system: str,
    messages: list[dict[str, Any]],
    runner: ToolRunner,
    tools: Sequence[dict[str, Any]],
    *,
    limits: Limits,
    on_event: EventSink,
    cancel: threading.Event | None = None,
) -> LoopOutcome:
    """Run one turn. `messages` (the session history, ending with the user's message) is appended to."""
    usage = Usage()
    seen: Counter[tuple[str, str]] = Counter()
    said: list[str] = []
    for _step in range(limits.max_steps):
        if cancel is not None and cancel.is_set():
            return LoopOutcome(_joined(said, CANCELLED), usage)
        completion = llm.chat([{"role": "system", "content": system}, *messages], tools,
                              on_text=lambda piece: on_event(TextDelta(piece)), cancel=cancel)
        usage = usage + completion.usage
        if completion.finish_reason == "cancelled":
            # Half-streamed tool calls are not run; keep the history valid without them.
            messages.append({"role": "assistant", "content": completion.text or CANCELLED})
            return LoopOutcome(_joined([*said, completion.text], CANCELLED), usage)
        messages.append(completion.to_message())
        if not completion.tool_calls:
            return LoopOutcome(completion.text or _joined(said, ""), usage)
        if completion.text:
            said.append(completion.text)
        ran_any = False
        for call in completion.tool_calls:
            if cancel is not None and cancel.is_set():
                messages.append(_tool_message(call, format_error("cancelled by the user before it ran")))
                continue
            key = (call.name, _canonical(call.arguments))
            seen[key] += 1
            if seen[key] > 1 + limits.max_repeats:
                output = format_error(f"{call.name}: this exact call already ran {seen[key] - 1} times this "
                                      "turn; its output is above. Do not repeat it: answer, or try something else.")
                on_event(ToolCallStarted(call.id, call.name, (), "invalid", "", "repeated identical call"))
                on_event(ToolCallFinished(call.id, call.name, None, output))
                messages.append(_tool_message(call, output))
                continue
            ran_any = True
            outcome = runner.call(call.id, call.name, call.arguments, on_started=_starter(on_event))
            on_event(ToolCallFinished(call.id, call.name, outcome.result, outcome.output))
            messages.append(_tool_message(call, outcome.output))
        if cancel is not None and cancel.is_set():
            return _stop(messages, said, CANCELLED, usage)
        if not ran_any:
            note = "stopped: the model kept repeating the same tool call"
            on_event(Notice(note))
            return _stop(messages, said, f"_{note}._", usage)
    note = f"stopped after {limits.max_steps} model calls without a final answer (agent.max_steps)"
    on_event(Notice(note))
    return _stop(messages, said, f"_{note}._", usage)


def _stop(messages: list[dict[str, Any]], said: Sequence[str], note: str, usage: Usage) -> LoopOutcome:
    # The conversation ends on our words, so an exported history says why the turn ended.
    messages.append({"role": "assistant", "content": note})
    return LoopOutcome(_joined(said, note), usage)


def _starter(on_event: EventSink) -> Callable[[str, str, tuple[str, ...], Verdict | None, str], None]:
    def started(call_id: str, tool: str, argv: tuple[str, ...], verdict: Verdict | None, message: str) -> None:
        if verdict is None:
            on_event(ToolCallStarted(call_id, tool, argv, "invalid", "", message))
        else:
            on_event(ToolCallStarted(call_id, tool, argv, verdict.decision, verdict.risk, verdict.reason))

    return started


def _tool_message(call: ToolCall, content: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call.id, "content": content}


def _canonical(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments or "{}"), sort_keys=True)
    except ValueError:
        return arguments


def _joined(parts: Sequence[str], tail: str) -> str:
    return "\n\n".join(p for p in [*parts, tail] if p)
