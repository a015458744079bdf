"""The MCP server: the SDK's low-level ``Server`` over the tool registry.

The low-level server, not FastMCP: FastMCP derives each tool's schema from a Python signature, while ours
already exist in the registry (tools/schema.py) and are what the chat's model is given; a second
derivation could drift from the first. Tool calls run in a worker thread (the pipeline blocks on
kubectl), one at a time per call, and approval crosses back to the event loop to ask the client.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
import anyio.to_thread
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from aiops_chat import __version__
from aiops_chat.mcp.approval import Answer, ElicitingApprover, InputNeeded, Question
from aiops_chat.mcp.service import ANALYSIS_TOOL, ToolService, client_label

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext

NAME = "aiops"
ANALYSIS_URI = "aiops://analysis/latest"
# The key of our one question in an input_required result, and what its sealed request state holds.
APPROVAL_KEY = "approve"
STATE_TTL_S = 600.0  # how long a sealed request state is good for (the boundary rejects older ones)


def build_server(service: ToolService) -> Server[Any]:
    used_states: dict[str, float] = {}  # nonce -> when used; kept as long as its state could still verify
    lock = threading.Lock()

    async def list_tools(ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
                         ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[
            types.Tool(name=tool.name, description=tool.description, input_schema=tool.parameters)
            for tool in service.registry])

    async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
                        ) -> types.CallToolResult | types.InputRequiredResult:
        client = _client(ctx)
        modern = ctx.session.protocol_version in MODERN_PROTOCOL_VERSIONS
        answers: dict[str, Answer] = {}
        if params.request_state is not None:
            # Plaintext this server sealed for exactly this tool and these arguments (RequestStateBoundary
            # verified it). Each is good for one answer: a replayed approval runs nothing.
            state = json.loads(params.request_state)
            with lock:
                now = time.monotonic()
                for nonce in [n for n, at in used_states.items() if now - at > 2 * STATE_TTL_S]:
                    del used_states[nonce]
                if state["nonce"] in used_states:
                    return _error("this approval was already used; call the tool again to be asked again")
                used_states[state["nonce"]] = now
            response = (params.input_responses or {}).get(APPROVAL_KEY)
            if isinstance(response, types.ElicitResult):
                answers[state["question"]] = (response.action, response.content)
        # Input responses without a sealed state answer a question nobody asked: they are ignored.

        def ask(question: Question) -> Answer:
            return anyio.from_thread.run(_elicit, ctx, question)

        target = service.target
        approver = ElicitingApprover(
            client=client, context=target.context, namespace_of=lambda v: v.namespace or target.namespace,
            ask=None if modern else ask, answers=answers, can_ask=_can_elicit(ctx))
        try:
            outcome = await anyio.to_thread.run_sync(
                lambda: service.call(params.name, dict(params.arguments or {}), client=client, approver=approver))
        except InputNeeded as needed:
            question = needed.question
            state = json.dumps({"question": question.key, "nonce": secrets.token_hex(16)})
            form = types.ElicitRequestFormParams(message=question.message, requested_schema=question.schema)
            return types.InputRequiredResult(input_requests={APPROVAL_KEY: types.ElicitRequest(params=form)},
                                             request_state=state)
        return types.CallToolResult(content=[types.TextContent(text=outcome.output)], is_error=not outcome.ok)

    async def list_resources(ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
                             ) -> types.ListResourcesResult:
        return types.ListResourcesResult(resources=[types.Resource(
            uri=ANALYSIS_URI, name="analysis-latest", mime_type="text/plain",
            description="The health analysis of the pinned namespace, run when read (the analyze_cluster tool).")])

    async def read_resource(ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
                            ) -> types.ReadResourceResult:
        if str(params.uri) != ANALYSIS_URI:
            from mcp.shared.exceptions import MCPError

            raise MCPError(code=types.INVALID_PARAMS, message=f"unknown resource {params.uri!r}")
        client = _client(ctx)
        outcome = await anyio.to_thread.run_sync(
            lambda: service.call(ANALYSIS_TOOL, {}, client=client, approver=None))
        return types.ReadResourceResult(contents=[
            types.TextResourceContents(uri=ANALYSIS_URI, mime_type="text/plain", text=outcome.output)])

    server: Server[Any] = Server(NAME, version=__version__, instructions=service.describe(),
                                 on_list_tools=list_tools, on_call_tool=call_tool,
                                 on_list_resources=list_resources, on_read_resource=read_resource)
    # Seals the request state of an input_required result, so a client cannot forge "you asked, they said yes".
    server.middleware.append(RequestStateBoundary(RequestStateSecurity.ephemeral(ttl=STATE_TTL_S), default_audience=NAME))
    return server


async def _elicit(ctx: ServerRequestContext[Any], question: Question) -> Answer:
    result = await ctx.session.elicit_form(question.message, question.schema, related_request_id=ctx.request_id)
    return result.action, result.content


def _client(ctx: ServerRequestContext[Any]) -> str:
    params = ctx.session.client_params
    info = params.client_info if params is not None else None
    return client_label(info.name if info else None, info.version if info else None)


def _can_elicit(ctx: ServerRequestContext[Any]) -> bool:
    """Form elicitation declared by the client (an empty `elicitation: {}` means form, per the spec)."""
    caps = ctx.session.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=f"ERROR: {text}")], is_error=True)


async def serve_stdio(service: ToolService) -> None:
    from mcp.server.stdio import stdio_server

    server = build_server(service)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
