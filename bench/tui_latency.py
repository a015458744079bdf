"""TUI latency: time to first paint, and key echo while 2,000 tokens per second stream in.

Runs the real app (aiops_chat.tui) with the real ChatSession and LLMClient against a local OpenAI-compatible
server that streams at a fixed rate, headless (App.run_test). A "paint" is a compositor update turned
into terminal output: the headless driver skips the write, so this script renders the segments itself to
count the cost a terminal would see. Echo is measured from the key event to the first paint after the
prompt holds the character; the idle baseline is the same measurement with nothing streaming.

    .venv/bin/python bench/tui_latency.py [--rate 2000] [--seconds 6] [--samples 40] [--runs 5]

With --runs N the measurement runs N times, each in a fresh interpreter (first paint includes the imports),
and the summary gives the median and the spread over runs of each figure: the machine is shared and a
single run is noisy. Goals: first paint < 1 s, echo < 50 ms while streaming.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

T0 = time.perf_counter()  # before textual or the app is imported: first paint includes the imports

WORDS = ("pod ", "deployment ", "**ready** ", "`kubectl` ", "restart ", "the ", "replica ", "is ", "crash ",
         "namespace ", "\n\n- item ", "logs ", "event ", "node ", "and ", "service ")


def sse(delta: dict[str, Any], finish: str | None = None) -> bytes:
    body = {"id": "bench", "object": "chat.completion.chunk", "created": 0, "model": "bench",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n".encode()


class PacedModel(BaseHTTPRequestHandler):
    rate = 2000
    seconds = 6.0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        total = int(self.rate * self.seconds)
        batch = max(1, self.rate // 200)  # one write every 5 ms
        start = time.perf_counter()
        sent = 0
        try:
            self.wfile.write(sse({"role": "assistant", "content": ""}))
            while sent < total:
                chunk = b"".join(sse({"content": WORDS[(sent + i) % len(WORDS)]}) for i in range(batch))
                self.wfile.write(chunk)
                self.wfile.flush()
                sent += batch
                ahead = sent / self.rate - (time.perf_counter() - start)
                if ahead > 0:
                    time.sleep(ahead)
            self.wfile.write(sse({}, "stop"))
            usage = {"id": "bench", "object": "chat.completion.chunk", "created": 0, "model": "bench", "choices": [],
                     "usage": {"prompt_tokens": 100, "completion_tokens": total, "total_tokens": total + 100}}
            self.wfile.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


def make_config(base_url: str, home: Path) -> Any:
    from aiops_chat.config import AuditConfig, Config, LLMConfig, Runtime

    kubeconfig = home / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\ncurrent-context: bench\ncontexts:\n"
                          "- name: bench\n  context: {cluster: c, user: u, namespace: default}\n"
                          "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:9'}\nusers:\n- name: u\n  user: {}\n")
    return Config(llm=LLMConfig(base_url=base_url, api_key="bench", model="bench", max_retries=0,
                                max_tokens=100000),
                  audit=AuditConfig(path=str(home / "audit.jsonl")),
                  runtime=Runtime(path="/usr/bin:/bin", home=str(home), user="bench", kubeconfig_env=str(kubeconfig),
                                  state_dir=str(home / "state"), cache_dir=str(home / "cache")))


class PaintClock:
    """Wraps App._display: renders what a terminal would receive, and notes when."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.times: list[float] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None and hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)
                self.times.append(time.perf_counter())
            original(screen, renderable)

        app._display = display

    def first_after(self, moment: float) -> float | None:
        return next((t for t in self.times if t >= moment), None)


async def echo_once(app: Any, clock: PaintClock, char: str) -> float:
    from textual import events

    from aiops_chat.tui.widgets.chat.prompt import PromptInput

    prompt = app.query_one(PromptInput)
    before = prompt.text.count(char)
    start = time.perf_counter()
    app.post_message(events.Key(char, char))
    changed: float | None = None
    while True:
        await asyncio.sleep(0.0005)
        if changed is None and prompt.text.count(char) > before:
            changed = time.perf_counter()
        if changed is not None:
            painted = clock.first_after(changed)
            if painted is not None:
                return painted - start
        if time.perf_counter() - start > 10:
            raise RuntimeError("no echo within 10 s")


