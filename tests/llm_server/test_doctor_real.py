"""`aiops doctor --llm-only` against the real llama.cpp server: it reports what the server really does and
recommends a tool mode. The values depend on the model and the server version; the report's shape and the
fact every llama.cpp server has (it lists the model under its alias) do not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.llm_server.server import MODEL_ALIAS

pytestmark = pytest.mark.llm_server


def test_doctor_reports_the_real_server_and_recommends_a_mode(llm_server: str, tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
           "OPENAI_API_KEY": "sk-local", "OPENAI_BASE_URL": llm_server, "AIOPS_MODEL": MODEL_ALIAS}
    proc = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", "doctor", "--llm-only", "--output", "json"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    for name in ("llm config", "llm models", "llm tool call", "llm streamed tool call", "llm streaming",
                 "llm context", "llm tool mode"):
        assert name in checks, f"{name!r} missing from {sorted(checks)}"
        assert checks[name]["status"] in ("ok", "warn", "skip", "fail")
        assert checks[name]["detail"]
    assert checks["llm models"]["status"] == "ok" and MODEL_ALIAS in checks["llm models"]["detail"]
    # Not asserted "ok": gemma-3-270m answers doctor's streaming probe with an empty stream (a real finding,
    # reported as a warn with its fix), which is the model's doing, not the wire's.
    assert "recommended: tool_mode" in checks["llm tool mode"]["detail"] or checks["llm tool mode"]["fix"]
