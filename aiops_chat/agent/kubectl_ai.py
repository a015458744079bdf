"""The kubectl-ai adapter: hand a read-only question to `kubectl-ai --quiet` when it is installed.

kubectl-ai brings its own model (configured for it, not for us) and its own permission checks, which stay
on: we never pass --skip-permissions, and we only hand it questions our planner reads as read-only.
It is spawned here rather than by the executor because it is not a command the policy can judge argument
by argument; what limits it is its own confirmation prompt (with stdin closed, it cannot be answered) and
the fact that it only ever sees read-only questions. Its output is redacted and the run is audited.

kubectl-ai has no --context flag: it acts on the kubeconfig's current context, so it is used only when that
is the session's context. Questions about secrets, passwords, tokens, keys or certificates are never handed
to it: it reads with its own kubectl, outside our policy and redaction of what it fetches (`get secret -o
yaml` is refused by our policy, not by its), so only our planner and policy may answer them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiops_chat.redaction import redact

if TYPE_CHECKING:
    from aiops_chat.audit import AuditLog
    from aiops_chat.config import Config
    from aiops_chat.execution.executor import Target

BINARY = "kubectl-ai"
MIN_TIMEOUT_S = 120.0  # it makes several model calls of its own
SECRET_QUESTION = ("the question is about secrets or credentials, which are not handed to kubectl-ai "
                   "(it reads outside aiops's policy)")
# Words for credential material, whole words in any case and number; "key" alone too ("the api key of x").
_SECRET_WORDS = re.compile(
    r"(?<![a-z0-9])(secrets?|passwords?|passwd|pass ?phrases?|pwd|tokens?|credentials?|creds?|keys?|api-?keys?|"
    r"private-?keys?|certificates?|certs?|tls|ssh|kubeconfigs?|bearer|auth|authentication|login)(?![a-z0-9])",
    re.IGNORECASE)


@dataclass(frozen=True)
class KubectlAiRun:
    argv: tuple[str, ...]  # as shown in the plan: binary first, without our --kubeconfig
    exit_code: int | None
    output: str  # redacted
    error: str | None
    duration_s: float

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and bool(self.output.strip())


def mentions_secrets(question: str) -> bool:
    """Whether the question asks about credential material (then kubectl-ai is not asked, whatever it is)."""
    return _SECRET_WORDS.search(question.replace("_", " ")) is not None


def find_kubectl_ai(cfg: Config) -> str | None:
    return shutil.which(BINARY, path=cfg.runtime.path)


def usable_for(cfg: Config, target: Target) -> tuple[str | None, str]:
    """(path to kubectl-ai or None, why not)."""
    exe = find_kubectl_ai(cfg)
    if exe is None:
        return None, "kubectl-ai is not on PATH"
    from aiops_chat.kubeconfig import load_view

    current = load_view(cfg.kubeconfig, cfg.runtime.home).current
    if target.context and current and target.context != current:
        return None, (f"kubectl-ai would act on the kubeconfig's current context {current!r}, "
                      f"not this session's {target.context!r}")
    return exe, ""


def ask_kubectl_ai(cfg: Config, exe: str, question: str, *, target: Target, audit: AuditLog | None = None,
                   source: str = "ask") -> KubectlAiRun:
    shown = (BINARY, "--quiet", question)
    argv = [exe, "--quiet"]
    if cfg.kubeconfig:
        argv += ["--kubeconfig", cfg.kubeconfig.split(":")[0]]
    argv.append(question)
    timeout = max(cfg.executor.timeout, MIN_TIMEOUT_S)
    started = time.monotonic()
    code: int | None
    error = None
    try:
        # The environment is inherited on purpose: kubectl-ai reads its own provider's key (GEMINI_API_KEY,
        # OPENAI_API_KEY ...) from it, and aiops has no business knowing which.
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                              timeout=timeout, cwd=str(cfg.workdir), shell=False, check=False)
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired:
        code, out, err, error = None, "", "", f"timed out after {timeout:g}s"
    except OSError as exc:
        code, out, err, error = None, "", "", f"{exe}: {exc.strerror}"
    duration = time.monotonic() - started
    extra = cfg.redaction.extra_patterns
    output = redact(out, extra).strip()
    if code not in (0, None) and not error:
        last = (redact(err, extra).strip().splitlines() or [f"exit code {code}"])[-1]
        error = f"kubectl-ai failed: {last[:200]}"
    if audit is not None:
        audit.record({
            "event": "execution", "source": source, "context": target.context, "namespace": target.namespace,
            "request": question, "argv": list(shown), "decision": "allow", "risk": "read",
            "reason": "read-only question handed to kubectl-ai (its own permission checks on)",
            "approver": "policy", "exit_code": code, "duration_s": round(duration, 3),
            "executed": code is not None, "error": error,
        })
    return KubectlAiRun(shown, code, output, error, duration)
