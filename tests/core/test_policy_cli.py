"""`aiops policy check`: the JSON contract and where --context may stand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _check(tmp_path: Path, *args: str) -> dict[str, str]:
    proc = subprocess.run([sys.executable, "-m", "aiops_chat.cli.main", *args], capture_output=True, text=True,
                          env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    out = json.loads(proc.stdout)
    # The README's exit codes: 3 when the policy denies, 0 when the command may run (allow or confirm).
    assert proc.returncode == (3 if out["decision"] == "deny" else 0), proc.stderr
    return out


@pytest.mark.parametrize(("args", "decision", "risk"), [
    (["policy", "check", "--context", "dev", "--output", "json", "--", "kubectl", "get", "pods"], "allow", "read"),
    (["policy", "check", "--context", "dev", "--output", "json", "--", "kubectl", "scale", "deploy/x",
      "--replicas=2"], "confirm", "write"),
    (["--context", "dev", "policy", "check", "--output", "json", "--", "kubectl", "delete", "pod", "x"],
     "confirm", "destructive"),
    (["policy", "check", "--context", "prod-eu", "--output", "json", "--", "kubectl", "scale", "deploy/x",
      "--replicas=2"], "deny", "write"),
    (["policy", "check", "--context", "dev", "--output", "json", "--", "kubectl", "exec", "x", "--", "sh"],
     "deny", "forbidden"),
    (["policy", "check", "--context", "dev", "-n", "kube-system", "--output", "json", "--", "kubectl", "delete",
      "pod", "x"], "deny", "destructive"),
])
def test_policy_check_json(tmp_path: Path, args: list[str], decision: str, risk: str) -> None:
    out = _check(tmp_path, *args)
    assert set(out) == {"decision", "risk", "reason"}
    assert (out["decision"], out["risk"]) == (decision, risk)
    assert out["reason"]
