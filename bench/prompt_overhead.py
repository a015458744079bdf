"""Print the fixed prompt overhead of every model call: the system prompt plus all tool schemas, as sent.

"As sent" means measured on the HTTP body the openai SDK actually builds (compact JSON, escapes included):
the same request is serialised with and without the system message and the tools, and the difference is
the overhead. Tokens are estimated as characters / 4. Nothing leaves the machine: the body is captured by
an in-process transport. Run: .venv/bin/python bench/prompt_overhead.py
"""

from __future__ import annotations

import json
import sys
from typing import Any

REFERENCE = (
    ("kubectl-ai (from its source)", "~2,000", "system prompt + 2 tools (kubectl, bash)"),
    ("HolmesGPT (from its source)", "~3,000 + tools",
     "generic_ask + _general_instructions + toolset/log sections (~12.5k chars) before ~15 default k8s tools"),
)


def first_turn_bodies(model: str | None = None, question: str = "why is web-0 not ready?") -> tuple[bytes, bytes, str]:
    """The request bodies LLMClient sends for a first turn (the real system prompt and every tool schema)
    and for the same question bare, plus the system prompt; bench/llm_server.py measures the same body."""
    import httpx2

    from aiops_chat.config import Config, LLMConfig
    from aiops_chat.llm.client import LLMClient
    from aiops_chat.llm.templates import render_prompt
    from aiops_chat.tools.registry import default_registry

    bodies: list[bytes] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        bodies.append(request.read())
        return httpx2.Response(200, json={
            "id": "x", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    llm = LLMConfig(base_url="http://bench.invalid/v1", api_key="x", stream=False)
    if model:
        llm = LLMConfig(base_url=llm.base_url, api_key=llm.api_key, stream=False, model=model)
    client = LLMClient.from_config(Config(llm=llm), http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    # The longest realistic values, so the figure is an upper bound for ordinary sessions.
    system = render_prompt("system", context="production-eu-west-1-cluster", namespace="taskflow-production",
                           tier="read-only")
    user = [{"role": "user", "content": question}]
    client.chat([{"role": "system", "content": system}, *user], default_registry().schemas())
    client.chat(user, None)
    return bodies[0], bodies[1], system


def measure() -> dict[str, Any]:
    from aiops_chat.tools.registry import default_registry

    registry = default_registry()
    with_all, bare, system = first_turn_bodies()
    total_chars = len(with_all) - len(bare)
    tools_chars = len(json.dumps(registry.schemas(), separators=(",", ":"), ensure_ascii=False))
    per_tool = {t["function"]["name"]: len(json.dumps(t, separators=(",", ":"))) for t in registry.schemas()}
    return {
        "total_chars": total_chars,
        "total_tokens": total_chars // 4,
        "system_chars": len(system),
        "tools_chars": tools_chars,
        "tools": len(registry),
        "per_tool_tokens": {name: chars // 4 for name, chars in per_tool.items()},
    }


def main() -> int:
    m = measure()
    print(f"aiops-chat fixed prompt overhead per model call: {m['total_tokens']} tokens "
          f"({m['total_chars']} chars as sent, chars/4)")
    print(f"  system prompt: {m['system_chars'] // 4} tokens; {m['tools']} tool schemas: {m['tools_chars'] // 4} tokens")
    for name, tokens in m["per_tool_tokens"].items():
        print(f"    {name:16} {tokens:4d}")
    print("For comparison:")
    for name, figure, what in REFERENCE:
        print(f"  {name:30} {figure:>16} tokens  ({what})")
    return 0 if m["total_tokens"] < 1500 else 1


if __name__ == "__main__":
    sys.exit(main())
