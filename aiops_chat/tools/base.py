"""What a tool is: a typed function, its schema, and how it runs.

Two shapes, both plain functions:
- a *command* tool builds one argv (binary first) from typed arguments; the runner sends it through
  policy, approval and the executor. Most tools are this, so they stay pure and testable without a cluster.
- a *composite* tool takes a :class:`ToolContext` first and returns text; it may run several read-only
  commands through ``ctx.read`` (same policy and audit path). `analyze_cluster` is one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiops_chat.tools.schema import JSON, function_schema

if TYPE_CHECKING:
    from aiops_chat.execution.result import CommandResult


class ToolArgumentError(ValueError):
    """The model's arguments are well-typed but unusable (a name starting with '-', a bad target).
    Reported back to the model as the tool's result, never raised past the runner."""


@dataclass
class ToolContext:
    """What a composite tool may use: read-only commands, and the session's namespace."""

    read: Callable[[Sequence[str]], CommandResult]
    namespace: str


CommandBuilder = Callable[..., list[str]]
CompositeFn = Callable[..., str]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: JSON
    function: Callable[..., Any]
    composite: bool = False
    # For a composite tool: the argv shown while it runs (UIs show a command, not a function name).
    preview: Callable[..., list[str]] | None = None

    def schema(self) -> JSON:
        return {"type": "function",
                "function": {"name": self.name, "description": self.description, "parameters": self.parameters}}


def command_tool(fn: CommandBuilder, *, name: str | None = None) -> Tool:
    description, params = function_schema(fn)
    return Tool(name or fn.__name__, description, params, fn)


def composite_tool(fn: CompositeFn, *, preview: Callable[..., list[str]], name: str | None = None) -> Tool:
    """A tool that runs several reads itself; its summary always taints the injection guard (runner.py)."""
    description, params = function_schema(fn, skip=("ctx",))
    return Tool(name or fn.__name__, description, params, fn, composite=True, preview=preview)


def plain(value: str, what: str) -> str:
    """A value that must be one argv word and never a flag: a model cannot smuggle `--kubeconfig=` in a name."""
    value = value.strip()
    if not value:
        raise ToolArgumentError(f"{what} must not be empty")
    if value.startswith("-"):
        raise ToolArgumentError(f"{what} must not start with '-' (got {value!r})")
    if any(c.isspace() for c in value):
        raise ToolArgumentError(f"{what} must be one word without spaces (got {value!r})")
    return value


def namespace_flags(namespace: str = "", all_namespaces: bool = False) -> list[str]:
    if all_namespaces:
        return ["-A"]
    if namespace:
        return ["-n", plain(namespace, "namespace")]
    return []
