"""The explicit registry of tools the model may call. Adding a tool is adding a function and a line here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from aiops_chat.tools import analysis_tools, helm_tools, kubectl_tools
from aiops_chat.tools.base import Tool, command_tool, composite_tool


class Registry:
    def __init__(self, tools: Iterable[Tool]) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            if tool.name in self._tools:
                raise ValueError(f"two tools named {tool.name!r}")
            self._tools[tool.name] = tool

    def get(self, name: str) -> Tool | None:
        return self._tools.get(name)

    def names(self) -> list[str]:
        return list(self._tools)

    def schemas(self) -> list[dict[str, Any]]:
        """What is sent as `tools` on every model call, in registry order."""
        return [tool.schema() for tool in self._tools.values()]

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)


def default_registry() -> Registry:
    return Registry([
        command_tool(kubectl_tools.kubectl),
        command_tool(helm_tools.helm),
        command_tool(kubectl_tools.get),
        command_tool(kubectl_tools.describe),
        command_tool(kubectl_tools.logs),
        command_tool(kubectl_tools.events),
        command_tool(kubectl_tools.top),
        command_tool(kubectl_tools.rollout),
        command_tool(kubectl_tools.scale),
        command_tool(kubectl_tools.set_image),
        command_tool(helm_tools.helm_release),
        command_tool(helm_tools.helm_install),
        # Findings quote event messages and log lines: text workloads wrote.
        composite_tool(analysis_tools.analyze_cluster, preview=analysis_tools.analyze_preview),
    ])
