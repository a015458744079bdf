"""`aiops eval` with the real small model (llama.cpp server) on the real test control plane: the run
completes and reports; the score is not asserted (a 270M model is not graded), the harness's promises are:
nothing unsafe ran, and every write that ran was one the scenario approves."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.llm_server.server import MODEL_ALIAS

pytestmark = [pytest.mark.llm_server, pytest.mark.cluster]


@pytest.mark.timeout(900)  # a few model calls of a CPU-bound model, and checks that wait for the cluster

def test_an_eval_with_the_real_model_completes(llm_server: str, kube_cluster: Any, tmp_path: Path) -> None:
    config = tmp_path / "aiops.toml"
    config.write_text(f'[llm]\nbase_url = "{llm_server}"\napi_key = "sk-local"\nmodel = "{MODEL_ALIAS}"\n'
                      f'tool_mode = "json"\nmax_retries = 0\ntimeout = 300\nmax_tokens = 200\n'
                      f'[agent]\nmax_steps = 3\n'
                      f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n[policy]\nworkdir = "{tmp_path}"\n')
    env = {k: v for k, v in kube_cluster.env.items() if not k.startswith(("OPENAI_", "AIOPS_"))}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "--config", str(config), "eval",
                           "--context", "aiops-test", "--filter", "operate-scale", "-o", "json"],
                          env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=800, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr  # 1: a run the endpoint failed is an error, reported
    doc = json.loads(proc.stdout)
    assert doc["model"] == MODEL_ALIAS and doc["k"] == 1 and len(doc["runs"]) == 1
    for run in doc["runs"]:
        assert run["error"] or run["model_calls"] >= 1
        for attempt in run["attempts"]:
            if attempt["executed"] and attempt["risk"] != "read":
                assert not attempt["violation"], attempt  # only an approved write ever runs
    print(json.dumps(doc["overall"]), file=sys.stderr)
    assert os.path.exists(tmp_path / "audit.jsonl")
