"""The tool-calling loop of one turn: ask the model, run the calls it makes, feed the results back, until
it answers in words, the step limit is reached, it keeps repeating itself, or the user cancels.

Problems with a call (unknown tool, malformed arguments, a repeat) go back to the model as tool results;
only an LLM failure (LLMError, after the client's retries) leaves this function, so the session can fall back.

How calls reach us depends on the tool mode (aiops_chat/llm/capabilities.py): "native" uses the API's tools;
"json" is the prompt-level protocol of aiops_chat/llm/json_tools.py (one repair request, then the turn ends
with nothing run). "auto" is native until the endpoint shows it cannot: the server refuses tools, or a native
call comes back malformed a second time in the session; the step is then asked again in json. A stream that ends without the tool call
it announced (some Ollama versions) is asked again unstreamed. Either way every call goes through the same
ToolRunner.call: registry, argument check, policy, guard, approval.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiops_chat.agent.events import EventSink, Notice, TextDelta, ToolCallFinished, ToolCallStarted
from aiops_chat.llm.capabilities import refuses_tools
from aiops_chat.llm.context import cut_text, fit_messages
from aiops_chat.llm.failures import LLMEndpointError
from aiops_chat.llm.json_tools import (
    ProtocolError,
    is_result_message,
    parse_reply,
    protocol_prompt,
    repair_message,
    result_message,
)
from aiops_chat.llm.stream import TextSink
from aiops_chat.llm.types import Completion, ToolCall, Usage, estimate_tokens
from aiops_chat.tools.output import BEGIN, END, format_error

if TYPE_CHECKING:
    from aiops_chat.llm.client import LLMClient
    from aiops_chat.policy import Verdict
    from aiops_chat.tools.runner import ToolRunner

CANCELLED = "(cancelled)"
MALFORMED_BEFORE_SWITCH = 2  # malformed native tool calls in a session before auto mode switches to json


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
    return _Turn(llm, system, messages, runner, tools, limits, on_event, cancel).run()


class _SwitchToJson(Exception):
    """Auto mode found native tool calling unusable for this endpoint+model; the step is asked again."""


class _Turn:
    def __init__(self, llm: LLMClient, system: str, messages: list[dict[str, Any]], runner: ToolRunner,
                 tools: Sequence[dict[str, Any]], limits: Limits, on_event: EventSink,
                 cancel: threading.Event | None) -> None:
        self.llm, self.system, self.messages, self.runner = llm, system, messages, runner
        self.tools, self.limits, self.on_event, self.cancel = tools, limits, on_event, cancel
        self.usage = Usage()
        self.seen: Counter[tuple[str, str]] = Counter()
        self.said: list[str] = []

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def run(self) -> LoopOutcome:
        for _step in range(self.limits.max_steps):
            if self.cancelled():
                return LoopOutcome(_joined(self.said, CANCELLED), self.usage)
            self.llm.context_limit()  # reads the server's window (and Ollama's tool support) once
            json_mode = self.llm.effective_tool_mode() == "json"
            try:
                step = self._ask_json() if json_mode else self._ask_native()
            except _SwitchToJson:
                step = self._ask_json()
                json_mode = True
            if isinstance(step, LoopOutcome):
                return step
            completion = step
            if not json_mode:
                self.messages.append(completion.to_message())
            if not completion.tool_calls:
                return LoopOutcome(completion.text or _joined(self.said, ""), self.usage)
            if completion.text and not json_mode:
                self.said.append(completion.text)
            if not self._run_calls(completion.tool_calls, json_mode):
                note = "stopped: the model kept repeating the same tool call"
                self.on_event(Notice(note))
                return _stop(self.messages, self.said, f"_{note}._", self.usage)
            if self.cancelled():
                return _stop(self.messages, self.said, CANCELLED, self.usage)
        note = f"stopped after {self.limits.max_steps} model calls without a final answer (agent.max_steps)"
        self.on_event(Notice(note))
        return _stop(self.messages, self.said, f"_{note}._", self.usage)

    # -- asking the model ------------------------------------------------------------------------------------

    def _chat(self, system: str, tools: Sequence[dict[str, Any]] | None, *, on_text: TextSink | None,
              stream: bool | None = None) -> Completion:
        self._fit(system, tools)
        completion = self.llm.chat([{"role": "system", "content": system}, *self.messages], tools,
                                   on_text=on_text, cancel=self.cancel, stream=stream)
        self.usage = self.usage + completion.usage
        return completion

    def _fit(self, system: str, tools: Sequence[dict[str, Any]] | None) -> None:
        limit = self.llm.context_limit()
        if not limit:
            return
        fixed = estimate_tokens(system) + estimate_tokens(json.dumps(list(tools or [])))
        trim = fit_messages(self.messages, fixed_tokens=fixed, limit=limit, reserve=self.llm.max_tokens,
                            is_tool_output=_is_tool_output, cutter=_cut_inside_markers)
        if trim is not None:
            self.on_event(Notice(f"trimmed {trim.outputs} tool output(s) to fit the model's context window of "
                                 f"{limit} tokens (the request went from about {trim.before} to {trim.after} "
                                 "tokens)"))

    def _cancelled_reply(self, completion: Completion) -> LoopOutcome:
        # Half-streamed tool calls are not run; keep the history valid without them.
        self.messages.append({"role": "assistant", "content": completion.text or CANCELLED})
        return LoopOutcome(_joined([*self.said, completion.text], CANCELLED), self.usage)

    def _ask_native(self) -> Completion | LoopOutcome:
        def shown(piece: str) -> None:
            self.on_event(TextDelta(piece))

        try:
            completion = self._chat(self.system, self.tools, on_text=shown)
        except LLMEndpointError as exc:
            if self.llm.tool_mode == "auto" and refuses_tools(exc):
                self._switch(f"{self.llm.endpoint} refused native tool calling ({exc.message})")
            raise
        if completion.finish_reason == "cancelled":
            return self._cancelled_reply(completion)
        if _dropped_tool_call(completion, streamed=self.llm.stream) and self.tools:
            # Some servers (Ollama versions) end a stream without the tool call they generated, while an
            # unstreamed request returns it. Asked again unstreamed; the final answer still streams.
            again = self._chat(self.system, self.tools, on_text=shown, stream=False)
            if again.tool_calls and self.llm.capabilities().streamed_tool_calls is not False:
                self.llm.learn(streamed_tool_calls=False)
                self.on_event(Notice(f"{self.llm.endpoint} dropped a tool call from a streamed reply; tool turns "
                                     "are asked again without streaming"))
            completion = again
        malformed = next((c for c in completion.tool_calls if _malformed(c)), None)
        if malformed is not None and self.llm.tool_mode == "auto" and completion.finish_reason != "length":
            # The first one goes back to the model as an error, like in native mode (a capable model that
            # slipped once should not lose native tools for a day); a second one in a session switches.
            self.llm.malformed_native_calls += 1
            if self.llm.malformed_native_calls >= MALFORMED_BEFORE_SWITCH:
                self._switch(f"the model's native tool call {malformed.name or '(no name)'!r} came back malformed "
                             f"again ({self.llm.malformed_native_calls} this session)")
        return completion

    def _switch(self, why: str) -> None:
        self.llm.learn(native_tools=False)
        self.on_event(Notice(f"{why}: switching to the JSON tool protocol (tool_mode = \"auto\")"))
        raise _SwitchToJson

    def _ask_json(self) -> Completion | LoopOutcome:
        system = f"{self.system.rstrip()}\n\n{protocol_prompt(self.tools)}"
        call_id = f"json_{len(self.messages)}"
        completion = self._chat(system, None, on_text=None)
        if completion.finish_reason == "cancelled":
            return self._cancelled_reply(completion)
        try:
            reply = parse_reply(completion.text, call_id)
        except ProtocolError as first:
            self.on_event(Notice(f"the model's reply did not follow the JSON tool protocol ({first}); asking once "
                                 "for a corrected reply"))
            self.messages.append({"role": "assistant", "content": completion.text})
            self.messages.append({"role": "user", "content": repair_message(str(first), completion.text)})
            completion = self._chat(system, None, on_text=None)
            if completion.finish_reason == "cancelled":
                return self._cancelled_reply(completion)
            try:
                reply = parse_reply(completion.text, call_id)
            except ProtocolError as second:
                note = (f"stopped: the model's reply did not follow the JSON tool protocol after a repair request "
                        f"({second}); nothing was run")
                self.on_event(Notice(note))
                return _stop(self.messages, self.said, f"_{note}._", self.usage)
        self.messages.append({"role": "assistant", "content": completion.text})
        if reply.call is None:
            if reply.answer:
                self.on_event(TextDelta(reply.answer))
            return LoopOutcome(reply.answer or _joined(self.said, ""), self.usage)
        return Completion("", (reply.call,), completion.usage, "tool_calls")

    # -- running the calls -----------------------------------------------------------------------------------

    def _run_calls(self, calls: Sequence[ToolCall], json_mode: bool) -> bool:
        """Run (or refuse) each call and append its result; whether any of them actually ran."""
        def result(call: ToolCall, output: str) -> dict[str, Any]:
            return result_message(call, output) if json_mode else _tool_message(call, output)

        ran_any = False
        for call in calls:
            if self.cancelled():
                self.messages.append(result(call, format_error("cancelled by the user before it ran")))
                continue
            key = (call.name, _canonical(call.arguments))
            self.seen[key] += 1
            if self.seen[key] > 1 + self.limits.max_repeats:
                output = format_error(f"{call.name}: this exact call already ran {self.seen[key] - 1} times this "
                                      "turn; its output is above. Do not repeat it: answer, or try something else.")
                self.on_event(ToolCallStarted(call.id, call.name, (), "invalid", "", "repeated identical call"))
                self.on_event(ToolCallFinished(call.id, call.name, None, output))
                self.messages.append(result(call, output))
                continue
            ran_any = True
            outcome = self.runner.call(call.id, call.name, call.arguments, on_started=_starter(self.on_event))
            self.on_event(ToolCallFinished(call.id, call.name, outcome.result, outcome.output))
            self.messages.append(result(call, outcome.output))
        return ran_any


def _is_tool_output(message: dict[str, Any]) -> bool:
    return message.get("role") == "tool" or is_result_message(message)


def _cut_inside_markers(text: str, keep_tokens: int) -> str:
    """Trim only the cluster's text between the untrusted-output markers: the command line and both markers
    stay whole, so a trimmed output never reads as our own words."""
    start = text.find(BEGIN)
    end = text.rfind(END)
    if start < 0 or end < start:
        return cut_text(text, keep_tokens)
    head, body, tail = text[: start + len(BEGIN)], text[start + len(BEGIN): end], text[end:]
    room = max(keep_tokens - estimate_tokens(head + tail), 16)
    return head + cut_text(body, room) + tail


def _dropped_tool_call(completion: Completion, *, streamed: bool) -> bool:
    """A stream that ended as if it had called a tool (or with nothing at all) but carried no call."""
    return (streamed and not completion.tool_calls and not completion.text.strip()
            and completion.finish_reason in ("tool_calls", "stop", None))


def _malformed(call: ToolCall) -> bool:
    if not call.name:
        return True
    try:
        return not isinstance(json.loads(call.arguments or "{}"), dict)
    except ValueError:
        return True


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
