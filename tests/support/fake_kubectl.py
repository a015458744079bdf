"""A stand-in `kubectl` (and `helm`) on a temporary PATH, for unit tests that need no cluster.

The real Executor runs it exactly as it would run kubectl (argv, no shell, minimal environment), so
everything up to the process boundary is real: policy, approval, pinning, redaction, audit. The script
records each argv in calls.jsonl beside itself and answers from rules.json: the first rule whose words
all appear in argv gives stdout, stderr and the exit code. Tests that need real cluster behaviour use the
test control plane instead (tests marked `cluster`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from aiops_chat.config import Config, LLMConfig, Runtime
from tests.support.kubeconfigs import kubeconfig_text

SCRIPT = """#!{python}
import json, sys
from pathlib import Path
here = Path(__file__).resolve().parent
argv = [Path(sys.argv[0]).name, *sys.argv[1:]]
with open(here / "calls.jsonl", "a") as fh:
    fh.write(json.dumps(argv) + "\\n")
for rule in json.loads((here / "rules.json").read_text()):
    if rule["binary"] in (argv[0], "*") and all(w in argv[1:] for w in rule["words"]):
        sys.stdout.write(rule["stdout"])
        sys.stderr.write(rule["stderr"])
        sys.exit(rule["exit"])
"""

KUBECONFIG = kubeconfig_text("fake-ctx", "other-ctx", server="https://127.0.0.1:1", namespace="shop")


class FakeKubectl:
    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.bin.mkdir(parents=True)
        self.rules: list[dict[str, Any]] = []
        for name in ("kubectl", "helm"):
            path = self.bin / name
            path.write_text(SCRIPT.format(python=sys.executable))
            path.chmod(0o755)
        self._save()
        self.kubeconfig = root / "kubeconfig"
        self.kubeconfig.write_text(KUBECONFIG)
        self.home = root / "home"
        self.home.mkdir()

    def respond(self, *words: str, stdout: str = "", stderr: str = "", exit: int = 0, binary: str = "kubectl") -> None:
        """Answer commands holding all `words` (later rules are tried after earlier ones)."""
        self.rules.append({"binary": binary, "words": list(words), "stdout": stdout, "stderr": stderr, "exit": exit})
        self._save()

    def _save(self) -> None:
        (self.bin / "rules.json").write_text(json.dumps(self.rules))

    def calls(self) -> list[list[str]]:
        log = self.bin / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def commands(self) -> list[list[str]]:
        """Each call as the caller wrote it: the binary, then what follows the executor's leading pins
        (which tests/core/test_executor.py checks in full)."""
        out = []
        for argv in self.calls():
            rest = argv[1:]
            while len(rest) >= 2 and rest[0] in ("--context", "--kube-context", "--namespace"):
                rest = rest[2:]
            out.append([argv[0], *rest])
        return out

    def config(self, *, base_url: str = "", api_key: str = "", tier: str = "confirm", **llm: Any) -> Config:
        from aiops_chat.config import AuditConfig, PolicyConfig

        runtime = Runtime(path=f"{self.bin}:/usr/bin:/bin", home=str(self.home), user="tester",
                          kubeconfig_env=str(self.kubeconfig), state_dir=str(self.home / "state"),
                          cache_dir=str(self.home / "cache"))
        return Config(llm=LLMConfig(base_url=base_url, api_key=api_key, **llm),
                      policy=PolicyConfig(default_tier=tier, workdir=str(self.home)),
                      audit=AuditConfig(path=str(self.home / "audit.jsonl")), runtime=runtime)
