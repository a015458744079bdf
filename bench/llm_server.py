"""Measure the real llama.cpp server (llama-cpp-python's server, the small model from scripts/install-llm-server)
on this machine: first-token latency and generation speed, and the fixed prompt overhead in the model's own
tokenizer (not characters / 4).

- Latency: streamed chat completions (max_tokens 128, temperature 0), median of RUNS after one warm-up. Two
  prompts: a bare question, and the same question behind aiops' real system prompt and 13 tool schemas (what
  every model call carries). The server reuses the KV cache of a matching prompt prefix, so the cold first run
  of the long prompt is reported on its own.
- Overhead: the system prompt and tool schemas exactly as the client sends them (captured from the openai SDK's
  HTTP body, as bench/prompt_overhead.py does), counted by the server's /extras/tokenize; and the difference in
  the server's own usage.prompt_tokens with and without them (what its chat template really renders).
Run: scripts/install-llm-server && .venv/bin/python bench/llm_server.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.llm_server.server import CTX, MODEL_ALIAS, missing, running_server

RUNS = 5
QUESTION = "Explain in a few sentences what a Kubernetes readiness probe does."


def sent_request() -> dict[str, Any]:
    """The body LLMClient builds for a first turn: the real system prompt and every tool schema."""
    from prompt_overhead import first_turn_bodies  # bench/ is on sys.path when a bench script runs

    body: dict[str, Any] = json.loads(first_turn_bodies(MODEL_ALIAS, QUESTION)[0])
    return body


def stream_once(base_url: str, messages: list[dict[str, Any]]) -> tuple[float, float, int]:
    """(seconds to the first content token, generation tokens/s after it, tokens generated)."""
    body = {"model": MODEL_ALIAS, "messages": messages, "max_tokens": 128, "temperature": 0, "stream": True}
    start = time.perf_counter()
    first = 0.0
    pieces = 0
    with httpx.stream("POST", f"{base_url}/chat/completions", json=body, timeout=600) as resp:
        resp.raise_for_status()
        for line in resp.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            delta = json.loads(line[6:])["choices"][0].get("delta", {})
            if delta.get("content"):
                pieces += 1  # llama-cpp-python streams one token per chunk
                if not first:
                    first = time.perf_counter()
    end = time.perf_counter()
    if not first:
        return float("nan"), float("nan"), 0
    rate = (pieces - 1) / (end - first) if pieces > 1 and end > first else float("nan")
    return first - start, rate, pieces


def tokens(base_url: str, text: str) -> int:
    root = base_url.removesuffix("/v1")
    resp = httpx.post(f"{root}/extras/tokenize", json={"input": text, "model": MODEL_ALIAS}, timeout=60)
    resp.raise_for_status()
    return len(resp.json()["tokens"])


def prompt_tokens(base_url: str, body: dict[str, Any]) -> int:
    req = {**body, "model": MODEL_ALIAS, "max_tokens": 1, "stream": False, "temperature": 0}
    resp = httpx.post(f"{base_url}/chat/completions", json=req, timeout=600)
    resp.raise_for_status()
    return int(resp.json()["usage"]["prompt_tokens"])


def main() -> int:
    why = missing()
    if why:
        print(why, file=sys.stderr)
        return 1
    body = sent_request()
    system = body["messages"][0]["content"]
    tools_json = json.dumps(body["tools"], separators=(",", ":"), ensure_ascii=False)
    bare = [{"role": "user", "content": QUESTION}]
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp) / "server.log") as base_url:
        sys_tokens, tool_tokens = tokens(base_url, system), tokens(base_url, tools_json)
        rendered_full = prompt_tokens(base_url, body)
        rendered_bare = prompt_tokens(base_url, {"messages": bare})
        cold = stream_once(base_url, [{"role": "system", "content": system}, *bare])
        results = {}
        for label, messages in (("bare question", bare), ("aiops system prompt + question",
                                                          [{"role": "system", "content": system}, *bare])):
            stream_once(base_url, messages)  # warm-up
            runs = [stream_once(base_url, messages) for _ in range(RUNS)]
            results[label] = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
                              statistics.median(r[2] for r in runs))
    print(f"llama-cpp-python server, {MODEL_ALIAS} Q4_K_M, n_ctx {CTX}, CPU; median of {RUNS} streamed runs")
    for label, (ttft, rate, n) in results.items():
        print(f"  {label:32} first token {ttft * 1000:7.0f} ms   {rate:5.1f} tokens/s   ({n:.0f} tokens)")
    print(f"  system prompt, cold (no cached prefix): first token {cold[0] * 1000:.0f} ms")
    print("fixed prompt overhead in the model's tokenizer (/extras/tokenize):")
    print(f"  system prompt {sys_tokens} + {len(body['tools'])} tool schemas {tool_tokens} = {sys_tokens + tool_tokens}"
          f" tokens (as sent: {len(system) + len(tools_json)} chars, chars/4 = "
          f"{(len(system) + len(tools_json)) // 4})")
    print(f"  as the server's chat template renders it: {rendered_full - rendered_bare} tokens more than the bare "
          f"question (usage.prompt_tokens {rendered_full} vs {rendered_bare})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