async def measure(args: argparse.Namespace, base_url: str, home: Path) -> dict[str, Any]:
    t_import = time.perf_counter()
    from aiops_chat.agent.session import ChatSession
    from aiops_chat.tui.app import create_app
    from aiops_chat.tui.providers import demo_findings

    imported = time.perf_counter()
    cfg = make_config(base_url, home)
    app = create_app(lambda approver: ChatSession(cfg, source="tui", approver=approver),
                     findings=demo_findings, contexts=lambda _current: [], user="bench", export_dir=home)
    clock = PaintClock(app)
    out: dict[str, Any] = {"import_s": imported - T0, "import_app_modules_s": imported - t_import}
    async with app.run_test(size=(120, 40)) as pilot:
        while not clock.times:
            await asyncio.sleep(0.001)
        out["first_paint_s"] = clock.times[0] - T0
        await pilot.pause(0.3)
        chars = "abcdefghijklmnopqrstuvwxyz"
        idle = [await echo_once(app, clock, chars[i % 26]) for i in range(args.samples)]
        app.query_one("#prompt").clear()
        await pilot.pause(0.1)
        chat = app.chat
        await chat.start_turn("stream please")
        await pilot.pause(0.5)  # let the stream get going
        busy: list[float] = []
        stream_start = time.perf_counter()
        while chat.cancel is not None and len(busy) < args.samples:
            busy.append(await echo_once(app, clock, chars[len(busy) % 26]))
            await asyncio.sleep(0.05)
        streamed_during = time.perf_counter() - stream_start
        while chat.cancel is not None:
            await asyncio.sleep(0.05)
        answer_chars = sum(len(a.text_so_far) for a in chat.query("AnswerBlock"))
    out.update(idle_echo_ms=_stats(idle), streaming_echo_ms=_stats(busy), streaming_samples=len(busy),
               sampled_over_s=streamed_during, answer_chars=answer_chars, frames=len(clock.times))
    return out


def _stats(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    if not ms:
        return {}
    return {"median": statistics.median(ms), "p95": ms[min(len(ms) - 1, int(len(ms) * 0.95))], "max": ms[-1]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=2000, help="tokens per second streamed (default 2000)")
    parser.add_argument("--seconds", type=float, default=6.0, help="length of the stream")
    parser.add_argument("--samples", type=int, default=40, help="key presses per phase")
    parser.add_argument("--runs", type=int, default=1, help="repeat in fresh interpreters and summarise")
    args = parser.parse_args()
    if args.runs > 1:
        return several_runs(args)
    PacedModel.rate, PacedModel.seconds = args.rate, args.seconds
    server = ThreadingHTTPServer(("127.0.0.1", 0), PacedModel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(measure(args, base_url, Path(tmp)))
    server.shutdown()
    idle, busy = result["idle_echo_ms"], result["streaming_echo_ms"]
    print(f"first paint:             {result['first_paint_s'] * 1000:7.0f} ms  (imports {result['import_s'] * 1000:.0f} ms"
          f"; goal < 1000 ms)")
    print(f"key echo, idle:          {idle['median']:7.1f} ms median, {idle['p95']:.1f} p95, {idle['max']:.1f} max")
    print(f"key echo, {args.rate} tok/s:  {busy['median']:7.1f} ms median, {busy['p95']:.1f} p95, {busy['max']:.1f} max"
          f"  (goal < 50 ms; {result['streaming_samples']} presses over {result['sampled_over_s']:.1f} s)")
    print(f"streamed {result['answer_chars']:,} characters of Markdown; {result['frames']} frames painted")
    print(json.dumps(result, indent=2), file=sys.stderr)
    return 0


def several_runs(args: argparse.Namespace) -> int:
    results: list[dict[str, Any]] = []
    for run in range(1, args.runs + 1):
        done = subprocess.run([sys.executable, __file__, "--rate", str(args.rate), "--seconds", str(args.seconds),
                               "--samples", str(args.samples)], capture_output=True, text=True, check=True)
        result = json.loads(done.stderr[done.stderr.index("{"):])
        results.append(result)
        idle, busy = result["idle_echo_ms"], result["streaming_echo_ms"]
        print(f"run {run}: first paint {result['first_paint_s'] * 1000:5.0f} ms; echo idle {idle['median']:5.1f} median "
              f"{idle['p95']:6.1f} p95; echo streaming {busy['median']:6.1f} median {busy['p95']:6.1f} p95 "
              f"({result['streaming_samples']} presses)", flush=True)

    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):7.1f} ms (runs: {min(values):.1f} to {max(values):.1f})"

    print(f"\nover {args.runs} runs, median of each run's figure:")
    print(f"first paint:                {spread([r['first_paint_s'] * 1000 for r in results])}  goal < 1000 ms")
    print(f"key echo idle, median:      {spread([r['idle_echo_ms']['median'] for r in results])}")
    print(f"key echo idle, p95:         {spread([r['idle_echo_ms']['p95'] for r in results])}")
    print(f"key echo {args.rate} tok/s, median: {spread([r['streaming_echo_ms']['median'] for r in results])}"
          "  goal < 50 ms")
    print(f"key echo {args.rate} tok/s, p95:    {spread([r['streaming_echo_ms']['p95'] for r in results])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
