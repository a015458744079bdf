"""Bench: the round trip of one read through `aiops mcp` next to the same read through `aiops run`.

Uses the cluster named by $AIOPS_TEST_KUBECONFIG (from `scripts/testcluster up`), or starts a private one
(scripts/install-test-deps must have run). Times, alternating, over N rounds (default 50):
  - MCP: the official SDK's client calls the `get` tool (kind=pods) on one long-lived `aiops mcp` stdio
    process: client call to result, which includes policy, kubectl, redaction and the audit entry;
  - `aiops run -- kubectl get pods` as a process, what a person or script waits for the same read;
  - `kubectl get pods` alone, the floor both pay.
Reports the medians and the ratio MCP / `aiops run`.

    .venv/bin/python bench/mcp_roundtrip.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cluster(tmp: Path) -> tuple[Any, bool]:
    from tests.support.testcluster import Cluster, start

    reuse = os.environ.get("AIOPS_TEST_KUBECONFIG")
    if reuse:
        return Cluster.load(Path(reuse).resolve().parent), False
    return start(tmp / "cluster", owner_pid=os.getpid()), True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    rounds = parser.parse_args().rounds
    import anyio
    import mcp_types as types
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    from tests.support.testcluster import stop

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cluster, started = _cluster(tmp)
        try:
            ns = "mcp-bench"
            cluster.kubectl("create", "namespace", ns, check=False)
            cluster.kubectl("create", "deployment", "web", "--image=nginx", "--replicas=3", "-n", ns, check=False)
            env = {**cluster.env, "HOME": str(tmp), "XDG_STATE_HOME": str(tmp / "state"),
                   "XDG_CONFIG_HOME": str(tmp / "config"), "AIOPS_CONFIG": ""}
            aiops_run = [sys.executable, "-m", "aiops_chat.cli.main", "-n", ns, "run", "--", "kubectl", "get", "pods"]
            kubectl = ["kubectl", "get", "pods", "-n", ns]
            samples: dict[str, list[float]] = {"mcp": [], "aiops run": [], "kubectl": []}

            def timed(argv: list[str]) -> float:
                t = time.perf_counter()
                subprocess.run(argv, env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
                return time.perf_counter() - t

            async def run() -> None:
                params = StdioServerParameters(command=sys.executable,
                                               args=["-m", "aiops_chat.cli.main", "-n", ns, "mcp"], env=env, cwd=tmp)
                info = types.Implementation(name="bench", version="1")
                async with Client(params, client_info=info) as client:
                    for _ in range(3):  # warm: kubectl's discovery cache, the server's imports
                        await client.call_tool("get", {"kind": "pods"})
                    timed(aiops_run)
                    for _ in range(rounds):
                        t = time.perf_counter()
                        result = await client.call_tool("get", {"kind": "pods"})
                        samples["mcp"].append(time.perf_counter() - t)
                        assert not result.is_error and "web-" in str(result.content[0])
                        samples["aiops run"].append(timed(aiops_run))
                        samples["kubectl"].append(timed(kubectl))

            anyio.run(run)
        finally:
            if started:
                stop(tmp / "cluster")
    med = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    for name, value in med.items():
        print(f"{name:>10}: median {value:7.1f} ms over {len(samples[name])} calls")
    print(f"ratio MCP / aiops run: {med['mcp'] / med['aiops run']:.2f}x; MCP / kubectl alone: "
          f"{med['mcp'] / med['kubectl']:.2f}x")


if __name__ == "__main__":
    main()
